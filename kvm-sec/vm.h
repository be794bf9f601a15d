/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-VM state of kvm-sec and the registry that finds it.
 *
 * Lifetime. kvm-sec holds a reference on every struct kvm it tracks (KVM's
 * own users_count, taken with kvm_get_kvm() where the VM is known to be
 * alive): KVM cannot free a tracked VM, so reading its vCPUs and
 * statistics never touches freed memory, whatever order module load and
 * unload, VM creation and destruction, and the kprobes' state come in.
 * The reference is dropped when kvm-sec sees that it is the last user
 * (lifecycle.c): normally inside the VMM's own last kvm_put_kvm(), so KVM
 * destroys the VM exactly when it would without kvm-sec; otherwise within
 * a second, from the periodic check. A VM is marked dead under its lock
 * before the reference goes, and KVM's structures are read only under
 * that lock while it is not dead.
 *
 * Lookups from KVM's trace points use an RCU hash table keyed by the struct
 * kvm pointer (unique while the reference is held); everything else uses
 * IDs (an xarray) and kref references to struct ksec_vm.
 */
#ifndef KSEC_VM_H
#define KSEC_VM_H

#include <linux/hash.h>
#include <linux/kref.h>
#include <linux/llist.h>
#include <linux/mutex.h>
#include <linux/percpu.h>
#include <linux/rculist.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/kvm_sec.h>

#include "guest.h"
#include "hsem.h"
#include "limit.h"
#include "net.h"
#include "topn.h"

struct kvm;
struct kvm_vcpu;
struct ksec_guest;
struct ksec_vm_net;

/* What is counted per VM: the order of enum kvm_sec_ctr. */
enum ksec_class {
	KSEC_EXITS,
	/* Exit classes: an exit belongs to at most one of these. */
	KSEC_HYPERCALLS,
	KSEC_PIO_IN,
	KSEC_PIO_OUT,
	KSEC_MMIO_READ,
	KSEC_MMIO_WRITE,
	KSEC_MSR_READ,
	KSEC_MSR_WRITE,
	/* From KVM's per-vCPU statistics, read when needed. */
	KSEC_HALTS,
	KSEC_IRQS,
	/* Exits attributed to no class above. */
	KSEC_OTHER,
	/* Port I/O elements (not exits). */
	KSEC_PIO_ELEMENTS,
	KSEC_NR_CLASSES
};

#define KSEC_FIRST_EXIT_CLASS	KSEC_HYPERCALLS
#define KSEC_LAST_EXIT_CLASS	KSEC_MSR_WRITE

/*
 * The VMM process of a VM, as it was when the VM was found: its process ID
 * (initial namespace), when it started (ns since boot, the task's
 * start_boottime: with the ID, a key no other process has had since boot)
 * and its command name.
 */
struct ksec_vmm {
	pid_t pid;
	u64 start_ns;
	char comm[TASK_COMM_LEN];
};

/*
 * The VMM of @t's thread group (@t referenced or current). Its leader may
 * have exited: read under RCU while @t is alive (0 once it is not).
 */
static inline void ksec_vmm_of(struct ksec_vmm *vmm, struct task_struct *t)
{
	vmm->pid = task_tgid_nr(t);
	rcu_read_lock();
	vmm->start_ns = pid_alive(t) ?
			READ_ONCE(t->group_leader)->start_boottime : 0;
	rcu_read_unlock();
	get_task_comm(vmm->comm, t);
}

/* A notification queued for the events work (events.c). */
struct ksec_event {
	struct llist_node node;
	struct ksec_vm *vm;
	u8 cmd;
};

/*
 * The exit a vCPU is handling, as this CPU last saw it (probes.c): a vCPU
 * (by vcpu_idx modulo KSEC_EXIT_RECS), KVM's exit count of that vCPU when
 * the exit was seen, whether kvm_exit reported it with interrupts off
 * (where KVM handles fast-path exits), and whether a class claimed it.
 */
#define KSEC_EXIT_RECS 8

struct ksec_exit_rec {
	const struct kvm_vcpu *vcpu;
	u64 id;
	bool irqoff;
	bool claimed;
};

/* Written only by its own CPU, from KVM's trace points. */
struct ksec_pcpu {
	u64 ctr[KSEC_NR_CLASSES];	/* HALTS, IRQS and OTHER unused */
	struct ksec_exit_rec rec[KSEC_EXIT_RECS];
	struct ksec_top hypercalls;
	struct ksec_top ports;
	struct ksec_top mmio_pages;
};

struct ksec_vm {
	/* ksec_hash, RCU; two nodes so that a resize never hides a VM. */
	struct hlist_node hnode[2];
	struct kvm *kvm;		/* referenced until removed */
	struct ksec_pcpu __percpu *pcpu;

	u32 id;
	pid_t pid;
	char comm[TASK_COMM_LEN];
	u64 vmm_start_ns;		/* struct ksec_vmm */
	u64 created_ns;
	u8 origin;			/* enum kvm_sec_origin */

	struct kref ref;
	spinlock_t lock;		/* protects the fields below */
	bool dead;			/* kvm-sec let go of the VM */
	u64 base[KSEC_NR_CLASSES];	/* KVM statistics when found */
	u64 last_tot[KSEC_NR_CLASSES];	/* totals at the last sample */
	u64 last_sample_ns;
	u64 rate[KSEC_NR_CLASSES];	/* per second, last interval */
	u32 rate_interval_ms;

	struct mutex guest_lock;	/* guest and what it points to */
	struct ksec_guest *guest;	/* guest.c; NULL until needed */
	u8 hsem_guest_cmd;		/* HSEM's level for it (guest_lock) */
	/* net.c; set under rtnl with the first device bound, then kept */
	struct ksec_vm_net __rcu *net;
	/* limit.c: its limits, for its taps' hooks and its exits (own lock) */
	struct ksec_limits lim;

