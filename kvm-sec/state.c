// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's security state, as it leaves and enters the module
 * (KVM_SEC_CMD_GET_STATE, KVM_SEC_CMD_SET_STATE): its learned history,
 * level, verdict and their reasons, its own rule, and the admin's limits
 * and destination-class rule. Counters, rates, tokens, the VM's ID and
 * anything HSEM derives again each interval are not part of it.
 *
 * The state comes back from outside (a file vsecctl saved, kept by an
 * operator across a module upgrade): it is checked as a whole, every value
 * against the range the module itself can produce and the fields against
 * each other, before anything of the VM changes. A state the module could
 * not have written is refused with a message that names the attribute.
 * Documentation/kvm-sec/state.rst.
 */
#include <linux/kernel.h>
#include <net/genetlink.h>
#include <linux/kvm_sec.h>

#include "guest.h"
#include "hsem.h"
#include "limit.h"
#include "netlink.h"
#include "pace.h"
#include "sampler.h"
#include "state.h"
#include "vm.h"

static_assert(KVM_SEC_STATE_SHIFT == KSEC_BASE_SHIFT);
static_assert(KVM_SEC_STATE_F_COUNT <= 32);

/* A mean or spread the history can hold (baseline.h). */
#define KSEC_STATE_FP_MAX	((u64)KSEC_BASE_VALUE_MAX << KSEC_BASE_SHIFT)

static struct netlink_range_validation ksec_state_fp_range = {
	.max = KSEC_STATE_FP_MAX,
};

static struct netlink_range_validation ksec_state_interval_range = {
	.min = KVM_SEC_INTERVAL_MIN_MS,
	.max = KVM_SEC_INTERVAL_MAX_MS,
};

static const struct nla_policy
ksec_state_feature_policy[KVM_SEC_STATE_FEATURE_MAX + 1] = {
	/* Pads before u64s, where unaligned access is slow. */
	[KVM_SEC_STATE_FEATURE_PAD]	= NLA_POLICY_EXACT_LEN(0),
	[KVM_SEC_STATE_FEATURE_ID]	= NLA_POLICY_MAX(NLA_U8,
							 KVM_SEC_F_COUNT - 1),
	[KVM_SEC_STATE_FEATURE_MEAN]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&ksec_state_fp_range),
	[KVM_SEC_STATE_FEATURE_SPREAD]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&ksec_state_fp_range),
	[KVM_SEC_STATE_FEATURE_LEARNED]	= { .type = NLA_U32 },
	[KVM_SEC_STATE_FEATURE_WINDOW]	= { .type = NLA_U32 },
	[KVM_SEC_STATE_FEATURE_VALUE]	= { .type = NLA_U64 },
	[KVM_SEC_STATE_FEATURE_LIMIT]	= { .type = NLA_U64 },
};

static const struct nla_policy ksec_state_reason_policy[KVM_SEC_REASON_MAX + 1] = {
	[KVM_SEC_REASON_PAD]		= NLA_POLICY_EXACT_LEN(0),
	[KVM_SEC_REASON_FEATURE]	= NLA_POLICY_MAX(NLA_U8,
							 KVM_SEC_F_COUNT - 1),
	[KVM_SEC_REASON_VALUE]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_MEAN]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_SPREAD]		= { .type = NLA_U64 },
	[KVM_SEC_REASON_LIMIT]		= { .type = NLA_U64 },
};

