/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for what peer_class.h uses (unit tests). */
#ifndef KSEC_PEER_CLASS_USER_H
#define KSEC_PEER_CLASS_USER_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

typedef uint8_t u8;
typedef uint32_t u32;
typedef uint64_t u64;

#define BIT(n) (1UL << (n))

static inline unsigned long __ffs(unsigned long x)
{
	return (unsigned long)__builtin_ctzl(x);
}

static inline u64 get_unaligned_be64(const void *p)
{
	const u8 *b = p;
	u64 v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

#endif
