// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: building a report (spec section 5) and sending it.
 */
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/string.h>
#include "vsem.h"

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

static unsigned int vsem_add_flows(struct vsem *vi, void **pos,
				   struct vsem_dest_table *t)
{
	const struct vsem_dest **top = vi->top;
	struct virtio_vsem_flow *f;
	unsigned int i, n = 0;

	for (i = 0; i < VSEM_DEST_SLOTS; i++)
		if (t->slot[i].family)
			top[n++] = &t->slot[i];
	sort(top, n, sizeof(top[0]), vsem_dest_cmp, NULL);
	n = min_t(unsigned int, n, VIRTIO_VSEM_MAX_FLOWS);
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
 * HV_REQUESTS, WORKLOAD and, at level 2, FLOW and HV_DETAIL. The largest
 * report (3 + 32 + 1 entries) is 2560 bytes, within every limit.
 */
size_t vsem_build_report(struct vsem *vi, const struct vsem_totals *d,
			 struct vsem_dest_table *dests, u32 anomalies,
			 u8 reason, bool level_changed)
{
	struct vsem_hv_slot hv[VSEM_HV_SLOTS];
	struct virtio_vsem_report *r = vi->buf;
	struct virtio_vsem_workload *w;
	struct virtio_vsem_net *net;
	struct virtio_vsem_hv *h;
	unsigned int nr = 3, nr_hv, i;
	void *pos = r + 1;
	u16 flags = 0;

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

	/* The interval's request records are taken at every level. */
	nr_hv = vsem_hv_take(hv, ARRAY_SIZE(hv));
	vi->last.nr_flows = 0;
	if (vi->level == VIRTIO_VSEM_LEVEL_2) {
		struct virtio_vsem_hv_detail *hd;

		vi->last.nr_flows = vsem_add_flows(vi, &pos, dests);
		nr += vi->last.nr_flows;
		hd = vsem_entry(&pos, VIRTIO_VSEM_E_HV_DETAIL, sizeof(*hd));
		hd->nr_records = cpu_to_le32(nr_hv);
		for (i = 0; i < nr_hv; i++) {
			hd->records[i].kind = cpu_to_le32(hv[i].kind);
			hd->records[i].key = cpu_to_le32(hv[i].key);
			hd->records[i].count = cpu_to_le64(hv[i].count);
		}
		nr++;
	}

	if (level_changed)
		flags |= VIRTIO_VSEM_RF_LEVEL_CHANGED;
	if (vi->host.history_valid)
		flags |= VIRTIO_VSEM_RF_HISTORY_USED;
	memset(r, 0, sizeof(*r));
	r->version = cpu_to_le16(VIRTIO_VSEM_VERSION);
	r->nr_entries = cpu_to_le16(nr);
	r->len = cpu_to_le32(pos - vi->buf);
	r->seq = cpu_to_le64(++vi->seq);
	r->interval_ms = cpu_to_le32(vi->host.interval_ms);
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
