/* SPDX-License-Identifier: (GPL-2.0 WITH Linux-syscall-note) OR BSD-3-Clause */
/*
 * kvm_sec: generic netlink interface of the kvm-sec host monitor (kvm-sec.ko).
 *
 * Family name "kvm_sec", version KVM_SEC_GENL_VERSION. Every message carries
 * a generic netlink header followed by attributes from enum kvm_sec_attr.
 * Integers are in host byte order (netlink convention).
 *
 * Commands
 * --------
 *
 * KVM_SEC_CMD_GET_VM
 *   As a request (doit): exactly one of KVM_SEC_A_VM_ID or KVM_SEC_A_VM_PID
 *   names the VM. With a PID, the VM with the lowest ID owned by that VMM
 *   process is returned. The reply is one KVM_SEC_CMD_GET_VM message with
 *   the VM attributes below. Errors: -EINVAL (neither or both given),
 *   -ENOENT (no such VM).
 *   As a dump (NLM_F_DUMP): one message per VM in increasing ID order;
 *   KVM_SEC_A_VM_PID, if given, restricts the dump to that VMM process.
 *   Dumps are restartable; a VM appearing or disappearing during the dump
 *   sets NLM_F_DUMP_INTR on the messages that follow, as usual.
 *   Reply attributes: KVM_SEC_A_VM_ID, _PID, _COMM, _VCPUS, _CREATED_NS,
 *   _DISCOVERED (flag, present if the VM existed before the module was
 *   loaded: its counters start at discovery), _COUNTERS and _RATES (nests of
 *   enum kvm_sec_ctr), _HYPERCALLS, _PORTS and _MMIO_PAGES (nests of enum
 *   kvm_sec_top), and KVM_SEC_A_INTERVAL_MS (the interval _RATES covers).
 *   Unprivileged callers may read.
 *
 * KVM_SEC_CMD_GET_CONFIG
 *   Request: no attributes. Reply: every configuration attribute
 *   (currently KVM_SEC_A_INTERVAL_MS). Unprivileged callers may read.
 *
 * KVM_SEC_CMD_SET_CONFIG
 *   Request: one or more configuration attributes. Each is validated
 *   before any is applied: either all take effect or none does. Requires
 *   CAP_NET_ADMIN (-EPERM otherwise). -EINVAL with an extended ack naming
 *   the attribute for out-of-range values; -EINVAL if no attribute given.
 *
 * KVM_SEC_CMD_GET_STATUS
 *   Request: no attributes. Reply: KVM_SEC_A_STATUS, a nest of enum
 *   kvm_sec_status: module-wide gauges and loss counters.
 *
 * KVM_SEC_CMD_VM_NEW, KVM_SEC_CMD_VM_DEL
 *   Notifications only, sent to the multicast group KVM_SEC_MCGRP_EVENTS
 *   when the module starts and stops tracking a VM. Attributes:
 *   KVM_SEC_A_VM_ID, _PID, _COMM, _CREATED_NS and, for VM_DEL, the final
 *   _COUNTERS. Events that could not be sent are counted in
 *   KVM_SEC_STATUS_EVENTS_DROPPED.
 */
#ifndef _UAPI_LINUX_KVM_SEC_H
#define _UAPI_LINUX_KVM_SEC_H

#define KVM_SEC_GENL_NAME	"kvm_sec"
#define KVM_SEC_GENL_VERSION	1
#define KVM_SEC_MCGRP_EVENTS	"events"

/* Bounds of KVM_SEC_A_INTERVAL_MS, and its default. */
#define KVM_SEC_INTERVAL_MIN_MS		100
#define KVM_SEC_INTERVAL_MAX_MS		60000
#define KVM_SEC_INTERVAL_DEFAULT_MS	1000

/* At most this many entries in each top-N nest. */
#define KVM_SEC_TOP_ENTRIES	8

enum kvm_sec_cmd {
	KVM_SEC_CMD_UNSPEC,
	KVM_SEC_CMD_GET_VM,
	KVM_SEC_CMD_GET_CONFIG,
	KVM_SEC_CMD_SET_CONFIG,
	KVM_SEC_CMD_GET_STATUS,
	KVM_SEC_CMD_VM_NEW,
	KVM_SEC_CMD_VM_DEL,

	__KVM_SEC_CMD_MAX
};

#define KVM_SEC_CMD_MAX (__KVM_SEC_CMD_MAX - 1)

