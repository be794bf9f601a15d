// SPDX-License-Identifier: GPL-2.0
/*
 * The host's own view of a VM's network, on real tap devices: this process
 * (and a child) are VMMs, each with a real VM and a real tap, and kvm-sec
 * must find their taps by itself, count every frame each way exactly, parse
 * what a hostile guest could put in headers without being fooled, classify
 * peers (this host with the right VM, inside the provider, outside), bind
 * and unbind devices by hand, and let go of a tap that disappears while
 * frames flow. Frames written to a tap's file are what its VM sends;
 * frames sent to the device are what its VM receives.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <linux/if_tun.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "tap.h"
#include "tvm.h"

#define NCTR(vm, name) \
	((vm)->net.ctr[KVM_SEC_NET_CTR_##name - KVM_SEC_NET_CTR_TX_PACKETS])

static const struct tvm_profile idle_vm = { .hypercalls = 1 };

static bool lacks_dev(const struct vsec_vm *vm, const void *name)
{
	return vm->net.present && ksec_dev_index(vm, name) < 0;
}

static bool has_addr4(const struct vsec_vm *vm, const void *arg)
{
	uint32_t want = htonl(*(const uint32_t *)arg);
	unsigned int i;

	for (i = 0; i < vm->net.nr_addrs; i++)
		if (vm->net.addr[i].len == 4 &&
		    !memcmp(vm->net.addr[i].addr, &want, 4))
			return true;
	return false;
}

/* The entry of @addr in a peer table, or NULL. */
static const __typeof__(((struct vsec_peers *)0)->e[0]) *
peer4(const struct vsec_peers *p, uint32_t addr)
{
	uint32_t a = htonl(addr);
	unsigned int i;

	for (i = 0; i < p->nr; i++)
		if (p->e[i].family == 4 && !memcmp(p->e[i].addr, &a, 4))
			return &p->e[i];
	return NULL;
}

static void send_v4(int fd, uint32_t src, uint32_t dst, int proto,
		    uint8_t flags, uint8_t icmp, size_t payload, unsigned int n)
{
	struct frame f;

	frame_v4(&f, src, dst, proto, flags, icmp, payload);
	tap_write(fd, &f, n);
}

FIXTURE(net) {
	struct vsec_ipc *ipc;
	struct vsec_config cfg;
	struct tvm vm;
	int tap;
};

FIXTURE_SETUP(net)
{
	self->tap = -1;
	self->ipc = NULL;
	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_TRUE(ksec_have_tun()) TH_LOG("no tun");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc)) TH_LOG("kvm-sec is not loaded");
	ASSERT_EQ(0, vsec_ipc_get_config(self->ipc, &self->cfg));
	/* Short intervals: the tests wait for samples. */
	ASSERT_EQ(0, vsec_ipc_set_interval(self->ipc, 100));
	ASSERT_EQ(0, tvm_create(&self->vm, &idle_vm));
}

FIXTURE_TEARDOWN(net)
{
	if (self->tap >= 0)
		close(self->tap);
	if (!self->ipc)
		return;
	vsec_ipc_set_interval(self->ipc, self->cfg.interval_ms);
	vsec_ipc_set_prefixes(self->ipc, self->cfg.prefixes,
			      self->cfg.nr_prefixes);
	vsec_ipc_close(self->ipc);
}

TEST_F_TIMEOUT(net, taps_of_the_vmm_are_found_and_forgotten, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm vm;
	char out[16384];
	int second, i;

	self->tap = tap_open("ksnt-a", false);
	ASSERT_LE(0, self->tap);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-a"));
	i = ksec_dev_index(&vm, "ksnt-a");
	EXPECT_EQ(KVM_SEC_NETDEV_TUN, vm.net.dev[i].how);
	EXPECT_EQ(tap_ifindex("ksnt-a"), (int)vm.net.dev[i].ifindex);
	EXPECT_TRUE(vm.net.dev[i].init_net);

	/* A second tap opened later is found too. */
	second = tap_open("ksnt-a2", false);
	ASSERT_LE(0, second);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-a2"));
	EXPECT_EQ(2, vm.net.nr_devs);
	snprintf(out, sizeof(out), "vsecctl show %u", vm.id);
	ASSERT_EQ(0, run_capture(out, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "ksnt-a2 (tun, ifindex"));

	/* Closing it removes the device: the module lets go of it. */
	close(second);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, lacks_dev, "ksnt-a2"));
	EXPECT_EQ(1, vm.net.nr_devs);
}

