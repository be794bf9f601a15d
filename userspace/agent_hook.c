// SPDX-License-Identifier: GPL-2.0
/*
 * vsecd's operator hook: a program of the operator's (a pager, a script
 * that asks OpenStack Watcher for a migration) run with one event as JSON
 * on its standard input. vsecd never waits for it: at most hooks_max run
 * at once, each is killed after hook_timeout_ms, and every hook dropped,
 * failed or killed is counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"

#define HOOKS_MAX 64

static struct {
	pid_t pid;
	uint64_t deadline_ms;
} running[HOOKS_MAX];

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

extern char **environ;

void agent_hook_run(const struct agent_conf *c, struct agent_hooks *h,
		    const char *json)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, all;
	char *argv[] = { (char *)c->hook, NULL };
	size_t len = strlen(json), off = 0;
	unsigned int slot;
	int pipefd[2], err;
	pid_t pid;

	if (!c->hook[0])
		return;
	for (slot = 0; slot < c->hooks_max && slot < HOOKS_MAX; slot++)
		if (!running[slot].pid)
			break;
	if (slot == c->hooks_max || slot == HOOKS_MAX) {
		h->dropped++;
		fprintf(stderr, "vsecd: hook not run: %u already running (dropped %llu)\n",
			c->hooks_max, (unsigned long long)h->dropped);
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC)) {
		h->failed++;
		return;
	}
	/* vsecd blocks its signals (signalfd): the hook gets none blocked. */
	sigemptyset(&none);
	sigfillset(&all);
	posix_spawnattr_init(&attr);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK |
				 POSIX_SPAWN_SETSIGDEF);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[0], STDIN_FILENO);
	err = posix_spawn(&pid, c->hook, &fa, &attr, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	close(pipefd[0]);
	if (err) {
		h->failed++;
		fprintf(stderr, "vsecd: hook %s: %s\n", c->hook, strerror(err));
		close(pipefd[1]);
		return;
	}
	running[slot].pid = pid;
	running[slot].deadline_ms = now_ms() + c->hook_timeout_ms;
	h->run++;
	/*
	 * An event is a few hundred bytes: the pipe takes it at once. A hook
	 * that exits without reading gets it cut (EPIPE, SIGPIPE ignored).
	 */
	while (off < len) {
		ssize_t n = write(pipefd[1], json + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(pipefd[1]);
}

void agent_hook_reap(const struct agent_conf *c, struct agent_hooks *h)
{
	uint64_t now = now_ms();
	unsigned int i;

	(void)c;
	for (i = 0; i < HOOKS_MAX; i++) {
		int status;
		pid_t r;

		if (!running[i].pid)
			continue;
		r = waitpid(running[i].pid, &status, WNOHANG);
		if (r == running[i].pid) {
			if (!WIFEXITED(status) || WEXITSTATUS(status)) {
				h->failed++;
				fprintf(stderr, "vsecd: hook %s failed (status %d)\n",
					c->hook, status);
			}
			running[i].pid = 0;
		} else if (r < 0 && errno == ECHILD) {
			running[i].pid = 0;
		} else if (now >= running[i].deadline_ms) {
			kill(running[i].pid, SIGKILL);
			waitpid(running[i].pid, &status, 0);
			h->killed++;
			fprintf(stderr, "vsecd: hook %s killed after %u ms\n",
				c->hook, c->hook_timeout_ms);
			running[i].pid = 0;
		}
	}
}

int agent_hook_next_timeout(const struct agent_conf *c)
{
	uint64_t now = now_ms(), next = UINT64_MAX;
	unsigned int i;

	(void)c;
	for (i = 0; i < HOOKS_MAX; i++)
		if (running[i].pid && running[i].deadline_ms < next)
			next = running[i].deadline_ms;
	if (next == UINT64_MAX)
		return -1;
	return next <= now ? 0 : (int)(next - now);
}
