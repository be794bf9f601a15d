// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding HSEM's decisions (KVM_SEC_A_DECISION, enum kvm_sec_decision) and
 * the anomaly rule (KVM_SEC_A_RULE, enum kvm_sec_rule).
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>

#include "ipc_decision.h"

const char *const vsec_hfeat_key[VSEC_NR_HFEAT] = {
	"exits", "hypercalls", "pio", "mmio", "msr", "halts",
	"tx_packets", "tx_bytes", "rx_packets", "rx_bytes",
	"syn_unanswered", "rst_rx", "unreach_rx", "destinations", "sources",
	"cpu_permille", "memory_growth_kibps", "vhost_permille",
};

const char *const vsec_verdict_name[5] = {
	"none", "attacker", "victim", "overflow", "clear",
};

const char *const vsec_level_reason_name[5] = {
	"calm", "anomaly", "guest", "admin", "peer",
};

static struct nla_policy vsec_decision_policy[KVM_SEC_DECISION_MAX + 1] = {
	[KVM_SEC_DECISION_LEVEL]	= { .type = NLA_U8 },
	[KVM_SEC_DECISION_LEVEL_REASON]	= { .type = NLA_U8 },
	[KVM_SEC_DECISION_VERDICT]	= { .type = NLA_U8 },
	[KVM_SEC_DECISION_PEER_VM]	= { .type = NLA_U32 },
	[KVM_SEC_DECISION_AT_LEVEL2]	= { .type = NLA_U32 },
	[KVM_SEC_DECISION_NEAR_CAPACITY] = { .type = NLA_U8 },
	[KVM_SEC_DECISION_CALM]		= { .type = NLA_U32 },
	[KVM_SEC_DECISION_INTERVALS]	= { .type = NLA_U64 },
	[KVM_SEC_DECISION_REASONS]	= { .type = NLA_NESTED },
	[KVM_SEC_DECISION_FEATURES]	= { .type = NLA_NESTED },
	[KVM_SEC_DECISION_RULE]		= { .type = NLA_NESTED },
};

static struct nla_policy vsec_reason_policy[KVM_SEC_REASON_MAX + 1] = {
	[KVM_SEC_REASON_FEATURE]	= { .type = NLA_U8 },
	[KVM_SEC_REASON_VALUE]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_MEAN]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_SPREAD]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_LIMIT]		= { .type = NLA_U64 },
};

static struct nla_policy vsec_feature_policy[KVM_SEC_FEATURE_MAX + 1] = {
	[KVM_SEC_FEATURE_ID]		= { .type = NLA_U8 },
	[KVM_SEC_FEATURE_VALUE]		= { .type = NLA_U64 },
	[KVM_SEC_FEATURE_MEAN]		= { .type = NLA_U64 },
	[KVM_SEC_FEATURE_SPREAD]	= { .type = NLA_U64 },
	[KVM_SEC_FEATURE_LIMIT]		= { .type = NLA_U64 },
	[KVM_SEC_FEATURE_LEARNED]	= { .type = NLA_U32 },
	[KVM_SEC_FEATURE_WINDOW]	= { .type = NLA_U32 },
	[KVM_SEC_FEATURE_ANOMALOUS]	= { .type = NLA_FLAG },
};

static struct nla_policy vsec_rule_policy[KVM_SEC_RULE_MAX + 1] = {
	[KVM_SEC_RULE_K_TENTHS]	= { .type = NLA_U32 },
	[KVM_SEC_RULE_M]	= { .type = NLA_U8 },
	[KVM_SEC_RULE_N]	= { .type = NLA_U8 },
	[KVM_SEC_RULE_WARM]	= { .type = NLA_U32 },
	[KVM_SEC_RULE_DECIDE]	= { .type = NLA_U32 },
	[KVM_SEC_RULE_CALM]	= { .type = NLA_U32 },
	[KVM_SEC_RULE_LIMIT_LEVEL2_PCT] = { .type = NLA_U32 },
	[KVM_SEC_RULE_LIMIT_ATTACK_PCT] = { .type = NLA_U32 },
};

