// SPDX-License-Identifier: GPL-2.0
/*
 * The guest report path of kvm-sec.ko without a guest: this process owns a
 * KVM VM (tvm) and speaks as its VMM would (KVM_SEC_CMD_GUEST_REPORT), as
 * well as a compromised VMM would. Reports are attributed to the sender's
 * own VM, validated again, rate-limited and counted; SET_VM commands a level
 * that comes back in the reply; random mutations never hurt the module.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/virtio_vsem.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "raw_nl.h"
#include "tvm.h"

/* A well-formed level-1 report: NET, HV_REQUESTS and WORKLOAD. */
struct report1 {
	struct virtio_vsem_report h;
	struct virtio_vsem_entry e_net;
	struct virtio_vsem_net net;
	struct virtio_vsem_entry e_hv;
	struct virtio_vsem_hv hv;
	struct virtio_vsem_entry e_wl;
	struct virtio_vsem_workload wl;
};

static void make_report(struct report1 *r, uint64_t seq, uint64_t tx)
{
	memset(r, 0, sizeof(*r));
	r->h.version = VIRTIO_VSEM_VERSION;
	r->h.nr_entries = 3;
	r->h.len = sizeof(*r);
	r->h.seq = seq;
	r->h.interval_ms = 1000;
	r->h.level = VIRTIO_VSEM_LEVEL_1;
	r->e_net.type = VIRTIO_VSEM_E_NET;
	r->e_net.len = sizeof(r->e_net) + sizeof(r->net);
	r->net.tx_packets = tx;
	r->net.tx_bytes = tx * 100;
	r->e_hv.type = VIRTIO_VSEM_E_HV_REQUESTS;
	r->e_hv.len = sizeof(r->e_hv) + sizeof(r->hv);
	r->hv.notifications = 3;
	r->e_wl.type = VIRTIO_VSEM_E_WORKLOAD;
	r->e_wl.len = sizeof(r->e_wl) + sizeof(r->wl);
	r->wl.cpu_permille = 100;
	r->wl.mem_used_kib = 1000;
	r->wl.mem_available_kib = 9000;
}

static int send_report(struct raw *r, const void *rep, size_t len)
{
	static char a[8192];
	size_t n = put_attr(a, 0, KVM_SEC_A_GUEST_REPORT, 4 + len, rep, len);

	return raw_request(r, KVM_SEC_CMD_GUEST_REPORT, 0, a, n);
}

FIXTURE(guest) {
	struct vsec_ipc *ipc;
	struct raw raw;
	struct tvm vm;
	uint64_t seq;
};

FIXTURE_SETUP(guest)
{
	struct tvm_profile p = { .hypercall_nr = 1 };

	if (!have_kvm())
		SKIP(return, "no /dev/kvm");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc));
	ASSERT_EQ(0, raw_open(&self->raw));
	ASSERT_EQ(0, tvm_create(&self->vm, &p));
	self->seq = 0;
}

FIXTURE_TEARDOWN(guest)
{
	tvm_destroy(&self->vm);
	close(self->raw.fd);
	vsec_ipc_close(self->ipc);
}

static struct vsec_guest *guest_of_self(struct vsec_ipc *ipc,
					struct vsec_vm *vm)
{
	if (ksec_vm_of_pid(ipc, (uint32_t)getpid(), vm))
		return NULL;
	return &vm->guest;
}

TEST_F(guest, reports_reach_the_senders_vm)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	const struct nlattr *a;
	struct report1 rep;
	struct vsec_guest *g;

	ASSERT_NE(NULL, vm);
	make_report(&rep, ++self->seq, 7);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	/* The reply is the control for the device: auto, no history yet. */
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint8_t *)(a + 1));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY_SEQ);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint32_t *)(a + 1));
	EXPECT_EQ(NULL, raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY));

	make_report(&rep, ++self->seq, 5);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	ASSERT_TRUE(g->present);
	EXPECT_EQ(2, g->reports);
	EXPECT_EQ(2, g->seq);
	EXPECT_EQ(1, g->level);
	EXPECT_EQ(5, g->last[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	EXPECT_EQ(12, g->total[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	EXPECT_EQ(1200, g->total[VIRTIO_VSEM_FEAT_TX_BYTES]);
	EXPECT_EQ(3, g->last[VIRTIO_VSEM_FEAT_HV_REQUESTS]);
	EXPECT_EQ(100, g->last[VIRTIO_VSEM_FEAT_CPU_PERMILLE]);
	EXPECT_EQ(100, g->last[VIRTIO_VSEM_FEAT_MEM_PERMILLE]);
	free(vm);
}

TEST_F(guest, a_process_without_a_vm_cannot_report)
{
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (!child) {
		struct report1 rep;
		struct raw r;

		/* A fresh process: it owns no VM (the parent's is not its). */
		if (raw_open(&r))
			_exit(10);
		make_report(&rep, 1, 1);
		if (send_report(&r, &rep, sizeof(rep)) != -ESRCH)
			_exit(11);
		if (!strstr(r.extack, "owns no VM"))
			_exit(12);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(guest, malformed_reports_are_rejected_and_counted)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct report1 rep, bad;
	char a[64];
	uint32_t id = 1;
	size_t n;
	int i;

	ASSERT_NE(NULL, vm);
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));

	bad = rep;			/* the same sequence number again */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_NE(NULL, strstr(self->raw.extack, "sequence"));
	make_report(&bad, self->seq + 1, 1);
	bad.h.version = 9;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.h.len += 8;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.h.level = 3;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.wl.cpu_permille = 1001;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_hv.type = VIRTIO_VSEM_E_NET;	/* NET twice */
	bad.e_hv.len = bad.e_net.len;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_wl.len = 12;			/* not a multiple of 8 */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_hv.type = VIRTIO_VSEM_E_FLOW;	/* level 2 in level 1 */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, 10));
	/* A report that names a VM: the sender's own is the only one. */
	make_report(&bad, self->seq + 1, 1);
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	EXPECT_EQ(-EINVAL, raw_request(&self->raw, KVM_SEC_CMD_GUEST_REPORT,
				       0, a, n));
	/* Over the largest report size: refused by the policy (ERANGE). */
	{
		static char big[VIRTIO_VSEM_MAX_REPORT_SIZE + 8];
		int err = send_report(&self->raw, big, sizeof(big));

		EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	}

	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(1, vm->guest.reports);
	EXPECT_EQ(9, vm->guest.rejected);
	EXPECT_EQ(1, vm->guest.seq);

	/* Random mutations of a valid report: verdicts, never damage. */
	srandom(1);
	for (i = 0; i < 2000; i++) {
		unsigned char *b = (unsigned char *)&bad;
		int err, k;

		make_report(&bad, self->seq + 1, (uint64_t)i);
		for (k = 0; k < 1 + i % 4; k++)
			b[random() % sizeof(bad)] = (unsigned char)random();
		err = send_report(&self->raw, &bad,
				  i % 7 ? sizeof(bad) : (size_t)(random() % sizeof(bad)));
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -EBUSY)
			TH_LOG("mutation %d: %d", i, err);
		if (!err)
			self->seq = vm->guest.seq = bad.h.seq;
	}
	free(vm);
}

