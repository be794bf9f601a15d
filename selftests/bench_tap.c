// SPDX-License-Identifier: GPL-2.0
/*
 * bench_tap: the cost of kvm-sec's tap hooks per packet (make bench, see
 * selftests/bench_tap.sh). It is a VMM: a VM and a tap device, so that
 * kvm-sec binds the tap by itself. It prints "ready", then for each line
 * "tx N" or "rx N" on standard input sends N frames the VM's way (written
 * into the tap: its ingress) or the other way (sent to the device through a
 * packet socket: its egress, read back from the tap) and prints the
 * nanoseconds per frame.
 *
 *   bench_tap TAPNAME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tvm.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

int main(int argc, char **argv)
{
	const struct tvm_profile idle = { .hypercalls = 1 };
	struct frame f;
	char line[64];
	unsigned long n, i;
	int fd, sock, idx;
	struct tvm vm;
	double t0;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_tap TAPNAME\n");
		return 2;
	}
	if (tvm_create(&vm, &idle)) {
		fprintf(stderr, "bench_tap: cannot create a VM\n");
		return 1;
	}
	fd = tap_open(argv[1], false);
	idx = tap_ifindex(argv[1]);
	sock = idx > 0 ? tap_sender(idx) : -1;
	if (fd < 0 || sock < 0) {
		fprintf(stderr, "bench_tap: cannot open tap %s\n", argv[1]);
		return 1;
	}
	/* 10.77.0.1 -> 10.77.0.9, UDP, 64 bytes of payload: 106-byte frames. */
	frame_v4(&f, 0x0a4d0001, 0x0a4d0009, FR_UDP, 0, 0, 64);
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		bool rx = !strncmp(line, "rx ", 3);

		n = strtoul(line + 3, NULL, 10);
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			if (rx) {
				if (tap_send(sock, idx, f.b, f.len))
					break;
				if (!(i % 256))
					tap_drain(fd);
			} else if (write(fd, f.b, f.len) != (ssize_t)f.len) {
				break;
			}
		}
		if (rx)
			tap_drain(fd);
		printf("%.1f\n", i ? (now_ns() - t0) / i : 0.0);
		fflush(stdout);
	}
	return 0;
}
