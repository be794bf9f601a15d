// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM state and the registry of tracked VMs.
 *
 * Locking: ksec_vms.xa_lock (irq-safe) serialises additions and removals
 * of both the ID xarray and the kvm-pointer hash, and the decisions to let
 * go of a VM. The hash is read under RCU by KVM's trace points and by the
 * lifecycle kprobes; a removed VM is freed after an RCU grace period once
 * its last reference is dropped. vm->lock orders the reading of KVM's
 * internals (vCPUs and their statistics) against kvm-sec letting go of the
 * VM: the VM is marked dead under it before the reference on the struct
 * kvm is dropped (vm.h).
 *
 * The hash starts with 64 buckets and doubles whenever the VMs outnumber
 * its buckets, so a lookup walks one VM on average whatever the number of
 * VMs. Every VM has two hash nodes: a resize links all VMs into the new
 * table through the node the old table does not use, publishes it, and
 * frees the old table after a grace period, so a reader always walks a
 * complete table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/math64.h>
#include <linux/memcontrol.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <linux/kvm_sec.h>

#include "compat.h"
#include "events.h"
#include "guest.h"
#include "net.h"
#include "rate.h"
#include "sampler.h"
#include "vm.h"

#define KSEC_HASH_MIN_BITS	6
#define KSEC_HASH_MAX_BITS	16
#define KSEC_REAP_BATCH		32

static unsigned int max_vms = 4096;
module_param(max_vms, uint, 0644);
MODULE_PARM_DESC(max_vms,
		 "VMs tracked at most; more are counted as refused (default 4096)");

