// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem, test builds only (make VSEM_TEST=1): act as a hostile
 * driver through sysfs "inject". "garbage N" sends N malformed reports of
 * assorted kinds, "flood N" N well-formed level-1 reports back to back,
 * "seqmax N" N well-formed reports numbered 2^64-1. The parameter
 * test_net_percent (100 by default) makes every report claim only that
 * share of the packets the guest sent and received: a guest hiding its
 * traffic, for the host's cross-check against its tap. A production module
 * has none of this.
 */
#include <linux/device.h>
#include <linux/math64.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include <linux/virtio.h>
#include "vsem.h"

static unsigned int vsem_test_net_percent = 100;
module_param_named(test_net_percent, vsem_test_net_percent, uint, 0644);
MODULE_PARM_DESC(test_net_percent,
		 "TEST BUILD: report only this share of the packets (100)");

void vsem_test_lie(struct vsem_totals *d)
{
	unsigned int pct = min(READ_ONCE(vsem_test_net_percent), 100U);

	d->tx_packets = div_u64(d->tx_packets * pct, 100);
	d->rx_packets = div_u64(d->rx_packets * pct, 100);
}

static void vsem_corrupt(struct vsem *vi, u8 *b, size_t *len, unsigned int i)
{
	struct virtio_vsem_report *r = (void *)b;
	struct virtio_vsem_entry *e = (void *)(r + 1);

	switch (i % 6) {
	case 0:			/* random bytes */
		*len = 1 + get_random_u32() % VIRTIO_VSEM_MAX_REPORT_SIZE;
		get_random_bytes(b, *len);
		break;
	case 1:
		r->version = cpu_to_le16(0xdead);
		break;
	case 2:
		r->len = cpu_to_le32(le32_to_cpu(r->len) + 8);
		break;
	case 3:
		e->len = cpu_to_le16(0xfff8);
		break;
	case 4:
		r->level = 7;
		break;
	case 5:
		r->seq = 0;
		break;
	}
}

static ssize_t inject_store(struct device *dev, struct device_attribute *attr,
			    const char *buf, size_t count)
{
	struct vsem *vi = dev_to_virtio(dev)->priv;
	struct virtio_vsem_report *r;
	unsigned int n, i;
	char what[16];
	size_t len;
	u8 *b;

	if (sscanf(buf, "%15s %u", what, &n) != 2 || !n || n > 100000)
		return -EINVAL;
	if (strcmp(what, "garbage") && strcmp(what, "flood") &&
	    strcmp(what, "seqmax"))
		return -EINVAL;
	b = kmalloc(VIRTIO_VSEM_MAX_REPORT_SIZE, GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	mutex_lock(&vi->lock);
	for (i = 0; i < n && !vi->stopping; i++) {
		/* Start from a well-formed level-1 report. */
		r = (void *)b;
		memset(b, 0, VIRTIO_VSEM_MAX_REPORT_SIZE);
		r->version = cpu_to_le16(VIRTIO_VSEM_VERSION);
		r->len = cpu_to_le32(sizeof(*r));
		r->level = VIRTIO_VSEM_LEVEL_1;
		r->interval_ms = cpu_to_le32(vi->host.interval_ms);
		len = sizeof(*r);
		if (!strcmp(what, "flood")) {
			r->seq = cpu_to_le64(vi->seq + 1);
		} else if (!strcmp(what, "seqmax")) {
			r->seq = cpu_to_le64(U64_MAX);
		} else {
			r->seq = cpu_to_le64(vi->seq + 1);
			r->nr_entries = cpu_to_le16(1);
			r->len = cpu_to_le32(sizeof(*r) + 8);
			len += 8;
			((struct virtio_vsem_entry *)(r + 1))->len = cpu_to_le16(8);
			((struct virtio_vsem_entry *)(r + 1))->type = cpu_to_le16(0x7777);
			vsem_corrupt(vi, b, &len, i);
		}
		if (vsem_send(vi, b, len))
			break;
		if (!strcmp(what, "flood"))
			vi->seq++;	/* used up only once queued */
		cond_resched();
	}
	mutex_unlock(&vi->lock);
	kfree(b);
	return i == n ? count : -ENOSPC;
}
static DEVICE_ATTR_WO(inject);

static struct attribute *vsem_inject_attrs[] = {
	&dev_attr_inject.attr,
	NULL,
};

const struct attribute_group vsem_inject_group = {
	.attrs = vsem_inject_attrs,
};
