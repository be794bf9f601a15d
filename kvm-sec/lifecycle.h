/* SPDX-License-Identifier: GPL-2.0 */
/* When kvm-sec takes and lets go of a VM (lifecycle.c). */
#ifndef KSEC_LIFECYCLE_H
#define KSEC_LIFECYCLE_H

#include <linux/types.h>

struct kvm;
struct ksec_vmm;

int ksec_lifecycle_init(void);
void ksec_lifecycle_exit(void);
/* kprobe hits missed (creations then found by their exits). */
u64 ksec_lifecycle_missed(void);

/*
 * From a trace point: an exit of @kvm, which kvm-sec does not track; the
 * running vCPU keeps it alive. Queues it for tracking (adoption).
 */
void ksec_adopt(struct kvm *kvm);

/*
 * ksec_vm_add() in process context, charged to the memory cgroup of the
 * VM's VMM. The caller's reference on @kvm goes to the registry, or is
 * dropped on failure (an allocation failure is counted).
 */
int ksec_vm_add_accounted(struct kvm *kvm, const struct ksec_vmm *vmm,
			  u8 origin);

#endif /* KSEC_LIFECYCLE_H */
