// SPDX-License-Identifier: GPL-2.0
/*
 * bench_limits: each network limit of a VM, the rate asked and the rate
 * measured while it holds (make bench; a figure, not a test). This process
 * is the VMM: a VM and tap ksbl0, which kvm-sec binds. The host stack is the
 * VM's peer, at 10.79.0.9 on the tap; the VM is 10.79.0.1.
 *
 * Each limit in turn: RATE a second (a tenth of a second's worth of bucket,
 * refilled every 100 ms), offered about four times faster for SECONDS, and
 * what passed counted by the other side, not by kvm-sec:
 *
 *   tx_packets, tx_bytes  UDP datagrams the VM sends, received by a UDP
 *                         socket of the host;
 *   tx_syn                SYNs to a listening socket of the host, by the
 *                         SYN-ACKs that come back out of the tap;
 *   rx_packets, rx_bytes,  frames sent to the device, as the VM receives
 *   rx_syn                them, read from the tap.
 *
 * Printed: asked, offered and passed a second, passed over what the bucket
 * allows in that time (its size plus the refills: 1.00 is exact), and the
 * drops kvm-sec counted against what did not pass. The VM is held at level
 * 1 (the admin's level), so that HSEM sets no limit of its own meanwhile.
 *
 * Then each exit limit (hypercalls, pio, mmio): a VM of a child process
 * whose guest makes those exits without pause, held at level 1 too; what
 * it offers is its rate unlimited, what passed its rate while limited over
 * SECONDS (the bucket's first tokens spent first), both by kvm-sec's exit
 * counters; the exits that waited and how long the vCPU waited in all.
 *
 *   bench_limits [RATE [SECONDS]]   RATE a multiple of 10 (default 200)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ksec_util.h"
#include "tap.h"
#include "tvm.h"

#define TAP	"ksbl0"
#define VM_IP	0x0a4f0001	/* 10.79.0.1 */
#define HOST_IP	0x0a4f0009	/* 10.79.0.9 */
#define UDP_PORT 4009
#define TCP_PORT 4010
#define LIM(name)	(KVM_SEC_LIMIT_##name - KVM_SEC_LIMIT_TX_PACKETS)

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static int set_limit(struct vsec_ipc *ipc, uint32_t id, int lim,
		     uint64_t size)
{
	struct vsec_limits l = { 0 };

	l.l[lim].given = true;
	l.l[lim].size = size;
	l.l[lim].refill_ms = 100;
	return vsec_ipc_set_limits(ipc, id, &l);
}

/*
 * Frames from the tap that @f's run sent the VM (same protocol and
 * destination port; TCP: SYNs), or, @synacks, SYN-ACKs to ports not seen
 * before (the host retransmits a SYN-ACK that is not answered).
 */
static unsigned int read_tap(int fd, const struct frame *f, bool synacks)
{
	static uint8_t seen[65536 / 8];
	const uint8_t *fip = f->b + 14, *fl4 = fip + 20;
	unsigned int n = 0;
	uint8_t b[2048];
	ssize_t len;

	while ((len = read(fd, b, sizeof(b))) > 0) {
		const uint8_t *ip = b + 14, *l4 = ip + (ip[0] & 15) * 4;
		unsigned int port;

		if (len < 14 + 20 + 20 || b[12] != 0x08 || b[13] != 0 ||
		    l4 + 20 > b + len)
			continue;
		if (synacks) {
			port = l4[2] << 8 | l4[3];
			if (ip[9] == 6 && (l4[13] & 0x12) == 0x12 &&
			    !(seen[port / 8] & 1 << port % 8)) {
				seen[port / 8] |= 1 << port % 8;
				n++;
			}
			continue;
		}
		if (ip[9] == fip[9] && l4[2] == fl4[2] && l4[3] == fl4[3] &&
		    (ip[9] != 6 || l4[13] == fl4[13]))
			n++;
	}
	return n;
}

