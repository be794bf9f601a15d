// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of a VM's guest driver, forwarded by its VMM (virtio-vsem), and
 * the VM's history that the module writes back into the device.
 *
 * Neither the guest nor the VMM is trusted: a report is validated here
 * again, in full, against the same rules as the device's
 * (Documentation/virtio-vsem/spec.rst, D5.1), only the VM whose file the
 * sender holds gets it (netlink.c), and each VM gets
 * KVM_SEC_GUEST_REPORTS_PER_S a second from a token bucket of
 * KVM_SEC_GUEST_REPORTS_BURST. The hypercall count a guest claims is
 * cross-checked against the hypercalls the host saw, and the packets it
 * claims against what its tap devices carried (ksec_net_cross_check()).
 *
 * Sequence numbers increase within a device epoch (spec section 5.4): a
 * reset of the device (a driver reloaded, a guest rebooted) starts a new
 * epoch, which the VMM sends with the report, and the sequence starts again
 * at 1. Any other epoch than the last is a new one: a device unplugged and
 * plugged again, or a snapshot loaded, numbers its epochs afresh, and the
 * VMM forwards in order anyway. Within an epoch a number that does not
 * increase is refused, so nothing is replayed or reordered; a guest that
 * numbered a report 2^64-1 blinds itself only until its next reset.
 *
 * The history is an exponentially weighted mean and variance (weight 1/8)
 * of each feature over the VM's calm level-1 intervals (no anomaly), and
 * over its intervals while HSEM judges it harmless and calm (cleared, or
 * held at level 1 by the admin), first published after KSEC_HISTORY_MIN
 * of them and again every KSEC_HISTORY_EVERY; the spread published is the
 * standard deviation, at least a per-feature floor so that a VM that was
 * perfectly idle is not flagged for its first packet. Once published, a
 * value is learned as at most mean + 2 spreads, as the host's own history
 * (baseline.h): a guest creeps only slowly.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/math.h>
#include <linux/kvm_sec.h>
#include <linux/overflow.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>

#include "guest.h"
#include "net.h"
#include "bucket.h"
#include "vm.h"

#define KSEC_HISTORY_MIN	8
#define KSEC_TAMPER_WINDOW	4
/* A new epoch is excused once in this many reports. */
#define KSEC_TAMPER_EPOCH_REPORTS	16

struct ksec_net_point {
	u64 host_tx, host_rx;		/* the taps' counts when it came */
	u64 claim_tx, claim_rx;		/* the report's NET entry */
};

#define KSEC_HISTORY_EVERY	8

/* Smallest spread published, per feature, in its unit per interval. */
static const u64 ksec_spread_floor[VIRTIO_VSEM_NR_FEATURES] = {
	[VIRTIO_VSEM_FEAT_TX_PACKETS]		= 8,
	[VIRTIO_VSEM_FEAT_TX_BYTES]		= 4096,
	[VIRTIO_VSEM_FEAT_RX_PACKETS]		= 8,
	[VIRTIO_VSEM_FEAT_RX_BYTES]		= 4096,
	[VIRTIO_VSEM_FEAT_SEND_FAILURES]	= 2,
	[VIRTIO_VSEM_FEAT_DESTINATIONS]		= 2,
	[VIRTIO_VSEM_FEAT_HV_REQUESTS]		= 16,
	[VIRTIO_VSEM_FEAT_CPU_PERMILLE]		= 100,
	[VIRTIO_VSEM_FEAT_MEM_PERMILLE]		= 50,
};

struct ksec_guest {
	struct ksec_guest_view v;	/* v.mean/v.spread: published */
	u8 hsem_level_cmd;		/* HSEM's, when the admin's is 0 */
	bool hsem_clear;		/* ksec_guest_hsem_clear() */
	u32 learned;			/* calm intervals learned */
	s64 ewma_mean[VIRTIO_VSEM_NR_FEATURES];
	u64 ewma_var[VIRTIO_VSEM_NR_FEATURES];
	u64 guest_hypercalls;		/* claimed, since the first report */
	struct ksec_bucket bucket;	/* reports a second */
	/*
	 * The network cross-check: the last KSEC_TAMPER_WINDOW + 1 reports'
	 * claims and the taps' counts when each arrived, from devices of
	 * bind sequence net_seq.
	 */
	u32 net_seq;
	unsigned int net_n, net_pos;
	/* The taps' counts at the previous report, whatever it carried. */
	bool ref_valid;
	u32 ref_seq;
	u64 ref_tx, ref_rx;
	u32 reports_in_epoch;
	/* Sequence numbers the module throttled since the last accepted. */
	u64 thr_lo, thr_hi;
	u32 thr_n;
	struct ksec_net_point net_ring[KSEC_TAMPER_WINDOW + 1];
};

