// SPDX-License-Identifier: GPL-2.0
/*
 * VM creation and destruction.
 *
 * KVM has no notifier for either, but both go through global functions of
 * kvm.ko that take the struct kvm as first argument:
 *
 *  - kvm_arch_init_vm(kvm, type): a kretprobe registers the VM when it
 *    returns 0, before any vCPU exists, so that no exit escapes counting.
 *    (If it fails, KVM frees the struct kvm without destroying it.) The
 *    VMM is the current task.
 *  - kvm_arch_destroy_vm(kvm): a kprobe unregisters the VM before KVM
 *    frees its vCPUs. It also runs when kvm_create_vm() fails later on.
 *
 * Both handlers run with preemption disabled: allocation is GFP_ATOMIC and
 * a failure is counted (the VM is then found by discovery on its first
 * exit). Arguments are read with regs_get_kernel_argument(), which every
 * architecture with kprobes provides.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/ptrace.h>
#include <linux/sched.h>

#include "lifecycle.h"
#include "vm.h"

struct ksec_init_vm_data {
	struct kvm *kvm;
};

static int ksec_init_vm_entry(struct kretprobe_instance *ri,
			      struct pt_regs *regs)
{
	struct ksec_init_vm_data *d = (void *)ri->data;

	d->kvm = (struct kvm *)regs_get_kernel_argument(regs, 0);
	return 0;
}

static int ksec_init_vm_ret(struct kretprobe_instance *ri,
			    struct pt_regs *regs)
{
	struct ksec_init_vm_data *d = (void *)ri->data;
	char comm[TASK_COMM_LEN];

	if (regs_return_value(regs) != 0)
		return 0;
	get_task_comm(comm, current);
	ksec_vm_add(d->kvm, task_tgid_nr(current), comm, false,
		    GFP_ATOMIC | __GFP_NOWARN);
	return 0;
}

static struct kretprobe ksec_init_vm_probe = {
	.kp.symbol_name	= "kvm_arch_init_vm",
	.entry_handler	= ksec_init_vm_entry,
	.handler	= ksec_init_vm_ret,
	.data_size	= sizeof(struct ksec_init_vm_data),
	/* VM creations in flight at once. */
	.maxactive	= 64,
};

static int ksec_destroy_vm_pre(struct kprobe *p, struct pt_regs *regs)
{
	ksec_vm_remove((struct kvm *)regs_get_kernel_argument(regs, 0));
	return 0;
}

static struct kprobe ksec_destroy_vm_probe = {
	.symbol_name	= "kvm_arch_destroy_vm",
	.pre_handler	= ksec_destroy_vm_pre,
};

int ksec_lifecycle_init(void)
{
	int err;

	/* Destruction first: a VM registered is always seen to go. */
	err = register_kprobe(&ksec_destroy_vm_probe);
	if (err) {
		pr_err("cannot probe kvm_arch_destroy_vm: %d\n", err);
		return err;
	}
	err = register_kretprobe(&ksec_init_vm_probe);
	if (err) {
		pr_err("cannot probe kvm_arch_init_vm: %d\n", err);
		unregister_kprobe(&ksec_destroy_vm_probe);
		return err;
	}
	return 0;
}

void ksec_lifecycle_exit(void)
{
	unregister_kretprobe(&ksec_init_vm_probe);
	if (ksec_init_vm_probe.nmissed)
		pr_warn("%d VM creations missed by the kretprobe\n",
			ksec_init_vm_probe.nmissed);
	unregister_kprobe(&ksec_destroy_vm_probe);
}

u64 ksec_lifecycle_missed(void)
{
	return READ_ONCE(ksec_init_vm_probe.nmissed) +
	       READ_ONCE(ksec_destroy_vm_probe.nmissed);
}
