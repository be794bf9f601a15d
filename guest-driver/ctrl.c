// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: the control queue (spec section 8), with
 * VIRTIO_VSEM_F_CTRL_VQ. The device tells the driver, at any time, what
 * became of each report (STATUS) and what the host wants (SETTINGS,
 * HISTORY, PREFIXES). The driver keeps VSEM_CTRL_BUFS buffers available
 * and gives each back as soon as it has read it.
 *
 * The device is not trusted to be well-formed (a confidential guest does
 * not trust its host): every message is bounds-checked, a malformed one
 * ends the buffer and is counted, unknown types are skipped (R8.2).
 */
#include <linux/scatterlist.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include "vsem.h"

static const char *const vsem_status_name[] = {
	[VIRTIO_VSEM_ST_ACCEPTED]	= "accepted",
	[VIRTIO_VSEM_ST_WRITABLE]	= "writable",
	[VIRTIO_VSEM_ST_SIZE]		= "size",
	[VIRTIO_VSEM_ST_VERSION]	= "version",
	[VIRTIO_VSEM_ST_ENTRY]		= "entry",
	[VIRTIO_VSEM_ST_LEVEL]		= "level",
	[VIRTIO_VSEM_ST_COUNT]		= "count",
	[VIRTIO_VSEM_ST_VALUE]		= "value",
	[VIRTIO_VSEM_ST_SEQ]		= "seq",
	[VIRTIO_VSEM_ST_THROTTLED]	= "throttled",
	[VIRTIO_VSEM_ST_NOT_FORWARDED]	= "not_forwarded",
	[VIRTIO_VSEM_ST_HOST_REFUSED]	= "host_refused",
};

const char *vsem_status_str(u8 result)
{
	if (result < ARRAY_SIZE(vsem_status_name))
		return vsem_status_name[result];
	return "unknown";
}

/* Keep the valid prefixes of @n (R4.2): the config and PREFIXES alike. */
void vsem_set_prefixes(struct vsem_host *h, const struct virtio_vsem_prefix *p,
		       unsigned int n)
{
	unsigned int i;

	h->nr_prefixes = 0;
	for (i = 0; i < min_t(unsigned int, n, VIRTIO_VSEM_MAX_PREFIXES); i++)
		if ((p[i].family == 4 && p[i].prefix_len <= 32) ||
		    (p[i].family == 6 && p[i].prefix_len <= 128))
			h->prefixes[h->nr_prefixes++] = p[i];
}

static void vsem_ctrl_status(struct vsem *vi, const struct virtio_vsem_status *st)
{
	u8 result = st->result;

	/* The device counts per epoch (spec 8.1). */
	vi->statuses_lost = max(vi->statuses_lost,
				vi->lost_base + le64_to_cpu(st->lost));
	switch (result) {
	case VIRTIO_VSEM_ST_ACCEPTED:
		vi->reports_accepted++;
		return;
	case VIRTIO_VSEM_ST_THROTTLED:
		vi->reports_throttled++;
		break;
	case VIRTIO_VSEM_ST_NOT_FORWARDED:
	case VIRTIO_VSEM_ST_HOST_REFUSED:
		vi->reports_host_refused++;
		break;
	default:
		vi->reports_rejected++;
		break;
	}
	vi->last_refusal = result;
	vi->last_refused_seq = le64_to_cpu(st->seq);
	dev_warn_ratelimited(&vi->vdev->dev,
			     "report %llu not taken by the host: %s (%u)\n",
			     le64_to_cpu(st->seq), vsem_status_str(result),
			     le32_to_cpu(st->detail));
}