static const struct nla_policy ksec_state_policy[KVM_SEC_STATE_MAX + 1] = {
	[KVM_SEC_STATE_PAD]		= NLA_POLICY_EXACT_LEN(0),
	[KVM_SEC_STATE_VERSION]		= { .type = NLA_U32 },
	[KVM_SEC_STATE_INTERVAL_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&ksec_state_interval_range),
	[KVM_SEC_STATE_INTERVALS]	= { .type = NLA_U64 },
	[KVM_SEC_STATE_LEVEL]		= NLA_POLICY_RANGE(NLA_U8, 1, 2),
	[KVM_SEC_STATE_LEVEL_REASON]	= NLA_POLICY_MAX(NLA_U8,
							 KVM_SEC_LEVEL_PEER),
	[KVM_SEC_STATE_VERDICT]		= NLA_POLICY_MAX(NLA_U8,
							 KVM_SEC_VERDICT_CLEAR),
	[KVM_SEC_STATE_ADMIN_LEVEL]	= NLA_POLICY_MAX(NLA_U8, 2),
	[KVM_SEC_STATE_AT_LEVEL2]	= { .type = NLA_U32 },
	[KVM_SEC_STATE_CALM]		= { .type = NLA_U32 },
	[KVM_SEC_STATE_NAMED_AT]	= { .type = NLA_U64 },
	[KVM_SEC_STATE_PEER_AT]		= { .type = NLA_U64 },
	[KVM_SEC_STATE_NEAR_WIN]	= { .type = NLA_U32 },
	[KVM_SEC_STATE_FLAGS]		= NLA_POLICY_MASK(NLA_U32,
					BIT(KVM_SEC_STATE_F_COUNT) - 1),
	[KVM_SEC_STATE_REASONS]		= { .type = NLA_NESTED },
	[KVM_SEC_STATE_HISTORY]		= { .type = NLA_NESTED },
	/* Their policies are netlink.c's, applied when they are parsed. */
	[KVM_SEC_STATE_RULE]		= { .type = NLA_NESTED },
	[KVM_SEC_STATE_LIMITS]		= { .type = NLA_NESTED },
	[KVM_SEC_STATE_BLOCK]		= { .type = NLA_NESTED },
};

