// SPDX-License-Identifier: GPL-2.0
/*
 * Generic netlink transport to kvm-sec.ko (see kvm-sec/uapi/linux/kvm_sec.h).
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "ipc.h"
#include "ipc_decision.h"
#include "ipc_limit.h"
#include "ipc_net.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct vsec_ipc {
	struct nl_sock *sk;
	int family;
	char errmsg[256];
};

const char *const vsec_ctr_key[VSEC_NR_CTR] = {
	"exits", "hypercalls", "pio_in", "pio_out", "mmio_read",
	"mmio_write", "msr_read", "msr_write", "halts", "irqs", "other",
	"pio_elements",
};

const char *const vsec_ctr_label[VSEC_NR_CTR] = {
	"exits", "hypercalls", "port I/O in", "port I/O out", "MMIO reads",
	"MMIO writes", "MSR reads", "MSR writes", "halts", "interrupts",
	"other exits", "port I/O elements",
};

const char *const vsec_feat_key[VSEC_NR_FEAT] = {
	"tx_packets", "tx_bytes", "rx_packets", "rx_bytes", "send_failures",
	"destinations", "hv_requests", "cpu_permille", "mem_permille",
};

const char *const vsec_level_name[3] = { "auto", "1", "2" };
const char *const vsec_origin_name[3] = { "created", "discovered", "adopted" };

const char *const vsec_switch_name[4] = {
	"none", "anomaly", "commanded", "calm",
};

static struct nla_policy vsec_policy[KVM_SEC_A_MAX + 1] = {
	[KVM_SEC_A_VM_ID]		= { .type = NLA_U32 },
	[KVM_SEC_A_VM_PID]		= { .type = NLA_U32 },
	[KVM_SEC_A_VM_COMM]		= { .type = NLA_STRING },
	[KVM_SEC_A_VM_VCPUS]		= { .type = NLA_U32 },
	[KVM_SEC_A_VM_CREATED_NS]	= { .type = NLA_U64 },
	[KVM_SEC_A_VM_DISCOVERED]	= { .type = NLA_FLAG },
	[KVM_SEC_A_VM_COUNTERS]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_RATES]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_HYPERCALLS]	= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_PORTS]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_MMIO_PAGES]	= { .type = NLA_NESTED },
	[KVM_SEC_A_INTERVAL_MS]		= { .type = NLA_U32 },
	[KVM_SEC_A_STATUS]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_GUEST]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_ORIGIN]		= { .type = NLA_U8 },
	[KVM_SEC_A_GUEST_SEQ]		= { .type = NLA_U64 },
	[KVM_SEC_A_FLOWS]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_NET]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_LEVEL]		= { .type = NLA_U8 },
	[KVM_SEC_A_VM_VERDICT]		= { .type = NLA_U8 },
	[KVM_SEC_A_DECISION]		= { .type = NLA_NESTED },
	[KVM_SEC_A_RULE]		= { .type = NLA_NESTED },
	[KVM_SEC_A_MIGRATION_KEYED]	= { .type = NLA_U8 },
	[KVM_SEC_A_VM_NEAR_CAPACITY]	= { .type = NLA_U8 },
	[KVM_SEC_A_VM_LIMITS]		= { .type = NLA_NESTED },
	[KVM_SEC_A_LIMIT_REASON]	= { .type = NLA_U8 },
	[KVM_SEC_A_VM_VCPU_TIDS]	= { .type = NLA_UNSPEC },
	[KVM_SEC_A_VM_AGENT]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_BLOCK]		= { .type = NLA_NESTED },
	[KVM_SEC_A_VM_VMM_START_NS]	= { .type = NLA_U64 },
	[KVM_SEC_A_VM_STATE]		= { .type = NLA_NESTED },
};

static struct nla_policy vsec_ctr_policy[KVM_SEC_CTR_MAX + 1] = {
	[KVM_SEC_CTR_EXITS]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_HYPERCALLS] = { .type = NLA_U64 },
	[KVM_SEC_CTR_PIO_IN]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_PIO_OUT]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_MMIO_READ]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_MMIO_WRITE] = { .type = NLA_U64 },
	[KVM_SEC_CTR_MSR_READ]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_MSR_WRITE]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_HALTS]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_IRQS]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_OTHER]	 = { .type = NLA_U64 },
	[KVM_SEC_CTR_PIO_ELEMENTS] = { .type = NLA_U64 },
};

static struct nla_policy vsec_top_policy[KVM_SEC_TOP_MAX + 1] = {
	[KVM_SEC_TOP_ENTRY]	= { .type = NLA_NESTED },
	[KVM_SEC_TOP_OTHER]	= { .type = NLA_U64 },
};

static struct nla_policy vsec_entry_policy[KVM_SEC_TOP_ENTRY_MAX + 1] = {
	[KVM_SEC_TOP_ENTRY_KEY]		= { .type = NLA_U64 },
	[KVM_SEC_TOP_ENTRY_COUNT]	= { .type = NLA_U64 },
	[KVM_SEC_TOP_ENTRY_ERROR]	= { .type = NLA_U64 },
};

static struct nla_policy vsec_status_policy[KVM_SEC_STATUS_MAX + 1] = {
	[KVM_SEC_STATUS_VMS]		= { .type = NLA_U32 },
	[KVM_SEC_STATUS_PROBES]		= { .type = NLA_U32 },
	[KVM_SEC_STATUS_VMS_SEEN]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_VMS_GONE]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_UNTRACKED_EXITS] = { .type = NLA_U64 },
	[KVM_SEC_STATUS_ALLOC_FAILURES]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_EVENTS_DROPPED]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_RESCANS]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_PROBE_MISSES]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_ADOPTED]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_VMS_REFUSED]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_MAX_VMS]	= { .type = NLA_U32 },
	[KVM_SEC_STATUS_LATE_RELEASES]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_NETDEVS]	= { .type = NLA_U32 },
	[KVM_SEC_STATUS_NETDEV_SCANS]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_NETDEV_REFUSED]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_NETDEV_UNRESOLVED] = { .type = NLA_U64 },
	[KVM_SEC_STATUS_MIGRATIONS_OUT]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_MIGRATIONS_UNKEYED] = { .type = NLA_U64 },
	[KVM_SEC_STATUS_MIGRATIONS_IN]	= { .type = NLA_U64 },
	[KVM_SEC_STATUS_MIGRATIONS_REFUSED] = { .type = NLA_U64 },
};

/* Lengths are checked by the policy: libnl's nla_get_u8/u32 do not. */
static struct nla_policy vsec_flow_policy[KVM_SEC_FLOW_MAX + 1] = {
	[KVM_SEC_FLOW_FAMILY]	= { .type = NLA_U8 },
	[KVM_SEC_FLOW_ADDR]	= { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[KVM_SEC_FLOW_OUTSIDE]	= { .type = NLA_U8 },
	[KVM_SEC_FLOW_PACKETS]	= { .type = NLA_U64 },
	[KVM_SEC_FLOW_BYTES]	= { .type = NLA_U64 },
	[KVM_SEC_FLOW_PID]	= { .type = NLA_U32 },
	[KVM_SEC_FLOW_COMM]	= { .type = NLA_STRING },
};

static struct nla_policy vsec_guest_policy[KVM_SEC_GUEST_MAX + 1] = {
	[KVM_SEC_GUEST_REPORTS]		= { .type = NLA_U64 },
	[KVM_SEC_GUEST_REJECTED]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_THROTTLED]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_INCONSISTENT]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_SEQ]		= { .type = NLA_U64 },
	[KVM_SEC_GUEST_AGE_MS]		= { .type = NLA_U64 },
	[KVM_SEC_GUEST_LEVEL]		= { .type = NLA_U8 },
	[KVM_SEC_GUEST_LEVEL_CMD]	= { .type = NLA_U8 },
	[KVM_SEC_GUEST_SWITCH_REASON]	= { .type = NLA_U8 },
	[KVM_SEC_GUEST_SWITCHES]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_ANOMALIES]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_INTERVAL_MS]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_HISTORY_SEQ]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_LAST]		= { .type = NLA_NESTED },
	[KVM_SEC_GUEST_TOTAL]		= { .type = NLA_NESTED },
	[KVM_SEC_GUEST_MEAN]		= { .type = NLA_NESTED },
	[KVM_SEC_GUEST_SPREAD]		= { .type = NLA_NESTED },
	[KVM_SEC_GUEST_NEAR_CAPACITY]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_INTERVALS]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_INTERVAL_CMD]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_NR_FLOWS]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_EPOCH]		= { .type = NLA_U64 },
	[KVM_SEC_GUEST_EPOCHS]		= { .type = NLA_U64 },
	[KVM_SEC_GUEST_REPORT_FLAGS]	= { .type = NLA_U32 },
	[KVM_SEC_GUEST_LOSS]		= { .type = NLA_NESTED },
	[KVM_SEC_GUEST_TAMPERED]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_NET_CLAIMED_TX]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_NET_SEEN_TX]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_NET_CLAIMED_RX]	= { .type = NLA_U64 },
	[KVM_SEC_GUEST_NET_SEEN_RX]	= { .type = NLA_U64 },
};

