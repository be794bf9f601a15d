/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Everything that differs between the kernels kvm-sec builds against lives
 * here and in compat.mk, which detects features (never version numbers)
 * and passes KSEC_HAVE_* definitions.
 */
#ifndef KSEC_COMPAT_H
#define KSEC_COMPAT_H

#include <linux/kvm_host.h>

/*
 * Halt and interrupt exits, from the statistics KVM keeps per vCPU. Their
 * names are architecture-specific; an architecture without them reports 0.
 */
static inline u64 ksec_vcpu_halts(const struct kvm_vcpu *vcpu)
{
#if defined(KSEC_HAVE_STAT_HALT_EXITS)
	return READ_ONCE(vcpu->stat.halt_exits);
#elif defined(KSEC_HAVE_STAT_WFI_EXIT)
	return READ_ONCE(vcpu->stat.wfi_exit_stat);
#else
	return 0;
#endif
}

/*
 * The task that last ran @vcpu, or NULL; the caller holds rcu_read_lock()
 * (a task is freed after a grace period). KVM keeps it as vcpu->pid, under
 * RCU or, on newer kernels, under vcpu->pid_lock, which frees the pid at
 * once.
 */
static inline struct task_struct *ksec_vcpu_task(struct kvm_vcpu *vcpu)
{
#ifdef KSEC_HAVE_VCPU_PID_LOCK
	struct task_struct *t;

	read_lock(&vcpu->pid_lock);
	t = pid_task(vcpu->pid, PIDTYPE_PID);
	read_unlock(&vcpu->pid_lock);
	return t;
#else
	return pid_task(rcu_dereference(vcpu->pid), PIDTYPE_PID);
#endif
}

static inline u64 ksec_vcpu_irqs(const struct kvm_vcpu *vcpu)
{
#if defined(KSEC_HAVE_STAT_IRQ_EXITS)
	return READ_ONCE(vcpu->stat.irq_exits);
#else
	return 0;
#endif
}

/* KVM_RUN was called on @vcpu (KVM sets its pid then, and keeps one). */
static inline bool ksec_vcpu_ever_ran(struct kvm_vcpu *vcpu)
{
#ifdef KSEC_HAVE_VCPU_PID_LOCK
	bool ran;

	read_lock(&vcpu->pid_lock);
	ran = vcpu->pid;
	read_unlock(&vcpu->pid_lock);
	return ran;
#else
	return rcu_access_pointer(vcpu->pid);
#endif
}

/*
 * KVM's own count of a vCPU's exits, which tells one exit from the next
 * (probes.c). Without it, only kvm_exit starts a new exit.
 */
static __always_inline u64 ksec_vcpu_exit_id(const struct kvm_vcpu *vcpu)
{
#if defined(KSEC_HAVE_STAT_EXITS)
	return READ_ONCE(vcpu->stat.exits);
#else
	return 0;
#endif
}

/* Is @addr inside @mod? (struct module's layout changed in 6.4.) */
static inline bool ksec_within_module(unsigned long addr, struct module *mod)
{
	return within_module(addr, mod);
}

#endif /* KSEC_COMPAT_H */
