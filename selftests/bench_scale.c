// SPDX-License-Identifier: GPL-2.0
/*
 * bench_scale: N tiny VMs at once, for make bench's scale figures.
 *
 *   bench_scale N EXITS RUNS [TAP-PREFIX]
 *
 * Creates N VMs (tvm.h: one vCPU, 64 KiB), each in a process of its own
 * as a host runs one VMM per VM, and runs each once (a few hypercalls, so
 * that every VM has exited and is known to a monitor). With TAP-PREFIX,
 * each VMM first opens a tap of its own, TAP-PREFIX0 to TAP-PREFIX(N-1),
 * which a monitor binds to its VM as a host's VMM's. It prints "started"
 * and waits for a line on its standard input (the benchmark's word that
 * the monitor has bound every tap), then
 * prints how much the kernel's slab objects (the bytes of every cache's
 * active objects, /proc/slabinfo) and per-CPU memory (/proc/meminfo's
 * Percpu, which moves by whole pages) grew:
 *   "mem N SLAB_BYTES PERCPU_KB"
 * Then it times exits in one more VM while the N exist, as bench_exit does
 * (best of RUNS runs of EXITS hypercalls, nanoseconds per exit):
 *   "exit N NS"
 * Then prints "ready" and keeps every VM until its standard input closes,
 * so that the benchmark can time a monitor's view of N VMs.
 *
 * The memory is the whole kernel's (/proc/meminfo), so its difference with
 * and without a monitor loaded is that monitor's share.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tvm.h"

static long meminfo_kb(const char *field)
{
	size_t len = strlen(field);
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, len) && line[len] == ':') {
			v = strtol(line + len + 1, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

/* The bytes of all slab caches' active objects. */
static long long slab_bytes(void)
{
	long long sum = 0, active, size;
	char line[512], name[64];
	FILE *f = fopen("/proc/slabinfo", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld %*d %lld", name, &active, &size) == 3 &&
		    name[0] != '#')
			sum += active * size;
	fclose(f);
	return sum;
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/*
 * A VMM of one VM: creates and runs it, reports on @ready (one byte: 1 for
 * a VM that halted), then keeps it until @hold reads end of file.
 */
static void vmm(int ready, int hold, const char *tap, int i)
{
	static const struct tvm_profile small = { .hypercalls = 4,
						  .hypercall_nr = 0x4b53 };
	char ok = 0, c, name[16];
	struct tvm vm;

	/*
	 * Each VMM closes @ready once it has reported, so that the parent
	 * sees end of file, not a hang, if one dies before it does. Its tap
	 * goes with it (not persistent).
	 */
	if (tap) {
		snprintf(name, sizeof(name), "%s%d", tap, i);
		if (tap_open(name, false) < 0) {
			fprintf(stderr, "bench_scale: cannot open tap %s\n", name);
			if (write(ready, &ok, 1) != 1)
				perror("bench_scale: write");
			_exit(1);
		}
	}
	if (!tvm_create(&vm, &small)) {
		ok = !tvm_run(&vm, NULL) && vm.exits.hlt == 1;
		if (write(ready, &ok, 1) != 1)
			ok = 0;
		close(ready);
		while (ok && read(hold, &c, 1) > 0)
			;
		tvm_destroy(&vm);
	} else if (write(ready, &ok, 1) != 1) {
		_exit(1);
	}
	_exit(!ok);
}

int main(int argc, char **argv)
{
	struct tvm_profile big = { .hypercall_nr = 0x4b53 };
	int ready[2], hold[2], n, runs, got = 0;
	const char *tap = argc == 5 ? argv[4] : NULL;
	long long slab0;
	long pcpu0;
	struct tvm probe;
	double best = 0;
	char buf[64];

	n = argc == 4 || argc == 5 ? atoi(argv[1]) : 0;
	big.hypercalls = n ? strtoul(argv[2], NULL, 0) : 0;
	runs = n ? atoi(argv[3]) : 0;
	if (n < 1 || n > 4096 || !big.hypercalls || runs < 1 ||
	    (tap && (!*tap || strlen(tap) > 10))) {
		fprintf(stderr, "usage: bench_scale VMS(1-4096) EXITS RUNS [TAP-PREFIX(1-10 chars)]\n");
		return 2;
	}
	if (pipe(ready) || pipe(hold)) {
		perror("bench_scale: pipe");
		return 1;
	}
	/* The VMMs end when this process does, whatever happens to it. */
	signal(SIGPIPE, SIG_IGN);
	slab0 = slab_bytes();
	pcpu0 = meminfo_kb("Percpu");
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0) {
			perror("bench_scale: fork");
			return 1;
		}
		if (!pid) {
			close(ready[0]);
			close(hold[1]);
			vmm(ready[1], hold[0], tap, i);
		}
	}
	close(ready[1]);
	close(hold[0]);
	for (int i = 0; i < n; i++) {
		char ok;

		if (read(ready[0], &ok, 1) != 1 || !ok)
			break;
		got++;
	}
	if (got != n) {
		fprintf(stderr, "bench_scale: %d VMs of %d ran\n", got, n);
		return 1;
	}
	printf("started\n");
	fflush(stdout);
	do {
		if (read(STDIN_FILENO, buf, 1) != 1) {
			fprintf(stderr, "bench_scale: no word to go on\n");
			return 1;
		}
	} while (buf[0] != '\n');
	printf("mem %d %lld %ld\n", n, slab_bytes() - slab0,
	       meminfo_kb("Percpu") - pcpu0);

	if (tvm_create(&probe, &big)) {
		perror("bench_scale: tvm_create");
		return 1;
	}
	for (int r = 0; r < runs; r++) {
		double t0 = now_ns(), dt;

		if ((r && tvm_rewind(&probe)) || tvm_run(&probe, NULL) ||
		    probe.exits.hlt != (unsigned int)r + 1) {
			fprintf(stderr, "bench_scale: the probe did not halt\n");
			return 1;
		}
		dt = (now_ns() - t0) / big.hypercalls;
		if (getenv("BENCH_SCALE_VERBOSE"))
			fprintf(stderr, "bench_scale: %d VMs, run %d: %.1f ns per exit\n",
				n, r + 1, dt);
		if (!r || dt < best)
			best = dt;
	}
	tvm_destroy(&probe);
	printf("exit %d %.1f\nready\n", n, best);
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
	close(hold[1]);
	while (wait(NULL) > 0)
		;
	return 0;
}