/* A report, parsed: only what the module uses. */
struct ksec_parsed {
	u64 seq;
	u32 interval_ms, anomalies;
	u8 level, switch_reason;
	u16 flags;
	bool has_net, has_hv, has_workload, has_loss;
	struct virtio_vsem_net net;
	u64 notifications, hypercalls;
	struct virtio_vsem_workload workload;
	struct virtio_vsem_loss loss;
	u32 nr_flows;
	struct ksec_guest_flow flows[VIRTIO_VSEM_MAX_FLOWS];
};

static const u16 ksec_body_size[__VIRTIO_VSEM_E_MAX] = {
	[VIRTIO_VSEM_E_NET]		= sizeof(struct virtio_vsem_net),
	[VIRTIO_VSEM_E_HV_REQUESTS]	= sizeof(struct virtio_vsem_hv),
	[VIRTIO_VSEM_E_WORKLOAD]	= sizeof(struct virtio_vsem_workload),
	[VIRTIO_VSEM_E_FLOW]		= sizeof(struct virtio_vsem_flow),
	[VIRTIO_VSEM_E_HV_DETAIL]	= sizeof(struct virtio_vsem_hv_detail),
	[VIRTIO_VSEM_E_LOSS]		= sizeof(struct virtio_vsem_loss),
};

static void ksec_add_sat(u64 *sum, u64 x)
{
	if (check_add_overflow(*sum, x, sum))
		*sum = U64_MAX;
}

static int ksec_parse_entry(struct ksec_parsed *p, u16 type, const void *b,
			    const char **why)
{
	const struct virtio_vsem_flow *f = b;
	const struct virtio_vsem_hv *hv = b;
	const struct virtio_vsem_hv_detail *hd = b;
	struct ksec_guest_flow *g;

	switch (type) {
	case VIRTIO_VSEM_E_NET:
		if (p->has_net)
			goto twice;
		memcpy(&p->net, b, sizeof(p->net));
		p->has_net = true;
		return 0;
	case VIRTIO_VSEM_E_HV_REQUESTS:
		if (p->has_hv)
			goto twice;
		p->notifications = le64_to_cpu(hv->notifications);
		p->hypercalls = le64_to_cpu(hv->hypercalls);
		p->has_hv = true;
		return 0;
	case VIRTIO_VSEM_E_WORKLOAD:
		if (p->has_workload)
			goto twice;
		memcpy(&p->workload, b, sizeof(p->workload));
		if (le32_to_cpu(p->workload.cpu_permille) > 1000) {
			*why = "cpu_permille above 1000";
			return -EINVAL;
		}
		p->has_workload = true;
		return 0;
	case VIRTIO_VSEM_E_LOSS:
		if (p->has_loss)
			goto twice;
		memcpy(&p->loss, b, sizeof(p->loss));
		p->has_loss = true;
		return 0;
	case VIRTIO_VSEM_E_FLOW:
		if (p->level != VIRTIO_VSEM_LEVEL_2) {
			*why = "level-2 entry in a level-1 report";
			return -EINVAL;
		}
		if (p->nr_flows == VIRTIO_VSEM_MAX_FLOWS) {
			*why = "too many FLOW entries";
			return -EINVAL;
		}
		if (f->family != 4 && f->family != 6) {
			*why = "FLOW family is not 4 or 6";
			return -EINVAL;
		}
		if (f->reserved) {
			*why = "reserved field of a FLOW is not zero";
			return -EINVAL;
		}
		g = &p->flows[p->nr_flows++];
		g->family = f->family;
		g->outside = !!f->outside;
		g->pid = le32_to_cpu(f->pid);
		memcpy(g->addr, f->addr, sizeof(g->addr));
		g->packets = le64_to_cpu(f->packets);
		g->bytes = le64_to_cpu(f->bytes);
		memcpy(g->comm, f->comm, sizeof(g->comm));
		g->comm[sizeof(g->comm) - 1] = '\0';
		return 0;
	case VIRTIO_VSEM_E_HV_DETAIL:
		if (p->level != VIRTIO_VSEM_LEVEL_2) {
			*why = "level-2 entry in a level-1 report";
			return -EINVAL;
		}
		if (le32_to_cpu(hd->nr_records) > VIRTIO_VSEM_MAX_HV_DETAIL) {
			*why = "too many HV_DETAIL records";
			return -EINVAL;
		}
		if (hd->reserved) {
			*why = "reserved field of an HV_DETAIL is not zero";
			return -EINVAL;
		}
		return 0;
	}
	return 0;
twice:
	*why = "entry type repeated";
	return -EINVAL;
}

