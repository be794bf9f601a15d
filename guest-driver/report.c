// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: building a report (spec section 5) and sending it.
 */
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "vsem.h"

/* An entry's size in a report: header and a body of @body bytes, aligned. */
#define VSEM_ENTRY_SIZE(body) \
	ALIGN(sizeof(struct virtio_vsem_entry) + (body), 8)

/* Header, NET, HV_REQUESTS, WORKLOAD and LOSS: every report has them. */
#define VSEM_LEVEL1_SIZE						\
	(sizeof(struct virtio_vsem_report) +				\
	 VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_net)) +		\
	 VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_hv)) +		\
	 VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_workload)) +	\
	 VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_loss)))

static void *vsem_entry(void **pos, u16 type, size_t body)
{
	struct virtio_vsem_entry *e = *pos;
	size_t len = ALIGN(sizeof(*e) + body, 8);

	memset(e, 0, len);
	e->type = cpu_to_le16(type);
	e->len = cpu_to_le16(len);
	*pos += len;
	return e + 1;
}

static bool vsem_in_prefix(const struct virtio_vsem_prefix *p, u8 family,
			   const u8 *addr)
{
	unsigned int bits = p->prefix_len, bytes = bits / 8;

	if (p->family != family)
		return false;
	if (memcmp(p->addr, addr, bytes))
		return false;
	if (bits % 8) {
		u8 mask = 0xff << (8 - bits % 8);

		return (p->addr[bytes] & mask) == (addr[bytes] & mask);
	}
	return true;
}

/* Outside the provider: within none of the prefixes the host gave. */
bool vsem_outside(const struct vsem_host *h, u8 family, const u8 *addr)
{
	unsigned int i;

	for (i = 0; i < h->nr_prefixes; i++)
		if (vsem_in_prefix(&h->prefixes[i], family, addr))
			return false;
	return true;
}

static int vsem_dest_cmp(const void *a, const void *b)
{
	const struct vsem_dest *x = *(const struct vsem_dest * const *)a;
	const struct vsem_dest *y = *(const struct vsem_dest * const *)b;

	if (x->packets != y->packets)
		return x->packets < y->packets ? 1 : -1;
	return 0;
}

/* The busiest destinations, as many as @room allows; the rest: trimmed. */
static unsigned int vsem_add_flows(struct vsem *vi, void **pos,
				   unsigned int room)
{
	struct vsem_interval *iv = vi->iv;
	const struct vsem_dest **top = iv->top;
	struct virtio_vsem_flow *f;
	unsigned int i, n = 0, fit;

	for (i = 0; i < iv->nr; i++)
		top[n++] = &iv->dest[iv->slot_used[i]];
	sort(top, n, sizeof(top[0]), vsem_dest_cmp, NULL);
	n = min_t(unsigned int, n, VIRTIO_VSEM_MAX_FLOWS);
	fit = room / VSEM_ENTRY_SIZE(sizeof(*f));
	vi->last.flows_trimmed = n > fit ? n - fit : 0;
	n = min(n, fit);
	for (i = 0; i < n; i++) {
		f = vsem_entry(pos, VIRTIO_VSEM_E_FLOW, sizeof(*f));
		f->family = top[i]->family;
		f->outside = vsem_outside(&vi->host, top[i]->family,
					  top[i]->addr);
		f->pid = cpu_to_le32(top[i]->pid);
		memcpy(f->addr, top[i]->addr, sizeof(f->addr));
		f->packets = cpu_to_le64(top[i]->packets);
		f->bytes = cpu_to_le64(top[i]->bytes);
		strscpy_pad(f->comm, top[i]->comm, sizeof(f->comm));
	}
	return n;
}

/*
 * Build the report of the interval that ended into vi->buf: header, NET,
 * HV_REQUESTS, WORKLOAD, LOSS and, at level 2, HV_DETAIL and FLOW. Level 1
 * is 224 bytes, within the smallest max_report_size (256); at level 2,
 * HV_DETAIL (272) goes in if it fits and then as many of the 32 busiest
 * flows (64 each) as max_report_size allows: the largest report is 2544
 * bytes. What is left out is counted in LOSS (spec R5.3).
 */