TEST_F_TIMEOUT(net, exact_counts_each_way, KSEC_TEST_TIMEOUT)
{
	const uint32_t me = ksec_ip4("10.77.0.1"), peer = ksec_ip4("10.77.0.9");
	struct vsec_vm vm;
	struct frame f;
	int got = 0;

	self->tap = tap_open("ksnt-c", false);
	ASSERT_LE(0, self->tap);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-c"));
	ASSERT_EQ(0, NCTR(&vm, TX_PACKETS) + NCTR(&vm, RX_PACKETS))
		TH_LOG("the host sent on the tap by itself");

	/* The VM sends 300 UDP datagrams of 100 bytes: 142-byte frames. */
	send_v4(self->tap, me, peer, FR_UDP, 0, 0, 100, 300);
	/* ... and receives 120 of 58 bytes (18 of payload). */
	frame_v4(&f, peer, me, FR_UDP, 0, 0, 16);
	ASSERT_EQ(0, tap_deliver("ksnt-c", &f, 120));
	got = tap_drain(self->tap);

	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(300, NCTR(&vm, TX_PACKETS));
	EXPECT_EQ(300 * 142, NCTR(&vm, TX_BYTES));
	EXPECT_EQ(300, NCTR(&vm, TX_UDP));
	EXPECT_EQ(120, NCTR(&vm, RX_PACKETS));
	EXPECT_EQ(120 * 58, NCTR(&vm, RX_BYTES));
	EXPECT_EQ(120, NCTR(&vm, RX_UDP));
	EXPECT_EQ(120, got) TH_LOG("the tap delivered %d frames", got);
	EXPECT_EQ(0, NCTR(&vm, TX_UNPARSED) + NCTR(&vm, RX_UNPARSED));
	/* One peer each way, with every packet, classified outside. */
	ASSERT_EQ(1, vm.net.dst.nr);
	EXPECT_NE(NULL, peer4(&vm.net.dst, peer));
	EXPECT_EQ(300, vm.net.dst.e[0].packets);
	EXPECT_EQ(KVM_SEC_PEER_OUTSIDE, vm.net.dst.e[0].class);
	ASSERT_EQ(1, vm.net.src.nr);
	EXPECT_EQ(120, vm.net.src.e[0].packets);
	EXPECT_EQ(0, vm.net.dst.other + vm.net.src.other);
}