static int ksec_parse(const void *buf, size_t len, u64 last_seq,
		      struct ksec_parsed *p, const char **why)
{
	const struct virtio_vsem_report *r = buf;
	size_t off = sizeof(*r);
	unsigned int i, nr;
	int err;

	*why = "report shorter than its header";
	if (len < sizeof(*r) || len > VIRTIO_VSEM_MAX_REPORT_SIZE)
		return -EINVAL;
	*why = "unknown report version";
	if (le16_to_cpu(r->version) != VIRTIO_VSEM_VERSION)
		return -EINVAL;
	*why = "report length does not match";
	if (le32_to_cpu(r->len) != len)
		return -EINVAL;
	*why = "bad level";
	if (r->level != VIRTIO_VSEM_LEVEL_1 && r->level != VIRTIO_VSEM_LEVEL_2)
		return -EINVAL;
	/* Must-be-zero (spec 7): a later feature gives them a meaning. */
	*why = "reserved field of the header is not zero";
	if (r->reserved)
		return -EINVAL;
	*why = "sequence number did not increase";
	if (le64_to_cpu(r->seq) <= last_seq)
		return -EINVAL;
	nr = le16_to_cpu(r->nr_entries);
	*why = "too many entries";
	if (nr > VIRTIO_VSEM_MAX_ENTRIES)
		return -EINVAL;

	memset(p, 0, sizeof(*p));
	p->seq = le64_to_cpu(r->seq);
	p->interval_ms = le32_to_cpu(r->interval_ms);
	p->level = r->level;
	p->switch_reason = r->switch_reason;
	p->flags = le16_to_cpu(r->flags);
	/* Bits of features this module does not know: must-ignore. */
	p->anomalies = le32_to_cpu(r->anomalies) &
		       GENMASK(VIRTIO_VSEM_NR_FEATURES - 1, 0);

	for (i = 0; i < nr; i++) {
		const struct virtio_vsem_entry *e;
		u16 type, elen;

		*why = "entry runs past the report";
		if (len - off < sizeof(*e))
			return -EINVAL;
		e = buf + off;
		type = le16_to_cpu(e->type);
		elen = le16_to_cpu(e->len);
		*why = "bad entry length";
		if (elen < sizeof(*e) || elen % 8 || elen > len - off)
			return -EINVAL;
		*why = "reserved field of an entry is not zero";
		if (e->reserved)
			return -EINVAL;
		if (type && type < __VIRTIO_VSEM_E_MAX) {
			*why = "entry shorter than its body";
			if (elen - sizeof(*e) < ksec_body_size[type])
				return -EINVAL;
			err = ksec_parse_entry(p, type, e + 1, why);
			if (err)
				return err;
		}
		off += elen;
	}
	*why = "entries do not fill the report";
	if (off != len)
		return -EINVAL;
	return 0;
}

