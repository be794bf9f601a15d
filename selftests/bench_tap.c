// SPDX-License-Identifier: GPL-2.0
/*
 * bench_tap: the cost of kvm-sec's tap hooks per packet (make bench, see
 * selftests/bench_tap.sh). It is a VMM: a VM and a tap device, so that
 * kvm-sec binds the tap by itself. It prints "ready", then for each line
 * "tx N [PEERS]" or "rx N [PEERS]" on standard input sends N frames the
 * VM's way (written into the tap: its ingress) or the other way (sent to
 * the device through a packet socket: its egress, read back from the tap)
 * and prints the nanoseconds per frame and the frames sent. The frames
 * go to PEERS peers in turn (1 to 256, 1 by default): the destination
 * changes from one frame to the next when the VM sends, the source when it
 * receives. PEERS "scan" makes every frame's peer one never used before by
 * this process (11.0.0.1 upwards): a monitor adds a peer for every frame.
 *
 *   bench_tap TAPNAME
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "tap.h"
#include "tvm.h"

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* The IPv4 addresses of a frame_v4() frame: after 14 bytes of Ethernet. */
#define IP_SRC_AT	(14 + 12)
#define IP_DST_AT	(14 + 16)
#define SCAN_FIRST	0x0b000001u	/* 11.0.0.1 */
#define SCAN_LAST	0x0bffffffu

int main(int argc, char **argv)
{
	const struct tvm_profile idle = { .hypercalls = 1 };
	static struct frame tx[256], rx[256], scan;
	uint32_t next_peer = SCAN_FIRST, a;
	char line[64], *end;
	unsigned long n, i, peers;
	bool is_scan;
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
	/*
	 * 10.77.0.1 -> 10.77.0.9, UDP, 64 bytes of payload: 106-byte frames;
	 * peer p is 10.77.p.9 (sent to) or 10.77.p.1 (received from).
	 */
	for (i = 0; i < 256; i++) {
		frame_v4(&tx[i], 0x0a4d0001, 0x0a4d0009 | i << 8, FR_UDP, 0, 0, 64);
		frame_v4(&rx[i], 0x0a4d0001 | i << 8, 0x0a4d0009, FR_UDP, 0, 0, 64);
	}
	printf("ready\n");
	fflush(stdout);
	while (fgets(line, sizeof(line), stdin)) {
		bool recv = !strncmp(line, "rx ", 3);
		const struct frame *f = recv ? rx : tx;

		n = strtoul(line + 3, &end, 10);
		end += strspn(end, " ");
		is_scan = !strncmp(end, "scan", 4);
		peers = is_scan ? 1 : strtoul(end, NULL, 10);
		if (!peers)
			peers = 1;
		if (peers > 256) {
			fprintf(stderr, "bench_tap: at most 256 peers\n");
			return 2;
		}
		if (is_scan && n > SCAN_LAST - next_peer + 1) {
			fprintf(stderr, "bench_tap: out of scan addresses\n");
			return 2;
		}
		scan = f[0];
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			const struct frame *p = &f[i % peers];

			if (is_scan) {
				/* The same work for every monitor measured. */
				a = htonl(next_peer++);
				memcpy(scan.b + (recv ? IP_SRC_AT : IP_DST_AT),
				       &a, 4);
				p = &scan;
			}

			if (recv) {
				if (tap_send(sock, idx, p->b, p->len))
					break;
				if (!(i % 256))
					tap_drain(fd);
			} else if (write(fd, p->b, p->len) != (ssize_t)p->len) {
				break;
			}
		}
		if (recv)
			tap_drain(fd);
		printf("%.1f %lu\n", i ? (now_ns() - t0) / i : 0.0, i);
		fflush(stdout);
	}
	return 0;
}
