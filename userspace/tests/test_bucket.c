// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the token bucket of kvm-sec's limits (kvm-sec/bucket.h). */
#include "check.h"
#include "bucket.h"

#define MS	1000000ULL
#define SEC	(1000 * MS)

/* Offer a packet of @len every @step ns from @t0 for @span ns: passed. */
static u64 offer(struct ksec_bucket *b, u64 len, u64 t0, u64 step, u64 span)
{
	u64 t, passed = 0;

	for (t = t0; t < t0 + span; t += step)
		passed += ksec_bucket_take(b, len, t);
	return passed;
}

/*
 * The guest report limit (guest.c): 5 reports refilled at 20 a second. A
 * burst, then the average rate, and never more than burst + rate in any
 * one-second window. A fixed one-second window let twice the rate through
 * around its edge: 20 at 0.999 s and 20 at 1.001 s.
 */
static void test_reports(void)
{
	static u64 accepted_at[20000];
	unsigned int n = 0, i, j, taken = 0;
	struct ksec_bucket b;
	u64 t;

	ksec_bucket_set(&b, 5, 250, 0, 0);
	for (i = 0; i < 20; i++)
		taken += ksec_bucket_take(&b, 1, 999 * MS);
	for (i = 0; i < 20; i++)
		taken += ksec_bucket_take(&b, 1, 1001 * MS);
	CHECK(taken == 5);

	/* One attempt a millisecond for 10 s: every window is bounded. */
	ksec_bucket_set(&b, 5, 250, 0, 0);
	for (t = 0; t < 10 * SEC; t += MS)
		if (ksec_bucket_take(&b, 1, t))
			accepted_at[n++] = t;
	CHECK(n >= 200 && n <= 5 + 200);
	for (i = 0; i < n; i++) {
		for (j = i; j < n && accepted_at[j] < accepted_at[i] + SEC; j++)
			;
		CHECK(j - i <= 5 + 20);
	}

	/* Steady at the rate: every event passes. */
	ksec_bucket_set(&b, 5, 250, 0, 0);
	taken = 0;
	for (i = 0; i < 1000; i++)
		taken += ksec_bucket_take(&b, 1, (u64)i * (SEC / 20));
	CHECK(taken == 1000);

	/* A bucket of 1 is a plain minimum spacing. */
	ksec_bucket_set(&b, 1, 100, 0, 0);
	CHECK(ksec_bucket_take(&b, 1, 0));
	CHECK(!ksec_bucket_take(&b, 1, 99 * MS));
	CHECK(ksec_bucket_take(&b, 1, 100 * MS));
}

