// SPDX-License-Identifier: GPL-2.0
/*
 * When kvm-sec takes and lets go of a VM (the lifetime rules are in vm.h).
 *
 * Taking: kvm-sec takes a reference on a struct kvm only where KVM proves
 * the VM alive, and then tracks it:
 *
 *  - creation: a kprobe on anon_inode_getfile() sees KVM make the "kvm-vm"
 *    file of a VM it has just created (kvm_dev_ioctl_create_vm(), in the
 *    creating process, which holds the VM's first reference). An entry
 *    kprobe has no instance limit, so no number of concurrent creations
 *    makes it miss one (a kretprobe's maxactive did);
 *  - adoption: an exit of a VM kvm-sec does not track (probes.c). A vCPU
 *    that runs keeps its VM alive. This finds a VM whose creation was
 *    missed and whose files are all closed while a vCPU thread stays in
 *    KVM_RUN, which no scan of file tables can see;
 *  - discovery (discovery.c): the VMMs' open files, once, at load.
 *
 * Allocation happens in the creation probe (GFP_ATOMIC, charged to the
 * creating process's memory cgroup). If it fails (atomic per-CPU memory
 * runs out in a burst of creations), the referenced VM goes on a list, in
 * a small node allocated with GFP_ATOMIC, to a work item that allocates
 * in process context, charged to the memory cgroup of the VM's VMM.
 * Adoption needs no allocation on the exit path: a per-CPU queue of a few
 * slots goes to the same work; a full queue loses nothing, the next exit
 * retries.
 *
 * Letting go: a kprobe on kvm_put_kvm() sees each reference a VM's user
 * drops. When the user's reference and kvm-sec's are the last two, kvm-sec
 * marks the VM dead and drops its own first, so that the user's put is the
 * last and KVM destroys the VM in the user's context, as it would without
 * kvm-sec. Anything that slips past (two users dropping at once, kprobes
 * disabled by root) is found by the periodic check, which lets go of VMs
 * whose only user left is kvm-sec, at most a second late (counted).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kprobes.h>
#include <linux/kvm_host.h>
#include <linux/memcontrol.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "lifecycle.h"
#include "probes.h"
#include "vm.h"

#define KSEC_REAP_PERIOD	HZ
#define KSEC_ADOPT_SLOTS	4

struct ksec_adopt_slot {
	struct kvm *kvm;		/* referenced; NULL: free */
	struct ksec_vmm vmm;
};

/* Filled by its own CPU (preemption disabled), emptied by the work. */
struct ksec_adopt {
	struct ksec_adopt_slot slot[KSEC_ADOPT_SLOTS];
};

static DEFINE_PER_CPU(struct ksec_adopt, ksec_adopt_queue);

/* VMs whose creation probe could not allocate their state. */
struct ksec_pending {
	struct llist_node node;
	struct kvm *kvm;		/* referenced */
	struct ksec_vmm vmm;
};

static LLIST_HEAD(ksec_pending_list);
static bool ksec_adopt_stopped = true;	/* until lifecycle init */
static unsigned long ksec_adopt_resume;	/* jiffies: paused until */

/*
 * Track a VM the caller holds a reference on, in process context. On
 * failure the reference is dropped (KVM may destroy the VM here) and an
 * allocation failure counted.
 */
int ksec_vm_add_accounted(struct kvm *kvm, const struct ksec_vmm *vmm,
			  u8 origin)
{
	struct mem_cgroup *memcg, *old;
	int err;

	/* The VM's memory cgroup pays for its monitoring, as for KVM's own. */
	memcg = get_mem_cgroup_from_mm(kvm->mm);
	old = set_active_memcg(memcg);
	err = ksec_vm_add(kvm, vmm, origin, GFP_KERNEL_ACCOUNT);
	set_active_memcg(old);
	mem_cgroup_put(memcg);
	if (err) {
		/* Tracked meanwhile, refused (counted) or no memory. */
		if (err == -ENOMEM)
			atomic64_inc(&ksec_status.alloc_failures);
		kvm_put_kvm(kvm);
	}
	return err;
}