static int ksec_put_state_history(struct sk_buff *skb,
				  const struct ksec_hsem *h)
{
	struct nlattr *list, *one;
	unsigned int i;

	list = nla_nest_start(skb, KVM_SEC_STATE_HISTORY);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < KSEC_NR_FEATURES; i++) {
		const struct ksec_base *b = &h->base[i];

		one = nla_nest_start(skb, KVM_SEC_STATE_FEATURE);
		if (!one ||
		    nla_put_u8(skb, KVM_SEC_STATE_FEATURE_ID, i) ||
		    nla_put_u64_64bit(skb, KVM_SEC_STATE_FEATURE_MEAN, b->mean,
				      KVM_SEC_STATE_FEATURE_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_STATE_FEATURE_SPREAD,
				      b->spread, KVM_SEC_STATE_FEATURE_PAD) ||
		    nla_put_u32(skb, KVM_SEC_STATE_FEATURE_LEARNED, b->learned) ||
		    nla_put_u32(skb, KVM_SEC_STATE_FEATURE_WINDOW, b->window) ||
		    nla_put_u64_64bit(skb, KVM_SEC_STATE_FEATURE_VALUE,
				      h->value[i], KVM_SEC_STATE_FEATURE_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_STATE_FEATURE_LIMIT,
				      h->limit[i], KVM_SEC_STATE_FEATURE_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, list);
	return 0;
}

/* The fields of the VM's own rule that it sets (0: the global value). */
static int ksec_put_own_rule(struct sk_buff *skb,
			     const struct ksec_hsem_rule *r)
{
	struct nlattr *nest;

	if (!r->r.k_tenths && !r->r.m && !r->r.n && !r->r.warm &&
	    !r->decide && !r->calm && !r->limit_level2_pct &&
	    !r->limit_attack_pct)
		return 0;
	nest = nla_nest_start(skb, KVM_SEC_STATE_RULE);
	if (!nest ||
	    (r->r.k_tenths &&
	     nla_put_u32(skb, KVM_SEC_RULE_K_TENTHS, r->r.k_tenths)) ||
	    (r->r.m && nla_put_u8(skb, KVM_SEC_RULE_M, r->r.m)) ||
	    (r->r.n && nla_put_u8(skb, KVM_SEC_RULE_N, r->r.n)) ||
	    (r->r.warm && nla_put_u32(skb, KVM_SEC_RULE_WARM, r->r.warm)) ||
	    (r->decide && nla_put_u32(skb, KVM_SEC_RULE_DECIDE, r->decide)) ||
	    (r->calm && nla_put_u32(skb, KVM_SEC_RULE_CALM, r->calm)) ||
	    (r->limit_level2_pct &&
	     nla_put_u32(skb, KVM_SEC_RULE_LIMIT_LEVEL2_PCT,
			 r->limit_level2_pct)) ||
	    (r->limit_attack_pct &&
	     nla_put_u32(skb, KVM_SEC_RULE_LIMIT_ATTACK_PCT,
			 r->limit_attack_pct)))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The admin's limits and rule in force; HSEM's are derived again. */
static int ksec_put_admin_limits(struct sk_buff *skb,
				 const struct ksec_limit_view *v)
{
	struct nlattr *nest = NULL, *one;
	unsigned int i;

	for (i = 0; i < KSEC_LIM_NR; i++) {
		const struct ksec_limit_spec *s = &v->spec[i];

		if (v->owner[i] != KSEC_LIM_ADMIN || !s->size)
			continue;
		if (!nest) {
			nest = nla_nest_start(skb, KVM_SEC_STATE_LIMITS);
			if (!nest)
				return -EMSGSIZE;
		}
		one = nla_nest_start(skb, KVM_SEC_LIMIT_TX_PACKETS + i);
		if (!one ||
		    nla_put_u64_64bit(skb, KVM_SEC_BUCKET_SIZE, s->size,
				      KVM_SEC_BUCKET_PAD) ||
		    nla_put_u32(skb, KVM_SEC_BUCKET_REFILL_MS, s->refill_ms) ||
		    (s->burst &&
		     nla_put_u64_64bit(skb, KVM_SEC_BUCKET_BURST, s->burst,
				       KVM_SEC_BUCKET_PAD)))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	if (nest)
		nla_nest_end(skb, nest);
	if (v->block_owner != KSEC_LIM_ADMIN || (!v->block[0] && !v->block[1]))
		return 0;
	nest = nla_nest_start(skb, KVM_SEC_STATE_BLOCK);
	if (!nest ||
	    nla_put_u32(skb, KVM_SEC_BLOCK_TX, v->block[0]) ||
	    nla_put_u32(skb, KVM_SEC_BLOCK_RX, v->block[1]))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int ksec_put_state(struct sk_buff *skb, struct ksec_vm *vm,
		   struct ksec_state_scratch *s)
{
	const struct ksec_hsem *h = &s->h;
	struct nlattr *nest;
	u32 flags = 0;

	ksec_hsem_export(vm, &s->h);
	ksec_limit_fill_view(&vm->lim, &s->lim);
	if (h->near_capacity)
		flags |= BIT(KVM_SEC_STATE_F_NEAR_CAPACITY);
	if (h->cpu_judged)
		flags |= BIT(KVM_SEC_STATE_F_CPU_JUDGED);
	if (h->held_clear)
		flags |= BIT(KVM_SEC_STATE_F_HELD_CLEAR);

	nest = nla_nest_start(skb, KVM_SEC_A_VM_STATE);
	if (!nest ||
	    nla_put_u32(skb, KVM_SEC_STATE_VERSION, KVM_SEC_STATE_VERSION_1) ||
	    nla_put_u32(skb, KVM_SEC_STATE_INTERVAL_MS,
			h->epoch_ms ?: ksec_sampler_interval_ms()) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATE_INTERVALS, h->intervals,
			      KVM_SEC_STATE_PAD) ||
	    nla_put_u8(skb, KVM_SEC_STATE_LEVEL, h->level) ||
	    nla_put_u8(skb, KVM_SEC_STATE_LEVEL_REASON, h->level_reason) ||
	    nla_put_u8(skb, KVM_SEC_STATE_VERDICT, h->verdict) ||
	    nla_put_u8(skb, KVM_SEC_STATE_ADMIN_LEVEL, h->admin_level) ||
	    nla_put_u32(skb, KVM_SEC_STATE_AT_LEVEL2, h->at_level2) ||
	    nla_put_u32(skb, KVM_SEC_STATE_CALM, h->calm) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATE_NAMED_AT, h->named_at,
			      KVM_SEC_STATE_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATE_PEER_AT, h->peer_at,
			      KVM_SEC_STATE_PAD) ||
	    nla_put_u32(skb, KVM_SEC_STATE_NEAR_WIN, h->near_win) ||
	    nla_put_u32(skb, KVM_SEC_STATE_FLAGS, flags))
		return -EMSGSIZE;
	if (ksec_put_reasons(skb, KVM_SEC_STATE_REASONS, h) ||
	    ksec_put_state_history(skb, h) || ksec_put_own_rule(skb, &h->own) ||
	    ksec_put_admin_limits(skb, &s->lim))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static const int ksec_state_required[] = {
	KVM_SEC_STATE_INTERVAL_MS, KVM_SEC_STATE_INTERVALS,
	KVM_SEC_STATE_LEVEL, KVM_SEC_STATE_LEVEL_REASON,
	KVM_SEC_STATE_VERDICT, KVM_SEC_STATE_ADMIN_LEVEL,
	KVM_SEC_STATE_AT_LEVEL2, KVM_SEC_STATE_CALM, KVM_SEC_STATE_NAMED_AT,
	KVM_SEC_STATE_PEER_AT, KVM_SEC_STATE_NEAR_WIN, KVM_SEC_STATE_FLAGS,
};

static int ksec_parse_state_history(const struct nlattr *attr,
				    struct ksec_hsem *h,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_STATE_FEATURE_MAX + 1];
	DECLARE_BITMAP(seen, KSEC_NR_FEATURES);
	const struct nlattr *one;
	int rem, err, i;

	bitmap_zero(seen, KSEC_NR_FEATURES);
	nla_for_each_nested(one, attr, rem) {
		struct ksec_base *b;
		unsigned int f;

		if (nla_type(one) != KVM_SEC_STATE_FEATURE) {
			NL_SET_ERR_MSG_ATTR(extack, one,
					    "the history holds KVM_SEC_STATE_FEATURE nests only");
			return -EINVAL;
		}
		err = nla_parse_nested(tb, KVM_SEC_STATE_FEATURE_MAX, one,
				       ksec_state_feature_policy, extack);
		if (err)
			return err;
		for (i = KVM_SEC_STATE_FEATURE_ID;
		     i <= KVM_SEC_STATE_FEATURE_MAX; i++)
			if (!tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, one,
						    "a feature's history needs its ID, mean, spread, learned, window, value and limit");
				return -EINVAL;
			}
		f = nla_get_u8(tb[KVM_SEC_STATE_FEATURE_ID]);
		if (__test_and_set_bit(f, seen)) {
			NL_SET_ERR_MSG_ATTR(extack, one,
					    "a feature's history is given twice");
			return -EINVAL;
		}
		b = &h->base[f];
		b->mean = nla_get_u64(tb[KVM_SEC_STATE_FEATURE_MEAN]);
		b->spread = nla_get_u64(tb[KVM_SEC_STATE_FEATURE_SPREAD]);
		b->learned = nla_get_u32(tb[KVM_SEC_STATE_FEATURE_LEARNED]);
		b->window = nla_get_u32(tb[KVM_SEC_STATE_FEATURE_WINDOW]);
		h->value[f] = nla_get_u64(tb[KVM_SEC_STATE_FEATURE_VALUE]);
		h->limit[f] = nla_get_u64(tb[KVM_SEC_STATE_FEATURE_LIMIT]);
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the history is truncated");
		return -EINVAL;
	}
	/* A feature it does not hold (added since) starts afresh. */
	return 0;
}

static int ksec_parse_state_reasons(const struct nlattr *attr,
				    struct ksec_hsem *h,
				    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_REASON_MAX + 1];
	const struct nlattr *one;
	int rem, err, i;

	nla_for_each_nested(one, attr, rem) {
		struct ksec_reason *r;

		if (nla_type(one) != KVM_SEC_DECISION_REASON) {
			NL_SET_ERR_MSG_ATTR(extack, one,
					    "the reasons are KVM_SEC_DECISION_REASON nests only");
			return -EINVAL;
		}
		if (h->nr_reasons == KSEC_MAX_REASONS) {
			NL_SET_ERR_MSG_ATTR(extack, one, "too many reasons");
			return -EINVAL;
		}
		err = nla_parse_nested(tb, KVM_SEC_REASON_MAX, one,
				       ksec_state_reason_policy, extack);
		if (err)
			return err;
		for (i = KVM_SEC_REASON_FEATURE; i <= KVM_SEC_REASON_MAX; i++)
			if (!tb[i]) {
				NL_SET_ERR_MSG_ATTR(extack, one,
						    "a reason needs its feature, value, mean, spread and limit");
				return -EINVAL;
			}
		r = &h->reason[h->nr_reasons++];
		r->feature = nla_get_u8(tb[KVM_SEC_REASON_FEATURE]);
		r->value = nla_get_u64(tb[KVM_SEC_REASON_VALUE]);
		r->mean = nla_get_u64(tb[KVM_SEC_REASON_MEAN]);
		r->spread = nla_get_u64(tb[KVM_SEC_REASON_SPREAD]);
		r->limit = nla_get_u64(tb[KVM_SEC_REASON_LIMIT]);
	}
	if (rem) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the reasons are truncated");
		return -EINVAL;
	}
	return 0;
}