static DEFINE_XARRAY_FLAGS(ksec_vms, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
struct ksec_hash __rcu *ksec_hash;
static u32 ksec_next_id = 1;
static u32 ksec_nr_vms;
static u32 ksec_generation = 1;

struct ksec_status ksec_status;

static void ksec_hash_grow_fn(struct work_struct *work);
static DECLARE_WORK(ksec_hash_grow_work, ksec_hash_grow_fn);

static struct ksec_hash *ksec_hash_alloc(unsigned int bits, unsigned int node)
{
	struct ksec_hash *h;
	unsigned int i;

	h = kvmalloc(struct_size(h, buckets, 1U << bits), GFP_KERNEL);
	if (!h)
		return NULL;
	h->bits = bits;
	h->node = node;
	for (i = 0; i < 1U << bits; i++)
		INIT_HLIST_HEAD(&h->buckets[i]);
	return h;
}

int ksec_registry_init(void)
{
	struct ksec_hash *h = ksec_hash_alloc(KSEC_HASH_MIN_BITS, 0);

	if (!h)
		return -ENOMEM;
	ksec_status.untracked = alloc_percpu(u64);
	if (!ksec_status.untracked) {
		kvfree(h);
		return -ENOMEM;
	}
	rcu_assign_pointer(ksec_hash, h);
	return 0;
}

/* Caller holds the registry lock. */
static struct ksec_hash *ksec_hash_locked(void)
{
	return rcu_dereference_protected(ksec_hash,
					 lockdep_is_held(&ksec_vms.xa_lock));
}

static void ksec_hash_grow_fn(struct work_struct *work)
{
	struct ksec_hash *old, *new;
	unsigned int bits;
	struct ksec_vm *vm;
	unsigned long id;

	rcu_read_lock();
	bits = rcu_dereference(ksec_hash)->bits + 1;
	rcu_read_unlock();
	if (bits > KSEC_HASH_MAX_BITS)
		return;
	new = ksec_hash_alloc(bits, 0);
	if (!new) {
		atomic64_inc(&ksec_status.alloc_failures);
		return;
	}
	xa_lock_irq(&ksec_vms);
	old = ksec_hash_locked();
	new->node = !old->node;
	xa_for_each(&ksec_vms, id, vm)
		hlist_add_head_rcu(&vm->hnode[new->node],
				   &new->buckets[hash_ptr(vm->kvm, bits)]);
	rcu_assign_pointer(ksec_hash, new);
	xa_unlock_irq(&ksec_vms);
	/* Readers of the old table are gone after this. */
	synchronize_rcu();
	kvfree(old);
}

void ksec_vm_hash_grow(void)
{
	flush_work(&ksec_hash_grow_work);
}

static void ksec_vm_free_rcu(struct rcu_head *rcu)
{
	struct ksec_vm *vm = container_of(rcu, struct ksec_vm, rcu);

	ksec_guest_free(vm);
	ksec_limit_free(&vm->lim);
	ksec_net_free(rcu_dereference_protected(vm->net, true));
	free_percpu(vm->pcpu);
	kfree(vm);
}

static void ksec_vm_release_ref(struct kref *ref)
{
	struct ksec_vm *vm = container_of(ref, struct ksec_vm, ref);

	call_rcu(&vm->rcu, ksec_vm_free_rcu);
}

void ksec_vm_put(struct ksec_vm *vm)
{
	kref_put(&vm->ref, ksec_vm_release_ref);
}

/* Sum KVM's statistics over the VM's vCPUs. Caller holds vm->lock, !dead. */
static void ksec_vm_read_kvm_stats(struct ksec_vm *vm, u64 *halts, u64 *irqs,
				   u32 *vcpus)
{
	struct kvm_vcpu *vcpu;
	unsigned long i;

	*halts = 0;
	*irqs = 0;
	kvm_for_each_vcpu(i, vcpu, vm->kvm) {
		*halts += ksec_vcpu_halts(vcpu);
		*irqs += ksec_vcpu_irqs(vcpu);
	}
	*vcpus = atomic_read(&vm->kvm->online_vcpus);
}

bool ksec_vm_has_run(struct ksec_vm *vm)
{
	struct kvm_vcpu *vcpu;
	unsigned long flags, i;
	bool ran;

	/* As the other readers of its vCPUs: not once kvm-sec let go. */
	spin_lock_irqsave(&vm->lock, flags);
	ran = vm->dead;
	rcu_read_lock();
	/* KVM sets a vCPU's pid at its first KVM_RUN, and keeps one after. */
	if (!ran)
		kvm_for_each_vcpu(i, vcpu, vm->kvm)
			if (ksec_vcpu_ever_ran(vcpu) || ksec_vcpu_exit_id(vcpu))
				ran = true;
	rcu_read_unlock();
	spin_unlock_irqrestore(&vm->lock, flags);
	return ran;
}

bool ksec_vm_cpu_locked(struct ksec_vm *vm, u64 *cpu_ns, u32 *vcpus)
{
	struct kvm_vcpu *vcpu;
	struct task_struct *t;
	unsigned long i;

	*cpu_ns = 0;
	*vcpus = 0;
	if (vm->dead)
		return false;
	rcu_read_lock();
	kvm_for_each_vcpu(i, vcpu, vm->kvm) {
		t = ksec_vcpu_task(vcpu);
		if (t)
			*cpu_ns += READ_ONCE(t->se.sum_exec_runtime);
	}
	rcu_read_unlock();
	*vcpus = atomic_read(&vm->kvm->online_vcpus);
	return true;
}

unsigned int ksec_vm_vcpu_tids(struct ksec_vm *vm, u32 *tids, unsigned int max)
{
	struct task_struct *t;
	struct kvm_vcpu *vcpu;
	unsigned long flags, i;
	unsigned int n = 0;

	spin_lock_irqsave(&vm->lock, flags);
	if (!vm->dead) {
		rcu_read_lock();
		kvm_for_each_vcpu(i, vcpu, vm->kvm) {
			if (n == max)
				break;
			/*
			 * Only a live thread of the VMM: the pid of one that
			 * ended may be another task's number by now.
			 */
			t = ksec_vcpu_task(vcpu);
			tids[n++] = t && READ_ONCE(t->mm) == vm->kvm->mm ?
				    task_pid_nr(t) : 0;
		}
		rcu_read_unlock();
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	return n;
}

/*
 * Unhash @vm and mark it dead, keeping KVM's final statistics; the caller
 * holds the registry lock. The registry's kref goes to the VM_DEL event
 * (or is dropped, at unload); the reference on the struct kvm to the
 * caller.
 */
static void ksec_vm_unlink(struct ksec_vm *vm, bool notify)
{
	u64 halts, irqs;
	u32 vcpus;

	hlist_del_rcu(&vm->hnode[ksec_hash_locked()->node]);
	__xa_erase(&ksec_vms, vm->id);
	ksec_nr_vms--;
	ksec_generation++;
	spin_lock(&vm->lock);
	ksec_vm_read_kvm_stats(vm, &halts, &irqs, &vcpus);
	vm->last_tot[KSEC_HALTS] = halts - min(halts, vm->base[KSEC_HALTS]);
	vm->last_tot[KSEC_IRQS] = irqs - min(irqs, vm->base[KSEC_IRQS]);
	vm->dead = true;
	spin_unlock(&vm->lock);
	atomic64_inc(&ksec_status.vms_gone);
	/*
	 * Its devices' hooks go, from process context. Whether or not it has
	 * any yet: a binder that saw it alive may be about to add one, and
	 * the work runs after it (rtnl orders them).
	 */
	ksec_netdev_vm_gone();
	if (notify)
		ksec_event_vm_del(vm);
	else
		ksec_vm_put(vm);
}

/*
 * Let go of up to KSEC_REAP_BATCH VMs: every one (unload, no events) or
 * those whose only user left is kvm-sec. They are unlinked under the
 * registry lock, their references dropped after it (KVM may destroy them
 * then: process context). Returns how many.
 */
static unsigned int ksec_vm_let_go_batch(bool all)
{
	struct kvm *kvms[KSEC_REAP_BATCH];
	unsigned int i, n = 0;
	struct ksec_vm *vm;
	unsigned long id;

	xa_lock_irq(&ksec_vms);
	xa_for_each(&ksec_vms, id, vm) {
		if (!all && refcount_read(&vm->kvm->users_count) != 1)
			continue;
		kvms[n++] = vm->kvm;
		ksec_vm_unlink(vm, !all);
		if (n == KSEC_REAP_BATCH)
			break;
	}
	xa_unlock_irq(&ksec_vms);
	for (i = 0; i < n; i++)
		kvm_put_kvm(kvms[i]);
	return n;
}

/*
 * Module unload: the probes are gone, netlink is unregistered and the
 * event work flushed. Let go of every VM still tracked, without events:
 * mark it dead, then drop the reference (KVM may destroy the VM here).
 */
void ksec_registry_exit(void)
{
	cancel_work_sync(&ksec_hash_grow_work);
	while (ksec_vm_let_go_batch(true))
		;
	rcu_barrier();
	kvfree(rcu_dereference_protected(ksec_hash, true));
	free_percpu(ksec_status.untracked);
}

int ksec_vm_add(struct kvm *kvm, const struct ksec_vmm *vmm, u8 origin,
		gfp_t gfp)
{
	struct ksec_hash *h;
	struct ksec_vm *vm;
	unsigned long flags;
	u32 vcpus;
	int err, cpu;

	if (READ_ONCE(ksec_nr_vms) >= READ_ONCE(max_vms))
		goto refused;
	vm = kzalloc(sizeof(*vm), gfp);
	if (!vm)
		goto nomem;
	vm->pcpu = __alloc_percpu_gfp(sizeof(struct ksec_pcpu),
				      __alignof__(struct ksec_pcpu), gfp);
	if (!vm->pcpu)
		goto nomem_free;
	for_each_possible_cpu(cpu) {
		struct ksec_pcpu *pc = per_cpu_ptr(vm->pcpu, cpu);

		ksec_top_init(&pc->hypercalls);
		ksec_top_init(&pc->ports);
		ksec_top_init(&pc->mmio_pages);
	}

	vm->kvm = kvm;
	vm->pid = vmm->pid;
	vm->vmm_start_ns = vmm->start_ns;
	strscpy(vm->comm, vmm->comm, sizeof(vm->comm));
	vm->created_ns = ktime_get_real_ns();
	vm->last_sample_ns = ktime_get_ns();
	vm->origin = origin;
	kref_init(&vm->ref);
	spin_lock_init(&vm->lock);
	mutex_init(&vm->guest_lock);
	mutex_init(&vm->admin_lock);
	mutex_init(&vm->hsem_lock);
	ksec_hsem_init(&vm->hsem);
	ksec_limit_init(&vm->lim);
	if (origin != KVM_SEC_ORIGIN_CREATED) {
		/* Counters start now: KVM's own statistics are rebased. */
		ksec_vm_read_kvm_stats(vm, &vm->base[KSEC_HALTS],
				       &vm->base[KSEC_IRQS], &vcpus);
	}

	xa_lock_irqsave(&ksec_vms, flags);
	if (ksec_vm_lookup(kvm)) {
		err = -EEXIST;
		goto out_unlock;
	}
	if (ksec_nr_vms >= READ_ONCE(max_vms)) {
		xa_unlock_irqrestore(&ksec_vms, flags);
		free_percpu(vm->pcpu);
		kfree(vm);
		goto refused;
	}
	/* Atomic: the lock must not be dropped between lookup and insert. */
	err = __xa_alloc_cyclic(&ksec_vms, &vm->id, vm, xa_limit_31b,
				&ksec_next_id, GFP_ATOMIC | __GFP_NOWARN);
	if (err < 0)
		goto out_unlock;
	h = ksec_hash_locked();
	hlist_add_head_rcu(&vm->hnode[h->node],
			   &h->buckets[hash_ptr(kvm, h->bits)]);
	ksec_nr_vms++;
	ksec_generation++;
	if (ksec_nr_vms > 1U << h->bits && h->bits < KSEC_HASH_MAX_BITS)
		queue_work(system_unbound_wq, &ksec_hash_grow_work);
	/*
	 * Before the lock goes: once it is released the VM may be let go of
	 * at once (its last user gone), and VM_NEW must precede VM_DEL and
	 * hold its own reference by then.
	 */
	ksec_event_vm_new(vm);
	xa_unlock_irqrestore(&ksec_vms, flags);

	atomic64_inc(&ksec_status.vms_seen);
	/* Its VMM may hold taps already (libvirt opens them first). */
	ksec_netdev_rescan();
	return 0;

out_unlock:
	xa_unlock_irqrestore(&ksec_vms, flags);
	free_percpu(vm->pcpu);
	kfree(vm);
	return err == -EBUSY ? -ENOMEM : err;

nomem_free:
	kfree(vm);
nomem:
	/* Counted by the caller, if it gives up (it may retry elsewhere). */
	return -ENOMEM;
refused:
	atomic64_inc(&ksec_status.refused);
	return -ENOSPC;
}

bool ksec_vm_release(struct kvm *kvm, unsigned int others)
{
	struct ksec_vm *vm;
	unsigned long flags;
	bool released = false;

	xa_lock_irqsave(&ksec_vms, flags);
	vm = ksec_vm_lookup(kvm);
	/* Under the lock, a VM found is tracked and its kvm referenced. */
	if (vm && refcount_read(&kvm->users_count) == 1 + others) {
		ksec_vm_unlink(vm, true);
		released = true;
	}
	xa_unlock_irqrestore(&ksec_vms, flags);
	return released;
}

void ksec_vm_reap(void)
{
	unsigned int n;

	do {
		n = ksec_vm_let_go_batch(false);
		atomic64_add(n, &ksec_status.late_releases);
	} while (n == KSEC_REAP_BATCH);
}

struct ksec_vm *ksec_vm_get_by_id(u32 id)
{
	struct ksec_vm *vm;

	rcu_read_lock();
	vm = xa_load(&ksec_vms, id);
	if (vm && !kref_get_unless_zero(&vm->ref))
		vm = NULL;
	rcu_read_unlock();
	return vm;
}

/* The caller keeps @kvm alive (it holds one of its files). */
struct ksec_vm *ksec_vm_get_by_kvm(const struct kvm *kvm)
{
	struct ksec_vm *vm;

	rcu_read_lock();
	vm = ksec_vm_lookup(kvm);
	if (vm && !kref_get_unless_zero(&vm->ref))
		vm = NULL;
	rcu_read_unlock();
	return vm;
}

/*
 * The VM with the lowest ID >= *id (and VMM @pid unless 0), referenced;
 * *id is set to its ID.
 */
struct ksec_vm *ksec_vm_get_next(u32 *id, pid_t pid)
{
	unsigned long idx = *id;
	struct ksec_vm *vm;

	rcu_read_lock();
	xa_for_each_start(&ksec_vms, idx, vm, *id) {
		if (pid && vm->pid != pid)
			continue;
		if (kref_get_unless_zero(&vm->ref)) {
			*id = idx;
			rcu_read_unlock();
			return vm;
		}
	}
	rcu_read_unlock();
	return NULL;
}

u32 ksec_vm_count(void)
{
	return READ_ONCE(ksec_nr_vms);
}

u32 ksec_registry_generation(void)
{
	return READ_ONCE(ksec_generation);
}

u32 ksec_max_vms(void)
{
	return READ_ONCE(max_vms);
}

u64 ksec_untracked_total(void)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*per_cpu_ptr(ksec_status.untracked, cpu));
	return sum;
}