static struct nla_policy vsec_loss_policy[KVM_SEC_LOSS_MAX + 1] = {
	[KVM_SEC_LOSS_UNSTORED_PACKETS]	= { .type = NLA_U64 },
	[KVM_SEC_LOSS_HV_UNSTORED]	= { .type = NLA_U64 },
	[KVM_SEC_LOSS_FLOWS_TRIMMED]	= { .type = NLA_U64 },
	[KVM_SEC_LOSS_REPORTS_DROPPED]	= { .type = NLA_U64 },
	[KVM_SEC_LOSS_ESTIMATED]	= { .type = NLA_U8 },
};

static int vsec_errno(int nlerr)
{
	switch (nlerr < 0 ? -nlerr : nlerr) {
	case NLE_PERM:		return -EPERM;
	case NLE_OBJ_NOTFOUND:	return -ENOENT;
	case NLE_NOMEM:		return -ENOMEM;
	case NLE_INVAL:		return -EINVAL;
	case NLE_RANGE:		return -ERANGE;
	case NLE_MSGSIZE:	return -EMSGSIZE;
	case NLE_BUSY:		return -EBUSY;
	case NLE_AGAIN:		return -EAGAIN;
	case NLE_INTR:		return -EINTR;
	default:		return -EIO;
	}
}

