/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Turning counter deltas into per-second rates (the sampler, vm.c).
 *
 * This file is shared with the userspace unit tests (userspace/tests/).
 */
#ifndef KSEC_RATE_H
#define KSEC_RATE_H

#ifdef __KERNEL__
#include <linux/math64.h>
#include <linux/time64.h>
#include <linux/types.h>
#else
#include "rate_user.h"
#endif

/*
 * Nanoseconds a sample covers, or 0 if there is nothing to sample: a VM
 * added after the sampler read the clock has a start later than @now_ns.
 */
static inline u64 ksec_sample_elapsed(u64 now_ns, u64 last_ns)
{
	return now_ns > last_ns ? now_ns - last_ns : 0;
}

/*
 * @delta events in @elapsed_ns (> 0), per second. The product has 128
 * bits: delta * 10^9 overflows 64 bits from 1.8e10 events, which a busy
 * VM reaches in a long interval.
 */
static inline u64 ksec_rate_per_s(u64 delta, u64 elapsed_ns)
{
	return mul_u64_u64_div_u64(delta, NSEC_PER_SEC, elapsed_ns);
}

#endif /* KSEC_RATE_H */