static uint64_t u64_or_0(struct nlattr *a)
{
	return a ? nla_get_u64(a) : 0;
}

static uint32_t u32_or_0(struct nlattr *a)
{
	return a ? nla_get_u32(a) : 0;
}

static uint8_t u8_or_0(struct nlattr *a)
{
	return a ? nla_get_u8(a) : 0;
}

int vsec_parse_rule(struct nlattr *nest, struct vsec_rule *r)
{
	struct nlattr *tb[KVM_SEC_RULE_MAX + 1];

	memset(r, 0, sizeof(*r));
	if (nla_parse_nested(tb, KVM_SEC_RULE_MAX, nest, vsec_rule_policy) < 0)
		return -EPROTO;
	r->present = true;
	r->k_tenths = u32_or_0(tb[KVM_SEC_RULE_K_TENTHS]);
	r->m = u8_or_0(tb[KVM_SEC_RULE_M]);
	r->n = u8_or_0(tb[KVM_SEC_RULE_N]);
	r->warm = u32_or_0(tb[KVM_SEC_RULE_WARM]);
	r->decide = u32_or_0(tb[KVM_SEC_RULE_DECIDE]);
	r->calm = u32_or_0(tb[KVM_SEC_RULE_CALM]);
	r->has_limits = tb[KVM_SEC_RULE_LIMIT_LEVEL2_PCT] &&
			tb[KVM_SEC_RULE_LIMIT_ATTACK_PCT];
	r->limit_level2_pct = u32_or_0(tb[KVM_SEC_RULE_LIMIT_LEVEL2_PCT]);
	r->limit_attack_pct = u32_or_0(tb[KVM_SEC_RULE_LIMIT_ATTACK_PCT]);
	return 0;
}

int vsec_put_rule(struct nl_msg *msg, const struct vsec_rule *r)
{
	struct nlattr *nest = nla_nest_start(msg, KVM_SEC_A_RULE | NLA_F_NESTED);

#define GIVEN(x) (r->given & (1u << KVM_SEC_RULE_##x))
	if (!nest ||
	    (GIVEN(K_TENTHS) && nla_put_u32(msg, KVM_SEC_RULE_K_TENTHS, r->k_tenths) < 0) ||
	    (GIVEN(M) && nla_put_u8(msg, KVM_SEC_RULE_M, r->m) < 0) ||
	    (GIVEN(N) && nla_put_u8(msg, KVM_SEC_RULE_N, r->n) < 0) ||
	    (GIVEN(WARM) && nla_put_u32(msg, KVM_SEC_RULE_WARM, r->warm) < 0) ||
	    (GIVEN(DECIDE) && nla_put_u32(msg, KVM_SEC_RULE_DECIDE, r->decide) < 0) ||
	    (GIVEN(CALM) && nla_put_u32(msg, KVM_SEC_RULE_CALM, r->calm) < 0) ||
	    (GIVEN(LIMIT_LEVEL2_PCT) &&
	     nla_put_u32(msg, KVM_SEC_RULE_LIMIT_LEVEL2_PCT, r->limit_level2_pct) < 0) ||
	    (GIVEN(LIMIT_ATTACK_PCT) &&
	     nla_put_u32(msg, KVM_SEC_RULE_LIMIT_ATTACK_PCT, r->limit_attack_pct) < 0))
		return -EMSGSIZE;
#undef GIVEN
	nla_nest_end(msg, nest);
	return 0;
}

