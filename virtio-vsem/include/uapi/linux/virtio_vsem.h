/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * virtio-vsem: the kvm-sec guest monitoring device (VSEM and VREM).
 *
 * This header is the single definition of the device's interface, shared
 * by the guest driver, QEMU's device model and any other VMM. The normative
 * text is Documentation/virtio-vsem/spec.rst; the section numbers below
 * refer to it. Every multi-byte field is little-endian; every structure has
 * explicit padding, so its layout is the same for every compiler and
 * architecture; the sizes are checked at build time by
 * qemu-device/tests/test_report.c.
 *
 * Copies of this file elsewhere (QEMU's include/standard-headers/linux/) are
 * generated from it and checked identical by CI.
 */
#ifndef _UAPI_LINUX_VIRTIO_VSEM_H
#define _UAPI_LINUX_VIRTIO_VSEM_H

#include <linux/types.h>
#include <linux/virtio_types.h>

/* Device ID (section 1), until an official number is assigned. */
#ifndef VIRTIO_ID_VSEM
#define VIRTIO_ID_VSEM			56
#endif

/*
 * Layout version of a report, in its header: 1. It would change only for
 * a layout a reader of version 1 cannot parse; everything else grows by
 * feature bits, entry types and longer bodies (section 7).
 */
#define VIRTIO_VSEM_VERSION		1
/* Revision of the specification the device implements, in config space. */
#define VIRTIO_VSEM_SPEC_REVISION	2

/* Feature bits (section 2). */
#define VIRTIO_VSEM_F_LEVEL2		0 /* level-2 entries are accepted */
#define VIRTIO_VSEM_F_HISTORY		1 /* config space carries a history */
#define VIRTIO_VSEM_F_HOST_LEVEL	2 /* the host may command a level */
#define VIRTIO_VSEM_F_PREFIXES		3 /* config space carries prefixes */
#define VIRTIO_VSEM_F_CTRL_VQ		4 /* a device-to-driver control queue */

/* Virtqueues (section 3). */
#define VIRTIO_VSEM_VQ_REPORT		0 /* driver to device reports */
#define VIRTIO_VSEM_VQ_CTRL		1 /* device to driver, with F_CTRL_VQ */
#define VIRTIO_VSEM_NR_VQS		2

/* Limits (section 10). */
#define VIRTIO_VSEM_MAX_REPORT_SIZE	4096	/* bytes, header included */
#define VIRTIO_VSEM_MIN_REPORT_SIZE	256	/* a level-1 report fits */
#define VIRTIO_VSEM_REPORT_BURST	2	/* reports above the rate */
#define VIRTIO_VSEM_SEQ_SLACK		16	/* seq beyond the buffers sent */
#define VIRTIO_VSEM_MAX_ENTRIES		64	/* per report */
#define VIRTIO_VSEM_MAX_FLOWS		32	/* FLOW entries per report */
#define VIRTIO_VSEM_MAX_HV_DETAIL	16	/* records per HV_DETAIL entry */
#define VIRTIO_VSEM_MAX_PREFIXES	8
#define VIRTIO_VSEM_INTERVAL_MIN_MS	100
#define VIRTIO_VSEM_INTERVAL_MAX_MS	60000
#define VIRTIO_VSEM_CTRL_BUF_SIZE	512	/* ctrlq buffers, at least */
#define VIRTIO_VSEM_MAX_HISTORY		30	/* features in a HISTORY */

/* Monitoring levels. */
#define VIRTIO_VSEM_LEVEL_AUTO		0 /* commanded: the driver decides */
#define VIRTIO_VSEM_LEVEL_1		1
#define VIRTIO_VSEM_LEVEL_2		2

/*
 * Features of a level-1 interval that the history summarises and that the
 * driver compares (section 5.3). Each is a count (or, for the last two, a
 * gauge) per interval.
 */
enum virtio_vsem_feature {
	VIRTIO_VSEM_FEAT_TX_PACKETS,
	VIRTIO_VSEM_FEAT_TX_BYTES,
	VIRTIO_VSEM_FEAT_RX_PACKETS,
	VIRTIO_VSEM_FEAT_RX_BYTES,
	VIRTIO_VSEM_FEAT_SEND_FAILURES,	/* sum of NET's failure counters */
	VIRTIO_VSEM_FEAT_DESTINATIONS,	/* distinct destination addresses */
	VIRTIO_VSEM_FEAT_HV_REQUESTS,	/* notifications + hypercalls */
	VIRTIO_VSEM_FEAT_CPU_PERMILLE,	/* CPU utilisation, 0..1000 */
	VIRTIO_VSEM_FEAT_MEM_PERMILLE,	/* memory used, 0..1000 */
	VIRTIO_VSEM_NR_FEATURES
};

/* Mean and spread (standard deviation) of one feature, per interval. */
struct virtio_vsem_feature_stat {
	__le64 mean;
	__le64 spread;
};

/* A provider prefix: destinations inside it are "inside the provider". */
struct virtio_vsem_prefix {
	__u8 family;			/* 4 or 6; 0: unused slot */
	__u8 prefix_len;		/* bits: 0..32 or 0..128 */
	__u8 reserved[2];
	__u8 addr[16];			/* network order; IPv4 in addr[0..3] */
};

/*
 * Configuration space (section 4), written by the device only. Its layout
 * is frozen: with VIRTIO_VSEM_F_CTRL_VQ the driver reads only the first
 * four fields, and everything that changes comes on the control queue.
 */
struct virtio_vsem_config {
	__le32 version;			/* VIRTIO_VSEM_SPEC_REVISION */
	__le32 interval_ms;		/* report interval the device asks for */
	__le32 max_report_size;		/* <= VIRTIO_VSEM_MAX_REPORT_SIZE */
	__le32 max_reports_per_s;	/* more are throttled (dropped) */
	__u8 commanded_level;		/* VIRTIO_VSEM_LEVEL_* */
	__u8 nr_prefixes;		/* <= VIRTIO_VSEM_MAX_PREFIXES */
	__u8 history_valid;		/* 1 once a history was written */
	__u8 reserved;
	__le32 history_seq;		/* changes whenever the history does */
	struct virtio_vsem_feature_stat history[VIRTIO_VSEM_NR_FEATURES];
	struct virtio_vsem_prefix prefixes[VIRTIO_VSEM_MAX_PREFIXES];
};

/* Report header (section 5.1). */
struct virtio_vsem_report {
	__le16 version;			/* VIRTIO_VSEM_VERSION */
	__le16 nr_entries;		/* <= VIRTIO_VSEM_MAX_ENTRIES */
	__le32 len;			/* bytes, header and entries */
	__le64 seq;			/* +1 per report, from 1 */
	__le32 interval_ms;		/* interval the report covers */
	__u8 level;			/* VIRTIO_VSEM_LEVEL_1 or _2 */
	__u8 switch_reason;		/* VIRTIO_VSEM_SWITCH_*, 0 if none */
	__le16 flags;			/* VIRTIO_VSEM_RF_* */
	__le32 anomalies;		/* bit per enum virtio_vsem_feature */
	__le32 reserved;		/* zero */
};

/* Report flags. */
#define VIRTIO_VSEM_RF_LEVEL_CHANGED	0x0001   /* level differs from last */
#define VIRTIO_VSEM_RF_HISTORY_USED	0x0002   /* compared with a history */
#define VIRTIO_VSEM_RF_LEVEL_REFUSED	0x0004   /* commanded 2, guest policy 1 */

/* Why the level changed in this report. */
#define VIRTIO_VSEM_SWITCH_NONE		0
#define VIRTIO_VSEM_SWITCH_ANOMALY	1 /* features in "anomalies" */
#define VIRTIO_VSEM_SWITCH_COMMANDED	2 /* commanded_level */
#define VIRTIO_VSEM_SWITCH_CALM		3 /* back to level 1 by itself */

/*
 * Entries (section 5.2) follow the header, each 8-byte aligned: a header
 * and a body of the type's size. len covers both and is a multiple of 8.
 */
struct virtio_vsem_entry {
	__le16 type;			/* VIRTIO_VSEM_E_* */
	__le16 len;
	__le32 reserved;		/* zero */
};

enum virtio_vsem_entry_type {
	VIRTIO_VSEM_E_NET = 1,		/* level 1: struct virtio_vsem_net */
	VIRTIO_VSEM_E_HV_REQUESTS,	/* level 1: struct virtio_vsem_hv */
	VIRTIO_VSEM_E_WORKLOAD,		/* level 1: struct virtio_vsem_workload */
	VIRTIO_VSEM_E_FLOW,		/* level 2: struct virtio_vsem_flow */
	VIRTIO_VSEM_E_HV_DETAIL,	/* level 2: struct virtio_vsem_hv_detail */
	VIRTIO_VSEM_E_LOSS,		/* level 1: struct virtio_vsem_loss */
	__VIRTIO_VSEM_E_MAX
};

/* Network activity during the interval (level 1). */
struct virtio_vsem_net {
	__le64 tx_packets;
	__le64 tx_bytes;
	__le64 rx_packets;
	__le64 rx_bytes;
	__le64 tx_errors;		/* transmit errors of the interfaces */
	__le64 tx_dropped;		/* transmit drops of the interfaces */
	__le64 connect_failures;	/* TCP connects that failed */
	__le64 resets_received;		/* TCP resets received */
	__le64 unreachables_received;	/* ICMP/ICMPv6 unreachables */
	__le64 destinations;		/* distinct destination addresses */
};

/* Requests the guest made of the hypervisor that it can count (level 1). */
struct virtio_vsem_hv {
	__le64 notifications;		/* virtqueue notifications (kicks) */
	__le64 hypercalls;
};

/* VREM: workload during the interval (level 1). */
struct virtio_vsem_workload {
	__le32 cpu_permille;		/* CPU busy, 0..1000, all vCPUs */
	__le32 runqueue_x100;		/* mean runnable tasks x 100 */
	__le64 mem_used_kib;
	__le64 mem_available_kib;
	__le32 near_capacity_intervals;	/* since the driver started */
	__le32 intervals;		/* since the driver started */
};

/* One destination of the top-N flow table (level 2). */
struct virtio_vsem_flow {
	__u8 family;			/* 4 or 6 */
	__u8 outside;			/* 1: outside every provider prefix */
	__le16 reserved;		/* zero */
	__le32 pid;			/* last sending process, guest pid */
	__u8 addr[16];
	__le64 packets;
	__le64 bytes;
	__u8 comm[16];			/* its command name, NUL-padded */
};

/* Detail of the requests counted in HV_REQUESTS (level 2). */
struct virtio_vsem_hv_record {
	__le32 kind;			/* VIRTIO_VSEM_HV_* */
	__le32 key;			/* queue index, hypercall number... */
	__le64 count;
};

/*
 * What the driver saw but could not put in the report (level 1), so that
 * nothing is lost silently. A device that does not know it skips it.
 */
struct virtio_vsem_loss {
	__le64 unstored_packets;	/* to destinations no table held */
	__le64 hv_unstored;		/* requests not in HV_DETAIL */
	__le64 reports_dropped;		/* reports it could not queue, ever */
	__le32 flows_trimmed;		/* FLOWs left out for max_report_size */
	__le32 flags;			/* VIRTIO_VSEM_LOSS_* */
};

/* destinations is an estimate (more than the driver could store) */
#define VIRTIO_VSEM_LOSS_ESTIMATED	0x0001

#define VIRTIO_VSEM_HV_NOTIFY		1 /* key: device ID << 16 | queue */
#define VIRTIO_VSEM_HV_HYPERCALL	2 /* key: hypercall number */

struct virtio_vsem_hv_detail {
	__le32 nr_records;		/* <= VIRTIO_VSEM_MAX_HV_DETAIL */
	__le32 reserved;		/* zero */
	struct virtio_vsem_hv_record records[VIRTIO_VSEM_MAX_HV_DETAIL];
};

/*
 * The control queue (section 8), with VIRTIO_VSEM_F_CTRL_VQ: the driver
 * makes device-writable buffers of at least VIRTIO_VSEM_CTRL_BUF_SIZE
 * bytes available; the device fills each with whole messages, a header
 * and a body, 8-byte aligned, and returns it with the bytes written.
 */
struct virtio_vsem_msg {
	__le16 type;			/* VIRTIO_VSEM_M_* */
	__le16 len;			/* header and body, a multiple of 8 */
	__le32 reserved;		/* zero */
};

enum virtio_vsem_msg_type {
	VIRTIO_VSEM_M_STATUS = 1,	/* struct virtio_vsem_status */
	VIRTIO_VSEM_M_SETTINGS,		/* struct virtio_vsem_settings */
	VIRTIO_VSEM_M_HISTORY,		/* struct virtio_vsem_history */
	VIRTIO_VSEM_M_PREFIXES,		/* struct virtio_vsem_prefixes */
	__VIRTIO_VSEM_M_MAX
};

/* What became of one report (section 8.1). */
struct virtio_vsem_status {
	__le64 seq;			/* the report's; 0: it had none */
	__u8 result;			/* VIRTIO_VSEM_ST_* */
	__u8 reserved[3];		/* zero */
	__le32 detail;			/* HOST_REFUSED: the errno */
	__le64 lost;			/* statuses not sent in this epoch */
};

#define VIRTIO_VSEM_ST_ACCEPTED		0 /* valid; passed on to the host */
#define VIRTIO_VSEM_ST_WRITABLE		1 /* rejected: a writable descriptor */
#define VIRTIO_VSEM_ST_SIZE		2 /* rejected: size or len */
#define VIRTIO_VSEM_ST_VERSION		3 /* rejected: report version */
#define VIRTIO_VSEM_ST_ENTRY		4 /* rejected: an entry's header/size */
#define VIRTIO_VSEM_ST_LEVEL		5 /* rejected: level or level-2 data */
#define VIRTIO_VSEM_ST_COUNT		6 /* rejected: entry counts */
#define VIRTIO_VSEM_ST_VALUE		7 /* rejected: a value, a reserved field */
#define VIRTIO_VSEM_ST_SEQ		8 /* rejected: seq (section 5.4) */
#define VIRTIO_VSEM_ST_THROTTLED	9 /* dropped: above the rate */
#define VIRTIO_VSEM_ST_NOT_FORWARDED	10 /* valid, the host's queue full */
#define VIRTIO_VSEM_ST_HOST_REFUSED	11 /* the host's monitor refused it */

/* What the driver is asked to do (section 8.2). */
struct virtio_vsem_settings {
	__le32 interval_ms;
	__u8 commanded_level;		/* VIRTIO_VSEM_LEVEL_* */
	__u8 reserved[3];		/* zero */
};

/* The VM's history (section 8.3): nr_features stats follow. */
struct virtio_vsem_history {
	__le32 history_seq;
	__le16 nr_features;		/* <= VIRTIO_VSEM_MAX_HISTORY */
	__le16 reserved;		/* zero */
	/* struct virtio_vsem_feature_stat stat[nr_features]; */
};

/* The provider's prefixes (section 8.4): nr_prefixes prefixes follow. */
struct virtio_vsem_prefixes {
	__u8 nr_prefixes;		/* <= VIRTIO_VSEM_MAX_PREFIXES */
	__u8 reserved[7];		/* zero */
	/* struct virtio_vsem_prefix prefix[nr_prefixes]; then zero padding */
};

#endif /* _UAPI_LINUX_VIRTIO_VSEM_H */
