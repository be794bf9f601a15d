// SPDX-License-Identifier: GPL-2.0
/*
 * Exit limits: hypercalls, port I/O and MMIO exits per second.
 *
 * KVM gives a module no supported way to slow a vCPU, and a trace point
 * probe cannot sleep. What it can do is ask the vCPU thread to run a task
 * work (task_work_add(), TWA_RESUME): KVM runs it in the thread before the
 * thread enters the guest again (vcpu_run() -> xfer_to_guest_mode_handle_
 * work() -> resume_user_mode_work(), with the vCPU's SRCU read lock
 * dropped, where the kernel also throttles a task over its memory.high),
 * or on the way back to the VMM if the exit goes there. The wait happens
 * there, in process context, never on the exit path.
 *
 * The exit path. A limit is a token bucket (SIZE per REFILL_MS, a one-time
 * BURST), kept as a generic cell rate algorithm (struct ksec_pacer): the
 * exit that claims its class (probes.c) spends a one-time token if any is
 * left, else moves the theoretical arrival time on by one token's worth
 * with one compare-and-swap. If the bucket was empty, the vCPU's work is
 * queued to wait until the token is there. Nothing else: no lock, no
 * allocation, no sleep. A VM with no exit limit pays one load of a word
 * its hooks already read.
 *
 * The time is charged when the exit comes, so a timer late by its slack
 * only moves the next exit's wait: over the tolerance of a full bucket the
 * long-run rate is the limit's. A second exit while the vCPU's work is
 * still queued (a fast-path exit) is charged and does not queue again.
 * Several vCPUs share the VM's bucket: each waits for its own token. The
 * debt is bounded (KSEC_PACE_MAX_DEBT periods more than the VM has vCPUs,
 * ahead of a full bucket), so the clock never runs away, even when a limit
 * is changed under an exit that read the old one, and every vCPU of the VM
 * can wait for its token at once.
 *
 * The wait is interruptible: a signal ends it (the thread then returns to
 * the VMM, as for any signal), so a limited VM can always be paused,
 * migrated or killed. Lifting or changing the limit wakes its waiting
 * vCPUs at once; so does unloading the module.
 *
 * The limit is on the guest, not on its VMM: a VMM that signals its own
 * vCPU threads, or runs a vCPU from a second thread while the first waits
 * (its exits find the vCPU's work queued), sidesteps it, as it could burn
 * the CPU itself; its CPU cap is what bounds a VMM. What it sidesteps is
 * visible: every exit over the limit is counted when it comes, the time
 * actually waited apart.
 *
 * Lifetimes. Each vCPU has a work slot, allocated with the VM's first exit
 * limit (a vCPU index is below kvm->max_vcpus) and freed with the VM. A
 * queued work holds a reference to the VM, dropped when it has run, and a
 * reference to the module until it starts: a queued work usually runs at
 * once (before the thread enters the guest or returns to the VMM, or when
 * it exits), but a thread stopped by its tracer, or blocked in the exit
 * (on a userfaultfd), holds it queued, and unloading then fails as "in
 * use" instead of waiting for it. A running work (a waiting vCPU) holds no
 * module reference: unloading detaches the probes (no new work), wakes
 * every waiting vCPU, waits until no work runs, then waits for an RCU-tasks
 * grace period: a vCPU thread preempted after its work dropped the count,
 * still in the module's code, has left it once it has switched
 * voluntarily.
 */
#include <linux/hrtimer.h>
#include <linux/kvm_host.h>
#include <linux/math64.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/task_work.h>
#include <linux/wait.h>

#include "pace.h"

struct ksec_pace_work {
	struct callback_head cb;
	struct ksec_vm *vm;
	u64 until;		/* ns: when the token is there */
	u32 gen;		/* the limits' pace_gen when queued */
	u8 kind;
	u8 queued;		/* owned by the thread it is queued on */
};

struct ksec_pace_slots {
	u32 nr;
	struct ksec_pace_work w[];
};

/* The debt a limit may run up, in periods beyond a full bucket. */
#define KSEC_PACE_MAX_DEBT	64

