// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VM state and the registry of tracked VMs.
 *
 * Locking: ksec_vms.xa_lock (irq-safe) serialises additions and removals of
 * both the ID xarray and the kvm-pointer hash. The hash is read under RCU by
 * KVM's trace points; a removed VM is freed after an RCU grace period once
 * its last reference is dropped. vm->lock orders the reading of KVM's
 * internals (vCPUs and their statistics) against KVM destroying the VM: the
 * destroy probe sets vm->dead under it before KVM frees anything.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/hashtable.h>
#include <linux/kvm_host.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/ktime.h>
#include <linux/xarray.h>
#include <linux/kvm_sec.h>

#include "compat.h"
#include "events.h"
#include "guest.h"
#include "sampler.h"
#include "vm.h"

static DEFINE_XARRAY_FLAGS(ksec_vms, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
DEFINE_HASHTABLE(ksec_vm_hash, KSEC_HASH_BITS);
static u32 ksec_next_id = 1;
static u32 ksec_nr_vms;
static u32 ksec_generation = 1;

struct ksec_status ksec_status;

int ksec_registry_init(void)
{
	ksec_status.untracked = alloc_percpu(u64);
	if (!ksec_status.untracked)
		return -ENOMEM;
	return 0;
}

static void ksec_vm_free_rcu(struct rcu_head *rcu)
{
	struct ksec_vm *vm = container_of(rcu, struct ksec_vm, rcu);

	ksec_guest_free(vm);
	free_percpu(vm->pcpu);
	kfree(vm);
}

static void ksec_vm_release(struct kref *ref)
{
	struct ksec_vm *vm = container_of(ref, struct ksec_vm, ref);

	call_rcu(&vm->rcu, ksec_vm_free_rcu);
}

void ksec_vm_put(struct ksec_vm *vm)
{
	kref_put(&vm->ref, ksec_vm_release);
}

/*
 * Module unload: the probes are gone and the event work is flushed. Drop the
 * registry's reference of every VM still tracked; no events are sent.
 */
void ksec_registry_exit(void)
{
	struct ksec_vm *vm;
	unsigned long id;

	xa_lock_irq(&ksec_vms);
	xa_for_each(&ksec_vms, id, vm) {
		__xa_erase(&ksec_vms, id);
		hash_del_rcu(&vm->hnode);
		ksec_vm_put(vm);
	}
	ksec_nr_vms = 0;
	xa_unlock_irq(&ksec_vms);
	rcu_barrier();
	free_percpu(ksec_status.untracked);
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

int ksec_vm_add(struct kvm *kvm, pid_t pid, const char *comm,
		bool discovered, gfp_t gfp)
{
	struct ksec_vm *vm;
	unsigned long flags;
	u32 vcpus;
	int err;

	vm = kzalloc(sizeof(*vm), gfp);
	if (!vm)
		goto nomem;
	vm->pcpu = __alloc_percpu_gfp(sizeof(struct ksec_pcpu),
				      __alignof__(struct ksec_pcpu), gfp);
	if (!vm->pcpu)
		goto nomem_free;

	vm->kvm = kvm;
	vm->pid = pid;
	strscpy(vm->comm, comm, sizeof(vm->comm));
	vm->created_ns = ktime_get_real_ns();
	vm->last_sample_ns = ktime_get_ns();
	vm->discovered = discovered;
	kref_init(&vm->ref);
	spin_lock_init(&vm->lock);
	mutex_init(&vm->guest_lock);
	if (discovered) {
		/* Counters start now: KVM's own statistics are rebased. */
		ksec_vm_read_kvm_stats(vm, &vm->base[KSEC_HALTS],
				       &vm->base[KSEC_IRQS], &vcpus);
	}

	xa_lock_irqsave(&ksec_vms, flags);
	if (ksec_vm_lookup(kvm)) {
		err = -EEXIST;
		goto out_unlock;
	}
	/* Atomic: the lock must not be dropped between lookup and insert. */
	err = __xa_alloc_cyclic(&ksec_vms, &vm->id, vm, xa_limit_31b,
				&ksec_next_id, GFP_ATOMIC | __GFP_NOWARN);
	if (err < 0)
		goto out_unlock;
	hash_add_rcu(ksec_vm_hash, &vm->hnode, (unsigned long)kvm);
	ksec_nr_vms++;
	ksec_generation++;
	xa_unlock_irqrestore(&ksec_vms, flags);

	atomic64_inc(&ksec_status.vms_seen);
	ksec_event_vm_new(vm);
	return 0;

out_unlock:
	xa_unlock_irqrestore(&ksec_vms, flags);
	free_percpu(vm->pcpu);
	kfree(vm);
	if (err == -ENOMEM || err == -EBUSY)
		atomic64_inc(&ksec_status.alloc_failures);
	return err;

nomem_free:
	kfree(vm);
nomem:
	atomic64_inc(&ksec_status.alloc_failures);
	return -ENOMEM;
}

void ksec_vm_remove(struct kvm *kvm)
{
	struct ksec_vm *vm;
	unsigned long flags;
	u64 halts, irqs;
	u32 vcpus;

	xa_lock_irqsave(&ksec_vms, flags);
	vm = ksec_vm_lookup(kvm);
	if (!vm) {
		xa_unlock_irqrestore(&ksec_vms, flags);
		return;
	}
	hash_del_rcu(&vm->hnode);
	__xa_erase(&ksec_vms, vm->id);
	ksec_nr_vms--;
	ksec_generation++;
	spin_lock(&vm->lock);
	/* KVM has not freed anything yet: keep its final statistics. */
	ksec_vm_read_kvm_stats(vm, &halts, &irqs, &vcpus);
	vm->last_tot[KSEC_HALTS] = halts - min(halts, vm->base[KSEC_HALTS]);
	vm->last_tot[KSEC_IRQS] = irqs - min(irqs, vm->base[KSEC_IRQS]);
	vm->dead = true;
	spin_unlock(&vm->lock);
	xa_unlock_irqrestore(&ksec_vms, flags);

	atomic64_inc(&ksec_status.vms_gone);
	/* The event takes over the registry's reference. */
	ksec_event_vm_del(vm);
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

		for (c = 0; c < KSEC_NR_PCPU; c++)
			tot[c] += READ_ONCE(pc->ctr[c]);
	}
	*vcpus = 0;
	if (!vm->dead)
		ksec_vm_read_kvm_stats(vm, &halts, &irqs, vcpus);
	/* After the VM is gone, the last sampled values stand. */
	tot[KSEC_HALTS] = vm->dead ? vm->last_tot[KSEC_HALTS] :
		halts - min(halts, vm->base[KSEC_HALTS]);
	tot[KSEC_IRQS] = vm->dead ? vm->last_tot[KSEC_IRQS] :
		irqs - min(irqs, vm->base[KSEC_IRQS]);
	for (c = KSEC_HYPERCALLS; c < KSEC_OTHER; c++)
		classified += tot[c];
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
	if (vm->dead)
		goto out;
	ksec_vm_totals_locked(vm, tot, &vcpus);
	elapsed = now_ns - vm->last_sample_ns;
	if (!elapsed)
		goto out;
	for (c = 0; c < KSEC_NR_CLASSES; c++) {
		u64 d = tot[c] >= vm->last_tot[c] ? tot[c] - vm->last_tot[c] : 0;

		vm->rate[c] = div64_u64(d * NSEC_PER_SEC + elapsed / 2, elapsed);
		vm->last_tot[c] = tot[c];
	}
	vm->rate_interval_ms = div64_u64(elapsed, NSEC_PER_MSEC);
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
	v->discovered = vm->discovered;

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
}