size_t vsem_build_report(struct vsem *vi, const struct vsem_totals *d,
			 u32 anomalies, u8 reason, bool level_changed)
{
	const struct vsem_interval *iv = vi->iv;
	struct virtio_vsem_report *r = vi->buf;
	struct virtio_vsem_workload *w;
	struct virtio_vsem_loss *loss;
	struct virtio_vsem_net *net;
	struct virtio_vsem_hv *h;
	unsigned int nr = 4, i;
	void *pos = r + 1;
	u64 hv_unstored = iv->hv_unstored;
	u16 flags = 0;

	/* Level 1 fits the smallest report size, level 2 the largest. */
	BUILD_BUG_ON(VSEM_LEVEL1_SIZE > VIRTIO_VSEM_MIN_REPORT_SIZE);
	BUILD_BUG_ON(VSEM_LEVEL1_SIZE +
		     VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_hv_detail)) +
		     VIRTIO_VSEM_MAX_FLOWS *
		     VSEM_ENTRY_SIZE(sizeof(struct virtio_vsem_flow)) >
		     VIRTIO_VSEM_MAX_REPORT_SIZE);

	net = vsem_entry(&pos, VIRTIO_VSEM_E_NET, sizeof(*net));
	net->tx_packets = cpu_to_le64(d->tx_packets);
	net->tx_bytes = cpu_to_le64(d->tx_bytes);
	net->rx_packets = cpu_to_le64(d->rx_packets);
	net->rx_bytes = cpu_to_le64(d->rx_bytes);
	net->tx_errors = cpu_to_le64(d->tx_errors);
	net->tx_dropped = cpu_to_le64(d->tx_dropped);
	net->connect_failures = cpu_to_le64(d->connect_failures);
	net->resets_received = cpu_to_le64(d->resets_received);
	net->unreachables_received = cpu_to_le64(d->unreachables_received);
	net->destinations = cpu_to_le64(vi->last.feature[VIRTIO_VSEM_FEAT_DESTINATIONS]);

	h = vsem_entry(&pos, VIRTIO_VSEM_E_HV_REQUESTS, sizeof(*h));
	h->notifications = cpu_to_le64(d->notifications);
	h->hypercalls = cpu_to_le64(d->hypercalls);

	w = vsem_entry(&pos, VIRTIO_VSEM_E_WORKLOAD, sizeof(*w));
	w->cpu_permille = cpu_to_le32(vi->last.feature[VIRTIO_VSEM_FEAT_CPU_PERMILLE]);
	w->runqueue_x100 = cpu_to_le32(vsem_workload_runqueue_x100());
	w->mem_used_kib = cpu_to_le64(vi->last.mem_used_kib);
	w->mem_available_kib = cpu_to_le64(vi->last.mem_available_kib);
	w->near_capacity_intervals = cpu_to_le32(vi->near_capacity);
	w->intervals = cpu_to_le32(vi->intervals);

	/* LOSS is filled in last: level 2 may trim. */
	loss = vsem_entry(&pos, VIRTIO_VSEM_E_LOSS, sizeof(*loss));

	vi->last.nr_flows = 0;
	vi->last.flows_trimmed = 0;
	if (vi->level == VIRTIO_VSEM_LEVEL_2) {
		struct virtio_vsem_hv_detail *hd;
		size_t used = pos - vi->buf;

		if (used + VSEM_ENTRY_SIZE(sizeof(*hd)) <= vi->max_report_size) {
			hd = vsem_entry(&pos, VIRTIO_VSEM_E_HV_DETAIL,
					sizeof(*hd));
			hd->nr_records = cpu_to_le32(iv->nr_hv);
			for (i = 0; i < iv->nr_hv; i++) {
				hd->records[i].kind = cpu_to_le32(iv->hv[i].kind);
				hd->records[i].key = cpu_to_le32(iv->hv[i].key);
				hd->records[i].count = cpu_to_le64(iv->hv[i].count);
			}
			nr++;
		} else {
			for (i = 0; i < iv->nr_hv; i++)
				hv_unstored += iv->hv[i].count;
		}
		vi->last.nr_flows = vsem_add_flows(vi, &pos,
						   vi->max_report_size -
						   (pos - vi->buf));
		nr += vi->last.nr_flows;
		vi->flows_trimmed += vi->last.flows_trimmed;
	}
	loss->unstored_packets = cpu_to_le64(iv->unstored_packets);
	loss->hv_unstored = cpu_to_le64(hv_unstored);
	loss->reports_dropped = cpu_to_le64(vi->reports_dropped);
	loss->flows_trimmed = cpu_to_le32(vi->last.flows_trimmed);
	loss->flags = cpu_to_le32(iv->estimated ? VIRTIO_VSEM_LOSS_ESTIMATED : 0);
	vi->last.unstored_packets = iv->unstored_packets;
	vi->last.hv_unstored = hv_unstored;
	vi->last.estimated = iv->estimated;

	if (level_changed)
		flags |= VIRTIO_VSEM_RF_LEVEL_CHANGED;
	if (vi->host.history_valid)
		flags |= VIRTIO_VSEM_RF_HISTORY_USED;
	if (vi->level_refused)
		flags |= VIRTIO_VSEM_RF_LEVEL_REFUSED;
	memset(r, 0, sizeof(*r));
	r->version = cpu_to_le16(VIRTIO_VSEM_VERSION);
	r->nr_entries = cpu_to_le16(nr);
	r->len = cpu_to_le32(pos - vi->buf);
	r->seq = cpu_to_le64(vi->seq + 1);	/* used up once queued (R5.1) */
	r->interval_ms = cpu_to_le32(vi->last.interval_ms);
	r->level = vi->level;
	r->switch_reason = level_changed ? reason : VIRTIO_VSEM_SWITCH_NONE;
	r->flags = cpu_to_le16(flags);
	r->anomalies = cpu_to_le32(anomalies);
	return pos - vi->buf;
}