static void ksec_features(const struct ksec_parsed *p, u64 *f)
{
	const struct virtio_vsem_net *n = &p->net;
	u64 used = le64_to_cpu(p->workload.mem_used_kib);
	u64 avail = le64_to_cpu(p->workload.mem_available_kib);

	memset(f, 0, sizeof(u64) * VIRTIO_VSEM_NR_FEATURES);
	if (p->has_net) {
		f[VIRTIO_VSEM_FEAT_TX_PACKETS] = le64_to_cpu(n->tx_packets);
		f[VIRTIO_VSEM_FEAT_TX_BYTES] = le64_to_cpu(n->tx_bytes);
		f[VIRTIO_VSEM_FEAT_RX_PACKETS] = le64_to_cpu(n->rx_packets);
		f[VIRTIO_VSEM_FEAT_RX_BYTES] = le64_to_cpu(n->rx_bytes);
		/* Saturating: each is the guest's claim. */
		f[VIRTIO_VSEM_FEAT_SEND_FAILURES] =
			min_t(u64, U32_MAX, le64_to_cpu(n->tx_errors)) +
			min_t(u64, U32_MAX, le64_to_cpu(n->tx_dropped)) +
			min_t(u64, U32_MAX, le64_to_cpu(n->connect_failures)) +
			min_t(u64, U32_MAX, le64_to_cpu(n->resets_received)) +
			min_t(u64, U32_MAX,
			      le64_to_cpu(n->unreachables_received));
		f[VIRTIO_VSEM_FEAT_DESTINATIONS] = le64_to_cpu(n->destinations);
	}
	if (p->has_hv)
		f[VIRTIO_VSEM_FEAT_HV_REQUESTS] =
			min_t(u64, U32_MAX, p->notifications) +
			min_t(u64, U32_MAX, p->hypercalls);
	if (p->has_workload) {
		f[VIRTIO_VSEM_FEAT_CPU_PERMILLE] =
			le32_to_cpu(p->workload.cpu_permille);
		used = min_t(u64, used, U32_MAX);
		avail = min_t(u64, avail, U32_MAX);
		f[VIRTIO_VSEM_FEAT_MEM_PERMILLE] = used + avail ?
			div64_u64(used * 1000, used + avail) : 0;
	}
}

/* Within a quarter of the previous report's (if any): a steady interval. */
static bool ksec_usual_interval(u32 prev_ms, u32 ms)
{
	return !prev_ms || (ms <= prev_ms + prev_ms / 4 &&
			    ms >= prev_ms - prev_ms / 4);
}

/* The spread of feature @i: its standard deviation, at least its floor. */
static u64 ksec_spread(const struct ksec_guest *g, unsigned int i)
{
	return max_t(u64, int_sqrt64(g->ewma_var[i]), ksec_spread_floor[i]);
}

/* Learn from an interval (ksec_guest_report says which); publish now and then. */
static void ksec_learn(struct ksec_guest *g, const u64 *f)
{
	struct ksec_guest_view *v = &g->v;
	unsigned int i;

	for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
		/* Bounded so that squares fit in 64 bits. */
		s64 x = min_t(u64, f[i], S32_MAX);
		s64 d;

		if (!g->learned)
			g->ewma_mean[i] = x;
		else if (g->learned >= KSEC_HISTORY_MIN)
			x = min_t(s64, x,
				  g->ewma_mean[i] + 2 * ksec_spread(g, i));
		d = x - g->ewma_mean[i];
		g->ewma_mean[i] += d / 8;
		g->ewma_var[i] = g->ewma_var[i] - g->ewma_var[i] / 8 +
				 (u64)(d * d) / 8;
	}
	g->learned++;
	if (g->learned < KSEC_HISTORY_MIN ||
	    (g->learned - KSEC_HISTORY_MIN) % KSEC_HISTORY_EVERY)
		return;
	for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
		v->mean[i] = max_t(s64, g->ewma_mean[i], 0);
		v->spread[i] = ksec_spread(g, i);
	}
	v->history_seq++;
}

/* The provider's prefixes (configuration), sent to every device. */
static DEFINE_MUTEX(ksec_prefix_lock);
static struct virtio_vsem_prefix ksec_prefixes[KVM_SEC_MAX_PREFIXES];
static unsigned int ksec_nr_prefixes;

