// SPDX-License-Identifier: GPL-2.0
/*
 * bench_exit: the cost of one KVM exit, as the VMM sees it. The guest makes
 * N hypercalls, each a full exit handled inside KVM (no return to
 * userspace), then halts; the time of that KVM_RUN divided by N is the
 * round-trip cost of an exit. Prints the best of R runs in nanoseconds.
 *
 * In the lab under "-icount shift=0", one emulated instruction advances the
 * test host's clock by one nanosecond, so time is a count of instructions.
 * "bench_exit --calibrate" checks that: it times a loop of a known number of
 * instructions and prints nanoseconds per instruction (1.0 under icount,
 * up to the kernel's clock calibration), which selftests/bench.sh divides
 * by. The difference with kvm-sec loaded and unloaded is then the
 * instructions kvm-sec adds to each exit.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tvm.h"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Nanoseconds per instruction over a loop of exactly 2 * iters + 2. */
static double calibrate(void)
{
	const unsigned long iters = 50000000;
	double best = 0;

	for (int r = 0; r < 3; r++) {
		unsigned long c = iters;
		double t0 = now_ns(), dt;

		asm volatile("1: dec %0\n\tjnz 1b" : "+r"(c) : : "cc");
		dt = (now_ns() - t0) / (2.0 * iters);
		if (!r || dt < best)
			best = dt;
	}
	return best;
}

int main(int argc, char **argv)
{
	uint32_t n = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 0) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	struct tvm_profile p = { .hypercalls = n, .hypercall_nr = 0x4b53 };
	double best = 0;

	if (argc > 1 && !strcmp(argv[1], "--calibrate")) {
		printf("%.4f\n", calibrate());
		return 0;
	}
	if (!n || runs < 1) {
		fprintf(stderr, "usage: bench_exit [EXITS [RUNS]] | --calibrate\n");
		return 2;
	}
	for (int r = 0; r < runs; r++) {
		struct tvm t;
		double t0, dt;

		if (tvm_create(&t, &p)) {
			perror("tvm_create");
			return 1;
		}
		t0 = now_ns();
		if (tvm_run(&t, NULL) || t.exits.hlt != 1) {
			fprintf(stderr, "bench_exit: the guest did not halt\n");
			return 1;
		}
		dt = (now_ns() - t0) / n;
		if (!r || dt < best)
			best = dt;
		tvm_destroy(&t);
	}
	printf("%.1f\n", best);
	return 0;
}
