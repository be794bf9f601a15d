/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A token bucket (a VM's network limits, limit.c; the guest reports a VM
 * may send, guest.c), as Firecracker's rate limiter: @size tokens, refilled
 * at @size per @refill_ns, and a one-time @burst of tokens spent before
 * the bucket's own and never refilled. A packet takes one token of a
 * packet bucket, or its length of a byte bucket; when there are too few
 * it takes none and is dropped. @size 0: no limit.
 *
 * Tokens are whole; a refill adds elapsed x size / refill (rounded down)
 * and moves the bucket's clock on by exactly what those tokens are worth,
 * so no fraction of a token is lost however often packets come. Full, the
 * clock is now: a bucket never saves more than @size.
 *
 * A frame larger than the bucket (a 64 KiB GSO frame, a bucket of 32 KiB)
 * would never pass: it passes when the bucket is full, empties it and
 * leaves a debt, the refill time of what it took beyond (at most 64
 * refills), during which nothing is refilled, as Firecracker's does.
 *
 * Bounds (checked by the caller, ksec_bucket_valid()): size and burst
 * below 2^40, refill from 1 ms to 1 hour. A refill adds at most @size
 * tokens, so every quotient below fits in 64 bits.
 *
 * No locking here: the caller holds the bucket's lock. Shared with the
 * userspace unit tests (userspace/tests/test_bucket.c).
 */
#ifndef KSEC_BUCKET_H
#define KSEC_BUCKET_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/math64.h>
#include <linux/types.h>
#else
#include "rate_user.h"
#endif

#define KSEC_BUCKET_MAX		BIT_ULL(40)
#define KSEC_BUCKET_REFILL_MIN	1ULL			/* ms */
#define KSEC_BUCKET_REFILL_MAX	3600000ULL		/* ms */
#define KSEC_BUCKET_NS_PER_MS	1000000ULL

struct ksec_bucket {
	u64 size;		/* 0: no limit */
	u64 refill_ns;
	u64 burst;		/* one-time tokens left */
	u64 tokens;
	u64 last_ns;		/* what the tokens were refilled up to */
};

static inline bool ksec_bucket_valid(u64 size, u64 refill_ms, u64 burst)
{
	if (!size)
		return !burst;
	return size < KSEC_BUCKET_MAX && burst < KSEC_BUCKET_MAX &&
	       refill_ms >= KSEC_BUCKET_REFILL_MIN &&
	       refill_ms <= KSEC_BUCKET_REFILL_MAX;
}

/* A new limit starts full, with its burst; @size 0 lifts it. */
static inline void ksec_bucket_set(struct ksec_bucket *b, u64 size,
				   u64 refill_ms, u64 burst, u64 now)
{
	b->size = size;
	b->refill_ns = size ? refill_ms * KSEC_BUCKET_NS_PER_MS : 0;
	b->burst = size ? burst : 0;
	b->tokens = size;
	b->last_ns = now;
}

static inline void ksec_bucket_refill(struct ksec_bucket *b, u64 now)
{
	u64 add;

	if (now <= b->last_ns)
		return;
	/* A whole refill time or more fills it: add stays <= size. */
	if (now - b->last_ns >= b->refill_ns)
		add = b->size;
	else
		add = mul_u64_u64_div_u64(now - b->last_ns, b->size,
					  b->refill_ns);
	if (add >= b->size - b->tokens) {
		b->tokens = b->size;
		b->last_ns = now;
	} else if (add) {
		b->tokens += add;
		b->last_ns += mul_u64_u64_div_u64(add, b->refill_ns, b->size);
	}
}

/* Refilled up to @now: may @n tokens be taken? Changes only the refill. */
static inline bool ksec_bucket_ok(struct ksec_bucket *b, u64 n, u64 now)
{
	u64 from_burst;

	if (!b->size)
		return true;
	ksec_bucket_refill(b, now);
	from_burst = n < b->burst ? n : b->burst;
	return n - from_burst <= b->tokens ||
	       (n > b->size && b->tokens == b->size);
}

/* Take @n tokens at @now: true if they were there (the packet passes). */
static inline bool ksec_bucket_take(struct ksec_bucket *b, u64 n, u64 now)
{
	u64 from_burst, over;

	if (!b->size)
		return true;
	if (!ksec_bucket_ok(b, n, now))
		return false;
	from_burst = n < b->burst ? n : b->burst;
	if (n - from_burst <= b->tokens) {
		b->burst -= from_burst;
		b->tokens -= n - from_burst;
		return true;
	}
	/* Larger than the bucket, which is full: a debt. */
	over = n - from_burst - b->size;
	b->burst -= from_burst;
	b->tokens = 0;
	b->last_ns = now + (over >= 64 * b->size ? 64 * b->refill_ns :
			    mul_u64_u64_div_u64(over, b->refill_ns, b->size));
	return true;
}

#endif
