// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: the guest driver of the virtio-vsem device.
 *
 * One report per interval (spec section 5). Level 1 sends counters; when
 * a feature of the interval lies more than "threshold" spreads away from
 * the history the host wrote into the configuration space, the driver
 * switches itself to level 2 (flows with their processes, request
 * detail) and says why; after "calm_intervals" quiet intervals it goes back.
 * The host may command a level, which takes effect at the end of the
 * interval in progress.
 */
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include "vsem.h"

unsigned int vsem_threshold = 4;
module_param_named(threshold, vsem_threshold, uint, 0644);
MODULE_PARM_DESC(threshold, "Spreads from the mean that make a feature anomalous (default 4)");

unsigned int vsem_calm_intervals = 5;
module_param_named(calm_intervals, vsem_calm_intervals, uint, 0644);
MODULE_PARM_DESC(calm_intervals, "Quiet intervals before returning to level 1 (default 5)");

unsigned int vsem_near_capacity_permille = 900;
module_param_named(near_capacity_permille, vsem_near_capacity_permille, uint, 0644);
MODULE_PARM_DESC(near_capacity_permille, "CPU or memory use counted as near capacity (default 900)");

bool vsem_test_inject;
module_param_named(test_inject, vsem_test_inject, bool, 0444);
MODULE_PARM_DESC(test_inject, "Testing only: allow sysfs \"inject\" to send hostile reports");

static bool vsem_bound;		/* one device: the guest has one network stack */

/* Read the configuration space as a whole (R4.1) and validate it (R4.2). */
static void vsem_read_config(struct vsem *vi)
{
	struct virtio_device *vdev = vi->vdev;
	struct virtio_vsem_config cfg;
	struct vsem_host *h = &vi->host;
	unsigned int i, n;

	BUILD_BUG_ON(sizeof(cfg) % 4);
	__virtio_cread_many(vdev, 0, &cfg, sizeof(cfg) / 4, 4);

	h->interval_ms = clamp_t(u32, le32_to_cpu(cfg.interval_ms),
				 VIRTIO_VSEM_INTERVAL_MIN_MS,
				 VIRTIO_VSEM_INTERVAL_MAX_MS);
	h->commanded_level = 0;
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_HOST_LEVEL))
		h->commanded_level = min_t(u8, cfg.commanded_level,
					   VIRTIO_VSEM_LEVEL_2);
	h->history_valid = false;
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_HISTORY) &&
	    cfg.history_valid) {
		h->history_valid = true;
		h->history_seq = le32_to_cpu(cfg.history_seq);
		for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
			h->mean[i] = le64_to_cpu(cfg.history[i].mean);
			h->spread[i] = le64_to_cpu(cfg.history[i].spread);
		}
	}
	h->nr_prefixes = 0;
	if (!virtio_has_feature(vdev, VIRTIO_VSEM_F_PREFIXES))
		return;
	n = min_t(unsigned int, cfg.nr_prefixes, VIRTIO_VSEM_MAX_PREFIXES);
	for (i = 0; i < n; i++) {
		const struct virtio_vsem_prefix *p = &cfg.prefixes[i];

		if ((p->family == 4 && p->prefix_len <= 32) ||
		    (p->family == 6 && p->prefix_len <= 128))
			h->prefixes[h->nr_prefixes++] = *p;
	}
}

static void vsem_config_work(struct work_struct *work)
{
	struct vsem *vi = container_of(work, struct vsem, config_work);

	mutex_lock(&vi->lock);
	if (!vi->stopping)
		vsem_read_config(vi);
	mutex_unlock(&vi->lock);
}

/* Called in interrupt context. */
static void vsem_config_changed(struct virtio_device *vdev)
{
	struct vsem *vi = vdev->priv;

	schedule_work(&vi->config_work);
}

/* Every field of struct vsem_totals is a u64 that only grows. */
static void vsem_deltas(struct vsem_totals *d, const struct vsem_totals *now,
			const struct vsem_totals *prev)
{
	const u64 *n = (const u64 *)now, *p = (const u64 *)prev;
	u64 *out = (u64 *)d;
	unsigned int i;

	BUILD_BUG_ON(sizeof(*d) % sizeof(u64));
	for (i = 0; i < sizeof(*d) / sizeof(u64); i++)
		out[i] = n[i] >= p[i] ? n[i] - p[i] : 0; /* a device went away */
}

