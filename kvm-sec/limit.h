/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Activity limits on a VM (limit.c): token buckets for its network,
 * enforced in its tap hooks (packets, bytes and new connections, each
 * way), and for its exits of a class (hypercalls, port I/O, MMIO), paced
 * on KVM's exit path (pace.c); what each dropped or paced. The CPU time of
 * its vCPU threads is only kept and announced here: the agent (vsecd)
 * applies it as their cgroup's cpu.max.
 */
#ifndef KSEC_LIMIT_H
#define KSEC_LIMIT_H

#include <linux/atomic.h>
#include <linux/bits.h>
#include <linux/spinlock.h>
#include <linux/types.h>

#include <linux/kvm_sec.h>

#include "bucket.h"
#include "peer_class.h"

/* The order of enum kvm_sec_limit: TX (the VM sends) even, RX the next. */
enum ksec_limit_kind {
	/* Network: token buckets in the tap hooks (limit.c). */
	KSEC_LIM_TX_PACKETS,
	KSEC_LIM_RX_PACKETS,
	KSEC_LIM_TX_BYTES,
	KSEC_LIM_RX_BYTES,
	KSEC_LIM_TX_SYN,
	KSEC_LIM_RX_SYN,
	KSEC_LIM_NET_NR,
	/* Exits of a class: paced on KVM's exit path (pace.c). */
	KSEC_LIM_HYPERCALLS = KSEC_LIM_NET_NR,
	KSEC_LIM_PIO,
	KSEC_LIM_MMIO,
	KSEC_LIM_EXIT_END,
	/* CPU time of the vCPU threads: applied by the agent (cpu.max). */
	KSEC_LIM_CPU = KSEC_LIM_EXIT_END,
	KSEC_LIM_NR
};

#define KSEC_LIM_EXIT_NR	(KSEC_LIM_EXIT_END - KSEC_LIM_NET_NR)
#define KSEC_LIM_NET_MASK	GENMASK(KSEC_LIM_NET_NR - 1, 0)

static inline bool ksec_lim_is_exit(unsigned int kind)
{
	return kind >= KSEC_LIM_NET_NR && kind < KSEC_LIM_EXIT_END;
}

struct ksec_limit_spec {
	u64 size;		/* tokens; 0: no limit */
	u64 refill_ms;
	u64 burst;		/* one-time tokens */
};

/* Who set a limit: HSEM's own never replace the admin's. */
enum ksec_limit_owner {
	KSEC_LIM_NONE,
	KSEC_LIM_ADMIN,
	KSEC_LIM_HSEM,
};

/*
 * An exit limit (pace.c): the bucket as a generic cell rate algorithm, so
 * that the exit path takes a token with one compare-and-swap. @tat is when
 * the bucket will have all its tokens again; an exit takes one by moving
 * it on by @period_ns, and finds one if @tat was at most @tolerance_ns (a
 * full bucket less one token) ahead of now. Set under the limits' lock;
 * read by the probes without it.
 */
struct ksec_pacer {
	u64 period_ns;		/* a token's worth of time; 0: no limit */
	u64 tolerance_ns;
	atomic64_t tat;		/* ns, ktime_get_ns() */
	atomic64_t burst;	/* one-time tokens left */
	atomic64_t paced;	/* exits over the limit (told to wait) */
	atomic64_t wait_ns;	/* how long their vCPUs waited */
};

struct ksec_pace_slots;

/* What the agent reported it applied (KVM_SEC_A_VM_AGENT). */
struct ksec_agent_report {
	u64 cpu_quota_us;
	u64 at_ns;		/* ktime_get_ns() of the report; 0: none */
	u32 cpu_period_us;
	u32 weight;
	u32 threads;
	u32 error;
	char cgroup[256];	/* KVM_SEC_AGENT_CGROUP_MAX */
};

/*
 * The destination-class rule (KVM_SEC_A_VM_BLOCK): [0] the classes of
 * peer the VM may not send to, [1] receive from, masks of
 * BIT(enum kvm_sec_peer_class); written under the limits' lock, read by
 * the hooks without it, next to @active.
 */
struct ksec_block {
	u8 classes[2];
	u8 owner;
	bool ever;		/* a rule was set once: shown from then on */
};