int vsec_ipc_open(struct vsec_ipc **out)
{
	struct vsec_ipc *ipc = calloc(1, sizeof(*ipc));
	int one = 1, err;

	if (!ipc)
		return -ENOMEM;
	ipc->sk = nl_socket_alloc();
	if (!ipc->sk) {
		free(ipc);
		return -ENOMEM;
	}
	err = genl_connect(ipc->sk);
	if (err < 0) {
		err = vsec_errno(err);
		goto fail;
	}
	/* Ask for the module's error messages (extended acks). */
	setsockopt(nl_socket_get_fd(ipc->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	ipc->family = genl_ctrl_resolve(ipc->sk, KVM_SEC_GENL_NAME);
	if (ipc->family < 0) {
		err = -ENOENT;
		goto fail;
	}
	*out = ipc;
	return 0;
fail:
	nl_socket_free(ipc->sk);
	free(ipc);
	return err;
}

void vsec_ipc_close(struct vsec_ipc *ipc)
{
	if (!ipc)
		return;
	nl_socket_free(ipc->sk);
	free(ipc);
}

const char *vsec_ipc_error_msg(const struct vsec_ipc *ipc)
{
	return ipc->errmsg[0] ? ipc->errmsg : NULL;
}

static int parse_counters(struct nlattr *nest, uint64_t *val)
{
	struct nlattr *tb[KVM_SEC_CTR_MAX + 1];
	int i, err;

	err = nla_parse_nested(tb, KVM_SEC_CTR_MAX, nest, vsec_ctr_policy);
	if (err < 0)
		return -EPROTO;
	for (i = 0; i < VSEC_NR_CTR; i++)
		val[i] = tb[KVM_SEC_CTR_EXITS + i] ?
			 nla_get_u64(tb[KVM_SEC_CTR_EXITS + i]) : 0;
	return 0;
}

static int parse_top(struct nlattr *nest, struct vsec_top *top)
{
	struct nlattr *tb[KVM_SEC_TOP_MAX + 1];
	struct nlattr *pos;
	int rem, err;

	memset(top, 0, sizeof(*top));
	err = nla_parse_nested(tb, KVM_SEC_TOP_MAX, nest, vsec_top_policy);
	if (err < 0)
		return -EPROTO;
	top->present = true;
	if (tb[KVM_SEC_TOP_OTHER])
		top->other = nla_get_u64(tb[KVM_SEC_TOP_OTHER]);
	nla_for_each_nested(pos, nest, rem) {
		struct nlattr *e[KVM_SEC_TOP_ENTRY_MAX + 1];

		if (nla_type(pos) != KVM_SEC_TOP_ENTRY)
			continue;
		if (top->nr == KVM_SEC_TOP_ENTRIES)
			return -EPROTO;
		if (nla_parse_nested(e, KVM_SEC_TOP_ENTRY_MAX, pos,
				     vsec_entry_policy) < 0 ||
		    !e[KVM_SEC_TOP_ENTRY_KEY] || !e[KVM_SEC_TOP_ENTRY_COUNT])
			return -EPROTO;
		top->e[top->nr].key = nla_get_u64(e[KVM_SEC_TOP_ENTRY_KEY]);
		top->e[top->nr].count = nla_get_u64(e[KVM_SEC_TOP_ENTRY_COUNT]);
		top->e[top->nr].err = e[KVM_SEC_TOP_ENTRY_ERROR] ?
			nla_get_u64(e[KVM_SEC_TOP_ENTRY_ERROR]) : 0;
		top->nr++;
	}
	return 0;
}

int vsec_parse_u64s(struct nlattr *nest, int first, int n, uint64_t *val)
{
	struct nlattr *a;
	int rem;

	nla_for_each_nested(a, nest, rem) {
		int i = nla_type(a) - first;

		if (i < 0 || i >= n)
			continue;	/* a newer module's attribute */
		if (nla_len(a) != sizeof(uint64_t))
			return -EPROTO;
		val[i] = nla_get_u64(a);
	}
	return 0;
}

/* Guest features: feature n at type n + 2. */
static int parse_features(struct nlattr *nest, uint64_t *f)
{
	return vsec_parse_u64s(nest, 2, VSEC_NR_FEAT, f);
}

static int parse_flow(struct nlattr *nest, struct vsec_flow *f)
{
	struct nlattr *tb[KVM_SEC_FLOW_MAX + 1];

	if (nla_parse_nested(tb, KVM_SEC_FLOW_MAX, nest, vsec_flow_policy) < 0 ||
	    !tb[KVM_SEC_FLOW_FAMILY] || !tb[KVM_SEC_FLOW_ADDR])
		return -EPROTO;
	f->family = nla_get_u8(tb[KVM_SEC_FLOW_FAMILY]);
	if (nla_len(tb[KVM_SEC_FLOW_ADDR]) > (int)sizeof(f->addr))
		return -EPROTO;
	memcpy(f->addr, nla_data(tb[KVM_SEC_FLOW_ADDR]),
	       (size_t)nla_len(tb[KVM_SEC_FLOW_ADDR]));
	f->outside = tb[KVM_SEC_FLOW_OUTSIDE] &&
		     nla_get_u8(tb[KVM_SEC_FLOW_OUTSIDE]);
	if (tb[KVM_SEC_FLOW_PACKETS])
		f->packets = nla_get_u64(tb[KVM_SEC_FLOW_PACKETS]);
	if (tb[KVM_SEC_FLOW_BYTES])
		f->bytes = nla_get_u64(tb[KVM_SEC_FLOW_BYTES]);
	if (tb[KVM_SEC_FLOW_PID])
		f->pid = nla_get_u32(tb[KVM_SEC_FLOW_PID]);
	if (tb[KVM_SEC_FLOW_COMM])
		nla_strlcpy(f->comm, tb[KVM_SEC_FLOW_COMM], sizeof(f->comm));
	return 0;
}

/* An attribute of tb[], if present, into g->field. */
#define U64(attr, field) \
	do { if (tb[attr]) g->field = nla_get_u64(tb[attr]); } while (0)
#define U32(attr, field) \
	do { if (tb[attr]) g->field = nla_get_u32(tb[attr]); } while (0)
#define U8(attr, field) \
	do { if (tb[attr]) g->field = nla_get_u8(tb[attr]); } while (0)

static int parse_loss(struct nlattr *nest, struct vsec_guest *g)
{
	struct nlattr *tb[KVM_SEC_LOSS_MAX + 1];

	if (nla_parse_nested(tb, KVM_SEC_LOSS_MAX, nest, vsec_loss_policy) < 0)
		return -EPROTO;
	g->has_loss = true;
	U64(KVM_SEC_LOSS_UNSTORED_PACKETS, loss_unstored_packets);
	U64(KVM_SEC_LOSS_HV_UNSTORED, loss_hv_unstored);
	U64(KVM_SEC_LOSS_FLOWS_TRIMMED, loss_flows_trimmed);
	U64(KVM_SEC_LOSS_REPORTS_DROPPED, loss_reports_dropped);
	U8(KVM_SEC_LOSS_ESTIMATED, loss_estimated);
	return 0;
}

static int parse_guest(struct nlattr *nest, struct vsec_guest *g)
{
	struct nlattr *tb[KVM_SEC_GUEST_MAX + 1];

	if (nla_parse_nested(tb, KVM_SEC_GUEST_MAX, nest, vsec_guest_policy) < 0)
		return -EPROTO;
	g->present = true;
	U64(KVM_SEC_GUEST_REPORTS, reports);
	U64(KVM_SEC_GUEST_REJECTED, rejected);
	U64(KVM_SEC_GUEST_THROTTLED, throttled);
	U64(KVM_SEC_GUEST_INCONSISTENT, inconsistent);
	U64(KVM_SEC_GUEST_SEQ, seq);
	U64(KVM_SEC_GUEST_SWITCHES, switches);
	U64(KVM_SEC_GUEST_EPOCH, epoch);
	U64(KVM_SEC_GUEST_EPOCHS, epochs);
	U64(KVM_SEC_GUEST_AGE_MS, age_ms);
	U64(KVM_SEC_GUEST_TAMPERED, tampered);
	U64(KVM_SEC_GUEST_NET_CLAIMED_TX, claimed_tx);
	U64(KVM_SEC_GUEST_NET_SEEN_TX, seen_tx);
	U64(KVM_SEC_GUEST_NET_CLAIMED_RX, claimed_rx);
	U64(KVM_SEC_GUEST_NET_SEEN_RX, seen_rx);
	g->has_age = tb[KVM_SEC_GUEST_AGE_MS] != NULL;
	U8(KVM_SEC_GUEST_LEVEL, level);
	U8(KVM_SEC_GUEST_LEVEL_CMD, level_cmd);
	U8(KVM_SEC_GUEST_SWITCH_REASON, switch_reason);
	U32(KVM_SEC_GUEST_ANOMALIES, anomalies);
	U32(KVM_SEC_GUEST_INTERVAL_MS, interval_ms);
	U32(KVM_SEC_GUEST_HISTORY_SEQ, history_seq);
	U32(KVM_SEC_GUEST_REPORT_FLAGS, report_flags);
	U32(KVM_SEC_GUEST_NEAR_CAPACITY, near_capacity);
	U32(KVM_SEC_GUEST_INTERVALS, intervals);
	U32(KVM_SEC_GUEST_INTERVAL_CMD, interval_cmd);
	U32(KVM_SEC_GUEST_NR_FLOWS, flows_reported);
#undef U64
#undef U32
#undef U8
	if ((tb[KVM_SEC_GUEST_LAST] &&
	     parse_features(tb[KVM_SEC_GUEST_LAST], g->last)) ||
	    (tb[KVM_SEC_GUEST_TOTAL] &&
	     parse_features(tb[KVM_SEC_GUEST_TOTAL], g->total)) ||
	    (tb[KVM_SEC_GUEST_MEAN] &&
	     parse_features(tb[KVM_SEC_GUEST_MEAN], g->mean)) ||
	    (tb[KVM_SEC_GUEST_SPREAD] &&
	     parse_features(tb[KVM_SEC_GUEST_SPREAD], g->spread)) ||
	    (tb[KVM_SEC_GUEST_LOSS] && parse_loss(tb[KVM_SEC_GUEST_LOSS], g)))
		return -EPROTO;
	return 0;
}

static int parse_vm(struct nlattr **tb, struct vsec_vm *vm)
{
	memset(vm, 0, sizeof(*vm));
	if (!tb[KVM_SEC_A_VM_ID])
		return -EPROTO;
	vm->id = nla_get_u32(tb[KVM_SEC_A_VM_ID]);
	if (tb[KVM_SEC_A_VM_PID])
		vm->pid = nla_get_u32(tb[KVM_SEC_A_VM_PID]);
	if (tb[KVM_SEC_A_VM_COMM])
		nla_strlcpy(vm->comm, tb[KVM_SEC_A_VM_COMM], sizeof(vm->comm));
	if (tb[KVM_SEC_A_VM_VCPUS]) {
		vm->vcpus = nla_get_u32(tb[KVM_SEC_A_VM_VCPUS]);
		vm->has_vcpus = true;
	}
	if (tb[KVM_SEC_A_VM_CREATED_NS])
		vm->created_ns = nla_get_u64(tb[KVM_SEC_A_VM_CREATED_NS]);
	vm->discovered = tb[KVM_SEC_A_VM_DISCOVERED] != NULL;
	if (tb[KVM_SEC_A_VM_ORIGIN])
		vm->origin = nla_get_u8(tb[KVM_SEC_A_VM_ORIGIN]);
	if (tb[KVM_SEC_A_INTERVAL_MS]) {
		vm->interval_ms = nla_get_u32(tb[KVM_SEC_A_INTERVAL_MS]);
		vm->has_interval = true;
	}
	if (tb[KVM_SEC_A_VM_COUNTERS]) {
		if (parse_counters(tb[KVM_SEC_A_VM_COUNTERS], vm->ctr))
			return -EPROTO;
		vm->has_ctr = true;
	}
	if (tb[KVM_SEC_A_VM_RATES]) {
		if (parse_counters(tb[KVM_SEC_A_VM_RATES], vm->rate))
			return -EPROTO;
		vm->has_rate = true;
	}
	if ((tb[KVM_SEC_A_VM_HYPERCALLS] &&
	     parse_top(tb[KVM_SEC_A_VM_HYPERCALLS], &vm->hypercalls)) ||
	    (tb[KVM_SEC_A_VM_PORTS] &&
	     parse_top(tb[KVM_SEC_A_VM_PORTS], &vm->ports)) ||
	    (tb[KVM_SEC_A_VM_MMIO_PAGES] &&
	     parse_top(tb[KVM_SEC_A_VM_MMIO_PAGES], &vm->mmio_pages)) ||
	    (tb[KVM_SEC_A_VM_GUEST] &&
	     parse_guest(tb[KVM_SEC_A_VM_GUEST], &vm->guest)) ||
	    (tb[KVM_SEC_A_VM_NET] &&
	     vsec_parse_net(tb[KVM_SEC_A_VM_NET], &vm->net)) ||
	    (tb[KVM_SEC_A_DECISION] &&
	     vsec_parse_decision(tb[KVM_SEC_A_DECISION], &vm->decision)) ||
	    (tb[KVM_SEC_A_VM_LIMITS] &&
	     vsec_parse_limits_msg(tb, &vm->limits)))
		return -EPROTO;
	if (tb[KVM_SEC_A_VM_LEVEL] && tb[KVM_SEC_A_VM_VERDICT]) {
		vm->has_level = true;
		vm->level = nla_get_u8(tb[KVM_SEC_A_VM_LEVEL]);
		vm->verdict = nla_get_u8(tb[KVM_SEC_A_VM_VERDICT]);
	}
	/* An older module does not say: then nothing is shown, not "no". */
	if (tb[KVM_SEC_A_VM_NEAR_CAPACITY]) {
		vm->has_near_capacity = true;
		vm->near_capacity = nla_get_u8(tb[KVM_SEC_A_VM_NEAR_CAPACITY]);
	}
	return 0;
}

/* One request/response exchange. */
struct vsec_req {
	struct vsec_ipc *ipc;
	int (*handle)(struct vsec_req *req, struct nlattr **tb,
		      struct nlmsghdr *nlh);
	void *arg;
	int err;
	bool done;
	bool interrupted;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct vsec_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[KVM_SEC_A_MAX + 1];
	int err;

	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		req->interrupted = true;
	if (genlmsg_parse(nlh, 0, tb, KVM_SEC_A_MAX, vsec_policy) < 0) {
		req->err = -EPROTO;
		return NL_STOP;
	}
	err = req->handle ? req->handle(req, tb, nlh) : 0;
	if (err) {
		req->err = err;
		return NL_STOP;
	}
	return NL_OK;
}

/*
 * A message flagged NLM_F_DUMP_INTR: the VM set changed during the dump.
 * Without this callback libnl ends the dump with NLE_DUMP_INTR; with it,
 * the dump is read to its end and the caller decides whether to retry.
 */
static int on_dump_intr(struct nl_msg *msg, void *arg)
{
	struct vsec_req *req = arg;

	(void)msg;
	req->interrupted = true;
	return NL_OK;
}

/* A dump's end: it carries the dump's error, if any (netlink(7)). */
static int on_finish(struct nl_msg *msg, void *arg)
{
	struct vsec_req *req = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	int err;

	if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(int))) {
		memcpy(&err, nlmsg_data(nlh), sizeof(err));
		if (err < 0)
			req->err = err;
	}
	req->done = true;
	return NL_STOP;
}

