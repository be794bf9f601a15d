/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for the kernel primitives rate.h uses (unit tests). */
#ifndef KSEC_RATE_USER_H
#define KSEC_RATE_USER_H

#include <stdbool.h>
#include <stdint.h>

typedef uint32_t u32;
typedef uint64_t u64;

#define NSEC_PER_SEC 1000000000ull
#define BIT_ULL(n) (1ULL << (n))

/* The kernel's: a * b / c with a 128-bit intermediate, rounded down. */
static inline u64 mul_u64_u64_div_u64(u64 a, u64 b, u64 c)
{
	return (u64)((unsigned __int128)a * b / c);
}

#endif