/* Waiting vCPUs; woken when a limit changes and at unload. */
static DECLARE_WAIT_QUEUE_HEAD(ksec_pace_wq);
static DECLARE_WAIT_QUEUE_HEAD(ksec_pace_idle);
/* Works running, in the module's code, without a module reference. */
static atomic_t ksec_pace_running = ATOMIC_INIT(0);
/* Exits are paced once the module is loaded, until it unloads. */
static bool ksec_pace_on;
static bool ksec_pace_stopping;

/* The limit changed since @w was queued, or the module is going. */
static bool ksec_pace_called_off(const struct ksec_pace_work *w)
{
	return READ_ONCE(w->vm->lim.pace_gen) != w->gen ||
	       READ_ONCE(ksec_pace_stopping);
}

/* In the vCPU thread, before it enters the guest or returns to the VMM. */
static void ksec_pace_run(struct callback_head *cb)
{
	struct ksec_pace_work *w = container_of(cb, struct ksec_pace_work, cb);
	struct ksec_vm *vm = w->vm;
	struct ksec_pacer *p = &vm->lim.pace[w->kind - KSEC_LIM_NET_NR];
	u64 start = ktime_get_ns();

	/* Counted first: from here unloading waits for this work. */
	atomic_inc(&ksec_pace_running);
	module_put(THIS_MODULE);
	if (w->until > start)
		wait_event_interruptible_hrtimeout(ksec_pace_wq,
						   ksec_pace_called_off(w),
						   ns_to_ktime(w->until - start));
	atomic64_add(ktime_get_ns() - start, &p->wait_ns);
	/* Pairs with the cmpxchg in __ksec_pace(): @w is read no more. */
	smp_store_release(&w->queued, 0);
	ksec_vm_put(vm);
	/*
	 * In an RCU read section, which ksec_pace_exit() waits for: the
	 * wake-up may sleep (PREEMPT_RT), and a sleeping task is quiescent
	 * for RCU tasks.
	 */
	rcu_read_lock();
	if (atomic_dec_and_test(&ksec_pace_running))
		wake_up(&ksec_pace_idle);
	rcu_read_unlock();
}

int ksec_pace_prepare(struct ksec_vm *vm)
{
	struct ksec_pace_slots *s;
	unsigned long flags;
	u32 i, nr = 0;
	bool dead;

	/* Pairs with the cmpxchg_release() below. */
	if (smp_load_acquire(&vm->lim.slots))
		return 0;
	spin_lock_irqsave(&vm->lock, flags);
	dead = vm->dead;
	if (!dead)
		nr = vm->kvm->max_vcpus;
	spin_unlock_irqrestore(&vm->lock, flags);
	if (dead)
		return -ENOENT;
	s = kvzalloc(struct_size(s, w, nr), GFP_KERNEL_ACCOUNT);
	if (!s)
		return -ENOMEM;
	s->nr = nr;
	for (i = 0; i < nr; i++) {
		init_task_work(&s->w[i].cb, ksec_pace_run);
		s->w[i].vm = vm;
	}
	/* Two callers at once: the first one's stays. */
	if (cmpxchg_release(&vm->lim.slots, NULL, s))
		kvfree(s);
	return 0;
}

/* Every work holds a reference to the VM: none is queued any more. */
void ksec_pace_free(struct ksec_limits *l)
{
	kvfree(l->slots);
}

void ksec_pacer_set(struct ksec_limits *l, struct ksec_pacer *p,
		    const struct ksec_limit_spec *s, u64 now)
{
	u64 period = 0;

	if (s->size) {
		/* Below 2^40 tokens per at most an hour: nothing overflows. */
		period = max_t(u64, div64_u64(s->refill_ms * NSEC_PER_MSEC,
					      s->size), 1);
		WRITE_ONCE(p->tolerance_ns, (s->size - 1) * period);
		atomic64_set(&p->tat, now);
	}
	atomic64_set(&p->burst, s->burst);
	WRITE_ONCE(p->period_ns, period);
	/*
	 * Then the generation: an exit that read the old one may have read
	 * the old limit too, and its wait is called off (__ksec_pace()).
	 */
	smp_wmb();
	WRITE_ONCE(l->pace_gen, l->pace_gen + 1);
}

