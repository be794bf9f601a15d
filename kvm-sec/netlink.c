// SPDX-License-Identifier: GPL-2.0
/*
 * The kvm_sec generic netlink family. Commands and attributes are documented
 * in uapi/linux/kvm_sec.h.
 *
 * Each command has its own policy, listing only the attributes it takes:
 * any other attribute, a wrong length or an out-of-range value is rejected
 * with an extended ack. Reads of per-VM data, every write and the events
 * group need CAP_NET_ADMIN; GUEST_REPORT needs a file descriptor of the
 * VM instead (proof of ownership, resolved in the sender's own file table).
 *
 * Replies are sized: a VM message has a fixed worst case (ksec_vm_msg_size(),
 * checked at build time to fit NLMSG_GOODSIZE, so a dump never fails on a
 * VM), and the guest's flows, which would not fit, have their own dump.
 *
 * The family runs its handlers in parallel (no genl_mutex): every handler
 * works on referenced VMs, whose state has its own locks, and on module
 * state that is read and written with single stores or under a mutex.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/build_bug.h>
#include <linux/file.h>
#include <linux/slab.h>
#include <net/genetlink.h>
#include <linux/kvm_sec.h>

#include "discovery.h"
#include "guest.h"
#include "lifecycle.h"
#include "migration.h"
#include "net.h"
#include "netlink.h"
#include "probes.h"
#include "sampler.h"
#include "state.h"
#include "vm.h"

/* The order of enum ksec_class is the order of enum kvm_sec_ctr. */
static_assert(KVM_SEC_CTR_EXITS + KSEC_NR_CLASSES - 1 == KVM_SEC_CTR_MAX);
static_assert(KVM_SEC_CTR_EXITS + KSEC_HALTS == KVM_SEC_CTR_HALTS);
static_assert(KVM_SEC_CTR_EXITS + KSEC_MSR_WRITE == KVM_SEC_CTR_MSR_WRITE);
static_assert(KVM_SEC_TOP_ENTRIES <= KSEC_TOP_MERGED);
/* The order of enum ksec_net_ctr is the order of enum kvm_sec_net_ctr. */
static_assert(KVM_SEC_NET_CTR_TX_PACKETS + KSEC_NET_NR - 1 == KVM_SEC_NET_CTR_MAX);
static_assert(KVM_SEC_NET_CTR_TX_PACKETS + KSEC_NET_RX_SYNACK == KVM_SEC_NET_CTR_RX_SYNACK);
static_assert(KVM_SEC_NET_PEERS <= KSEC_TOP_MERGED);
/* The order of enum ksec_limit_kind is the order of enum kvm_sec_limit. */
static_assert(KVM_SEC_LIMIT_TX_PACKETS + KSEC_LIM_NR - 1 == KVM_SEC_LIMIT_MAX);
static_assert(KVM_SEC_LIMIT_TX_PACKETS + KSEC_LIM_TX_SYN == KVM_SEC_LIMIT_TX_SYN);
static_assert(KVM_SEC_LIMIT_TX_PACKETS + KSEC_LIM_HYPERCALLS ==
	      KVM_SEC_LIMIT_HYPERCALLS);
static_assert(KVM_SEC_LIMIT_TX_PACKETS + KSEC_LIM_CPU == KVM_SEC_LIMIT_CPU);
static_assert(KVM_SEC_BLOCK_DROPS_OUTSIDE + KVM_SEC_PEER_CLASS_NR - 1 ==
	      KVM_SEC_BLOCK_DROPS_MAX);
/* A limit's owner is sent as it is. */
static_assert((int)KSEC_LIM_HSEM == (int)KVM_SEC_LIMIT_OWNER_HSEM &&
	      (int)KSEC_LIM_ADMIN == (int)KVM_SEC_LIMIT_OWNER_ADMIN);

/* Bounds above S16_MAX need a range object (NLA_POLICY_RANGE is s16). */
static struct netlink_range_validation ksec_interval_range = {
	.min = KVM_SEC_INTERVAL_MIN_MS,
	.max = KVM_SEC_INTERVAL_MAX_MS,
};

/* 0 gives the interval back to the VMM; checked further in SET_VM. */
static struct netlink_range_validation ksec_guest_interval_range = {
	.min = 0,
	.max = VIRTIO_VSEM_INTERVAL_MAX_MS,
};

/* One policy per command: only the attributes it takes. */
static const struct nla_policy ksec_get_vm_policy[KVM_SEC_A_VM_PID + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KVM_SEC_A_VM_PID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy ksec_get_flows_policy[KVM_SEC_A_VM_ID + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static struct netlink_range_validation ksec_warm_range = {
	.min = 0,
	.max = 100000,
};

static struct netlink_range_validation ksec_pct_range = {
	.min = 0,
	.max = KSEC_LIMIT_PCT_MAX,
};

/* 0 in a VM's own rule: the global value; in SET_CONFIG, checked in hsem.c. */
static const struct nla_policy ksec_rule_policy[KVM_SEC_RULE_MAX + 1] = {
	[KVM_SEC_RULE_K_TENTHS]	= NLA_POLICY_RANGE(NLA_U32, 0, 1000),
	[KVM_SEC_RULE_M]	= NLA_POLICY_MAX(NLA_U8, KSEC_BASE_MAX_N),
	[KVM_SEC_RULE_N]	= NLA_POLICY_MAX(NLA_U8, KSEC_BASE_MAX_N),
	[KVM_SEC_RULE_WARM]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&ksec_warm_range),
	[KVM_SEC_RULE_DECIDE]	= NLA_POLICY_RANGE(NLA_U32, 0, 3600),
	[KVM_SEC_RULE_CALM]	= NLA_POLICY_RANGE(NLA_U32, 0, 3600),
	[KVM_SEC_RULE_LIMIT_LEVEL2_PCT] = NLA_POLICY_FULL_RANGE(NLA_U32,
								&ksec_pct_range),
	[KVM_SEC_RULE_LIMIT_ATTACK_PCT] = NLA_POLICY_FULL_RANGE(NLA_U32,
								&ksec_pct_range),
};

static const struct nla_policy ksec_get_decision_policy[KVM_SEC_A_VM_ID + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
};

static const struct nla_policy ksec_set_config_policy[KVM_SEC_A_MIGRATION_KEY + 1] = {
	[KVM_SEC_A_INTERVAL_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&ksec_interval_range),
	[KVM_SEC_A_PREFIXES]	= { .type = NLA_BINARY,
				    .len = KVM_SEC_MAX_PREFIXES *
					   sizeof(struct virtio_vsem_prefix) },
	[KVM_SEC_A_RULE]	= NLA_POLICY_NESTED(ksec_rule_policy),
	/* Its lower bound is checked in ksec_nl_set_config(). */
	[KVM_SEC_A_MIGRATION_KEY] = { .type = NLA_BINARY,
				      .len = KVM_SEC_MIGRATION_KEY_MAX },
};

static const struct nla_policy ksec_migrate_policy[KVM_SEC_A_MIGRATION_STATE + 1] = {
	[KVM_SEC_A_VM_FD]	= { .type = NLA_U32 },
	[KVM_SEC_A_MIGRATION_STATE] = { .type = NLA_BINARY,
					.len = KVM_SEC_MIGRATION_STATE_MAX },
};

static const struct nla_policy ksec_guest_report_policy[KVM_SEC_A_GUEST_EPOCH + 1] = {
	[KVM_SEC_A_GUEST_REPORT] = { .type = NLA_BINARY,
				     .len = VIRTIO_VSEM_MAX_REPORT_SIZE },
	[KVM_SEC_A_VM_FD]	= { .type = NLA_U32 },
	[KVM_SEC_A_GUEST_EPOCH]	= { .type = NLA_U64 },
};

static const struct nla_policy ksec_netdev_policy[KVM_SEC_A_IFNAME + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KVM_SEC_A_IFNAME]	= { .type = NLA_NUL_STRING, .len = IFNAMSIZ - 1 },
};

static struct netlink_range_validation ksec_bucket_range = {
	.min = 0,
	.max = KSEC_BUCKET_MAX - 1,
};

static struct netlink_range_validation ksec_refill_range = {
	.min = KSEC_BUCKET_REFILL_MIN,
	.max = KSEC_BUCKET_REFILL_MAX,
};

/* TOKENS is the module's to say: given, it is refused. */
static const struct nla_policy ksec_bucket_policy[KVM_SEC_BUCKET_BURST + 1] = {
	[KVM_SEC_BUCKET_PAD]	= NLA_POLICY_EXACT_LEN(0),
	[KVM_SEC_BUCKET_SIZE]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&ksec_bucket_range),
	[KVM_SEC_BUCKET_REFILL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							   &ksec_refill_range),
	[KVM_SEC_BUCKET_BURST]	= NLA_POLICY_FULL_RANGE(NLA_U64,
							&ksec_bucket_range),
};

static const struct nla_policy ksec_limits_policy[KVM_SEC_LIMIT_MAX + 1] = {
	[KVM_SEC_LIMIT_TX_PACKETS] = NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_RX_PACKETS] = NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_TX_BYTES] = NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_RX_BYTES] = NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_TX_SYN]	= NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_RX_SYN]	= NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_HYPERCALLS] = NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_PIO]	= NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_MMIO]	= NLA_POLICY_NESTED(ksec_bucket_policy),
	[KVM_SEC_LIMIT_CPU]	= NLA_POLICY_NESTED(ksec_bucket_policy),
};

static struct netlink_range_validation ksec_cpu_period_range = {
	.max = 1000000,
};

static const struct nla_policy ksec_agent_policy[KVM_SEC_AGENT_CGROUP + 1] = {
	[KVM_SEC_AGENT_CPU_QUOTA_US] = NLA_POLICY_FULL_RANGE(NLA_U64,
							     &ksec_bucket_range),
	[KVM_SEC_AGENT_CPU_PERIOD_US] = NLA_POLICY_FULL_RANGE(NLA_U32,
							      &ksec_cpu_period_range),
	[KVM_SEC_AGENT_WEIGHT]	= NLA_POLICY_MAX(NLA_U32, 10000),
	[KVM_SEC_AGENT_THREADS]	= { .type = NLA_U32 },
	[KVM_SEC_AGENT_ERROR]	= NLA_POLICY_MAX(NLA_U32, 4095),
	[KVM_SEC_AGENT_CGROUP]	= { .type = NLA_NUL_STRING,
				    .len = KVM_SEC_AGENT_CGROUP_MAX - 1 },
};

static const struct nla_policy ksec_block_policy[KVM_SEC_BLOCK_RX + 1] = {
	[KVM_SEC_BLOCK_TX]	= NLA_POLICY_MASK(NLA_U32, KVM_SEC_BLOCK_CLASSES),
	[KVM_SEC_BLOCK_RX]	= NLA_POLICY_MASK(NLA_U32, KVM_SEC_BLOCK_CLASSES),
};