TEST_F(guest, a_flood_is_throttled_and_counted)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct report1 rep;
	int i, ok = 0, busy = 0, err;

	ASSERT_NE(NULL, vm);
	for (i = 0; i < 3 * KVM_SEC_GUEST_REPORTS_PER_S; i++) {
		make_report(&rep, ++self->seq, 1);
		err = send_report(&self->raw, &rep, sizeof(rep));
		ASSERT_TRUE(err == 0 || err == -EBUSY);
		ok += !err;
		busy += err == -EBUSY;
	}
	/* At most two one-second windows were crossed. */
	EXPECT_LE(ok, 2 * KVM_SEC_GUEST_REPORTS_PER_S);
	EXPECT_GE(busy, KVM_SEC_GUEST_REPORTS_PER_S);
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(ok, vm->guest.reports);
	EXPECT_EQ(busy, vm->guest.throttled);
	free(vm);
}

TEST_F(guest, a_commanded_level_comes_back_in_the_reply)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	const struct nlattr *a;
	struct report1 rep;
	char cmd[128], out[256];
	pid_t child;
	int status;

	ASSERT_NE(NULL, vm);
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm) ? vm : NULL);
	/* Not as nobody... */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;

		if (drop_to_nobody() || vsec_ipc_open(&ipc))
			_exit(10);
		_exit(vsec_ipc_command_vm(ipc, vm->id, 2, -1) == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* ...but as root, with vsecctl. */
	snprintf(cmd, sizeof(cmd), "vsecctl level %u 2", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2, *(uint8_t *)(a + 1));
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(2, vm->guest.level_cmd);
	snprintf(cmd, sizeof(cmd), "vsecctl level %u auto", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint8_t *)(a + 1));
	EXPECT_EQ(2, run_capture("vsecctl level 1 3 2>/dev/null", out, sizeof(out)));

	/* The report interval, the same way. */
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 500", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_INTERVAL_MS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(500, *(uint32_t *)(a + 1));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 50 2>/dev/null", vm->id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u default", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_INTERVAL_MS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint32_t *)(a + 1));
	free(vm);
}

TEST_F(guest, history_after_eight_calm_reports_and_prefixes)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct virtio_vsem_feature_stat h[VIRTIO_VSEM_NR_FEATURES];
	const struct nlattr *a;
	struct report1 rep;
	char out[256];
	int i;

	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, run_capture("vsecctl config set prefixes 10.0.0.0/8,fd00::/8",
				 out, sizeof(out)));
	for (i = 0; i < 8; i++) {
		make_report(&rep, ++self->seq, 10);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
		if (i < 7)
			EXPECT_EQ(NULL, raw_reply_attr(&self->raw,
						       KVM_SEC_A_GUEST_HISTORY));
	}
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(sizeof(h), a->nla_len - sizeof(*a));
	memcpy(h, a + 1, sizeof(h));
	EXPECT_EQ(10, h[VIRTIO_VSEM_FEAT_TX_PACKETS].mean);
	EXPECT_EQ(8, h[VIRTIO_VSEM_FEAT_TX_PACKETS].spread);	/* the floor */
	EXPECT_EQ(1000, h[VIRTIO_VSEM_FEAT_TX_BYTES].mean);
	a = raw_reply_attr(&self->raw, KVM_SEC_A_PREFIXES);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2 * sizeof(struct virtio_vsem_prefix), a->nla_len - sizeof(*a));
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(1, vm->guest.history_seq);
	EXPECT_EQ(10, vm->guest.mean[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	/* Invalid prefixes change nothing. */
	EXPECT_EQ(2, run_capture("vsecctl config set prefixes 10.0.0.1/8 2>/dev/null",
				 out, sizeof(out)));
	ASSERT_EQ(0, run_capture("vsecctl --json config", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"10.0.0.0/8\",\"fd00::/8\""));
	ASSERT_EQ(0, run_capture("vsecctl config set prefixes none", out, sizeof(out)));
	free(vm);
}

TEST_HARNESS_MAIN
