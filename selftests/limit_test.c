// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's network limits, on a real tap of a real VM: this process is the
 * VMM. Frames written to the tap's file are what the VM sends; frames sent
 * to the device are what it receives, read back from the file. Each limit
 * lets exactly its bucket through, counts every frame it drops, counts the
 * frame as sent or received all the same, and is validated, announced and
 * reserved to CAP_NET_ADMIN.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_ether.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "raw_nl.h"
#include "tap.h"
#include "tvm.h"

#define NCTR(vm, name) \
	((vm)->net.ctr[KVM_SEC_NET_CTR_##name - KVM_SEC_NET_CTR_TX_PACKETS])
#define LIM(name)	(KVM_SEC_LIMIT_##name - KVM_SEC_LIMIT_TX_PACKETS)
/* An hour: no refill within a test. */
#define NO_REFILL	3600000

static const struct tvm_profile idle_vm = { .hypercalls = 1 };

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set_one(struct vsec_ipc *ipc, uint32_t id, int lim, uint64_t size,
		   uint32_t refill_ms, uint64_t burst)
{
	struct vsec_limits l = { 0 };

	l.l[lim].given = true;
	l.l[lim].size = size;
	l.l[lim].refill_ms = refill_ms;
	l.l[lim].burst = burst;
	return vsec_ipc_set_limits(ipc, id, &l);
}

FIXTURE(lim) {
	struct vsec_ipc *ipc;
	struct tvm vm;
	struct vsec_vm v;
	int tap;
	const char *name;
	uint32_t me, peer;
};

FIXTURE_SETUP(lim)
{
	self->tap = -1;
	self->ipc = NULL;
	self->name = "ksnl-a";
	self->me = ksec_ip4("10.78.0.1");
	self->peer = ksec_ip4("10.78.0.9");
	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_TRUE(ksec_have_tun()) TH_LOG("no tun");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc)) TH_LOG("kvm-sec is not loaded");
	ASSERT_EQ(0, tvm_create(&self->vm, &idle_vm));
	self->tap = tap_open(self->name, false);
	ASSERT_LE(0, self->tap);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &self->v, ksec_has_dev,
				 self->name));
}

FIXTURE_TEARDOWN(lim)
{
	if (self->tap >= 0)
		close(self->tap);
	if (self->ipc)
		vsec_ipc_close(self->ipc);
}

/* What the VM receives: exactly the bucket passes, the rest is counted. */
TEST_F_TIMEOUT(lim, rx_packets_exactly_the_bucket, KSEC_TEST_TIMEOUT)
{
	static char out[65536];
	char cmd[128], *line;
	struct vsec_limits l;
	struct vsec_vm vm;
	struct frame f;
	unsigned int got;

	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(RX_PACKETS), 50,
			     NO_REFILL, 0));
	frame_v4(&f, self->peer, self->me, FR_UDP, 0, 0, 16);
	ASSERT_EQ(0, tap_deliver(self->name, &f, 120));
	got = tap_drain(self->tap);
	EXPECT_EQ(50, got);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_TRUE(l.l[LIM(RX_PACKETS)].present);
	EXPECT_EQ(50, l.l[LIM(RX_PACKETS)].size);
	EXPECT_EQ(NO_REFILL, l.l[LIM(RX_PACKETS)].refill_ms);
	EXPECT_EQ(0, l.l[LIM(RX_PACKETS)].tokens);
	EXPECT_EQ(70, l.l[LIM(RX_PACKETS)].drops);
	EXPECT_FALSE(l.l[LIM(TX_PACKETS)].present);
	/* The host saw all 120 arrive for the VM. */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(120, NCTR(&vm, RX_PACKETS));
	/* vsecctl shows them, and so does Prometheus. */
	snprintf(cmd, sizeof(cmd), "vsecctl show %u", self->v.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "rx_packets               50 per 3600000 ms, burst 0, 0 left, set by admin, 70 dropped"))
		TH_LOG("%s", out);
	ASSERT_EQ(0, run_capture("vsecctl stats --prometheus", out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "kvmsec_vm_limit_drops_total{vm=\"%u\",", self->v.id);
	line = strstr(out, cmd);
	ASSERT_NE(NULL, line) TH_LOG("no drops line for VM %u", self->v.id);
	*strchrnul(line, '\n') = '\0';
	EXPECT_NE(NULL, strstr(line, ",limit=\"rx_packets\"} 70")) TH_LOG("%s", line);

	/* Lifted: everything passes; what it dropped stays counted. */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(RX_PACKETS), 0, 0, 0));
	ASSERT_EQ(0, tap_deliver(self->name, &f, 30));
	EXPECT_EQ(30, tap_drain(self->tap));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(0, l.l[LIM(RX_PACKETS)].size);
	EXPECT_EQ(70, l.l[LIM(RX_PACKETS)].drops);
}

