// SPDX-License-Identifier: GPL-2.0
/* Unit tests of HSEM's history and anomaly rule (kvm-sec/baseline.h). */
#include "check.h"
#include "baseline.h"

static const struct ksec_rule rule = { .k_tenths = 40, .m = 2, .n = 3,
				       .warm = 10 };

/*
 * A deterministic generator: calm values around @mean, within +-@jitter,
 * bell-shaped (the sum of four uniform draws), as load noise is.
 */
static u64 calm(u64 mean, u64 jitter, u32 *state)
{
	u64 sum = 0;
	int i;

	for (i = 0; i < 4; i++) {
		*state = *state * 1103515245u + 12345u;
		sum += (*state >> 8) % (2 * jitter + 1);
	}
	return mean - jitter + sum / 4;
}

/* Feed @n calm intervals, learning each that was not out of line. */
static unsigned int feed(struct ksec_base *b, u64 mean, u64 jitter,
			 unsigned int n, u32 *state, u64 floor)
{
	unsigned int outs = 0, i;

	for (i = 0; i < n; i++) {
		u64 v = calm(mean, jitter, state);

		if (ksec_base_observe(b, &rule, v, floor, 1000000))
			outs++;
		else
			ksec_base_learn(b, &rule, v, floor);
	}
	return outs;
}

static void test_learning(void)
{
	struct ksec_base b = { 0 };
	u32 st = 1;

	/* The first value is the mean at once, not 1/8 of it. */
	ksec_base_learn(&b, &rule, 1000, 10);
	CHECK(ksec_base_mean(&b) == 1000 && ksec_base_spread(&b) == 0);
	ksec_base_learn(&b, &rule, 2000, 10);
	CHECK(ksec_base_mean(&b) == 1500);
	/* A steady feature: mean near it, spread near its deviation. */
	b = (struct ksec_base){ 0 };
	/* K = 4 spreads is about 3.2 standard deviations: rarely out of line. */
	CHECK(feed(&b, 10000, 100, 500, &st, 10) <= 2);
	CHECK(ksec_base_mean(&b) > 9950 && ksec_base_mean(&b) < 10050);
	CHECK(ksec_base_spread(&b) > 15 && ksec_base_spread(&b) < 35);
	CHECK(b.learned >= 498);
}

static void test_rule(void)
{
	struct ksec_base b = { 0 };
	u32 st = 7;
	int i;

	CHECK(ksec_rule_valid(&rule));
	feed(&b, 10000, 100, 200, &st, 10);
	b.window = 0;
	/* limit: mean + 4 x spread (about 23), well inside 10000 +- 400 */
	CHECK(ksec_base_limit(&b, &rule, 10, 0) < 10200);
	CHECK(ksec_base_limit(&b, &rule, 10, 0) > 10050);
	/* One interval far above: out of line, not yet an anomaly. */
	CHECK(ksec_base_observe(&b, &rule, 50000, 10, 0));
	CHECK(!ksec_base_anomalous(&b, &rule));
	/* A second within the window of 3: anomalous (M = 2). */
	CHECK(!ksec_base_observe(&b, &rule, 10000, 10, 0));
	CHECK(ksec_base_observe(&b, &rule, 50000, 10, 0));
	CHECK(ksec_base_anomalous(&b, &rule));
	/* Calm again: anomalous until the window forgets. */
	CHECK(!ksec_base_observe(&b, &rule, 10000, 10, 0));
	CHECK(!ksec_base_anomalous(&b, &rule));
	/* Bursts one in three never make an anomaly. */
	b.window = 0;
	for (i = 0; i < 30; i++) {
		ksec_base_observe(&b, &rule, i % 3 ? 10000 : 90000, 10, 0);
		CHECK(!ksec_base_anomalous(&b, &rule));
	}
}

/* A flat history: the floor decides, not a zero spread. */
static void test_floor(void)
{
	struct ksec_base b = { 0 };
	int i;

	for (i = 0; i < 50; i++)
		ksec_base_learn(&b, &rule, 0, 16);
	CHECK(ksec_base_spread(&b) == 0);
	CHECK(!ksec_base_observe(&b, &rule, 1, 16, 0));
	CHECK(!ksec_base_observe(&b, &rule, 64, 16, 0));
	CHECK(ksec_base_observe(&b, &rule, 65, 16, 0));
}

/* Warm-up: the ceiling decides until the history has learned enough. */
static void test_warmup(void)
{
	struct ksec_base b = { 0 };
	int i;

	/* A boot: values jump around but stay under the ceiling. */
	for (i = 0; i < 9; i++) {
		u64 v = i % 2 ? 50 : 5000;

		CHECK(!ksec_base_observe(&b, &rule, v, 10, 100000));
		ksec_base_learn(&b, &rule, v, 10);
	}
	/* Attacking from the start: over the ceiling, out of line. */
	b = (struct ksec_base){ 0 };
	CHECK(ksec_base_observe(&b, &rule, 200000, 10, 100000));
	CHECK(ksec_base_observe(&b, &rule, 200000, 10, 100000));
	CHECK(ksec_base_anomalous(&b, &rule));
}

