/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for the kernel primitives baseline.h uses (unit tests). */
#ifndef KSEC_BASELINE_USER_H
#define KSEC_BASELINE_USER_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define U32_MAX UINT32_MAX
#define U64_MAX UINT64_MAX

static inline u64 div_u64(u64 a, u32 b)
{
	return a / b;
}

static inline unsigned int hweight32(u32 w)
{
	return (unsigned int)__builtin_popcount(w);
}

#endif