static int parse_reason(struct nlattr *a, struct vsec_decision *d)
{
	struct nlattr *tb[KVM_SEC_REASON_MAX + 1];
	uint8_t f;

	if (nla_parse_nested(tb, KVM_SEC_REASON_MAX, a, vsec_reason_policy) < 0 ||
	    !tb[KVM_SEC_REASON_FEATURE])
		return -EPROTO;
	f = nla_get_u8(tb[KVM_SEC_REASON_FEATURE]);
	/* A newer module's feature, or more reasons than we keep: skipped. */
	if (f >= VSEC_NR_HFEAT || d->nr_reasons == VSEC_MAX_REASONS)
		return 0;
	d->reason[d->nr_reasons].feature = f;
	d->reason[d->nr_reasons].value = u64_or_0(tb[KVM_SEC_REASON_VALUE]);
	d->reason[d->nr_reasons].mean = u64_or_0(tb[KVM_SEC_REASON_MEAN]);
	d->reason[d->nr_reasons].spread = u64_or_0(tb[KVM_SEC_REASON_SPREAD]);
	d->reason[d->nr_reasons].limit = u64_or_0(tb[KVM_SEC_REASON_LIMIT]);
	d->nr_reasons++;
	return 0;
}

static int parse_feature(struct nlattr *a, struct vsec_decision *d)
{
	struct nlattr *tb[KVM_SEC_FEATURE_MAX + 1];
	uint8_t i;

	if (nla_parse_nested(tb, KVM_SEC_FEATURE_MAX, a, vsec_feature_policy) < 0 ||
	    !tb[KVM_SEC_FEATURE_ID])
		return -EPROTO;
	i = nla_get_u8(tb[KVM_SEC_FEATURE_ID]);
	if (i >= VSEC_NR_HFEAT)
		return 0;
	d->f[i].present = true;
	d->f[i].value = u64_or_0(tb[KVM_SEC_FEATURE_VALUE]);
	d->f[i].mean = u64_or_0(tb[KVM_SEC_FEATURE_MEAN]);
	d->f[i].spread = u64_or_0(tb[KVM_SEC_FEATURE_SPREAD]);
	d->f[i].limit = u64_or_0(tb[KVM_SEC_FEATURE_LIMIT]);
	d->f[i].learned = u32_or_0(tb[KVM_SEC_FEATURE_LEARNED]);
	d->f[i].window = u32_or_0(tb[KVM_SEC_FEATURE_WINDOW]);
	d->f[i].anomalous = tb[KVM_SEC_FEATURE_ANOMALOUS] != NULL;
	return 0;
}

int vsec_parse_decision(struct nlattr *nest, struct vsec_decision *d)
{
	struct nlattr *tb[KVM_SEC_DECISION_MAX + 1], *a;
	int rem;

	memset(d, 0, sizeof(*d));
	if (nla_parse_nested(tb, KVM_SEC_DECISION_MAX, nest,
			     vsec_decision_policy) < 0)
		return -EPROTO;
	d->present = true;
	d->level = u8_or_0(tb[KVM_SEC_DECISION_LEVEL]);
	d->level_reason = u8_or_0(tb[KVM_SEC_DECISION_LEVEL_REASON]);
	d->verdict = u8_or_0(tb[KVM_SEC_DECISION_VERDICT]);
	d->near_capacity = u8_or_0(tb[KVM_SEC_DECISION_NEAR_CAPACITY]) != 0;
	d->peer_vm = u32_or_0(tb[KVM_SEC_DECISION_PEER_VM]);
	d->at_level2 = u32_or_0(tb[KVM_SEC_DECISION_AT_LEVEL2]);
	d->calm = u32_or_0(tb[KVM_SEC_DECISION_CALM]);
	d->intervals = u64_or_0(tb[KVM_SEC_DECISION_INTERVALS]);
	if (tb[KVM_SEC_DECISION_REASONS])
		nla_for_each_nested(a, tb[KVM_SEC_DECISION_REASONS], rem)
			if (nla_type(a) == KVM_SEC_DECISION_REASON &&
			    parse_reason(a, d))
				return -EPROTO;
	if (tb[KVM_SEC_DECISION_FEATURES]) {
		d->has_features = true;
		nla_for_each_nested(a, tb[KVM_SEC_DECISION_FEATURES], rem)
			if (nla_type(a) == KVM_SEC_DECISION_FEATURE &&
			    parse_feature(a, d))
				return -EPROTO;
	}
	if (tb[KVM_SEC_DECISION_RULE] &&
	    vsec_parse_rule(tb[KVM_SEC_DECISION_RULE], &d->rule))
		return -EPROTO;
	return 0;
}