/* Header parsing against what a guest can write, byte for byte. */
TEST_F_TIMEOUT(net, headers_a_guest_writes, KSEC_TEST_TIMEOUT)
{
	const uint32_t me = ksec_ip4("10.77.0.1"), peer = ksec_ip4("10.77.0.9");
	uint8_t a6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	uint8_t b6[16] = { 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	struct vsec_vm vm;
	struct frame f;

	self->tap = tap_open("ksnt-h", false);
	ASSERT_LE(0, self->tap);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-h"));

	/* Sent: 3 SYN, 1 RST+ACK, 2 SYN-ACK, 4 ICMP unreachable. */
	send_v4(self->tap, me, peer, FR_TCP, 0x02, 0, 0, 3);
	send_v4(self->tap, me, peer, FR_TCP, 0x14, 0, 0, 1);
	send_v4(self->tap, me, peer, FR_TCP, 0x12, 0, 0, 2);
	send_v4(self->tap, me, peer, FR_ICMP, 0, 3, 0, 4);
	/* Received: 5 SYN-ACK, 6 RST, 7 unreachable, 1 ICMP echo. */
	frame_v4(&f, peer, me, FR_TCP, 0x12, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-h", &f, 5));
	frame_v4(&f, peer, me, FR_TCP, 0x04, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-h", &f, 6));
	frame_v4(&f, peer, me, FR_ICMP, 0, 3, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-h", &f, 7));
	frame_v4(&f, peer, me, FR_ICMP, 0, 8, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-h", &f, 1));
	/* IPv6: SYN behind 8 extension headers (followed), unreachable. */
	frame_v6(&f, a6, b6, 8, 6, 0x02);
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	frame_v6(&f, b6, a6, 0, 58, 1);
	ASSERT_EQ(0, tap_deliver("ksnt-h", &f, 1));
	/* 9 extension headers: too deep, counted as unparsed. */
	frame_v6(&f, a6, b6, 9, 6, 0x02);
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* IPv4 cut short after 10 bytes; TCP cut before its flags. */
	frame_v4(&f, me, peer, FR_UDP, 0, 0, 0);
	ASSERT_EQ(24, write(self->tap, f.b, 24));
	frame_v4(&f, me, peer, FR_TCP, 0x02, 0, 0);
	ASSERT_EQ(14 + 20 + 10, write(self->tap, f.b, 14 + 20 + 10));
	/*
	 * Headers past the datagram's end, in the frame's padding: UDP
	 * whose datagram ends 4 bytes into its header; an IPv6 payload of
	 * 4 bytes, its fragment header (a later fragment's) after them.
	 */
	frame_v4(&f, me, peer, FR_UDP, 0, 0, 0);
	f.b[14 + 2] = 0;
	f.b[14 + 3] = 20 + 4;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	frame_v6(&f, a6, b6, 1, 6, 0x02);
	f.b[14 + 4] = 0;
	f.b[14 + 5] = 4;
	f.b[14 + 6] = 44;		/* Fragment */
	f.b[14 + 40 + 2] = 0x00;	/* offset 2: not the first */
	f.b[14 + 40 + 3] = 0x10;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* The same with a payload length of 0 (no jumbogram: empty). */
	f.b[14 + 5] = 0;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* A SYN whose destination options header ends past the payload. */
	frame_v6(&f, a6, b6, 1, 6, 0x02);
	f.b[14 + 4] = 0;
	f.b[14 + 5] = 4;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* A later fragment: addresses counted, no transport header read. */
	frame_v4(&f, me, peer, FR_TCP, 0x02, 0, 0);
	f.b[14 + 6] = 0x00;
	f.b[14 + 7] = 0x10;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* VLAN-tagged UDP. */
	frame_v4(&f, me, peer, FR_UDP, 0, 0, 0);
	memmove(f.b + 16, f.b + 12, f.len - 12);
	f.b[12] = 0x81;
	f.b[13] = 0x00;
	f.b[14] = 0;
	f.b[15] = 5;
	f.len += 4;
	ASSERT_EQ((ssize_t)f.len, write(self->tap, f.b, f.len));
	/* ARP, and a frame of garbage with a made-up EtherType. */
	memset(&f, 0, sizeof(f));
	f.b[12] = 0x08;
	f.b[13] = 0x06;
	ASSERT_EQ(60, write(self->tap, f.b, 60));
	f.b[12] = 0x88;
	f.b[13] = 0xb5;
	ASSERT_EQ(60, write(self->tap, f.b, 60));
	tap_drain(self->tap);

	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(3 + 1 + 2 + 4 + 1 + 1 + 2 + 4 + 1 + 1 + 2,
		  NCTR(&vm, TX_PACKETS));
	EXPECT_EQ(5 + 6 + 7 + 1 + 1, NCTR(&vm, RX_PACKETS));
	EXPECT_EQ(3 + 1, NCTR(&vm, TX_SYN));	/* the IPv6 one too */
	EXPECT_EQ(2, NCTR(&vm, TX_SYNACK));
	EXPECT_EQ(1, NCTR(&vm, TX_RST));
	EXPECT_EQ(4, NCTR(&vm, TX_UNREACH));
	EXPECT_EQ(5, NCTR(&vm, RX_SYNACK));
	EXPECT_EQ(0, NCTR(&vm, RX_SYN));
	EXPECT_EQ(6, NCTR(&vm, RX_RST));
	EXPECT_EQ(7 + 1, NCTR(&vm, RX_UNREACH));
	EXPECT_EQ(1, NCTR(&vm, TX_UDP));	/* the VLAN-tagged one */
	EXPECT_EQ(2, NCTR(&vm, TX_NONIP));
	/* Too deep, cut short (IP), cut short (TCP), past the end (4). */
	EXPECT_EQ(7, NCTR(&vm, TX_UNPARSED));
	EXPECT_EQ(0, NCTR(&vm, RX_UNPARSED));
}

static bool no_destination(const struct vsec_vm *vm, const void *arg)
{
	(void)arg;
	return vm->net.present && !vm->net.distinct_dst;
}

TEST_F_TIMEOUT(net, distinct_destinations_per_interval, KSEC_TEST_TIMEOUT)
{
	const uint32_t me = ksec_ip4("10.77.0.1"), base = ksec_ip4("198.51.100.0");
	unsigned int waited, round;
	struct vsec_vm vm;
	bool seen = false;
	uint32_t d;

	self->tap = tap_open("ksnt-d", false);
	ASSERT_LE(0, self->tap);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-d"));
	/*
	 * 200 destinations, round after round: some 100 ms interval holds
	 * at least one whole round, and the estimate of that one must be
	 * within 10% (HyperLogLog, 1024 registers: linear counting, about 2.3%
	 * standard error for 200; 10% is over 4 of them).
	 */
	for (waited = 0, round = 0; waited < KSEC_WAIT_MS && !seen; round++) {
		for (d = 0; d < 200; d++)
			send_v4(self->tap, me, base + d, FR_UDP, 0, 0, 0, 1);
		ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
		seen = vm.net.distinct_dst >= 180 && vm.net.distinct_dst <= 220;
		if (vm.net.distinct_dst > 220)
			break;
		ksec_msleep(20);
		waited += 20;
	}
	EXPECT_TRUE(seen) TH_LOG("estimated %llu distinct destinations",
				 (unsigned long long)vm.net.distinct_dst);
	/* The table keeps 6 of them, the rest in other: nothing lost. */
	EXPECT_EQ(KVM_SEC_NET_PEERS, vm.net.dst.nr);
	EXPECT_EQ(NCTR(&vm, TX_PACKETS),
		  vm.net.dst.other + vm.net.dst.e[0].packets +
		  vm.net.dst.e[1].packets + vm.net.dst.e[2].packets +
		  vm.net.dst.e[3].packets + vm.net.dst.e[4].packets +
		  vm.net.dst.e[5].packets);
	/* Quiet now: a later interval saw no destination at all. */
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, no_destination, NULL));
}

/* A second VMM, in a child: a VM, a tap, frames on command. */
struct child {
	pid_t pid;
	int cmd, ack;
};

static void child_main(int cmd, int ack, const char *tap, uint32_t me,
		       uint32_t to)
{
	struct tvm t;
	char c;
	int fd;

	if (tvm_create(&t, &idle_vm))
		_exit(2);
	fd = tap_open(tap, false);
	if (fd < 0)
		_exit(3);
	if (write(ack, "r", 1) != 1)
		_exit(4);
	while (read(cmd, &c, 1) == 1 && c == 's') {
		send_v4(fd, me, to, FR_UDP, 0, 0, 0, 20);
		if (write(ack, "s", 1) != 1)
			_exit(4);
	}
	_exit(0);
}

static int child_start(struct child *c, const char *tap, uint32_t me,
		       uint32_t to)
{
	int cmd[2], ack[2];
	char r;

	if (pipe(cmd) || pipe(ack))
		return -1;
	c->pid = fork();
	if (c->pid < 0)
		return -1;
	if (!c->pid) {
		close(cmd[1]);
		close(ack[0]);
		child_main(cmd[0], ack[1], tap, me, to);
	}
	close(cmd[0]);
	close(ack[1]);
	c->cmd = cmd[1];
	c->ack = ack[0];
	return read(c->ack, &r, 1) == 1 ? 0 : -1;
}

static int child_send(struct child *c)
{
	char r;

	if (write(c->cmd, "s", 1) != 1 || read(c->ack, &r, 1) != 1)
		return -1;
	return 0;
}

/*
 * This VMM's tap @ta (its VM at @a) and a child VMM's tap @tb (its VM at @b,
 * sending to @a on command), both found by kvm-sec.
 */
static void two_vmms(struct __test_metadata *_metadata,
		     FIXTURE_DATA(net) *self, struct child *c, const char *ta,
		     const char *tb, uint32_t a, uint32_t b, struct vsec_vm *vm,
		     struct vsec_vm *vm_b)
{
	self->tap = tap_open(ta, false);
	ASSERT_LE(0, self->tap);
	ASSERT_EQ(0, child_start(c, tb, b, a));
	ASSERT_TRUE(ksec_wait_vm(self->ipc, c->pid, vm_b, ksec_has_dev, tb));
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), vm, ksec_has_dev, ta));
}

