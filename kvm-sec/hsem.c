// SPDX-License-Identifier: GPL-2.0
/*
 * HSEM and HREM: every interval, each VM's host-observed features are
 * compared with the VM's own history (baseline.h); a VM with an anomalous
 * feature, or whose guest driver went to level 2, or that another VM's
 * verdict names, goes to level 2; at level 2 HSEM decides, from which
 * features are anomalous, whether the VM is an attacker, a victim or (HREM)
 * an overflow, or neither; the VM returns to level 1 after a run of calm
 * intervals. Documentation/kvm-sec/decisions.rst gives the rules and why.
 *
 * Everything here runs in the sampler's work item, once per interval, and
 * reads what the sampler just computed: nothing is added to the exit or
 * packet path. A VM's decision state is under its hsem_lock, taken after
 * nothing else but the VM's admin_lock (SET_VM, SET_STATE, MIGRATE_LOAD);
 * events go out after the lock is dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/kvm_sec.h>

#include "guest.h"
#include "hsem.h"
#include "verdict.h"
#include "net.h"
#include "netlink.h"
#include "sampler.h"
#include "vm.h"

static DEFINE_MUTEX(ksec_rule_lock);
static struct ksec_hsem_rule ksec_rule_global = {
	.r = {
		.k_tenths = KSEC_RULE_K_TENTHS,
		.m = KSEC_RULE_M,
		.n = KSEC_RULE_N,
		.warm = KSEC_RULE_WARM,
	},
	.decide = KSEC_RULE_DECIDE,
	.calm = KSEC_RULE_CALM,
	.limit_level2_pct = KSEC_LIMIT_LEVEL2_PCT,
	.limit_attack_pct = KSEC_LIMIT_ATTACK_PCT,
};

/*
 * Per feature: the smallest spread the rule uses (so that a flat history
 * does not flag noise), and the warm-up ceiling (a rate no calm VM
 * reaches; U64_MAX: a young history never flags the feature).
 */
static const struct {
	u64 floor;
	u64 warm_ceiling;
} ksec_fdef[KSEC_NR_FEATURES] = {
	[KVM_SEC_F_EXITS]		= { 200, 200000 },
	[KVM_SEC_F_HYPERCALLS]		= { 10, 20000 },
	[KVM_SEC_F_PIO]			= { 100, 50000 },
	[KVM_SEC_F_MMIO]		= { 100, 50000 },
	[KVM_SEC_F_MSR]			= { 100, 50000 },
	[KVM_SEC_F_HALTS]		= { 50, U64_MAX },
	[KVM_SEC_F_TX_PACKETS]		= { 20, 50000 },
	[KVM_SEC_F_TX_BYTES]		= { 4096, 50000000 },
	[KVM_SEC_F_RX_PACKETS]		= { 20, 50000 },
	[KVM_SEC_F_RX_BYTES]		= { 4096, 50000000 },
	[KVM_SEC_F_SYN_UNANSWERED]	= { 3, 200 },
	[KVM_SEC_F_RST_RX]		= { 3, 200 },
	[KVM_SEC_F_UNREACH_RX]		= { 3, 200 },
	[KVM_SEC_F_DESTINATIONS]	= { 3, 256 },
	[KVM_SEC_F_SOURCES]		= { 3, 256 },
	[KVM_SEC_F_CPU]			= { 50, U64_MAX },
	[KVM_SEC_F_MEMORY]		= { 4096, U64_MAX },
	[KVM_SEC_F_VHOST_CPU]		= { 50, U64_MAX },
};

/* Measured from the second interval on (ksec_hsem_features). */
#define KSEC_F_PRIMED	(BIT(KVM_SEC_F_CPU) | BIT(KVM_SEC_F_VHOST_CPU) | \
			 BIT(KVM_SEC_F_MEMORY))

/* An attack on the network: the one kind a verdict names a VM for. */
#define KSEC_F_NET_ATTACK	(KSEC_F_ATTACK & ~BIT(KVM_SEC_F_HYPERCALLS))

/* Near capacity: its vCPU threads used 90 % of their CPUs or more. */
#define KSEC_NEAR_CAPACITY_PERMILLE	900

void ksec_hsem_init(struct ksec_hsem *h)
{
	memset(h, 0, sizeof(*h));
	h->level = 1;
}

bool ksec_hsem_rule_valid(const struct ksec_hsem_rule *r)
{
	return ksec_rule_valid(&r->r) && r->decide >= 1 &&
	       r->decide <= 3600 && r->calm >= 1 && r->calm <= 3600 &&
	       r->limit_level2_pct <= KSEC_LIMIT_PCT_MAX &&
	       r->limit_attack_pct <= KSEC_LIMIT_PCT_MAX;
}

void ksec_hsem_get_rule(struct ksec_hsem_rule *r)
{
	mutex_lock(&ksec_rule_lock);
	*r = ksec_rule_global;
	mutex_unlock(&ksec_rule_lock);
}

/* The VM's rule: its own fields where set, the global ones elsewhere. */
static void ksec_rule_of(const struct ksec_hsem_rule *own,
			 const struct ksec_hsem_rule *global,
			 struct ksec_hsem_rule *out)
{
	*out = *global;
	if (own->r.k_tenths)
		out->r.k_tenths = own->r.k_tenths;
	if (own->r.n)
		out->r.n = own->r.n;
	if (own->r.m)
		out->r.m = own->r.m;
	if (own->r.warm)
		out->r.warm = own->r.warm;
	if (own->decide)
		out->decide = own->decide;
	if (own->calm)
		out->calm = own->calm;
	if (own->limit_level2_pct)
		out->limit_level2_pct = own->limit_level2_pct;
	if (own->limit_attack_pct)
		out->limit_attack_pct = own->limit_attack_pct;
	/* A global N made smaller than a VM's own M: the VM's M wins, capped. */
	if (out->r.m > out->r.n)
		out->r.m = out->r.n;
}