void ksec_pace_changed(void)
{
	wake_up_all(&ksec_pace_wq);
}

u64 ksec_pacer_tokens(struct ksec_pacer *p, u64 size, u64 now)
{
	u64 tat = atomic64_read(&p->tat), period = READ_ONCE(p->period_ns);
	u64 owed;

	if (!period || tat <= now)
		return size;
	owed = div64_u64(tat - now + period - 1, period);
	return owed >= size ? 0 : size - owed;
}

void __ksec_pace(struct ksec_vm *vm, const struct kvm_vcpu *vcpu,
		 unsigned int kind)
{
	struct ksec_limits *l = &vm->lim;
	struct ksec_pacer *p = &l->pace[kind - KSEC_LIM_NET_NR];
	u32 gen = READ_ONCE(l->pace_gen);
	struct ksec_pace_slots *s;
	struct ksec_pace_work *w;
	u64 period, tol, now, debt;
	s64 tat, next;

	/* Not while the module loads: a failed load would not wait. */
	if (!READ_ONCE(ksec_pace_on))
		return;

	/*
	 * The generation before the limit (pairs with the smp_wmb() in
	 * ksec_pacer_set()): a limit changed after this, even lifted, calls
	 * off the wait this exit may queue.
	 */
	smp_rmb();
	period = READ_ONCE(p->period_ns);
	tol = READ_ONCE(p->tolerance_ns);
	if (!period)
		return;
	if (atomic64_read(&p->burst) > 0 &&
	    atomic64_dec_if_positive(&p->burst) >= 0)
		return;
	/* The slots' contents are published with them (prepare). */
	s = smp_load_acquire(&l->slots);
	/*
	 * Room for every vCPU's token: at most KVM_MAX_VCPUS + 64 periods of
	 * at most an hour, no overflow.
	 */
	debt = (KSEC_PACE_MAX_DEBT +
		(u64)atomic_read(&vcpu->kvm->online_vcpus)) * period;
	now = ktime_get_ns();
	tat = atomic64_read(&p->tat);
	do {
		next = max_t(u64, tat, now) + period;
		next = min_t(u64, next, now + tol + debt);
	} while (!atomic64_try_cmpxchg(&p->tat, &tat, next));
	if ((u64)tat <= now + tol)
		return;			/* the bucket had the token */
	/* Over the limit: counted whether or not the vCPU gets to wait. */
	atomic64_inc(&p->paced);

	if (unlikely(!s || vcpu->vcpu_idx >= s->nr))
		return;
	w = &s->w[vcpu->vcpu_idx];
	/* Queued already: charged, and the next exit waits longer. */
	if (cmpxchg(&w->queued, 0, 1))
		return;
	/* The module is going, or the VM: no wait. */
	if (!try_module_get(THIS_MODULE))
		goto give_back;
	if (!kref_get_unless_zero(&vm->ref)) {
		module_put(THIS_MODULE);
		goto give_back;
	}
	/* This exit's token, within the bounded debt. */
	w->until = next - period - tol;
	w->gen = gen;
	w->kind = kind;
	if (!task_work_add(current, &w->cb, TWA_RESUME))
		return;
	/* The thread is exiting. */
	ksec_vm_put(vm);
	module_put(THIS_MODULE);
give_back:
	/* Nothing was queued: the slot is free again. */
	smp_store_release(&w->queued, 0);
}

void ksec_pace_start(void)
{
	WRITE_ONCE(ksec_pace_on, true);
}

void ksec_pace_exit(void)
{
	WRITE_ONCE(ksec_pace_on, false);
	WRITE_ONCE(ksec_pace_stopping, true);
	wake_up_all(&ksec_pace_wq);
	wait_event(ksec_pace_idle, !atomic_read(&ksec_pace_running));
	/* The last works' wake-ups, then their last instructions. */
	synchronize_rcu();
	synchronize_rcu_tasks();
}
