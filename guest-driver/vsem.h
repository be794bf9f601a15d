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
#include <linux/siphash.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/virtio.h>
#include <linux/workqueue.h>
#include <uapi/linux/virtio_vsem.h>

/*
 * Destinations remembered per CPU and interval, slots probed per packet at
 * most (a keyed hash: no remote peer can choose the slots); packets to the
 * others are counted, not stored. At the end of an interval the CPUs'
 * tables are merged into VSEM_MERGE_SLOTS.
 */
#define VSEM_DEST_SLOTS		512
#define VSEM_DEST_PROBES	8
#define VSEM_MERGE_SLOTS	4096
/* Distinct destinations beyond the tables: a HyperLogLog of 2^10 registers. */
#define VSEM_HLL_BITS		10
#define VSEM_HLL_REGS		BIT(VSEM_HLL_BITS)
/* One packet in this many is timed (sysfs cost_ns is an estimate). */
#define VSEM_COST_SAMPLE	64
/* Control queue buffers kept available (spec 8), each CTRL_BUF_SIZE. */
#define VSEM_CTRL_BUFS		4
/* Virtqueue/hypercall keys remembered per interval for HV_DETAIL. */
#define VSEM_HV_SLOTS		VIRTIO_VSEM_MAX_HV_DETAIL

struct vsem_dest {
	u8 family;			/* 0: free slot */
	u8 addr[16];
	u32 pid;
	u64 hash;
	u64 packets;
	u64 bytes;
	char comm[TASK_COMM_LEN];
};

/* One CPU's destinations of one interval. */
struct vsem_dest_table {
	u64 seen;			/* packets noted: 0, untouched */
	unsigned int used;
	u64 unstored;			/* packets to destinations not stored */
	u8 hll[VSEM_HLL_REGS];
	struct vsem_dest slot[VSEM_DEST_SLOTS];
};

struct vsem_hv_slot {
	u32 kind;			/* VIRTIO_VSEM_HV_*; 0: free */
	u32 key;
	u64 count;
};

/*
 * What one CPU saw, written by that CPU only, without locks or atomics:
 * the netfilter hook with bottom halves off, the kprobes with preemption
 * off (kprobes do not nest). Tables [gen & 1] are written; the interval's
 * end flips gen, waits for an RCU grace period (every writer that saw the
 * old gen is done) and reads the others.
 */
struct vsem_cpu {
	struct vsem_dest_table *dests[2];
	struct vsem_hv_slot hv[2][VSEM_HV_SLOTS];
	u64 hv_unstored[2];
	u64 notifications, hypercalls;	/* only grow */
	u64 packets;			/* seen by the hook, only grows */
	u64 cost_ns;			/* sampled time in the hook and probes */
};

/* The CPUs' tables of one interval, merged (struct vsem's, tick only). */
struct vsem_interval {
	unsigned int nr;		/* destinations stored */
	u64 destinations;		/* distinct: exact, or estimated */
	bool estimated;
	u64 unstored_packets;		/* to destinations not stored */
	u64 hv_unstored;		/* requests not in HV_DETAIL */
	unsigned int nr_hv;
	struct vsem_hv_slot hv[VSEM_HV_SLOTS];
	u8 hll[VSEM_HLL_REGS];
	struct vsem_dest dest[VSEM_MERGE_SLOTS];
	u16 slot_used[VSEM_MERGE_SLOTS];	/* the nr slots taken in dest */
	const struct vsem_dest *top[VSEM_MERGE_SLOTS];	/* sorting flows */
};

/* Counters that only grow; the report sends the change since the last. */
struct vsem_totals {
	u64 tx_packets, tx_bytes, rx_packets, rx_bytes;
	u64 tx_errors, tx_dropped;
	u64 connect_failures, resets_received, unreachables_received;
	u64 notifications, hypercalls;
	u64 idle_us, wall_us;
};

/*
 * What the host wants, from the configuration space or (with
 * VIRTIO_VSEM_F_CTRL_VQ) the control queue, validated (R4.2, R8.2).
 */
struct vsem_host {
	u32 interval_ms;
	u8 commanded_level;
	bool history_valid;
	u32 history_mask;		/* features the history has */
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
	u32 flows_trimmed;		/* left out to fit max_report_size */
	u32 interval_ms;		/* measured */
	bool estimated;			/* destinations estimated */
	u64 feature[VIRTIO_VSEM_NR_FEATURES];
	u64 mem_used_kib, mem_available_kib;
	u64 unstored_packets, hv_unstored;
};

struct vsem {
	struct virtio_device *vdev;
	struct virtqueue *vq;
	spinlock_t vq_lock;		/* vq, sent_ok, in_flight */
	unsigned int in_flight;
	struct virtqueue *ctrl_vq;	/* NULL without F_CTRL_VQ */
	void *ctrl_buf[VSEM_CTRL_BUFS];
	struct work_struct ctrl_work;	/* under lock, like the tick */