enum kvm_sec_attr {
	KVM_SEC_A_UNSPEC,
	KVM_SEC_A_PAD,
	KVM_SEC_A_VM_ID,		/* u32: ID assigned by the module, from 1 */
	KVM_SEC_A_VM_PID,		/* u32: VMM process ID (init namespace) */
	KVM_SEC_A_VM_COMM,		/* string: VMM command name */
	KVM_SEC_A_VM_VCPUS,		/* u32: vCPUs created */
	/* u64: creation (or discovery) time, CLOCK_REALTIME nanoseconds */
	KVM_SEC_A_VM_CREATED_NS,
	KVM_SEC_A_VM_DISCOVERED,	/* flag: found at module load */
	KVM_SEC_A_VM_COUNTERS,		/* nest, enum kvm_sec_ctr: totals */
	/* nest, enum kvm_sec_ctr: per second over the last interval */
	KVM_SEC_A_VM_RATES,
	/* nest, enum kvm_sec_top: key is the hypercall number */
	KVM_SEC_A_VM_HYPERCALLS,
	/* nest, enum kvm_sec_top: key is the I/O port, count is accesses */
	KVM_SEC_A_VM_PORTS,
	/*
	 * nest, enum kvm_sec_top: key is the guest-physical address of a
	 * 4 KiB page, count is accesses
	 */
	KVM_SEC_A_VM_MMIO_PAGES,
	KVM_SEC_A_INTERVAL_MS,		/* u32: sampling interval */
	KVM_SEC_A_STATUS,		/* nest, enum kvm_sec_status */

	__KVM_SEC_A_MAX
};

#define KVM_SEC_A_MAX (__KVM_SEC_A_MAX - 1)

/*
 * Per-VM counters (all u64). Hypercalls, port I/O, MMIO and MSR accesses are
 * counted per operation from KVM's own trace points, exactly; halts and
 * interrupt exits come from KVM's per-vCPU statistics; OTHER is the exits
 * not attributed to any of these classes.
 */
enum kvm_sec_ctr {
	KVM_SEC_CTR_UNSPEC,
	KVM_SEC_CTR_PAD,
	KVM_SEC_CTR_EXITS,
	KVM_SEC_CTR_HYPERCALLS,
	KVM_SEC_CTR_PIO_IN,
	KVM_SEC_CTR_PIO_OUT,
	KVM_SEC_CTR_MMIO_READ,
	KVM_SEC_CTR_MMIO_WRITE,
	KVM_SEC_CTR_MSR_READ,
	KVM_SEC_CTR_MSR_WRITE,
	KVM_SEC_CTR_HALTS,
	KVM_SEC_CTR_IRQS,
	KVM_SEC_CTR_OTHER,

	__KVM_SEC_CTR_MAX
};

#define KVM_SEC_CTR_MAX (__KVM_SEC_CTR_MAX - 1)

/*
 * A bounded "top-N" table: up to KVM_SEC_TOP_ENTRIES nests of
 * KVM_SEC_TOP_ENTRY, busiest first, and KVM_SEC_TOP_OTHER, the count of
 * operations not attributed to a listed key. The sum of the entries'
 * counts and OTHER equals the matching class counter.
 */
enum kvm_sec_top {
	KVM_SEC_TOP_UNSPEC,
	KVM_SEC_TOP_PAD,
	KVM_SEC_TOP_ENTRY,		/* nest, enum kvm_sec_top_entry */
	KVM_SEC_TOP_OTHER,		/* u64 */

	__KVM_SEC_TOP_MAX
};

#define KVM_SEC_TOP_MAX (__KVM_SEC_TOP_MAX - 1)

enum kvm_sec_top_entry {
	KVM_SEC_TOP_ENTRY_UNSPEC,
	KVM_SEC_TOP_ENTRY_PAD,
	KVM_SEC_TOP_ENTRY_KEY,		/* u64 */
	KVM_SEC_TOP_ENTRY_COUNT,	/* u64 */

	__KVM_SEC_TOP_ENTRY_MAX
};

#define KVM_SEC_TOP_ENTRY_MAX (__KVM_SEC_TOP_ENTRY_MAX - 1)

/* Module-wide status: gauges and counters of everything not counted per VM. */
enum kvm_sec_status {
	KVM_SEC_STATUS_UNSPEC,
	KVM_SEC_STATUS_PAD,
	KVM_SEC_STATUS_VMS,		/* u32: VMs tracked now */
	KVM_SEC_STATUS_VMS_SEEN,	/* u64: VMs tracked since load */
	KVM_SEC_STATUS_VMS_GONE,	/* u64: VMs destroyed since load */
	/* u64: events from VMs not (yet) tracked; they start a rescan */
	KVM_SEC_STATUS_UNTRACKED_EXITS,
	/* u64: VMs whose state could not be allocated when created */
	KVM_SEC_STATUS_ALLOC_FAILURES,
	KVM_SEC_STATUS_EVENTS_DROPPED,	/* u64: notifications not sent */
	KVM_SEC_STATUS_RESCANS,		/* u64: scans for untracked VMs */
	KVM_SEC_STATUS_PROBES,		/* u32: KVM trace points attached */
	/* u64: VM creations the kretprobe missed (found by discovery) */
	KVM_SEC_STATUS_PROBE_MISSES,

	__KVM_SEC_STATUS_MAX
};

#define KVM_SEC_STATUS_MAX (__KVM_SEC_STATUS_MAX - 1)

#endif /* _UAPI_LINUX_KVM_SEC_H */