/* Features of the interval that ended (enum virtio_vsem_feature). */
static void vsem_features(struct vsem *vi, const struct vsem_totals *d,
			  unsigned int destinations)
{
	u64 *f = vi->last.feature;
	u64 used, avail;

	/* Read once: the WORKLOAD entry reports the same figures. */
	vsem_workload_mem(&vi->last.mem_used_kib, &vi->last.mem_available_kib);
	used = vi->last.mem_used_kib;
	avail = vi->last.mem_available_kib;

	f[VIRTIO_VSEM_FEAT_TX_PACKETS] = d->tx_packets;
	f[VIRTIO_VSEM_FEAT_TX_BYTES] = d->tx_bytes;
	f[VIRTIO_VSEM_FEAT_RX_PACKETS] = d->rx_packets;
	f[VIRTIO_VSEM_FEAT_RX_BYTES] = d->rx_bytes;
	f[VIRTIO_VSEM_FEAT_SEND_FAILURES] = d->tx_errors + d->tx_dropped +
		d->connect_failures + d->resets_received +
		d->unreachables_received;
	f[VIRTIO_VSEM_FEAT_DESTINATIONS] = destinations;
	f[VIRTIO_VSEM_FEAT_HV_REQUESTS] = d->notifications + d->hypercalls;
	f[VIRTIO_VSEM_FEAT_CPU_PERMILLE] = 0;
	if (d->wall_us)
		f[VIRTIO_VSEM_FEAT_CPU_PERMILLE] = 1000 -
			min_t(u64, 1000, div64_u64(d->idle_us * 1000, d->wall_us));
	f[VIRTIO_VSEM_FEAT_MEM_PERMILLE] = used + avail ?
		div64_u64(used * 1000, used + avail) : 0;
}

/* Features more than threshold x spread from their mean (spec 5.3). */
static u32 vsem_anomalies(const struct vsem *vi)
{
	const struct vsem_host *h = &vi->host;
	u64 v, mean, spread, dist;
	u32 bits = 0;
	unsigned int i;

	if (!h->history_valid)
		return 0;
	for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
		v = vi->last.feature[i];
		mean = h->mean[i];
		spread = max_t(u64, h->spread[i], 1);
		dist = v > mean ? v - mean : mean - v;
		/* dist > threshold * spread, without overflowing */
		if (dist / spread > vsem_threshold ||
		    (dist / spread == vsem_threshold && dist % spread))
			bits |= BIT(i);
	}
	return bits;
}

/* The level for the next interval, and why it changed (0: it did not). */
static u8 vsem_decide(struct vsem *vi, u32 anomalies)
{
	bool can2 = virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_LEVEL2);
	u8 want = vi->level, reason = VIRTIO_VSEM_SWITCH_NONE;

	if (vi->host.commanded_level) {
		want = vi->host.commanded_level;
		if (want == VIRTIO_VSEM_LEVEL_2 && !can2)
			want = VIRTIO_VSEM_LEVEL_1;
		vi->level_commanded = true;
		reason = VIRTIO_VSEM_SWITCH_COMMANDED;
	} else if (vi->level_commanded) {
		/* The host gave the decision back: start again from level 1. */
		vi->level_commanded = false;
		want = VIRTIO_VSEM_LEVEL_1;
		reason = VIRTIO_VSEM_SWITCH_COMMANDED;
	} else if (vi->level == VIRTIO_VSEM_LEVEL_1 && anomalies && can2) {
		want = VIRTIO_VSEM_LEVEL_2;
		reason = VIRTIO_VSEM_SWITCH_ANOMALY;
	} else if (vi->level == VIRTIO_VSEM_LEVEL_2) {
		vi->calm = anomalies ? 0 : vi->calm + 1;
		if (vi->calm >= vsem_calm_intervals) {
			want = VIRTIO_VSEM_LEVEL_1;
			reason = VIRTIO_VSEM_SWITCH_CALM;
		}
	}
	if (want == vi->level)
		return VIRTIO_VSEM_SWITCH_NONE;
	vi->level = want;
	vi->calm = 0;
	vi->switches++;
	vsem_net_set_capture(want == VIRTIO_VSEM_LEVEL_2);
	return reason;
}

static void vsem_tick(struct work_struct *work)
{
	struct vsem *vi = container_of(to_delayed_work(work), struct vsem, tick);
	struct vsem_totals now = {}, d;
	struct vsem_dest_table *dests;
	u64 t0 = local_clock();
	u32 anomalies;
	size_t len;
	u8 reason;

	mutex_lock(&vi->lock);
	if (vi->stopping)
		goto out;

	vsem_net_totals(&now);
	vsem_hv_totals(&now);
	vsem_workload_totals(&now);
	vsem_deltas(&d, &now, &vi->prev);
	vi->prev = now;

	dests = vsem_net_swap();
	vsem_features(vi, &d, dests->used);
	vi->intervals++;
	if (vi->last.feature[VIRTIO_VSEM_FEAT_CPU_PERMILLE] >= vsem_near_capacity_permille ||
	    vi->last.feature[VIRTIO_VSEM_FEAT_MEM_PERMILLE] >= vsem_near_capacity_permille)
		vi->near_capacity++;
	anomalies = vsem_anomalies(vi);
	reason = vsem_decide(vi, anomalies);
	len = vsem_build_report(vi, &d, dests, anomalies, reason,
				reason != VIRTIO_VSEM_SWITCH_NONE);
	vsem_net_release(dests);
	vi->last.seq = vi->seq;
	vi->last.level = vi->level;
	vi->last.anomalies = anomalies;
	if (reason)
		vi->last.switch_reason = reason;
	vsem_send(vi, vi->buf, len);

	schedule_delayed_work(&vi->tick, msecs_to_jiffies(vi->host.interval_ms));
	vi->cost_ns += local_clock() - t0;
out:
	mutex_unlock(&vi->lock);
}