int ksec_guest_check_prefixes(const void *buf, size_t len, const char **why)
{
	const struct virtio_vsem_prefix *p = buf;
	unsigned int i, n = len / sizeof(*p);

	*why = "not a whole number of prefixes, or more than 8";
	if (len % sizeof(*p) || n > KVM_SEC_MAX_PREFIXES)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		*why = "prefix family is not 4 or 6, or its length is too long";
		if (!((p[i].family == 4 && p[i].prefix_len <= 32) ||
		      (p[i].family == 6 && p[i].prefix_len <= 128)))
			return -EINVAL;
		*why = "reserved bytes of a prefix are not zero";
		if (p[i].reserved[0] || p[i].reserved[1])
			return -EINVAL;
	}
	return 0;
}

void ksec_guest_set_prefixes(const void *buf, size_t len)
{
	mutex_lock(&ksec_prefix_lock);
	ksec_nr_prefixes = len / sizeof(ksec_prefixes[0]);
	memcpy(ksec_prefixes, buf, len);
	mutex_unlock(&ksec_prefix_lock);
	/* The hooks' and the view's classes follow at once. */
	ksec_net_publish_dests();
}

unsigned int ksec_guest_get_prefixes(struct virtio_vsem_prefix *out)
{
	unsigned int n;

	mutex_lock(&ksec_prefix_lock);
	n = ksec_nr_prefixes;
	memcpy(out, ksec_prefixes, n * sizeof(out[0]));
	mutex_unlock(&ksec_prefix_lock);
	return n;
}

static struct ksec_guest *ksec_guest_get(struct ksec_vm *vm)
{
	struct ksec_guest *g = READ_ONCE(vm->guest);

	if (g)
		return g;
	/* Charged to the reporting VMM (or the admin commanding). */
	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		return NULL;
	/* BURST reports, refilled at PER_S a second; it starts full. */
	ksec_bucket_set(&g->bucket, KVM_SEC_GUEST_REPORTS_BURST,
			KVM_SEC_GUEST_REPORTS_BURST * MSEC_PER_SEC /
			KVM_SEC_GUEST_REPORTS_PER_S, 0, ktime_get_ns());
	mutex_lock(&vm->guest_lock);
	if (vm->guest) {
		kfree(g);
		g = vm->guest;
	} else {
		/*
		 * The level HSEM commands from the first answer: a VM judged
		 * (or given a migrated state) before its driver reported.
		 */
		g->hsem_level_cmd = vm->hsem_guest_cmd;
		WRITE_ONCE(vm->guest, g);
	}
	mutex_unlock(&vm->guest_lock);
	return g;
}

/*
 * The packets a guest claims to have sent and received, against what its
 * taps exchanged with it (their own counters). Report k covers the guest's
 * interval (e_{k-1}, e_k] and arrives at t_k >= e_k; reports come faster
 * than their interval, so t_{k-1} <= e_k. Over a window of the last
 * KSEC_TAMPER_WINDOW reports, everything the taps carried in
 * (t_{k-W}, t_{k-1}] falls inside the guest's (e_{k-W}, e_k]: a truthful
 * guest claims at least as many (more if it has other interfaces). Claims
 * below 7/8 of that, less 32 packets, are short. The window is bounded,
 * so a claim cannot be banked: one huge claim covers at most W reports.
 *
 * A new epoch starts again. So do a report missing from the sequence, one
 * without a NET entry and a device bound or unbound. Since a guest can
 * cause the first three at will, they count as short too if the taps
 * carried more than the slack since the previous report: all but a new
 * epoch after KSEC_TAMPER_EPOCH_REPORTS reports of the last (a reboot), and
 * a gap the module caused by throttling.
 */
#define KSEC_TAMPER_SLACK	32
#define KSEC_TAMPER_SHIFT	3

static bool ksec_short(u64 claimed, u64 seen)
{
	u64 need = seen - (seen >> KSEC_TAMPER_SHIFT);

	need = need > KSEC_TAMPER_SLACK ? need - KSEC_TAMPER_SLACK : 0;
	return claimed < need;
}

/* b - a for counters that only grow, 0 if a device went backwards. */
static u64 ksec_delta(u64 b, u64 a)
{
	return b > a ? b - a : 0;
}