int main(void)
{
	struct ksec_bucket b;
	u64 n;

	/* No limit: everything passes. */
	ksec_bucket_set(&b, 0, 0, 0, 0);
	CHECK(offer(&b, 1500, 0, 1000, SEC) == 1000000);

	/* 100 a second: full at first, then the refill rate. */
	ksec_bucket_set(&b, 100, 1000, 0, 0);
	n = offer(&b, 1, 0, MS, 10 * SEC);
	CHECK(n >= 1099 && n <= 1100);
	printf("test_bucket: 100/s offered 1000/s for 10 s: %llu passed\n",
	       (unsigned long long)n);

	/* The one-time burst goes first, and only once. */
	ksec_bucket_set(&b, 10, 1000, 50, 0);
	CHECK(offer(&b, 1, 0, 1, 60) == 60);
	CHECK(!ksec_bucket_take(&b, 1, 60));
	CHECK(b.burst == 0);
	CHECK(offer(&b, 1, 2 * SEC, 1, 100) == 10);

	/*
	 * No fraction is lost while it is not full: 1 token per 7 ms, asked
	 * for every 3 ms. Full, what it would gain is lost, as it should be:
	 * a bucket of 1 refilled every 7 ms, asked every 3 ms, passes one
	 * in 9 ms.
	 */
	ksec_bucket_set(&b, 100, 700, 0, 0);
	n = offer(&b, 1, 0, 3 * MS, 7000 * MS);
	CHECK(n == 1099 || n == 1100);
	ksec_bucket_set(&b, 1, 7, 0, 0);
	n = offer(&b, 1, 0, 3 * MS, 9000 * MS);
	CHECK(n == 1000 || n == 1001);

	/* Bytes: 1 MB a second, 1500-byte frames offered at 10 MB/s. */
	ksec_bucket_set(&b, 1000000, 1000, 0, 0);
	n = offer(&b, 1500, 0, 150000, 10 * SEC) * 1500;
	CHECK(n >= 10900000 && n <= 11001500);

	/*
	 * A frame larger than the bucket passes when full, empties it, and
	 * leaves a debt: 500 tokens beyond 1000 a second, half a second of
	 * no refill. Full again at 1.5 s, not before.
	 */
	ksec_bucket_set(&b, 1000, 1000, 0, 0);
	CHECK(ksec_bucket_take(&b, 1500, 0));
	CHECK(b.tokens == 0 && b.last_ns == 500 * MS);
	CHECK(!ksec_bucket_take(&b, 1, 400 * MS));
	CHECK(!ksec_bucket_take(&b, 1500, 1000 * MS));
	CHECK(b.tokens == 500);
	CHECK(ksec_bucket_take(&b, 1500, 1500 * MS));
	/* So a stream of large frames gets the rate, not a frame a refill. */
	ksec_bucket_set(&b, 1000, 1000, 0, 0);
	n = offer(&b, 4000, 0, MS, 10 * SEC) * 4000;
	CHECK(n >= 9000 && n <= 12000);
	/* The debt is bounded: 64 refills at most. */
	ksec_bucket_set(&b, 10, 1000, 0, 0);
	CHECK(ksec_bucket_take(&b, 1000000, 0));
	CHECK(b.last_ns == 64 * SEC);

	/* A clock that goes back changes nothing. */
	ksec_bucket_set(&b, 10, 1000, 0, 5 * SEC);
	CHECK(offer(&b, 1, 5 * SEC, 1, 10) == 10);
	CHECK(!ksec_bucket_take(&b, 1, 4 * SEC));
	CHECK(b.last_ns == 5 * SEC && b.tokens == 0);

	/* The bounds: the largest bucket after the longest silence. */
	CHECK(ksec_bucket_valid(KSEC_BUCKET_MAX - 1, KSEC_BUCKET_REFILL_MAX,
				KSEC_BUCKET_MAX - 1));
	CHECK(!ksec_bucket_valid(KSEC_BUCKET_MAX, 1000, 0));
	CHECK(!ksec_bucket_valid(100, 0, 0));
	CHECK(!ksec_bucket_valid(100, KSEC_BUCKET_REFILL_MAX + 1, 0));
	CHECK(!ksec_bucket_valid(0, 1000, 5));
	CHECK(ksec_bucket_valid(0, 0, 0));
	ksec_bucket_set(&b, KSEC_BUCKET_MAX - 1, 1, 0, 0);
	CHECK(ksec_bucket_take(&b, KSEC_BUCKET_MAX - 1, 0));
	CHECK(ksec_bucket_take(&b, KSEC_BUCKET_MAX - 1, UINT64_MAX));
	ksec_bucket_set(&b, KSEC_BUCKET_MAX - 1, KSEC_BUCKET_REFILL_MAX, 0, 0);
	CHECK(ksec_bucket_take(&b, KSEC_BUCKET_MAX - 1, 0));
	CHECK(!ksec_bucket_take(&b, KSEC_BUCKET_MAX - 1, 1800 * SEC));
	CHECK(b.tokens >= (KSEC_BUCKET_MAX - 1) / 2 - 1 &&
	      b.tokens <= (KSEC_BUCKET_MAX - 1) / 2);

	/* A lifted limit passes everything and keeps nothing. */
	ksec_bucket_set(&b, 0, 1000, 0, 0);
	CHECK(b.size == 0 && b.burst == 0 && b.refill_ns == 0);
	CHECK(ksec_bucket_take(&b, UINT64_MAX, 0));

	test_reports();
	return check_done("test_bucket");
}
