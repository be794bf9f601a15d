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
 * interval in progress. What the host wants comes from the configuration
 * space, or from the control queue (ctrl.c) when the device has one.
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

/*
 * Guest policy (spec 9): level 2 reveals destinations and the processes
 * behind them. With max_level=1 the driver never goes there, even when the
 * host commands it, and says so in its reports.
 */
unsigned int vsem_max_level = VIRTIO_VSEM_LEVEL_2;
module_param_named(max_level, vsem_max_level, uint, 0644);
MODULE_PARM_DESC(max_level, "Highest level the guest allows, 1 or 2 (default 2)");

static bool vsem_use_ctrlq = true;
module_param_named(ctrlq, vsem_use_ctrlq, bool, 0444);
MODULE_PARM_DESC(ctrlq, "Use the control queue if the device has one (default 1; 0: as a version-1 driver)");

/* One device: the guest has one network stack, the capture is global. */
static DEFINE_MUTEX(vsem_bind_lock);
static bool vsem_bound;

/*
 * Read the configuration space (R4.1) and validate it (R4.2): all of it,
 * or with a control queue only the fields before commanded_level (R4.4).
 */
static void vsem_read_config(struct vsem *vi)
{
	struct virtio_device *vdev = vi->vdev;
	struct virtio_vsem_config cfg;
	struct vsem_host *h = &vi->host;
	size_t len = vi->ctrl_vq ? offsetof(typeof(cfg), commanded_level) :
				   sizeof(cfg);
	unsigned int i;

	BUILD_BUG_ON(sizeof(cfg) % 4);
	__virtio_cread_many(vdev, 0, &cfg, len / 4, 4);

	h->interval_ms = clamp_t(u32, le32_to_cpu(cfg.interval_ms),
				 VIRTIO_VSEM_INTERVAL_MIN_MS,
				 VIRTIO_VSEM_INTERVAL_MAX_MS);
	/* Honoured (spec R5.3): never a report larger, or more often. */
	vi->max_report_size = clamp_t(u32, le32_to_cpu(cfg.max_report_size),
				      VIRTIO_VSEM_MIN_REPORT_SIZE,
				      VIRTIO_VSEM_MAX_REPORT_SIZE);
	vi->min_spacing_ms = DIV_ROUND_UP(1000,
					  clamp_t(u32, le32_to_cpu(cfg.max_reports_per_s),
						  1, 1000));
	if (vi->ctrl_vq)
		return;
	h->commanded_level = 0;
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_HOST_LEVEL))
		h->commanded_level = min_t(u8, cfg.commanded_level,
					   VIRTIO_VSEM_LEVEL_2);
	h->history_valid = false;
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_HISTORY) &&
	    cfg.history_valid) {
		h->history_valid = true;
		h->history_mask = GENMASK(VIRTIO_VSEM_NR_FEATURES - 1, 0);
		h->history_seq = le32_to_cpu(cfg.history_seq);
		for (i = 0; i < VIRTIO_VSEM_NR_FEATURES; i++) {
			h->mean[i] = le64_to_cpu(cfg.history[i].mean);
			h->spread[i] = le64_to_cpu(cfg.history[i].spread);
		}
	}
	h->nr_prefixes = 0;
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_PREFIXES))
		vsem_set_prefixes(h, cfg.prefixes, cfg.nr_prefixes);
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

	/* With a control queue, changes come as messages (spec 8). */
	if (!virtio_has_feature(vdev, VIRTIO_VSEM_F_CTRL_VQ))
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

/*
 * A count over the measured interval, scaled to the interval the history
 * is for: a late tick, a pause or a migration does not look like a burst.
 */
static u64 vsem_per_interval(const struct vsem *vi, u64 count)
{
	return mul_u64_u32_div(count, vi->host.interval_ms, vi->last.interval_ms);
}