/*
 * What the module keeps true of a VM's level and verdict (hsem.c); a
 * state that breaks it was not written by the module.
 */
static const char *ksec_state_inconsistent(const struct ksec_hsem *h)
{
	if (h->level == 1 && h->verdict != KVM_SEC_VERDICT_NONE)
		return "a VM at level 1 has no verdict";
	if (h->level == 1 && h->level_reason != KVM_SEC_LEVEL_CALM &&
	    h->level_reason != KVM_SEC_LEVEL_ADMIN)
		return "a VM at level 1 is there calm or by the admin";
	if (h->level == 2 && h->level_reason == KVM_SEC_LEVEL_CALM)
		return "a VM at level 2 is not there calm";
	if (h->level == 1 && h->at_level2)
		return "a VM at level 1 counts no interval at level 2";
	if (h->at_level2 > h->intervals || h->calm > h->intervals ||
	    h->named_at > h->intervals || h->peer_at > h->intervals)
		return "a count of intervals above the intervals judged";
	if (h->held_clear && h->verdict != KVM_SEC_VERDICT_CLEAR)
		return "held clear without the verdict clear";
	if (h->calm > h->at_level2)
		return "more calm intervals in a row than at level 2";
	if (h->admin_level && (h->level != h->admin_level ||
			       h->level_reason != KVM_SEC_LEVEL_ADMIN))
		return "a VM the admin holds is at the admin's level";
	if (h->level_reason == KVM_SEC_LEVEL_ADMIN && !h->admin_level)
		return "at a level for the admin without the admin's level";
	if (h->near_capacity && (!h->near_win ||
				 (h->verdict != KVM_SEC_VERDICT_NONE &&
				  h->verdict != KVM_SEC_VERDICT_CLEAR)))
		return "near capacity only clean and in its window";
	if (h->cpu_judged && (h->verdict == KVM_SEC_VERDICT_NONE ||
			      h->verdict == KVM_SEC_VERDICT_CLEAR))
		return "judged for its CPU without a verdict";
	return NULL;
}