static int vsem_probe(struct virtio_device *vdev)
{
	struct vsem *vi;
	int err;

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		return -ENODEV;
	if (vsem_bound) {
		dev_err(&vdev->dev, "only one virtio-vsem device is supported\n");
		return -EBUSY;
	}
	vi = kzalloc(sizeof(*vi), GFP_KERNEL);
	if (!vi)
		return -ENOMEM;
	vi->buf = kzalloc(VIRTIO_VSEM_MAX_REPORT_SIZE, GFP_KERNEL);
	if (!vi->buf) {
		err = -ENOMEM;
		goto free;
	}
	vi->vdev = vdev;
	vdev->priv = vi;
	spin_lock_init(&vi->vq_lock);
	mutex_init(&vi->lock);
	INIT_DELAYED_WORK(&vi->tick, vsem_tick);
	INIT_WORK(&vi->config_work, vsem_config_work);
	vi->level = VIRTIO_VSEM_LEVEL_1;
	vi->started_ns = local_clock();

	vi->vq = virtio_find_single_vq(vdev, vsem_report_done, "reportq");
	if (IS_ERR(vi->vq)) {
		err = PTR_ERR(vi->vq);
		goto free;
	}
	vsem_read_config(vi);
	virtio_device_ready(vdev);

	/* The first interval starts now. */
	vsem_net_totals(&vi->prev);
	vsem_hv_totals(&vi->prev);
	vsem_workload_totals(&vi->prev);
	vsem_net_release(vsem_net_swap());
	vsem_bound = true;
	schedule_delayed_work(&vi->tick, msecs_to_jiffies(vi->host.interval_ms));
	dev_info(&vdev->dev, "virtio-vsem: reporting every %u ms\n",
		 vi->host.interval_ms);
	return 0;
free:
	kfree(vi->buf);
	kfree(vi);
	return err;
}

static void vsem_remove(struct virtio_device *vdev)
{
	struct vsem *vi = vdev->priv;
	void *buf;

	mutex_lock(&vi->lock);
	vi->stopping = true;
	mutex_unlock(&vi->lock);
	cancel_delayed_work_sync(&vi->tick);
	cancel_work_sync(&vi->config_work);

	virtio_reset_device(vdev);
	while ((buf = virtqueue_detach_unused_buf(vi->vq)))
		kfree(buf);
	vdev->config->del_vqs(vdev);
	vsem_net_set_capture(false);
	vsem_bound = false;
	kfree(vi->buf);
	kfree(vi);
}

static const struct virtio_device_id vsem_id_table[] = {
	{ VIRTIO_ID_VSEM, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static unsigned int vsem_features_table[] = {
	VIRTIO_VSEM_F_LEVEL2,
	VIRTIO_VSEM_F_HISTORY,
	VIRTIO_VSEM_F_HOST_LEVEL,
	VIRTIO_VSEM_F_PREFIXES,
};

static struct virtio_driver vsem_driver = {
	.feature_table = vsem_features_table,
	.feature_table_size = ARRAY_SIZE(vsem_features_table),
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.driver.dev_groups = vsem_groups,
	.id_table = vsem_id_table,
	.probe = vsem_probe,
	.remove = vsem_remove,
	.config_changed = vsem_config_changed,
};

static int __init vsem_init(void)
{
	int err;

	err = vsem_net_init();
	if (err)
		return err;
	vsem_hv_init();
	err = register_virtio_driver(&vsem_driver);
	if (err) {
		vsem_hv_exit();
		vsem_net_exit();
	}
	return err;
}

static void __exit vsem_exit(void)
{
	unregister_virtio_driver(&vsem_driver);
	vsem_hv_exit();
	vsem_net_exit();
}

module_init(vsem_init);
module_exit(vsem_exit);

MODULE_DEVICE_TABLE(virtio, vsem_id_table);
MODULE_DESCRIPTION("virtio-vsem guest driver: kvm-sec VSEM and VREM");
MODULE_LICENSE("GPL");
