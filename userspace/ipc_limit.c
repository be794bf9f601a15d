// SPDX-License-Identifier: GPL-2.0
/* A VM's limits over netlink: KVM_SEC_A_VM_LIMITS both ways. */
#include <errno.h>
#include <string.h>

#include "ipc_limit.h"

const char *const vsec_limit_key[VSEC_NR_LIMIT] = {
	"tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "tx_syn", "rx_syn",
	"hypercalls", "pio", "mmio",
};

const char *const vsec_limit_reason_name[4] = {
	"admin", "level2", "verdict", "calm",
};

const char *const vsec_limit_owner_name[3] = { "none", "admin", "hsem" };

/* Lengths are checked by the policy: libnl's nla_get_* do not. */
static struct nla_policy vsec_bucket_policy[KVM_SEC_BUCKET_MAX + 1] = {
	[KVM_SEC_BUCKET_SIZE]		= { .type = NLA_U64 },
	[KVM_SEC_BUCKET_REFILL_MS]	= { .type = NLA_U32 },
	[KVM_SEC_BUCKET_BURST]		= { .type = NLA_U64 },
	[KVM_SEC_BUCKET_TOKENS]		= { .type = NLA_U64 },
	[KVM_SEC_BUCKET_DROPS]		= { .type = NLA_U64 },
	[KVM_SEC_BUCKET_SET_BY]		= { .type = NLA_U8 },
	[KVM_SEC_BUCKET_WAIT_US]	= { .type = NLA_U64 },
};

static uint64_t u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

int vsec_parse_limits(struct nlattr *nest, struct vsec_limits *l)
{
	struct nlattr *tb[KVM_SEC_LIMIT_MAX + 1];
	struct nlattr *bt[KVM_SEC_BUCKET_MAX + 1];
	int i;

	memset(l, 0, sizeof(*l));
	l->reason = -1;
	if (nla_parse_nested(tb, KVM_SEC_LIMIT_MAX, nest, NULL) < 0)
		return -EPROTO;
	for (i = 0; i < VSEC_NR_LIMIT; i++) {
		struct nlattr *a = tb[KVM_SEC_LIMIT_TX_PACKETS + i];

		if (!a)
			continue;
		if (nla_parse_nested(bt, KVM_SEC_BUCKET_MAX, a,
				     vsec_bucket_policy) < 0)
			return -EPROTO;
		l->l[i].present = true;
		l->l[i].size = u64_or_0(bt[KVM_SEC_BUCKET_SIZE]);
		l->l[i].refill_ms = bt[KVM_SEC_BUCKET_REFILL_MS] ?
			nla_get_u32(bt[KVM_SEC_BUCKET_REFILL_MS]) : 0;
		l->l[i].burst = u64_or_0(bt[KVM_SEC_BUCKET_BURST]);
		l->l[i].tokens = u64_or_0(bt[KVM_SEC_BUCKET_TOKENS]);
		l->l[i].drops = u64_or_0(bt[KVM_SEC_BUCKET_DROPS]);
		l->l[i].wait_us = u64_or_0(bt[KVM_SEC_BUCKET_WAIT_US]);
		l->l[i].set_by = bt[KVM_SEC_BUCKET_SET_BY] ?
			nla_get_u8(bt[KVM_SEC_BUCKET_SET_BY]) : 0;
	}
	l->present = true;
	return 0;
}

int vsec_put_limits(struct nl_msg *msg, const struct vsec_limits *l)
{
	struct nlattr *nest, *one;
	int i;

	nest = nla_nest_start(msg, KVM_SEC_A_VM_LIMITS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < VSEC_NR_LIMIT; i++) {
		if (!l->l[i].given)
			continue;
		one = nla_nest_start(msg, KVM_SEC_LIMIT_TX_PACKETS + i);
		if (!one ||
		    nla_put_u64(msg, KVM_SEC_BUCKET_SIZE, l->l[i].size) < 0 ||
		    (l->l[i].size &&
		     (nla_put_u32(msg, KVM_SEC_BUCKET_REFILL_MS,
				  l->l[i].refill_ms) < 0 ||
		      nla_put_u64(msg, KVM_SEC_BUCKET_BURST, l->l[i].burst) < 0)))
			return -EMSGSIZE;
		nla_nest_end(msg, one);
	}
	nla_nest_end(msg, nest);
	return 0;
}