int ksec_parse_state(const struct nlattr *attr, struct ksec_state *st,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_STATE_MAX + 1];
	struct ksec_hsem *h = &st->h;
	const char *why;
	unsigned int i;
	u32 flags;
	const struct nlattr *version;
	int err;

	memset(st, 0, sizeof(*st));
	/*
	 * The version first: a state of another version is told apart from
	 * a malformed one. Then this version's attributes, strictly: one
	 * this module does not know is refused.
	 */
	version = nla_find_nested(attr, KVM_SEC_STATE_VERSION);
	if (!version || nla_len(version) != sizeof(u32)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the state has no version");
		return -EINVAL;
	}
	if (nla_get_u32(version) != KVM_SEC_STATE_VERSION_1) {
		NL_SET_ERR_MSG_ATTR(extack, version,
				    "a state of another version");
		return -EPROTONOSUPPORT;
	}
	err = nla_parse_nested(tb, KVM_SEC_STATE_MAX, attr, ksec_state_policy,
			       extack);
	if (err)
		return err;
	for (i = 0; i < ARRAY_SIZE(ksec_state_required); i++)
		if (!tb[ksec_state_required[i]]) {
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "the state lacks a required attribute (level, verdict, intervals, history...)");
			return -EINVAL;
		}
	st->interval_ms = nla_get_u32(tb[KVM_SEC_STATE_INTERVAL_MS]);
	h->intervals = nla_get_u64(tb[KVM_SEC_STATE_INTERVALS]);
	h->level = nla_get_u8(tb[KVM_SEC_STATE_LEVEL]);
	h->level_reason = nla_get_u8(tb[KVM_SEC_STATE_LEVEL_REASON]);
	h->verdict = nla_get_u8(tb[KVM_SEC_STATE_VERDICT]);
	h->admin_level = nla_get_u8(tb[KVM_SEC_STATE_ADMIN_LEVEL]);
	h->at_level2 = nla_get_u32(tb[KVM_SEC_STATE_AT_LEVEL2]);
	h->calm = nla_get_u32(tb[KVM_SEC_STATE_CALM]);
	h->named_at = nla_get_u64(tb[KVM_SEC_STATE_NAMED_AT]);
	h->peer_at = nla_get_u64(tb[KVM_SEC_STATE_PEER_AT]);
	h->near_win = nla_get_u32(tb[KVM_SEC_STATE_NEAR_WIN]);
	flags = nla_get_u32(tb[KVM_SEC_STATE_FLAGS]);
	h->near_capacity = flags & BIT(KVM_SEC_STATE_F_NEAR_CAPACITY);
	h->cpu_judged = flags & BIT(KVM_SEC_STATE_F_CPU_JUDGED);
	h->held_clear = flags & BIT(KVM_SEC_STATE_F_HELD_CLEAR);

	if (tb[KVM_SEC_STATE_HISTORY])
		err = ksec_parse_state_history(tb[KVM_SEC_STATE_HISTORY], h,
					       extack);
	if (!err && tb[KVM_SEC_STATE_REASONS])
		err = ksec_parse_state_reasons(tb[KVM_SEC_STATE_REASONS], h,
					       extack);
	if (err)
		return err;
	why = ksec_state_inconsistent(h);
	if (why) {
		ksec_extack(extack, attr, why);
		return -EINVAL;
	}
	if (tb[KVM_SEC_STATE_RULE]) {
		u32 mask;

		err = ksec_parse_rule(tb[KVM_SEC_STATE_RULE], &h->own, &mask,
				      extack);
		if (err)
			return err;
		if (!ksec_hsem_own_rule_valid(&h->own)) {
			ksec_extack(extack, tb[KVM_SEC_STATE_RULE],
				    ksec_rule_why);
			return -EINVAL;
		}
	}
	if (tb[KVM_SEC_STATE_LIMITS]) {
		err = ksec_parse_limits(tb[KVM_SEC_STATE_LIMITS], st->spec,
					&st->given, extack);
		if (err)
			return err;
		for (i = 0; i < KSEC_LIM_NR; i++)
			if ((st->given & BIT(i)) && !st->spec[i].size) {
				NL_SET_ERR_MSG_ATTR(extack, tb[KVM_SEC_STATE_LIMITS],
						    "a limit in a state is in force (size above 0)");
				return -EINVAL;
			}
	}
	if (tb[KVM_SEC_STATE_BLOCK]) {
		err = ksec_parse_block(tb[KVM_SEC_STATE_BLOCK], &st->block_tx,
				       &st->block_rx, extack);
		if (err)
			return err;
		/* The rule replaced: a direction not given has none. */
		st->block_tx = max(st->block_tx, 0);
		st->block_rx = max(st->block_rx, 0);
		st->has_block = true;
	}
	return 0;
}

