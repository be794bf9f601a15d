// SPDX-License-Identifier: GPL-2.0
/*
 * udp_flood: the guest benchmark's load (selftests/guest_bench.sh). One
 * thread per CPU, each pinned, sends small UDP datagrams round-robin to
 * DESTS addresses FIRST, FIRST+1, ... for SECONDS, then prints the
 * datagrams sent and their rate. A static binary: the guest has busybox
 * only.
 *
 *   udp_flood FIRST-IPV4 DESTS SECONDS [THREADS]
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint32_t first;
static unsigned int dests;
static double seconds;

struct worker {
	pthread_t thread;
	unsigned int cpu;
	unsigned long sent, failed;
};

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void *run(void *arg)
{
	struct worker *w = arg;
	struct sockaddr_in to = { .sin_family = AF_INET };
	char payload[64] = { 0 };
	unsigned int i = w->cpu;
	cpu_set_t set;
	double end;
	int fd;

	CPU_ZERO(&set);
	CPU_SET(w->cpu, &set);
	sched_setaffinity(0, sizeof(set), &set);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return NULL;
	end = now() + seconds;
	while (now() < end) {
		int k;

		/* 64 datagrams between clock reads */
		for (k = 0; k < 64; k++, i++) {
			to.sin_addr.s_addr = htonl(first + i % dests);
			to.sin_port = htons(9000 + i % 16);
			if (sendto(fd, payload, sizeof(payload), 0,
				   (struct sockaddr *)&to, sizeof(to)) < 0)
				w->failed++;
			else
				w->sent++;
		}
	}
	close(fd);
	return NULL;
}

int main(int argc, char **argv)
{
	unsigned long sent = 0, failed = 0;
	struct worker *w;
	struct in_addr a;
	unsigned int n, i;
	double t0, t;

	if (argc < 4 || !inet_aton(argv[1], &a)) {
		fprintf(stderr, "usage: udp_flood FIRST-IPV4 DESTS SECONDS [THREADS]\n");
		return 2;
	}
	first = ntohl(a.s_addr);
	dests = strtoul(argv[2], NULL, 0);
	seconds = strtod(argv[3], NULL);
	n = argc > 4 ? strtoul(argv[4], NULL, 0) : (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);
	if (!dests || !n || seconds <= 0) {
		fprintf(stderr, "udp_flood: DESTS, SECONDS and THREADS must be positive\n");
		return 2;
	}
	w = calloc(n, sizeof(*w));
	if (!w)
		return 1;
	t0 = now();
	for (i = 0; i < n; i++) {
		w[i].cpu = i;
		if (pthread_create(&w[i].thread, NULL, run, &w[i])) {
			fprintf(stderr, "udp_flood: %s\n", strerror(errno));
			return 1;
		}
	}
	for (i = 0; i < n; i++) {
		pthread_join(w[i].thread, NULL);
		sent += w[i].sent;
		failed += w[i].failed;
	}
	t = now() - t0;
	printf("%lu %lu %.0f\n", sent, failed, sent / t);
	return 0;
}