/* What the VM sends: counted as sent, and dropped beyond the bucket. */
TEST_F_TIMEOUT(lim, tx_packets_bytes_and_syns, KSEC_TEST_TIMEOUT)
{
	struct vsec_limits l;
	struct vsec_vm vm;
	struct frame udp, syn;

	frame_v4(&udp, self->me, self->peer, FR_UDP, 0, 0, 100);	/* 142 */
	frame_v4(&syn, self->me, self->peer, FR_TCP, 0x02, 0, 0);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_PACKETS), 100,
			     NO_REFILL, 0));
	tap_write(self->tap, &udp, 300);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(200, l.l[LIM(TX_PACKETS)].drops);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(300, NCTR(&vm, TX_PACKETS));

	/* Bytes: ten 142-byte frames' worth; the packet bucket is lifted. */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_PACKETS), 0, 0, 0));
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_BYTES), 1420,
			     NO_REFILL, 0));
	tap_write(self->tap, &udp, 25);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(15, l.l[LIM(TX_BYTES)].drops);
	EXPECT_EQ(0, l.l[LIM(TX_BYTES)].tokens);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_BYTES), 0, 0, 0));

	/* New connections: 5 SYNs pass; UDP is not a connection. */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_SYN), 5, NO_REFILL,
			     0));
	tap_write(self->tap, &syn, 20);
	tap_write(self->tap, &udp, 20);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(15, l.l[LIM(TX_SYN)].drops);
	EXPECT_EQ(200, l.l[LIM(TX_PACKETS)].drops);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(20, NCTR(&vm, TX_SYN));
}

/*
 * Packets whose TCP flags cannot be read are limited as SYNs: a SYN split
 * so that its first fragment holds 8 bytes of TCP (RFC 1858), whether the
 * frame ends with the datagram or is padded (the padding is not read as
 * flags), and an IPv6 SYN behind 9 extension headers (deeper than kvm-sec
 * follows). All are counted as unparsed, none as a SYN. A whole SYN that
 * claims 8 bytes of TCP cannot open a connection: unparsed, no SYN token.
 */
TEST_F_TIMEOUT(lim, hidden_syns_are_limited_as_syns, KSEC_TEST_TIMEOUT)
{
	static const uint8_t a6[16] = { 0xfd, [15] = 1 }, b6[16] = { 0xfd, [15] = 9 };
	struct frame tiny, padded, whole, deep;
	const struct {
		const struct frame *f;
		const char *what;
		uint64_t drops;
	} step[] = {
		{ &tiny, "tiny fragment", 1 }, { &padded, "padded tiny", 6 },
		{ &deep, "deep IPv6", 11 }, { &whole, "whole short SYN", 11 },
	};
	struct vsec_limits l;
	struct vsec_vm vm0, vm;
	unsigned int i;

	frame_v4(&tiny, self->me, self->peer, FR_TCP, 0x02, 0, 0);
	tiny.b[ETH_HLEN + 3] = 28;		/* 20 of IP, 8 of TCP */
	whole = tiny;
	whole.len = 60;				/* padded, flags after the end */
	tiny.b[ETH_HLEN + 6] = 0x20;		/* more fragments */
	tiny.len = ETH_HLEN + 28;
	padded = tiny;
	padded.len = 60;
	frame_v6(&deep, a6, b6, 9, 6, 0x02);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm0));
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_SYN), 4, NO_REFILL,
			     0));
	/* Five of each, in turn: the SYN drops so far after each. */
	for (i = 0; i < ARRAY_SIZE(step); i++) {
		tap_write(self->tap, step[i].f, 5);
		ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
		EXPECT_EQ(step[i].drops, l.l[LIM(TX_SYN)].drops)
			TH_LOG("after the %s frames", step[i].what);
	}
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(NCTR(&vm0, TX_SYN), NCTR(&vm, TX_SYN));
	EXPECT_EQ(NCTR(&vm0, TX_UNPARSED) + 20, NCTR(&vm, TX_UNPARSED));
	EXPECT_EQ(NCTR(&vm0, TX_PACKETS) + 20, NCTR(&vm, TX_PACKETS));
}

