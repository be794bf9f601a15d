// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm_sec netlink ABI under abuse: unprivileged writers and readers of
 * tenants' data, and malformed messages, get errors, and nothing changes.
 */
#include <errno.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "raw_nl.h"
#include "tvm.h"

FIXTURE(ksec) {
	struct vsec_ipc *ipc;
	struct raw raw;
	struct vsec_config cfg;
	struct vsec_status st;
};

FIXTURE_SETUP(ksec)
{
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc));
	ASSERT_EQ(0, raw_open(&self->raw));
	ASSERT_EQ(0, vsec_ipc_get_config(self->ipc, &self->cfg));
	ASSERT_EQ(0, vsec_ipc_get_status(self->ipc, &self->st));
}

FIXTURE_TEARDOWN(ksec)
{
	struct vsec_config cfg;

	/* Nothing changed. */
	EXPECT_EQ(0, vsec_ipc_get_config(self->ipc, &cfg));
	EXPECT_EQ(self->cfg.interval_ms, cfg.interval_ms);
	close(self->raw.fd);
	vsec_ipc_close(self->ipc);
}

TEST_F_TIMEOUT(ksec, config_roundtrip_as_root, KSEC_TEST_TIMEOUT)
{
	struct vsec_config cfg;
	char out[256];

	ASSERT_EQ(0, vsec_ipc_set_interval(self->ipc, 250));
	ASSERT_EQ(0, vsec_ipc_get_config(self->ipc, &cfg));
	EXPECT_EQ(250, cfg.interval_ms);
	ASSERT_EQ(0, run_capture("vsecctl config set interval-ms 300", out, sizeof(out)));
	ASSERT_EQ(0, vsec_ipc_get_config(self->ipc, &cfg));
	EXPECT_EQ(300, cfg.interval_ms);
	ASSERT_EQ(0, run_capture("vsecctl --json config", out, sizeof(out)));
	/* The rule at its defaults (decision.sh restores them after it). */
	EXPECT_STREQ("{\"interval_ms\":300,\"prefixes\":[],\"migration_key\":false,"
		     "\"rule\":{\"k_tenths\":40,"
		     "\"m\":2,\"n\":3,\"warm\":20,\"decide\":5,\"calm\":5,"
		     "\"limit_level2_pct\":200,\"limit_attack_pct\":100}}\n", out);
	ASSERT_EQ(0, vsec_ipc_set_interval(self->ipc, self->cfg.interval_ms));
}