/* The fields of @given in @mask (bits 1 << KVM_SEC_RULE_x) into @r. */
static void ksec_rule_merge(struct ksec_hsem_rule *r,
			    const struct ksec_hsem_rule *given, u32 mask)
{
	if (mask & BIT(KVM_SEC_RULE_K_TENTHS))
		r->r.k_tenths = given->r.k_tenths;
	if (mask & BIT(KVM_SEC_RULE_M))
		r->r.m = given->r.m;
	if (mask & BIT(KVM_SEC_RULE_N))
		r->r.n = given->r.n;
	if (mask & BIT(KVM_SEC_RULE_WARM))
		r->r.warm = given->r.warm;
	if (mask & BIT(KVM_SEC_RULE_DECIDE))
		r->decide = given->decide;
	if (mask & BIT(KVM_SEC_RULE_CALM))
		r->calm = given->calm;
	if (mask & BIT(KVM_SEC_RULE_LIMIT_LEVEL2_PCT))
		r->limit_level2_pct = given->limit_level2_pct;
	if (mask & BIT(KVM_SEC_RULE_LIMIT_ATTACK_PCT))
		r->limit_attack_pct = given->limit_attack_pct;
}

int ksec_hsem_update_rule(const struct ksec_hsem_rule *given, u32 mask)
{
	struct ksec_hsem_rule r;
	int err = -EINVAL;

	mutex_lock(&ksec_rule_lock);
	r = ksec_rule_global;
	ksec_rule_merge(&r, given, mask);
	if (ksec_hsem_rule_valid(&r)) {
		ksec_rule_global = r;
		err = 0;
	}
	mutex_unlock(&ksec_rule_lock);
	return err;
}

int ksec_hsem_update_vm_rule(struct ksec_vm *vm,
			     const struct ksec_hsem_rule *given, u32 mask)
{
	struct ksec_hsem_rule old, merged, global;
	struct ksec_hsem *h = &vm->hsem;
	int err = 0;

	mutex_lock(&vm->hsem_lock);
	old = h->own;
	ksec_rule_merge(&h->own, given, mask);
	ksec_hsem_get_rule(&global);
	ksec_rule_of(&h->own, &global, &merged);
	/*
	 * M above N in the VM's own rule is refused; an own M above the
	 * global N (or the reverse) is capped, now and if either changes.
	 */
	if ((h->own.r.m && h->own.r.n && h->own.r.m > h->own.r.n) ||
	    !ksec_hsem_rule_valid(&merged)) {
		h->own = old;
		err = -EINVAL;
	}
	mutex_unlock(&vm->hsem_lock);
	return err;
}

/*
 * The memory a kernel thread works in, or NULL: a vhost worker runs with
 * kthread_use_mm() of its owner's mm for its whole life. The memory is the
 * proof, not a thread's name; it is only compared, never used. Under RCU.
 */
static const struct mm_struct *ksec_kthread_mm(struct task_struct *p)
{
	return p->flags & PF_KTHREAD ? READ_ONCE(p->mm) : NULL;
}

/* CPU time (ns) of the vhost workers serving the VMM of memory @mm. */
static u64 ksec_vhost_ns(const struct mm_struct *mm)
{
	struct task_struct *p;
	u64 ns = 0;

	rcu_read_lock();
	for_each_process(p) {
		if (ksec_kthread_mm(p) == mm)
			ns += READ_ONCE(p->se.sum_exec_runtime);
	}
	rcu_read_unlock();
	return ns;
}

/*
 * The vhost workers' CPU time of every VMM at once, sorted by memory:
 * collected when the first VM of an interval asks, by one walk of the
 * process list into a table sized by the last interval's (two walks if it
 * grew), not one walk per VM, which made the sampler's cost grow with the
 * square of the VMs (a VMM per VM).
 */
struct ksec_vhost_time {
	const struct mm_struct *mm;
	u64 ns;
};

struct ksec_vhost_times {
	struct ksec_vhost_time *t;	/* NULL once collected: walk per VM */
	unsigned int nr;
	bool collected;
};

#define KSEC_VHOST_TRIES	3
#define KSEC_VHOST_SLACK	16	/* threads that start between walks */

/* Kernel threads in a process's memory last interval: the sampler's. */
static unsigned int ksec_vhost_hint;

static int ksec_vhost_cmp(const void *a, const void *b)
{
	const struct ksec_vhost_time *x = a, *y = b;

	return x->mm < y->mm ? -1 : x->mm > y->mm;
}

static void ksec_vhost_collect(struct ksec_vhost_times *vt)
{
	unsigned int n = 0, cap = ksec_vhost_hint + KSEC_VHOST_SLACK, tries;
	struct ksec_vhost_time *t;
	struct task_struct *p;

	vt->collected = true;
	for (tries = 0; tries < KSEC_VHOST_TRIES; tries++) {
		t = kvmalloc_array(cap, sizeof(*t), GFP_KERNEL);
		if (!t) {
			atomic64_inc(&ksec_status.alloc_failures);
			return;
		}
		n = 0;
		rcu_read_lock();
		for_each_process(p) {
			const struct mm_struct *mm = ksec_kthread_mm(p);

			if (!mm)
				continue;
			if (n < cap) {
				t[n].mm = mm;
				t[n].ns = READ_ONCE(p->se.sum_exec_runtime);
			}
			n++;
		}
		rcu_read_unlock();
		if (n <= cap)
			break;
		kvfree(t);
		cap = n + KSEC_VHOST_SLACK;
	}
	ksec_vhost_hint = n;
	if (tries == KSEC_VHOST_TRIES)
		return;		/* never caught up */
	sort(t, n, sizeof(*t), ksec_vhost_cmp, NULL);
	vt->t = t;		/* never NULL: cap >= KSEC_VHOST_SLACK */
	vt->nr = n;
}