/* The one-time burst comes first, once; then the bucket's own tokens. */
TEST_F_TIMEOUT(lim, burst_once, KSEC_TEST_TIMEOUT)
{
	struct vsec_limits l;
	struct frame f;

	frame_v4(&f, self->peer, self->me, FR_UDP, 0, 0, 16);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(RX_PACKETS), 10,
			     NO_REFILL, 20));
	ASSERT_EQ(0, tap_deliver(self->name, &f, 100));
	EXPECT_EQ(30, tap_drain(self->tap));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(0, l.l[LIM(RX_PACKETS)].burst);
	EXPECT_EQ(70, l.l[LIM(RX_PACKETS)].drops);
}

/*
 * The refill rate: frames offered well over the rate for about two
 * seconds. What passed is compared with what the bucket allows over the
 * time measured, not with a time assumed.
 */
TEST_F_TIMEOUT(lim, refill_rate, KSEC_TEST_TIMEOUT)
{
	const unsigned int rate = 200;	/* a second */
	unsigned int offered = 0, got = 0;
	double t0, t1, allowed;
	struct vsec_limits l;
	struct frame f;

	frame_v4(&f, self->peer, self->me, FR_UDP, 0, 0, 16);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(RX_PACKETS), rate / 10,
			     100, 0));
	/* 32 every 10 ms: up to 3,200 a second, as fast as the host can. */
	t0 = now_s();
	while (now_s() - t0 < 2.0) {
		ASSERT_EQ(0, tap_deliver(self->name, &f, 32));
		offered += 32;
		got += tap_drain(self->tap);
		usleep(10000);
	}
	t1 = now_s();
	got += tap_drain(self->tap);
	allowed = rate / 10 + rate * (t1 - t0);
	TH_LOG("%u of %u passed in %.2f s at %u/s (bucket of %u): %.2f of what it allows",
	       got, offered, t1 - t0, rate, rate / 10, got / allowed);
	EXPECT_LE(got, (unsigned int)allowed + 1);
	/* Offered over the rate: the bucket was the bound... */
	EXPECT_GE(got, (unsigned int)(0.9 * allowed));
	/* ... and every frame it did not let through is a drop it counted. */
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(offered - got, l.l[LIM(RX_PACKETS)].drops);
	EXPECT_LT(got, offered);
}