/* Keep the extended-ack message, if the kernel sent one. */
static void save_extack(struct vsec_ipc *ipc, struct nlmsghdr *nlh,
			struct nlmsgerr *e)
{
	size_t off = sizeof(*e);
	struct nlattr *attrs;
	int len;

	ipc->errmsg[0] = '\0';
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	len = (int)nlh->nlmsg_len - NLMSG_HDRLEN - (int)off;
	if (len <= 0)
		return;
	attrs = (struct nlattr *)((char *)e + off);
	for (struct nlattr *a = attrs; nla_ok(a, len); a = nla_next(a, &len))
		if (nla_type(a) == NLMSGERR_ATTR_MSG)
			nla_strlcpy(ipc->errmsg, a, sizeof(ipc->errmsg));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct vsec_req *req = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)e - 1;

	(void)nla;
	save_extack(req->ipc, nlh, e);
	req->err = e->error;
	req->done = true;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct vsec_req *req = arg;

	(void)msg;
	req->done = true;
	return NL_STOP;
}

static int vsec_transact(struct vsec_ipc *ipc, uint8_t cmd, int flags,
			 int (*build)(struct nl_msg *msg, const void *arg),
			 const void *build_arg, struct vsec_req *req)
{
	struct nl_msg *msg = nlmsg_alloc();
	struct nl_cb *cb = NULL;
	int err;

	ipc->errmsg[0] = '\0';
	req->ipc = ipc;
	req->err = 0;
	req->done = false;
	req->interrupted = false;
	if (!msg)
		return -ENOMEM;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, ipc->family, 0,
			 flags | NLM_F_ACK, cmd, KVM_SEC_GENL_VERSION)) {
		err = -EMSGSIZE;
		goto out;
	}
	if (build) {
		err = build(msg, build_arg);
		if (err)
			goto out;
	}
	cb = nl_cb_alloc(NL_CB_DEFAULT);
	if (!cb) {
		err = -ENOMEM;
		goto out;
	}
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, req);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, req);
	nl_cb_set(cb, NL_CB_DUMP_INTR, NL_CB_CUSTOM, on_dump_intr, req);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, req);
	nl_cb_err(cb, NL_CB_CUSTOM, on_error, req);
	err = nl_send_auto(ipc->sk, msg);
	if (err < 0) {
		err = vsec_errno(err);
		goto out;
	}
	while (!req->done && !req->err) {
		err = nl_recvmsgs(ipc->sk, cb);
		if (err < 0 && !req->err) {
			req->err = vsec_errno(err);
			break;
		}
	}
	err = req->err;