/* Reclaim the buffers the device has used (it returns every one, D3.1). */
static void vsem_reclaim(struct vsem *vi)
{
	unsigned int len;
	void *buf;

	while ((buf = virtqueue_get_buf(vi->vq, &len))) {
		kfree(buf);
		vi->in_flight--;
	}
}

void vsem_report_done(struct virtqueue *vq)
{
	struct vsem *vi = vq->vdev->priv;
	unsigned long flags;

	spin_lock_irqsave(&vi->vq_lock, flags);
	vsem_reclaim(vi);
	spin_unlock_irqrestore(&vi->vq_lock, flags);
}

/* Queue one report (a copy of @len bytes at @buf); never waits. */
int vsem_send(struct vsem *vi, const void *buf, size_t len)
{
	struct scatterlist sg;
	unsigned long flags;
	void *copy;
	int err;

	copy = kmemdup(buf, len, GFP_KERNEL);
	if (!copy) {
		vi->reports_dropped++;
		return -ENOMEM;
	}
	sg_init_one(&sg, copy, len);
	spin_lock_irqsave(&vi->vq_lock, flags);
	vsem_reclaim(vi);
	err = virtqueue_add_outbuf(vi->vq, &sg, 1, copy, GFP_ATOMIC);
	if (!err) {
		vi->in_flight++;
		virtqueue_kick(vi->vq);
	}
	spin_unlock_irqrestore(&vi->vq_lock, flags);
	if (err) {
		kfree(copy);
		vi->reports_dropped++;
		return err;
	}
	vi->reports_sent++;
	return 0;
}

/* Queue the report built in vi->buf; its number is used only if queued. */
int vsem_send_report(struct vsem *vi, size_t len)
{
	int err = vsem_send(vi, vi->buf, len);

	if (!err)
		vi->seq++;
	return err;
}
