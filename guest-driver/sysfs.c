// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: guest-side state in sysfs, under the virtio device
 * (/sys/bus/virtio/drivers/virtio_vsem/virtioN/).
 *
 *   level, commanded_level, interval_ms, history_valid, history_seq
 *   seq, anomalies, switch_reason, flows     the last report sent
 *   reports_sent, reports_dropped, switches, since the driver started
 *   flows_trimmed
 *   cost_ns, running_ns                      time in this driver's code, and
 *                                            since it started (the ratio is
 *                                            its share of one vCPU)
 *   hook_cost_ns, hook_packets               the netfilter hook's share of
 *                                            cost_ns (sampled), its packets
 *   hv_probes, notifications                 request probes active, and the
 *                                            notifications they counted
 *   last/<feature>                           the last interval's features
 *   last_interval_ms, last_unstored_packets  its measured length, packets
 *                                            to destinations not stored
 *   ctrlq                                    1: the control queue is used
 *   reports_accepted, reports_rejected,      what the device said of the
 *   reports_throttled, reports_host_refused, reports (control queue only),
 *   statuses_lost, last_refusal              and the last refusal's reason
 *                                            and seq
 *   ctrl_messages, ctrl_unknown,             control messages read, of
 *   ctrl_malformed                           unknown types, malformed
 *   level_refused                            1: a commanded level 2 was
 *                                            refused (max_level=1)
 *   inject                                   test builds only (VSEM_TEST=1)
 */
#include <linux/device.h>
#include <linux/sched/clock.h>
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
VSEM_SHOW(flows_trimmed, "%llu", vi->flows_trimmed);
VSEM_SHOW(cost_ns, "%llu", vi->cost_ns + VSEM_CPU_SUM(cost_ns));
VSEM_SHOW(hook_cost_ns, "%llu", VSEM_CPU_SUM(cost_ns));
VSEM_SHOW(hook_packets, "%llu", VSEM_CPU_SUM(packets));
VSEM_SHOW(running_ns, "%llu", local_clock() - vi->started_ns);
VSEM_SHOW(hv_probes, "%u", vsem_hv_probes());
VSEM_SHOW(notifications, "%llu", VSEM_CPU_SUM(notifications));
VSEM_SHOW(last_interval_ms, "%u", vi->last.interval_ms);
VSEM_SHOW(last_unstored_packets, "%llu", vi->last.unstored_packets);
VSEM_SHOW(ctrlq, "%d", !!vi->ctrl_vq);
VSEM_SHOW(reports_accepted, "%llu", vi->reports_accepted);
VSEM_SHOW(reports_rejected, "%llu", vi->reports_rejected);
VSEM_SHOW(reports_throttled, "%llu", vi->reports_throttled);
VSEM_SHOW(reports_host_refused, "%llu", vi->reports_host_refused);
VSEM_SHOW(statuses_lost, "%llu", vi->statuses_lost);
VSEM_SHOW(ctrl_messages, "%llu", vi->ctrl_messages);
VSEM_SHOW(ctrl_unknown, "%llu", vi->ctrl_unknown);
VSEM_SHOW(ctrl_malformed, "%llu", vi->ctrl_malformed);
VSEM_SHOW(level_refused, "%d", vi->level_refused);

static ssize_t last_refusal_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vsem *vi = to_vsem(dev);
	ssize_t n;

	mutex_lock(&vi->lock);
	if (!vi->last_refused_seq && !vi->last_refusal)
		n = sysfs_emit(buf, "none\n");
	else
		n = sysfs_emit(buf, "%s %llu\n",
			       vsem_status_str(vi->last_refusal),
			       vi->last_refused_seq);
	mutex_unlock(&vi->lock);
	return n;
}
static DEVICE_ATTR_RO(last_refusal);

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
	&dev_attr_flows_trimmed.attr,
	&dev_attr_cost_ns.attr,
	&dev_attr_hook_cost_ns.attr,
	&dev_attr_hook_packets.attr,
	&dev_attr_running_ns.attr,
	&dev_attr_hv_probes.attr,
	&dev_attr_notifications.attr,
	&dev_attr_last_interval_ms.attr,
	&dev_attr_last_unstored_packets.attr,
	&dev_attr_ctrlq.attr,
	&dev_attr_reports_accepted.attr,
	&dev_attr_reports_rejected.attr,
	&dev_attr_reports_throttled.attr,
	&dev_attr_reports_host_refused.attr,
	&dev_attr_statuses_lost.attr,
	&dev_attr_last_refusal.attr,
	&dev_attr_ctrl_messages.attr,
	&dev_attr_ctrl_unknown.attr,
	&dev_attr_ctrl_malformed.attr,
	&dev_attr_level_refused.attr,
	NULL,
};

static const struct attribute_group vsem_group = {
	.attrs = vsem_attrs,
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
#ifdef VSEM_TEST
	&vsem_inject_group,
#endif
	NULL,
};