int ksec_state_apply(struct ksec_vm *vm, struct ksec_state *st)
{
	struct ksec_limit_view *v;
	unsigned long lift = 0;
	bool block;
	unsigned int i;
	int err;

	/* The admin's limits in force now and not in the state are lifted. */
	v = kmalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	ksec_limit_fill_view(&vm->lim, v);
	for (i = 0; i < KSEC_LIM_NR; i++)
		if (v->owner[i] == KSEC_LIM_ADMIN && v->spec[i].size &&
		    !(st->given & BIT(i))) {
			st->spec[i] = (struct ksec_limit_spec){ };
			lift |= BIT(i);
		}
	block = st->has_block ||
		(v->block_owner == KSEC_LIM_ADMIN && (v->block[0] || v->block[1]));
	kfree(v);
	/*
	 * What exit limits need, and the guest's state (for the level the
	 * admin holds it at), before anything changes.
	 */
	err = ksec_limit_prepare(vm, st->given, st->spec);
	/* HSEM paces a judged VM's exits: their works, likewise. */
	if (!err && (st->h.verdict == KVM_SEC_VERDICT_ATTACKER ||
		     st->h.verdict == KVM_SEC_VERDICT_OVERFLOW))
		err = ksec_pace_prepare(vm);
	/* A VM without a guest driver is given no guest state. */
	st->h_guest = st->h.admin_level || READ_ONCE(vm->guest);
	if (!err && st->h_guest)
		err = ksec_guest_command(vm, -1, -1);
	if (err)
		return err;
	if (st->given | lift) {
		/* All or nothing: -ENOMEM changed nothing. */
		err = ksec_limit_set(vm, st->given | lift, st->spec);
		if (err)
			return err;
	}
	if (block)
		ksec_limit_set_block(&vm->lim, st->block_tx, st->block_rx);
	if (st->given || lift || block)
		ksec_nl_notify_limits(vm, KVM_SEC_LIMIT_BY_ADMIN);
	/* Then the level and verdict, their events, and HSEM's limits. */
	ksec_hsem_import(vm, &st->h, st->interval_ms, st->h_guest);
	return 0;
}