/*
 * A slow ramp (0.1 % an interval, up for 300 intervals and down again, on
 * a feature that varies by +-3 %) is followed by the history and never
 * flagged; a step of 5x is, within M intervals.
 */
static void test_ramp(void)
{
	struct ksec_base b = { 0 };
	u32 st = 3;
	u64 base = 10000, v = 0;
	int i, outs = 0;

	for (i = 0; i < 600; i++) {
		base = i < 300 ? base + base / 1000 : base - base / 1000;
		v = calm(base, base * 3 / 100, &st);
		if (ksec_base_observe(&b, &rule, v, 10, 1000000))
			outs++;
		else
			ksec_base_learn(&b, &rule, v, 10);
		CHECK(!ksec_base_anomalous(&b, &rule));
	}
	CHECK(outs <= 3);
	CHECK(ksec_base_observe(&b, &rule, 5 * base, 10, 1000000));
	CHECK(ksec_base_observe(&b, &rule, 5 * base, 10, 1000000));
	CHECK(ksec_base_anomalous(&b, &rule));
}

/*
 * A guest that walks its history up: each interval just under the limit
 * is learned as mean + 2 spreads. Unclamped, the limit rose 1.375x an
 * interval (100 to 13 million packets a second in 40 intervals, never out
 * of line); now at most 1.125x.
 */
static void test_creep(void)
{
	struct ksec_base b = { 0 };
	u64 limit0, limit, spread;
	u32 st = 5;
	int i, outs = 0;

	feed(&b, 100, 5, 50, &st, 10);
	limit0 = ksec_base_limit(&b, &rule, 10, 0);
	spread = ksec_base_spread(&b) > 10 ? ksec_base_spread(&b) : 10;
	for (i = 0; i < 40; i++) {
		limit = ksec_base_limit(&b, &rule, 10, 0);
		if (ksec_base_observe(&b, &rule, limit, 10, 0))
			outs++;
		else
			ksec_base_learn(&b, &rule, limit, 10);
	}
	CHECK(outs == 0);
	limit = ksec_base_limit(&b, &rule, 10, 0);
	printf("test_baseline: 40 intervals at the limit: %llu -> %llu\n",
	       (unsigned long long)limit0, (unsigned long long)limit);
	CHECK(limit > limit0);
	CHECK(limit <= limit0 * 200);
	(void)spread;
	/* A blind +10 % an interval is caught. */
	b = (struct ksec_base){ 0 };
	feed(&b, 100, 5, 50, &st, 10);
	{
		u64 v = 100;
		bool caught = false;

		for (i = 0; i < 60 && !caught; i++) {
			v += v / 10;
			if (!ksec_base_observe(&b, &rule, v, 10, 0))
				ksec_base_learn(&b, &rule, v, 10);
			caught = ksec_base_anomalous(&b, &rule);
		}
		CHECK(caught);
	}
}

/* Values a guest can cause: nothing wraps, a huge value is out of line. */
static void test_extremes(void)
{
	struct ksec_rule r = { .k_tenths = 1000, .m = 32, .n = 32, .warm = 0 };
	struct ksec_base b = { 0 };
	int i;

	for (i = 0; i < 100; i++)
		ksec_base_learn(&b, &r, i % 2 ? 0 : UINT64_MAX, UINT64_MAX);
	CHECK(ksec_base_mean(&b) <= KSEC_BASE_VALUE_MAX);
	CHECK(ksec_base_spread(&b) <= KSEC_BASE_VALUE_MAX);
	CHECK(ksec_base_limit(&b, &r, UINT64_MAX, 0) >= ksec_base_mean(&b));
	b = (struct ksec_base){ 0 };
	ksec_base_learn(&b, &r, 10, 1);
	CHECK(ksec_base_observe(&b, &r, UINT64_MAX, 1, 0));
	for (i = 0; i < 31; i++)
		ksec_base_observe(&b, &r, UINT64_MAX, 1, 0);
	CHECK(ksec_base_anomalous(&b, &r));
	/* Invalid rules are refused. */
	r.m = 33;
	CHECK(!ksec_rule_valid(&r));
	r = rule;
	r.m = 4;
	CHECK(!ksec_rule_valid(&r));
	r = rule;
	r.k_tenths = 0;
	CHECK(!ksec_rule_valid(&r));
}

int main(void)
{
	test_learning();
	test_rule();
	test_floor();
	test_warmup();
	test_ramp();
	test_creep();
	test_extremes();
	return check_done("test_baseline");
}