/* Bad values are refused with the module's reason, and change nothing. */
TEST_F_TIMEOUT(lim, bad_limits_are_refused, KSEC_TEST_TIMEOUT)
{
	static char out[65536];
	struct vsec_limits l;
	char cmd[256];
	int st, err;

	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(RX_SYN), 7, 1000, 0));
	/* Out of the policy's ranges: -ERANGE (-EINVAL before Linux 6.0). */
	err = set_one(self->ipc, self->v.id, LIM(RX_SYN), 1ULL << 40, 1000, 0);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	err = set_one(self->ipc, self->v.id, LIM(RX_SYN), 5, 0, 0);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	err = set_one(self->ipc, self->v.id, LIM(RX_SYN), 5, 3600001, 0);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(7, l.l[LIM(RX_SYN)].size);
	EXPECT_EQ(1000, l.l[LIM(RX_SYN)].refill_ms);
	/* No such VM. */
	EXPECT_EQ(-ENOENT, set_one(self->ipc, 0x7fffffff, LIM(RX_SYN), 5,
				   1000, 0));

	/* vsecctl: its own checks, then the module's. */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u tx-packets 5/0 2>&1",
		 self->v.id);
	st = run_capture(cmd, out, sizeof(out));
	EXPECT_EQ(2, st);
	EXPECT_NE(NULL, strstr(out, "REFILL_MS 1..3600000")) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u tx-packetz 5 2>&1",
		 self->v.id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out)));
	/* No blank or sign before a number, in a size or a VM ID. */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u tx-packets ' 5' 2>&1",
		 self->v.id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl limit ' %u' tx-packets 5 2>&1",
		 self->v.id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd),
		 "vsecctl limit %u tx-packets 1000/500+200 tx-syn 3 && vsecctl --json show %u",
		 self->v.id, self->v.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"tx_packets\":{\"size\":1000,\"refill_ms\":500,\"burst\":200,"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"tx_syn\":{\"size\":3,\"refill_ms\":1000,"));
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u off && vsecctl show %u",
		 self->v.id, self->v.id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "Limits (network")) TH_LOG("%s", out);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_FALSE(l.l[LIM(TX_PACKETS)].present);
	EXPECT_FALSE(l.l[LIM(RX_SYN)].present);
}