/* Register a VM a probe queued; after a refusal, adoption pauses. */
static void ksec_register_late(struct kvm *kvm, const struct ksec_vmm *vmm,
			       u8 origin)
{
	int err = ksec_vm_add_accounted(kvm, vmm, origin);

	if (!err && origin == KVM_SEC_ORIGIN_ADOPTED)
		atomic64_inc(&ksec_status.adopted);
	if (err && err != -EEXIST)
		WRITE_ONCE(ksec_adopt_resume, jiffies + HZ);
}

static void ksec_adopt_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&ksec_pending_list);
	struct ksec_pending *p, *tmp;
	int cpu, i;

	llist_for_each_entry_safe(p, tmp, llist_reverse_order(list), node) {
		ksec_register_late(p->kvm, &p->vmm, KVM_SEC_ORIGIN_CREATED);
		kfree(p);
	}

	for_each_possible_cpu(cpu) {
		struct ksec_adopt *q = per_cpu_ptr(&ksec_adopt_queue, cpu);

		for (i = 0; i < KSEC_ADOPT_SLOTS; i++) {
			struct ksec_adopt_slot *s = &q->slot[i];
			/* Pairs with ksec_adopt(): fields first. */
			struct kvm *kvm = smp_load_acquire(&s->kvm);
			struct ksec_vmm vmm;

			if (!kvm)
				continue;
			vmm = s->vmm;
			vmm.comm[sizeof(vmm.comm) - 1] = '\0';
			/* Free the slot only after its fields are read. */
			smp_store_release(&s->kvm, NULL);
			ksec_register_late(kvm, &vmm, KVM_SEC_ORIGIN_ADOPTED);
		}
	}
}

static DECLARE_WORK(ksec_adopt_work, ksec_adopt_fn);

void ksec_adopt(struct kvm *kvm)
{
	struct ksec_adopt *q = this_cpu_ptr(&ksec_adopt_queue);
	struct ksec_adopt_slot *free = NULL;
	int i;

	if (READ_ONCE(ksec_adopt_stopped) ||
	    time_before(jiffies, READ_ONCE(ksec_adopt_resume)))
		return;
	/*
	 * Only this CPU fills its slots, with preemption disabled: a slot
	 * seen free stays free until filled here. A VM already on its way
	 * needs nothing more; with no slot free, the next exit retries.
	 */
	for (i = 0; i < KSEC_ADOPT_SLOTS; i++) {
		struct kvm *queued = READ_ONCE(q->slot[i].kvm);

		if (queued == kvm)
			return;
		if (!queued && !free)
			free = &q->slot[i];
	}
	if (!free)
		return;
	/* The caller's vCPU runs, so the VM is alive: take a reference. */
	kvm_get_kvm(kvm);
	free->vmm.pid = task_tgid_nr(current);
	/* current is alive: so is its group's leader's task_struct. */
	free->vmm.start_ns = current->group_leader->start_boottime;
	/* current->comm: the caller is in the VM's VMM; no task_lock here. */
	strscpy(free->vmm.comm, current->comm, sizeof(free->vmm.comm));
	/* Publish the fields with the VM (ksec_adopt_fn() reads them). */
	smp_store_release(&free->kvm, kvm);
	queue_work(system_unbound_wq, &ksec_adopt_work);
}

/* anon_inode_getfile(name, fops, priv, flags) */
static int ksec_create_pre(struct kprobe *p, struct pt_regs *regs)
{
	const char *name = (const char *)regs_get_kernel_argument(regs, 0);
	unsigned long fops = regs_get_kernel_argument(regs, 1);
	struct kvm *kvm = (struct kvm *)regs_get_kernel_argument(regs, 2);
	struct module *kvm_mod = ksec_kvm_module();
	struct ksec_pending *pending;
	struct ksec_vmm vmm;
	int err;

	if (!kvm_mod || !ksec_within_module(fops, kvm_mod) ||
	    strcmp(name, "kvm-vm"))
		return 0;
	/* The creating ioctl holds the VM's first reference. */
	kvm_get_kvm(kvm);
	ksec_vmm_of(&vmm, current);
	err = ksec_vm_add(kvm, &vmm, KVM_SEC_ORIGIN_CREATED,
			  GFP_ATOMIC | __GFP_ACCOUNT | __GFP_NOWARN);
	if (!err)
		return 0;
	if (err == -ENOMEM && !READ_ONCE(ksec_adopt_stopped)) {
		/* A node is far smaller than the VM's per-CPU state. */
		pending = kmalloc(sizeof(*pending), GFP_ATOMIC | __GFP_NOWARN);
		if (pending) {
			pending->kvm = kvm;
			pending->vmm = vmm;
			llist_add(&pending->node, &ksec_pending_list);
			queue_work(system_unbound_wq, &ksec_adopt_work);
			return 0;
		}
	}
	if (err == -ENOMEM)
		atomic64_inc(&ksec_status.alloc_failures);
	kvm_put_kvm_no_destroy(kvm);
	return 0;
}