/* One message of @len bytes, header included; false if malformed. */
static bool vsem_ctrl_msg(struct vsem *vi, u16 type, const void *body,
			  size_t len)
{
	struct vsem_host *h = &vi->host;
	const struct virtio_vsem_settings *set = body;
	const struct virtio_vsem_history *hist = body;
	const struct virtio_vsem_prefixes *pfx = body;
	const struct virtio_vsem_feature_stat *stat;
	unsigned int i, n;

	switch (type) {
	case VIRTIO_VSEM_M_STATUS:
		if (len < sizeof(struct virtio_vsem_status))
			return false;
		vsem_ctrl_status(vi, body);
		return true;
	case VIRTIO_VSEM_M_SETTINGS:
		if (len < sizeof(*set))
			return false;
		h->interval_ms = clamp_t(u32, le32_to_cpu(set->interval_ms),
					 VIRTIO_VSEM_INTERVAL_MIN_MS,
					 VIRTIO_VSEM_INTERVAL_MAX_MS);
		h->commanded_level = 0;
		if (virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_HOST_LEVEL))
			h->commanded_level = min_t(u8, set->commanded_level,
						   VIRTIO_VSEM_LEVEL_2);
		return true;
	case VIRTIO_VSEM_M_HISTORY:
		if (len < sizeof(*hist))
			return false;
		n = le16_to_cpu(hist->nr_features);
		if (n > (len - sizeof(*hist)) / sizeof(*stat))
			return false;
		if (!virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_HISTORY))
			return true;
		/* Features this driver does not know: ignored (R8.2). */
		n = min_t(unsigned int, n, VIRTIO_VSEM_NR_FEATURES);
		stat = (const void *)(hist + 1);
		for (i = 0; i < n; i++) {
			h->mean[i] = le64_to_cpu(stat[i].mean);
			h->spread[i] = le64_to_cpu(stat[i].spread);
		}
		h->history_mask = n ? GENMASK(n - 1, 0) : 0;
		h->history_seq = le32_to_cpu(hist->history_seq);
		h->history_valid = n > 0;
		return true;
	case VIRTIO_VSEM_M_PREFIXES:
		if (len < sizeof(*pfx))
			return false;
		n = pfx->nr_prefixes;
		if (n > (len - sizeof(*pfx)) / sizeof(struct virtio_vsem_prefix))
			return false;
		if (virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_PREFIXES))
			vsem_set_prefixes(h, (const void *)(pfx + 1), n);
		return true;
	}
	vi->ctrl_unknown++;
	return true;
}

/* The messages of one buffer the device filled with @len bytes. */
static void vsem_ctrl_parse(struct vsem *vi, const u8 *buf, unsigned int len)
{
	const struct virtio_vsem_msg *m;
	unsigned int off = 0;
	u16 mlen;

	len = min_t(unsigned int, len, VIRTIO_VSEM_CTRL_BUF_SIZE);
	while (off < len) {
		m = (const void *)(buf + off);
		if (len - off < sizeof(*m))
			goto bad;
		mlen = le16_to_cpu(m->len);
		if (mlen < sizeof(*m) || mlen % 8 || mlen > len - off)
			goto bad;
		if (!vsem_ctrl_msg(vi, le16_to_cpu(m->type), m + 1,
				   mlen - sizeof(*m)))
			goto bad;
		vi->ctrl_messages++;
		off += mlen;
	}
	return;
bad:
	vi->ctrl_malformed++;
	dev_warn_ratelimited(&vi->vdev->dev,
			     "malformed control message at byte %u\n", off);
}

static int vsem_ctrl_add(struct vsem *vi, void *buf)
{
	struct scatterlist sg;

	sg_init_one(&sg, buf, VIRTIO_VSEM_CTRL_BUF_SIZE);
	return virtqueue_add_inbuf(vi->ctrl_vq, &sg, 1, buf, GFP_KERNEL);
}

/* Make every control buffer available (start, restore), before ready. */
int vsem_ctrl_fill(struct vsem *vi)
{
	unsigned int i;
	int err;

	for (i = 0; i < VSEM_CTRL_BUFS; i++) {
		err = vsem_ctrl_add(vi, vi->ctrl_buf[i]);
		if (err)
			return err;
	}
	return 0;
}

/* Process context: read what the device sent, give the buffers back. */
void vsem_ctrl_work(struct work_struct *work)
{
	struct vsem *vi = container_of(work, struct vsem, ctrl_work);
	bool added = false;
	unsigned int len;
	void *buf;

	mutex_lock(&vi->lock);
	if (vi->stopping || !vi->ctrl_vq)
		goto out;
	while ((buf = virtqueue_get_buf(vi->ctrl_vq, &len))) {
		vsem_ctrl_parse(vi, buf, len);
		/* Its slot was just freed: this does not fail. */
		if (vsem_ctrl_add(vi, buf))
			dev_err_ratelimited(&vi->vdev->dev,
					    "a control buffer was lost\n");
		added = true;
	}
	if (added)
		virtqueue_kick(vi->ctrl_vq);
out:
	mutex_unlock(&vi->lock);
}

/* Called in interrupt context. */
void vsem_ctrl_done(struct virtqueue *vq)
{
	struct vsem *vi = vq->vdev->priv;

	schedule_work(&vi->ctrl_work);
}
