/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM's learned history of one feature, and the rule that says when the
 * feature is out of line with it (HSEM, hsem.c).
 *
 * History. Per feature, an exponentially weighted moving average of the
 * value per interval (the mean) and of its absolute deviation from the
 * mean (the spread), weight 1/KSEC_BASE_WEIGHT; the first intervals are
 * plain averages, so that the history does not start at zero. Both are
 * fixed point with KSEC_BASE_SHIFT fraction bits. The caller teaches an
 * interval only when the whole VM was calm in it: no feature out of line,
 * level 1, no verdict. An attack never becomes the history.
 *
 * Creep is slowed, not stopped. Once the warm-up is over, a value is
 * learned as at most mean + 2 spreads (the floor, if larger): a guest
 * that keeps every interval just under the limit makes its spread grow
 * 1/8 an interval at most, and the limit about 1.09x an interval
 * (unclamped: 1.375x; test_baseline prints 140 -> 3,900 in 40 intervals
 * where it was 13 million). Normal noise rarely reaches 2 spreads: the
 * clamp leaves the statistics of a calm VM as they are. A long-term
 * reference would bound it further (Documentation/kvm-sec/decisions.rst).
 *
 * The rule. A feature is out of line in an interval when its value is
 * above mean + K x max(spread, floor); K is given in tenths. The floor
 * keeps a flat history (a VM that never makes a hypercall) from flagging
 * one hypercall. The feature is anomalous when it was out of line in at
 * least M of the last N intervals (N <= 32): one odd interval is not an
 * anomaly, a sustained rise is, within M intervals of its start.
 *
 * Warm-up. Until a feature has learned from KSEC_BASE_WARM intervals the
 * mean means little, so the rule compares the value with the feature's
 * warm-up ceiling instead: an absolute rate no calm VM reaches (set per
 * feature, configurable). A VM that attacks from its first second is seen;
 * a VM that boots is not flagged.
 *
 * This file is shared with the userspace unit tests (userspace/tests/).
 */
#ifndef KSEC_BASELINE_H
#define KSEC_BASELINE_H

#ifdef __KERNEL__
#include <linux/bitops.h>
#include <linux/kernel.h>
#include <linux/math64.h>
#include <linux/types.h>
#else
#include "baseline_user.h"
#endif

#define KSEC_BASE_SHIFT		4	/* fraction bits of mean and spread */
#define KSEC_BASE_WEIGHT	8	/* the EWMA's 1/weight */
#define KSEC_BASE_MAX_N		32	/* longest window of the M-of-N rule */
/*
 * Values above this (5.6e14 a second) are taken as this: in fixed point a
 * mean or spread is below 2^53, K x spread below 2^63.
 */
#define KSEC_BASE_VALUE_MAX	(U64_MAX >> (KSEC_BASE_SHIFT + 11))

struct ksec_base {
	u64 mean;	/* fixed point */
	u64 spread;	/* fixed point: mean absolute deviation */
	u32 learned;	/* intervals learned from, saturating */
	u32 window;	/* bit i: out of line i intervals ago */
};

/* The rule's parameters (validated by the caller: see ksec_rule_valid). */
struct ksec_rule {
	u32 k_tenths;	/* K, in tenths of a spread */
	u8 m;		/* out of line in at least M ... */
	u8 n;		/* ... of the last N intervals */
	u32 warm;	/* intervals learned before the history is used */
};

static inline bool ksec_rule_valid(const struct ksec_rule *r)
{
	return r->k_tenths >= 1 && r->k_tenths <= 1000 &&
	       r->n >= 1 && r->n <= KSEC_BASE_MAX_N &&
	       r->m >= 1 && r->m <= r->n && r->warm <= 100000;
}

static inline u64 ksec_base_clamp(u64 v)
{
	return v < KSEC_BASE_VALUE_MAX ? v : KSEC_BASE_VALUE_MAX;
}

/* The mean and spread in the feature's own unit, rounded to nearest. */
static inline u64 ksec_base_mean(const struct ksec_base *b)
{
	return (b->mean + (1u << (KSEC_BASE_SHIFT - 1))) >> KSEC_BASE_SHIFT;
}

static inline u64 ksec_base_spread(const struct ksec_base *b)
{
	return (b->spread + (1u << (KSEC_BASE_SHIFT - 1))) >> KSEC_BASE_SHIFT;
}

/*
 * The value above which an interval is out of line, in the feature's
 * unit: mean + K x max(spread, floor), saturating; the warm-up ceiling
 * while the history is young.
 */
static inline u64 ksec_base_limit(const struct ksec_base *b,
				  const struct ksec_rule *r, u64 floor,
				  u64 warm_ceiling)
{
	u64 spread, margin;

	if (b->learned < r->warm)
		return warm_ceiling;
	floor = ksec_base_clamp(floor) << KSEC_BASE_SHIFT;
	spread = b->spread > floor ? b->spread : floor;
	/* spread < 2^53 and k_tenths <= 1000: the product fits in 64 bits */
	margin = div_u64(spread * r->k_tenths, 10);
	return (b->mean + margin) >> KSEC_BASE_SHIFT;
}

/*
 * Record one interval's @value: returns whether it was out of line, and
 * shifts that into the window.
 */
static inline bool ksec_base_observe(struct ksec_base *b,
				     const struct ksec_rule *r, u64 value,
				     u64 floor, u64 warm_ceiling)
{
	bool out = ksec_base_clamp(value) >
		   ksec_base_limit(b, r, floor, warm_ceiling);

	b->window = (b->window << 1) | out;
	return out;
}

/* At least M of the last N intervals out of line. */
static inline bool ksec_base_anomalous(const struct ksec_base *b,
				       const struct ksec_rule *r)
{
	u32 mask = r->n >= 32 ? ~0u : (1u << r->n) - 1;

	return hweight32(b->window & mask) >= r->m;
}

/*
 * Teach the history a calm interval's @value; once the history counts
 * (warm-up over), as at most mean + 2 x max(spread, @floor).
 */
static inline void ksec_base_learn(struct ksec_base *b,
				   const struct ksec_rule *r, u64 value,
				   u64 floor)
{
	u64 x = ksec_base_clamp(value) << KSEC_BASE_SHIFT;
	u64 w = b->learned < KSEC_BASE_WEIGHT ? b->learned + 1 :
						KSEC_BASE_WEIGHT;
	u64 dev, step;

	if (b->learned >= r->warm && b->learned) {
		floor = ksec_base_clamp(floor) << KSEC_BASE_SHIFT;
		step = b->spread > floor ? b->spread : floor;
		if (x > b->mean + 2 * step)
			x = b->mean + 2 * step;
	}
	dev = x > b->mean ? x - b->mean : b->mean - x;

	/* Both stay between the old value and x (or |x - mean|): no wrap. */
	if (x > b->mean)
		b->mean += div_u64(x - b->mean, w);
	else
		b->mean -= div_u64(b->mean - x, w);
	if (b->learned == 0)
		b->spread = 0;
	else if (dev > b->spread)
		b->spread += div_u64(dev - b->spread, w);
	else
		b->spread -= div_u64(b->spread - dev, w);
	if (b->learned < U32_MAX)
		b->learned++;
}

#endif /* KSEC_BASELINE_H */