static const struct nla_policy ksec_set_vm_policy[KVM_SEC_A_VM_BLOCK + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KVM_SEC_A_GUEST_LEVEL]	= NLA_POLICY_MAX(NLA_U8, VIRTIO_VSEM_LEVEL_2),
	[KVM_SEC_A_GUEST_INTERVAL_MS] = NLA_POLICY_FULL_RANGE(NLA_U32,
							      &ksec_guest_interval_range),
	[KVM_SEC_A_RULE]	= NLA_POLICY_NESTED(ksec_rule_policy),
	[KVM_SEC_A_VM_LIMITS]	= NLA_POLICY_NESTED(ksec_limits_policy),
	[KVM_SEC_A_VM_AGENT]	= NLA_POLICY_NESTED(ksec_agent_policy),
	[KVM_SEC_A_VM_BLOCK]	= NLA_POLICY_NESTED(ksec_block_policy),
};

static const struct nla_policy ksec_set_state_policy[KVM_SEC_A_STATE_CHECK + 1] = {
	[KVM_SEC_A_VM_ID]	= NLA_POLICY_MIN(NLA_U32, 1),
	/* The key of the VM the state is of, checked if given */
	[KVM_SEC_A_VM_PID]	= NLA_POLICY_MIN(NLA_U32, 1),
	[KVM_SEC_A_VM_VMM_START_NS] = { .type = NLA_U64 },
	/* Its version first: state.c parses it strictly after. */
	[KVM_SEC_A_VM_STATE]	= { .type = NLA_NESTED },
	[KVM_SEC_A_STATE_CHECK]	= { .type = NLA_FLAG },
};

static struct genl_family ksec_family;

/* Like NL_SET_ERR_MSG_ATTR, for a message chosen at run time (a literal). */
void ksec_extack(struct netlink_ext_ack *extack, const struct nlattr *attr,
		 const char *msg)
{
	if (extack) {
		extack->_msg = msg;
		extack->bad_attr = attr;
	}
}

enum ksec_mcgrp { KSEC_MCGRP_EVENTS };

static const struct genl_multicast_group ksec_mcgrps[] = {
	/* VMs coming and going, with their counters: the tenants' business. */
	[KSEC_MCGRP_EVENTS] = { .name = KVM_SEC_MCGRP_EVENTS,
				.flags = GENL_MCAST_CAP_NET_ADMIN },
};

/* Sizes of what ksec_put_*() write, at their largest. */
static inline size_t ksec_u64s_size(unsigned int n)
{
	return nla_total_size(0) + n * nla_total_size_64bit(sizeof(u64));
}

static inline size_t ksec_counters_size(void)
{
	return ksec_u64s_size(KSEC_NR_CLASSES);
}

static inline size_t ksec_top_size(void)
{
	return nla_total_size(0) +
	       KVM_SEC_TOP_ENTRIES * (nla_total_size(0) +
				      3 * nla_total_size_64bit(sizeof(u64))) +
	       nla_total_size_64bit(sizeof(u64));
}

static inline size_t ksec_features_size(void)
{
	return ksec_u64s_size(VIRTIO_VSEM_NR_FEATURES);
}

static inline size_t ksec_guest_size(void)
{
	return nla_total_size(0) +
	       9 * nla_total_size_64bit(sizeof(u64)) +	/* REPORTS..SWITCHES, EPOCH(S) */
	       3 * nla_total_size(sizeof(u8)) +		/* levels, reason */
	       8 * nla_total_size(sizeof(u32)) +		/* ANOMALIES..REPORT_FLAGS */
	       4 * ksec_features_size() +
	       nla_total_size(0) +			/* LOSS */
	       4 * nla_total_size_64bit(sizeof(u64)) + nla_total_size(sizeof(u8)) +
	       5 * nla_total_size_64bit(sizeof(u64));	/* TAMPERED, NET_* */
}

static inline size_t ksec_peers_size(void)
{
	return nla_total_size(0) +
	       KVM_SEC_NET_PEERS * (nla_total_size(0) +
				    nla_total_size(16) +	/* ADDR */
				    2 * nla_total_size_64bit(sizeof(u64)) +
				    nla_total_size(sizeof(u8)) +
				    nla_total_size(sizeof(u32))) +
	       nla_total_size_64bit(sizeof(u64));		/* OTHER */
}

static inline size_t ksec_net_size(void)
{
	return nla_total_size(0) + 2 * ksec_u64s_size(KSEC_NET_NR) +
	       2 * nla_total_size_64bit(sizeof(u64)) +		/* DISTINCT_* */
	       KVM_SEC_NET_MAX_DEVICES * (nla_total_size(0) +
					  nla_total_size(sizeof(u32)) +
					  nla_total_size(IFNAMSIZ) +
					  nla_total_size(sizeof(u8)) +
					  nla_total_size(0)) +
	       3 * KVM_SEC_NET_MAX_ADDRS * nla_total_size(16) +
	       2 * ksec_peers_size();
}

static inline size_t ksec_vm_ident_size(void)
{
	return 2 * nla_total_size(sizeof(u32)) +	/* ID, PID */
	       nla_total_size(TASK_COMM_LEN) +
	       2 * nla_total_size_64bit(sizeof(u64)) +	/* CREATED, VMM_START */
	       nla_total_size(0) +			/* DISCOVERED */
	       nla_total_size(sizeof(u8));		/* ORIGIN */
}

/* Every limit, with its tokens left, its drops and (exits) its wait. */
static inline size_t ksec_limits_size(void)
{
	return nla_total_size(0) + KSEC_LIM_NR *
	       (nla_total_size(0) + 4 * nla_total_size_64bit(sizeof(u64)) +
		nla_total_size(sizeof(u32)) + nla_total_size(sizeof(u8))) +
	       KSEC_LIM_EXIT_NR * nla_total_size_64bit(sizeof(u64));
}

/*
 * A LIMIT event, or a GET_LIMITS reply, after the VM ID: with its reason,
 * the VMM's PID, the vCPU threads, HREM's advice and the agent's report.
 */
static size_t ksec_limits_msg_size(void)
{
	return ksec_limits_size() + 2 * nla_total_size(sizeof(u8)) +
	       nla_total_size(sizeof(u32)) +
	       nla_total_size(KVM_SEC_VCPU_TIDS_MAX * sizeof(u32)) +
	       nla_total_size(0) +			/* AGENT */
	       2 * nla_total_size_64bit(sizeof(u64)) +
	       4 * nla_total_size(sizeof(u32)) +
	       nla_total_size(KVM_SEC_AGENT_CGROUP_MAX) +
	       nla_total_size(0) +			/* BLOCK */
	       2 * nla_total_size(sizeof(u32)) + nla_total_size(sizeof(u8)) +
	       2 * (nla_total_size(0) + KVM_SEC_PEER_CLASS_NR *
		    nla_total_size_64bit(sizeof(u64)));
}

/* The largest VM message (GET_VM, VM_NEW, VM_DEL), attributes only. */
static inline size_t ksec_vm_msg_size(void)
{
	return ksec_vm_ident_size() +
	       2 * nla_total_size(sizeof(u32)) +	/* VCPUS, INTERVAL_MS */
	       3 * nla_total_size(sizeof(u8)) +		/* LEVEL, VERDICT, NEAR_CAP */
	       2 * ksec_counters_size() + 3 * ksec_top_size() +
	       ksec_guest_size() + ksec_net_size();
}

/* A nest of @n u64 attributes, of types @first, @first + 1, ... */
static int ksec_put_u64s(struct sk_buff *skb, int attr, int first, int pad,
			 const u64 *val, unsigned int n)
{
	struct nlattr *nest = nla_nest_start(skb, attr);
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < n; i++)
		if (nla_put_u64_64bit(skb, first + i, val[i], pad))
			goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

/* Exit counters: enum kvm_sec_ctr. */
static int ksec_put_counters(struct sk_buff *skb, int attr, const u64 *val)
{
	return ksec_put_u64s(skb, attr, KVM_SEC_CTR_EXITS, KVM_SEC_CTR_PAD,
			     val, KSEC_NR_CLASSES);
}

static int ksec_put_top(struct sk_buff *skb, int attr,
			const struct ksec_top_merged *m)
{
	struct nlattr *nest = nla_nest_start(skb, attr), *entry;
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < m->nr; i++) {
		entry = nla_nest_start(skb, KVM_SEC_TOP_ENTRY);
		if (!entry ||
		    nla_put_u64_64bit(skb, KVM_SEC_TOP_ENTRY_KEY,
				      m->slot[i].key, KVM_SEC_TOP_ENTRY_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_TOP_ENTRY_COUNT,
				      m->slot[i].count, KVM_SEC_TOP_ENTRY_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_TOP_ENTRY_ERROR,
				      m->slot[i].err, KVM_SEC_TOP_ENTRY_PAD))
			goto cancel;
		nla_nest_end(skb, entry);
	}
	if (nla_put_u64_64bit(skb, KVM_SEC_TOP_OTHER, m->other,
			      KVM_SEC_TOP_PAD))
		goto cancel;
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}

static int ksec_put_vm_ident(struct sk_buff *skb,
			     const struct ksec_vm_view *v)
{
	if (nla_put_u32(skb, KVM_SEC_A_VM_ID, v->id) ||
	    nla_put_u32(skb, KVM_SEC_A_VM_PID, v->pid) ||
	    nla_put_string(skb, KVM_SEC_A_VM_COMM, v->comm) ||
	    nla_put_u64_64bit(skb, KVM_SEC_A_VM_CREATED_NS, v->created_ns,
			      KVM_SEC_A_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_A_VM_VMM_START_NS, v->vmm_start_ns,
			      KVM_SEC_A_PAD) ||
	    nla_put_u8(skb, KVM_SEC_A_VM_ORIGIN, v->origin) ||
	    (v->origin != KVM_SEC_ORIGIN_CREATED &&
	     nla_put_flag(skb, KVM_SEC_A_VM_DISCOVERED)))
		return -EMSGSIZE;
	return 0;
}

/* Guest features: feature n at type n + 2. */
static int ksec_put_features(struct sk_buff *skb, int attr, const u64 *f)
{
	return ksec_put_u64s(skb, attr, 2, KVM_SEC_GUEST_PAD, f,
			     VIRTIO_VSEM_NR_FEATURES);
}