/* Features of the interval that ended (enum virtio_vsem_feature). */
static void vsem_features(struct vsem *vi, const struct vsem_totals *d)
{
	u64 *f = vi->last.feature;
	u64 used, avail;

	/* Read once: the WORKLOAD entry reports the same figures. */
	vsem_workload_mem(&vi->last.mem_used_kib, &vi->last.mem_available_kib);
	used = vi->last.mem_used_kib;
	avail = vi->last.mem_available_kib;

	f[VIRTIO_VSEM_FEAT_TX_PACKETS] = vsem_per_interval(vi, d->tx_packets);
	f[VIRTIO_VSEM_FEAT_TX_BYTES] = vsem_per_interval(vi, d->tx_bytes);
	f[VIRTIO_VSEM_FEAT_RX_PACKETS] = vsem_per_interval(vi, d->rx_packets);
	f[VIRTIO_VSEM_FEAT_RX_BYTES] = vsem_per_interval(vi, d->rx_bytes);
	f[VIRTIO_VSEM_FEAT_SEND_FAILURES] =
		vsem_per_interval(vi, d->tx_errors + d->tx_dropped +
				  d->connect_failures + d->resets_received +
				  d->unreachables_received);
	f[VIRTIO_VSEM_FEAT_DESTINATIONS] = vi->iv->destinations;
	f[VIRTIO_VSEM_FEAT_HV_REQUESTS] =
		vsem_per_interval(vi, d->notifications + d->hypercalls);
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
		if (!(h->history_mask & BIT(i)))
			continue;	/* no history for it (spec 8.3) */
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
	bool can2 = virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_LEVEL2) &&
		    vsem_max_level >= VIRTIO_VSEM_LEVEL_2;
	u8 want = vi->level, reason = VIRTIO_VSEM_SWITCH_NONE;

	vi->level_refused = false;
	if (!can2 && vi->level == VIRTIO_VSEM_LEVEL_2) {
		/* max_level lowered: leave level 2 now. */
		want = VIRTIO_VSEM_LEVEL_1;
		reason = VIRTIO_VSEM_SWITCH_CALM;
	}
	if (vi->host.commanded_level) {
		want = vi->host.commanded_level;
		if (want == VIRTIO_VSEM_LEVEL_2 && !can2) {
			want = VIRTIO_VSEM_LEVEL_1;
			/* Guest policy: the report says so (spec 9). */
			vi->level_refused =
				virtio_has_feature(vi->vdev, VIRTIO_VSEM_F_LEVEL2);
		}
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
	} else if (vi->level == VIRTIO_VSEM_LEVEL_2 && can2) {
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

/* When the next report is due: the interval, or the rate limit's spacing. */
static unsigned long vsem_next_delay(const struct vsem *vi)
{
	return msecs_to_jiffies(max(vi->host.interval_ms, vi->min_spacing_ms));
}

/* A new interval starts now: counters as they stand, tables emptied. */
static void vsem_begin(struct vsem *vi)
{
	memset(&vi->prev, 0, sizeof(vi->prev));
	vsem_net_totals(&vi->prev);
	vsem_hv_totals(&vi->prev);
	vsem_workload_totals(&vi->prev);
	vsem_capture_end_interval(vi->iv);
	vi->prev_ns = local_clock();
}

static void vsem_tick(struct work_struct *work)
{
	struct vsem *vi = container_of(to_delayed_work(work), struct vsem, tick);
	struct vsem_totals now = {}, d;
	u64 t0 = local_clock(), t1, ms;
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
#ifdef VSEM_TEST
	vsem_test_lie(&d);
#endif
	/* The interval measured, as the report says (spec 5.1). */
	ms = div_u64(t0 - vi->prev_ns, NSEC_PER_MSEC);
	vi->last.interval_ms = clamp_t(u64, ms, VIRTIO_VSEM_INTERVAL_MIN_MS,
				       VIRTIO_VSEM_INTERVAL_MAX_MS);
	vi->prev_ns = t0;

	/* Not counted as the driver's cost: it waits for a grace period. */
	t1 = local_clock();
	vsem_capture_end_interval(vi->iv);
	t0 += local_clock() - t1;

	vsem_features(vi, &d);
	vi->intervals++;
	if (vi->last.feature[VIRTIO_VSEM_FEAT_CPU_PERMILLE] >= vsem_near_capacity_permille ||
	    vi->last.feature[VIRTIO_VSEM_FEAT_MEM_PERMILLE] >= vsem_near_capacity_permille)
		vi->near_capacity++;
	anomalies = vsem_anomalies(vi);
	reason = vsem_decide(vi, anomalies);
	len = vsem_build_report(vi, &d, anomalies, reason,
				reason != VIRTIO_VSEM_SWITCH_NONE);
	vi->last.level = vi->level;
	vi->last.anomalies = anomalies;
	if (reason)
		vi->last.switch_reason = reason;
	vsem_send_report(vi, len);
	vi->last.seq = vi->seq;

	schedule_delayed_work(&vi->tick, vsem_next_delay(vi));
	vi->cost_ns += local_clock() - t0;
out:
	mutex_unlock(&vi->lock);
}

/* The device's queues: the reportq, and the ctrlq if negotiated. */
static int vsem_find_vqs(struct vsem *vi)
{
	struct virtio_device *vdev = vi->vdev;
	vq_callback_t *callbacks[] = { vsem_report_done, vsem_ctrl_done };
	static const char * const names[] = { "reportq", "ctrlq" };
	struct virtqueue *vqs[VIRTIO_VSEM_NR_VQS];
	unsigned int nvqs = 1;
	int err;

	BUILD_BUG_ON(VIRTIO_VSEM_VQ_CTRL != 1 || VIRTIO_VSEM_NR_VQS != 2);
	if (virtio_has_feature(vdev, VIRTIO_VSEM_F_CTRL_VQ))
		nvqs = 2;
	err = virtio_find_vqs(vdev, nvqs, vqs, callbacks, names, NULL);
	if (err)
		return err;
	vi->vq = vqs[VIRTIO_VSEM_VQ_REPORT];
	vi->ctrl_vq = nvqs == 2 ? vqs[VIRTIO_VSEM_VQ_CTRL] : NULL;
	return 0;
}

/* Set the device up (probe, restore): its queues, then the first interval. */
static int vsem_start(struct vsem *vi)
{
	struct virtio_device *vdev = vi->vdev;
	int err;

	err = vsem_find_vqs(vi);
	if (err)
		return err;		/* vi->vq is NULL: nothing to stop */
	vsem_read_config(vi);
	if (vi->ctrl_vq) {
		err = vsem_ctrl_fill(vi);
		if (err) {
			virtio_reset_device(vdev);
			vdev->config->del_vqs(vdev);
			vi->vq = NULL;
			vi->ctrl_vq = NULL;
			return err;
		}
	}
	virtio_device_ready(vdev);

	mutex_lock(&vi->lock);
	/* The device was reset: a new epoch, numbered from 1 (spec 5.4). */
	vi->seq = 0;
	vi->in_flight = 0;
	vi->lost_base = vi->statuses_lost;
	/* And from level 1 (spec 6), on restore too. */
	vi->level = VIRTIO_VSEM_LEVEL_1;
	vi->level_commanded = false;
	vi->calm = 0;
	vsem_net_set_capture(false);
	vi->stopping = false;
	vsem_begin(vi);
	/* After DRIVER_OK (R8.1): the device sends what the host wants. */
	if (vi->ctrl_vq)
		virtqueue_kick(vi->ctrl_vq);
	mutex_unlock(&vi->lock);
	/* What the device used while we were not listening (stopping). */
	if (vi->ctrl_vq)
		schedule_work(&vi->ctrl_work);
	schedule_delayed_work(&vi->tick, vsem_next_delay(vi));
	return 0;
}

/* Stop reporting and take the queue down (remove, freeze). */
static void vsem_stop(struct vsem *vi)
{
	struct virtio_device *vdev = vi->vdev;
	void *buf;

	mutex_lock(&vi->lock);
	vi->stopping = true;
	mutex_unlock(&vi->lock);
	cancel_delayed_work_sync(&vi->tick);
	/*
	 * After the reset no interrupt can queue the work items again (the
	 * reset synchronises them), so they are cancelled for good.
	 */
	virtio_reset_device(vdev);
	cancel_work_sync(&vi->config_work);
	cancel_work_sync(&vi->ctrl_work);

	if (!vi->vq)
		return;
	while ((buf = virtqueue_detach_unused_buf(vi->vq)))
		kfree(buf);
	/* The control buffers are vi->ctrl_buf[], freed with vi. */
	if (vi->ctrl_vq)
		while (virtqueue_detach_unused_buf(vi->ctrl_vq))
			;
	vdev->config->del_vqs(vdev);
	vi->vq = NULL;
	vi->ctrl_vq = NULL;
}

static void vsem_free(struct vsem *vi)
{
	kfree(vi->ctrl_buf[0]);
	kvfree(vi->iv);
	kfree(vi->buf);
	kfree(vi);
}

static int vsem_probe(struct virtio_device *vdev)
{
	struct vsem *vi;
	unsigned int i;
	int err;

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		return -ENODEV;
	vi = kzalloc(sizeof(*vi), GFP_KERNEL);
	if (!vi)
		return -ENOMEM;
	vi->buf = kzalloc(VIRTIO_VSEM_MAX_REPORT_SIZE, GFP_KERNEL);
	vi->iv = kvzalloc(sizeof(*vi->iv), GFP_KERNEL);
	vi->ctrl_buf[0] = kcalloc(VSEM_CTRL_BUFS, VIRTIO_VSEM_CTRL_BUF_SIZE,
				  GFP_KERNEL);
	if (!vi->buf || !vi->iv || !vi->ctrl_buf[0]) {
		vsem_free(vi);
		return -ENOMEM;
	}
	for (i = 1; i < VSEM_CTRL_BUFS; i++)
		vi->ctrl_buf[i] = vi->ctrl_buf[0] + i * VIRTIO_VSEM_CTRL_BUF_SIZE;
	vi->vdev = vdev;
	vdev->priv = vi;
	spin_lock_init(&vi->vq_lock);
	mutex_init(&vi->lock);
	INIT_DELAYED_WORK(&vi->tick, vsem_tick);
	INIT_WORK(&vi->config_work, vsem_config_work);
	INIT_WORK(&vi->ctrl_work, vsem_ctrl_work);
	vi->level = VIRTIO_VSEM_LEVEL_1;
	vi->started_ns = local_clock();
	/* Until vsem_start() is done: the work items leave the queues alone. */
	vi->stopping = true;

	mutex_lock(&vsem_bind_lock);
	if (vsem_bound) {
		dev_err(&vdev->dev, "only one virtio-vsem device is supported\n");
		err = -EBUSY;
		goto unlock;
	}
	/* Hooks and probes only while a device is bound. */
	err = vsem_capture_start();
	if (err)
		goto unlock;
	err = vsem_start(vi);
	if (err) {
		vsem_capture_stop();
		goto unlock;
	}
	vsem_bound = true;
	mutex_unlock(&vsem_bind_lock);
	dev_info(&vdev->dev, "virtio-vsem: reporting every %u ms%s\n",
		 vi->host.interval_ms,
		 vi->ctrl_vq ? ", control queue" : "");
	return 0;
unlock:
	mutex_unlock(&vsem_bind_lock);
	vsem_free(vi);
	return err;
}

static void vsem_remove(struct virtio_device *vdev)
{
	struct vsem *vi = vdev->priv;

	vsem_stop(vi);
	mutex_lock(&vsem_bind_lock);
	vsem_capture_stop();
	vsem_bound = false;
	mutex_unlock(&vsem_bind_lock);
	vsem_free(vi);
}

#ifdef CONFIG_PM_SLEEP
/*
 * Suspend and hibernation: the device is reset and its queue taken down;
 * restore sets it up again, in a new epoch. The capture goes on (nothing
 * is sent while frozen); the interval in progress is discarded.
 */
static int vsem_freeze(struct virtio_device *vdev)
{
	vsem_stop(vdev->priv);
	return 0;
}

static int vsem_restore(struct virtio_device *vdev)
{
	return vsem_start(vdev->priv);
}
#endif

/* ctrlq=0: behave as a version-1 driver (no control queue). */
static int vsem_validate(struct virtio_device *vdev)
{
	if (!vsem_use_ctrlq)
		__virtio_clear_bit(vdev, VIRTIO_VSEM_F_CTRL_VQ);
	return 0;
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
	VIRTIO_VSEM_F_CTRL_VQ,
};

static struct virtio_driver vsem_driver = {
	.feature_table = vsem_features_table,
	.feature_table_size = ARRAY_SIZE(vsem_features_table),
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.driver.dev_groups = vsem_groups,
	.id_table = vsem_id_table,
	.validate = vsem_validate,
	.probe = vsem_probe,
	.remove = vsem_remove,
	.config_changed = vsem_config_changed,
#ifdef CONFIG_PM_SLEEP
	.freeze = vsem_freeze,
	.restore = vsem_restore,
#endif
};

module_virtio_driver(vsem_driver);

MODULE_DEVICE_TABLE(virtio, vsem_id_table);
MODULE_DESCRIPTION("virtio-vsem guest driver: kvm-sec VSEM and VREM");
MODULE_LICENSE("GPL");
