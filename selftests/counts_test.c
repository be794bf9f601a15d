// SPDX-License-Identifier: GPL-2.0
/*
 * Exact per-class counts: real VMs with real guest code make a known number
 * of hypercalls, port writes and MMIO writes; kvm-sec must report exactly
 * those numbers, through netlink and through vsecctl, while the VM lives,
 * and forget the VM once it is destroyed.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "tvm.h"

FIXTURE(ksec) {
	struct vsec_ipc *ipc;
};

FIXTURE_SETUP(ksec)
{
	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc))
		TH_LOG("kvm-sec is not loaded");
}

FIXTURE_TEARDOWN(ksec)
{
	vsec_ipc_close(self->ipc);
}

TEST_F(ksec, exact_counts_netlink_and_vsecctl)
{
	const struct tvm_profile p = {
		.hypercalls = 1000, .hypercall_nr = 77,
		.port_writes = 321, .port = 0x3f8,
		.mmio_writes = 45, .mmio_gpa = 0xd0010,
	};
	char cmd[128], out[8192];
	struct vsec_vm vm;
	struct tvm t;
	uint64_t v;
	uint32_t id;

	ASSERT_EQ(0, tvm_create(&t, &p));
	ASSERT_EQ(0, tvm_run(&t, NULL));
	ASSERT_EQ(p.port_writes, t.exits.io_out);
	ASSERT_EQ(p.mmio_writes, t.exits.mmio);

	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	id = vm.id;
	EXPECT_EQ(1000, CTR(&vm, HYPERCALLS));
	EXPECT_EQ(321, CTR(&vm, PIO_OUT));
	EXPECT_EQ(0, CTR(&vm, PIO_IN));
	EXPECT_EQ(45, CTR(&vm, MMIO_WRITE));
	EXPECT_EQ(0, CTR(&vm, MMIO_READ));
	EXPECT_EQ(1, CTR(&vm, HALTS));
	EXPECT_GE(CTR(&vm, EXITS), 1000 + 321 + 45 + 1);
	EXPECT_EQ(1, vm.vcpus);
	EXPECT_FALSE(vm.discovered);
	EXPECT_EQ(getpid(), (pid_t)vm.pid);
	/* Top-N tables: one key each, holding every operation. */
	ASSERT_EQ(1, vm.hypercalls.nr);
	EXPECT_EQ(77, vm.hypercalls.e[0].key);
	EXPECT_EQ(1000, vm.hypercalls.e[0].count);
	ASSERT_EQ(1, vm.ports.nr);
	EXPECT_EQ(0x3f8, vm.ports.e[0].key);
	EXPECT_EQ(321, vm.ports.e[0].count);
	ASSERT_EQ(1, vm.mmio_pages.nr);
	EXPECT_EQ(0xd0000, vm.mmio_pages.e[0].key);
	EXPECT_EQ(45, vm.mmio_pages.e[0].count);

	/* The same through the real vsecctl. */
	snprintf(cmd, sizeof(cmd), "vsecctl show --json --pid %d", getpid());
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	ASSERT_TRUE(json_find_u64(out, "counters", "hypercalls", &v));
	EXPECT_EQ(1000, v);
	ASSERT_TRUE(json_find_u64(out, "counters", "pio_out", &v));
	EXPECT_EQ(321, v);
	ASSERT_TRUE(json_find_u64(out, "counters", "mmio_write", &v));
	EXPECT_EQ(45, v);
	snprintf(cmd, sizeof(cmd), "vsecctl show %u", id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "hypercalls"));

	/* Gone with the VM: by ID, by PID, in the list. */
	tvm_destroy(&t);
	EXPECT_EQ(-ENOENT, vsec_ipc_get_vm(self->ipc, id, &vm));
	EXPECT_EQ(-ENOENT, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	snprintf(cmd, sizeof(cmd), "vsecctl show %u >/dev/null 2>&1", id);
	EXPECT_EQ(4, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "vsecctl list --json 2>&1 | grep -c '\"pid\":%d,'",
		 getpid());
	run_capture(cmd, out, sizeof(out));
	EXPECT_EQ(0, atoi(out));
}

TEST_F(ksec, vms_are_counted_apart)
{
	const struct tvm_profile pa = { .hypercalls = 10, .port_writes = 3,
					.port = 0x70 };
	const struct tvm_profile pb = { .hypercalls = 200, .port_writes = 0 };
	struct vsec_vm va, vb;
	struct tvm a, b;

	ASSERT_EQ(0, tvm_create(&a, &pa));
	ASSERT_EQ(0, tvm_create(&b, &pb));
	ASSERT_EQ(0, tvm_run(&a, NULL));
	ASSERT_EQ(0, tvm_run(&b, NULL));
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vb));
	ASSERT_EQ(0, vsec_ipc_get_vm(self->ipc, vb.id - 1, &va));
	EXPECT_EQ(getpid(), (pid_t)va.pid);
	EXPECT_EQ(10, CTR(&va, HYPERCALLS));
	EXPECT_EQ(3, CTR(&va, PIO_OUT));
	EXPECT_EQ(200, CTR(&vb, HYPERCALLS));
	EXPECT_EQ(0, CTR(&vb, PIO_OUT));
	tvm_destroy(&a);
	tvm_destroy(&b);
}

TEST_F(ksec, every_exit_counted_while_running)
{
	const struct tvm_profile p = { .port_writes = 1, .forever = true };
	struct vsec_vm vm;
	struct tvm t;
	int i, round;

	/* The guest never halts: each KVM_RUN returns after one port write. */
	ASSERT_EQ(0, tvm_create(&t, &p));
	for (round = 1; round <= 3; round++) {
		for (i = 0; i < 100; i++) {
			ASSERT_EQ(0, ioctl(t.vcpu_fd, KVM_RUN, 0));
			ASSERT_EQ(KVM_EXIT_IO, t.run->exit_reason);
		}
		ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
		EXPECT_EQ(100 * round, CTR(&vm, PIO_OUT));
		EXPECT_EQ(0, CTR(&vm, HALTS));
	}
	tvm_destroy(&t);
}

TEST_HARNESS_MAIN