/* What the guest could not report (KVM_SEC_GUEST_LOSS). */
static int ksec_put_guest_loss(struct sk_buff *skb,
			       const struct ksec_guest_view *g)
{
	struct nlattr *nest = nla_nest_start(skb, KVM_SEC_GUEST_LOSS);

	if (!nest ||
	    nla_put_u64_64bit(skb, KVM_SEC_LOSS_UNSTORED_PACKETS,
			      g->loss_unstored_packets, KVM_SEC_LOSS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_LOSS_HV_UNSTORED,
			      g->loss_hv_unstored, KVM_SEC_LOSS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_LOSS_FLOWS_TRIMMED,
			      g->loss_flows_trimmed, KVM_SEC_LOSS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_LOSS_REPORTS_DROPPED,
			      g->loss_reports_dropped, KVM_SEC_LOSS_PAD) ||
	    nla_put_u8(skb, KVM_SEC_LOSS_ESTIMATED, g->loss_estimated))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* One flow's attributes, inside its KVM_SEC_GUEST_FLOW nest. */
static int ksec_put_flow(struct sk_buff *skb, const struct ksec_guest_flow *f)
{
	if (nla_put_u8(skb, KVM_SEC_FLOW_FAMILY, f->family) ||
	    nla_put(skb, KVM_SEC_FLOW_ADDR, f->family == 4 ? 4 : 16, f->addr) ||
	    nla_put_u8(skb, KVM_SEC_FLOW_OUTSIDE, f->outside) ||
	    nla_put_u64_64bit(skb, KVM_SEC_FLOW_PACKETS, f->packets,
			      KVM_SEC_FLOW_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_FLOW_BYTES, f->bytes,
			      KVM_SEC_FLOW_PAD) ||
	    nla_put_u32(skb, KVM_SEC_FLOW_PID, f->pid) ||
	    nla_put_string(skb, KVM_SEC_FLOW_COMM, f->comm))
		return -EMSGSIZE;
	return 0;
}

static int ksec_put_guest(struct sk_buff *skb, const struct ksec_guest_view *g)
{
	struct nlattr *nest = nla_nest_start(skb, KVM_SEC_A_VM_GUEST);
	u64 age = 0;

	if (g->last_ns)
		age = div_u64(ktime_get_ns() - g->last_ns, NSEC_PER_MSEC);
	if (!nest ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_REPORTS, g->reports,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_REJECTED, g->rejected,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_THROTTLED, g->throttled,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_INCONSISTENT, g->inconsistent,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_SEQ, g->seq,
			      KVM_SEC_GUEST_PAD) ||
	    (g->last_ns &&
	     nla_put_u64_64bit(skb, KVM_SEC_GUEST_AGE_MS, age,
			       KVM_SEC_GUEST_PAD)) ||
	    nla_put_u8(skb, KVM_SEC_GUEST_LEVEL, g->level) ||
	    nla_put_u8(skb, KVM_SEC_GUEST_LEVEL_CMD, g->level_cmd) ||
	    nla_put_u8(skb, KVM_SEC_GUEST_SWITCH_REASON, g->switch_reason) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_SWITCHES, g->switches,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_ANOMALIES, g->anomalies) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_INTERVAL_MS, g->interval_ms) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_HISTORY_SEQ, g->history_seq) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_NEAR_CAPACITY, g->near_capacity) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_INTERVALS, g->intervals) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_INTERVAL_CMD, g->interval_cmd) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_NR_FLOWS, g->nr_flows) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_EPOCH, g->epoch,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_EPOCHS, g->epochs,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u32(skb, KVM_SEC_GUEST_REPORT_FLAGS, g->flags) ||
	    ksec_put_guest_loss(skb, g) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_TAMPERED, g->tampered,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_NET_CLAIMED_TX, g->claimed_tx,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_NET_SEEN_TX, g->seen_tx,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_NET_CLAIMED_RX, g->claimed_rx,
			      KVM_SEC_GUEST_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_GUEST_NET_SEEN_RX, g->seen_rx,
			      KVM_SEC_GUEST_PAD) ||
	    ksec_put_features(skb, KVM_SEC_GUEST_LAST, g->last) ||
	    ksec_put_features(skb, KVM_SEC_GUEST_TOTAL, g->total) ||
	    (g->history_seq &&
	     (ksec_put_features(skb, KVM_SEC_GUEST_MEAN, g->mean) ||
	      ksec_put_features(skb, KVM_SEC_GUEST_SPREAD, g->spread))))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* Network counters: enum kvm_sec_net_ctr. */
static int ksec_put_net_ctrs(struct sk_buff *skb, int attr, const u64 *val)
{
	return ksec_put_u64s(skb, attr, KVM_SEC_NET_CTR_TX_PACKETS,
			     KVM_SEC_NET_CTR_PAD, val, KSEC_NET_NR);
}