	/* The admin's changes (SET_VM, SET_STATE, MIGRATE_LOAD) one at a time */
	struct mutex admin_lock;
	bool state_given;		/* SET_STATE, MIGRATE_LOAD (admin_lock) */
	struct mutex hsem_lock;		/* hsem */
	struct ksec_hsem hsem;		/* hsem.c: history, level, verdict */

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
	u64 vmm_start_ns;
	u8 origin;
	u32 interval_ms;
	u64 tot[KSEC_NR_CLASSES];
	u64 rate[KSEC_NR_CLASSES];
	struct ksec_top_merged hypercalls;
	struct ksec_top_merged ports;
	struct ksec_top_merged mmio_pages;
	bool has_guest;
	struct ksec_guest_view guest;
	bool has_net;
	struct ksec_net_view net;
	u8 level, verdict;		/* HSEM's */
	bool near_capacity;		/* HREM's, clean */
};

/* Module-wide counters: everything that is not counted per VM. */
struct ksec_status {
	atomic64_t vms_seen;
	atomic64_t vms_gone;
	atomic64_t alloc_failures;
	atomic64_t events_dropped;
	atomic64_t rescans;
	atomic64_t adopted;
	atomic64_t refused;
	atomic64_t late_releases;
	atomic64_t netdev_scans;
	atomic64_t netdev_refused;
	atomic64_t netdev_unresolved;
	atomic64_t migrations_out;
	atomic64_t migrations_unkeyed;
	atomic64_t migrations_in;
	atomic64_t migrations_refused;
	u64 __percpu *untracked;	/* events from unknown VMs */
};

extern struct ksec_status ksec_status;

int ksec_registry_init(void);
/* Let go of every VM (module unload): nothing may look them up any more. */
void ksec_registry_exit(void);

/* The hash of tracked VMs by struct kvm pointer (vm.c). */
struct ksec_hash {
	unsigned int bits;
	unsigned int node;		/* which of ksec_vm.hnode[] it links */
	struct hlist_head buckets[];
};

extern struct ksec_hash __rcu *ksec_hash;

/*
 * Hot path, from KVM's trace points and kprobes (preemption disabled, so
 * an RCU read-side section) or under the registry lock.
 */
static __always_inline struct ksec_vm *ksec_vm_lookup(const struct kvm *kvm)
{
	struct ksec_hash *h = rcu_dereference_raw(ksec_hash);
	struct hlist_head *head = &h->buckets[hash_ptr(kvm, h->bits)];
	struct hlist_node *n;

	for (n = rcu_dereference_raw(hlist_first_rcu(head)); n;
	     n = rcu_dereference_raw(hlist_next_rcu(n))) {
		/* n is &vm->hnode[h->node]. */
		struct ksec_vm *vm = container_of(n - h->node, struct ksec_vm,
						  hnode[0]);

		if (vm->kvm == kvm)
			return vm;
	}
	return NULL;
}

/*
 * Start tracking @kvm, on which the caller holds a reference that the
 * registry takes over on success. Returns 0, -EEXIST if already tracked,
 * -ENOSPC if max_vms VMs are tracked (counted), or -ENOMEM (counted by the
 * caller if it gives up); on error the caller still owns its reference.
 */
int ksec_vm_add(struct kvm *kvm, const struct ksec_vmm *vmm, u8 origin,
		gfp_t gfp);
/*
 * Stop tracking @kvm if kvm-sec holds its only reference besides at most
 * @others more: the VM is unhashed and marked dead. Returns true if it was;
 * the caller then owns the registry's reference on the struct kvm.
 */
bool ksec_vm_release(struct kvm *kvm, unsigned int others);
/* Release every VM whose last user left; put their references (sleeps). */
void ksec_vm_reap(void);
/* Grow the hash if VMs outnumber its buckets (sleeps). */
void ksec_vm_hash_grow(void);

/* References, for readers that may sleep. */
struct ksec_vm *ksec_vm_get_by_id(u32 id);
struct ksec_vm *ksec_vm_get_by_kvm(const struct kvm *kvm);
struct ksec_vm *ksec_vm_get_next(u32 *id, pid_t pid);
/*
 * Under vm->lock: the CPU time of the VM's vCPU threads (ns) and its
 * vCPUs; false once the VM is gone.
 */
bool ksec_vm_cpu_locked(struct ksec_vm *vm, u64 *cpu_ns, u32 *vcpus);
/* A vCPU of the VM has entered KVM_RUN (KVM's own record), ever. */
bool ksec_vm_has_run(struct ksec_vm *vm);
void ksec_vm_put(struct ksec_vm *vm);
u32 ksec_vm_count(void);
u32 ksec_registry_generation(void);
u32 ksec_max_vms(void);

/* Current totals of every class (KSEC_NR_CLASSES entries). */
void ksec_vm_totals(struct ksec_vm *vm, u64 *tot, u32 *vcpus);
void ksec_vm_fill_view(struct ksec_vm *vm, struct ksec_vm_view *v);
/*
 * The thread IDs (initial namespace) of the VM's first @max vCPUs, 0 for
 * one that never ran or whose thread is no longer one of its VMM's; how
 * many were written. None once the VM is dead.
 */
unsigned int ksec_vm_vcpu_tids(struct ksec_vm *vm, u32 *tids, unsigned int max);

/* The sampler: turn every VM's totals into per-second rates. */
void ksec_sample_all(u64 now_ns);

u64 ksec_untracked_total(void);

#endif /* KSEC_VM_H */
