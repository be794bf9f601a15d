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

TEST_F_TIMEOUT(ksec, exact_counts_netlink_and_vsecctl, KSEC_TEST_TIMEOUT)
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

TEST_F_TIMEOUT(ksec, vms_are_counted_apart, KSEC_TEST_TIMEOUT)
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

TEST_F_TIMEOUT(ksec, every_exit_counted_while_running, KSEC_TEST_TIMEOUT)
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

/* The exits a top-N table accounts for: its entries and its "other". */
static uint64_t top_sum(const struct vsec_top *t)
{
	uint64_t sum = t->other;
	unsigned int i;

	for (i = 0; i < t->nr; i++)
		sum += t->e[i].count;
	return sum;
}

/* Exits attributed to a class, and the invariant OTHER relies on. */
static uint64_t classified(const struct vsec_vm *vm)
{
	return CTR(vm, HYPERCALLS) + CTR(vm, PIO_IN) + CTR(vm, PIO_OUT) +
	       CTR(vm, MMIO_READ) + CTR(vm, MMIO_WRITE) + CTR(vm, MSR_READ) +
	       CTR(vm, MSR_WRITE);
}

/*
 * A guest reads 10000 bytes with one "rep insb" from a port its VMM
 * serves, then makes 100 exits of no class (CPUID). Each exit to the VMM
 * is one PIO_IN exit however many bytes it moved; the elements are
 * counted apart; OTHER keeps the CPUIDs. Before, PIO_IN counted 10000,
 * more than the exits, and the clamped OTHER hid the CPUIDs.
 */
TEST_F_TIMEOUT(ksec, pio_classes_count_exits_not_elements, KSEC_TEST_TIMEOUT)
{
	const struct tvm_profile p = { .rep_ins = 10000, .rep_ins_port = 0x3f8,
				       .cpuids = 100 };
	struct vsec_vm vm;
	struct tvm t;

	ASSERT_EQ(0, tvm_create(&t, &p));
	ASSERT_EQ(0, tvm_run(&t, NULL));
	ASSERT_EQ(10000, t.exits.io_in);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(t.exits.io_in_exits, CTR(&vm, PIO_IN));
	EXPECT_LT(CTR(&vm, PIO_IN), 100);
	EXPECT_EQ(10000, CTR(&vm, PIO_ELEMENTS));
	EXPECT_LE(classified(&vm), CTR(&vm, EXITS));
	EXPECT_GE(CTR(&vm, OTHER), 100);
	EXPECT_EQ(CTR(&vm, EXITS) - classified(&vm), CTR(&vm, OTHER));
	/* The port table counts the same exits. */
	EXPECT_EQ(CTR(&vm, PIO_IN), top_sum(&vm.ports));
	tvm_destroy(&t);
}

/*
 * With an in-kernel interrupt controller, KVM serves port 0x21 itself, and
 * emulates "rep outsb" one byte at a time without going back to the guest
 * for up to 1024 bytes: 4096 bytes are 4096 port I/O traces in about four
 * exits. Each exit is counted once; before, PIO_OUT counted 4096, more
 * than the exits.
 */
TEST_F_TIMEOUT(ksec, in_kernel_rep_outs_is_one_class_per_exit, KSEC_TEST_TIMEOUT)
{
	const struct tvm_profile p = { .rep_outs = 4096, .rep_outs_port = 0x21,
				       .irqchip = true };
	struct vsec_vm vm;
	struct tvm t;

	ASSERT_EQ(0, tvm_create(&t, &p));
	ASSERT_EQ(0, tvm_run(&t, NULL));
	EXPECT_EQ(0, t.exits.io_out);	/* KVM served every byte */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(4096 + 1, CTR(&vm, PIO_ELEMENTS));	/* and the done port */
	EXPECT_GE(CTR(&vm, PIO_OUT), 1 + 1);
	EXPECT_LE(CTR(&vm, PIO_OUT), 16);
	EXPECT_LE(classified(&vm), CTR(&vm, EXITS));
	tvm_destroy(&t);
}

/*
 * A guest first writes once to each of 64 decoy ports, then 200 times to
 * port 0x3f8: the busiest port is listed first, with its count at most its
 * error above the truth. Before, the decoys took every slot for ever and
 * 0x3f8 disappeared into "other".
 */
TEST_F_TIMEOUT(ksec, decoys_do_not_hide_the_busiest_port, KSEC_TEST_TIMEOUT)
{
	const struct tvm_profile p = { .decoy_ports = 64, .decoy_base = 0x200,
				       .port_writes = 200, .port = 0x3f8 };
	struct vsec_vm vm;
	struct tvm t;

	ASSERT_EQ(0, tvm_create(&t, &p));
	ASSERT_EQ(0, tvm_run(&t, NULL));
	ASSERT_EQ(264, t.exits.io_out);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
	EXPECT_EQ(264, CTR(&vm, PIO_OUT));
	ASSERT_GE(vm.ports.nr, 1);
	EXPECT_EQ(0x3f8, vm.ports.e[0].key);
	EXPECT_GE(vm.ports.e[0].count, 200);
	EXPECT_LE(vm.ports.e[0].count - vm.ports.e[0].err, 200);
	EXPECT_LE(vm.ports.e[0].err, 4);
	EXPECT_EQ(264, top_sum(&vm.ports));
	tvm_destroy(&t);
}

TEST_HARNESS_MAIN