static int ksec_put_peers(struct sk_buff *skb, int attr,
			  const struct ksec_peers_view *p)
{
	struct nlattr *nest = nla_nest_start(skb, attr), *entry;
	unsigned int i;

	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < p->nr; i++) {
		const struct ksec_peer_view *e = &p->peer[i];

		entry = nla_nest_start(skb, KVM_SEC_PEERS_ENTRY);
		if (!entry ||
		    nla_put(skb, KVM_SEC_PEER_ADDR, e->family == 4 ? 4 : 16,
			    e->addr) ||
		    nla_put_u64_64bit(skb, KVM_SEC_PEER_PACKETS, e->packets,
				      KVM_SEC_PEER_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_PEER_ERROR, e->err,
				      KVM_SEC_PEER_PAD) ||
		    nla_put_u8(skb, KVM_SEC_PEER_CLASS, e->class) ||
		    (e->vm_id && nla_put_u32(skb, KVM_SEC_PEER_VM, e->vm_id)))
			return -EMSGSIZE;
		nla_nest_end(skb, entry);
	}
	if (nla_put_u64_64bit(skb, KVM_SEC_PEERS_OTHER, p->other,
			      KVM_SEC_PEERS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ksec_put_net(struct sk_buff *skb, const struct ksec_net_view *v)
{
	struct nlattr *nest = nla_nest_start(skb, KVM_SEC_A_VM_NET), *dev;
	unsigned int i;

	if (!nest ||
	    ksec_put_net_ctrs(skb, KVM_SEC_NET_COUNTERS, v->tot) ||
	    ksec_put_net_ctrs(skb, KVM_SEC_NET_RATES, v->rate) ||
	    nla_put_u64_64bit(skb, KVM_SEC_NET_DISTINCT_DST, v->distinct_dst,
			      KVM_SEC_NET_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_NET_DISTINCT_SRC, v->distinct_src,
			      KVM_SEC_NET_PAD))
		return -EMSGSIZE;
	for (i = 0; i < v->nr_devs; i++) {
		const struct ksec_netdev_view *d = &v->dev[i];

		dev = nla_nest_start(skb, KVM_SEC_NET_DEVICE);
		if (!dev ||
		    nla_put_u32(skb, KVM_SEC_NETDEV_IFINDEX, d->ifindex) ||
		    nla_put_string(skb, KVM_SEC_NETDEV_IFNAME, d->name) ||
		    nla_put_u8(skb, KVM_SEC_NETDEV_HOW, d->how) ||
		    (d->init_net && nla_put_flag(skb, KVM_SEC_NETDEV_INIT_NET)))
			return -EMSGSIZE;
		nla_nest_end(skb, dev);
	}
	for (i = 0; i < v->nr_addrs; i++)
		if (nla_put(skb, KVM_SEC_NET_ADDR, v->addr[i].len,
			    v->addr[i].addr))
			return -EMSGSIZE;
	if (ksec_put_peers(skb, KVM_SEC_NET_DESTINATIONS, &v->dst) ||
	    ksec_put_peers(skb, KVM_SEC_NET_SOURCES, &v->src))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* A DECISION nest; @features: with the history of every feature. */
static inline size_t ksec_decision_size(bool features)
{
	size_t feature = nla_total_size(0) + nla_total_size(sizeof(u8)) +
			 4 * nla_total_size_64bit(sizeof(u64)) +
			 2 * nla_total_size(sizeof(u32)) + nla_total_size(0);

	return nla_total_size(0) + 4 * nla_total_size(sizeof(u8)) +
	       3 * nla_total_size(sizeof(u32)) +
	       nla_total_size_64bit(sizeof(u64)) +
	       ksec_reasons_size() + ksec_rule_size() +
	       (features ? nla_total_size(0) + KSEC_NR_FEATURES * feature : 0);
}

static int ksec_put_rule(struct sk_buff *skb, int attr,
			 const struct ksec_hsem_rule *r)
{
	struct nlattr *nest = nla_nest_start(skb, attr);

	if (!nest ||
	    nla_put_u32(skb, KVM_SEC_RULE_K_TENTHS, r->r.k_tenths) ||
	    nla_put_u8(skb, KVM_SEC_RULE_M, r->r.m) ||
	    nla_put_u8(skb, KVM_SEC_RULE_N, r->r.n) ||
	    nla_put_u32(skb, KVM_SEC_RULE_WARM, r->r.warm) ||
	    nla_put_u32(skb, KVM_SEC_RULE_DECIDE, r->decide) ||
	    nla_put_u32(skb, KVM_SEC_RULE_CALM, r->calm) ||
	    nla_put_u32(skb, KVM_SEC_RULE_LIMIT_LEVEL2_PCT,
			r->limit_level2_pct) ||
	    nla_put_u32(skb, KVM_SEC_RULE_LIMIT_ATTACK_PCT,
			r->limit_attack_pct))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

int ksec_put_reasons(struct sk_buff *skb, int attr, const struct ksec_hsem *h)
{
	struct nlattr *list, *one;
	unsigned int i;

	list = nla_nest_start(skb, attr);
	if (!list)
		return -EMSGSIZE;
	for (i = 0; i < h->nr_reasons; i++) {
		const struct ksec_reason *r = &h->reason[i];

		one = nla_nest_start(skb, KVM_SEC_DECISION_REASON);
		if (!one ||
		    nla_put_u8(skb, KVM_SEC_REASON_FEATURE, r->feature) ||
		    nla_put_u64_64bit(skb, KVM_SEC_REASON_VALUE, r->value,
				      KVM_SEC_REASON_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_REASON_MEAN, r->mean,
				      KVM_SEC_REASON_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_REASON_SPREAD, r->spread,
				      KVM_SEC_REASON_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_REASON_LIMIT, r->limit,
				      KVM_SEC_REASON_PAD))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, list);
	return 0;
}

static int ksec_put_decision(struct sk_buff *skb,
			     const struct ksec_hsem_view *v, bool features)
{
	const struct ksec_hsem *h = &v->s;
	struct nlattr *nest, *list, *one;
	unsigned int i;

	nest = nla_nest_start(skb, KVM_SEC_A_DECISION);
	if (!nest ||
	    nla_put_u8(skb, KVM_SEC_DECISION_LEVEL, h->level) ||
	    nla_put_u8(skb, KVM_SEC_DECISION_LEVEL_REASON, h->level_reason) ||
	    nla_put_u8(skb, KVM_SEC_DECISION_VERDICT, h->verdict) ||
	    nla_put_u8(skb, KVM_SEC_DECISION_NEAR_CAPACITY, h->near_capacity) ||
	    nla_put_u32(skb, KVM_SEC_DECISION_PEER_VM, h->peer_vm) ||
	    nla_put_u32(skb, KVM_SEC_DECISION_AT_LEVEL2, h->at_level2) ||
	    nla_put_u32(skb, KVM_SEC_DECISION_CALM, h->calm) ||
	    nla_put_u64_64bit(skb, KVM_SEC_DECISION_INTERVALS, h->intervals,
			      KVM_SEC_DECISION_PAD) ||
	    ksec_put_rule(skb, KVM_SEC_DECISION_RULE, &v->rule))
		return -EMSGSIZE;
	if (ksec_put_reasons(skb, KVM_SEC_DECISION_REASONS, h))
		return -EMSGSIZE;
	if (features) {
		list = nla_nest_start(skb, KVM_SEC_DECISION_FEATURES);
		if (!list)
			return -EMSGSIZE;
		for (i = 0; i < KSEC_NR_FEATURES; i++) {
			const struct ksec_base *b = &h->base[i];

			one = nla_nest_start(skb, KVM_SEC_DECISION_FEATURE);
			if (!one ||
			    nla_put_u8(skb, KVM_SEC_FEATURE_ID, i) ||
			    nla_put_u64_64bit(skb, KVM_SEC_FEATURE_VALUE,
					      h->value[i], KVM_SEC_FEATURE_PAD) ||
			    nla_put_u64_64bit(skb, KVM_SEC_FEATURE_MEAN,
					      ksec_base_mean(b),
					      KVM_SEC_FEATURE_PAD) ||
			    nla_put_u64_64bit(skb, KVM_SEC_FEATURE_SPREAD,
					      ksec_base_spread(b),
					      KVM_SEC_FEATURE_PAD) ||
			    nla_put_u64_64bit(skb, KVM_SEC_FEATURE_LIMIT,
					      h->limit[i], KVM_SEC_FEATURE_PAD) ||
			    nla_put_u32(skb, KVM_SEC_FEATURE_LEARNED,
					b->learned) ||
			    nla_put_u32(skb, KVM_SEC_FEATURE_WINDOW, b->window) ||
			    (ksec_base_anomalous(b, &v->rule.r) &&
			     nla_put_flag(skb, KVM_SEC_FEATURE_ANOMALOUS)))
				return -EMSGSIZE;
			nla_nest_end(skb, one);
		}
		nla_nest_end(skb, list);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ksec_put_vm(struct sk_buff *skb, const struct ksec_vm_view *v)
{
	if (ksec_put_vm_ident(skb, v) ||
	    nla_put_u32(skb, KVM_SEC_A_VM_VCPUS, v->vcpus) ||
	    nla_put_u32(skb, KVM_SEC_A_INTERVAL_MS, v->interval_ms) ||
	    nla_put_u8(skb, KVM_SEC_A_VM_LEVEL, v->level) ||
	    nla_put_u8(skb, KVM_SEC_A_VM_VERDICT, v->verdict) ||
	    nla_put_u8(skb, KVM_SEC_A_VM_NEAR_CAPACITY, v->near_capacity) ||
	    ksec_put_counters(skb, KVM_SEC_A_VM_COUNTERS, v->tot) ||
	    ksec_put_counters(skb, KVM_SEC_A_VM_RATES, v->rate) ||
	    ksec_put_top(skb, KVM_SEC_A_VM_HYPERCALLS, &v->hypercalls) ||
	    ksec_put_top(skb, KVM_SEC_A_VM_PORTS, &v->ports) ||
	    ksec_put_top(skb, KVM_SEC_A_VM_MMIO_PAGES, &v->mmio_pages) ||
	    (v->has_guest && ksec_put_guest(skb, &v->guest)) ||
	    (v->has_net && ksec_put_net(skb, &v->net)))
		return -EMSGSIZE;
	return 0;
}

static int ksec_nl_get_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id_attr = info->attrs[KVM_SEC_A_VM_ID];
	struct nlattr *pid_attr = info->attrs[KVM_SEC_A_VM_PID];
	struct ksec_vm_view *v;
	struct sk_buff *msg;
	struct ksec_vm *vm;
	void *hdr;
	int err;

	if (!id_attr == !pid_attr) {
		GENL_SET_ERR_MSG(info,
				 "give exactly one of KVM_SEC_A_VM_ID and KVM_SEC_A_VM_PID");
		return -EINVAL;
	}
	if (id_attr) {
		vm = ksec_vm_get_by_id(nla_get_u32(id_attr));
	} else {
		u32 id = 1;

		vm = ksec_vm_get_next(&id, nla_get_u32(pid_attr));
	}
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, id_attr ?: pid_attr,
				    "no such VM");
		return -ENOENT;
	}

	err = -ENOMEM;
	v = kmalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		goto out_put;
	ksec_vm_fill_view(vm, v);
	msg = genlmsg_new(ksec_vm_msg_size(), GFP_KERNEL);
	if (!msg)
		goto out_free;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ksec_family, 0, KVM_SEC_CMD_GET_VM);
	if (!hdr || ksec_put_vm(msg, v)) {
		nlmsg_free(msg);
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_free:
	kfree(v);
out_put:
	ksec_vm_put(vm);
	return err;
}

/* cb->args[0]: the next VM ID to send. */
static int ksec_nl_dump_vms(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *pid_attr = info->attrs[KVM_SEC_A_VM_PID];
	pid_t pid = pid_attr ? nla_get_u32(pid_attr) : 0;
	u32 id = cb->args[0] ?: 1;
	struct ksec_vm_view *v;
	struct ksec_vm *vm;
	int err = 0;
	void *hdr;

	v = kmalloc(sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	cb->seq = ksec_registry_generation();
	while ((vm = ksec_vm_get_next(&id, pid))) {
		ksec_vm_fill_view(vm, v);
		ksec_vm_put(vm);
		hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid,
				  cb->nlh->nlmsg_seq, &ksec_family, NLM_F_MULTI,
				  KVM_SEC_CMD_GET_VM);
		if (!hdr) {
			err = -EMSGSIZE;
			break;
		}
		genl_dump_check_consistent(cb, hdr);
		if (ksec_put_vm(skb, v)) {
			genlmsg_cancel(skb, hdr);
			err = -EMSGSIZE;
			break;
		}
		genlmsg_end(skb, hdr);
		id++;
	}
	cb->args[0] = id;
	kfree(v);
	/* Cannot happen (ksec_netlink_init() checks the worst case). */
	if (err && !skb->len)
		return err;
	return skb->len;
}

/*
 * Errors found before a dump starts are acknowledged as such (6.1 gives a
 * start callback no extended ack: the errno says it all).
 */
static int ksec_nl_get_flows_start(struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	struct nlattr *id = info->attrs[KVM_SEC_A_VM_ID];
	struct ksec_vm *vm;

	if (!id)
		return -EINVAL;
	vm = ksec_vm_get_by_id(nla_get_u32(id));
	if (!vm)
		return -ENOENT;
	ksec_vm_put(vm);
	return 0;
}

/* A GET_VM dump takes a PID to filter by, never an ID. */
static int ksec_nl_dump_vms_start(struct netlink_callback *cb)
{
	return genl_dumpit_info(cb)->attrs[KVM_SEC_A_VM_ID] ? -EINVAL : 0;
}

/* cb->args[0]: the next flow to send; cb->args[1]: the dump is over. */
static int ksec_nl_dump_flows(struct sk_buff *skb, struct netlink_callback *cb)
{
	const struct genl_dumpit_info *info = genl_dumpit_info(cb);
	u32 id = nla_get_u32(info->attrs[KVM_SEC_A_VM_ID]);
	struct ksec_guest_flows *f;
	struct nlattr *nest;
	struct ksec_vm *vm;
	unsigned int i;
	void *hdr;
	int err;

	if (cb->args[1])
		return 0;
	vm = ksec_vm_get_by_id(id);
	if (!vm)
		return -ENOENT;		/* gone during the dump */
	err = -ENOMEM;
	f = kmalloc(sizeof(*f), GFP_KERNEL);
	if (!f)
		goto out_put;
	ksec_guest_get_flows(vm, f);
	/*
	 * A report replacing the flows during the dump: NLM_F_DUMP_INTR. The
	 * module's count of reports, not the guest's sequence number (which
	 * a guest could move by 2^32 to fool a 32-bit comparison).
	 */
	cb->seq = (u32)f->generation ?: 1;
	err = -EMSGSIZE;
	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &ksec_family, NLM_F_MULTI, KVM_SEC_CMD_GET_FLOWS);
	if (!hdr)
		goto out_free;
	genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, KVM_SEC_A_VM_ID, id) ||
	    nla_put_u64_64bit(skb, KVM_SEC_A_GUEST_SEQ, f->seq, KVM_SEC_A_PAD))
		nest = NULL;
	else
		nest = nla_nest_start(skb, KVM_SEC_A_FLOWS);
	if (!nest) {
		genlmsg_cancel(skb, hdr);
		goto out_free;
	}
	for (i = cb->args[0]; i < f->nr; i++) {
		struct nlattr *one = nla_nest_start(skb, KVM_SEC_GUEST_FLOW);

		if (!one || ksec_put_flow(skb, &f->flows[i])) {
			if (one)
				nla_nest_cancel(skb, one);
			break;
		}
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	cb->args[0] = i;
	cb->args[1] = i >= f->nr;
	err = skb->len;
out_free:
	kfree(f);
out_put:
	ksec_vm_put(vm);
	return err;
}

static int ksec_put_prefixes(struct sk_buff *skb)
{
	struct virtio_vsem_prefix p[KVM_SEC_MAX_PREFIXES];
	unsigned int n = ksec_guest_get_prefixes(p);

	return nla_put(skb, KVM_SEC_A_PREFIXES, n * sizeof(p[0]), p);
}

static int ksec_put_config(struct sk_buff *skb)
{
	struct ksec_hsem_rule rule;

	ksec_hsem_get_rule(&rule);
	if (nla_put_u32(skb, KVM_SEC_A_INTERVAL_MS,
			ksec_sampler_interval_ms()) ||
	    ksec_put_prefixes(skb) ||
	    ksec_put_rule(skb, KVM_SEC_A_RULE, &rule) ||
	    nla_put_u8(skb, KVM_SEC_A_MIGRATION_KEYED, ksec_migration_keyed()))
		return -EMSGSIZE;
	return 0;
}

static int ksec_put_status(struct sk_buff *skb)
{
	struct nlattr *nest = nla_nest_start(skb, KVM_SEC_A_STATUS);

	if (!nest ||
	    nla_put_u32(skb, KVM_SEC_STATUS_VMS, ksec_vm_count()) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_VMS_SEEN,
			      atomic64_read(&ksec_status.vms_seen),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_VMS_GONE,
			      atomic64_read(&ksec_status.vms_gone),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_UNTRACKED_EXITS,
			      ksec_untracked_total(), KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_ALLOC_FAILURES,
			      atomic64_read(&ksec_status.alloc_failures),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_EVENTS_DROPPED,
			      atomic64_read(&ksec_status.events_dropped),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_RESCANS,
			      atomic64_read(&ksec_status.rescans),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u32(skb, KVM_SEC_STATUS_PROBES, ksec_probes_attached()) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_PROBE_MISSES,
			      ksec_lifecycle_missed(), KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_ADOPTED,
			      atomic64_read(&ksec_status.adopted),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_VMS_REFUSED,
			      atomic64_read(&ksec_status.refused),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u32(skb, KVM_SEC_STATUS_MAX_VMS, ksec_max_vms()) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_LATE_RELEASES,
			      atomic64_read(&ksec_status.late_releases),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u32(skb, KVM_SEC_STATUS_NETDEVS, ksec_netdev_count()) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_NETDEV_SCANS,
			      atomic64_read(&ksec_status.netdev_scans),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_NETDEV_REFUSED,
			      atomic64_read(&ksec_status.netdev_refused),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_NETDEV_UNRESOLVED,
			      atomic64_read(&ksec_status.netdev_unresolved),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_MIGRATIONS_OUT,
			      atomic64_read(&ksec_status.migrations_out),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_MIGRATIONS_UNKEYED,
			      atomic64_read(&ksec_status.migrations_unkeyed),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_MIGRATIONS_IN,
			      atomic64_read(&ksec_status.migrations_in),
			      KVM_SEC_STATUS_PAD) ||
	    nla_put_u64_64bit(skb, KVM_SEC_STATUS_MIGRATIONS_REFUSED,
			      atomic64_read(&ksec_status.migrations_refused),
			      KVM_SEC_STATUS_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int ksec_nl_reply(struct genl_info *info, u8 cmd,
			 int (*fill)(struct sk_buff *skb))
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &ksec_family, 0, cmd);
	if (!hdr || fill(msg)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
}

static int ksec_nl_get_config(struct sk_buff *skb, struct genl_info *info)
{
	return ksec_nl_reply(info, KVM_SEC_CMD_GET_CONFIG, ksec_put_config);
}

static int ksec_nl_get_status(struct sk_buff *skb, struct genl_info *info)
{
	return ksec_nl_reply(info, KVM_SEC_CMD_GET_STATUS, ksec_put_status);
}

/* The rule in @attr (policy-checked): its fields, and which were given. */
int ksec_parse_rule(const struct nlattr *attr, struct ksec_hsem_rule *r,
		    u32 *mask, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_RULE_MAX + 1];
	int err, i;

	err = nla_parse_nested(tb, KVM_SEC_RULE_MAX, attr, ksec_rule_policy,
			       extack);
	if (err)
		return err;
	memset(r, 0, sizeof(*r));
	*mask = 0;
	for (i = KVM_SEC_RULE_K_TENTHS; i <= KVM_SEC_RULE_MAX; i++)
		if (tb[i])
			*mask |= BIT(i);
	if (tb[KVM_SEC_RULE_K_TENTHS])
		r->r.k_tenths = nla_get_u32(tb[KVM_SEC_RULE_K_TENTHS]);
	if (tb[KVM_SEC_RULE_M])
		r->r.m = nla_get_u8(tb[KVM_SEC_RULE_M]);
	if (tb[KVM_SEC_RULE_N])
		r->r.n = nla_get_u8(tb[KVM_SEC_RULE_N]);
	if (tb[KVM_SEC_RULE_WARM])
		r->r.warm = nla_get_u32(tb[KVM_SEC_RULE_WARM]);
	if (tb[KVM_SEC_RULE_DECIDE])
		r->decide = nla_get_u32(tb[KVM_SEC_RULE_DECIDE]);
	if (tb[KVM_SEC_RULE_CALM])
		r->calm = nla_get_u32(tb[KVM_SEC_RULE_CALM]);
	if (tb[KVM_SEC_RULE_LIMIT_LEVEL2_PCT])
		r->limit_level2_pct =
			nla_get_u32(tb[KVM_SEC_RULE_LIMIT_LEVEL2_PCT]);
	if (tb[KVM_SEC_RULE_LIMIT_ATTACK_PCT])
		r->limit_attack_pct =
			nla_get_u32(tb[KVM_SEC_RULE_LIMIT_ATTACK_PCT]);
	return 0;
}

const char ksec_rule_why[] =
	"rule: K 0.1..100, 1 <= M <= N <= 32, warm-up 0..100000, decide and calm 1..3600";

static int ksec_nl_set_config(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *interval = info->attrs[KVM_SEC_A_INTERVAL_MS];
	struct nlattr *prefixes = info->attrs[KVM_SEC_A_PREFIXES];
	struct nlattr *rule_attr = info->attrs[KVM_SEC_A_RULE];
	struct nlattr *key = info->attrs[KVM_SEC_A_MIGRATION_KEY];
	struct crypto_shash *tfm = NULL;
	struct ksec_hsem_rule rule;
	const char *why;
	u32 mask = 0;
	int err;

	/* The policy checked ranges and refused any other attribute. */
	if (!interval && !prefixes && !rule_attr && !key) {
		GENL_SET_ERR_MSG(info, "no configuration attribute given");
		return -EINVAL;
	}
	if (key && nla_len(key) &&
	    (nla_len(key) < KVM_SEC_MIGRATION_KEY_MIN ||
	     nla_len(key) > KVM_SEC_MIGRATION_KEY_MAX)) {
		NL_SET_ERR_MSG_ATTR(info->extack, key,
				    "a migration key has 16 to 64 bytes (none to remove it)");
		return -EINVAL;
	}
	if (rule_attr) {
		err = ksec_parse_rule(rule_attr, &rule, &mask, info->extack);
		if (err)
			return err;
	}
	/* Everything is checked before anything is applied. */
	if (prefixes &&
	    ksec_guest_check_prefixes(nla_data(prefixes), nla_len(prefixes),
				      &why)) {
		ksec_extack(info->extack, prefixes, why);
		return -EINVAL;
	}
	/* The key may fail to be made (no memory): before anything. */
	if (key) {
		err = ksec_migration_key_prepare(nla_data(key), nla_len(key),
						 &tfm);
		if (err) {
			NL_SET_ERR_MSG_ATTR(info->extack, key,
					    "cannot make the migration key (HMAC-SHA256)");
			return err;
		}
	}
	/* The rule is checked as a whole with the module's, then applied. */
	if (rule_attr && ksec_hsem_update_rule(&rule, mask)) {
		ksec_migration_key_abort(tfm);
		ksec_extack(info->extack, rule_attr, ksec_rule_why);
		return -EINVAL;
	}
	if (key)
		ksec_migration_key_commit(tfm);
	if (interval &&
	    nla_get_u32(interval) != ksec_sampler_interval_ms()) {
		/* Values per interval of another length: histories restart. */
		ksec_sampler_set_interval_ms(nla_get_u32(interval));
	}
	if (prefixes)
		ksec_guest_set_prefixes(nla_data(prefixes), nla_len(prefixes));
	return 0;
}

/*
 * The VM a GUEST_REPORT speaks for: the one whose file the sender names by
 * a descriptor of its own file table. Holding the file is the proof; the
 * file also keeps the VM alive while it is looked up.
 */
static struct ksec_vm *ksec_nl_vm_of_fd(struct genl_info *info,
					const struct nlattr *fd_attr)
{
	struct ksec_vm *vm;
	struct file *file;
	struct kvm *kvm;

	file = fget(nla_get_u32(fd_attr));
	if (!file) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr,
				    "not a file descriptor of the sending process");
		return ERR_PTR(-EBADF);
	}
	kvm = ksec_file_kvm(file);
	if (!kvm) {
		fput(file);
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr,
				    "not a KVM VM or vCPU file");
		return ERR_PTR(-EBADF);
	}
	vm = ksec_vm_get_by_kvm(kvm);
	fput(file);
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, fd_attr,
				    "kvm-sec does not track that VM");
		return ERR_PTR(-ESRCH);
	}
	return vm;
}

