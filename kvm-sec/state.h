/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's security state, out of and into the module (state.c). */
#ifndef KSEC_STATE_H
#define KSEC_STATE_H

#include <linux/types.h>
#include <net/netlink.h>
#include <linux/kvm_sec.h>

#include "hsem.h"
#include "limit.h"
#include "netlink.h"
#include "vm.h"

/* A state as parsed and checked, to apply. */
struct ksec_state {
	struct ksec_hsem h;		/* what moves of HSEM's (hsem.c) */
	u32 interval_ms;		/* the history was learned at */
	unsigned long given;		/* the admin's limits */
	struct ksec_limit_spec spec[KSEC_LIM_NR];
	bool has_block;
	int block_tx, block_rx;
	bool h_guest;			/* the guest is commanded its level */
};

/* The memory ksec_put_state() works in. */
struct ksec_state_scratch {
	struct ksec_hsem h;
	struct ksec_limit_view lim;
};

/* Sizes: the nest with every part at its largest. */
static inline size_t ksec_state_size(void)
{
	size_t feature = nla_total_size(0) + nla_total_size(sizeof(u8)) +
			 4 * nla_total_size_64bit(sizeof(u64)) +
			 2 * nla_total_size(sizeof(u32));
	size_t bucket = nla_total_size(0) +
			2 * nla_total_size_64bit(sizeof(u64)) +
			nla_total_size(sizeof(u32));

	return nla_total_size(0) +
	       6 * nla_total_size(sizeof(u32)) +
	       4 * nla_total_size(sizeof(u8)) +
	       3 * nla_total_size_64bit(sizeof(u64)) +
	       ksec_reasons_size() +
	       nla_total_size(0) + KSEC_NR_FEATURES * feature +
	       ksec_rule_size() +
	       nla_total_size(0) + KSEC_LIM_NR * bucket +
	       nla_total_size(0) + 2 * nla_total_size(sizeof(u32));
}

/* KVM_SEC_A_VM_STATE of @vm. */
int ksec_put_state(struct sk_buff *skb, struct ksec_vm *vm,
		   struct ksec_state_scratch *s);
/* Parse and check the whole of @attr; nothing is applied. */
int ksec_parse_state(const struct nlattr *attr, struct ksec_state *st,
		     struct netlink_ext_ack *extack);
/* Give @vm the state @st (process context): 0 or -ENOMEM (no change). */
int ksec_state_apply(struct ksec_vm *vm, struct ksec_state *st);

#endif /* KSEC_STATE_H */