TEST_F_TIMEOUT(ksec, unprivileged_writes_are_refused, KSEC_TEST_TIMEOUT)
{
	pid_t child = fork();
	int status;

	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;
		struct vsec_config cfg;
		char out[512];

		if (drop_to_nobody())
			_exit(10);
		if (vsec_ipc_open(&ipc))
			_exit(11);
		/* Reads are allowed... */
		if (vsec_ipc_get_config(ipc, &cfg))
			_exit(12);
		/* ...writes are not, through the library or vsecctl. */
		if (vsec_ipc_set_interval(ipc, 500) != -EPERM)
			_exit(13);
		if (run_capture("vsecctl config set interval-ms 500 2>&1", out,
				sizeof(out)) != 5)
			_exit(14);
		if (!strstr(out, "permission denied"))
			_exit(15);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

/*
 * What a VM does is its tenant's business: an unprivileged user reads no
 * per-VM data (GET_VM, its dump, GET_FLOWS) and cannot subscribe to the
 * events; module-wide config and status stay readable. Before, all of it
 * was open to everyone.
 */
TEST_F_TIMEOUT(ksec, unprivileged_users_read_no_vm_data, KSEC_TEST_TIMEOUT)
{
	struct tvm vm;
	pid_t child;
	int status;

	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_EQ(0, tvm_create(&vm, &(struct tvm_profile){ .hypercalls = 3 }));
	ASSERT_EQ(0, tvm_run(&vm, NULL));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;
		struct vsec_config cfg;
		struct vsec_status st;
		struct vsec_vm one, *vms;
		struct vsec_guest *g;
		struct nl_sock *sk;
		struct raw r;
		char out[512], a[16];
		uint32_t id = 1;
		size_t nr, n;
		int grp;

		if (drop_to_nobody() || vsec_ipc_open(&ipc) || raw_open(&r))
			_exit(10);
		if (vsec_ipc_get_config(ipc, &cfg) || vsec_ipc_get_status(ipc, &st))
			_exit(11);
		if (st.vms < 1)
			_exit(12);
		if (vsec_ipc_get_vm(ipc, 1, &one) != -EPERM ||
		    vsec_ipc_list_vms(ipc, 0, &vms, &nr) != -EPERM)
			_exit(13);
		g = calloc(1, sizeof(*g));
		if (!g || vsec_ipc_get_flows(ipc, 1, g) != -EPERM)
			_exit(14);
		n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
		if (raw_request(&r, KVM_SEC_CMD_GET_VM, NLM_F_DUMP, NULL, 0) != -EPERM ||
		    raw_request(&r, KVM_SEC_CMD_GET_FLOWS, NLM_F_DUMP, a, n) != -EPERM)
			_exit(15);
		/* The events group: joining it is refused. */
		sk = nl_socket_alloc();
		if (!sk || genl_connect(sk))
			_exit(16);
		grp = genl_ctrl_resolve_grp(sk, KVM_SEC_GENL_NAME,
					    KVM_SEC_MCGRP_EVENTS);
		if (grp < 0 ||
		    setsockopt(nl_socket_get_fd(sk), SOL_NETLINK,
			       NETLINK_ADD_MEMBERSHIP, &grp, sizeof(grp)) == 0 ||
		    errno != EPERM)
			_exit(17);
		/* vsecctl says so, with its exit status for it. */
		if (run_capture("vsecctl list 2>&1", out, sizeof(out)) != 5 ||
		    !strstr(out, "permission denied"))
			_exit(18);
		if (run_capture("vsecctl show --pid 1 2>/dev/null", out, sizeof(out)) != 5 ||
		    run_capture("vsecctl monitor --count 1 2>/dev/null", out, sizeof(out)) != 5)
			_exit(19);
		if (run_capture("vsecctl status >/dev/null", out, sizeof(out)) ||
		    run_capture("vsecctl config >/dev/null", out, sizeof(out)))
			_exit(20);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	tvm_destroy(&vm);
}

TEST_F_TIMEOUT(ksec, malformed_messages_are_rejected, KSEC_TEST_TIMEOUT)
{
	struct raw *r = &self->raw;
	char a[256];
	uint32_t v;
	size_t n;

	/* Out of range, both ways. */
	v = KVM_SEC_INTERVAL_MIN_MS - 1;
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 8, &v, 4);
	EXPECT_GT(0, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	v = KVM_SEC_INTERVAL_MAX_MS + 1;
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 8, &v, 4);
	EXPECT_GT(0, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	EXPECT_NE('\0', r->extack[0]);
	/* Wrong length: a u16 where a u32 belongs. */
	v = 500;
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 6, &v, 2);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	/* A length running past the message. */
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 64, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	/* Unknown attribute type, and one that only belongs in replies. */
	n = put_attr(a, 0, 200, 8, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	n = put_attr(a, 0, KVM_SEC_A_VM_COMM, 8, "abc", 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	/* A valid value next to an invalid attribute: nothing applies. */
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 8, &v, 4);
	n = put_attr(a, n, KVM_SEC_A_STATUS, 4, NULL, 0);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));
	/* Nothing to set; VM attributes in a config request. */
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, 0));
	v = 1;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n));

	/* GET_VM: neither, both, ID 0, and an ID that does not exist. */
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GET_VM, 0, a, 0));
	EXPECT_NE(NULL, strstr(r->extack, "exactly one"));
	v = 1;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &v, 4);
	n = put_attr(a, n, KVM_SEC_A_VM_PID, 8, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GET_VM, 0, a, n));
	v = 0;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &v, 4);
	EXPECT_GT(0, raw_request(r, KVM_SEC_CMD_GET_VM, 0, a, n));
	v = 0x7ffffff0;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &v, 4);
	EXPECT_EQ(-ENOENT, raw_request(r, KVM_SEC_CMD_GET_VM, 0, a, n));
	EXPECT_NE(NULL, strstr(r->extack, "no such VM"));

	/* Per-command policies: a valid attribute of another command. */
	v = 500;
	n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 8, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GET_VM, 0, a, n));
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GET_STATUS, 0, a, n));
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_SET_VM, 0, a, n));

	/* GUEST_REPORT: a descriptor of the wrong size, no report. */
	v = 0;
	n = put_attr(a, 0, KVM_SEC_A_VM_FD, 6, &v, 2);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GUEST_REPORT, 0, a, n));
	n = put_attr(a, 0, KVM_SEC_A_VM_FD, 8, &v, 4);
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GUEST_REPORT, 0, a, n));
	/* GET_FLOWS: a dump that needs its VM, and no doit. */
	EXPECT_EQ(-EINVAL, raw_request(r, KVM_SEC_CMD_GET_FLOWS, NLM_F_DUMP, a, 0));
	v = 0x7ffffff0;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &v, 4);
	EXPECT_EQ(-ENOENT, raw_request(r, KVM_SEC_CMD_GET_FLOWS, NLM_F_DUMP, a, n));
	EXPECT_EQ(-EOPNOTSUPP, raw_request(r, KVM_SEC_CMD_GET_FLOWS, 0, a, n));

	/* Commands that do not exist or are notifications only. */
	EXPECT_EQ(-EOPNOTSUPP, raw_request(r, 99, 0, a, 0));
	EXPECT_EQ(-EOPNOTSUPP, raw_request(r, KVM_SEC_CMD_VM_NEW, 0, a, 0));
	EXPECT_EQ(-EOPNOTSUPP, raw_request(r, KVM_SEC_CMD_SET_CONFIG,
					   NLM_F_DUMP, a, 0));

	/* The module still answers, and counted no damage. */
	{
		struct vsec_status st;

		ASSERT_EQ(0, vsec_ipc_get_status(self->ipc, &st));
		EXPECT_EQ(self->st.vms, st.vms);
		EXPECT_EQ(self->st.alloc_failures, st.alloc_failures);
	}
}

