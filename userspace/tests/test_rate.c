// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the sampler's arithmetic and the token bucket (kvm-sec/rate.h). */
#include "check.h"
#include "rate.h"

static void test_rates(void)
{
	CHECK(ksec_rate_per_s(0, NSEC_PER_SEC) == 0);
	CHECK(ksec_rate_per_s(1000, NSEC_PER_SEC) == 1000);
	CHECK(ksec_rate_per_s(1000, NSEC_PER_SEC / 2) == 2000);
	CHECK(ksec_rate_per_s(1, 3 * NSEC_PER_SEC) == 0);
	/*
	 * 3e10 events in 60 s: 5e8 per second. With a 64-bit product,
	 * 3e10 * 1e9 wraps and the rate came out as 192 million.
	 */
	CHECK(ksec_rate_per_s(30000000000ull, 60 * NSEC_PER_SEC) == 500000000ull);
	/* The largest counts still come out right. */
	CHECK(ksec_rate_per_s(UINT64_MAX, NSEC_PER_SEC) == UINT64_MAX);
	CHECK(ksec_rate_per_s(UINT64_MAX / 2, 2 * NSEC_PER_SEC) ==
	      UINT64_MAX / 4);
}

static void test_elapsed(void)
{
	CHECK(ksec_sample_elapsed(2000, 1000) == 1000);
	/* A VM added after the clock was read: no sample, no huge value. */
	CHECK(ksec_sample_elapsed(1000, 1001) == 0);
	CHECK(ksec_sample_elapsed(1000, 1000) == 0);
}

/*
 * The guest report limit: a burst, then the average rate, and never more
 * than burst + rate in any one-second window. A fixed one-second window let
 * twice the rate through around its edge: 20 at 0.999 s and 20 at 1.001 s.
 */
static void test_bucket(void)
{
	const u64 ms = NSEC_PER_SEC / 1000;
	static u64 accepted_at[20000];
	struct ksec_bucket b = { 0 };
	unsigned int n = 0, i, j, taken = 0;
	u64 t;

	for (i = 0; i < 20; i++)
		taken += ksec_bucket_take(&b, 999 * ms, 20, 5);
	for (i = 0; i < 20; i++)
		taken += ksec_bucket_take(&b, 1001 * ms, 20, 5);
	CHECK(taken == 5);

	/* One attempt a millisecond for 10 s: every window is bounded. */
	b.tat_ns = 0;
	for (t = 0; t < 10 * NSEC_PER_SEC; t += ms)
		if (ksec_bucket_take(&b, t, 20, 5))
			accepted_at[n++] = t;
	CHECK(n >= 200 && n <= 5 + 200);
	for (i = 0; i < n; i++) {
		for (j = i; j < n && accepted_at[j] < accepted_at[i] + NSEC_PER_SEC; j++)
			;
		CHECK(j - i <= 5 + 20);
	}

	/* Steady at the rate: every event passes. */
	b.tat_ns = 0;
	taken = 0;
	for (i = 0; i < 1000; i++)
		taken += ksec_bucket_take(&b, (u64)i * (NSEC_PER_SEC / 20), 20, 5);
	CHECK(taken == 1000);

	/* A burst of 1 is a plain minimum spacing. */
	b.tat_ns = 0;
	CHECK(ksec_bucket_take(&b, 0, 10, 1));
	CHECK(!ksec_bucket_take(&b, 99 * ms, 10, 1));
	CHECK(ksec_bucket_take(&b, 100 * ms, 10, 1));
}

int main(void)
{
	test_rates();
	test_elapsed();
	test_bucket();
	return check_done("test_rate");
}