/* Caller holds vm->lock. */
static void ksec_vm_totals_locked(struct ksec_vm *vm, u64 *tot, u32 *vcpus)
{
	u64 classified = 0, halts = 0, irqs = 0;
	int cpu, c;

	memset(tot, 0, sizeof(*tot) * KSEC_NR_CLASSES);
	for_each_possible_cpu(cpu) {
		const struct ksec_pcpu *pc = per_cpu_ptr(vm->pcpu, cpu);

		/*
		 * On each CPU an exit is counted before a class claims it.
		 * The writer orders nothing (the exit path stays free of
		 * barriers), so a concurrent read may see a class before its
		 * exit: OTHER below is clamped for that moment's sake.
		 */
		for (c = KSEC_FIRST_EXIT_CLASS; c <= KSEC_LAST_EXIT_CLASS; c++)
			tot[c] += READ_ONCE(pc->ctr[c]);
		tot[KSEC_PIO_ELEMENTS] += READ_ONCE(pc->ctr[KSEC_PIO_ELEMENTS]);
		tot[KSEC_EXITS] += READ_ONCE(pc->ctr[KSEC_EXITS]);
	}
	*vcpus = 0;
	if (!vm->dead)
		ksec_vm_read_kvm_stats(vm, &halts, &irqs, vcpus);
	/* After the VM is gone, the values kept when it went stand. */
	tot[KSEC_HALTS] = vm->dead ? vm->last_tot[KSEC_HALTS] :
		halts - min(halts, vm->base[KSEC_HALTS]);
	tot[KSEC_IRQS] = vm->dead ? vm->last_tot[KSEC_IRQS] :
		irqs - min(irqs, vm->base[KSEC_IRQS]);
	for (c = KSEC_FIRST_EXIT_CLASS; c <= KSEC_LAST_EXIT_CLASS; c++)
		classified += tot[c];
	/* Never below zero (probes.c), but for a read racing an exit. */
	tot[KSEC_OTHER] = tot[KSEC_EXITS] > classified ?
		tot[KSEC_EXITS] - classified : 0;
}