/* The VM sent to @arg, and @arg is another VM's address of this host. */
static bool dst_this_host(const struct vsec_vm *vm, const void *arg)
{
	const __typeof__(vm->net.dst.e[0]) *p = peer4(&vm->net.dst,
						      *(const uint32_t *)arg);

	return p && p->class == KVM_SEC_PEER_THIS_HOST;
}

static int child_stop(struct child *c)
{
	int st;

	close(c->cmd);
	close(c->ack);
	if (waitpid(c->pid, &st, 0) != c->pid)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

TEST_F_TIMEOUT(net, peers_this_host_inside_outside, KSEC_TEST_TIMEOUT)
{
	const uint32_t a = ksec_ip4("10.77.0.1"), b = ksec_ip4("10.77.0.2");
	const uint32_t inside = ksec_ip4("10.99.1.1"), outside = ksec_ip4("192.0.2.7");
	const uint32_t bcast = ksec_ip4("255.255.255.255");
	struct virtio_vsem_prefix pfx = { .family = 4, .prefix_len = 16,
					  .addr = { 10, 99 } };
	struct vsec_vm vm, vm_b;
	struct child c;
	struct frame f;
	char cmd[128], out[32768];
	const __typeof__(vm.net.dst.e[0]) *p;

	ASSERT_EQ(0, vsec_ipc_set_prefixes(self->ipc, &pfx, 1));
	two_vmms(_metadata, self, &c, "ksnt-pa", "ksnt-pb", a, b, &vm, &vm_b);

	/* B sends from its address: the host learns that B owns it. */
	ASSERT_EQ(0, child_send(&c));
	ASSERT_TRUE(ksec_wait_vm(self->ipc, c.pid, &vm_b, has_addr4, &b));

	send_v4(self->tap, a, b, FR_UDP, 0, 0, 0, 10);
	send_v4(self->tap, a, inside, FR_UDP, 0, 0, 0, 5);
	send_v4(self->tap, a, outside, FR_UDP, 0, 0, 0, 3);
	send_v4(self->tap, a, bcast, FR_UDP, 0, 0, 0, 2);
	/* A receives from B, through its tap. */
	frame_v4(&f, b, a, FR_UDP, 0, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-pa", &f, 4));
	tap_drain(self->tap);

	/* The map of classes follows B's addresses at the interval's end. */
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, dst_this_host, &b));
	p = peer4(&vm.net.dst, b);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(10, p->packets);
	EXPECT_EQ(KVM_SEC_PEER_THIS_HOST, p->class);
	EXPECT_EQ(vm_b.id, p->vm);
	p = peer4(&vm.net.dst, inside);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(5, p->packets);
	EXPECT_EQ(KVM_SEC_PEER_INSIDE, p->class);
	p = peer4(&vm.net.dst, outside);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(KVM_SEC_PEER_OUTSIDE, p->class);
	p = peer4(&vm.net.dst, bcast);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(KVM_SEC_PEER_LINK, p->class);
	p = peer4(&vm.net.src, b);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(4, p->packets);
	EXPECT_EQ(KVM_SEC_PEER_THIS_HOST, p->class);
	EXPECT_EQ(vm_b.id, p->vm);

	/* The same through vsecctl, text and JSON. */
	snprintf(cmd, sizeof(cmd), "vsecctl show %u", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "this-host (VM %u)", vm_b.id);
	EXPECT_NE(NULL, strstr(out, cmd)) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl --json show %u", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd),
		 "{\"addr\":\"10.77.0.2\",\"packets\":10,\"error\":0,\"where\":\"this-host\",\"vm\":%u}",
		 vm_b.id);
	EXPECT_NE(NULL, strstr(out, cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"where\":\"inside\""));
	EXPECT_EQ(0, child_stop(&c));
}