static struct kprobe ksec_create_probe = {
	.symbol_name	= "anon_inode_getfile",
	.pre_handler	= ksec_create_pre,
};

/* kvm_put_kvm(kvm): a user drops its reference. */
static int ksec_put_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct kvm *kvm = (struct kvm *)regs_get_kernel_argument(regs, 0);

	/*
	 * The caller's reference and kvm-sec's are the last two: drop kvm-sec's
	 * now (it cannot be the last, the caller holds one), so that the
	 * caller's put destroys the VM.
	 */
	if (ksec_vm_lookup(kvm) && ksec_vm_release(kvm, 1))
		kvm_put_kvm_no_destroy(kvm);
	return 0;
}

static struct kprobe ksec_put_probe = {
	.symbol_name	= "kvm_put_kvm",
	.pre_handler	= ksec_put_pre,
};

static bool ksec_reaper_running;

static void ksec_reap_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ksec_reap_work, ksec_reap_fn);

static void ksec_reap_fn(struct work_struct *work)
{
	ksec_vm_reap();
	if (READ_ONCE(ksec_reaper_running))
		queue_delayed_work(system_unbound_wq, &ksec_reap_work,
				   KSEC_REAP_PERIOD);
}

int ksec_lifecycle_init(void)
{
	int err;

	WRITE_ONCE(ksec_reaper_running, true);
	queue_delayed_work(system_unbound_wq, &ksec_reap_work,
			   KSEC_REAP_PERIOD);
	/* Letting go first: a VM taken is always seen to go. */
	err = register_kprobe(&ksec_put_probe);
	if (err) {
		pr_err("cannot probe kvm_put_kvm: %d\n", err);
		goto err_reaper;
	}
	err = register_kprobe(&ksec_create_probe);
	if (err) {
		pr_err("cannot probe anon_inode_getfile: %d\n", err);
		goto err_put_probe;
	}
	/* Nothing is queued before: a failed init leaves nothing behind. */
	WRITE_ONCE(ksec_adopt_stopped, false);
	return 0;

err_put_probe:
	unregister_kprobe(&ksec_put_probe);
err_reaper:
	WRITE_ONCE(ksec_reaper_running, false);
	cancel_delayed_work_sync(&ksec_reap_work);
	return err;
}

/* No probe queues a VM any more once this returns; none is left queued. */
static void ksec_adopt_drain(void)
{
	struct llist_node *list;
	struct ksec_pending *p, *tmp;
	int cpu, i;

	WRITE_ONCE(ksec_adopt_stopped, true);
	cancel_work_sync(&ksec_adopt_work);
	list = llist_del_all(&ksec_pending_list);
	llist_for_each_entry_safe(p, tmp, list, node) {
		kvm_put_kvm(p->kvm);
		kfree(p);
	}
	for_each_possible_cpu(cpu) {
		struct ksec_adopt *q = per_cpu_ptr(&ksec_adopt_queue, cpu);

		for (i = 0; i < KSEC_ADOPT_SLOTS; i++) {
			struct kvm *kvm = xchg(&q->slot[i].kvm, NULL);

			if (kvm)
				kvm_put_kvm(kvm);
		}
	}
}

/*
 * Unload, after the trace points are detached: no new reference can be
 * taken once this returns, and none is left in a queue. The registry
 * still holds the tracked VMs' (ksec_registry_exit() lets go of them).
 */
void ksec_lifecycle_exit(void)
{
	unregister_kprobe(&ksec_create_probe);
	ksec_adopt_drain();
	WRITE_ONCE(ksec_reaper_running, false);
	cancel_delayed_work_sync(&ksec_reap_work);
	unregister_kprobe(&ksec_put_probe);
}

u64 ksec_lifecycle_missed(void)
{
	return READ_ONCE(ksec_create_probe.nmissed) +
	       READ_ONCE(ksec_put_probe.nmissed);
}