out:
	nl_cb_put(cb);
	nlmsg_free(msg);
	return err;
}

static int put_u32_attr(struct nl_msg *msg, const void *arg)
{
	const uint32_t *a = arg;	/* { type, value } */

	return nla_put_u32(msg, (int)a[0], a[1]) < 0 ? -EMSGSIZE : 0;
}

static int handle_one_vm(struct vsec_req *req, struct nlattr **tb,
			 struct nlmsghdr *nlh)
{
	(void)nlh;
	return parse_vm(tb, req->arg);
}

int vsec_ipc_get_vm(struct vsec_ipc *ipc, uint32_t id, struct vsec_vm *vm)
{
	uint32_t a[2] = { KVM_SEC_A_VM_ID, id };
	struct vsec_req req = { .handle = handle_one_vm, .arg = vm };

	return vsec_transact(ipc, KVM_SEC_CMD_GET_VM, 0, put_u32_attr, a, &req);
}

/*
 * Array @v of @nr entries of @size bytes, with room for one more (its
 * capacity doubled when full): @v itself, moved, or NULL (no memory; @v
 * is as it was).
 */
static void *grow(void *v, size_t *cap, size_t nr, size_t size)
{
	size_t n = *cap ? 2 * *cap : 16;
	void *p;

	if (nr < *cap)
		return v;
	p = realloc(v, n * size);
	if (p)
		*cap = n;
	return p;
}

struct vm_list {
	struct vsec_vm *vms;
	size_t nr, cap;
};

static int handle_list_vm(struct vsec_req *req, struct nlattr **tb,
			  struct nlmsghdr *nlh)
{
	struct vm_list *l = req->arg;
	struct vsec_vm *vms;

	(void)nlh;
	vms = grow(l->vms, &l->cap, l->nr, sizeof(*vms));
	if (!vms)
		return -ENOMEM;
	l->vms = vms;
	if (parse_vm(tb, &l->vms[l->nr]))
		return -EPROTO;
	l->nr++;
	return 0;
}

/*
 * A dump, taken again (up to 5 times) while the kernel flags it
 * interrupted (NLM_F_DUMP_INTR: the data changed under it); reset()
 * empties what a try collected. -EAGAIN if no try was consistent.
 */
static int vsec_dump(struct vsec_ipc *ipc, uint8_t cmd,
		     int (*build)(struct nl_msg *msg, const void *arg),
		     const void *build_arg,
		     int (*handle)(struct vsec_req *req, struct nlattr **tb,
				   struct nlmsghdr *nlh),
		     void *arg, void (*reset)(void *arg))
{
	int tries, err = 0;

	for (tries = 0; tries < 5; tries++) {
		struct vsec_req req = { .handle = handle, .arg = arg };

		reset(arg);
		err = vsec_transact(ipc, cmd, NLM_F_DUMP, build, build_arg,
				    &req);
		if (err || !req.interrupted)
			return err;
	}
	return -EAGAIN;
}

static void reset_list(void *arg)
{
	((struct vm_list *)arg)->nr = 0;
}

int vsec_ipc_list_vms(struct vsec_ipc *ipc, uint32_t pid,
		      struct vsec_vm **vms, size_t *nr)
{
	uint32_t a[2] = { KVM_SEC_A_VM_PID, pid };
	struct vm_list l = { 0 };
	int err;

	/* A VM appearing or going during the dump: take it again. */
	err = vsec_dump(ipc, KVM_SEC_CMD_GET_VM, pid ? put_u32_attr : NULL, a,
			handle_list_vm, &l, reset_list);
	if (err) {
		free(l.vms);
		return err;
	}
	*vms = l.vms;
	*nr = l.nr;
	return 0;
}

static int handle_flows(struct vsec_req *req, struct nlattr **tb,
			struct nlmsghdr *nlh)
{
	struct vsec_guest *g = req->arg;
	struct nlattr *a;
	int rem;

	(void)nlh;
	if (!tb[KVM_SEC_A_FLOWS])
		return -EPROTO;
	if (tb[KVM_SEC_A_GUEST_SEQ])
		g->flows_seq = nla_get_u64(tb[KVM_SEC_A_GUEST_SEQ]);
	nla_for_each_nested(a, tb[KVM_SEC_A_FLOWS], rem) {
		if (nla_type(a) != KVM_SEC_GUEST_FLOW)
			continue;
		if (g->nr_flows == VIRTIO_VSEM_MAX_FLOWS)
			return -EPROTO;
		memset(&g->flows[g->nr_flows], 0, sizeof(g->flows[0]));
		if (parse_flow(a, &g->flows[g->nr_flows++]))
			return -EPROTO;
	}
	return 0;
}

static void reset_flows(void *arg)
{
	((struct vsec_guest *)arg)->nr_flows = 0;
}

int vsec_ipc_get_flows(struct vsec_ipc *ipc, uint32_t id, struct vsec_guest *g)
{
	uint32_t a[2] = { KVM_SEC_A_VM_ID, id };
	int err;

	/* A report replacing the flows during the dump: take them again. */
	err = vsec_dump(ipc, KVM_SEC_CMD_GET_FLOWS, put_u32_attr, a,
			handle_flows, g, reset_flows);
	g->has_flows = !err;
	return err;
}

static int handle_config(struct vsec_req *req, struct nlattr **tb,
			 struct nlmsghdr *nlh)
{
	struct vsec_config *cfg = req->arg;

