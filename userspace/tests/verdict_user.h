/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace stand-ins for the kernel primitives verdict.h uses (unit tests). */
#ifndef KSEC_VERDICT_USER_H
#define KSEC_VERDICT_USER_H

#include <stdbool.h>
#include <stdint.h>

typedef uint8_t u8;

#define BIT(n) (1ul << (n))

#endif