/* The module's own checks, below what libnl and vsecctl would send. */
TEST_F_TIMEOUT(lim, malformed_nests_are_refused, KSEC_TEST_TIMEOUT)
{
	char buf[256], inner[64], bucket[32];
	uint64_t size = 5, tokens = 9;
	uint32_t id = self->v.id;
	struct raw r;
	size_t n, in, b;

	ASSERT_EQ(0, raw_open(&r));
	/* TOKENS is the module's to say. */
	b = put_attr(bucket, 0, KVM_SEC_BUCKET_SIZE, 12, &size, 8);
	b = put_attr(bucket, b, KVM_SEC_BUCKET_TOKENS, 12, &tokens, 8);
	in = put_attr(inner, 0, KVM_SEC_LIMIT_TX_PACKETS | NLA_F_NESTED, 4 + b,
		      bucket, b);
	n = put_attr(buf, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	n = put_attr(buf, n, KVM_SEC_A_VM_LIMITS | NLA_F_NESTED, 4 + in, inner, in);
	EXPECT_EQ(-EINVAL, raw_request(&r, KVM_SEC_CMD_SET_VM, 0, buf, n));
	EXPECT_NE(0, r.extack[0]);
	TH_LOG("a bucket with tokens: %s", r.extack);
	/* A bucket without a size. */
	in = put_attr(inner, 0, KVM_SEC_LIMIT_TX_PACKETS | NLA_F_NESTED, 4,
		      NULL, 0);
	n = put_attr(buf, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	n = put_attr(buf, n, KVM_SEC_A_VM_LIMITS | NLA_F_NESTED, 4 + in, inner, in);
	EXPECT_EQ(-EINVAL, raw_request(&r, KVM_SEC_CMD_SET_VM, 0, buf, n));
	EXPECT_NE(NULL, strstr(r.extack, "KVM_SEC_BUCKET_SIZE")) TH_LOG("%s", r.extack);
	/* An empty nest; a burst without a size. */
	n = put_attr(buf, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	n = put_attr(buf, n, KVM_SEC_A_VM_LIMITS | NLA_F_NESTED, 4, NULL, 0);
	EXPECT_EQ(-EINVAL, raw_request(&r, KVM_SEC_CMD_SET_VM, 0, buf, n));
	size = 0;
	b = put_attr(bucket, 0, KVM_SEC_BUCKET_SIZE, 12, &size, 8);
	b = put_attr(bucket, b, KVM_SEC_BUCKET_BURST, 12, &tokens, 8);
	in = put_attr(inner, 0, KVM_SEC_LIMIT_RX_BYTES | NLA_F_NESTED, 4 + b,
		      bucket, b);
	n = put_attr(buf, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	n = put_attr(buf, n, KVM_SEC_A_VM_LIMITS | NLA_F_NESTED, 4 + in, inner, in);
	EXPECT_EQ(-EINVAL, raw_request(&r, KVM_SEC_CMD_SET_VM, 0, buf, n));
	close(r.fd);
}

/*
 * HSEM's own limits: at level 2 (here commanded), what the VM sends is
 * limited to limit-level2 % (200) of the rule's limit for each feature;
 * an admin's limit is neither replaced nor lifted; back at level 1
 * HSEM's are lifted. A long
 * warm-up keeps the rule's limit at the feature's warm-up ceiling, a
 * constant.
 */
TEST_F_TIMEOUT(lim, hsem_limits_at_level2, KSEC_TEST_TIMEOUT)
{
	const int pk = LIM(TX_PACKETS), by = LIM(TX_BYTES);
	struct vsec_rule own = { .warm = 100000,
				 .given = 1u << KVM_SEC_RULE_WARM };
	struct vsec_decision d;
	struct vsec_limits l;
	unsigned int waited;

	ASSERT_EQ(0, vsec_ipc_set_vm_rule(self->ipc, self->v.id, &own));
	/* Judged once at least: the rule's limits are computed. */
	for (waited = 0; waited < KSEC_WAIT_MS; waited += 100) {
		ASSERT_EQ(0, vsec_ipc_get_decision(self->ipc, self->v.id, &d));
		if (d.intervals >= 1)
			break;
		usleep(100000);
	}
	ASSERT_LE(1, d.intervals);
	/*
	 * The admin's limit on packets sent is one HSEM would set: it stays
	 * the admin's, in size and owner, at level 2 and after.
	 */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, pk, 7, 1000, 0));
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, self->v.id, 2, -1));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	ASSERT_EQ(0, vsec_ipc_get_decision(self->ipc, self->v.id, &d));
	EXPECT_EQ(2, d.level);
	EXPECT_TRUE(d.f[KVM_SEC_F_TX_BYTES].present);
	EXPECT_EQ(2 * d.f[KVM_SEC_F_TX_BYTES].limit, l.l[by].size)
		TH_LOG("tx_bytes: limit %llu",
		       (unsigned long long)d.f[KVM_SEC_F_TX_BYTES].limit);
	EXPECT_EQ(1000, l.l[by].refill_ms);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_HSEM, l.l[by].set_by);
	EXPECT_EQ(7, l.l[pk].size);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_ADMIN, l.l[pk].set_by);
	/* New connections only for an attacker or an overflow. */
	EXPECT_FALSE(l.l[LIM(TX_SYN)].present && l.l[LIM(TX_SYN)].size);
	EXPECT_FALSE(l.l[LIM(RX_PACKETS)].present);

	/* Back to HSEM's choice: level 1, no verdict: HSEM's lifted. */
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, self->v.id, 0, -1));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_FALSE(l.l[by].present && l.l[by].size);
	EXPECT_EQ(7, l.l[pk].size);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_ADMIN, l.l[pk].set_by);
	/* The admin's own "off" lifts it. */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, pk, 0, 0, 0));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_FALSE(l.l[pk].present && l.l[pk].size);
}

