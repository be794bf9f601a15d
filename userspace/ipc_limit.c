// SPDX-License-Identifier: GPL-2.0
/* A VM's limits over netlink: KVM_SEC_A_VM_LIMITS both ways. */
#include <errno.h>
#include <string.h>

#include "ipc_limit.h"

const char *const vsec_limit_key[VSEC_NR_LIMIT] = {
	"tx_packets", "rx_packets", "tx_bytes", "rx_bytes", "tx_syn", "rx_syn",
	"hypercalls", "pio", "mmio", "cpu",
};

const char *const vsec_limit_reason_name[5] = {
	"admin", "level2", "verdict", "calm", "agent",
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

static struct nla_policy vsec_agent_policy[KVM_SEC_AGENT_MAX + 1] = {
	[KVM_SEC_AGENT_CPU_QUOTA_US]	= { .type = NLA_U64 },
	[KVM_SEC_AGENT_CPU_PERIOD_US]	= { .type = NLA_U32 },
	[KVM_SEC_AGENT_WEIGHT]		= { .type = NLA_U32 },
	[KVM_SEC_AGENT_THREADS]		= { .type = NLA_U32 },
	[KVM_SEC_AGENT_ERROR]		= { .type = NLA_U32 },
	[KVM_SEC_AGENT_CGROUP]		= { .type = NLA_STRING },
	[KVM_SEC_AGENT_AGE_MS]		= { .type = NLA_U64 },
};

static struct nla_policy vsec_block_policy[KVM_SEC_BLOCK_MAX + 1] = {
	[KVM_SEC_BLOCK_TX]		= { .type = NLA_U32 },
	[KVM_SEC_BLOCK_RX]		= { .type = NLA_U32 },
	[KVM_SEC_BLOCK_SET_BY]		= { .type = NLA_U8 },
	[KVM_SEC_BLOCK_TX_DROPS]	= { .type = NLA_NESTED },
	[KVM_SEC_BLOCK_RX_DROPS]	= { .type = NLA_NESTED },
};

static struct nla_policy vsec_block_drops_policy[KVM_SEC_BLOCK_DROPS_MAX + 1] = {
	[KVM_SEC_BLOCK_DROPS_OUTSIDE]	= { .type = NLA_U64 },
	[KVM_SEC_BLOCK_DROPS_INSIDE]	= { .type = NLA_U64 },
	[KVM_SEC_BLOCK_DROPS_THIS_HOST]	= { .type = NLA_U64 },
	[KVM_SEC_BLOCK_DROPS_LINK]	= { .type = NLA_U64 },
};

static uint64_t u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t u32_or_0(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static int parse_agent(struct nlattr *nest, struct vsec_agent *g)
{
	struct nlattr *tb[KVM_SEC_AGENT_MAX + 1];

	memset(g, 0, sizeof(*g));
	if (nla_parse_nested(tb, KVM_SEC_AGENT_MAX, nest, vsec_agent_policy) < 0)
		return -EPROTO;
	g->present = true;
	g->cpu_quota_us = u64_or_0(tb[KVM_SEC_AGENT_CPU_QUOTA_US]);
	g->age_ms = u64_or_0(tb[KVM_SEC_AGENT_AGE_MS]);
	g->cpu_period_us = u32_or_0(tb[KVM_SEC_AGENT_CPU_PERIOD_US]);
	g->weight = u32_or_0(tb[KVM_SEC_AGENT_WEIGHT]);
	g->threads = u32_or_0(tb[KVM_SEC_AGENT_THREADS]);
	g->error = u32_or_0(tb[KVM_SEC_AGENT_ERROR]);
	if (tb[KVM_SEC_AGENT_CGROUP])
		nla_strlcpy(g->cgroup, tb[KVM_SEC_AGENT_CGROUP],
			    sizeof(g->cgroup));
	return 0;
}

static int parse_block(struct nlattr *nest, struct vsec_block *b)
{
	struct nlattr *tb[KVM_SEC_BLOCK_MAX + 1];
	struct nlattr *dt[KVM_SEC_BLOCK_DROPS_MAX + 1];
	int dir, c;

	memset(b, 0, sizeof(*b));
	if (nla_parse_nested(tb, KVM_SEC_BLOCK_MAX, nest, vsec_block_policy) < 0)
		return -EPROTO;
	b->present = true;
	b->classes[0] = u32_or_0(tb[KVM_SEC_BLOCK_TX]);
	b->classes[1] = u32_or_0(tb[KVM_SEC_BLOCK_RX]);
	b->set_by = tb[KVM_SEC_BLOCK_SET_BY] ?
		nla_get_u8(tb[KVM_SEC_BLOCK_SET_BY]) : 0;
	for (dir = 0; dir < 2; dir++) {
		struct nlattr *d = tb[dir ? KVM_SEC_BLOCK_RX_DROPS :
					    KVM_SEC_BLOCK_TX_DROPS];

		if (!d)
			continue;
		if (nla_parse_nested(dt, KVM_SEC_BLOCK_DROPS_MAX, d,
				     vsec_block_drops_policy) < 0)
			return -EPROTO;
		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
			b->drops[dir][c] =
				u64_or_0(dt[KVM_SEC_BLOCK_DROPS_OUTSIDE + c]);
	}
	return 0;
}

int vsec_parse_limits_msg(struct nlattr **tb, struct vsec_limits *l)
{
	struct nlattr *t = tb[KVM_SEC_A_VM_VCPU_TIDS];

	if (tb[KVM_SEC_A_VM_LIMITS]) {
		if (vsec_parse_limits(tb[KVM_SEC_A_VM_LIMITS], l))
			return -EPROTO;
	} else {
		/* No limit ever set: an empty nest, or none. */
		memset(l, 0, sizeof(*l));
		l->present = true;
		l->reason = -1;
	}
	if (tb[KVM_SEC_A_LIMIT_REASON])
		l->reason = nla_get_u8(tb[KVM_SEC_A_LIMIT_REASON]);
	if (tb[KVM_SEC_A_VM_PID])
		l->pid = nla_get_u32(tb[KVM_SEC_A_VM_PID]);
	if (tb[KVM_SEC_A_VM_NEAR_CAPACITY]) {
		l->has_near_capacity = true;
		l->near_capacity = nla_get_u8(tb[KVM_SEC_A_VM_NEAR_CAPACITY]);
	}
	if (t) {
		size_t n = (size_t)nla_len(t) / sizeof(uint32_t);

		if (nla_len(t) % sizeof(uint32_t) || n > KVM_SEC_VCPU_TIDS_MAX)
			return -EPROTO;
		memcpy(l->tids, nla_data(t), n * sizeof(uint32_t));
		l->nr_tids = (uint32_t)n;
	}
	if (tb[KVM_SEC_A_VM_AGENT] &&
	    parse_agent(tb[KVM_SEC_A_VM_AGENT], &l->agent))
		return -EPROTO;
	if (tb[KVM_SEC_A_VM_BLOCK] &&
	    parse_block(tb[KVM_SEC_A_VM_BLOCK], &l->block))
		return -EPROTO;
	return 0;
}

int vsec_put_agent(struct nl_msg *msg, const struct vsec_agent *g)
{
	struct nlattr *nest = nla_nest_start(msg, KVM_SEC_A_VM_AGENT);

	if (!nest ||
	    nla_put_u64(msg, KVM_SEC_AGENT_CPU_QUOTA_US, g->cpu_quota_us) < 0 ||
	    nla_put_u32(msg, KVM_SEC_AGENT_CPU_PERIOD_US, g->cpu_period_us) < 0 ||
	    nla_put_u32(msg, KVM_SEC_AGENT_WEIGHT, g->weight) < 0 ||
	    nla_put_u32(msg, KVM_SEC_AGENT_THREADS, g->threads) < 0 ||
	    nla_put_u32(msg, KVM_SEC_AGENT_ERROR, g->error) < 0 ||
	    nla_put_string(msg, KVM_SEC_AGENT_CGROUP, g->cgroup) < 0)
		return -EMSGSIZE;
	nla_nest_end(msg, nest);
	return 0;
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
	const struct vsec_block *b = &l->block;
	struct nlattr *nest, *one;
	int i;

	if (b->given[0] || b->given[1]) {
		nest = nla_nest_start(msg, KVM_SEC_A_VM_BLOCK);
		if (!nest ||
		    (b->given[0] &&
		     nla_put_u32(msg, KVM_SEC_BLOCK_TX, b->classes[0]) < 0) ||
		    (b->given[1] &&
		     nla_put_u32(msg, KVM_SEC_BLOCK_RX, b->classes[1]) < 0))
			return -EMSGSIZE;
		nla_nest_end(msg, nest);
	}
	for (i = 0; i < VSEC_NR_LIMIT; i++)
		if (l->l[i].given)
			break;
	if (i == VSEC_NR_LIMIT)
		return 0;
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