static void ksec_net_cross_check(struct ksec_vm *vm, struct ksec_guest *g,
				 const struct ksec_parsed *p, bool new_epoch,
				 bool in_sequence, bool excused_gap)
{
	struct ksec_net_point *pt, *last, *oldest, *prev;
	unsigned int i, n;
	u64 tx, rx;
	u32 seq;

	bool traffic, excused, guest_break;

	if (!ksec_net_seen(vm, &tx, &rx, &seq)) {
		g->net_n = 0;
		g->ref_valid = false;
		return;
	}
	/* Traffic since the previous report, on the same devices. */
	traffic = g->ref_valid && seq == g->ref_seq &&
		  (ksec_delta(tx, g->ref_tx) > KSEC_TAMPER_SLACK ||
		   ksec_delta(rx, g->ref_rx) > KSEC_TAMPER_SLACK);
	g->ref_valid = true;
	g->ref_tx = tx;
	g->ref_rx = rx;
	g->ref_seq = seq;
	/* A reboot is excused, a guest resetting its device again and again not. */
	excused = new_epoch && g->reports_in_epoch >= KSEC_TAMPER_EPOCH_REPORTS;
	g->reports_in_epoch = new_epoch ? 0 : g->reports_in_epoch + 1;
	guest_break = !p->has_net || (new_epoch && !excused) ||
		      (!new_epoch && !in_sequence && !excused_gap);

	last = g->net_n ? &g->net_ring[(g->net_pos + KSEC_TAMPER_WINDOW) %
				       (KSEC_TAMPER_WINDOW + 1)] : NULL;
	if (new_epoch || !last || seq != g->net_seq || !in_sequence ||
	    !p->has_net) {
		/* The guest's own breaks, while its taps carried traffic. */
		if (guest_break && traffic)
			g->v.tampered++;
		g->net_n = 0;
		g->net_pos = 0;
		g->net_seq = seq;
		if (!p->has_net)
			return;
	}
	pt = &g->net_ring[g->net_pos];
	pt->host_tx = tx;
	pt->host_rx = rx;
	pt->claim_tx = le64_to_cpu(p->net.tx_packets);
	pt->claim_rx = le64_to_cpu(p->net.rx_packets);
	g->net_pos = (g->net_pos + 1) % (KSEC_TAMPER_WINDOW + 1);
	if (g->net_n <= KSEC_TAMPER_WINDOW)
		g->net_n++;
	if (g->net_n <= KSEC_TAMPER_WINDOW)
		return;
	/* The ring is full: g->net_pos is the oldest point, k - W. */
	oldest = &g->net_ring[g->net_pos];
	prev = &g->net_ring[(g->net_pos + KSEC_TAMPER_WINDOW - 1) %
			    (KSEC_TAMPER_WINDOW + 1)];
	g->v.claimed_tx = 0;
	g->v.claimed_rx = 0;
	for (i = 1, n = g->net_pos; i <= KSEC_TAMPER_WINDOW; i++) {
		n = (n + 1) % (KSEC_TAMPER_WINDOW + 1);
		ksec_add_sat(&g->v.claimed_tx, g->net_ring[n].claim_tx);
		ksec_add_sat(&g->v.claimed_rx, g->net_ring[n].claim_rx);
	}
	g->v.seen_tx = ksec_delta(prev->host_tx, oldest->host_tx);
	g->v.seen_rx = ksec_delta(prev->host_rx, oldest->host_rx);
	if (ksec_short(g->v.claimed_tx, g->v.seen_tx) ||
	    ksec_short(g->v.claimed_rx, g->v.seen_rx))
		g->v.tampered++;
}

static void ksec_control(const struct ksec_guest *g,
			 struct ksec_guest_control *ctl)
{
	unsigned int i;

	ctl->level_cmd = g->v.level_cmd ? g->v.level_cmd : g->hsem_level_cmd;
	ctl->interval_cmd = g->v.interval_cmd;
	ctl->history_seq = g->v.history_seq;
	for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
		ctl->history[i].mean = cpu_to_le64(g->v.mean[i]);
		ctl->history[i].spread = cpu_to_le64(g->v.spread[i]);
	}
}

