/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for the kernel primitives topn.h uses (unit tests). */
#ifndef KSEC_TOPN_USER_H
#define KSEC_TOPN_USER_H

#include <stdint.h>

typedef uint64_t u64;

#define WRITE_ONCE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELAXED)
#define READ_ONCE(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_RELEASE)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_ACQUIRE)

#endif