void ksec_vm_totals(struct ksec_vm *vm, u64 *tot, u32 *vcpus)
{
	unsigned long flags;

	spin_lock_irqsave(&vm->lock, flags);
	ksec_vm_totals_locked(vm, tot, vcpus);
	spin_unlock_irqrestore(&vm->lock, flags);
}

static void ksec_vm_sample(struct ksec_vm *vm, u64 now_ns)
{
	u64 tot[KSEC_NR_CLASSES];
	unsigned long flags;
	u64 elapsed;
	u32 vcpus;
	int c;

	spin_lock_irqsave(&vm->lock, flags);
	/* A VM added after the sampler read the clock waits for the next. */
	elapsed = ksec_sample_elapsed(now_ns, vm->last_sample_ns);
	if (vm->dead || !elapsed)
		goto out;
	ksec_vm_totals_locked(vm, tot, &vcpus);
	for (c = 0; c < KSEC_NR_CLASSES; c++) {
		u64 d = tot[c] >= vm->last_tot[c] ? tot[c] - vm->last_tot[c] : 0;

		vm->rate[c] = ksec_rate_per_s(d, elapsed);
		vm->last_tot[c] = tot[c];
	}
	vm->rate_interval_ms = min_t(u64, div64_u64(elapsed, NSEC_PER_MSEC),
				     U32_MAX);
	vm->last_sample_ns = now_ns;
out:
	spin_unlock_irqrestore(&vm->lock, flags);
}