int ksec_guest_report(struct ksec_vm *vm, const void *buf, size_t len,
		      const u64 *epoch, struct ksec_guest_control *ctl,
		      const char **why)
{
	u64 now = ktime_get_ns(), host[KSEC_NR_CLASSES];
	struct ksec_guest *g = ksec_guest_get(vm);
	struct ksec_parsed *p;
	u32 vcpus, prev_interval;
	bool new_epoch, in_sequence, excused_gap;
	unsigned int i;
	int err;

	*why = NULL;
	if (!g)
		return -ENOMEM;
	p = kmalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;

	mutex_lock(&vm->guest_lock);
	if (!ksec_bucket_take(&g->bucket, 1, now)) {
		g->v.throttled++;
		/* If it stays missing, the gap is the module's doing. */
		if (len >= sizeof(struct virtio_vsem_report)) {
			u64 seq = le64_to_cpu(((const struct virtio_vsem_report *)
					       buf)->seq);

			g->thr_lo = g->thr_n ? min(g->thr_lo, seq) : seq;
			g->thr_hi = g->thr_n ? max(g->thr_hi, seq) : seq;
			g->thr_n++;
		}
		*why = "over the guest report rate";
		err = -EBUSY;
		goto out;
	}
	new_epoch = epoch && *epoch != g->v.epoch;
	err = ksec_parse(buf, len, new_epoch ? 0 : g->v.seq, p, why);
	if (err) {
		g->v.rejected++;
		goto out;
	}

	in_sequence = !new_epoch && g->v.reports && p->seq == g->v.seq + 1;
	/* Every report missing in between was one the module throttled. */
	excused_gap = !new_epoch && g->v.reports && !in_sequence && g->thr_n &&
		      g->thr_lo <= g->v.seq + 1 && g->thr_hi >= p->seq - 1;
	g->thr_n = 0;
	if (new_epoch) {
		g->v.epoch = *epoch;
		if (g->v.reports)
			g->v.epochs++;
	}
	g->v.reports++;
	g->v.seq = p->seq;
	g->v.last_ns = now;
	if (p->level != g->v.level && g->v.reports > 1)
		g->v.switches++;
	if (p->switch_reason)
		g->v.switch_reason = p->switch_reason;
	g->v.level = p->level;
	g->v.flags = p->flags;
	g->v.anomalies = p->anomalies;
	prev_interval = g->v.interval_ms;
	g->v.interval_ms = p->interval_ms;
	if (p->has_workload) {
		g->v.near_capacity = le32_to_cpu(p->workload.near_capacity_intervals);
		g->v.intervals = le32_to_cpu(p->workload.intervals);
	}
	ksec_features(p, g->v.last);
	if (p->has_loss) {
		/* The guest's claims: added up, saturating. */
		ksec_add_sat(&g->v.loss_unstored_packets,
			     le64_to_cpu(p->loss.unstored_packets));
		ksec_add_sat(&g->v.loss_hv_unstored,
			     le64_to_cpu(p->loss.hv_unstored));
		ksec_add_sat(&g->v.loss_flows_trimmed,
			     le32_to_cpu(p->loss.flows_trimmed));
		/* A count since the driver started, not per report. */
		g->v.loss_reports_dropped = le64_to_cpu(p->loss.reports_dropped);
		g->v.loss_estimated = !!(le32_to_cpu(p->loss.flags) &
					 VIRTIO_VSEM_LOSS_ESTIMATED);
	}
	/* Counts add up; the two gauges do not. */
	for (i = 0; i < VIRTIO_VSEM_FEAT_CPU_PERMILLE; i++)
		ksec_add_sat(&g->v.total[i], g->v.last[i]);
	g->v.nr_flows = p->nr_flows;
	memcpy(g->v.flows, p->flows, sizeof(p->flows[0]) * p->nr_flows);

	/* The guest cannot have made more hypercalls than the host saw. */
	g->guest_hypercalls += min_t(u64, p->hypercalls, U32_MAX);
	if (vm->origin == KVM_SEC_ORIGIN_CREATED) {
		ksec_vm_totals(vm, host, &vcpus);
		if (g->guest_hypercalls > host[KSEC_HYPERCALLS])
			g->v.inconsistent++;
	}

	ksec_net_cross_check(vm, g, p, new_epoch, in_sequence, excused_gap);

	/*
	 * Calm level-1 intervals of the usual length only: the guest reports
	 * the interval it measured, and one stretched by a pause or a
	 * migration would teach a burst. And any interval while HSEM judges
	 * the VM harmless and calm (ksec_guest_hsem_clear(), as of its last
	 * interval): its demand is its new norm, as for the host's own
	 * history (hsem.c). Else a lasting change the host judged harmless
	 * (a workload's memory, a new peer) would hold the driver at level
	 * 2 of its own accord, and the VM with it, for ever. The host's
	 * judgement decides what is normal; the driver's anomalies are
	 * evidence for level 2, not a verdict.
	 */
	if (((p->level == VIRTIO_VSEM_LEVEL_1 && !p->anomalies) ||
	     g->hsem_clear) &&
	    ksec_usual_interval(prev_interval, p->interval_ms))
		ksec_learn(g, g->v.last);
	ksec_control(g, ctl);
out:
	mutex_unlock(&vm->guest_lock);
	kfree(p);
	return err;
}