/* Each direction's classes; a negative one is not given. */
static int set_block(struct vsec_ipc *ipc, uint32_t id, int64_t tx, int64_t rx)
{
	struct vsec_limits l = { 0 };

	l.block.given[0] = tx >= 0;
	l.block.classes[0] = tx >= 0 ? (uint32_t)tx : 0;
	l.block.given[1] = rx >= 0;
	l.block.classes[1] = rx >= 0 ? (uint32_t)rx : 0;
	return vsec_ipc_set_limits(ipc, id, &l);
}

#define CLASS(c)	(1 << KVM_SEC_PEER_##c)

/*
 * The destination-class rule, on real taps: what A sends to, or receives
 * from, a peer of a blocked class is dropped and counted by class; the
 * rest passes, exactly (a packet bucket the rule sits in front of counts
 * what passed). Classes are the view's: B's address (this host, once
 * learned), IPv4 and IPv6 prefixes not on a byte boundary (inside),
 * addresses just outside them, broadcast and link-local (link); an
 * outside address A sends from stays outside for the rule.
 */
TEST_F_TIMEOUT(net, block_by_class_of_peer, KSEC_TEST_TIMEOUT)
{
	const uint32_t a = ksec_ip4("10.77.0.1"), b = ksec_ip4("10.77.0.2");
	const uint32_t in4 = ksec_ip4("10.111.255.1"), out4 = ksec_ip4("10.112.0.1");
	const uint32_t bcast = ksec_ip4("255.255.255.255");
	/* fd00:1::/36 holds fd00:1:fff::5, not fd00:1:1000::5 */
	static const uint8_t a6[16] = { 0xfd, 0, 0, 1, [15] = 1 };
	static const uint8_t in6[16] = { 0xfd, 0, 0, 1, 0x0f, 0xff, [15] = 5 };
	static const uint8_t out6[16] = { 0xfd, 0, 0, 1, 0x10, [15] = 5 };
	static const uint8_t ll6[16] = { 0xfe, 0x80, [15] = 7 };
	const uint32_t spoof = ksec_ip4("203.0.113.9");
	struct virtio_vsem_prefix pfx[3] = {
		{ .family = 4, .prefix_len = 12, .addr = { 10, 96 } },
		{ .family = 6, .prefix_len = 36, .addr = { 0xfd, 0, 0, 1 } },
		{ .family = 4, .prefix_len = 16, .addr = { 10, 77 } },
	};
	const int pk = KVM_SEC_LIMIT_TX_PACKETS - 1;
	struct vsec_vm vm, vm_b;
	struct vsec_limits l;
	struct child c;
	struct frame f, l2;
	char cmd[128], out[32768];
	uint64_t tx0;

	ASSERT_EQ(0, vsec_ipc_set_prefixes(self->ipc, pfx, 3));
	two_vmms(_metadata, self, &c, "ksnt-ba", "ksnt-bb", a, b, &vm, &vm_b);
	ASSERT_EQ(0, child_send(&c));
	send_v4(self->tap, a, b, FR_UDP, 0, 0, 0, 1);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, dst_this_host, &b));
	tx0 = NCTR(&vm, TX_PACKETS);

	/* TX: outside and this host blocked; a bucket counts what passes. */
	ASSERT_EQ(0, set_block(self->ipc, vm.id,
			       CLASS(OUTSIDE) | CLASS(THIS_HOST), -1));
	{
		struct vsec_limits bucket = { 0 };

		/* a token every 36 s: none comes back within the test */
		bucket.l[pk].given = true;
		bucket.l[pk].size = 100;
		bucket.l[pk].refill_ms = 3600000;
		ASSERT_EQ(0, vsec_ipc_set_limits(self->ipc, vm.id, &bucket));
	}
	send_v4(self->tap, a, b, FR_UDP, 0, 0, 0, 10);
	send_v4(self->tap, a, in4, FR_UDP, 0, 0, 0, 5);
	send_v4(self->tap, a, out4, FR_UDP, 0, 0, 0, 3);
	send_v4(self->tap, a, bcast, FR_UDP, 0, 0, 0, 2);
	frame_v6(&f, a6, in6, 0, 17, 0);
	ASSERT_EQ(4, tap_write(self->tap, &f, 4));
	frame_v6(&f, a6, out6, 0, 17, 0);
	ASSERT_EQ(6, tap_write(self->tap, &f, 6));
	frame_v6(&f, a6, ll6, 0, 17, 0);
	ASSERT_EQ(7, tap_write(self->tap, &f, 7));
	/* ARP passes; another protocol's peer is unknown: taken as outside. */
	frame_l2(&f, 0x0806);
	ASSERT_EQ(2, tap_write(self->tap, &f, 2));
	frame_l2(&f, 0x88b5);
	ASSERT_EQ(3, tap_write(self->tap, &f, 3));

	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	ASSERT_TRUE(l.block.present);
	EXPECT_EQ(CLASS(OUTSIDE) | CLASS(THIS_HOST), (int)l.block.classes[0]);
	EXPECT_EQ(0, l.block.classes[1]);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_ADMIN, l.block.set_by);
	EXPECT_EQ(10, l.block.drops[0][KVM_SEC_PEER_THIS_HOST]);
	EXPECT_EQ(3 + 6 + 3, l.block.drops[0][KVM_SEC_PEER_OUTSIDE]);
	EXPECT_EQ(0, l.block.drops[0][KVM_SEC_PEER_INSIDE]);
	EXPECT_EQ(0, l.block.drops[0][KVM_SEC_PEER_LINK]);
	/* Inside (5 + 4), link (2 + 7) and ARP (2) passed, and only they. */
	EXPECT_EQ(100 - 20, l.l[pk].tokens);
	EXPECT_EQ(0, l.l[pk].drops);
	/* Every frame is counted as sent all the same. */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(tx0 + 42, NCTR(&vm, TX_PACKETS));

	/* vsecctl: text, JSON and Prometheus. */
	snprintf(cmd, sizeof(cmd), "vsecctl show %u", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "block_tx                 outside,this-host, set by admin, 22 dropped (outside 12, this-host 10)"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "block_rx                 none, 0 dropped"))
		TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl --json show %u", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"block\":{\"tx\":[\"outside\",\"this-host\"],\"rx\":[],\"set_by\":\"admin\",\"tx_drops\":{\"outside\":12,\"inside\":0,\"this-host\":10,\"link\":0}"))
		TH_LOG("%s", out);
	ASSERT_EQ(0, run_capture("vsecctl stats --prometheus", out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "kvmsec_vm_block_drops_total{vm=\"%u\",", vm.id);
	EXPECT_NE(NULL, strstr(out, cmd)) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "dir=\"tx\",class=\"this-host\"} 10"));

	/* RX by vsecctl: from outside blocked, from B (this host) passes. */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u block-tx off block-rx outside", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	tap_drain(self->tap);
	frame_v4(&f, b, a, FR_UDP, 0, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-ba", &f, 4));
	frame_v4(&f, out4, a, FR_UDP, 0, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-ba", &f, 3));
	EXPECT_EQ(4, tap_drain(self->tap));
	send_v4(self->tap, a, b, FR_UDP, 0, 0, 0, 2);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	EXPECT_EQ(0, l.block.classes[0]);
	EXPECT_EQ(CLASS(OUTSIDE), (int)l.block.classes[1]);
	EXPECT_EQ(3, l.block.drops[1][KVM_SEC_PEER_OUTSIDE]);
	EXPECT_EQ(10, l.block.drops[0][KVM_SEC_PEER_THIS_HOST]);
	EXPECT_EQ(100 - 22, l.l[pk].tokens);

	/* Bad classes are refused by vsecctl, and by the module (EINVAL). */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u block-tx elsewhere 2>&1", vm.id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_EQ(-EINVAL, set_block(self->ipc, vm.id, 0x10, -1));
	EXPECT_EQ(-EINVAL, set_block(self->ipc, vm.id, -1, 0x80000000LL));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	EXPECT_EQ(0, l.block.classes[0]);
	EXPECT_EQ(CLASS(OUTSIDE), (int)l.block.classes[1]);

	/* A frame whose peer is unknown may go anywhere: any rule drops it. */
	ASSERT_EQ(0, set_block(self->ipc, vm.id, CLASS(INSIDE), -1));
	frame_l2(&l2, 0x88b5);
	ASSERT_EQ(2, tap_write(self->tap, &l2, 2));
	ASSERT_EQ(0, set_block(self->ipc, vm.id, 0, -1));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	EXPECT_EQ(2, l.block.drops[0][KVM_SEC_PEER_INSIDE]);

	/* "limit off" lifts the rule too; what it dropped stays counted. */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u off", vm.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(0, tap_deliver("ksnt-ba", &f, 3));
	EXPECT_EQ(3, tap_drain(self->tap));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	EXPECT_TRUE(l.block.present);
	EXPECT_EQ(0, l.block.classes[0] | l.block.classes[1]);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_NONE, l.block.set_by);
	EXPECT_EQ(3, l.block.drops[1][KVM_SEC_PEER_OUTSIDE]);

	/*
	 * A sends from an outside address (spoofs it): the host takes it
	 * for one of A's own, "this host" in the view, yet it stays outside
	 * for the rule: spoofing cannot take a peer out of a blocked class.
	 */
	ASSERT_EQ(0, set_block(self->ipc, vm.id, CLASS(OUTSIDE), -1));
	send_v4(self->tap, spoof, in4, FR_UDP, 0, 0, 0, 20);
	/* Enough to be among A's 6 busiest destinations, in the view. */
	send_v4(self->tap, a, spoof, FR_UDP, 0, 0, 0, 10);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, dst_this_host, &spoof));
	send_v4(self->tap, a, spoof, FR_UDP, 0, 0, 0, 5);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, vm.id, &l));
	EXPECT_EQ(12 + 10 + 5, l.block.drops[0][KVM_SEC_PEER_OUTSIDE]);
	EXPECT_EQ(10, l.block.drops[0][KVM_SEC_PEER_THIS_HOST]);
	EXPECT_EQ(2, l.block.drops[0][KVM_SEC_PEER_INSIDE]);
	ASSERT_EQ(0, set_block(self->ipc, vm.id, 0, -1));
	EXPECT_EQ(0, child_stop(&c));
}

