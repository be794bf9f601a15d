/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Activity limits on a VM's network, enforced in its tap hooks
 * (limit.c): token buckets for packets, bytes and new connections (TCP
 * SYNs without ACK), each way, and what each dropped.
 */
#ifndef KSEC_LIMIT_H
#define KSEC_LIMIT_H

#include <linux/spinlock.h>
#include <linux/types.h>

#include "bucket.h"

/* The order of enum kvm_sec_limit: TX (the VM sends) even, RX the next. */
enum ksec_limit_kind {
	KSEC_LIM_TX_PACKETS,
	KSEC_LIM_RX_PACKETS,
	KSEC_LIM_TX_BYTES,
	KSEC_LIM_RX_BYTES,
	KSEC_LIM_TX_SYN,
	KSEC_LIM_RX_SYN,
	KSEC_LIM_NR
};

struct ksec_limit_spec {
	u64 size;		/* tokens; 0: no limit */
	u64 refill_ms;
	u64 burst;		/* one-time tokens */
};

/* Who set a limit: HSEM's own never replace the admin's. */
enum ksec_limit_owner {
	KSEC_LIM_NONE,
	KSEC_LIM_ADMIN,
	KSEC_LIM_HSEM,
};

struct ksec_netlimit {
	/* Bit per kind in force; read by the hooks without the lock. */
	unsigned long active;
	spinlock_t lock;	/* below; taken with bottom halves off */
	struct ksec_bucket b[KSEC_LIM_NR];
	u8 owner[KSEC_LIM_NR];
	u64 drops[KSEC_LIM_NR];	/* frames each dropped, since the VM was found */
};

/* A copy, for netlink. */
struct ksec_limit_view {
	unsigned long active;
	struct ksec_limit_spec spec[KSEC_LIM_NR];
	u64 tokens[KSEC_LIM_NR];
	u64 drops[KSEC_LIM_NR];
	u8 owner[KSEC_LIM_NR];
};

void ksec_limit_init(struct ksec_netlimit *l);
bool ksec_limit_spec_valid(const struct ksec_limit_spec *s);
/*
 * The admin sets (or, size 0, lifts) the limits of @given (bits of
 * KSEC_LIM_*) to @s[kind], all at once: a packet sees all or none of
 * them. Process context.
 */
void ksec_limit_set(struct ksec_netlimit *l, unsigned long given,
		    const struct ksec_limit_spec *s);
/*
 * HSEM sets (or lifts) one limit, unless the admin set it; true if that
 * changed it. Process context.
 */
bool ksec_limit_auto(struct ksec_netlimit *l, unsigned int kind,
		     const struct ksec_limit_spec *s);
void ksec_limit_fill_view(struct ksec_netlimit *l, struct ksec_limit_view *v);

bool __ksec_limit_pass(struct ksec_netlimit *l, bool rx, unsigned int len,
		       bool syn);

/*
 * From the hooks (bottom halves off): may a frame of @len bytes that the
 * VM sends (!@rx) or receives pass? A dropped one is counted.
 */
static inline bool ksec_limit_pass(struct ksec_netlimit *l, bool rx,
				   unsigned int len, bool syn)
{
	if (likely(!READ_ONCE(l->active)))
		return true;
	return __ksec_limit_pass(l, rx, len, syn);
}

#endif /* KSEC_LIMIT_H */