/* One line from @fd, each byte within @ms: its length, or -1. */
static int read_line(int fd, char *buf, size_t len, int ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t n = 0;
	char c;

	while (n + 1 < len) {
		if (poll(&pfd, 1, ms) != 1 || read(fd, &c, 1) != 1)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = '\0';
	return (int)n;
}

/* Every change is an event on the events group, with its reason. */
TEST_F_TIMEOUT(lim, changes_are_announced, KSEC_TEST_TIMEOUT)
{
	struct vsec_limits l = { 0 };
	char line[4096], want[64];
	bool seen = false;
	int pipefd[2], i;
	pid_t child;

	ASSERT_EQ(0, pipe(pipefd));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		dup2(pipefd[1], 1);
		dup2(pipefd[1], 2);
		close(pipefd[0]);
		execlp("vsecctl", "vsecctl", "--json", "monitor", NULL);
		_exit(127);
	}
	close(pipefd[1]);
	/* Subscribed: it says so on standard error. */
	ASSERT_LE(0, read_line(pipefd[0], line, sizeof(line), KSEC_WAIT_MS));
	EXPECT_NE(NULL, strstr(line, "listening")) TH_LOG("%s", line);
	/* A bucket and a destination-class rule, in one change. */
	l.l[LIM(TX_BYTES)].given = true;
	l.l[LIM(TX_BYTES)].size = 123456;
	l.l[LIM(TX_BYTES)].refill_ms = 250;
	l.block.given[0] = true;
	l.block.classes[0] = 1 << KVM_SEC_PEER_INSIDE;
	ASSERT_EQ(0, vsec_ipc_set_limits(self->ipc, self->v.id, &l));
	snprintf(want, sizeof(want), "\"event\":\"limit\",\"id\":%u,",
		 self->v.id);
	/* Other VMs' events may come first: a bounded number of lines. */
	for (i = 0; i < 50 && !seen; i++) {
		if (read_line(pipefd[0], line, sizeof(line), KSEC_WAIT_MS) < 0)
			break;
		seen = strstr(line, want);
	}
	kill(child, SIGTERM);
	waitpid(child, NULL, 0);
	close(pipefd[0]);
	ASSERT_TRUE(seen);
	EXPECT_NE(NULL, strstr(line, "\"reason\":\"admin\"")) TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"tx_bytes\":{\"size\":123456,\"refill_ms\":250,"))
		TH_LOG("%s", line);
	EXPECT_NE(NULL, strstr(line, "\"block\":{\"tx\":[\"inside\"],\"rx\":[],\"set_by\":\"admin\""))
		TH_LOG("%s", line);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(TX_BYTES), 0, 0, 0));
	memset(&l, 0, sizeof(l));
	l.block.given[0] = true;
	ASSERT_EQ(0, vsec_ipc_set_limits(self->ipc, self->v.id, &l));
}

/*
 * The CPU limit: cpu.max's bounds, kept and shown with what an agent needs
 * (the VMM, the vCPU threads); the agent's report, validated and shown
 * with its cgroup escaped.
 */
