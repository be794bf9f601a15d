/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM state of kvm-sec and the registry that finds it.
 *
 * A struct ksec_vm is created when KVM creates a VM (or when the module finds
 * one that existed before it was loaded) and is unhashed when KVM destroys the
 * VM. Lookups from KVM's trace points use an RCU hash table keyed by the
 * struct kvm pointer; everything else uses IDs (an xarray) and references.
 */
#ifndef KSEC_VM_H
#define KSEC_VM_H

#include <linux/hashtable.h>
#include <linux/kref.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include "guest.h"
#include "topn.h"

struct kvm;
struct kvm_vcpu;
struct ksec_guest;

/* What is counted per VM. The first KSEC_NR_PCPU classes are per-CPU. */
enum ksec_class {
	KSEC_EXITS,
	KSEC_HYPERCALLS,
	KSEC_PIO_IN,
	KSEC_PIO_OUT,
	KSEC_MMIO_READ,
	KSEC_MMIO_WRITE,
	KSEC_MSR_READ,
	KSEC_MSR_WRITE,
	KSEC_NR_PCPU,
	/* From KVM's per-vCPU statistics, read when needed. */
	KSEC_HALTS = KSEC_NR_PCPU,
	KSEC_IRQS,
	/* Exits not attributed to a class above. */
	KSEC_OTHER,
	KSEC_NR_CLASSES
};

/* A notification queued for the events work (events.c). */
struct ksec_event {
	struct llist_node node;
	struct ksec_vm *vm;
	u8 cmd;
};

/* Written only by its own CPU, from KVM's trace points. */
struct ksec_pcpu {
	u64 ctr[KSEC_NR_PCPU];
	struct ksec_top hypercalls;
	struct ksec_top ports;
	struct ksec_top mmio_pages;
};

struct ksec_vm {
	struct hlist_node hnode;	/* ksec_vm_hash, RCU */
	struct kvm *kvm;		/* valid while !dead, under ->lock */
	struct ksec_pcpu __percpu *pcpu;

	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u64 created_ns;
	bool discovered;

	struct kref ref;
	spinlock_t lock;		/* protects the fields below */
	bool dead;			/* KVM is destroying the VM */
	u64 base[KSEC_NR_CLASSES];	/* KVM statistics at discovery */
	u64 last_tot[KSEC_NR_CLASSES];	/* totals at the last sample */
	u64 last_sample_ns;
	u64 rate[KSEC_NR_CLASSES];	/* per second, last interval */
	u32 rate_interval_ms;

	struct mutex guest_lock;	/* guest and what it points to */
	struct ksec_guest *guest;	/* guest.c; NULL until needed */

	struct ksec_event ev_new;	/* pending VM_NEW notification */
	struct ksec_event ev_del;	/* pending VM_DEL notification */
	struct rcu_head rcu;
};

/* A consistent copy of a VM's state, for netlink. */
struct ksec_vm_view {
	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u32 vcpus;
	u64 created_ns;
	bool discovered;
	u32 interval_ms;
	u64 tot[KSEC_NR_CLASSES];
	u64 rate[KSEC_NR_CLASSES];
	struct ksec_top_merged hypercalls;
	struct ksec_top_merged ports;
	struct ksec_top_merged mmio_pages;
	bool has_guest;
	struct ksec_guest_view guest;
};

/* Module-wide counters: everything that is not counted per VM. */
struct ksec_status {
	atomic64_t vms_seen;
	atomic64_t vms_gone;
	atomic64_t alloc_failures;
	atomic64_t events_dropped;
	atomic64_t rescans;
	u64 __percpu *untracked;	/* events from unknown VMs */
};

extern struct ksec_status ksec_status;

int ksec_registry_init(void);
void ksec_registry_exit(void);

#define KSEC_HASH_BITS 10
extern struct hlist_head ksec_vm_hash[1 << KSEC_HASH_BITS];

/*
 * Hot path, from KVM's trace points (preemption disabled, so an RCU read-side
 * section) or under the registry lock.
 */
static __always_inline struct ksec_vm *ksec_vm_lookup(const struct kvm *kvm)
{
	struct ksec_vm *vm;

	hash_for_each_possible_rcu_notrace(ksec_vm_hash, vm, hnode,
					   (unsigned long)kvm) {
		if (vm->kvm == kvm)
			return vm;
	}
	return NULL;
}

/*
 * Start tracking @kvm. @gfp is GFP_ATOMIC from KVM's creation probe.
 * Returns 0, -EEXIST if already tracked, or -ENOMEM.
 */
int ksec_vm_add(struct kvm *kvm, pid_t pid, const char *comm,
		bool discovered, gfp_t gfp);
/* KVM is destroying @kvm: stop tracking it (any context). */
void ksec_vm_remove(struct kvm *kvm);

/* References, for readers that may sleep. */
struct ksec_vm *ksec_vm_get_by_id(u32 id);
struct ksec_vm *ksec_vm_get_next(u32 *id, pid_t pid);
void ksec_vm_put(struct ksec_vm *vm);
u32 ksec_vm_count(void);
u32 ksec_registry_generation(void);

/* Current totals of every class (KSEC_NR_CLASSES entries). */
void ksec_vm_totals(struct ksec_vm *vm, u64 *tot, u32 *vcpus);
void ksec_vm_fill_view(struct ksec_vm *vm, struct ksec_vm_view *v);

/* The sampler: turn every VM's totals into per-second rates. */
void ksec_sample_all(u64 now_ns);

u64 ksec_untracked_total(void);

#endif /* KSEC_VM_H */
