// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm_sec netlink ABI under abuse: unprivileged writers and malformed
 * messages get errors, and nothing changes.
 */
#include <errno.h>
#include <string.h>
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

TEST_F(ksec, config_roundtrip_as_root)
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
	EXPECT_STREQ("{\"interval_ms\":300,\"prefixes\":[]}\n", out);
	ASSERT_EQ(0, vsec_ipc_set_interval(self->ipc, self->cfg.interval_ms));
}

TEST_F(ksec, unprivileged_writes_are_refused)
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
		if (run_capture("vsecctl list >/dev/null", out, sizeof(out)))
			_exit(16);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
}

TEST_F(ksec, malformed_messages_are_rejected)
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

TEST_F(ksec, vsecctl_errors)
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
