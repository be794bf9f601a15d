// SPDX-License-Identifier: GPL-2.0
/*
 * The sampler turns counters into rates: every interval it reads each VM's
 * totals and keeps the per-second rate of each class over the interval.
 * It runs from a workqueue, off the exit path; its cost grows with the
 * number of VMs and CPUs, not with the exit rate.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mutex.h>
#include <linux/workqueue.h>
#include <linux/kvm_sec.h>

#include "hsem.h"
#include "net.h"
#include "sampler.h"
#include "vm.h"

static u32 ksec_interval_ms = KVM_SEC_INTERVAL_DEFAULT_MS;
/*
 * Moves on with every change of interval: a history of counts per
 * interval learned in another epoch is of another interval. Written with
 * the interval under the lock, while no run is in flight: a run reads
 * both without it and sees them agree.
 */
static u32 ksec_epoch;
static bool ksec_sampler_running;
/* Orders SET_CONFIG's re-arming against the sampler being stopped. */
static DEFINE_MUTEX(ksec_sampler_lock);

static void ksec_sample_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ksec_sample_work, ksec_sample_fn);

/* Look for taps this often even without an event. */
#define KSEC_TAP_RESCAN_NS	(10 * NSEC_PER_SEC)

static void ksec_sample_fn(struct work_struct *work)
{
	static u64 last_rescan;
	u64 now = ktime_get_ns();

	ksec_sample_all(now);
	ksec_net_sample_all(now);
	ksec_hsem_judge_all(READ_ONCE(ksec_interval_ms), READ_ONCE(ksec_epoch));
	/*
	 * A tap file passed to a VMM after the device's last event (libvirt
	 * hot-plugging a NIC) raises nothing, nor does opening a macvtap.
	 */
	if (now - last_rescan >= KSEC_TAP_RESCAN_NS) {
		last_rescan = now;
		ksec_netdev_rescan();
	}
	if (READ_ONCE(ksec_sampler_running))
		queue_delayed_work(system_wq, &ksec_sample_work,
				   msecs_to_jiffies(READ_ONCE(ksec_interval_ms)));
}

void ksec_sampler_start(void)
{
	WRITE_ONCE(ksec_sampler_running, true);
	queue_delayed_work(system_wq, &ksec_sample_work,
			   msecs_to_jiffies(ksec_interval_ms));
}

void ksec_sampler_stop(void)
{
	mutex_lock(&ksec_sampler_lock);
	WRITE_ONCE(ksec_sampler_running, false);
	mutex_unlock(&ksec_sampler_lock);
	/* Also waits for a run that would queue itself again. */
	cancel_delayed_work_sync(&ksec_sample_work);
}

u32 ksec_sampler_interval_ms(void)
{
	return READ_ONCE(ksec_interval_ms);
}

/*
 * Caller validated @ms. The new interval starts now, after a run in flight
 * (which took no lock of the caller's) has ended: once SET_CONFIG returns,
 * nothing is sampled or judged before the new interval is over.
 */
void ksec_sampler_set_interval_ms(u32 ms)
{
	mutex_lock(&ksec_sampler_lock);
	/* Also waits for a run that would queue itself again. */
	if (ksec_sampler_running)
		cancel_delayed_work_sync(&ksec_sample_work);
	WRITE_ONCE(ksec_interval_ms, ms);
	WRITE_ONCE(ksec_epoch, ksec_epoch + 1);
	if (ksec_sampler_running)
		queue_delayed_work(system_wq, &ksec_sample_work,
				   msecs_to_jiffies(ms));
	mutex_unlock(&ksec_sampler_lock);
}

void ksec_sampler_epoch(u32 *ms, u32 *epoch)
{
	mutex_lock(&ksec_sampler_lock);
	*ms = ksec_interval_ms;
	*epoch = ksec_epoch;
	mutex_unlock(&ksec_sampler_lock);
}
