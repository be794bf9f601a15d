/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Exit limits (pace.c): an exit of a limited class without its token makes
 * its vCPU thread wait for it before the thread enters the guest again.
 */
#ifndef KSEC_PACE_H
#define KSEC_PACE_H

#include <linux/compiler.h>

#include "limit.h"
#include "vm.h"

struct kvm_vcpu;

/*
 * Before an exit limit is first set on @vm (process context): the work
 * each of its vCPUs waits in. 0, -ENOMEM, or -ENOENT (the VM is gone).
 */
int ksec_pace_prepare(struct ksec_vm *vm);
void ksec_pace_free(struct ksec_limits *l);
/* Set (or, size 0, lift) an exit limit at @now; under the limits' lock. */
void ksec_pacer_set(struct ksec_limits *l, struct ksec_pacer *p,
		    const struct ksec_limit_spec *s, u64 now);
/* After ksec_pacer_set(), the lock dropped: waiting vCPUs look again. */
void ksec_pace_changed(void);
/* The tokens a pacer of @size has left at @now. */
u64 ksec_pacer_tokens(struct ksec_pacer *p, u64 size, u64 now);

void __ksec_pace(struct ksec_vm *vm, const struct kvm_vcpu *vcpu,
		 unsigned int kind);

/*
 * From a probe, for an exit of the class of limit @kind that the current
 * thread (@vcpu's) is handling.
 */
static __always_inline void ksec_pace(struct ksec_vm *vm,
				      const struct kvm_vcpu *vcpu,
				      unsigned int kind)
{
	if (unlikely(READ_ONCE(vm->lim.active) & BIT(kind)))
		__ksec_pace(vm, vcpu, kind);
}

/* The module is loaded: exits may be paced from now on. */
void ksec_pace_start(void);
/*
 * Unload, once no probe runs: wakes every vCPU thread told to wait, and
 * returns once each has left the module's code.
 */
void ksec_pace_exit(void);

#endif /* KSEC_PACE_H */
