/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio_vsem: the guest half of kvm-sec (VSEM and VREM).
 *
 * Each interval the driver samples level-1 counters (net.c, hv.c,
 * workload.c), compares them with the history the host wrote into the
 * device's configuration space, decides the level (main.c) and sends one
 * report (report.c). Documentation/virtio-vsem/spec.rst is the protocol.
 */
#ifndef _VIRTIO_VSEM_DRV_H
#define _VIRTIO_VSEM_DRV_H

#include <linux/kprobes.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_vsem.h>

/* Destinations remembered per interval; more are counted, not stored. */
#define VSEM_DEST_SLOTS		512
/* Virtqueue/hypercall keys remembered per interval for HV_DETAIL. */
#define VSEM_HV_SLOTS		VIRTIO_VSEM_MAX_HV_DETAIL

struct vsem_dest {
	u8 family;			/* 0: free slot */
	u8 addr[16];
	u32 pid;
	u64 packets;
	u64 bytes;
	char comm[TASK_COMM_LEN];
};

/* One interval's destinations; two of them, swapped at each report. */
struct vsem_dest_table {
	unsigned int used;
	u64 unstored;			/* packets to destinations not stored */
	struct vsem_dest slot[VSEM_DEST_SLOTS];
};

struct vsem_hv_slot {
	u32 kind;			/* VIRTIO_VSEM_HV_*; 0: free */
	u32 key;
	u64 count;
};

/* Counters that only grow; the report sends the change since the last. */
struct vsem_totals {
	u64 tx_packets, tx_bytes, rx_packets, rx_bytes;
	u64 tx_errors, tx_dropped;
	u64 connect_failures, resets_received, unreachables_received;
	u64 notifications, hypercalls;
	u64 idle_us, wall_us;
};

/* What the host wrote into the configuration space, validated (R4.2). */
struct vsem_host {
	u32 interval_ms;
	u8 commanded_level;
	bool history_valid;
	u32 history_seq;
	u64 mean[VIRTIO_VSEM_NR_FEATURES];
	u64 spread[VIRTIO_VSEM_NR_FEATURES];
	unsigned int nr_prefixes;
	struct virtio_vsem_prefix prefixes[VIRTIO_VSEM_MAX_PREFIXES];
};

/* The last report sent, for sysfs. */
struct vsem_last {
	u64 seq;
	u8 level;
	u8 switch_reason;
	u32 anomalies;
	u32 nr_flows;
	u64 feature[VIRTIO_VSEM_NR_FEATURES];
	u64 mem_used_kib, mem_available_kib;
};

struct vsem {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	spinlock_t vq_lock;		/* vq, sent_ok, in_flight */
	unsigned int in_flight;

	struct delayed_work tick;	/* one report per interval */
	struct work_struct config_work;
	struct mutex lock;		/* everything below */
	bool stopping;

	struct vsem_host host;
	u8 level;			/* VIRTIO_VSEM_LEVEL_1 or _2 */
	bool level_commanded;		/* level was set by the host */
	unsigned int calm;		/* calm intervals at level 2 */
	u64 seq;
	struct vsem_totals prev;
	u64 prev_ns;
	u32 near_capacity;
	u32 intervals;
	struct vsem_last last;

	/* Guest-side accounting (sysfs). */
	u64 reports_sent;
	u64 reports_dropped;		/* queue full or no memory */
	u64 switches;
	u64 cost_ns;			/* time spent in this driver's code */
	u64 started_ns;

	void *buf;			/* report being built */
	const struct vsem_dest *top[VSEM_DEST_SLOTS];	/* sorting flows */
};

/* Shared by every device instance: the guest has one network stack. */
struct vsem_net_state {
	spinlock_t lock;		/* tables and level2 */
	struct vsem_dest_table *cur, *spare;
	bool capture_task;		/* level 2: remember pid and comm */
	struct vsem_hv_slot hv[VSEM_HV_SLOTS];
	u64 hv_unstored;
	atomic64_t cost_ns;		/* time spent in the hooks */
};

extern struct vsem_net_state vsem_net;

/* Module parameters (main.c). */
extern unsigned int vsem_threshold;
extern unsigned int vsem_calm_intervals;
extern unsigned int vsem_near_capacity_permille;
extern bool vsem_test_inject;

/* net.c */
int vsem_net_init(void);
void vsem_net_exit(void);
void vsem_net_totals(struct vsem_totals *t);
void vsem_net_set_capture(bool on);
struct vsem_dest_table *vsem_net_swap(void);
void vsem_net_release(struct vsem_dest_table *t);

/* hv.c */
int vsem_hv_init(void);
void vsem_hv_exit(void);
void vsem_hv_totals(struct vsem_totals *t);
unsigned int vsem_hv_take(struct vsem_hv_slot *out, unsigned int max);
unsigned int vsem_hv_probes(void);
u64 vsem_hv_notifications(void);

/* workload.c */
void vsem_workload_totals(struct vsem_totals *t);
void vsem_workload_mem(u64 *used_kib, u64 *available_kib);
u32 vsem_workload_runqueue_x100(void);

/* report.c */
size_t vsem_build_report(struct vsem *vi, const struct vsem_totals *d,
			 struct vsem_dest_table *dests, u32 anomalies,
			 u8 reason, bool level_changed);
int vsem_send(struct vsem *vi, const void *buf, size_t len);
void vsem_report_done(struct virtqueue *vq);
bool vsem_outside(const struct vsem_host *h, u8 family, const u8 *addr);

/* sysfs.c */
extern const struct attribute_group *vsem_groups[];

#endif