	(void)nlh;
	if (!tb[KVM_SEC_A_INTERVAL_MS])
		return -EPROTO;
	cfg->interval_ms = nla_get_u32(tb[KVM_SEC_A_INTERVAL_MS]);
	cfg->nr_prefixes = 0;
	if (tb[KVM_SEC_A_PREFIXES]) {
		int len = nla_len(tb[KVM_SEC_A_PREFIXES]);

		if (len < 0 || len > (int)sizeof(cfg->prefixes) ||
		    len % (int)sizeof(cfg->prefixes[0]))
			return -EPROTO;
		memcpy(cfg->prefixes, nla_data(tb[KVM_SEC_A_PREFIXES]),
		       (size_t)len);
		cfg->nr_prefixes = (unsigned int)len / sizeof(cfg->prefixes[0]);
	}
	memset(&cfg->rule, 0, sizeof(cfg->rule));
	if (tb[KVM_SEC_A_RULE] && vsec_parse_rule(tb[KVM_SEC_A_RULE], &cfg->rule))
		return -EPROTO;
	cfg->migration_keyed = tb[KVM_SEC_A_MIGRATION_KEYED] &&
			       nla_get_u8(tb[KVM_SEC_A_MIGRATION_KEYED]);
	return 0;
}

int vsec_ipc_get_config(struct vsec_ipc *ipc, struct vsec_config *cfg)
{
	struct vsec_req req = { .handle = handle_config, .arg = cfg };

	return vsec_transact(ipc, KVM_SEC_CMD_GET_CONFIG, 0, NULL, NULL, &req);
}

int vsec_ipc_set_interval(struct vsec_ipc *ipc, uint32_t ms)
{
	uint32_t a[2] = { KVM_SEC_A_INTERVAL_MS, ms };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_CONFIG, 0, put_u32_attr, a,
			     &req);
}

struct prefix_arg {
	const struct virtio_vsem_prefix *p;
	unsigned int nr;
};

static int put_prefixes(struct nl_msg *msg, const void *arg)
{
	const struct prefix_arg *a = arg;

	return nla_put(msg, KVM_SEC_A_PREFIXES,
		       (int)(a->nr * sizeof(a->p[0])), a->p) < 0 ? -EMSGSIZE : 0;
}

int vsec_ipc_set_prefixes(struct vsec_ipc *ipc,
			  const struct virtio_vsem_prefix *p, unsigned int nr)
{
	struct prefix_arg a = { p, nr };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_CONFIG, 0, put_prefixes, &a,
			     &req);
}

struct key_arg {
	const void *key;
	size_t len;
};

static int put_key(struct nl_msg *msg, const void *arg)
{
	const struct key_arg *a = arg;

	return nla_put(msg, KVM_SEC_A_MIGRATION_KEY, (int)a->len, a->key) < 0 ?
	       -EMSGSIZE : 0;
}

int vsec_ipc_set_migration_key(struct vsec_ipc *ipc, const void *key,
			       size_t len)
{
	struct key_arg a = { key, len };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_CONFIG, 0, put_key, &a, &req);
}

static int put_rule(struct nl_msg *msg, const void *arg)
{
	return vsec_put_rule(msg, arg);
}

int vsec_ipc_set_rule(struct vsec_ipc *ipc, const struct vsec_rule *r)
{
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_CONFIG, 0, put_rule, r, &req);
}

struct vm_rule_arg {
	uint32_t id;
	const struct vsec_rule *r;
};

static int put_vm_rule(struct nl_msg *msg, const void *arg)
{
	const struct vm_rule_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0)
		return -EMSGSIZE;
	return vsec_put_rule(msg, a->r);
}

int vsec_ipc_set_vm_rule(struct vsec_ipc *ipc, uint32_t id,
			 const struct vsec_rule *r)
{
	struct vm_rule_arg a = { id, r };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_VM, 0, put_vm_rule, &a, &req);
}

static int handle_decision(struct vsec_req *req, struct nlattr **tb,
			   struct nlmsghdr *nlh)
{
	(void)nlh;
	if (!tb[KVM_SEC_A_DECISION])
		return -EPROTO;
	return vsec_parse_decision(tb[KVM_SEC_A_DECISION], req->arg);
}

int vsec_ipc_get_decision(struct vsec_ipc *ipc, uint32_t id,
			  struct vsec_decision *d)
{
	uint32_t a[2] = { KVM_SEC_A_VM_ID, id };
	struct vsec_req req = { .handle = handle_decision, .arg = d };

	return vsec_transact(ipc, KVM_SEC_CMD_GET_DECISION, 0, put_u32_attr, a,
			     &req);
}

static int handle_limits(struct vsec_req *req, struct nlattr **tb,
			 struct nlmsghdr *nlh)
{
	struct vsec_limits *l = req->arg;

	(void)nlh;
	return vsec_parse_limits_msg(tb, l);
}

int vsec_ipc_get_limits(struct vsec_ipc *ipc, uint32_t id,
			struct vsec_limits *l)
{
	uint32_t a[2] = { KVM_SEC_A_VM_ID, id };
	struct vsec_req req = { .handle = handle_limits, .arg = l };

	return vsec_transact(ipc, KVM_SEC_CMD_GET_LIMITS, 0, put_u32_attr, a,
			     &req);
}

struct limits_arg {
	uint32_t id;
	const struct vsec_limits *l;
};

static int put_vm_limits(struct nl_msg *msg, const void *arg)
{
	const struct limits_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0)
		return -EMSGSIZE;
	return vsec_put_limits(msg, a->l);
}

int vsec_ipc_set_limits(struct vsec_ipc *ipc, uint32_t id,
			const struct vsec_limits *l)
{
	struct limits_arg a = { id, l };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_VM, 0, put_vm_limits, &a,
			     &req);
}

/* Every VM's limits message, as vsec_limits with its VM ID. */
struct limits_list {
	struct vsec_vm_limits *v;
	size_t nr, cap;
};

static int handle_limits_dump(struct vsec_req *req, struct nlattr **tb,
			      struct nlmsghdr *nlh)
{
	struct limits_list *l = req->arg;
	struct vsec_vm_limits *v;

	(void)nlh;
	if (!tb[KVM_SEC_A_VM_ID])
		return -EPROTO;
	v = grow(l->v, &l->cap, l->nr, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	l->v[l->nr].id = nla_get_u32(tb[KVM_SEC_A_VM_ID]);
	if (vsec_parse_limits_msg(tb, &l->v[l->nr].l))
		return -EPROTO;
	l->nr++;
	return 0;
}

static void reset_limits_list(void *arg)
{
	((struct limits_list *)arg)->nr = 0;
}

int vsec_ipc_dump_limits(struct vsec_ipc *ipc, struct vsec_vm_limits **v,
			 size_t *nr)
{
	struct limits_list l = { 0 };
	int err;

	err = vsec_dump(ipc, KVM_SEC_CMD_GET_LIMITS, NULL, NULL,
			handle_limits_dump, &l, reset_limits_list);
	if (err) {
		free(l.v);
		return err;
	}
	*v = l.v;
	*nr = l.nr;
	return 0;
}

struct agent_arg {
	uint32_t id;
	const struct vsec_agent *g;
};

static int put_vm_agent(struct nl_msg *msg, const void *arg)
{
	const struct agent_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0)
		return -EMSGSIZE;
	return vsec_put_agent(msg, a->g);
}