static unsigned int read_udp(int s)
{
	char b[2048];
	unsigned int n = 0;

	while (recv(s, b, sizeof(b), MSG_DONTWAIT) > 0)
		n++;
	return n;
}

struct run {
	const char *name;
	int lim;
	bool rx, syn, bytes;
};

static volatile int child_stop;

static void on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* The VM's count of exit counter @ctr, and (middle) when it was read. */
static uint64_t exits_at(struct vsec_ipc *ipc, pid_t pid, int ctr, double *at)
{
	double t0 = now_s();
	struct vsec_vm vm;
	uint64_t n = 0;

	if (!ksec_vm_of_pid(ipc, pid, &vm))
		n = vm.ctr[ctr];
	*at = (t0 + now_s()) / 2;
	return n;
}

static double rate_of(struct vsec_ipc *ipc, pid_t pid, int ctr, double secs)
{
	double t0, t1;
	uint64_t n0 = exits_at(ipc, pid, ctr, &t0), n1;

	usleep((useconds_t)(secs * 1e6));
	n1 = exits_at(ipc, pid, ctr, &t1);
	return (n1 - n0) / (t1 - t0);
}

static bool any_vm(const struct vsec_vm *vm, const void *arg)
{
	return true;
}

/* An exit limit of @rate a second, measured on a flooding VM: 0 or 1. */
static int exit_run(struct vsec_ipc *ipc, const char *name, int lim, int ctr,
		    const struct tvm_profile *p, unsigned int rate, double secs)
{
	double offered, passed;
	struct vsec_limits l;
	struct vsec_vm vm;
	int status, ret = 1;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return 1;
	if (!pid) {
		struct tvm t;

		signal(SIGTERM, on_term);
		if (tvm_create(&t, p))
			_exit(1);
		tvm_run(&t, &child_stop);
		tvm_destroy(&t);
		_exit(0);
	}
	if (!ksec_wait_vm(ipc, pid, &vm, any_vm, NULL) ||
	    vsec_ipc_command_vm(ipc, vm.id, 1, -1)) {
		fprintf(stderr, "bench_limits: %s: no VM\n", name);
		goto out;
	}
	offered = rate_of(ipc, pid, ctr, 1);
	if (set_limit(ipc, vm.id, lim, rate / 10)) {
		fprintf(stderr, "bench_limits: cannot set %s\n", name);
		goto out;
	}
	usleep(300000);
	passed = rate_of(ipc, pid, ctr, secs);
	if (vsec_ipc_get_limits(ipc, vm.id, &l)) {
		fprintf(stderr, "bench_limits: cannot read %s\n", name);
		goto out;
	}
	printf("%-11s %9u %9.0f %9.0f %7.2f %9llu %8.2f s\n", name, rate,
	       offered, passed, passed / rate,
	       (unsigned long long)l.l[lim].drops, l.l[lim].wait_us / 1e6);
	fflush(stdout);
	ret = 0;
out:
	kill(pid, SIGTERM);
	waitpid(pid, &status, 0);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct run runs[] = {
		/*
		 * tx_syn last: the host retransmits its unanswered SYN-ACKs
		 * for a minute, and they would take the RX buckets' tokens.
		 */
		{ "rx_packets", LIM(RX_PACKETS), true, false, false },
		{ "rx_bytes", LIM(RX_BYTES), true, false, true },
		{ "rx_syn", LIM(RX_SYN), true, true, false },
		{ "tx_packets", LIM(TX_PACKETS), false, false, false },
		{ "tx_bytes", LIM(TX_BYTES), false, false, true },
		{ "tx_syn", LIM(TX_SYN), false, true, false },
	};
	const struct tvm_profile idle = { .hypercalls = 1 };
	unsigned int rate = argc > 1 ? atoi(argv[1]) : 200;
	double secs = argc > 2 ? atof(argv[2]) : 3.0;
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd, udp, lst, snd, idx, one = 1;
	struct vsec_ipc *ipc;
	struct vsec_vm vm;
	struct tvm t;
	unsigned int r;

	/* Offered: about 4 x RATE x SECONDS SYNs, each from its own port. */
	if (rate < 10 || rate > 10000 || rate % 10 || secs < 1 ||
	    4 * rate * secs > 40000) {
		fprintf(stderr, "usage: bench_limits [RATE [SECONDS]]: RATE a multiple of 10, RATE x SECONDS at most 10000\n");
		return 2;
	}
	if (!ksec_have_tun() || vsec_ipc_open(&ipc)) {
		fprintf(stderr, "bench_limits: no tun, or kvm-sec not loaded\n");
		return 1;
	}
	if (tvm_create(&t, &idle)) {
		fprintf(stderr, "bench_limits: cannot create a VM\n");
		goto fail;
	}
	fd = tap_open(TAP, false);
	if (fd < 0 || !ksec_wait_vm(ipc, getpid(), &vm, ksec_has_dev, TAP)) {
		fprintf(stderr, "bench_limits: tap %s not bound\n", TAP);
		goto fail;
	}
	if (vsec_ipc_command_vm(ipc, vm.id, 1, -1)) {
		fprintf(stderr, "bench_limits: cannot hold VM %u at level 1\n",
			vm.id);
		goto fail;
	}
	/* The host on the tap, with the MAC frame_v4_finish() sends to. */
	if (system("ip link set " TAP " down && ip link set " TAP
		   " address 02:00:5e:10:00:09 && ip link set " TAP " up &&"
		   " ip addr add 10.79.0.9/24 dev " TAP " &&"
		   " ip neigh replace 10.79.0.1 lladdr 02:00:5e:10:00:01 dev "
		   TAP)) {
		fprintf(stderr, "bench_limits: cannot address %s\n", TAP);
		goto fail;
	}
	/* Now: bound before the tap went down, it would say ENETDOWN once. */
	idx = tap_ifindex(TAP);
	snd = idx > 0 ? tap_sender(idx) : -1;
	if (snd < 0) {
		fprintf(stderr, "bench_limits: no packet socket on %s\n", TAP);
		goto fail;
	}
	udp = socket(AF_INET, SOCK_DGRAM, 0);
	lst = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(udp, SOL_SOCKET, SO_RCVBUF, &(int){ 1 << 22 }, sizeof(int));
	setsockopt(lst, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	a.sin_addr.s_addr = htonl(HOST_IP);
	a.sin_port = htons(UDP_PORT);
	if (bind(udp, (struct sockaddr *)&a, sizeof(a))) {
		perror("bench_limits: bind");
		goto fail;
	}
	a.sin_port = htons(TCP_PORT);
	if (bind(lst, (struct sockaddr *)&a, sizeof(a)) || listen(lst, 4096)) {
		perror("bench_limits: listen");
		goto fail;
	}

	printf("# each limit %u a second (bucket %u, refilled every 100 ms), offered ~4x for %.0f s\n",
	       rate, rate / 10, secs);
	printf("%-11s %9s %9s %9s %7s %9s %9s\n", "limit", "asked/s",
	       "offered/s", "passed/s", "ratio", "dropped", "counted");
	for (r = 0; r < sizeof(runs) / sizeof(runs[0]); r++) {
		const struct run *x = &runs[r];
		unsigned int offered = 0, passed = 0, batch = rate / 25 + 1;
		uint64_t size, drops0, drops1;
		struct vsec_limits l;
		struct frame f;
		uint16_t sport = 20000;
		double t0, t1, allowed;
		unsigned int i;

		if (x->syn)
			frame_v4(&f, x->rx ? HOST_IP : VM_IP,
				 x->rx ? VM_IP : HOST_IP, FR_TCP, 0x02, 0, 0);
		else
			frame_v4(&f, x->rx ? HOST_IP : VM_IP,
				 x->rx ? VM_IP : HOST_IP, FR_UDP, 0, 0, 64);
		frame_v4_finish(&f, sport, x->syn ? TCP_PORT : UDP_PORT);
		size = (uint64_t)rate / 10 * (x->bytes ? f.len : 1);
		if (vsec_ipc_get_limits(ipc, vm.id, &l) ||
		    set_limit(ipc, vm.id, x->lim, size)) {
			fprintf(stderr, "bench_limits: cannot set %s\n", x->name);
			goto fail;
		}
		drops0 = l.l[x->lim].drops;
		tap_drain(fd);
		read_udp(udp);
		/* batch frames every 10 ms: about 4x the rate asked. */
		t0 = now_s();
		while (now_s() - t0 < secs) {
			for (i = 0; i < batch; i++) {
				if (x->syn)
					frame_v4_finish(&f, sport++,
							TCP_PORT);
				/* kvm-sec's drop at egress: ENOBUFS. */
				if (x->rx) {
					int e = tap_send(snd, idx, f.b, f.len);

					if (e && e != -ENOBUFS) {
						errno = -e;
						goto send_failed;
					}
				} else if (write(fd, f.b, f.len) !=
					   (ssize_t)f.len) {
					goto send_failed;
				}
				offered++;
			}
			passed += x->rx || x->syn ?
				  read_tap(fd, &f, x->syn && !x->rx) :
				  read_udp(udp);
			usleep(10000);
		}
		t1 = now_s();
		/* What passed at the end of the window is still on its way. */
		usleep(100000);
		passed += x->rx || x->syn ?
			  read_tap(fd, &f, x->syn && !x->rx) : read_udp(udp);
		if (set_limit(ipc, vm.id, x->lim, 0) ||
		    vsec_ipc_get_limits(ipc, vm.id, &l)) {
			fprintf(stderr, "bench_limits: cannot lift %s\n",
				x->name);
			goto fail;
		}
		drops1 = l.l[x->lim].drops;
		allowed = rate / 10 + rate * (t1 - t0);
		printf("%-11s %9u %9.0f %9.0f %7.2f %9d %9llu\n", x->name,
		       rate, offered / (t1 - t0), passed / (t1 - t0),
		       passed / allowed, (int)(offered - passed),
		       (unsigned long long)(drops1 - drops0));
		fflush(stdout);
	}

	/* The children must not hold this VM's tap or files. */
	close(fd);
	close(snd);
	close(udp);
	close(lst);
	tvm_destroy(&t);
	printf("# each exit limit %u a second (bucket %u, refilled every 100 ms), on a VM flooding that class\n",
	       rate, rate / 10);
	printf("%-11s %9s %9s %9s %7s %9s %10s\n", "limit", "asked/s",
	       "offered/s", "passed/s", "ratio", "paced", "waited");
	{
		const struct tvm_profile hc = { .hypercalls = 100,
						.forever = true };
		const struct tvm_profile pio = { .port_writes = 100,
						 .port = 0x3f0,
						 .forever = true };
		const struct tvm_profile mmio = { .mmio_writes = 100,
						  .mmio_gpa = 0x20000,
						  .forever = true };

		if (exit_run(ipc, "hypercalls", LIM(HYPERCALLS),
			     KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS, &hc,
			     rate, secs) ||
		    exit_run(ipc, "pio", LIM(PIO),
			     KVM_SEC_CTR_PIO_OUT - KVM_SEC_CTR_EXITS, &pio,
			     rate, secs) ||
		    exit_run(ipc, "mmio", LIM(MMIO),
			     KVM_SEC_CTR_MMIO_WRITE - KVM_SEC_CTR_EXITS, &mmio,
			     rate, secs))
			goto fail;
	}
	vsec_ipc_close(ipc);
	return 0;
send_failed:
	perror("bench_limits: send");
fail:
	vsec_ipc_close(ipc);
	return 1;
}