/*
 * A VMM names itself: its command name reaches vsecctl as any bytes it
 * likes. Tables escape it, JSON stays valid UTF-8. Before, the escape
 * sequence reached the terminal.
 */
TEST_F_TIMEOUT(ksec, a_hostile_vmm_name_is_escaped, KSEC_TEST_TIMEOUT)
{
	int ready[2], done[2], status;
	char out[16384], c;
	pid_t child;

	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_EQ(0, pipe(ready));
	ASSERT_EQ(0, pipe(done));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct tvm t;

		close(ready[0]);
		close(done[1]);
		/* ESC [ 2 J clears a terminal; 0xff is not UTF-8. */
		prctl(PR_SET_NAME, "\x1b[2Jevil\xff\x9b", 0, 0, 0);
		if (tvm_create(&t, &(struct tvm_profile){ .hypercalls = 1 }) ||
		    tvm_run(&t, NULL) || write(ready[1], "r", 1) != 1)
			_exit(1);
		/* Until the parent closes its end (or dies). */
		if (read(done[0], &c, 1) != 0)
			_exit(1);
		tvm_destroy(&t);
		_exit(0);
	}
	/* Our copies closed: a child that dies early is an EOF, not a hang. */
	close(ready[1]);
	ASSERT_EQ(1, read(ready[0], &c, 1));
	ASSERT_EQ(0, run_capture("vsecctl list", out, sizeof(out)));
	EXPECT_EQ(NULL, strchr(out, 0x1b));
	EXPECT_EQ(NULL, strchr(out, (char)0xff));
	EXPECT_NE(NULL, strstr(out, "\\x1b[2Jevil\\xff\\x9b"));
	ASSERT_EQ(0, run_capture("vsecctl --json list | python3 -c "
				 "'import json,sys; b=sys.stdin.buffer.read(); "
				 "v=json.loads(b.decode(\"utf-8\")); "
				 "print(any(x[\"comm\"]==\"\\x1b[2Jevil\\xff\\x9b\" for x in v))'",
				 out, sizeof(out)));
	EXPECT_STREQ("True\n", out);
	/* The child goes on EOF too, should anything above have failed. */
	close(done[1]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && !WEXITSTATUS(status));
}

TEST_F_TIMEOUT(ksec, vsecctl_errors, KSEC_TEST_TIMEOUT)
{
	char out[512];

	EXPECT_EQ(2, run_capture("vsecctl config set interval-ms 5 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "from 100 to 60000"));
	EXPECT_EQ(2, run_capture("vsecctl config set colour blue 2>&1", out, sizeof(out)));
	EXPECT_EQ(2, run_capture("vsecctl show banana 2>&1", out, sizeof(out)));
	EXPECT_EQ(2, run_capture("vsecctl frobnicate 2>&1", out, sizeof(out)));
	EXPECT_EQ(4, run_capture("vsecctl show 2147483000 2>&1", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "no such VM"));
	EXPECT_EQ(4, run_capture("vsecctl show --pid 1 2>&1", out, sizeof(out)));
	EXPECT_EQ(0, run_capture("vsecctl --help", out, sizeof(out)));
}

TEST_HARNESS_MAIN