void ksec_sample_all(u64 now_ns)
{
	struct ksec_vm *vm;
	unsigned long id;

	rcu_read_lock();
	xa_for_each(&ksec_vms, id, vm)
		ksec_vm_sample(vm, now_ns);
	rcu_read_unlock();
}

void ksec_vm_fill_view(struct ksec_vm *vm, struct ksec_vm_view *v)
{
	unsigned long flags;
	int cpu;

	v->id = vm->id;
	v->pid = vm->pid;
	memcpy(v->comm, vm->comm, sizeof(v->comm));
	v->created_ns = vm->created_ns;
	v->vmm_start_ns = vm->vmm_start_ns;
	v->origin = vm->origin;

	spin_lock_irqsave(&vm->lock, flags);
	ksec_vm_totals_locked(vm, v->tot, &v->vcpus);
	memcpy(v->rate, vm->rate, sizeof(v->rate));
	v->interval_ms = vm->rate_interval_ms;
	spin_unlock_irqrestore(&vm->lock, flags);

	ksec_top_merged_init(&v->hypercalls);
	ksec_top_merged_init(&v->ports);
	ksec_top_merged_init(&v->mmio_pages);
	for_each_possible_cpu(cpu) {
		const struct ksec_pcpu *pc = per_cpu_ptr(vm->pcpu, cpu);

		ksec_top_merge(&v->hypercalls, &pc->hypercalls);
		ksec_top_merge(&v->ports, &pc->ports);
		ksec_top_merge(&v->mmio_pages, &pc->mmio_pages);
	}
	ksec_top_finish(&v->hypercalls, KVM_SEC_TOP_ENTRIES);
	ksec_top_finish(&v->ports, KVM_SEC_TOP_ENTRIES);
	ksec_top_finish(&v->mmio_pages, KVM_SEC_TOP_ENTRIES);
	v->has_guest = ksec_guest_fill_view(vm, &v->guest);
	v->has_net = ksec_net_fill_view(vm, &v->net);
	ksec_hsem_summary(vm, &v->level, &v->verdict, &v->near_capacity);
}