TEST_F_TIMEOUT(lim, cpu_limit_and_agent_report, KSEC_TEST_TIMEOUT)
{
	static char out[65536];
	struct vsec_agent r = { .present = true };
	struct vsec_limits l;
	char cmd[256], big[400];
	uint32_t id = self->v.id;
	int err;

	/* At least 1000 us, a period of at most 1000 ms, no burst. */
	EXPECT_EQ(-EINVAL, set_one(self->ipc, id, LIM(CPU), 999, 100, 0));
	EXPECT_EQ(-EINVAL, set_one(self->ipc, id, LIM(CPU), 5000, 1001, 0));
	EXPECT_EQ(-EINVAL, set_one(self->ipc, id, LIM(CPU), 5000, 100, 10));
	ASSERT_EQ(0, set_one(self->ipc, id, LIM(CPU), 20000, 100, 0));
	/* A vCPU is listed with its thread once it ran: 0 before. */
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	ASSERT_EQ(1, l.nr_tids);
	EXPECT_EQ(0, l.tids[0]);
	ASSERT_EQ(0, tvm_run(&self->vm, NULL));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	EXPECT_TRUE(l.l[LIM(CPU)].present);
	EXPECT_EQ(20000, l.l[LIM(CPU)].size);
	EXPECT_EQ(100, l.l[LIM(CPU)].refill_ms);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_ADMIN, l.l[LIM(CPU)].set_by);
	/* This process is the VMM, and this thread ran the vCPU. */
	EXPECT_EQ((uint32_t)getpid(), l.pid);
	ASSERT_EQ(1, l.nr_tids);
	EXPECT_EQ((uint32_t)gettid(), l.tids[0]);
	EXPECT_TRUE(l.has_near_capacity);
	EXPECT_FALSE(l.agent.present);

	/* vsecctl: microseconds each 100 ms by default; below 1000 refused. */
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u cpu 999 2>&1", id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u cpu 5000/100+5 2>&1", id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd), "vsecctl limit %u cpu 5000/2000 2>&1", id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	snprintf(cmd, sizeof(cmd),
		 "vsecctl limit %u cpu 30000 && vsecctl --json show %u", id, id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out))) TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "\"cpu\":{\"size\":30000,\"refill_ms\":100,"))
		TH_LOG("%s", out);

	/* The agent's report: bounds checked, then shown as it was. */
	r.cpu_quota_us = 30000;
	r.weight = 10001;
	r.cpu_period_us = 100000;
	err = vsec_ipc_report_agent(self->ipc, id, &r);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	r.weight = 200;
	r.cpu_period_us = 0;
	EXPECT_EQ(-EINVAL, vsec_ipc_report_agent(self->ipc, id, &r));
	r.cpu_period_us = 100000;
	memset(big, 'a', sizeof(big) - 1);
	big[0] = '/';
	big[sizeof(big) - 1] = '\0';
	snprintf(r.cgroup, sizeof(r.cgroup), "%.255s", big);
	ASSERT_EQ(0, vsec_ipc_report_agent(self->ipc, id, &r));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	EXPECT_EQ(255, strlen(l.agent.cgroup));
	r.threads = 1;
	strcpy(r.cgroup, "/machine.slice/vm\x1b[31m.scope");
	ASSERT_EQ(0, vsec_ipc_report_agent(self->ipc, id, &r));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	ASSERT_TRUE(l.agent.present);
	EXPECT_EQ(30000, l.agent.cpu_quota_us);
	EXPECT_EQ(100000, l.agent.cpu_period_us);
	EXPECT_EQ(200, l.agent.weight);
	EXPECT_EQ(1, l.agent.threads);
	EXPECT_STREQ(r.cgroup, l.agent.cgroup);
	EXPECT_GT(60000, l.agent.age_ms);
	snprintf(cmd, sizeof(cmd), "vsecctl show %u", id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "cpu.max 30000 100000, cpu.weight 200, 1 vCPU thread in /machine.slice/vm\\x1b[31m.scope"))
		TH_LOG("%s", out);
	EXPECT_NE(NULL, strstr(out, "30000 us per 100 ms (30.0 % of a CPU), set by admin"))
		TH_LOG("%s", out);
	ASSERT_EQ(0, set_one(self->ipc, id, LIM(CPU), 0, 0, 0));
}

/* Setting and reading limits is for CAP_NET_ADMIN only. */
TEST_F_TIMEOUT(lim, unprivileged_users_cannot, KSEC_TEST_TIMEOUT)
{
	uint32_t id = self->v.id;
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;
		struct vsec_limits l;
		char cmd[128], out[512];

		if (drop_to_nobody())
			_exit(10);
		if (vsec_ipc_open(&ipc))
			_exit(11);
		if (set_one(ipc, id, LIM(TX_PACKETS), 1, 1000, 0) != -EPERM)
			_exit(12);
		if (vsec_ipc_get_limits(ipc, id, &l) != -EPERM)
			_exit(13);
		if (set_one(ipc, id, LIM(CPU), 5000, 100, 0) != -EPERM)
			_exit(15);
		if (vsec_ipc_report_agent(ipc, id, &(struct vsec_agent){
					  .present = true }) != -EPERM)
			_exit(16);
		memset(&l, 0, sizeof(l));
		l.block.given[0] = true;
		l.block.classes[0] = 1 << KVM_SEC_PEER_OUTSIDE;
		if (vsec_ipc_set_limits(ipc, id, &l) != -EPERM)
			_exit(17);
		snprintf(cmd, sizeof(cmd), "vsecctl limit %u off 2>&1", id);
		if (run_capture(cmd, out, sizeof(out)) != 5)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_HARNESS_MAIN
