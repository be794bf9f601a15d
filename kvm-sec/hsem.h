/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HSEM and HREM: per-VM history of host-observed features, the host-side
 * level, and verdicts with their reasons (hsem.c).
 */
#ifndef KSEC_HSEM_H
#define KSEC_HSEM_H

#include <linux/mutex.h>
#include <linux/types.h>
#include <linux/kvm_sec.h>

#include "baseline.h"
#include "limit.h"

#define KSEC_NR_FEATURES	KVM_SEC_F_COUNT
#define KSEC_MAX_REASONS	6

/* The rule's defaults (decisions.rst says why). */
#define KSEC_RULE_K_TENTHS	40
#define KSEC_RULE_M		2
#define KSEC_RULE_N		3
#define KSEC_RULE_WARM		20
#define KSEC_RULE_DECIDE	5
#define KSEC_RULE_CALM		5
/* Limits while watched: % of the rule's limit (limits.rst). */
#define KSEC_LIMIT_LEVEL2_PCT	200
#define KSEC_LIMIT_ATTACK_PCT	100
#define KSEC_LIMIT_PCT_MAX	100000

struct ksec_hsem_rule {
	struct ksec_rule r;	/* K, M, N, warm-up */
	u32 decide;
	u32 calm;
	/* Limits while watched, % of the rule's limit; 0: none (global) */
	u32 limit_level2_pct, limit_attack_pct;
};

struct ksec_reason {
	u8 feature;
	u64 value, mean, spread, limit;
};

/* A VM's decision state: under its hsem_lock. */
struct ksec_hsem {
	struct ksec_base base[KSEC_NR_FEATURES];
	u64 value[KSEC_NR_FEATURES];	/* last interval */
	u64 limit[KSEC_NR_FEATURES];	/* what it was compared with */
	u64 intervals;
	u8 level;			/* 1 or 2 */
	u8 level_reason;		/* enum kvm_sec_level_reason */
	u8 verdict;			/* enum kvm_sec_verdict */
	u8 admin_level;			/* 0: HSEM decides; 1 or 2 */
	u32 peer_vm;			/* the other VM of the verdict, or 0 */
	u32 at_level2;			/* intervals at level 2 */
	u32 calm;			/* calm intervals in a row */
	unsigned int nr_reasons;
	struct ksec_reason reason[KSEC_MAX_REASONS];
	/* Per-VM rule; 0 fields take the global value. */
	struct ksec_hsem_rule own;
	/* vCPU and vhost CPU time (ns), VMM RSS (KiB) at the last interval */
	u64 last_cpu_ns, last_vhost_ns, last_rss;
	bool primed;
	unsigned long out;		/* features out of line, last interval */
	u64 named_at;			/* interval a victim last named it */
	u64 peer_at;			/* a victim: its attacker last seen */
	u32 epoch;			/* of the interval its history is in */
	u32 epoch_ms;			/* that interval; 0 until judged */
	u32 near_win;			/* near capacity, last intervals (bit 0) */
	u32 vcpus;			/* online, at the last interval */
	bool near_capacity;		/* ... and clean: HREM's finding */
	u8 limits;			/* HSEM's limits set: why; 0 none */
	bool cpu_judged;		/* its verdict was for its CPU too */
	bool held_clear;		/* cleared with no demand of its own */
	u64 paced[KSEC_LIM_EXIT_NR];	/* its exits paced, last interval */
};

/* A copy for netlink and events. */
struct ksec_hsem_view {
	struct ksec_hsem s;
	struct ksec_hsem_rule rule;	/* in force for the VM */
};

struct ksec_vm;

void ksec_hsem_init(struct ksec_hsem *h);
/*
 * Every interval, from the sampler, after the rates (sleeps): the
 * interval and its epoch (sampler.c).
 */
void ksec_hsem_judge_all(u32 interval_ms, u32 epoch);
void ksec_hsem_fill_view(struct ksec_vm *vm, struct ksec_hsem_view *v);
/* Level, verdict and HREM's near-capacity finding only, for GET_VM. */
void ksec_hsem_summary(struct ksec_vm *vm, u8 *level, u8 *verdict,
		       bool *near_capacity);
/* 0: HSEM decides; 1 or 2: the admin's. */
void ksec_hsem_command_level(struct ksec_vm *vm, u8 level);

void ksec_hsem_get_rule(struct ksec_hsem_rule *r);
/*
 * The fields of @given in @mask (bits 1 << KVM_SEC_RULE_x) replace the
 * global rule's, or the VM's own (where 0 means the global value), if the
 * result is valid; -EINVAL, and nothing changes, otherwise.
 */
int ksec_hsem_update_rule(const struct ksec_hsem_rule *given, u32 mask);
int ksec_hsem_update_vm_rule(struct ksec_vm *vm,
			     const struct ksec_hsem_rule *given, u32 mask);
bool ksec_hsem_rule_valid(const struct ksec_hsem_rule *r);
/* A VM's own rule (0 fields: the global's) gives a valid rule. */
bool ksec_hsem_own_rule_valid(const struct ksec_hsem_rule *own);

/* A copy of the VM's decision state, and its replacement (state.c). */
void ksec_hsem_export(struct ksec_vm *vm, struct ksec_hsem *out);
/*
 * Replace what moves with the VM by @in (checked by the caller); then the
 * level, verdict and capacity events, HSEM's limits and the guest's
 * command follow (@guest: the level the admin holds it at is commanded
 * to its guest, whose state exists). @learned_ms: the sampling interval
 * it was learned at.
 */
void ksec_hsem_import(struct ksec_vm *vm, const struct ksec_hsem *in,
		      u32 learned_ms, bool guest);

#endif /* KSEC_HSEM_H */