int vsec_ipc_report_agent(struct vsec_ipc *ipc, uint32_t id,
			  const struct vsec_agent *g)
{
	struct agent_arg a = { id, g };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_VM, 0, put_vm_agent, &a,
			     &req);
}

struct command_arg {
	uint32_t id;
	int level;
	int64_t interval_ms;
};

static int put_command(struct nl_msg *msg, const void *arg)
{
	const struct command_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0 ||
	    (a->level >= 0 &&
	     nla_put_u8(msg, KVM_SEC_A_GUEST_LEVEL, (uint8_t)a->level) < 0) ||
	    (a->interval_ms >= 0 &&
	     nla_put_u32(msg, KVM_SEC_A_GUEST_INTERVAL_MS,
			 (uint32_t)a->interval_ms) < 0))
		return -EMSGSIZE;
	return 0;
}

int vsec_ipc_command_vm(struct vsec_ipc *ipc, uint32_t id, int level,
			int64_t interval_ms)
{
	struct command_arg a = { id, level, interval_ms };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_VM, 0, put_command, &a, &req);
}

struct netdev_arg {
	uint32_t id;
	const char *name;
};

static int put_netdev(struct nl_msg *msg, const void *arg)
{
	const struct netdev_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0 ||
	    nla_put_string(msg, KVM_SEC_A_IFNAME, a->name) < 0)
		return -EMSGSIZE;
	return 0;
}

int vsec_ipc_netdev(struct vsec_ipc *ipc, uint32_t id, const char *name,
		    bool add)
{
	struct netdev_arg a = { id, name };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, add ? KVM_SEC_CMD_NETDEV_ADD :
				  KVM_SEC_CMD_NETDEV_DEL, 0, put_netdev, &a, &req);
}

static uint64_t get_u64(struct nlattr **tb, int type)
{
	return tb[type] ? nla_get_u64(tb[type]) : 0;
}

static int handle_status(struct vsec_req *req, struct nlattr **tb,
			 struct nlmsghdr *nlh)
{
	struct vsec_status *st = req->arg;
	struct nlattr *s[KVM_SEC_STATUS_MAX + 1];

	(void)nlh;
	if (!tb[KVM_SEC_A_STATUS] ||
	    nla_parse_nested(s, KVM_SEC_STATUS_MAX, tb[KVM_SEC_A_STATUS],
			     vsec_status_policy) < 0)
		return -EPROTO;
	st->vms = s[KVM_SEC_STATUS_VMS] ? nla_get_u32(s[KVM_SEC_STATUS_VMS]) : 0;
	st->probes = s[KVM_SEC_STATUS_PROBES] ?
		     nla_get_u32(s[KVM_SEC_STATUS_PROBES]) : 0;
	st->vms_seen = get_u64(s, KVM_SEC_STATUS_VMS_SEEN);
	st->vms_gone = get_u64(s, KVM_SEC_STATUS_VMS_GONE);
	st->untracked_exits = get_u64(s, KVM_SEC_STATUS_UNTRACKED_EXITS);
	st->alloc_failures = get_u64(s, KVM_SEC_STATUS_ALLOC_FAILURES);
	st->events_dropped = get_u64(s, KVM_SEC_STATUS_EVENTS_DROPPED);
	st->rescans = get_u64(s, KVM_SEC_STATUS_RESCANS);
	st->probe_misses = get_u64(s, KVM_SEC_STATUS_PROBE_MISSES);
	st->adopted = get_u64(s, KVM_SEC_STATUS_ADOPTED);
	st->refused = get_u64(s, KVM_SEC_STATUS_VMS_REFUSED);
	st->max_vms = s[KVM_SEC_STATUS_MAX_VMS] ?
		      nla_get_u32(s[KVM_SEC_STATUS_MAX_VMS]) : 0;
	st->late_releases = get_u64(s, KVM_SEC_STATUS_LATE_RELEASES);
	st->netdevs = s[KVM_SEC_STATUS_NETDEVS] ?
		      nla_get_u32(s[KVM_SEC_STATUS_NETDEVS]) : 0;
	st->netdev_scans = get_u64(s, KVM_SEC_STATUS_NETDEV_SCANS);
	st->netdev_refused = get_u64(s, KVM_SEC_STATUS_NETDEV_REFUSED);
	st->netdev_unresolved = get_u64(s, KVM_SEC_STATUS_NETDEV_UNRESOLVED);
	st->migrations_out = get_u64(s, KVM_SEC_STATUS_MIGRATIONS_OUT);
	st->migrations_unkeyed = get_u64(s, KVM_SEC_STATUS_MIGRATIONS_UNKEYED);
	st->migrations_in = get_u64(s, KVM_SEC_STATUS_MIGRATIONS_IN);
	st->migrations_refused = get_u64(s, KVM_SEC_STATUS_MIGRATIONS_REFUSED);
	return 0;
}

int vsec_ipc_get_status(struct vsec_ipc *ipc, struct vsec_status *st)
{
	struct vsec_req req = { .handle = handle_status, .arg = st };

	return vsec_transact(ipc, KVM_SEC_CMD_GET_STATUS, 0, NULL, NULL, &req);
}

struct monitor {
	int (*fn)(const struct vsec_event *ev, void *arg);
	void *arg;
	int ret;
};

static int on_event(struct nl_msg *msg, void *arg)
{
	struct monitor *m = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[KVM_SEC_A_MAX + 1];
	struct vsec_event ev;

	if (genlmsg_parse(nlh, 0, tb, KVM_SEC_A_MAX, vsec_policy) < 0 ||
	    (gh->cmd != KVM_SEC_CMD_VM_NEW && gh->cmd != KVM_SEC_CMD_VM_DEL &&
	     gh->cmd != KVM_SEC_CMD_LEVEL && gh->cmd != KVM_SEC_CMD_VERDICT &&
	     gh->cmd != KVM_SEC_CMD_CAPACITY && gh->cmd != KVM_SEC_CMD_LIMIT))
		return NL_SKIP;
	ev.cmd = gh->cmd;
	if (parse_vm(tb, &ev.vm))
		return NL_SKIP;
	m->ret = m->fn(&ev, m->arg);
	return m->ret ? NL_STOP : NL_OK;
}

