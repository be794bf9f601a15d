// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the sampler's arithmetic (kvm-sec/rate.h). */
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

int main(void)
{
	test_rates();
	test_elapsed();
	return check_done("test_rate");
}