/* A VMM forwards its guest's report, for the VM whose file it holds. */
static int ksec_nl_guest_report(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *report = info->attrs[KVM_SEC_A_GUEST_REPORT];
	struct nlattr *fd_attr = info->attrs[KVM_SEC_A_VM_FD];
	struct nlattr *epoch_attr = info->attrs[KVM_SEC_A_GUEST_EPOCH];
	struct ksec_guest_control *ctl;
	u64 epoch;
	const char *why = NULL;
	struct sk_buff *msg;
	struct ksec_vm *vm;
	void *hdr;
	int err;

	if (!report || !fd_attr) {
		NL_SET_ERR_MSG_ATTR(info->extack, report ?: fd_attr,
				    "give KVM_SEC_A_VM_FD and KVM_SEC_A_GUEST_REPORT");
		return -EINVAL;
	}
	vm = ksec_nl_vm_of_fd(info, fd_attr);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	err = -ENOMEM;
	ctl = kzalloc(sizeof(*ctl), GFP_KERNEL);
	if (!ctl)
		goto out_put;
	if (epoch_attr)
		epoch = nla_get_u64(epoch_attr);
	err = ksec_guest_report(vm, nla_data(report), nla_len(report),
				epoch_attr ? &epoch : NULL, ctl, &why);
	if (err) {
		if (why)
			ksec_extack(info->extack, report, why);
		goto out_free;
	}
	err = -ENOMEM;
	msg = genlmsg_new(nla_total_size(sizeof(u8)) +
			  2 * nla_total_size(sizeof(u32)) +
			  nla_total_size(sizeof(ctl->history)) +
			  nla_total_size(KVM_SEC_MAX_PREFIXES *
					 sizeof(struct virtio_vsem_prefix)),
			  GFP_KERNEL);
	if (!msg)
		goto out_free;
	hdr = genlmsg_put_reply(msg, info, &ksec_family, 0,
				KVM_SEC_CMD_GUEST_REPORT);
	if (!hdr ||
	    nla_put_u8(msg, KVM_SEC_A_GUEST_LEVEL, ctl->level_cmd) ||
	    nla_put_u32(msg, KVM_SEC_A_GUEST_INTERVAL_MS, ctl->interval_cmd) ||
	    nla_put_u32(msg, KVM_SEC_A_GUEST_HISTORY_SEQ, ctl->history_seq) ||
	    (ctl->history_seq &&
	     nla_put(msg, KVM_SEC_A_GUEST_HISTORY, sizeof(ctl->history),
		     ctl->history)) ||
	    ksec_put_prefixes(msg)) {
		nlmsg_free(msg);
		err = -EMSGSIZE;
		goto out_free;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_free:
	kfree(ctl);
out_put:
	ksec_vm_put(vm);
	return err;
}

/* The limits given (bits of @given), all checked; nothing applied. */
int ksec_parse_limits(const struct nlattr *attr, struct ksec_limit_spec *spec,
		      unsigned long *given, struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_LIMIT_MAX + 1];
	struct nlattr *bt[KVM_SEC_BUCKET_BURST + 1];
	unsigned int i;
	int err;

	err = nla_parse_nested(tb, KVM_SEC_LIMIT_MAX, attr, ksec_limits_policy,
			       extack);
	if (err)
		return err;
	*given = 0;
	for (i = 0; i < KSEC_LIM_NR; i++) {
		const struct nlattr *a = tb[KVM_SEC_LIMIT_TX_PACKETS + i];

		if (!a)
			continue;
		err = nla_parse_nested(bt, KVM_SEC_BUCKET_BURST, a,
				       ksec_bucket_policy, extack);
		if (err)
			return err;
		if (!bt[KVM_SEC_BUCKET_SIZE]) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "a limit needs KVM_SEC_BUCKET_SIZE (0 lifts it)");
			return -EINVAL;
		}
		spec[i].size = nla_get_u64(bt[KVM_SEC_BUCKET_SIZE]);
		spec[i].refill_ms = bt[KVM_SEC_BUCKET_REFILL_MS] ?
			nla_get_u32(bt[KVM_SEC_BUCKET_REFILL_MS]) : 1000;
		spec[i].burst = bt[KVM_SEC_BUCKET_BURST] ?
			nla_get_u64(bt[KVM_SEC_BUCKET_BURST]) : 0;
		if (!ksec_limit_spec_valid(i, &spec[i])) {
			if (i == KSEC_LIM_CPU)
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "a CPU limit is at least 1000 us per 1 to 1000 ms, without burst");
			else
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "a burst needs a size: a lifted limit has none");
			return -EINVAL;
		}
		*given |= BIT(i);
	}
	if (!*given) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "KVM_SEC_A_VM_LIMITS holds no limit");
		return -EINVAL;
	}
	return 0;
}