TEST_F_TIMEOUT(net, bind_by_hand, KSEC_TEST_TIMEOUT)
{
	const uint32_t me = ksec_ip4("10.77.0.1"), peer = ksec_ip4("10.77.0.9");
	struct vsec_vm vm;
	struct frame f;
	char cmd[128], out[4096];
	int st;
	pid_t pid;

	/* Left over by an interrupted run. */
	run_capture("ip link del ksnt-m 2>/dev/null", out, sizeof(out));

	/* A persistent tap that no VMM holds: the module cannot see it. */
	ASSERT_EQ(0, run_capture("ip tuntap add dev ksnt-m mode tap 2>&1 && "
				 "sysctl -qw net.ipv6.conf.ksnt-m.disable_ipv6=1 && "
				 "ip link set ksnt-m up 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_FALSE(ksec_has_dev(&vm, "ksnt-m"));

	snprintf(cmd, sizeof(cmd), "vsecctl netdev %u add ksnt-m 2>&1", vm.id);
	EXPECT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	ASSERT_TRUE(ksec_has_dev(&vm, "ksnt-m"));
	EXPECT_EQ(KVM_SEC_NETDEV_MANUAL, vm.net.dev[ksec_dev_index(&vm, "ksnt-m")].how);
	/* Bound twice: refused, with the reason. */
	EXPECT_EQ(1, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "bound to this VM already")) TH_LOG("%s", out);

	/* What the device transmits is what the VM received. */
	frame_v4(&f, peer, me, FR_UDP, 0, 0, 0);
	ASSERT_EQ(0, tap_deliver("ksnt-m", &f, 9));
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(9, NCTR(&vm, RX_PACKETS));

	/* Not for a user without CAP_NET_ADMIN. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (!pid) {
		if (drop_to_nobody())
			_exit(9);
		snprintf(cmd, sizeof(cmd), "vsecctl netdev %u del ksnt-m 2>/dev/null",
			 vm.id);
		_exit(run_capture(cmd, out, sizeof(out)));
	}
	ASSERT_EQ(pid, waitpid(pid, &st, 0));
	EXPECT_EQ(5, WEXITSTATUS(st));

	snprintf(cmd, sizeof(cmd), "vsecctl netdev %u del ksnt-m 2>&1", vm.id);
	EXPECT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_FALSE(ksec_has_dev(&vm, "ksnt-m"));
	EXPECT_EQ(1, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "not bound to this VM")) TH_LOG("%s", out);

	/* Bad names, the loopback device, no such VM. */
	snprintf(cmd, sizeof(cmd), "vsecctl netdev %u add nosuchdev0 2>&1", vm.id);
	EXPECT_EQ(1, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no such network device")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl netdev %u add lo 2>&1", vm.id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_EQ(2, run_capture("vsecctl netdev 1 add a/b 2>&1", out, sizeof(out)));
	EXPECT_EQ(2, run_capture("vsecctl netdev 1 move ksnt-m 2>&1", out, sizeof(out)));
	EXPECT_EQ(4, run_capture("vsecctl netdev 2147483647 add ksnt-m 2>&1", out,
				 sizeof(out)));

	/* Bound again, then the device is deleted: the binding goes with it. */
	snprintf(cmd, sizeof(cmd), "vsecctl netdev %u add ksnt-m 2>&1", vm.id);
	EXPECT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_EQ(0, run_capture("ip link del ksnt-m 2>&1", out, sizeof(out)));
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_FALSE(ksec_has_dev(&vm, "ksnt-m"));
	EXPECT_GT(0, tap_ifindex("ksnt-m"));
}

struct flood {
	int fd;
	volatile int stop;
	unsigned long sent, failed;
};

static void *flood_fn(void *arg)
{
	struct flood *fl = arg;
	struct frame f;

	frame_v4(&f, ksec_ip4("10.77.0.1"), ksec_ip4("10.77.0.9"), FR_UDP, 0, 0, 64);
	while (!fl->stop) {
		if (write(fl->fd, f.b, f.len) == (ssize_t)f.len)
			fl->sent++;
		else
			fl->failed++;
	}
	return NULL;
}

static bool sent_some(const struct vsec_vm *vm, const void *arg)
{
	(void)arg;
	return vm->net.present && NCTR(vm, TX_PACKETS) >= 1000;
}

TEST_F_TIMEOUT(net, tap_deleted_while_frames_flow, KSEC_TEST_TIMEOUT)
{
	struct flood fl = { 0 };
	struct vsec_vm vm;
	pthread_t th;
	char out[256];
	uint64_t before;

	fl.fd = tap_open("ksnt-g", false);
	ASSERT_LE(0, fl.fd);
	self->tap = fl.fd;
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, ksec_has_dev, "ksnt-g"));
	ASSERT_EQ(0, pthread_create(&th, NULL, flood_fn, &fl));
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, sent_some, NULL));
	/* Deleted under the writer: the device goes, the file stays open. */
	EXPECT_EQ(0, run_capture("ip link del ksnt-g 2>&1", out, sizeof(out)))
		TH_LOG("%s", out);
	EXPECT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, lacks_dev, "ksnt-g"));
	before = NCTR(&vm, TX_PACKETS);
	fl.stop = 1;
	pthread_join(th, NULL);
	EXPECT_LT(0, fl.failed) TH_LOG("writes kept succeeding");
	/* Counted up to the end; nothing counted after the unbinding. */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(before, NCTR(&vm, TX_PACKETS));
	/* Every frame counted was written; written ones may have dropped. */
	EXPECT_GE(fl.sent, NCTR(&vm, TX_PACKETS));
	EXPECT_LE(1000, NCTR(&vm, TX_PACKETS));
}

