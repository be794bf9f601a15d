// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: guest-side state in sysfs, under the virtio device
 * (/sys/bus/virtio/drivers/virtio_vsem/virtioN/).
 *
 *   level, commanded_level, interval_ms, history_valid, history_seq
 *   seq, anomalies, switch_reason, flows     the last report sent
 *   reports_sent, reports_dropped, switches  since the driver started
 *   cost_ns, running_ns                      time in this driver's code, and
 *                                            since it started (the ratio is
 *                                            its share of one vCPU)
 *   hv_probes, notifications                 request probes active, and the
 *                                            notifications they counted
 *   last/<feature>                           the last interval's features
 *   inject                                   test_inject=1 only (write-only)
 */
#include <linux/device.h>
#include <linux/random.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "vsem.h"

static struct vsem *to_vsem(struct device *dev)
{
	return dev_to_virtio(dev)->priv;
}

#define VSEM_SHOW(name, fmt, expr)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	struct vsem *vi = to_vsem(dev);					\
	ssize_t n;							\
									\
	mutex_lock(&vi->lock);						\
	n = sysfs_emit(buf, fmt "\n", expr);				\
	mutex_unlock(&vi->lock);					\
	return n;							\
}									\
static DEVICE_ATTR_RO(name)

VSEM_SHOW(level, "%u", vi->level);
VSEM_SHOW(commanded_level, "%u", vi->host.commanded_level);
VSEM_SHOW(interval_ms, "%u", vi->host.interval_ms);
VSEM_SHOW(history_valid, "%u", vi->host.history_valid);
VSEM_SHOW(history_seq, "%u", vi->host.history_seq);
VSEM_SHOW(seq, "%llu", vi->last.seq);
VSEM_SHOW(anomalies, "0x%x", vi->last.anomalies);
VSEM_SHOW(switch_reason, "%u", vi->last.switch_reason);
VSEM_SHOW(flows, "%u", vi->last.nr_flows);
VSEM_SHOW(reports_sent, "%llu", vi->reports_sent);
VSEM_SHOW(reports_dropped, "%llu", vi->reports_dropped);
VSEM_SHOW(switches, "%llu", vi->switches);
VSEM_SHOW(cost_ns, "%llu", vi->cost_ns + (u64)atomic64_read(&vsem_net.cost_ns));
VSEM_SHOW(running_ns, "%llu", local_clock() - vi->started_ns);
VSEM_SHOW(hv_probes, "%u", vsem_hv_probes());
VSEM_SHOW(notifications, "%llu", vsem_hv_notifications());

/*
 * Testing only (module parameter test_inject=1): act as a hostile guest.
 * "garbage N" sends N malformed reports of assorted kinds, "flood N" N
 * well-formed level-1 reports back to back.
 */
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
	struct vsem *vi = to_vsem(dev);
	struct virtio_vsem_report *r;
	unsigned int n, i;
	char what[16];
	size_t len;
	u8 *b;

	if (!vsem_test_inject)
		return -EPERM;
	if (sscanf(buf, "%15s %u", what, &n) != 2 || !n || n > 100000)
		return -EINVAL;
	if (strcmp(what, "garbage") && strcmp(what, "flood"))
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
			r->seq = cpu_to_le64(++vi->seq);
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
		cond_resched();
	}
	mutex_unlock(&vi->lock);
	kfree(b);
	return i == n ? count : -ENOSPC;
}
static DEVICE_ATTR_WO(inject);

static struct attribute *vsem_attrs[] = {
	&dev_attr_level.attr,
	&dev_attr_commanded_level.attr,
	&dev_attr_interval_ms.attr,
	&dev_attr_history_valid.attr,
	&dev_attr_history_seq.attr,
	&dev_attr_seq.attr,
	&dev_attr_anomalies.attr,
	&dev_attr_switch_reason.attr,
	&dev_attr_flows.attr,
	&dev_attr_reports_sent.attr,
	&dev_attr_reports_dropped.attr,
	&dev_attr_switches.attr,
	&dev_attr_cost_ns.attr,
	&dev_attr_running_ns.attr,
	&dev_attr_hv_probes.attr,
	&dev_attr_notifications.attr,
	&dev_attr_inject.attr,
	NULL,
};

static umode_t vsem_attr_visible(struct kobject *kobj, struct attribute *a,
				 int n)
{
	if (a == &dev_attr_inject.attr && !vsem_test_inject)
		return 0;
	return a->mode;
}

static const struct attribute_group vsem_group = {
	.attrs = vsem_attrs,
	.is_visible = vsem_attr_visible,
};

/* last/<feature>: the features of the last interval (enum order). */
#define VSEM_FEATURE(name, idx) \
	VSEM_SHOW(name, "%llu", vi->last.feature[idx])

VSEM_FEATURE(tx_packets, VIRTIO_VSEM_FEAT_TX_PACKETS);
VSEM_FEATURE(tx_bytes, VIRTIO_VSEM_FEAT_TX_BYTES);
VSEM_FEATURE(rx_packets, VIRTIO_VSEM_FEAT_RX_PACKETS);
VSEM_FEATURE(rx_bytes, VIRTIO_VSEM_FEAT_RX_BYTES);
VSEM_FEATURE(send_failures, VIRTIO_VSEM_FEAT_SEND_FAILURES);
VSEM_FEATURE(destinations, VIRTIO_VSEM_FEAT_DESTINATIONS);
VSEM_FEATURE(hv_requests, VIRTIO_VSEM_FEAT_HV_REQUESTS);
VSEM_FEATURE(cpu_permille, VIRTIO_VSEM_FEAT_CPU_PERMILLE);
VSEM_FEATURE(mem_permille, VIRTIO_VSEM_FEAT_MEM_PERMILLE);

static struct attribute *vsem_last_attrs[] = {
	&dev_attr_tx_packets.attr,
	&dev_attr_tx_bytes.attr,
	&dev_attr_rx_packets.attr,
	&dev_attr_rx_bytes.attr,
	&dev_attr_send_failures.attr,
	&dev_attr_destinations.attr,
	&dev_attr_hv_requests.attr,
	&dev_attr_cpu_permille.attr,
	&dev_attr_mem_permille.attr,
	NULL,
};

static const struct attribute_group vsem_last_group = {
	.name = "last",
	.attrs = vsem_last_attrs,
};

const struct attribute_group *vsem_groups[] = {
	&vsem_group,
	&vsem_last_group,
	NULL,
};