/* The directions given (else -1), all checked; nothing applied. */
int ksec_parse_block(const struct nlattr *attr, int *tx, int *rx,
		     struct netlink_ext_ack *extack)
{
	struct nlattr *bt[KVM_SEC_BLOCK_RX + 1];
	int err;

	err = nla_parse_nested(bt, KVM_SEC_BLOCK_RX, attr, ksec_block_policy,
			       extack);
	if (err)
		return err;
	if (!bt[KVM_SEC_BLOCK_TX] && !bt[KVM_SEC_BLOCK_RX]) {
		NL_SET_ERR_MSG_ATTR(extack, attr,
				    "KVM_SEC_A_VM_BLOCK needs KVM_SEC_BLOCK_TX or _RX");
		return -EINVAL;
	}
	*tx = bt[KVM_SEC_BLOCK_TX] ? (int)nla_get_u32(bt[KVM_SEC_BLOCK_TX]) : -1;
	*rx = bt[KVM_SEC_BLOCK_RX] ? (int)nla_get_u32(bt[KVM_SEC_BLOCK_RX]) : -1;
	return 0;
}

/* The agent's report, as a whole: what is absent is 0. */
static int ksec_parse_agent(const struct nlattr *attr,
			    struct ksec_agent_report *r,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *tb[KVM_SEC_AGENT_CGROUP + 1];
	int err;

	err = nla_parse_nested(tb, KVM_SEC_AGENT_CGROUP, attr,
			       ksec_agent_policy, extack);
	if (err)
		return err;
	if (tb[KVM_SEC_AGENT_CPU_QUOTA_US])
		r->cpu_quota_us = nla_get_u64(tb[KVM_SEC_AGENT_CPU_QUOTA_US]);
	if (tb[KVM_SEC_AGENT_CPU_PERIOD_US])
		r->cpu_period_us = nla_get_u32(tb[KVM_SEC_AGENT_CPU_PERIOD_US]);
	if (tb[KVM_SEC_AGENT_WEIGHT])
		r->weight = nla_get_u32(tb[KVM_SEC_AGENT_WEIGHT]);
	if (tb[KVM_SEC_AGENT_THREADS])
		r->threads = nla_get_u32(tb[KVM_SEC_AGENT_THREADS]);
	if (tb[KVM_SEC_AGENT_ERROR])
		r->error = nla_get_u32(tb[KVM_SEC_AGENT_ERROR]);
	if (tb[KVM_SEC_AGENT_CGROUP])
		nla_strscpy(r->cgroup, tb[KVM_SEC_AGENT_CGROUP],
			    sizeof(r->cgroup));
	if (r->cpu_quota_us && !r->cpu_period_us) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "a CPU quota needs its period");
		return -EINVAL;
	}
	return 0;
}

static int ksec_nl_set_vm(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[KVM_SEC_A_VM_ID];
	struct nlattr *level = info->attrs[KVM_SEC_A_GUEST_LEVEL];
	struct nlattr *interval = info->attrs[KVM_SEC_A_GUEST_INTERVAL_MS];
	struct nlattr *rule_attr = info->attrs[KVM_SEC_A_RULE];
	struct nlattr *limits = info->attrs[KVM_SEC_A_VM_LIMITS];
	struct nlattr *agent = info->attrs[KVM_SEC_A_VM_AGENT];
	struct nlattr *block = info->attrs[KVM_SEC_A_VM_BLOCK];
	struct ksec_limit_spec spec[KSEC_LIM_NR];
	int block_tx = -1, block_rx = -1;
	struct ksec_agent_report *report = NULL;
	unsigned long given = 0;
	struct ksec_hsem_rule rule;
	struct ksec_vm *vm;
	u32 mask = 0;
	int err = 0;

	if (!id || (!level && !interval && !rule_attr && !limits && !agent &&
		    !block)) {
		GENL_SET_ERR_MSG(info,
				 "give KVM_SEC_A_VM_ID and KVM_SEC_A_GUEST_LEVEL, _INTERVAL_MS, KVM_SEC_A_RULE, KVM_SEC_A_VM_LIMITS, _BLOCK or _AGENT");
		return -EINVAL;
	}
	if (block) {
		err = ksec_parse_block(block, &block_tx, &block_rx,
				       info->extack);
		if (err)
			return err;
	}
	if (limits) {
		err = ksec_parse_limits(limits, spec, &given, info->extack);
		if (err)
			return err;
	}
	if (agent) {
		report = kzalloc(sizeof(*report), GFP_KERNEL);
		if (!report)
			return -ENOMEM;
		err = ksec_parse_agent(agent, report, info->extack);
		if (err)
			goto out_free;
	}
	if (interval && nla_get_u32(interval) &&
	    nla_get_u32(interval) < VIRTIO_VSEM_INTERVAL_MIN_MS) {
		NL_SET_ERR_MSG_ATTR(info->extack, interval,
				    "the interval is 0 or 100 to 60000 ms");
		err = -EINVAL;
		goto out_free;
	}
	vm = ksec_vm_get_by_id(nla_get_u32(id));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such VM");
		err = -ENOENT;
		goto out_free;
	}
	mutex_lock(&vm->admin_lock);
	/* What exit limits need, before anything changes. */
	err = ksec_limit_prepare(vm, given, spec);
	if (err)
		goto out;
	if (rule_attr) {
		err = ksec_parse_rule(rule_attr, &rule, &mask, info->extack);
		if (err)
			goto out;
		/* First: if it is refused, nothing else changes either. */
		err = ksec_hsem_update_vm_rule(vm, &rule, mask);
		if (err) {
			ksec_extack(info->extack, rule_attr, ksec_rule_why);
			goto out;
		}
	}
	/* Each attribute given changes its setting; the others stay. */
	if (level || interval)
		err = ksec_guest_command(vm, level ? (int)nla_get_u8(level) : -1,
					 interval ? (s64)nla_get_u32(interval) : -1);
	if (!err && level)
		ksec_hsem_command_level(vm, nla_get_u8(level));
	if (!err && (given || block)) {
		if (given)
			err = ksec_limit_set(vm, given, spec);
		if (!err && block)
			ksec_limit_set_block(&vm->lim, block_tx, block_rx);
		if (!err)
			ksec_nl_notify_limits(vm, KVM_SEC_LIMIT_BY_ADMIN);
	}
	if (!err && report) {
		ksec_limit_agent_report(&vm->lim, report);
		ksec_nl_notify_limits(vm, KVM_SEC_LIMIT_BY_AGENT);
	}
	/* The admin decided for this VM: no migrated state replaces it. */
	if (!err && (rule_attr || level || given || block))
		vm->state_given = true;
out:
	mutex_unlock(&vm->admin_lock);
	ksec_vm_put(vm);
out_free:
	kfree(report);
	return err;
}

/*
 * A message about one VM, as a reply (@info), in a dump (@cb, which then
 * flags VMs coming and going during it) or as an event (neither).
 */
struct ksec_vm_msg {
	size_t (*size)(void);	/* its attributes after KVM_SEC_A_VM_ID */
	size_t scratch;		/* the memory fill() works in */
	int (*fill)(struct sk_buff *skb, struct ksec_vm *vm, void *scratch,
		    int arg);
};

static int ksec_put_vm_msg(struct sk_buff *skb, struct ksec_vm *vm,
			   const struct ksec_vm_msg *m, u8 cmd, int arg,
			   void *scratch, const struct genl_info *info,
			   struct netlink_callback *cb)
{
	u32 portid = 0, seq = 0;
	int flags = 0;
	void *hdr;

