/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HyperLogLog in integers (no FPU in the kernel), shared by the guest
 * driver (distinct destinations) and kvm-sec.ko (distinct peers per tap).
 * 2^bits registers of one byte; the hash must be one the counted party
 * cannot predict (SipHash with a random key), or it could aim at one
 * register.
 */
#ifndef _LINUX_VSEM_HLL_H
#define _LINUX_VSEM_HLL_H

#include <linux/bitops.h>
#include <linux/bug.h>
#include <linux/log2.h>
#include <linux/math64.h>
#include <linux/minmax.h>
#include <linux/types.h>

/* @hash's register (its top @bits bits), and its rank (1 to 65 - @bits). */
static inline unsigned int vsem_hll_slot(unsigned int bits, u64 hash, u8 *rank)
{
	u64 rest = hash << bits | BIT_ULL(bits - 1);

	*rank = 64 - fls64(rest) + 1;
	return hash >> (64 - bits);
}

/*
 * Raise register @idx to @rank. Racing writers may lose a rise: an
 * underestimate, never harm.
 */
static inline void vsem_hll_raise(u8 *reg, unsigned int idx, u8 rank)
{
	if (READ_ONCE(reg[idx]) < rank)
		WRITE_ONCE(reg[idx], rank);
}

static inline void vsem_hll_add(u8 *reg, unsigned int bits, u64 hash)
{
	u8 rank;
	unsigned int idx = vsem_hll_slot(bits, hash, &rank);

	vsem_hll_raise(reg, idx, rank);
}

/* log2(@x) in 16.16 fixed point, for @x >= 1. */
static inline u64 vsem_log2_fp(u64 x)
{
	unsigned int ip = ilog2(x), i;
	u64 frac = 0, y;

	/* y: x / 2^ip in 1.31 fixed point, within [1, 2) */
	y = ip >= 31 ? x >> (ip - 31) : x << (31 - ip);
	for (i = 0; i < 16; i++) {
		y = (y * y) >> 31;
		frac <<= 1;
		if (y >= (2ULL << 31)) {
			y >>= 1;
			frac |= 1;
		}
	}
	return (u64)ip << 16 | frac;
}

/*
 * Distinct values added to the 2^@bits registers @reg (7 <= @bits <= 11:
 * alpha m^2 << 24 must fit 64 bits), estimated. Few values: linear
 * counting, m ln(m / zeros); otherwise alpha m^2 / sum(2^-reg). Standard
 * error about 1.04 / sqrt(m): 3% with 2^10 registers, 6.5% with 2^8.
 */
static inline u64 vsem_hll_estimate(const u8 *reg, unsigned int bits)
{
	const u64 m = 1ULL << bits;
	unsigned int i, zeros = 0;
	u64 sum = 0, e, alpha;

	if (WARN_ON_ONCE(bits < 7 || bits > 11))
		return 0;
	for (i = 0; i < m; i++) {
		zeros += !reg[i];
		if (reg[i] <= 40)
			sum += 1ULL << (40 - reg[i]);
	}
	/* alpha_m = 0.7213 / (1 + 1.079 / m), in 16.16 fixed point */
	alpha = div64_u64(47271ULL * 1000 * m, 1000 * m + 1079);
	/* alpha m^2 / (sum / 2^40) */
	e = div64_u64(alpha * m * m << 24, max_t(u64, sum, 1));
	if (e <= 5 * m / 2 && zeros) {
		/* m ln(m / zeros) = m (log2 m - log2 zeros) ln 2 */
		e = (m * (vsem_log2_fp(m) - vsem_log2_fp(zeros)) * 45426) >> 32;
	}
	return e;
}

#endif /* _LINUX_VSEM_HLL_H */