/*
 * A macvtap is the other way round: its VM sends through the device's
 * transmit path and receives on its receive path. Its lower device is one
 * end of a veth pair; frames sent on the other end reach the VM.
 */
static bool has_macvtap(const struct vsec_vm *vm, const void *name)
{
	int i = ksec_dev_index(vm, name);

	return i >= 0 && vm->net.dev[i].how == KVM_SEC_NETDEV_MACVTAP;
}

TEST_F_TIMEOUT(net, a_macvtap_counts_the_right_way, KSEC_TEST_TIMEOUT)
{
	char out[512], path[64], sysdev[128];
	unsigned int maj, min, mac[6];
	struct ifreq ifr = { .ifr_flags = IFF_TAP | IFF_NO_PI };
	struct vsec_vm vm;
	struct frame f;
	int idx, i;
	uint32_t peer_addr;
	FILE *fp;

	run_capture("ip link del ksnt-lw 2>/dev/null", out, sizeof(out));
	if (run_capture("modprobe macvtap 2>&1", out, sizeof(out)))
		SKIP(return, "no macvtap in this kernel");
	ASSERT_EQ(0, run_capture(
		"ip link add ksnt-lw type veth peer name ksnt-lp && "
		"for d in ksnt-lw ksnt-lp; do sysctl -qw net.ipv6.conf.$d.disable_ipv6=1; done && "
		"ip link add link ksnt-lw name ksnt-mv type macvtap mode bridge && "
		"sysctl -qw net.ipv6.conf.ksnt-mv.disable_ipv6=1 && "
		"ip link set ksnt-lw up && ip link set ksnt-lp up && "
		"ip link set ksnt-mv up 2>&1", out, sizeof(out))) TH_LOG("%s", out);
	idx = tap_ifindex("ksnt-mv");
	ASSERT_LT(0, idx);
	/* No udev here: the character device node is made by hand. */
	snprintf(sysdev, sizeof(sysdev), "/sys/class/net/ksnt-mv/macvtap/tap%d/dev", idx);
	fp = fopen(sysdev, "r");
	ASSERT_NE(NULL, fp);
	ASSERT_EQ(2, fscanf(fp, "%u:%u", &maj, &min));
	fclose(fp);
	fp = fopen("/sys/class/net/ksnt-mv/address", "r");
	ASSERT_NE(NULL, fp);
	ASSERT_EQ(6, fscanf(fp, "%x:%x:%x:%x:%x:%x", &mac[0], &mac[1], &mac[2],
			    &mac[3], &mac[4], &mac[5]));
	fclose(fp);
	snprintf(path, sizeof(path), "/tmp/ksnt-tap%d", idx);
	unlink(path);
	ASSERT_EQ(0, mknod(path, S_IFCHR | 0600, makedev(maj, min)));
	self->tap = open(path, O_RDWR | O_NONBLOCK);
	unlink(path);
	ASSERT_LE(0, self->tap);
	/* Plain frames, without the virtio-net header macvtap defaults to. */
	ASSERT_EQ(0, ioctl(self->tap, TUNSETIFF, &ifr));
	/* Opening a macvtap raises no event: found by the periodic scan. */
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, has_macvtap, "ksnt-mv"));

	/* The VM sends 50 frames: the macvtap transmits them. */
	send_v4(self->tap, ksec_ip4("10.77.0.1"), ksec_ip4("10.77.0.9"), FR_UDP, 0, 0, 20, 50);
	/* It receives 30, sent to its MAC on the other end of the veth. */
	frame_v4(&f, ksec_ip4("10.77.0.9"), ksec_ip4("10.77.0.1"), FR_UDP, 0, 0, 0);
	for (i = 0; i < 6; i++)
		f.b[i] = (uint8_t)mac[i];
	ASSERT_EQ(0, tap_deliver("ksnt-lp", &f, 30));
	tap_drain(self->tap);

	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(50, NCTR(&vm, TX_PACKETS));
	EXPECT_EQ(50, NCTR(&vm, TX_UDP));
	EXPECT_EQ(30, NCTR(&vm, RX_PACKETS));
	EXPECT_EQ(30, NCTR(&vm, RX_UDP));
	/* Its own address is the one it sends from, not its peer's. */
	peer_addr = ksec_ip4("10.77.0.1");
	EXPECT_TRUE(ksec_wait_vm(self->ipc, getpid(), &vm, has_addr4, &peer_addr));
	peer_addr = ksec_ip4("10.77.0.9");
	EXPECT_FALSE(has_addr4(&vm, &peer_addr));
	close(self->tap);
	self->tap = -1;
	EXPECT_EQ(0, run_capture("ip link del ksnt-lw 2>&1", out, sizeof(out)));
}

TEST_HARNESS_MAIN