struct ksec_limits {
	/* Bit per kind in force; read by the hooks without the lock. */
	unsigned long active;
	struct ksec_block block;
	spinlock_t lock;	/* below; taken with bottom halves off */
	struct ksec_limit_spec set[KSEC_LIM_NR];	/* as last set */
	u8 owner[KSEC_LIM_NR];
	struct ksec_bucket b[KSEC_LIM_NET_NR];
	u64 drops[KSEC_LIM_NET_NR];	/* frames each dropped */
	struct ksec_pacer pace[KSEC_LIM_EXIT_NR];
	/* Moves on when an exit limit changes: its waiting vCPUs look again */
	u32 pace_gen;
	/* pace.c: a work per vCPU, once an exit limit was set; then kept */
	struct ksec_pace_slots *slots;
	struct ksec_agent_report agent;
	/*
	 * What the destination-class rule dropped, [rx][class], on a cache
	 * line of its own: a flood's drops do not bounce the line that every
	 * packet reads.
	 */
	atomic64_t block_drops[2][KVM_SEC_PEER_CLASS_NR] ____cacheline_aligned_in_smp;
};

/* A copy, for netlink. */
struct ksec_limit_view {
	unsigned long active;
	struct ksec_limit_spec spec[KSEC_LIM_NR];
	u64 tokens[KSEC_LIM_NR];
	u64 drops[KSEC_LIM_NR];		/* frames dropped; exits paced */
	u64 wait_us[KSEC_LIM_NR];	/* exits: how long vCPUs waited */
	u8 owner[KSEC_LIM_NR];
	u8 block[2], block_owner;
	bool block_ever;
	u64 block_drops[2][KVM_SEC_PEER_CLASS_NR];
	struct ksec_agent_report agent;
};

struct ksec_vm;

void ksec_limit_init(struct ksec_limits *l);
/* When the VM is freed: no exit of it waits any more. */
void ksec_limit_free(struct ksec_limits *l);
/* A CPU limit is cpu.max's: a period of 1 to 1000 ms, no burst. */
#define KSEC_CPU_PERIOD_MAX_MS	1000
#define KSEC_CPU_QUOTA_MIN_US	1000
bool ksec_limit_spec_valid(unsigned int kind, const struct ksec_limit_spec *s);
/*
 * What the limits of @given need (exit limits: their vCPUs' works), before
 * any is set: 0, -ENOMEM or -ENOENT (the VM is gone). Process context.
 */
int ksec_limit_prepare(struct ksec_vm *vm, unsigned long given,
		       const struct ksec_limit_spec *s);
/*
 * The admin sets (or, size 0, lifts) the limits of @given (bits of
 * KSEC_LIM_*) to @s[kind], all at once: a packet or an exit sees all or
 * none of them. Process context. 0, or -ENOMEM (nothing changed).
 */
int ksec_limit_set(struct ksec_vm *vm, unsigned long given,
		   const struct ksec_limit_spec *s);
/*
 * HSEM sets (or lifts) one limit, unless the admin set it; true if that
 * changed it. Process context.
 */
bool ksec_limit_auto(struct ksec_vm *vm, unsigned int kind,
		     const struct ksec_limit_spec *s);
void ksec_limit_fill_view(struct ksec_limits *l, struct ksec_limit_view *v);
/*
 * HSEM's exit limits (bits from 0, for KSEC_LIM_NET_NR on) that an exit
 * went over since @last[] (updated) was taken.
 */
unsigned long ksec_limit_paced(struct ksec_limits *l, u64 *last);

/*
 * The admin sets the destination-class rule: each of @tx and @rx that is
 * not negative replaces its direction's classes (0 lifts it).
 */
void ksec_limit_set_block(struct ksec_limits *l, int tx, int rx);

/* The agent's report replaces its last one. */
void ksec_limit_agent_report(struct ksec_limits *l,
			     const struct ksec_agent_report *r);

/* HSEM's CPU limit in permille of a CPU; 0 if HSEM set none. */
u64 ksec_limit_hsem_cpu(struct ksec_limits *l);

bool __ksec_limit_pass(struct ksec_limits *l, bool rx, unsigned int len,
		       bool syn);

/*
 * From the hooks: @hit, the blocked classes of the peer of an IP packet
 * that the VM sends (!@rx) or receives; if any, the packet is dropped, and
 * counted in one of them (this host's first, as the view shows the peer).
 */
static inline bool ksec_limit_blocked(struct ksec_limits *l, bool rx,
				      unsigned int hit)
{
	if (!hit)
		return false;
	atomic64_inc(&l->block_drops[rx][ksec_peer_class_of(hit)]);
	return true;
}

/*
 * From the hooks (bottom halves off): may a frame of @len bytes that the
 * VM sends (!@rx) or receives pass? A dropped one is counted.
 */
static inline bool ksec_limit_pass(struct ksec_limits *l, bool rx,
				   unsigned int len, bool syn)
{
	if (likely(!(READ_ONCE(l->active) & KSEC_LIM_NET_MASK)))
		return true;
	return __ksec_limit_pass(l, rx, len, syn);
}

#endif /* KSEC_LIMIT_H */