	struct delayed_work tick;	/* one report per interval */
	struct work_struct config_work;
	struct mutex lock;		/* everything below */
	bool stopping;

	struct vsem_host host;
	u32 max_report_size;		/* config, within the spec's bounds */
	u32 min_spacing_ms;		/* 1000 / max_reports_per_s, rounded up */
	u8 level;			/* VIRTIO_VSEM_LEVEL_1 or _2 */
	bool level_commanded;		/* level was set by the host */
	bool level_refused;		/* commanded 2, max_level is 1 */
	unsigned int calm;		/* calm intervals at level 2 */
	u64 seq;			/* of the last report queued */
	struct vsem_totals prev;
	u64 prev_ns;			/* end of the last interval */
	u32 near_capacity;
	u32 intervals;
	struct vsem_last last;

	/* Guest-side accounting (sysfs). */
	u64 reports_sent;
	u64 reports_dropped;		/* queue full or no memory */
	u64 switches;
	u64 flows_trimmed;		/* left out to fit max_report_size */
	u64 cost_ns;			/* time spent in the interval's work */
	u64 started_ns;

	/* What the device said of the reports (control queue, sysfs). */
	u64 reports_accepted;
	u64 reports_rejected;		/* invalid, by the device's rules */
	u64 reports_throttled;
	u64 reports_host_refused;	/* not forwarded, or refused by it */
	u64 statuses_lost;		/* the device had no buffer for them */
	u64 lost_base;			/* statuses_lost of earlier epochs */
	u8 last_refusal;		/* VIRTIO_VSEM_ST_* */
	u64 last_refused_seq;
	u64 ctrl_messages;
	u64 ctrl_unknown;		/* of a type this driver does not know */
	u64 ctrl_malformed;		/* buffers with a malformed message */

	void *buf;			/* report being built */
	struct vsem_interval *iv;	/* the interval that ended */
};

/*
 * What the hooks and probes capture, while a device is bound: per-CPU
 * tables (struct vsem_cpu) and what they share, read-mostly.
 */
struct vsem_capture {
	struct vsem_cpu __percpu *cpu;
	unsigned int gen;		/* tables [gen & 1] are written */
	bool capture_task;		/* level 2: remember pid and comm */
	siphash_key_t key;		/* random, per binding */
};

extern struct vsem_capture vsem_cap;

/* Module parameters (main.c). */
extern unsigned int vsem_threshold;
extern unsigned int vsem_calm_intervals;
extern unsigned int vsem_near_capacity_permille;
extern unsigned int vsem_max_level;

/* ctrl.c: the control queue */
int vsem_ctrl_fill(struct vsem *vi);
void vsem_ctrl_work(struct work_struct *work);
void vsem_ctrl_done(struct virtqueue *vq);
void vsem_set_prefixes(struct vsem_host *h, const struct virtio_vsem_prefix *p,
		       unsigned int n);
const char *vsem_status_str(u8 result);

/* net.c: per-CPU capture, hooks registered while a device is bound */
int vsem_capture_start(void);
void vsem_capture_stop(void);
void vsem_capture_end_interval(struct vsem_interval *iv);
void vsem_net_totals(struct vsem_totals *t);
void vsem_net_set_capture(bool on);
u64 vsem_cpu_sum(size_t offset);
#define VSEM_CPU_SUM(field) vsem_cpu_sum(offsetof(struct vsem_cpu, field))

/* hv.c */
int vsem_hv_init(void);
void vsem_hv_exit(void);
void vsem_hv_totals(struct vsem_totals *t);
void vsem_hv_merge(struct vsem_interval *iv, struct vsem_cpu *c,
		   unsigned int idx);
unsigned int vsem_hv_probes(void);

/* workload.c */
void vsem_workload_totals(struct vsem_totals *t);
void vsem_workload_mem(u64 *used_kib, u64 *available_kib);
u32 vsem_workload_runqueue_x100(void);

/* report.c */
size_t vsem_build_report(struct vsem *vi, const struct vsem_totals *d,
			 u32 anomalies, u8 reason, bool level_changed);
int vsem_send(struct vsem *vi, const void *buf, size_t len);
int vsem_send_report(struct vsem *vi, size_t len);
void vsem_report_done(struct virtqueue *vq);
bool vsem_outside(const struct vsem_host *h, u8 family, const u8 *addr);

/* sysfs.c */
extern const struct attribute_group *vsem_groups[];

#ifdef VSEM_TEST
/* inject.c, test builds only: act as a hostile driver. */
extern const struct attribute_group vsem_inject_group;
/* Claim only test_net_percent of the packets sent and received. */
void vsem_test_lie(struct vsem_totals *d);
#endif

#endif