	if (cb) {
		portid = NETLINK_CB(cb->skb).portid;
		seq = cb->nlh->nlmsg_seq;
		flags = NLM_F_MULTI;
	} else if (info) {
		portid = info->snd_portid;
		seq = info->snd_seq;
	}
	hdr = genlmsg_put(skb, portid, seq, &ksec_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (cb)
		genl_dump_check_consistent(cb, hdr);
	if (nla_put_u32(skb, KVM_SEC_A_VM_ID, vm->id) ||
	    m->fill(skb, vm, scratch, arg)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* The doit of a per-VM command: the VM named by KVM_SEC_A_VM_ID. */
static int ksec_nl_get_one(struct genl_info *info, const struct ksec_vm_msg *m,
			   int arg)
{
	struct nlattr *id = info->attrs[KVM_SEC_A_VM_ID];
	struct sk_buff *msg;
	struct ksec_vm *vm;
	void *scratch;
	int err;

	if (!id) {
		GENL_SET_ERR_MSG(info, "give KVM_SEC_A_VM_ID (or dump)");
		return -EINVAL;
	}
	vm = ksec_vm_get_by_id(nla_get_u32(id));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such VM");
		return -ENOENT;
	}
	err = -ENOMEM;
	scratch = kmalloc(m->scratch, GFP_KERNEL);
	msg = genlmsg_new(nla_total_size(sizeof(u32)) + m->size(), GFP_KERNEL);
	if (!scratch || !msg)
		goto out;
	err = ksec_put_vm_msg(msg, vm, m, info->genlhdr->cmd, arg, scratch,
			      info, NULL);
	if (!err) {
		err = genlmsg_reply(msg, info);
		msg = NULL;
	}
out:
	nlmsg_free(msg);
	kfree(scratch);
	ksec_vm_put(vm);
	return err;
}

/* The dumpit of a per-VM command; cb->args[0]: the next VM ID to send. */
static int ksec_nl_dump_each(struct sk_buff *skb, struct netlink_callback *cb,
			     const struct ksec_vm_msg *m, int arg)
{
	u8 cmd = ((struct genlmsghdr *)nlmsg_data(cb->nlh))->cmd;
	u32 id = cb->args[0] ?: 1;
	struct ksec_vm *vm;
	void *scratch;
	int err = 0;

	scratch = kmalloc(m->scratch, GFP_KERNEL);
	if (!scratch)
		return -ENOMEM;
	cb->seq = ksec_registry_generation();
	while ((vm = ksec_vm_get_next(&id, 0))) {
		err = ksec_put_vm_msg(skb, vm, m, cmd, arg, scratch, NULL, cb);
		ksec_vm_put(vm);
		if (err)
			break;
		id++;
	}
	cb->args[0] = id;
	kfree(scratch);
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* @features: with the history of every feature (not in events). */
static int ksec_fill_decision(struct sk_buff *skb, struct ksec_vm *vm,
			      void *scratch, int features)
{
	struct ksec_hsem_view *hv = scratch;

	ksec_hsem_fill_view(vm, hv);
	return ksec_put_decision(skb, hv, features);
}

static size_t ksec_decision_msg_size(void)
{
	return ksec_decision_size(true);
}

static const struct ksec_vm_msg ksec_decision_msg = {
	.size = ksec_decision_msg_size,
	.scratch = sizeof(struct ksec_hsem_view),
	.fill = ksec_fill_decision,
};

static int ksec_nl_get_decision(struct sk_buff *skb, struct genl_info *info)
{
	return ksec_nl_get_one(info, &ksec_decision_msg, true);
}

static int ksec_nl_dump_decisions(struct sk_buff *skb,
				  struct netlink_callback *cb)
{
	return ksec_nl_dump_each(skb, cb, &ksec_decision_msg, true);
}

/* Every limit in force or that ever dropped a frame or paced an exit. */
static int ksec_put_limits(struct sk_buff *skb, const struct ksec_limit_view *v)
{
	struct nlattr *nest, *one;
	unsigned int i;

	nest = nla_nest_start(skb, KVM_SEC_A_VM_LIMITS);
	if (!nest)
		return -EMSGSIZE;
	for (i = 0; i < KSEC_LIM_NR; i++) {
		if (!(v->active & BIT(i)) && !v->drops[i])
			continue;
		one = nla_nest_start(skb, KVM_SEC_LIMIT_TX_PACKETS + i);
		if (!one ||
		    nla_put_u64_64bit(skb, KVM_SEC_BUCKET_SIZE, v->spec[i].size,
				      KVM_SEC_BUCKET_PAD) ||
		    nla_put_u32(skb, KVM_SEC_BUCKET_REFILL_MS,
				v->spec[i].refill_ms) ||
		    nla_put_u64_64bit(skb, KVM_SEC_BUCKET_BURST, v->spec[i].burst,
				      KVM_SEC_BUCKET_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_BUCKET_TOKENS, v->tokens[i],
				      KVM_SEC_BUCKET_PAD) ||
		    nla_put_u64_64bit(skb, KVM_SEC_BUCKET_DROPS, v->drops[i],
				      KVM_SEC_BUCKET_PAD) ||
		    nla_put_u8(skb, KVM_SEC_BUCKET_SET_BY, v->owner[i]) ||
		    (ksec_lim_is_exit(i) &&
		     nla_put_u64_64bit(skb, KVM_SEC_BUCKET_WAIT_US,
				       v->wait_us[i], KVM_SEC_BUCKET_PAD)))
			return -EMSGSIZE;
		nla_nest_end(skb, one);
	}
	nla_nest_end(skb, nest);
	return 0;
}

static int ksec_put_agent(struct sk_buff *skb,
			  const struct ksec_agent_report *r)
{
	struct nlattr *nest = nla_nest_start(skb, KVM_SEC_A_VM_AGENT);
	u64 age = div_u64(ktime_get_ns() - r->at_ns, NSEC_PER_MSEC);

	if (!nest ||
	    nla_put_u64_64bit(skb, KVM_SEC_AGENT_CPU_QUOTA_US, r->cpu_quota_us,
			      KVM_SEC_AGENT_PAD) ||
	    nla_put_u32(skb, KVM_SEC_AGENT_CPU_PERIOD_US, r->cpu_period_us) ||
	    nla_put_u32(skb, KVM_SEC_AGENT_WEIGHT, r->weight) ||
	    nla_put_u32(skb, KVM_SEC_AGENT_THREADS, r->threads) ||
	    nla_put_u32(skb, KVM_SEC_AGENT_ERROR, r->error) ||
	    nla_put_string(skb, KVM_SEC_AGENT_CGROUP, r->cgroup) ||
	    nla_put_u64_64bit(skb, KVM_SEC_AGENT_AGE_MS, age, KVM_SEC_AGENT_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/* The destination-class rule, once one was set (lifted since, or not). */
static int ksec_put_block(struct sk_buff *skb, const struct ksec_limit_view *v)
{
	struct nlattr *nest;

	if (!v->block_ever)
		return 0;
	nest = nla_nest_start(skb, KVM_SEC_A_VM_BLOCK);
	if (!nest ||
	    nla_put_u32(skb, KVM_SEC_BLOCK_TX, v->block[0]) ||
	    nla_put_u32(skb, KVM_SEC_BLOCK_RX, v->block[1]) ||
	    nla_put_u8(skb, KVM_SEC_BLOCK_SET_BY, v->block_owner) ||
	    ksec_put_u64s(skb, KVM_SEC_BLOCK_TX_DROPS,
			  KVM_SEC_BLOCK_DROPS_OUTSIDE, KVM_SEC_BLOCK_DROPS_PAD,
			  v->block_drops[0], KVM_SEC_PEER_CLASS_NR) ||
	    ksec_put_u64s(skb, KVM_SEC_BLOCK_RX_DROPS,
			  KVM_SEC_BLOCK_DROPS_OUTSIDE, KVM_SEC_BLOCK_DROPS_PAD,
			  v->block_drops[1], KVM_SEC_PEER_CLASS_NR))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

struct ksec_limits_scratch {
	struct ksec_limit_view lim;
	u32 tids[KVM_SEC_VCPU_TIDS_MAX];
};

/* @reason: a LIMIT event's (else negative). */
static int ksec_fill_limits(struct sk_buff *skb, struct ksec_vm *vm,
			    void *scratch, int reason)
{
	struct ksec_limits_scratch *v = scratch;
	u8 level, verdict;
	unsigned int n;
	bool near;

	ksec_limit_fill_view(&vm->lim, &v->lim);
	n = ksec_vm_vcpu_tids(vm, v->tids, ARRAY_SIZE(v->tids));
	ksec_hsem_summary(vm, &level, &verdict, &near);
	if (ksec_put_limits(skb, &v->lim) || ksec_put_block(skb, &v->lim) ||
	    (reason >= 0 && nla_put_u8(skb, KVM_SEC_A_LIMIT_REASON, reason)) ||
	    nla_put_u32(skb, KVM_SEC_A_VM_PID, vm->pid) ||
	    nla_put_u8(skb, KVM_SEC_A_VM_NEAR_CAPACITY, near) ||
	    (n && nla_put(skb, KVM_SEC_A_VM_VCPU_TIDS, n * sizeof(u32),
			  v->tids)) ||
	    (v->lim.agent.at_ns && ksec_put_agent(skb, &v->lim.agent)))
		return -EMSGSIZE;
	return 0;
}

static const struct ksec_vm_msg ksec_limits_msg = {
	.size = ksec_limits_msg_size,
	.scratch = sizeof(struct ksec_limits_scratch),
	.fill = ksec_fill_limits,
};

static int ksec_nl_get_limits(struct sk_buff *skb, struct genl_info *info)
{
	return ksec_nl_get_one(info, &ksec_limits_msg, -1);
}

static int ksec_nl_dump_limits(struct sk_buff *skb, struct netlink_callback *cb)
{
	return ksec_nl_dump_each(skb, cb, &ksec_limits_msg, -1);
}

/* GET_STATE: the key that finds the VM after a reload, and its state. */
static int ksec_fill_state(struct sk_buff *skb, struct ksec_vm *vm,
			   void *scratch, int unused)
{
	if (nla_put_u32(skb, KVM_SEC_A_VM_PID, vm->pid) ||
	    nla_put_string(skb, KVM_SEC_A_VM_COMM, vm->comm) ||
	    nla_put_u64_64bit(skb, KVM_SEC_A_VM_VMM_START_NS,
			      vm->vmm_start_ns, KVM_SEC_A_PAD))
		return -EMSGSIZE;
	return ksec_put_state(skb, vm, scratch);
}

static size_t ksec_state_msg_size(void)
{
	return nla_total_size(sizeof(u32)) + nla_total_size(TASK_COMM_LEN) +
	       nla_total_size_64bit(sizeof(u64)) + ksec_state_size();
}

static const struct ksec_vm_msg ksec_state_msg = {
	.size = ksec_state_msg_size,
	.scratch = sizeof(struct ksec_state_scratch),
	.fill = ksec_fill_state,
};

static int ksec_nl_get_state(struct sk_buff *skb, struct genl_info *info)
{
	return ksec_nl_get_one(info, &ksec_state_msg, 0);
}

static int ksec_nl_dump_states(struct sk_buff *skb, struct netlink_callback *cb)
{
	return ksec_nl_dump_each(skb, cb, &ksec_state_msg, 0);
}

static int ksec_nl_set_state(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[KVM_SEC_A_VM_ID];
	struct nlattr *attr = info->attrs[KVM_SEC_A_VM_STATE];
	struct nlattr *pid = info->attrs[KVM_SEC_A_VM_PID];
	struct nlattr *start = info->attrs[KVM_SEC_A_VM_VMM_START_NS];
	struct ksec_state *st;
	struct ksec_vm *vm;
	int err;

	if (!id || !attr) {
		GENL_SET_ERR_MSG(info, "give KVM_SEC_A_VM_ID and KVM_SEC_A_VM_STATE");
		return -EINVAL;
	}
	st = kmalloc(sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	err = ksec_parse_state(attr, st, info->extack);
	if (err)
		goto out_free;
	vm = ksec_vm_get_by_id(nla_get_u32(id));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such VM");
		err = -ENOENT;
		goto out_free;
	}
	/* An ID reused since the key was read: another VM. */
	if ((pid && nla_get_u32(pid) != vm->pid) ||
	    (start && nla_get_u64(start) != vm->vmm_start_ns)) {
		NL_SET_ERR_MSG_ATTR(info->extack, id,
				    "the VM of this ID has another VMM than the state's");
		err = -ESTALE;
	} else if (!info->attrs[KVM_SEC_A_STATE_CHECK]) {
		mutex_lock(&vm->admin_lock);
		err = ksec_state_apply(vm, st);
		/* The admin's restore: no migrated state replaces it. */
		if (!err)
			vm->state_given = true;
		mutex_unlock(&vm->admin_lock);
	}
	ksec_vm_put(vm);
out_free:
	kfree(st);
	return err;
}

/* A VMM takes its VM's state, sealed, for its migration stream. */
static int ksec_nl_migrate_save(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[KVM_SEC_A_VM_FD];
	struct sk_buff *msg;
	struct ksec_vm *vm;
	void *hdr;
	int err;

	if (!fd_attr) {
		GENL_SET_ERR_MSG(info, "give KVM_SEC_A_VM_FD");
		return -EINVAL;
	}
	vm = ksec_nl_vm_of_fd(info, fd_attr);
	if (IS_ERR(vm))
		return PTR_ERR(vm);
	err = -ENOMEM;
	msg = genlmsg_new(nla_total_size(ksec_migration_size()), GFP_KERNEL);
	if (!msg)
		goto out_put;
	err = -EMSGSIZE;
	hdr = genlmsg_put_reply(msg, info, &ksec_family, 0,
				KVM_SEC_CMD_MIGRATE_SAVE);
	if (hdr)
		err = ksec_migration_save(msg, vm, info->extack);
	if (err) {
		nlmsg_free(msg);
		goto out_put;
	}
	genlmsg_end(msg, hdr);
	err = genlmsg_reply(msg, info);
out_put:
	ksec_vm_put(vm);
	return err;
}

/* The destination's VMM gives its new VM the state it was carried. */
static int ksec_nl_migrate_load(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *fd_attr = info->attrs[KVM_SEC_A_VM_FD];
	struct nlattr *state = info->attrs[KVM_SEC_A_MIGRATION_STATE];
	struct ksec_vm *vm;
	int err;

	if (!fd_attr || !state) {
		atomic64_inc(&ksec_status.migrations_refused);
		GENL_SET_ERR_MSG(info,
				 "give KVM_SEC_A_VM_FD and KVM_SEC_A_MIGRATION_STATE");
		return -EINVAL;
	}
	vm = ksec_nl_vm_of_fd(info, fd_attr);
	if (IS_ERR(vm)) {
		atomic64_inc(&ksec_status.migrations_refused);
		return PTR_ERR(vm);
	}
	err = ksec_migration_load(vm, state, info->extack);
	ksec_vm_put(vm);
	return err;
}

/* Bind or unbind a device by hand (NETDEV_ADD, NETDEV_DEL). */
static int ksec_nl_netdev(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *id = info->attrs[KVM_SEC_A_VM_ID];
	struct nlattr *name = info->attrs[KVM_SEC_A_IFNAME];
	const char *why = NULL;
	struct ksec_vm *vm;
	int err;

	if (!id || !name) {
		GENL_SET_ERR_MSG(info, "give KVM_SEC_A_VM_ID and KVM_SEC_A_IFNAME");
		return -EINVAL;
	}
	vm = ksec_vm_get_by_id(nla_get_u32(id));
	if (!vm) {
		NL_SET_ERR_MSG_ATTR(info->extack, id, "no such VM");
		return -ENOENT;
	}
	if (info->genlhdr->cmd == KVM_SEC_CMD_NETDEV_ADD)
		err = ksec_netdev_add(vm, nla_data(name), &why);
	else
		err = ksec_netdev_del(vm, nla_data(name), &why);
	if (err && why)
		ksec_extack(info->extack, name, why);
	ksec_vm_put(vm);
	return err;
}

static const struct genl_ops ksec_ops[] = {
	{
		.cmd	= KVM_SEC_CMD_GET_VM,
		.doit	= ksec_nl_get_vm,
		.start	= ksec_nl_dump_vms_start,
		.dumpit	= ksec_nl_dump_vms,
		.policy	= ksec_get_vm_policy,
		.maxattr = ARRAY_SIZE(ksec_get_vm_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_CONFIG,
		.doit	= ksec_nl_get_config,
	},
	{
		.cmd	= KVM_SEC_CMD_SET_CONFIG,
		.doit	= ksec_nl_set_config,
		.policy	= ksec_set_config_policy,
		.maxattr = ARRAY_SIZE(ksec_set_config_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_STATUS,
		.doit	= ksec_nl_get_status,
	},
	{
		/* Unprivileged: the sender proves it holds the VM's file. */
		.cmd	= KVM_SEC_CMD_GUEST_REPORT,
		.doit	= ksec_nl_guest_report,
		.policy	= ksec_guest_report_policy,
		.maxattr = ARRAY_SIZE(ksec_guest_report_policy) - 1,
	},
	{
		.cmd	= KVM_SEC_CMD_SET_VM,
		.doit	= ksec_nl_set_vm,
		.policy	= ksec_set_vm_policy,
		.maxattr = ARRAY_SIZE(ksec_set_vm_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_FLOWS,
		.start	= ksec_nl_get_flows_start,
		.dumpit	= ksec_nl_dump_flows,
		.policy	= ksec_get_flows_policy,
		.maxattr = ARRAY_SIZE(ksec_get_flows_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_NETDEV_ADD,
		.doit	= ksec_nl_netdev,
		.policy	= ksec_netdev_policy,
		.maxattr = ARRAY_SIZE(ksec_netdev_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_DECISION,
		.doit	= ksec_nl_get_decision,
		/* A dump is of every VM: an ID is refused, as for GET_VM. */
		.start	= ksec_nl_dump_vms_start,
		.dumpit	= ksec_nl_dump_decisions,
		.policy	= ksec_get_decision_policy,
		.maxattr = ARRAY_SIZE(ksec_get_decision_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_NETDEV_DEL,
		.doit	= ksec_nl_netdev,
		.policy	= ksec_netdev_policy,
		.maxattr = ARRAY_SIZE(ksec_netdev_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_LIMITS,
		.doit	= ksec_nl_get_limits,
		.start	= ksec_nl_dump_vms_start,
		.dumpit	= ksec_nl_dump_limits,
		.policy	= ksec_get_decision_policy,
		.maxattr = ARRAY_SIZE(ksec_get_decision_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_GET_STATE,
		.doit	= ksec_nl_get_state,
		.start	= ksec_nl_dump_vms_start,
		.dumpit	= ksec_nl_dump_states,
		.policy	= ksec_get_decision_policy,
		.maxattr = ARRAY_SIZE(ksec_get_decision_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		.cmd	= KVM_SEC_CMD_SET_STATE,
		.doit	= ksec_nl_set_state,
		.policy	= ksec_set_state_policy,
		.maxattr = ARRAY_SIZE(ksec_set_state_policy) - 1,
		.flags	= GENL_ADMIN_PERM,
	},
	{
		/* No capability: the VM's file is the proof. */
		.cmd	= KVM_SEC_CMD_MIGRATE_SAVE,
		.doit	= ksec_nl_migrate_save,
		.policy	= ksec_migrate_policy,
		.maxattr = ARRAY_SIZE(ksec_migrate_policy) - 1,
	},
	{
		.cmd	= KVM_SEC_CMD_MIGRATE_LOAD,
		.doit	= ksec_nl_migrate_load,
		.policy	= ksec_migrate_policy,
		.maxattr = ARRAY_SIZE(ksec_migrate_policy) - 1,
	},
};

static struct genl_family ksec_family = {
	.name		= KVM_SEC_GENL_NAME,
	.version	= KVM_SEC_GENL_VERSION,
	.module		= THIS_MODULE,
	.ops		= ksec_ops,
	.n_ops		= ARRAY_SIZE(ksec_ops),
	.mcgrps		= ksec_mcgrps,
	.n_mcgrps	= ARRAY_SIZE(ksec_mcgrps),
	/* Handlers lock what they touch: no family-wide mutex. */
	.parallel_ops	= true,
	/* VMs belong to the host: the family lives in the initial netns. */
	.netnsok	= false,
};

/* Send an event (consumed); one the listeners did not get is counted. */
static void ksec_nl_multicast(struct sk_buff *msg)
{
	int err = genlmsg_multicast(&ksec_family, msg, 0, KSEC_MCGRP_EVENTS,
				    GFP_KERNEL);

	/* -ESRCH: every listener left meanwhile. */
	if (err && err != -ESRCH)
		atomic64_inc(&ksec_status.events_dropped);
}

void ksec_nl_notify_vm(struct ksec_vm *vm, u8 cmd)
{
	struct ksec_vm_view *v;
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&ksec_family, &init_net, KSEC_MCGRP_EVENTS))
		return;
	v = kmalloc(sizeof(*v), GFP_KERNEL);
	msg = genlmsg_new(ksec_vm_ident_size() + ksec_counters_size(),
			  GFP_KERNEL);
	if (!v || !msg)
		goto drop;
	ksec_vm_fill_view(vm, v);
	hdr = genlmsg_put(msg, 0, 0, &ksec_family, 0, cmd);
	if (!hdr || ksec_put_vm_ident(msg, v) ||
	    (cmd == KVM_SEC_CMD_VM_DEL &&
	     ksec_put_counters(msg, KVM_SEC_A_VM_COUNTERS, v->tot)))
		goto drop;
	genlmsg_end(msg, hdr);
	kfree(v);
	ksec_nl_multicast(msg);
	return;
drop:
	nlmsg_free(msg);
	kfree(v);
	atomic64_inc(&ksec_status.events_dropped);
}

/* An event about one VM; one that cannot be sent is counted. */
static void ksec_nl_notify_one(struct ksec_vm *vm,
			       const struct ksec_vm_msg *m, u8 cmd, int arg)
{
	struct sk_buff *msg;
	void *scratch;

	if (!genl_has_listeners(&ksec_family, &init_net, KSEC_MCGRP_EVENTS))
		return;
	scratch = kmalloc(m->scratch, GFP_KERNEL);
	msg = genlmsg_new(nla_total_size(sizeof(u32)) + m->size(), GFP_KERNEL);
	if (!scratch || !msg ||
	    ksec_put_vm_msg(msg, vm, m, cmd, arg, scratch, NULL, NULL)) {
		nlmsg_free(msg);
		kfree(scratch);
		atomic64_inc(&ksec_status.events_dropped);
		return;
	}
	kfree(scratch);
	ksec_nl_multicast(msg);
}

void ksec_nl_notify_decision(struct ksec_vm *vm, u8 cmd)
{
	ksec_nl_notify_one(vm, &ksec_decision_msg, cmd, false);
}

void ksec_nl_notify_limits(struct ksec_vm *vm, u8 reason)
{
	ksec_nl_notify_one(vm, &ksec_limits_msg, KVM_SEC_CMD_LIMIT, reason);
}

int ksec_netlink_init(void)
{
	/* Every VM message fits a dump buffer of the smallest size. */
	BUILD_BUG_ON(ksec_vm_msg_size() > NLMSG_GOODSIZE - GENL_HDRLEN -
		     NLMSG_HDRLEN);
	/* So does every decision (GET_DECISION dumps). */
	BUILD_BUG_ON(nla_total_size(sizeof(u32)) + ksec_decision_size(true) >
		     NLMSG_GOODSIZE - GENL_HDRLEN - NLMSG_HDRLEN);
	/* And every limits message (GET_LIMITS dumps). */
	BUILD_BUG_ON(nla_total_size(sizeof(u32)) + ksec_limits_msg_size() >
		     NLMSG_GOODSIZE - GENL_HDRLEN - NLMSG_HDRLEN);
	/* And every VM's state (GET_STATE dumps). */
	BUILD_BUG_ON(nla_total_size(sizeof(u32)) + ksec_state_msg_size() >
		     NLMSG_GOODSIZE - GENL_HDRLEN - NLMSG_HDRLEN);
	return genl_register_family(&ksec_family);
}

void ksec_netlink_exit(void)
{
	genl_unregister_family(&ksec_family);
}