/* The events group joined, @m called for each event received. */
static int subscribe(struct vsec_ipc *ipc, struct monitor *m)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(ipc->sk, KVM_SEC_GENL_NAME,
				    KVM_SEC_MCGRP_EVENTS);
	if (grp < 0)
		return -ENOENT;
	err = nl_socket_add_membership(ipc->sk, grp);
	if (err < 0)
		return vsec_errno(err);
	nl_socket_disable_seq_check(ipc->sk);
	nl_socket_modify_cb(ipc->sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, m);
	return 0;
}

/* What is pending on the socket, to m->fn; -ENOBUFS if events were lost. */
static int receive(struct vsec_ipc *ipc)
{
	int err = nl_recvmsgs_default(ipc->sk);

	if (err < 0 && err != -NLE_INTR) {
		/* Events were lost (socket buffer full): say so. */
		if (err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW)
			return -ENOBUFS;
		return vsec_errno(err);
	}
	return 0;
}

int vsec_ipc_monitor(struct vsec_ipc *ipc,
		     int (*fn)(const struct vsec_event *ev, void *arg),
		     void (*ready)(void *arg), void *arg,
		     volatile const int *stop, const sigset_t *waitmask)
{
	struct monitor m = { .fn = fn, .arg = arg };
	struct pollfd pfd;
	int err;

	err = subscribe(ipc, &m);
	if (err)
		return err;
	pfd.fd = nl_socket_get_fd(ipc->sk);
	pfd.events = POLLIN;
	if (ready)
		ready(arg);
	while (!*stop && !m.ret) {
		int r = ppoll(&pfd, 1, NULL, waitmask);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		err = receive(ipc);
		if (err)
			return err;
	}
	return m.ret;
}

struct vsec_events {
	struct vsec_ipc *ipc;
	struct monitor m;
};

int vsec_events_open(struct vsec_events **out,
		     int (*fn)(const struct vsec_event *ev, void *arg),
		     void *arg)
{
	struct vsec_events *e = calloc(1, sizeof(*e));
	int err;

	if (!e)
		return -ENOMEM;
	e->m.fn = fn;
	e->m.arg = arg;
	err = vsec_ipc_open(&e->ipc);
	if (!err)
		err = subscribe(e->ipc, &e->m);
	if (!err)
		err = nl_socket_set_nonblocking(e->ipc->sk) < 0 ? -EIO : 0;
	if (err) {
		vsec_ipc_close(e->ipc);
		free(e);
		return err;
	}
	*out = e;
	return 0;
}

int vsec_events_fd(const struct vsec_events *e)
{
	return nl_socket_get_fd(e->ipc->sk);
}

int vsec_events_receive(struct vsec_events *e)
{
	int err;

	struct nl_cb *cb = nl_socket_get_cb(e->ipc->sk);

	e->m.ret = 0;
	/* Until the non-blocking socket has nothing more (0 messages). */
	do {
		err = nl_recvmsgs_report(e->ipc->sk, cb);
	} while (err > 0 && !e->m.ret);
	nl_cb_put(cb);
	if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN)
		return err == -NLE_NOMEM || err == -NLE_MSG_OVERFLOW ?
		       -ENOBUFS : vsec_errno(err);
	return e->m.ret;
}

void vsec_events_close(struct vsec_events *e)
{
	if (!e)
		return;
	vsec_ipc_close(e->ipc);
	free(e);
}

struct state_list {
	struct vsec_state *v;
	size_t nr, cap;
};

static int handle_state(struct vsec_req *req, struct nlattr **tb,
			struct nlmsghdr *nlh)
{
	struct state_list *l = req->arg;
	struct vsec_state *v;
	struct nlattr *st = tb[KVM_SEC_A_VM_STATE];
	struct vsec_state *s;

	(void)nlh;
	if (!tb[KVM_SEC_A_VM_ID] || !tb[KVM_SEC_A_VM_PID] ||
	    !tb[KVM_SEC_A_VM_VMM_START_NS] || !st)
		return -EPROTO;
	v = grow(l->v, &l->cap, l->nr, sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	s = &l->v[l->nr];
	memset(s, 0, sizeof(*s));
	s->id = nla_get_u32(tb[KVM_SEC_A_VM_ID]);
	s->pid = nla_get_u32(tb[KVM_SEC_A_VM_PID]);
	s->start_ns = nla_get_u64(tb[KVM_SEC_A_VM_VMM_START_NS]);
	if (tb[KVM_SEC_A_VM_COMM])
		nla_strlcpy(s->comm, tb[KVM_SEC_A_VM_COMM], sizeof(s->comm));
	s->len = (uint32_t)nla_len(st);
	s->data = malloc(s->len ? s->len : 1);
	if (!s->data)
		return -ENOMEM;
	memcpy(s->data, nla_data(st), s->len);
	l->nr++;
	return 0;
}

static void reset_states(void *arg)
{
	struct state_list *l = arg;

	vsec_states_free(l->v, l->nr);
	l->v = NULL;
	l->nr = l->cap = 0;
}

void vsec_states_free(struct vsec_state *v, size_t nr)
{
	for (size_t i = 0; i < nr; i++)
		free(v[i].data);
	free(v);
}

int vsec_ipc_dump_states(struct vsec_ipc *ipc, struct vsec_state **v,
			 size_t *nr)
{
	struct state_list l = { 0 };
	int err;

	err = vsec_dump(ipc, KVM_SEC_CMD_GET_STATE, NULL, NULL, handle_state,
			&l, reset_states);
	if (err) {
		reset_states(&l);
		return err;
	}
	*v = l.v;
	*nr = l.nr;
	return 0;
}

struct set_state_arg {
	uint32_t id;
	const struct vsec_state *s;
	bool check;
};

static int put_state(struct nl_msg *msg, const void *arg)
{
	const struct set_state_arg *a = arg;

	if (nla_put_u32(msg, KVM_SEC_A_VM_ID, a->id) < 0 ||
	    nla_put_u32(msg, KVM_SEC_A_VM_PID, a->s->pid) < 0 ||
	    nla_put_u64(msg, KVM_SEC_A_VM_VMM_START_NS, a->s->start_ns) < 0 ||
	    nla_put(msg, KVM_SEC_A_VM_STATE | NLA_F_NESTED, (int)a->s->len,
		    a->s->data) < 0 ||
	    (a->check && nla_put_flag(msg, KVM_SEC_A_STATE_CHECK) < 0))
		return -EMSGSIZE;
	return 0;
}

int vsec_ipc_set_state(struct vsec_ipc *ipc, uint32_t id,
		       const struct vsec_state *s, bool check)
{
	struct set_state_arg a = { .id = id, .s = s, .check = check };
	struct vsec_req req = { 0 };

	return vsec_transact(ipc, KVM_SEC_CMD_SET_STATE, 0, put_state, &a,
			     &req);
}