/* As ksec_vhost_ns(), from the times collected for this interval. */
static u64 ksec_vhost_lookup(struct ksec_vhost_times *vt,
			     const struct mm_struct *mm)
{
	unsigned int lo = 0, hi;
	u64 ns = 0;

	if (!vt->collected)
		ksec_vhost_collect(vt);
	if (!vt->t)
		return ksec_vhost_ns(mm);
	hi = vt->nr;
	while (lo < hi) {	/* the first entry not below @mm */
		unsigned int mid = lo + (hi - lo) / 2;

		if (vt->t[mid].mm < mm)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (; lo < vt->nr && vt->t[lo].mm == mm; lo++)
		ns += vt->t[lo].ns;
	return ns;
}

/*
 * A total's growth over @interval_ns, times @per: with @per 1000, ns of
 * CPU time become permille of a CPU; with NSEC_PER_SEC, units a second.
 * 0 when it went back (memory given back; a vhost worker that exited
 * takes its time with it).
 */
static u64 ksec_rate(u64 now, u64 last, u64 per, u64 interval_ns)
{
	if (!interval_ns || now <= last)
		return 0;
	return mul_u64_u64_div_u64(now - last, per, interval_ns);
}

/* What the host saw of @vm over the interval just sampled. */
static void ksec_hsem_features(struct ksec_vm *vm, struct ksec_hsem *h,
			       struct ksec_vhost_times *vt,
			       u64 *f, u32 *vcpus)
{
	u64 rate[KSEC_NR_CLASSES], nrate[KSEC_NET_NR] = { 0 };
	u64 dst = 0, src = 0, cpu_ns, vhost_ns = 0, rss = 0, interval_ns;
	struct mm_struct *mm = NULL;
	u64 answers, own;
	unsigned long flags;
	bool alive;

	ksec_net_rates(vm, nrate, &dst, &src);
	spin_lock_irqsave(&vm->lock, flags);
	memcpy(rate, vm->rate, sizeof(rate));
	interval_ns = (u64)vm->rate_interval_ms * NSEC_PER_MSEC;
	alive = ksec_vm_cpu_locked(vm, &cpu_ns, vcpus);
	if (alive) {
		mm = vm->kvm->mm;
		rss = get_mm_rss(mm) << (PAGE_SHIFT - 10);
	}
	spin_unlock_irqrestore(&vm->lock, flags);
	if (mm)
		vhost_ns = ksec_vhost_lookup(vt, mm);

	f[KVM_SEC_F_EXITS] = rate[KSEC_EXITS];
	f[KVM_SEC_F_HYPERCALLS] = rate[KSEC_HYPERCALLS];
	f[KVM_SEC_F_PIO] = rate[KSEC_PIO_IN] + rate[KSEC_PIO_OUT];
	f[KVM_SEC_F_MMIO] = rate[KSEC_MMIO_READ] + rate[KSEC_MMIO_WRITE];
	f[KVM_SEC_F_MSR] = rate[KSEC_MSR_READ] + rate[KSEC_MSR_WRITE];
	f[KVM_SEC_F_HALTS] = rate[KSEC_HALTS];
	/*
	 * Its own sending. RSTs answering the SYNs it received and
	 * unreachables answering the UDP it received are the senders'
	 * doing (a scanned VM's RSTs are the scanner's); beyond those,
	 * an RST or unreachable flood is its own. Bytes in proportion.
	 */
	if (check_add_overflow(min(nrate[KSEC_NET_TX_RST],
				   nrate[KSEC_NET_RX_SYN]),
			       min(nrate[KSEC_NET_TX_UNREACH],
				   nrate[KSEC_NET_RX_UDP]), &answers))
		answers = U64_MAX;
	own = nrate[KSEC_NET_TX_PACKETS] -
		min(nrate[KSEC_NET_TX_PACKETS], answers);
	f[KVM_SEC_F_TX_PACKETS] = own;
	f[KVM_SEC_F_TX_BYTES] = nrate[KSEC_NET_TX_PACKETS] ?
		mul_u64_u64_div_u64(nrate[KSEC_NET_TX_BYTES], own,
				    nrate[KSEC_NET_TX_PACKETS]) :
		nrate[KSEC_NET_TX_BYTES];
	f[KVM_SEC_F_RX_PACKETS] = nrate[KSEC_NET_RX_PACKETS];
	f[KVM_SEC_F_RX_BYTES] = nrate[KSEC_NET_RX_BYTES];
	f[KVM_SEC_F_SYN_UNANSWERED] = nrate[KSEC_NET_TX_SYN] -
		min(nrate[KSEC_NET_TX_SYN], nrate[KSEC_NET_RX_SYNACK]);
	f[KVM_SEC_F_RST_RX] = nrate[KSEC_NET_RX_RST];
	f[KVM_SEC_F_UNREACH_RX] = nrate[KSEC_NET_RX_UNREACH];
	f[KVM_SEC_F_DESTINATIONS] = dst;
	f[KVM_SEC_F_SOURCES] = src;
	/*
	 * CPU and memory growth: the first interval only primes the totals.
	 * Memory is a level; its growth is the demand (a VMM rarely gives
	 * memory back, and a level that stays up would never be calm).
	 */
	f[KVM_SEC_F_CPU] = 0;
	f[KVM_SEC_F_VHOST_CPU] = 0;
	f[KVM_SEC_F_MEMORY] = 0;
	if (alive && h->primed) {
		f[KVM_SEC_F_CPU] = ksec_rate(cpu_ns, h->last_cpu_ns, 1000,
					     interval_ns);
		f[KVM_SEC_F_VHOST_CPU] = ksec_rate(vhost_ns, h->last_vhost_ns,
						   1000, interval_ns);
		f[KVM_SEC_F_MEMORY] = ksec_rate(rss, h->last_rss, NSEC_PER_SEC,
						interval_ns);
	}
	if (alive) {
		h->last_cpu_ns = cpu_ns;
		h->last_vhost_ns = vhost_ns;
		h->last_rss = rss;
		h->primed = true;
	}
}

/* Feature @i, as it is this interval, after the reasons already given. */
static bool ksec_put_reason(struct ksec_hsem *h, unsigned int i)
{
	struct ksec_reason *r;

	if (h->nr_reasons == KSEC_MAX_REASONS)
		return false;
	r = &h->reason[h->nr_reasons++];
	r->feature = i;
	r->value = h->value[i];
	r->mean = ksec_base_mean(&h->base[i]);
	r->spread = ksec_base_spread(&h->base[i]);
	r->limit = h->limit[i];
	return true;
}

static void ksec_add_reasons(struct ksec_hsem *h, unsigned long mask)
{
	unsigned int i;

	h->nr_reasons = 0;
	for_each_set_bit(i, &mask, KSEC_NR_FEATURES)
		ksec_put_reason(h, i);
}

/* The features of @mask not yet among the reasons; true if any. */
static bool ksec_more_reasons(struct ksec_hsem *h, unsigned long mask)
{
	unsigned int i;
	bool added = false;

	for (i = 0; i < h->nr_reasons; i++)
		mask &= ~BIT(h->reason[i].feature);
	for_each_set_bit(i, &mask, KSEC_NR_FEATURES)
		added |= ksec_put_reason(h, i);
	return added;
}

/* The busiest other VM of this host among @vm's peers, or 0. */
static u32 ksec_busiest_peer(struct ksec_vm *vm, bool sources)
{
	struct ksec_net_view *v;
	const struct ksec_peers_view *p;
	u32 id = 0;
	unsigned int i;

	v = kmalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return 0;
	if (ksec_net_fill_view(vm, v)) {
		p = sources ? &v->src : &v->dst;
		for (i = 0; i < p->nr; i++) {
			if (p->peer[i].class == KVM_SEC_PEER_THIS_HOST &&
			    p->peer[i].vm_id && p->peer[i].vm_id != vm->id) {
				id = p->peer[i].vm_id;
				break;
			}
		}
	}
	kfree(v);
	return id;
}

/*
 * A pair found this interval: @attacker (the busiest other VM of this host
 * among @victim's sources) may explain @victim's anomaly.
 */
struct ksec_pair {
	u32 attacker, victim;
};

#define KSEC_MAX_PAIRS	64

struct ksec_judge_ctx {
	struct ksec_hsem_rule global;
	u32 interval_ms, epoch;		/* the sampling interval's */
	struct ksec_vhost_times vhost;
	unsigned int nr_pairs;
	struct ksec_pair pair[KSEC_MAX_PAIRS];
};

enum { KSEC_EV_LEVEL = 1, KSEC_EV_VERDICT = 2, KSEC_EV_CAPACITY = 4 };

/*
 * The interval changed: features counted per interval (distinct peers)
 * start their history again; rates per second keep theirs, and the level
 * and verdict stand.
 */
static void ksec_forget(struct ksec_hsem *h)
{
	h->base[KVM_SEC_F_DESTINATIONS] = (struct ksec_base){ 0 };
	h->base[KVM_SEC_F_SOURCES] = (struct ksec_base){ 0 };
}

static void ksec_set_level(struct ksec_hsem *h, u8 level, u8 reason,
			   unsigned int *ev)
{
	unsigned int i;

	if (h->level == level && h->level_reason == reason)
		return;
	*ev |= KSEC_EV_LEVEL;
	/* Back at level 1 the rule starts afresh: old bits must not count. */
	if (level == 1 && h->level == 2)
		for (i = 0; i < KSEC_NR_FEATURES; i++)
			h->base[i].window = 0;
	if (h->level != level) {
		h->at_level2 = 0;
		h->calm = 0;
	}
	h->level = level;
	h->level_reason = reason;
}

static void ksec_set_verdict(struct ksec_hsem *h, u8 verdict, u32 peer,
			     unsigned long why, unsigned int *ev)
{
	if (h->verdict == verdict && h->peer_vm == peer) {
		/* The same verdict: features anomalous since join its reasons. */
		if (ksec_more_reasons(h, why))
			*ev |= KSEC_EV_VERDICT;
		h->cpu_judged |= !!(why & BIT(KVM_SEC_F_CPU));
		return;
	}
	/* Kept however many reasons it has, and across a change of peer. */
	h->cpu_judged = (why & BIT(KVM_SEC_F_CPU)) ||
			(h->cpu_judged && verdict == h->verdict);
	h->verdict = verdict;
	h->peer_vm = peer;
	h->held_clear = false;
	ksec_add_reasons(h, why);
	*ev |= KSEC_EV_VERDICT;
	/* A VM with a verdict against it is no load balancer's candidate. */
	if (verdict != KVM_SEC_VERDICT_NONE &&
	    verdict != KVM_SEC_VERDICT_CLEAR && h->near_capacity) {
		h->near_capacity = false;
		*ev |= KSEC_EV_CAPACITY;
	}
}

/*
 * HREM's cue to a load balancer: a VM near its capacity (by the host's own
 * measure, @near) in M of the last N intervals, which HSEM judged clean,
 * could use more resources. Clean: a learned CPU history (a VM that pegs
 * its vCPUs from its first second is not vouched for during warm-up), at
 * level 1 with no verdict, or judged neither attacker nor victim. It ends
 * after N intervals below, or with a verdict (ksec_set_verdict).
 */
static void ksec_hrem_capacity(struct ksec_hsem *h,
			       const struct ksec_hsem_rule *rule, bool near,
			       unsigned int *ev)
{
	u32 win = rule->r.n >= 32 ? U32_MAX : BIT(rule->r.n) - 1;
	bool clean = h->verdict == KVM_SEC_VERDICT_CLEAR ||
		     (h->verdict == KVM_SEC_VERDICT_NONE && h->level == 1 &&
		      h->base[KVM_SEC_F_CPU].learned >= rule->r.warm);
	bool was = h->near_capacity;

	h->near_win = (h->near_win << 1 | near) & win;
	if (!clean || !h->near_win)
		h->near_capacity = false;
	else if (hweight32(h->near_win) >= rule->r.m)
		h->near_capacity = true;
	if (h->near_capacity != was)
		*ev |= KSEC_EV_CAPACITY;
}

/*
 * What HSEM's limits follow: the VM's sending, and the bucket it gets. New
 * connections only for an attacker or an overflow: a SYN a bucket drops is
 * never answered, so a limit on them would make a VM that is merely
 * watched look like a scanner. Exits too only for a VM judged: a paced
 * exit slows every device access of the guest, its disk and network too.
 * So does a CPU cap (applied by the agent, as the vCPU threads' cpu.max).
 */
static const struct {
	u8 feature, kind;
	bool judged_only;
} ksec_limited[] = {
	{ KVM_SEC_F_TX_PACKETS, KSEC_LIM_TX_PACKETS, false },
	{ KVM_SEC_F_TX_BYTES, KSEC_LIM_TX_BYTES, false },
	{ KVM_SEC_F_SYN_UNANSWERED, KSEC_LIM_TX_SYN, true },
	{ KVM_SEC_F_HYPERCALLS, KSEC_LIM_HYPERCALLS, true },
	{ KVM_SEC_F_PIO, KSEC_LIM_PIO, true },
	{ KVM_SEC_F_MMIO, KSEC_LIM_MMIO, true },
	{ KVM_SEC_F_CPU, KSEC_LIM_CPU, true },
};

/* A CPU limit's period: cpu.max's default. */
#define KSEC_CPU_PERIOD_MS	100

/* The feature of each exit limit, from KSEC_LIM_NET_NR on. */
static const u8 ksec_paced_feature[KSEC_LIM_EXIT_NR] = {
	KVM_SEC_F_HYPERCALLS, KVM_SEC_F_PIO, KVM_SEC_F_MMIO,
};

/*
 * HSEM's limits (Documentation/kvm-sec/limits.rst), set again whenever the
 * VM's level or verdict changes: at level 2 with no verdict yet, what the
 * VM sends (packets, bytes) is limited to limit_level2_pct % of the rule's
 * limit for it (mean + K spreads, the feature's floor at least; a VM not
 * judged yet: its warm-up ceiling); judged attacker or overflow, packets,
 * bytes, new connections and exits of each limited class (hypercalls,
 * port I/O, MMIO) to limit_attack_pct %; a second's worth,
 * refilled every second. Their vCPU threads' CPU time too, to the same
 * share of its limit (permille of a CPU), at least 1 %, each 100 ms,
 * applied by the agent; none if that is all its vCPUs could take. A
 * victim, a VM judged neither, and a VM back at level 1 are not limited.
 * A limit the admin set is never touched. Called without the VM's locks;
 * applied under its hsem_lock, so that two callers (the sampler, an
 * admin's level) apply in the order they decided.
 */
static void ksec_hsem_limits(struct ksec_vm *vm)
{
	struct ksec_hsem_rule global, rule;
	struct ksec_hsem *h = &vm->hsem;
	bool changed = false, judged;
	unsigned int i;
	u8 reason;
	u32 pct;

	ksec_hsem_get_rule(&global);
	mutex_lock(&vm->hsem_lock);
	ksec_rule_of(&h->own, &global, &rule);
	judged = h->verdict == KVM_SEC_VERDICT_ATTACKER ||
		 h->verdict == KVM_SEC_VERDICT_OVERFLOW;
	if (judged) {
		pct = rule.limit_attack_pct;
		reason = KVM_SEC_LIMIT_BY_VERDICT;
	} else if (h->level == 2 && h->verdict == KVM_SEC_VERDICT_NONE) {
		pct = rule.limit_level2_pct;
		reason = KVM_SEC_LIMIT_BY_LEVEL2;
	} else {
		pct = 0;
		reason = KVM_SEC_LIMIT_BY_CALM;
	}
	/* Nothing was set and nothing is to be. */
	if (!pct && !h->limits) {
		mutex_unlock(&vm->hsem_lock);
		return;
	}
	for (i = 0; i < ARRAY_SIZE(ksec_limited); i++) {
		unsigned int f = ksec_limited[i].feature;
		struct ksec_limit_spec spec = { };
		u64 lim;

		if (pct && (judged || !ksec_limited[i].judged_only)) {
			lim = h->intervals ? h->limit[f] :
			      ksec_fdef[f].warm_ceiling;
			lim = clamp_t(u64, lim, ksec_fdef[f].floor,
				      KSEC_BUCKET_MAX - 1);
			spec.size = clamp_t(u64,
					    mul_u64_u64_div_u64(lim, pct, 100),
					    1, KSEC_BUCKET_MAX - 1);
			spec.refill_ms = MSEC_PER_SEC;
			if (ksec_limited[i].kind == KSEC_LIM_CPU) {
				/*
				 * permille of a CPU: 100 us each 100 ms; at
				 * or above all its vCPUs could take (a VM
				 * not judged yet), no cap at all.
				 */
				spec.size = clamp_t(u64, lim * pct,
						    KSEC_CPU_QUOTA_MIN_US,
						    KSEC_BUCKET_MAX - 1);
				spec.refill_ms = KSEC_CPU_PERIOD_MS;
				if (spec.size >= (u64)h->vcpus * 100000)
					spec = (struct ksec_limit_spec){ };
			}
		}
		changed |= ksec_limit_auto(vm, ksec_limited[i].kind, &spec);
	}
	h->limits = pct ? reason : 0;
	mutex_unlock(&vm->hsem_lock);
	if (changed)
		ksec_nl_notify_limits(vm, reason);
}

/* The events of @ev (KSEC_EV_*), after the VM's lock is dropped. */
static void ksec_notify(struct ksec_vm *vm, unsigned int ev)
{
	if (ev & KSEC_EV_LEVEL)
		ksec_nl_notify_decision(vm, KVM_SEC_CMD_LEVEL);
	if (ev & KSEC_EV_VERDICT)
		ksec_nl_notify_decision(vm, KVM_SEC_CMD_VERDICT);
	if (ev & KSEC_EV_CAPACITY)
		ksec_nl_notify_decision(vm, KVM_SEC_CMD_CAPACITY);
	/* After the event that is their reason. */
	if (ev & (KSEC_EV_LEVEL | KSEC_EV_VERDICT))
		ksec_hsem_limits(vm);
}

static void ksec_judge_vm(struct ksec_vm *vm, struct ksec_judge_ctx *ctx)
{
	struct ksec_hsem *h = &vm->hsem;
	struct ksec_hsem_rule rule;
	unsigned long anom = 0, out = 0, paced, why, unmeasured;
	bool guest_l2, guest_near, near, host_near, held, named, clear;
	unsigned int ev = 0, i;
	u64 f[KSEC_NR_FEATURES], capacity, cpu_cap;
	u32 vcpus = 0, peer = 0;
	u8 verdict, cmd;

	ksec_guest_hsem_inputs(vm, &guest_l2, &guest_near);

	mutex_lock(&vm->hsem_lock);
	ksec_rule_of(&h->own, &ctx->global, &rule);
	if (h->epoch != ctx->epoch || !h->epoch_ms) {
		/* Values per interval of another length: learn again. */
		if (h->epoch != ctx->epoch)
			ksec_forget(h);
		h->epoch = ctx->epoch;
		h->epoch_ms = ctx->interval_ms;
	}
	/* Before its totals are primed, CPU and memory are not measured. */
	unmeasured = h->primed ? 0 : KSEC_F_PRIMED;
	ksec_hsem_features(vm, h, &ctx->vhost, f, &vcpus);
	h->vcpus = vcpus;
	h->intervals++;
	for (i = 0; i < KSEC_NR_FEATURES; i++) {
		struct ksec_base *b = &h->base[i];

		h->value[i] = f[i];
		h->limit[i] = ksec_base_limit(b, &rule.r, ksec_fdef[i].floor,
					      ksec_fdef[i].warm_ceiling);
		if (ksec_base_observe(b, &rule.r, f[i], ksec_fdef[i].floor,
				      ksec_fdef[i].warm_ceiling))
			out |= BIT(i);
		if (ksec_base_anomalous(b, &rule.r))
			anom |= BIT(i);
	}
	/*
	 * A class whose exits went over HSEM's limit this interval is out of
	 * line: the VM asked for more than its history allows, and the limit
	 * must not make it look calm (its network is counted before any
	 * drop). An admin's limit is the admin's business: it does not keep
	 * a VM from being calm.
	 */
	paced = ksec_limit_paced(&vm->lim, h->paced);
	for_each_set_bit(i, &paced, KSEC_LIM_EXIT_NR)
		out |= BIT(ksec_paced_feature[i]);
	/*
	 * So is a VM judged for its CPU whose vCPUs use 90 % of HSEM's CPU
	 * cap: it pushes against it. (One judged for its network may use
	 * that much as its norm: its CPU keeps it from no calm interval.)
	 */
	cpu_cap = ksec_limit_hsem_cpu(&vm->lim);
	if (cpu_cap && f[KVM_SEC_F_CPU] * 10 >= cpu_cap * 9 && h->cpu_judged)
		out |= BIT(KVM_SEC_F_CPU);
	h->out = out;
	/*
	 * Memory growth is judged (an overflow's reason) but moves no VM to
	 * level 2 and keeps no interval from being calm: its history learns
	 * a guest's page cache filling, a step at a time (baseline.h).
	 */
	out &= KSEC_F_TRIGGER;
	anom &= KSEC_F_JUDGED;
	/*
	 * Near capacity by the host's own measure; the guest's VREM count
	 * (its own claim) only counts with the host seeing half of it.
	 */
	capacity = (u64)vcpus * 1000;
	host_near = capacity && h->value[KVM_SEC_F_CPU] * 10 >= capacity * 9;
	near = host_near || (capacity && guest_near &&
			     h->value[KVM_SEC_F_CPU] * 2 >= capacity);

	if (h->admin_level) {
		ksec_set_level(h, h->admin_level, KVM_SEC_LEVEL_ADMIN, &ev);
	} else if (h->level == 1 && (anom & KSEC_F_TRIGGER)) {
		ksec_set_level(h, 2, KVM_SEC_LEVEL_ANOMALY, &ev);
		ksec_add_reasons(h, anom & KSEC_F_TRIGGER);
	} else if (h->level == 1 && guest_l2) {
		ksec_set_level(h, 2, KVM_SEC_LEVEL_GUEST, &ev);
	}

	if (h->level == 2) {
		h->at_level2++;
		h->calm = out ? 0 : h->calm + 1;
		verdict = ksec_verdict_of(anom, near, &why);
		if (verdict == KVM_SEC_VERDICT_ATTACKER) {
			/*
			 * Keep the VM a victim's verdict named it for; else
			 * name a VM of this host only for an attack on the
			 * network (an exit storm attacks the host).
			 */
			if (h->verdict == KVM_SEC_VERDICT_ATTACKER &&
			    h->peer_vm)
				peer = h->peer_vm;
			else if (anom & KSEC_F_NET_ATTACK)
				peer = ksec_busiest_peer(vm, false);
		} else if (verdict == KVM_SEC_VERDICT_VICTIM) {
			/*
			 * Named only once that VM is seen sending more, and
			 * only while it still is (last interval's pairs).
			 */
			peer = h->verdict == KVM_SEC_VERDICT_VICTIM &&
			       h->intervals - h->peer_at <= 1 ? h->peer_vm : 0;
			if (ctx->nr_pairs < KSEC_MAX_PAIRS) {
				u32 a = ksec_busiest_peer(vm, true);

				if (a)
					ctx->pair[ctx->nr_pairs++] =
						(struct ksec_pair){
							.attacker = a,
							.victim = vm->id,
						};
			}
		}
		/* A verdict stands until cleared; a worse one replaces it. */
		if (verdict != KVM_SEC_VERDICT_NONE &&
		    (h->verdict == KVM_SEC_VERDICT_NONE ||
		     h->verdict == KVM_SEC_VERDICT_CLEAR ||
		     verdict == KVM_SEC_VERDICT_ATTACKER ||
		     verdict == h->verdict))
			ksec_set_verdict(h, verdict, peer, why, &ev);
		else if (verdict == KVM_SEC_VERDICT_NONE &&
			 h->verdict == KVM_SEC_VERDICT_NONE &&
			 h->at_level2 >= rule.decide) {
			/*
			 * No evidence either way in time: neither. Raised by
			 * its guest driver's word or the admin's, with no
			 * demand of its own the host saw: its history learns
			 * only its calm intervals (below), not what follows.
			 */
			ksec_set_verdict(h, KVM_SEC_VERDICT_CLEAR, 0, 0, &ev);
			h->held_clear = h->level_reason == KVM_SEC_LEVEL_GUEST ||
					h->level_reason == KVM_SEC_LEVEL_ADMIN;
		}
		/*
		 * Calm: back to level 1, unless the admin holds the VM, a
		 * victim named it last interval, or its guest driver is at
		 * level 2 of its own accord (then HSEM does not command it:
		 * only the driver's own anomaly holds it).
		 */
		named = h->intervals - h->named_at <= 1;
		held = h->admin_level || named ||
		       (guest_l2 && h->level_reason == KVM_SEC_LEVEL_GUEST);
		if (h->calm >= rule.calm && !held) {
			ksec_set_level(h, 1, KVM_SEC_LEVEL_CALM, &ev);
		} else if (h->calm >= rule.calm && !named &&
			 verdict == KVM_SEC_VERDICT_NONE &&
			 h->verdict != KVM_SEC_VERDICT_CLEAR) {
			/*
			 * Held at level 2 by the admin or its guest driver,
			 * calm as long as a return to level 1 asks and
			 * nothing anomalous left: its verdict (and the limits
			 * it set) ends here. Its history learns only its
			 * calm intervals from now on (below).
			 */
			ksec_set_verdict(h, KVM_SEC_VERDICT_CLEAR, 0, 0, &ev);
			h->held_clear = true;
		}
	}
	/* At level 1 (calm, or the admin's) a VM has no verdict. */
	if (h->level == 1 && h->verdict != KVM_SEC_VERDICT_NONE)
		ksec_set_verdict(h, KVM_SEC_VERDICT_NONE, 0, 0, &ev);
	ksec_hrem_capacity(h, &rule, host_near, &ev);
	/*
	 * The history learns only from calm intervals of a calm VM, and from
	 * a VM judged neither attacker nor victim: its demand is its new norm
	 * (each value at most 2 spreads above the mean: baseline.h). A VM
	 * cleared while held at level 2, or raised by its driver or the
	 * admin, was judged calm, not a new demand: its calm intervals only.
	 */
	if ((h->level == 1 && !out && h->verdict == KVM_SEC_VERDICT_NONE) ||
	    (h->verdict == KVM_SEC_VERDICT_CLEAR && !(h->held_clear && out)))
		for (i = 0; i < KSEC_NR_FEATURES; i++)
			if (!(unmeasured & BIT(i)))
				ksec_base_learn(&h->base[i], &rule.r, f[i],
						ksec_fdef[i].floor);
	cmd = h->level == 2 && h->level_reason != KVM_SEC_LEVEL_GUEST ? 2 : 0;
	/*
	 * The guest driver's history learns while HSEM judges the VM harmless
	 * and calm: cleared, or held at level 1 by the admin (guest.c).
	 */
	clear = !out && (h->verdict == KVM_SEC_VERDICT_CLEAR ||
			 (h->admin_level == 1 &&
			  h->verdict == KVM_SEC_VERDICT_NONE));
	mutex_unlock(&vm->hsem_lock);

	ksec_guest_hsem_level(vm, cmd);
	ksec_guest_hsem_clear(vm, clear);
	ksec_notify(vm, ev);
}

/* The VM sent more than its history this interval (packets or bytes). */
#define KSEC_F_SENDING	(BIT(KVM_SEC_F_TX_PACKETS) | BIT(KVM_SEC_F_TX_BYTES))

/*
 * @p->victim's busiest source on this host is @p->attacker. If that VM
 * sent more than its own history this interval, its traffic explains the
 * victim's: the victim's verdict names it, and it is an attacker naming the
 * victim, whatever its other features. A VM that sends as usual is never
 * named (a long-time peer, or an address another VM spoofed).
 */
static void ksec_apply_pair(const struct ksec_pair *p)
{
	struct ksec_vm *a, *v;
	struct ksec_hsem *h;
	unsigned int ev = 0;
	bool sending, level2, cmd;

	a = ksec_vm_get_by_id(p->attacker);
	if (!a)
		return;
	h = &a->hsem;
	mutex_lock(&a->hsem_lock);
	sending = h->out & KSEC_F_SENDING;
	if (sending && h->level == 1 && !h->admin_level)
		ksec_set_level(h, 2, KVM_SEC_LEVEL_PEER, &ev);
	level2 = sending && h->level == 2;
	if (level2) {
		/*
		 * Named this interval: held at level 2 (ksec_judge_vm). By
		 * several victims: the first one named stays its peer.
		 */
		if (h->named_at != h->intervals ||
		    h->verdict != KVM_SEC_VERDICT_ATTACKER)
			ksec_set_verdict(h, KVM_SEC_VERDICT_ATTACKER,
					 p->victim, h->out & KSEC_F_SENDING,
					 &ev);
		h->named_at = h->intervals;
		h->calm = 0;
	}
	cmd = level2 && h->level_reason != KVM_SEC_LEVEL_GUEST;
	mutex_unlock(&a->hsem_lock);
	if (cmd)
		ksec_guest_hsem_level(a, 2);
	ksec_notify(a, ev);
	ksec_vm_put(a);
	if (!sending)
		return;

	v = ksec_vm_get_by_id(p->victim);
	if (!v)
		return;
	ev = 0;
	mutex_lock(&v->hsem_lock);
	if (v->hsem.verdict == KVM_SEC_VERDICT_VICTIM) {
		/* Its reasons stay those of its own verdict. */
		if (v->hsem.peer_vm != p->attacker) {
			v->hsem.peer_vm = p->attacker;
			ev |= KSEC_EV_VERDICT;
		}
		v->hsem.peer_at = v->hsem.intervals;
	}
	mutex_unlock(&v->hsem_lock);
	ksec_notify(v, ev);
	ksec_vm_put(v);
}

void ksec_hsem_judge_all(u32 interval_ms, u32 epoch)
{
	struct ksec_judge_ctx *ctx;
	struct ksec_vm *vm;
	unsigned int i;
	u32 id = 1;

	ctx = kzalloc(sizeof(*ctx), GFP_KERNEL);
	if (!ctx) {
		atomic64_inc(&ksec_status.alloc_failures);
		return;
	}
	ksec_hsem_get_rule(&ctx->global);
	ctx->interval_ms = interval_ms;
	ctx->epoch = epoch;
	while ((vm = ksec_vm_get_next(&id, 0))) {
		ksec_judge_vm(vm, ctx);
		ksec_vm_put(vm);
		id++;
		cond_resched();
	}
	for (i = 0; i < ctx->nr_pairs; i++)
		ksec_apply_pair(&ctx->pair[i]);
	if (ctx->nr_pairs == KSEC_MAX_PAIRS)
		pr_debug("HSEM: %d victims or more on this host in an interval\n",
			 KSEC_MAX_PAIRS);
	kvfree(ctx->vhost.t);
	kfree(ctx);
}

void ksec_hsem_fill_view(struct ksec_vm *vm, struct ksec_hsem_view *v)
{
	struct ksec_hsem_rule global;

	ksec_hsem_get_rule(&global);
	mutex_lock(&vm->hsem_lock);
	v->s = vm->hsem;
	ksec_rule_of(&vm->hsem.own, &global, &v->rule);
	mutex_unlock(&vm->hsem_lock);
}

void ksec_hsem_summary(struct ksec_vm *vm, u8 *level, u8 *verdict,
		       bool *near_capacity)
{
	mutex_lock(&vm->hsem_lock);
	*level = vm->hsem.level;
	*verdict = vm->hsem.verdict;
	*near_capacity = vm->hsem.near_capacity;
	mutex_unlock(&vm->hsem_lock);
}

/*
 * At once, not at the next interval: a commanded level holds the VM there;
 * given back, a VM the admin alone held at level 2 returns to level 1 (HSEM
 * raises it again at the next interval if it is anomalous).
 */
void ksec_hsem_command_level(struct ksec_vm *vm, u8 level)
{
	struct ksec_hsem *h = &vm->hsem;
	unsigned int ev = 0;
	u8 cmd;

	mutex_lock(&vm->hsem_lock);
	h->admin_level = level;
	if (level)
		ksec_set_level(h, level, KVM_SEC_LEVEL_ADMIN, &ev);
	else if (h->level_reason == KVM_SEC_LEVEL_ADMIN)
		ksec_set_level(h, 1, KVM_SEC_LEVEL_CALM, &ev);
	if (h->level == 1 && h->verdict != KVM_SEC_VERDICT_NONE)
		ksec_set_verdict(h, KVM_SEC_VERDICT_NONE, 0, 0, &ev);
	cmd = h->level == 2 && h->level_reason != KVM_SEC_LEVEL_GUEST ? 2 : 0;
	mutex_unlock(&vm->hsem_lock);
	ksec_guest_hsem_level(vm, cmd);
	ksec_notify(vm, ev);
}

void ksec_hsem_export(struct ksec_vm *vm, struct ksec_hsem *out)
{
	mutex_lock(&vm->hsem_lock);
	*out = vm->hsem;
	mutex_unlock(&vm->hsem_lock);
}

bool ksec_hsem_own_rule_valid(const struct ksec_hsem_rule *own)
{
	struct ksec_hsem_rule global, merged;

	if (own->r.m && own->r.n && own->r.m > own->r.n)
		return false;
	ksec_hsem_get_rule(&global);
	ksec_rule_of(own, &global, &merged);
	return ksec_hsem_rule_valid(&merged);
}

/*
 * What moves with a VM replaces its own; what the module measures of it
 * here (its last CPU time and memory, the limits HSEM set, the epoch of
 * its interval) stays. The VM another verdict named is known by an ID of
 * the module that judged it: it is not carried over.
 */
void ksec_hsem_import(struct ksec_vm *vm, const struct ksec_hsem *in,
		      u32 learned_ms, bool guest)
{
	struct ksec_hsem *h = &vm->hsem;
	unsigned int ev = KSEC_EV_LEVEL | KSEC_EV_VERDICT | KSEC_EV_CAPACITY;
	unsigned long flags;
	u32 vcpus = 0, ms, epoch;
	u64 cpu_ns;
	u8 cmd;

	/* HSEM's CPU limit is a share of its vCPUs: known before the judge. */
	spin_lock_irqsave(&vm->lock, flags);
	ksec_vm_cpu_locked(vm, &cpu_ns, &vcpus);
	spin_unlock_irqrestore(&vm->lock, flags);
	/* An interval changed after this is seen by the next judge. */
	ksec_sampler_epoch(&ms, &epoch);

	mutex_lock(&vm->hsem_lock);
	if (!h->vcpus)
		h->vcpus = vcpus;
	memcpy(h->base, in->base, sizeof(h->base));
	memcpy(h->value, in->value, sizeof(h->value));
	memcpy(h->limit, in->limit, sizeof(h->limit));
	h->intervals = in->intervals;
	h->level = in->level;
	h->level_reason = in->level_reason;
	h->verdict = in->verdict;
	h->admin_level = in->admin_level;
	h->peer_vm = 0;
	h->at_level2 = in->at_level2;
	h->calm = in->calm;
	h->nr_reasons = in->nr_reasons;
	memcpy(h->reason, in->reason, sizeof(h->reason));
	h->own = in->own;
	h->named_at = in->named_at;
	h->peer_at = in->peer_at;
	h->near_win = in->near_win;
	h->near_capacity = in->near_capacity;
	h->cpu_judged = in->cpu_judged;
	h->held_clear = in->held_clear;
	/* Learned per interval of another length: learn again. */
	if (learned_ms != ms)
		ksec_forget(h);
	/* Of this interval now: the next judge keeps it. */
	h->epoch = epoch;
	h->epoch_ms = ms;
	cmd = h->level == 2 && h->level_reason != KVM_SEC_LEVEL_GUEST ? 2 : 0;
	mutex_unlock(&vm->hsem_lock);
	/* The guest's state exists (the caller made sure): this cannot fail. */
	if (guest)
		ksec_guest_command(vm, in->admin_level, -1);
	ksec_guest_hsem_level(vm, cmd);
	ksec_notify(vm, ev);
}