int ksec_guest_command(struct ksec_vm *vm, int level, s64 interval_ms)
{
	struct ksec_guest *g = ksec_guest_get(vm);

	if (!g)
		return -ENOMEM;
	mutex_lock(&vm->guest_lock);
	if (level >= 0)
		g->v.level_cmd = level;
	if (interval_ms >= 0)
		g->v.interval_cmd = interval_ms;
	mutex_unlock(&vm->guest_lock);
	return 0;
}

void ksec_guest_hsem_inputs(struct ksec_vm *vm, bool *level2, bool *near)
{
	struct ksec_guest *g;
	u64 age, fresh;

	*level2 = false;
	*near = false;
	mutex_lock(&vm->guest_lock);
	g = vm->guest;
	if (g && g->v.reports) {
		/* Three of its intervals (a second at least) without news: stale. */
		age = ktime_get_ns() - g->v.last_ns;
		fresh = 3ull * max_t(u32, g->v.interval_ms, 1000) * NSEC_PER_MSEC;
		if (age <= fresh) {
			*level2 = g->v.level == VIRTIO_VSEM_LEVEL_2 &&
				  g->v.switch_reason == VIRTIO_VSEM_SWITCH_ANOMALY;
			*near = g->v.intervals &&
				2 * (u64)g->v.near_capacity >= g->v.intervals;
		}
	}
	mutex_unlock(&vm->guest_lock);
}

void ksec_guest_hsem_level(struct ksec_vm *vm, u8 level)
{
	u8 cmd = level == 2 ? VIRTIO_VSEM_LEVEL_2 : 0;

	/* No guest state is made for this: a driver's first report takes it. */
	mutex_lock(&vm->guest_lock);
	vm->hsem_guest_cmd = cmd;
	if (vm->guest)
		vm->guest->hsem_level_cmd = cmd;
	mutex_unlock(&vm->guest_lock);
}

void ksec_guest_hsem_clear(struct ksec_vm *vm, bool clear)
{
	mutex_lock(&vm->guest_lock);
	if (vm->guest)
		vm->guest->hsem_clear = clear;
	mutex_unlock(&vm->guest_lock);
}

bool ksec_guest_fill_view(struct ksec_vm *vm, struct ksec_guest_view *v)
{
	struct ksec_guest *g;

	mutex_lock(&vm->guest_lock);
	g = vm->guest;
	if (g)
		*v = g->v;
	mutex_unlock(&vm->guest_lock);
	return g;
}

void ksec_guest_get_flows(struct ksec_vm *vm, struct ksec_guest_flows *f)
{
	struct ksec_guest *g;

	f->seq = 0;
	f->generation = 0;
	f->nr = 0;
	mutex_lock(&vm->guest_lock);
	g = vm->guest;
	if (g) {
		f->seq = g->v.seq;
		f->generation = g->v.reports;
		f->nr = g->v.nr_flows;
		memcpy(f->flows, g->v.flows, sizeof(f->flows[0]) * f->nr);
	}
	mutex_unlock(&vm->guest_lock);
}

void ksec_guest_free(struct ksec_vm *vm)
{
	kfree(vm->guest);
	vm->guest = NULL;
}
