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
 * Every command that reads or changes per-VM data, and the events group,
 * needs CAP_NET_ADMIN in the initial user namespace (-EPERM otherwise):
 * what a VM does is its tenant's business. GET_CONFIG and GET_STATUS are
 * module-wide and open to every user; GUEST_REPORT needs no capability but
 * proof of ownership (a file descriptor of the VM).
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
 *   sets NLM_F_DUMP_INTR on the messages that follow, as usual. A VM
 *   message always fits in a NLMSG_GOODSIZE buffer (a 4 KiB receive
 *   buffer is enough).
 *   Reply attributes: KVM_SEC_A_VM_ID, _PID, _COMM, _VCPUS, _CREATED_NS,
 *   _ORIGIN, _DISCOVERED (flag, present if the module found the VM after
 *   its creation: its counters start then), _COUNTERS and _RATES (nests of
 *   enum kvm_sec_ctr), _HYPERCALLS, _PORTS and _MMIO_PAGES (nests of enum
 *   kvm_sec_top), KVM_SEC_A_INTERVAL_MS (the interval _RATES covers) and,
 *   once the VM's guest driver has reported or a level was commanded,
 *   KVM_SEC_A_VM_GUEST (nest, enum kvm_sec_guest; the guest's level-2
 *   flows are not in it but in KVM_SEC_CMD_GET_FLOWS) and, once a network
 *   device was bound to the VM, KVM_SEC_A_VM_NET (nest, enum kvm_sec_net:
 *   what the host saw on the VM's tap devices); KVM_SEC_A_VM_LEVEL,
 *   _VERDICT and _NEAR_CAPACITY. Requires CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_GET_CONFIG
 *   Request: no attributes. Reply: every configuration attribute
 *   (KVM_SEC_A_INTERVAL_MS, KVM_SEC_A_PREFIXES, KVM_SEC_A_RULE) and
 *   KVM_SEC_A_MIGRATION_KEYED (never the key). Unprivileged callers may
 *   read.
 *
 * KVM_SEC_CMD_SET_CONFIG
 *   Request: one or more configuration attributes. Each is validated
 *   before any is applied: either all take effect or none does. The fields
 *   of KVM_SEC_A_RULE given replace the module's, checked as a whole with
 *   the others. A new KVM_SEC_A_INTERVAL_MS restarts every VM's history.
 *   KVM_SEC_A_MIGRATION_KEY sets the provider's migration key (the same
 *   on every host a VM may migrate between), or with no bytes removes it.
 *   Requires
 *   CAP_NET_ADMIN (-EPERM otherwise). -EINVAL with an extended ack naming
 *   the attribute for out-of-range values; -EINVAL if no attribute given.
 *
 * KVM_SEC_CMD_GET_STATUS
 *   Request: no attributes. Reply: KVM_SEC_A_STATUS, a nest of enum
 *   kvm_sec_status: module-wide gauges and loss counters. Unprivileged
 *   callers may read.
 *
 * KVM_SEC_CMD_GUEST_REPORT
 *   Sent by a VMM (QEMU's virtio-vsem device) for each report its guest
 *   driver sent and the device accepted. Request: KVM_SEC_A_VM_FD, a file
 *   descriptor of the VM (the file KVM_CREATE_VM returned, or one of its
 *   vCPUs) open in the sending process, and KVM_SEC_A_GUEST_REPORT, the
 *   report exactly as the guest wrote it (virtio-vsem format, see
 *   Documentation/virtio-vsem/spec.rst). The module resolves the
 *   descriptor in the sender's own file table: holding it is the proof
 *   that the sender speaks for that VM, so the command needs no privilege,
 *   and a process's PID plays no part. Errors: -EINVAL (an attribute
 *   missing), -EBADF (the descriptor is not open in the sender, or is not a
 *   KVM VM or vCPU file), -ESRCH (kvm-sec does not track that VM).
 *   KVM_SEC_A_GUEST_EPOCH, the device's epoch (a reset of the device starts
 *   a new one, and the guest's sequence numbers start again; without it,
 *   the epoch does not change), goes with them.
 *   The module validates the report again (the VMM is not trusted either):
 *   within an epoch the sequence number must increase; any other epoch
 *   starts the sequence again. It accepts KVM_SEC_GUEST_REPORTS_PER_S per VM per second on
 *   average, in bursts of at most KVM_SEC_GUEST_REPORTS_BURST (a token
 *   bucket that no epoch refills).
 *   Reply: KVM_SEC_CMD_GUEST_REPORT with what the device should write into
 *   its configuration space: KVM_SEC_A_GUEST_LEVEL (the commanded level),
 *   KVM_SEC_A_GUEST_INTERVAL_MS (the commanded interval, 0 for the VMM's),
 *   KVM_SEC_A_GUEST_HISTORY_SEQ and, once there is one, KVM_SEC_A_GUEST_HISTORY;
 *   KVM_SEC_A_PREFIXES. Errors, besides the above: -EINVAL (malformed;
 *   counted in the VM's KVM_SEC_GUEST_REJECTED), -EBUSY (over the rate;
 *   counted in KVM_SEC_GUEST_THROTTLED).
 *
 * KVM_SEC_CMD_SET_VM
 *   Request: KVM_SEC_A_VM_ID and one or more of KVM_SEC_A_RULE (the VM's
 *   own rule: given fields replace its own, 0 gives a field back to the
 *   global rule; refused as a whole if the rule that results is invalid),
 *   KVM_SEC_A_GUEST_LEVEL (also HSEM's level for the VM; 0: HSEM and the
 *   guest driver decide; 1 or 2: the host commands that level) and
 *   KVM_SEC_A_GUEST_INTERVAL_MS (the guest's report interval; 0: the VMM's
 *   own) and KVM_SEC_A_VM_LIMITS (the VM's limits: each one given replaces
 *   that limit, starting full; a size of 0 lifts it), KVM_SEC_A_VM_BLOCK
 *   (its destination-class rule: each direction given replaces that
 *   direction's classes, 0 lifts it) and KVM_SEC_A_VM_AGENT
 *   (the agent's report of what it applied, replacing its last one, and
 *   announced as a LIMIT event, reason KVM_SEC_LIMIT_BY_AGENT). Each given
 *   attribute changes its setting; a setting whose attribute is absent is
 *   left as it is; everything is validated before anything changes.
 *   Requires CAP_NET_ADMIN. Level and interval reach the device with the
 *   reply to its next report, and the driver applies them at the end of
 *   its interval; limits apply to the next packet or exit.
 *
 * KVM_SEC_CMD_GET_FLOWS
 *   Dump only. Request: KVM_SEC_A_VM_ID. Replies: messages carrying
 *   KVM_SEC_A_VM_ID, KVM_SEC_A_GUEST_SEQ (the report the flows come from)
 *   and KVM_SEC_A_FLOWS, a nest of KVM_SEC_GUEST_FLOW nests (enum
 *   kvm_sec_flow): the destinations of the guest's last level-2 report,
 *   as many per message as fit. A new report arriving during the dump sets
 *   NLM_F_DUMP_INTR. Errors: -EINVAL (no VM ID), -ENOENT (no such VM).
 *   Requires CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_NETDEV_ADD, KVM_SEC_CMD_NETDEV_DEL
 *   Bind a network device to a VM by hand, or unbind one (whether bound by
 *   hand or found by the module). Request: KVM_SEC_A_VM_ID and
 *   KVM_SEC_A_IFNAME, a device of the initial network namespace. The
 *   module counts the device's traffic as the VM's: what the device
 *   receives (its ingress) as sent by the VM, what it transmits as received
 *   by the VM, as for a tap. The module finds the tap devices whose files
 *   the VM's VMM holds (tun and macvtap/ipvtap) by itself; this is for the
 *   setups it cannot see. Errors: -ENOENT (no such VM or device), -EBUSY
 *   (bound to another VM), -EEXIST (already bound to this VM), -ENOSPC
 *   (KVM_SEC_NET_MAX_DEVICES devices bound to the VM), -EINVAL (a loopback
 *   device). Requires CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_GET_DECISION
 *   What HSEM and HREM made of a VM (Documentation/kvm-sec/decisions.rst).
 *   As a request (doit): KVM_SEC_A_VM_ID; as a dump: every VM. Reply
 *   attributes: KVM_SEC_A_VM_ID and KVM_SEC_A_DECISION (nest, enum
 *   kvm_sec_decision): the host-side level and verdict, their reasons, and
 *   the learned history of every feature. Requires CAP_NET_ADMIN (the
 *   history describes a tenant's workload).
 *
 * KVM_SEC_CMD_GET_LIMITS
 *   A VM's limits, network, exits and CPU. As a request (doit):
 *   KVM_SEC_A_VM_ID; as a dump: every VM. Reply attributes:
 *   KVM_SEC_A_VM_ID and KVM_SEC_A_VM_LIMITS, a nest of enum kvm_sec_limit
 *   with every limit in force or that ever dropped a frame or paced an
 *   exit: its bucket (SIZE 0 once lifted), the tokens it has left, the
 *   frames it dropped or the exits it paced and how long they waited.
 *   What an agent applying the CPU limit and HREM's advice needs comes
 *   with them: KVM_SEC_A_VM_PID, KVM_SEC_A_VM_VCPU_TIDS and
 *   KVM_SEC_A_VM_NEAR_CAPACITY; and what the agent reported it applied,
 *   KVM_SEC_A_VM_AGENT, once it did; KVM_SEC_A_VM_BLOCK, once a
 *   destination-class rule was set (lifted since, or not). Requires
 *   CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_LIMIT
 *   Notification only, to KVM_SEC_MCGRP_EVENTS: a VM's limits were
 *   set or lifted. Attributes: KVM_SEC_A_VM_ID, KVM_SEC_A_VM_LIMITS
 *   and KVM_SEC_A_VM_BLOCK (as GET_LIMITS, after the change) and KVM_SEC_A_LIMIT_REASON (enum
 *   kvm_sec_limit_reason). Lost ones are counted in
 *   KVM_SEC_STATUS_EVENTS_DROPPED.
 *
 * KVM_SEC_CMD_LEVEL, KVM_SEC_CMD_VERDICT, KVM_SEC_CMD_CAPACITY
 *   Notifications only, to KVM_SEC_MCGRP_EVENTS: a VM's host-side level
 *   changed, HSEM reached, changed or cleared a verdict, or HREM found a
 *   clean VM near its capacity or no longer (KVM_SEC_DECISION_NEAR_CAPACITY:
 *   a load balancer's cue to give it more). Attributes:
 *   KVM_SEC_A_VM_ID and KVM_SEC_A_DECISION without the history
 *   (KVM_SEC_DECISION_FEATURES). Lost ones are counted in
 *   KVM_SEC_STATUS_EVENTS_DROPPED.
 *
 * KVM_SEC_CMD_GET_STATE
 *   A VM's security state, to carry it across a reload of the module
 *   (Documentation/kvm-sec/state.rst). As a request (doit):
 *   KVM_SEC_A_VM_ID; as a dump: every VM. Reply attributes:
 *   KVM_SEC_A_VM_ID, _PID, _COMM, _VMM_START_NS (with the PID, the key
 *   that finds the VM again after a reload) and KVM_SEC_A_VM_STATE (nest,
 *   enum kvm_sec_state): its learned history, level, verdict and their
 *   reasons, its own rule, and the admin's limits and destination-class
 *   rule. Requires CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_SET_STATE
 *   Give a VM the state GET_STATE gave of it. Request: KVM_SEC_A_VM_ID and
 *   KVM_SEC_A_VM_STATE; with KVM_SEC_A_STATE_CHECK (flag), only checked;
 *   KVM_SEC_A_VM_PID and _VMM_START_NS, if given, must be the VM's
 *   (-ESTALE: the ID is another VM's now).
 *   The whole state is checked before anything changes: another version
 *   (-EPROTONOSUPPORT), a missing part or a value out of range or
 *   inconsistent (-EINVAL, with an extended ack message) changes nothing.
 *   Then the VM's history, level, verdict, reasons and own rule are
 *   replaced, the admin's limits and rule set, HSEM's limits derived
 *   again, and LEVEL, VERDICT, CAPACITY and LIMIT events sent.
 *   Counters, rates and the VM's ID are not part of the state. Requires
 *   CAP_NET_ADMIN.
 *
 * KVM_SEC_CMD_MIGRATE_SAVE
 *   A VMM takes its VM's state to carry in a live migration stream
 *   (Documentation/kvm-sec/state.rst). Request: KVM_SEC_A_VM_FD, a file
 *   descriptor of the VM in the sender's own file table (no capability:
 *   holding the VM is the proof). Reply: KVM_SEC_A_MIGRATION_STATE, the
 *   state GET_STATE gives, sealed with the provider's migration key
 *   (HMAC-SHA256): no VMM can forge or change one. -ENOKEY, counted, if
 *   this host has no migration key.
 *
 * KVM_SEC_CMD_MIGRATE_LOAD
 *   The destination's VMM hands the sealed state to its new VM. Request:
 *   KVM_SEC_A_VM_FD and KVM_SEC_A_MIGRATION_STATE. Refused, counted and
 *   nothing changed, with an extended ack: no migration key here
 *   (-ENOKEY), a seal that does not verify (-EBADMSG), a state sealed more
 *   than a minute ago (-ESTALE), a state SET_STATE would refuse, or a VM
 *   a vCPU of which has entered KVM_RUN, that the module did not see
 *   created, or that was given a state before (-EBUSY). Otherwise applied
 *   as SET_STATE does.
 *
 * KVM_SEC_CMD_VM_NEW, KVM_SEC_CMD_VM_DEL
 *   Notifications only, sent to the multicast group KVM_SEC_MCGRP_EVENTS
 *   when the module starts and stops tracking a VM. Attributes:
 *   KVM_SEC_A_VM_ID, _PID, _COMM, _CREATED_NS, _ORIGIN and, for VM_DEL, the
 *   final _COUNTERS. Subscribing needs CAP_NET_ADMIN. Events that could not
 *   be sent are counted in KVM_SEC_STATUS_EVENTS_DROPPED.
 */
#ifndef _UAPI_LINUX_KVM_SEC_H
#define _UAPI_LINUX_KVM_SEC_H

#define KVM_SEC_GENL_NAME	"kvm_sec"
#define KVM_SEC_GENL_VERSION	2
#define KVM_SEC_MCGRP_EVENTS	"events"

/* Bounds of KVM_SEC_A_INTERVAL_MS, and its default. */
#define KVM_SEC_INTERVAL_MIN_MS		100
#define KVM_SEC_INTERVAL_MAX_MS		60000
#define KVM_SEC_INTERVAL_DEFAULT_MS	1000

/* Guest reports accepted per VM and second, and in a burst; more: -EBUSY. */
#define KVM_SEC_GUEST_REPORTS_PER_S	20
#define KVM_SEC_GUEST_REPORTS_BURST	5

/* A sealed state (KVM_SEC_A_MIGRATION_STATE) and a migration key, in bytes. */
#define KVM_SEC_MIGRATION_STATE_MAX	8192
#define KVM_SEC_MIGRATION_KEY_MIN	16
#define KVM_SEC_MIGRATION_KEY_MAX	64

/* Provider prefixes (KVM_SEC_A_PREFIXES), as in virtio-vsem. */
#define KVM_SEC_MAX_PREFIXES	8

/* At most this many entries in each top-N nest. */
#define KVM_SEC_TOP_ENTRIES	8

/* vCPU threads listed in KVM_SEC_A_VM_VCPU_TIDS at most. */
#define KVM_SEC_VCPU_TIDS_MAX	256

/* Network devices bound to one VM at most, and their peers listed. */
#define KVM_SEC_NET_MAX_DEVICES	4
#define KVM_SEC_NET_PEERS	6
/* A VM's own addresses kept, per kind (MAC, IPv4, IPv6). */
#define KVM_SEC_NET_MAX_ADDRS	2

enum kvm_sec_cmd {
	KVM_SEC_CMD_UNSPEC,
	KVM_SEC_CMD_GET_VM,
	KVM_SEC_CMD_GET_CONFIG,
	KVM_SEC_CMD_SET_CONFIG,
	KVM_SEC_CMD_GET_STATUS,
	KVM_SEC_CMD_VM_NEW,
	KVM_SEC_CMD_VM_DEL,
	KVM_SEC_CMD_GUEST_REPORT,
	KVM_SEC_CMD_SET_VM,
	KVM_SEC_CMD_GET_FLOWS,
	KVM_SEC_CMD_NETDEV_ADD,
	KVM_SEC_CMD_NETDEV_DEL,
	KVM_SEC_CMD_GET_DECISION,
	KVM_SEC_CMD_LEVEL,
	KVM_SEC_CMD_VERDICT,
	KVM_SEC_CMD_CAPACITY,
	KVM_SEC_CMD_GET_LIMITS,
	KVM_SEC_CMD_LIMIT,
	KVM_SEC_CMD_GET_STATE,
	KVM_SEC_CMD_SET_STATE,
	KVM_SEC_CMD_MIGRATE_SAVE,
	KVM_SEC_CMD_MIGRATE_LOAD,

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
	/* binary: one virtio-vsem report, at most 4096 bytes */
	KVM_SEC_A_GUEST_REPORT,
	KVM_SEC_A_GUEST_LEVEL,		/* u8: commanded level, 0..2 */
	/*
	 * binary: struct virtio_vsem_feature_stat[VIRTIO_VSEM_NR_FEATURES],
	 * little-endian, ready for the device's configuration space
	 */
	KVM_SEC_A_GUEST_HISTORY,
	KVM_SEC_A_GUEST_HISTORY_SEQ,	/* u32: changes with the history */
	/*
	 * binary: 0 to KVM_SEC_MAX_PREFIXES struct virtio_vsem_prefix, the
	 * provider's address prefixes (configuration)
	 */
	KVM_SEC_A_PREFIXES,
	KVM_SEC_A_VM_GUEST,		/* nest, enum kvm_sec_guest */
	/* u32: report interval commanded, 100..60000 ms; 0: the VMM's own */
	KVM_SEC_A_GUEST_INTERVAL_MS,
	/* u32: a file descriptor of the VM, open in the sender (GUEST_REPORT) */
	KVM_SEC_A_VM_FD,
	KVM_SEC_A_VM_ORIGIN,		/* u8: enum kvm_sec_origin */
	KVM_SEC_A_GUEST_SEQ,		/* u64: a guest report's sequence number */
	KVM_SEC_A_FLOWS,		/* nest of KVM_SEC_GUEST_FLOW (GET_FLOWS) */
	/* u64: the device's epoch, one more at each reset (GUEST_REPORT) */
	KVM_SEC_A_GUEST_EPOCH,
	KVM_SEC_A_VM_NET,		/* nest, enum kvm_sec_net */
	KVM_SEC_A_IFNAME,		/* string: a network device (NETDEV_*) */
	KVM_SEC_A_VM_LEVEL,		/* u8: host-side level, 1 or 2 */
	KVM_SEC_A_VM_VERDICT,		/* u8: enum kvm_sec_verdict */
	KVM_SEC_A_DECISION,		/* nest, enum kvm_sec_decision */
	/*
	 * nest, enum kvm_sec_rule: the anomaly rule (GET/SET_CONFIG; SET_VM
	 * for a VM's own, where 0 means "the global value")
	 */
	KVM_SEC_A_RULE,
	/* u8: 1 when HREM finds the VM near its capacity, and clean */
	KVM_SEC_A_VM_NEAR_CAPACITY,
	/*
	 * nest, enum kvm_sec_limit: the VM's limits (SET_VM: those
	 * given are replaced, a size of 0 lifts one; GET_LIMITS and LIMIT
	 * events: as they are, with what they dropped)
	 */
	KVM_SEC_A_VM_LIMITS,
	KVM_SEC_A_LIMIT_REASON,		/* u8: enum kvm_sec_limit_reason */
	/*
	 * binary: u32 thread IDs (initial PID namespace) of the VM's vCPUs,
	 * in vCPU order, 0 for one that never ran or whose thread is no
	 * longer one of the VMM's; the first KVM_SEC_VCPU_TIDS_MAX
	 * (GET_LIMITS, LIMIT events). A vCPU's thread is the last one that
	 * ran it, so it can change.
	 */
	KVM_SEC_A_VM_VCPU_TIDS,
	/*
	 * nest, enum kvm_sec_agent: what the agent applied on the host for
	 * the VM (SET_VM: its report, replacing the last; GET_LIMITS and
	 * LIMIT events: the last report)
	 */
	KVM_SEC_A_VM_AGENT,
	/*
	 * nest, enum kvm_sec_block: the VM's destination-class rule (SET_VM:
	 * the directions given are replaced, 0 lifts one; GET_LIMITS and
	 * LIMIT events: as it is, with what it dropped)
	 */
	KVM_SEC_A_VM_BLOCK,
	/*
	 * u64: when the VM's VMM process started, ns since boot
	 * (CLOCK_BOOTTIME; /proc/PID/stat gives it in clock ticks)
	 */
	KVM_SEC_A_VM_VMM_START_NS,
	KVM_SEC_A_VM_STATE,		/* nest, enum kvm_sec_state */
	KVM_SEC_A_STATE_CHECK,		/* flag: SET_STATE only checks */
	/*
	 * binary: a VM's state sealed for live migration (MIGRATE_SAVE,
	 * MIGRATE_LOAD), at most KVM_SEC_MIGRATION_STATE_MAX bytes; opaque
	 * to the VMM, which carries it in its migration stream
	 */
	KVM_SEC_A_MIGRATION_STATE,
	/*
	 * binary: the provider's migration key, KVM_SEC_MIGRATION_KEY_MIN to
	 * _MAX bytes; empty: none (SET_CONFIG only: it is never read back)
	 */
	KVM_SEC_A_MIGRATION_KEY,
	/* u8: 1 when a migration key is set (GET_CONFIG) */
	KVM_SEC_A_MIGRATION_KEYED,

	__KVM_SEC_A_MAX
};

#define KVM_SEC_A_MAX (__KVM_SEC_A_MAX - 1)

/* How the module came to track a VM (KVM_SEC_A_VM_ORIGIN). */
enum kvm_sec_origin {
	/* Seen being created: counted from its first exit. */
	KVM_SEC_ORIGIN_CREATED,
	/* Found in its VMM's files when the module was loaded. */
	KVM_SEC_ORIGIN_DISCOVERED,
	/* Found by one of its vCPUs' exits (no file of it could be seen). */
	KVM_SEC_ORIGIN_ADOPTED,
};

/*
 * Per-VM counters (all u64). EXITS counts VM exits. HYPERCALLS, PIO_*,
 * MMIO_* and MSR_* count exits too, from KVM's own trace points: an exit
 * belongs to at most one of these classes (the first that KVM reports for
 * it), however many operations the guest packed into it, so OTHER, the
 * exits attributed to none of them, is never negative and never hidden.
 * PIO_ELEMENTS counts port I/O elements (a "rep ins" of 1000 bytes is one
 * PIO_IN exit, or a few, and 1000 elements). HALTS and IRQS come from KVM's
 * per-vCPU statistics.
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
	KVM_SEC_CTR_PIO_ELEMENTS,

	__KVM_SEC_CTR_MAX
};

#define KVM_SEC_CTR_MAX (__KVM_SEC_CTR_MAX - 1)

/*
 * A bounded "top-N" table: up to KVM_SEC_TOP_ENTRIES nests of
 * KVM_SEC_TOP_ENTRY, busiest first, and KVM_SEC_TOP_OTHER, the count of
 * exits not attributed to a listed key. The sum of the entries' counts and
 * OTHER equals the matching class counter. The tables evict (Space-Saving,
 * per CPU): an entry's COUNT may exceed the key's true count by at most its
 * ERROR, and a key is missing only if it made fewer exits on each CPU than
 * 1/16 of that CPU's exits of the class.
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
	KVM_SEC_TOP_ENTRY_ERROR,	/* u64: COUNT - ERROR <= true count */

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
	/* u64: events from VMs not (yet) tracked; they adopt the VM */
	KVM_SEC_STATUS_UNTRACKED_EXITS,
	/* u64: VMs whose state could not be allocated when created */
	KVM_SEC_STATUS_ALLOC_FAILURES,
	KVM_SEC_STATUS_EVENTS_DROPPED,	/* u64: notifications not sent */
	KVM_SEC_STATUS_RESCANS,		/* u64: scans of the VMMs' files */
	KVM_SEC_STATUS_PROBES,		/* u32: KVM trace points attached */
	/* u64: kprobe hits missed (their VMs are adopted on their exits) */
	KVM_SEC_STATUS_PROBE_MISSES,
	KVM_SEC_STATUS_ADOPTED,		/* u64: VMs found by their exits */
	/* u64: VMs not tracked because max_vms were (module parameter) */
	KVM_SEC_STATUS_VMS_REFUSED,
	KVM_SEC_STATUS_MAX_VMS,		/* u32: the max_vms parameter */
	/*
	 * u64: VMs whose last user was gone before kvm-sec let go of them
	 * (released by the periodic check, up to a second late)
	 */
	KVM_SEC_STATUS_LATE_RELEASES,
	KVM_SEC_STATUS_NETDEVS,		/* u32: network devices bound now */
	/* u64: scans of the VMMs' files for tap devices */
	KVM_SEC_STATUS_NETDEV_SCANS,
	/*
	 * u64: tap devices found but not bound (bound to another VM, the
	 * VM's KVM_SEC_NET_MAX_DEVICES reached, no memory, no hook)
	 */
	KVM_SEC_STATUS_NETDEV_REFUSED,
	/* u64: tap files whose device could not be named (renamed, moved) */
	KVM_SEC_STATUS_NETDEV_UNRESOLVED,
	/* u64: VM states sealed for a migration (MIGRATE_SAVE) */
	KVM_SEC_STATUS_MIGRATIONS_OUT,
	/* u64: VM states not sealed: this host has no migration key */
	KVM_SEC_STATUS_MIGRATIONS_UNKEYED,
	/* u64: migrated states applied (MIGRATE_LOAD) */
	KVM_SEC_STATUS_MIGRATIONS_IN,
	/*
	 * u64: migrated states refused: no key here, a seal that does not
	 * verify, a state out of range, or a VM that already ran or has one
	 */
	KVM_SEC_STATUS_MIGRATIONS_REFUSED,

	__KVM_SEC_STATUS_MAX
};

#define KVM_SEC_STATUS_MAX (__KVM_SEC_STATUS_MAX - 1)

/*
 * What the VM's guest driver reported, as the module validated and
 * attributed it, and the history the module keeps of it. Features are
 * those of enum virtio_vsem_feature, each at attribute type feature + 2.
 */
enum kvm_sec_guest {
	KVM_SEC_GUEST_UNSPEC,
	KVM_SEC_GUEST_PAD,
	KVM_SEC_GUEST_REPORTS,		/* u64: reports accepted */
	KVM_SEC_GUEST_REJECTED,		/* u64: reports failing validation */
	KVM_SEC_GUEST_THROTTLED,	/* u64: reports over the rate */
	/*
	 * u64: reports whose hypercall count, added up since the first,
	 * exceeds the hypercalls the host saw the VM make
	 */
	KVM_SEC_GUEST_INCONSISTENT,
	KVM_SEC_GUEST_SEQ,		/* u64: of the last accepted report */
	KVM_SEC_GUEST_AGE_MS,		/* u64: since the last report */
	KVM_SEC_GUEST_LEVEL,		/* u8: level of the last report */
	KVM_SEC_GUEST_LEVEL_CMD,	/* u8: commanded level, 0: auto */
	KVM_SEC_GUEST_SWITCH_REASON,	/* u8: of the last level change */
	KVM_SEC_GUEST_SWITCHES,		/* u64: level changes reported */
	KVM_SEC_GUEST_ANOMALIES,	/* u32: last report, bit per feature */
	KVM_SEC_GUEST_INTERVAL_MS,	/* u32: of the last report */
	KVM_SEC_GUEST_HISTORY_SEQ,	/* u32: 0 until there is a history */
	KVM_SEC_GUEST_LAST,		/* nest: features of the last report */
	KVM_SEC_GUEST_TOTAL,		/* nest: features summed (counts) */
	KVM_SEC_GUEST_MEAN,		/* nest: history, mean per interval */
	KVM_SEC_GUEST_SPREAD,		/* nest: history, spread */
	KVM_SEC_GUEST_FLOWS,		/* unused since version 2 */
	KVM_SEC_GUEST_FLOW,		/* nest, enum kvm_sec_flow (GET_FLOWS) */
	KVM_SEC_GUEST_NEAR_CAPACITY,	/* u32: intervals near capacity */
	KVM_SEC_GUEST_INTERVALS,	/* u32: intervals, as the guest counts */
	KVM_SEC_GUEST_INTERVAL_CMD,	/* u32: commanded interval, 0: none */
	KVM_SEC_GUEST_NR_FLOWS,		/* u32: flows in the last report */
	KVM_SEC_GUEST_EPOCH,		/* u64: device epoch of the last report */
	KVM_SEC_GUEST_EPOCHS,		/* u64: epochs begun since the first report */
	KVM_SEC_GUEST_REPORT_FLAGS,	/* u32: VIRTIO_VSEM_RF_* of the last report */
	KVM_SEC_GUEST_LOSS,		/* nest, enum kvm_sec_guest_loss */
	/*
	 * u64: reports after which the packets the guest claims to have sent
	 * (or received), added up, fall short of what its tap devices carried
	 * by more than the tolerance (Documentation/kvm-sec/design.rst): the
	 * reason "tamper"
	 */
	KVM_SEC_GUEST_TAMPERED,
	/*
	 * u64 each: the packets compared, added up since the comparison
	 * started (the guest's claims; the host's count over the same
	 * intervals)
	 */
	KVM_SEC_GUEST_NET_CLAIMED_TX,
	KVM_SEC_GUEST_NET_SEEN_TX,
	KVM_SEC_GUEST_NET_CLAIMED_RX,
	KVM_SEC_GUEST_NET_SEEN_RX,

	__KVM_SEC_GUEST_MAX
};

#define KVM_SEC_GUEST_MAX (__KVM_SEC_GUEST_MAX - 1)

/* One destination of the guest's level-2 flow table. */
enum kvm_sec_flow {
	KVM_SEC_FLOW_UNSPEC,
	KVM_SEC_FLOW_PAD,
	KVM_SEC_FLOW_FAMILY,		/* u8: 4 or 6 */
	KVM_SEC_FLOW_ADDR,		/* binary: 4 or 16 bytes */
	KVM_SEC_FLOW_OUTSIDE,		/* u8: 1 if outside the provider */
	KVM_SEC_FLOW_PACKETS,		/* u64 */
	KVM_SEC_FLOW_BYTES,		/* u64 */
	KVM_SEC_FLOW_PID,		/* u32: guest pid of the sender */
	KVM_SEC_FLOW_COMM,		/* string: its command name */

	__KVM_SEC_FLOW_MAX
};

#define KVM_SEC_FLOW_MAX (__KVM_SEC_FLOW_MAX - 1)

/*
 * What the guest driver says it saw but could not report (its LOSS
 * entries, virtio-vsem spec 5.2): the guest's claims, added up.
 */
enum kvm_sec_guest_loss {
	KVM_SEC_LOSS_UNSPEC,
	KVM_SEC_LOSS_PAD,
	KVM_SEC_LOSS_UNSTORED_PACKETS,	/* u64: to destinations not stored */
	KVM_SEC_LOSS_HV_UNSTORED,	/* u64: requests not in HV_DETAIL */
	KVM_SEC_LOSS_FLOWS_TRIMMED,	/* u64: flows left out for size */
	KVM_SEC_LOSS_REPORTS_DROPPED,	/* u64: reports the driver could not
					 * queue, since it started
					 */
	KVM_SEC_LOSS_ESTIMATED,		/* u8: 1 if the last destinations
					 * count was an estimate
					 */

	__KVM_SEC_LOSS_MAX
};

#define KVM_SEC_LOSS_MAX (__KVM_SEC_LOSS_MAX - 1)

/*
 * The host's own view of a VM's network (KVM_SEC_A_VM_NET), from the tap
 * devices bound to it: headers only, never payload. The VM sends what its
 * tap receives and receives what its tap transmits.
 */
enum kvm_sec_net {
	KVM_SEC_NET_UNSPEC,
	KVM_SEC_NET_PAD,
	KVM_SEC_NET_COUNTERS,		/* nest, enum kvm_sec_net_ctr: totals */
	KVM_SEC_NET_RATES,		/* nest, enum kvm_sec_net_ctr: per second */
	/*
	 * u64 each: distinct destinations of what the VM sent and distinct
	 * sources of what it received, over the last interval (estimated,
	 * HyperLogLog, about 3% standard error; exact for a few)
	 */
	KVM_SEC_NET_DISTINCT_DST,
	KVM_SEC_NET_DISTINCT_SRC,
	KVM_SEC_NET_DEVICE,		/* nest, enum kvm_sec_netdev; repeated */
	/* binary, repeated: the VM's own addresses (6: MAC, 4: IPv4, 16: IPv6) */
	KVM_SEC_NET_ADDR,
	/* nest, enum kvm_sec_peers: where the VM sent, busiest first */
	KVM_SEC_NET_DESTINATIONS,
	/* nest, enum kvm_sec_peers: where what it received came from */
	KVM_SEC_NET_SOURCES,

	__KVM_SEC_NET_MAX
};

#define KVM_SEC_NET_MAX (__KVM_SEC_NET_MAX - 1)

/*
 * Per-VM network counters (u64). Packets are the frames the tap carried
 * (a segmentation-offloaded frame counts once); bytes include the
 * Ethernet header. SYN counts TCP SYNs without ACK; SYNACK SYNs with ACK.
 * UNREACH counts ICMP destination unreachable and ICMPv6 type 1. NONIP:
 * frames neither IPv4 nor IPv6 (ARP...). UNPARSED: IP packets whose
 * headers were cut short or too deep to follow (counted, not classified).
 */
enum kvm_sec_net_ctr {
	KVM_SEC_NET_CTR_UNSPEC,
	KVM_SEC_NET_CTR_PAD,
	KVM_SEC_NET_CTR_TX_PACKETS,
	KVM_SEC_NET_CTR_TX_BYTES,
	KVM_SEC_NET_CTR_RX_PACKETS,
	KVM_SEC_NET_CTR_RX_BYTES,
	KVM_SEC_NET_CTR_TX_SYN,
	KVM_SEC_NET_CTR_RX_SYN,
	KVM_SEC_NET_CTR_TX_SYNACK,
	KVM_SEC_NET_CTR_RX_SYNACK,
	KVM_SEC_NET_CTR_TX_RST,
	KVM_SEC_NET_CTR_RX_RST,
	KVM_SEC_NET_CTR_TX_UNREACH,
	KVM_SEC_NET_CTR_RX_UNREACH,
	KVM_SEC_NET_CTR_TX_UDP,
	KVM_SEC_NET_CTR_RX_UDP,
	KVM_SEC_NET_CTR_TX_NONIP,
	KVM_SEC_NET_CTR_RX_NONIP,
	KVM_SEC_NET_CTR_TX_UNPARSED,
	KVM_SEC_NET_CTR_RX_UNPARSED,

	__KVM_SEC_NET_CTR_MAX
};

#define KVM_SEC_NET_CTR_MAX (__KVM_SEC_NET_CTR_MAX - 1)

/*
 * A VM's limits (KVM_SEC_A_VM_LIMITS), each a nest of enum kvm_sec_bucket.
 *
 * Network, enforced in its tap hooks: token buckets, as Firecracker's rate
 * limiter. TX is what the VM sends, RX what it receives; PACKETS takes a
 * token a frame, BYTES a token a byte, SYN a token a TCP SYN without ACK
 * (a new connection; a frame the host cannot parse takes one too, as it
 * may hide one). A frame without its tokens is dropped.
 *
 * Exits, paced on KVM's exit path: HYPERCALLS, PIO (port I/O, in and out)
 * and MMIO (read and write) take a token an exit of their class. An exit
 * without its token is not refused: the vCPU thread waits, before it
 * enters the guest again, until the token is there (the same bucket, as a
 * generic cell rate algorithm). A signal to the thread ends its wait.
 *
 * CPU: SIZE microseconds of CPU time for the VM's vCPU threads every
 * REFILL_MS, as cgroup v2's cpu.max ("SIZE REFILL_MS*1000"): at least
 * 1000 us, a period of 1 to 1000 ms (1000 when absent, as for every
 * bucket; HSEM's and vsecctl's is 100 ms), no BURST. The module does not enforce
 * it: it keeps and announces it, and an agent (vsecd) applies it to the
 * threads of KVM_SEC_A_VM_VCPU_TIDS. TOKENS and DROPS are 0.
 */
enum kvm_sec_limit {
	KVM_SEC_LIMIT_UNSPEC,
	KVM_SEC_LIMIT_TX_PACKETS,
	KVM_SEC_LIMIT_RX_PACKETS,
	KVM_SEC_LIMIT_TX_BYTES,
	KVM_SEC_LIMIT_RX_BYTES,
	KVM_SEC_LIMIT_TX_SYN,
	KVM_SEC_LIMIT_RX_SYN,
	KVM_SEC_LIMIT_HYPERCALLS,
	KVM_SEC_LIMIT_PIO,
	KVM_SEC_LIMIT_MMIO,
	KVM_SEC_LIMIT_CPU,

	__KVM_SEC_LIMIT_MAX
};

#define KVM_SEC_LIMIT_MAX (__KVM_SEC_LIMIT_MAX - 1)

/*
 * A token bucket: SIZE tokens, refilled in REFILL_MS (SIZE per REFILL_MS),
 * and a one-time BURST spent first. SIZE 0: no limit (BURST 0 then).
 * Bounds: SIZE and BURST below 2^40, REFILL_MS 1..3600000.
 */
enum kvm_sec_bucket {
	KVM_SEC_BUCKET_UNSPEC,
	KVM_SEC_BUCKET_PAD,
	KVM_SEC_BUCKET_SIZE,		/* u64 */
	KVM_SEC_BUCKET_REFILL_MS,	/* u32 */
	KVM_SEC_BUCKET_BURST,		/* u64: one-time tokens (left) */
	KVM_SEC_BUCKET_TOKENS,		/* u64: left now (not in SET_VM) */
	/* u64: frames dropped, or exits over the limit (not in SET_VM) */
	KVM_SEC_BUCKET_DROPS,
	KVM_SEC_BUCKET_SET_BY,		/* u8: enum kvm_sec_limit_owner (same) */
	KVM_SEC_BUCKET_WAIT_US,		/* u64: exits only: vCPU time waited */

	__KVM_SEC_BUCKET_MAX
};

#define KVM_SEC_BUCKET_MAX (__KVM_SEC_BUCKET_MAX - 1)

/* Who set a limit in force: HSEM's never replace the admin's. */
enum kvm_sec_limit_owner {
	KVM_SEC_LIMIT_OWNER_NONE,
	KVM_SEC_LIMIT_OWNER_ADMIN,
	KVM_SEC_LIMIT_OWNER_HSEM,
};

/* Why a VM's limits changed (KVM_SEC_A_LIMIT_REASON). */
enum kvm_sec_limit_reason {
	KVM_SEC_LIMIT_BY_ADMIN,		/* KVM_SEC_CMD_SET_VM */
	KVM_SEC_LIMIT_BY_LEVEL2,	/* HSEM: the VM went to level 2 */
	KVM_SEC_LIMIT_BY_VERDICT,	/* HSEM: attacker or overflow */
	KVM_SEC_LIMIT_BY_CALM,		/* HSEM's lifted: level 1, no verdict */
	KVM_SEC_LIMIT_BY_AGENT,		/* the agent reported what it applied */
};

/* The cgroup path of an agent's report, its NUL included, at most. */
#define KVM_SEC_AGENT_CGROUP_MAX	256

/*
 * What the agent (vsecd) applied for a VM, as it reported it
 * (KVM_SEC_A_VM_AGENT): the VM's CPU limit as the cpu.max of the cgroup
 * holding its vCPU threads, and HREM's advice as a cpu.weight.
 */
enum kvm_sec_agent {
	KVM_SEC_AGENT_UNSPEC,
	KVM_SEC_AGENT_PAD,
	KVM_SEC_AGENT_CPU_QUOTA_US,	/* u64: cpu.max quota; 0: "max" */
	KVM_SEC_AGENT_CPU_PERIOD_US,	/* u32: cpu.max period, 0..1000000 */
	KVM_SEC_AGENT_WEIGHT,		/* u32: cpu.weight set, 0: untouched */
	KVM_SEC_AGENT_THREADS,		/* u32: vCPU threads in the cgroup */
	KVM_SEC_AGENT_ERROR,		/* u32: errno of its last failure */
	KVM_SEC_AGENT_CGROUP,		/* string: the cgroup, from cgroupfs */
	KVM_SEC_AGENT_AGE_MS,		/* u64: since the report (not SET_VM) */

	__KVM_SEC_AGENT_MAX
};

#define KVM_SEC_AGENT_MAX (__KVM_SEC_AGENT_MAX - 1)

/*
 * A VM's destination-class rule (KVM_SEC_A_VM_BLOCK), enforced in its tap
 * hooks with its limits: an IP packet the VM sends to a peer of a class in
 * TX, or receives from a peer of a class in RX, is dropped. A class is
 * the bit BIT(enum kvm_sec_peer_class) of the mask. A peer is on the link
 * alone, or inside the provider (KVM_SEC_A_PREFIXES) or outside, and also
 * THIS_HOST while a VM of this host (this one included) sends from its
 * address (as learned at the end of the last interval): it is dropped if
 * any of its classes is blocked, and counted in THIS_HOST if that one is,
 * as KVM_SEC_NET_DESTINATIONS and _SOURCES show it. A received packet is
 * classed by the source address it carries, which its sender chose. ARP
 * frames pass; any other frame whose peer cannot be known (not IP, or IP
 * whose header cannot be read) is dropped by any rule, and counted as
 * OUTSIDE if that is blocked. Set by the admin only; lifted with the VM's
 * other limits (vsecctl limit VM off).
 */
enum kvm_sec_block {
	KVM_SEC_BLOCK_UNSPEC,
	KVM_SEC_BLOCK_PAD,
	KVM_SEC_BLOCK_TX,		/* u32: classes, KVM_SEC_BLOCK_CLASSES */
	KVM_SEC_BLOCK_RX,		/* u32: classes */
	KVM_SEC_BLOCK_SET_BY,		/* u8: enum kvm_sec_limit_owner */
	/* nests, enum kvm_sec_block_drops (not in SET_VM) */
	KVM_SEC_BLOCK_TX_DROPS,
	KVM_SEC_BLOCK_RX_DROPS,

	__KVM_SEC_BLOCK_MAX
};

#define KVM_SEC_BLOCK_MAX (__KVM_SEC_BLOCK_MAX - 1)

/* The packets a direction's rule dropped, per class of peer: u64 each. */
enum kvm_sec_block_drops {
	KVM_SEC_BLOCK_DROPS_UNSPEC,
	KVM_SEC_BLOCK_DROPS_PAD,
	/* KVM_SEC_BLOCK_DROPS_OUTSIDE + enum kvm_sec_peer_class */
	KVM_SEC_BLOCK_DROPS_OUTSIDE,
	KVM_SEC_BLOCK_DROPS_INSIDE,
	KVM_SEC_BLOCK_DROPS_THIS_HOST,
	KVM_SEC_BLOCK_DROPS_LINK,

	__KVM_SEC_BLOCK_DROPS_MAX
};

#define KVM_SEC_BLOCK_DROPS_MAX (__KVM_SEC_BLOCK_DROPS_MAX - 1)
/* Every class of enum kvm_sec_peer_class. */
#define KVM_SEC_BLOCK_CLASSES	((1 << KVM_SEC_PEER_CLASS_NR) - 1)

/* How a network device came to be bound to a VM. */
enum kvm_sec_netdev_how {
	KVM_SEC_NETDEV_MANUAL,		/* KVM_SEC_CMD_NETDEV_ADD */
	KVM_SEC_NETDEV_TUN,		/* a tun/tap file of the VMM */
	KVM_SEC_NETDEV_MACVTAP,		/* a macvtap/ipvtap file of the VMM */
};

enum kvm_sec_netdev {
	KVM_SEC_NETDEV_UNSPEC,
	KVM_SEC_NETDEV_PAD,
	KVM_SEC_NETDEV_IFINDEX,		/* u32, in the device's namespace */
	KVM_SEC_NETDEV_IFNAME,		/* string */
	KVM_SEC_NETDEV_HOW,		/* u8: enum kvm_sec_netdev_how */
	KVM_SEC_NETDEV_INIT_NET,	/* flag: in the initial namespace */

	__KVM_SEC_NETDEV_MAX
};

#define KVM_SEC_NETDEV_MAX (__KVM_SEC_NETDEV_MAX - 1)

/*
 * Where an address is: another VM of this host (with its KVM_SEC_PEER_VM),
 * inside the provider (the configured KVM_SEC_A_PREFIXES), on the link
 * (broadcast, multicast, link-local) or outside.
 */
enum kvm_sec_peer_class {
	KVM_SEC_PEER_OUTSIDE,
	KVM_SEC_PEER_INSIDE,
	KVM_SEC_PEER_THIS_HOST,
	KVM_SEC_PEER_LINK,

	KVM_SEC_PEER_CLASS_NR
};

/*
 * A bounded table of peers by packets, as enum kvm_sec_top: up to
 * KVM_SEC_NET_PEERS KVM_SEC_PEERS_ENTRY nests, busiest first, and
 * KVM_SEC_PEERS_OTHER, the packets not attributed to a listed peer (and IP
 * packets only: the entries and OTHER add up to the IP packets of that
 * direction). Same error bounds as enum kvm_sec_top.
 */
enum kvm_sec_peers {
	KVM_SEC_PEERS_UNSPEC,
	KVM_SEC_PEERS_PAD,
	KVM_SEC_PEERS_ENTRY,		/* nest, enum kvm_sec_peer */
	KVM_SEC_PEERS_OTHER,		/* u64 */

	__KVM_SEC_PEERS_MAX
};

#define KVM_SEC_PEERS_MAX (__KVM_SEC_PEERS_MAX - 1)

enum kvm_sec_peer {
	KVM_SEC_PEER_UNSPEC,
	KVM_SEC_PEER_PAD,
	KVM_SEC_PEER_ADDR,		/* binary: 4 or 16 bytes */
	KVM_SEC_PEER_PACKETS,		/* u64 */
	KVM_SEC_PEER_ERROR,		/* u64: PACKETS - ERROR <= true count */
	KVM_SEC_PEER_CLASS,		/* u8: enum kvm_sec_peer_class */
	KVM_SEC_PEER_VM,		/* u32: the VM ID, for THIS_HOST */

	__KVM_SEC_PEER_MAX
};

#define KVM_SEC_PEER_MAX (__KVM_SEC_PEER_MAX - 1)

/*
 * HSEM and HREM (Documentation/kvm-sec/decisions.rst). Host-observed
 * features, each a value per interval: exits by class per second, the
 * tap's counters per second (TX less the RSTs and unreachables that
 * answer what the VM received), distinct peers per interval, the CPU time of
 * the VM's vCPU threads and of its vhost workers (permille of one CPU) and
 * the growth of the VMM's resident memory (KiB per second).
 */
enum kvm_sec_feature {
	KVM_SEC_F_EXITS,
	KVM_SEC_F_HYPERCALLS,
	KVM_SEC_F_PIO,			/* port I/O exits, in and out */
	KVM_SEC_F_MMIO,			/* MMIO exits, read and write */
	KVM_SEC_F_MSR,			/* MSR exits, read and write */
	KVM_SEC_F_HALTS,
	KVM_SEC_F_TX_PACKETS,
	KVM_SEC_F_TX_BYTES,
	KVM_SEC_F_RX_PACKETS,
	KVM_SEC_F_RX_BYTES,
	KVM_SEC_F_SYN_UNANSWERED,	/* SYNs sent less SYN-ACKs received */
	KVM_SEC_F_RST_RX,
	KVM_SEC_F_UNREACH_RX,
	KVM_SEC_F_DESTINATIONS,		/* distinct, per interval */
	KVM_SEC_F_SOURCES,		/* distinct, per interval */
	KVM_SEC_F_CPU,			/* vCPU threads, permille of a CPU */
	KVM_SEC_F_MEMORY,		/* VMM resident set growth, KiB/s */
	KVM_SEC_F_VHOST_CPU,		/* vhost workers, permille of a CPU */

	KVM_SEC_F_COUNT
};

enum kvm_sec_verdict {
	KVM_SEC_VERDICT_NONE,		/* level 1, or not decided yet */
	KVM_SEC_VERDICT_ATTACKER,
	KVM_SEC_VERDICT_VICTIM,
	KVM_SEC_VERDICT_OVERFLOW,	/* HREM: demand far above, near capacity */
	KVM_SEC_VERDICT_CLEAR,		/* neither: back to level 1 when calm */
};

/* Why a VM is at its level. */
enum kvm_sec_level_reason {
	KVM_SEC_LEVEL_CALM,		/* level 1: nothing out of line */
	KVM_SEC_LEVEL_ANOMALY,		/* a host-observed feature */
	KVM_SEC_LEVEL_GUEST,		/* the guest driver went to level 2 */
	KVM_SEC_LEVEL_ADMIN,		/* commanded (KVM_SEC_CMD_SET_VM) */
	KVM_SEC_LEVEL_PEER,		/* named by another VM's verdict */
};

enum kvm_sec_decision {
	KVM_SEC_DECISION_UNSPEC,
	KVM_SEC_DECISION_PAD,
	KVM_SEC_DECISION_LEVEL,		/* u8: 1 or 2 */
	KVM_SEC_DECISION_LEVEL_REASON,	/* u8: enum kvm_sec_level_reason */
	KVM_SEC_DECISION_VERDICT,	/* u8: enum kvm_sec_verdict */
	KVM_SEC_DECISION_PEER_VM,	/* u32: the other VM of the verdict */
	/* u32: intervals at level 2, and calm ones in a row */
	KVM_SEC_DECISION_AT_LEVEL2,
	KVM_SEC_DECISION_CALM,
	KVM_SEC_DECISION_INTERVALS,	/* u64: intervals judged */
	/* nest of KVM_SEC_DECISION_REASON nests (enum kvm_sec_reason) */
	KVM_SEC_DECISION_REASONS,
	KVM_SEC_DECISION_REASON,
	/* nest of KVM_SEC_FEATURE nests (enum kvm_sec_feature_attr) */
	KVM_SEC_DECISION_FEATURES,
	KVM_SEC_DECISION_FEATURE,
	KVM_SEC_DECISION_RULE,		/* nest, enum kvm_sec_rule: in force */
	/*
	 * u8: 1 while HREM finds the VM near its capacity (its vCPU threads
	 * busy 90 % of the time, by the host's clock, in M of the last N
	 * intervals) and clean (a learned history, level 1 and no verdict, or
	 * verdict clear); 0 again after N intervals below, or on a verdict.
	 */
	KVM_SEC_DECISION_NEAR_CAPACITY,

	__KVM_SEC_DECISION_MAX
};

#define KVM_SEC_DECISION_MAX (__KVM_SEC_DECISION_MAX - 1)

/* One reason of a level or verdict: a feature out of line. */
enum kvm_sec_reason {
	KVM_SEC_REASON_UNSPEC,
	KVM_SEC_REASON_PAD,
	KVM_SEC_REASON_FEATURE,		/* u8: enum kvm_sec_feature */
	KVM_SEC_REASON_VALUE,		/* u64: its value that interval */
	KVM_SEC_REASON_MEAN,		/* u64: its history's mean */
	KVM_SEC_REASON_SPREAD,		/* u64: its history's spread */
	KVM_SEC_REASON_LIMIT,		/* u64: the value it was above */

	__KVM_SEC_REASON_MAX
};

#define KVM_SEC_REASON_MAX (__KVM_SEC_REASON_MAX - 1)

enum kvm_sec_feature_attr {
	KVM_SEC_FEATURE_UNSPEC,
	KVM_SEC_FEATURE_PAD,
	KVM_SEC_FEATURE_ID,		/* u8: enum kvm_sec_feature */
	KVM_SEC_FEATURE_VALUE,		/* u64: last interval */
	KVM_SEC_FEATURE_MEAN,		/* u64 */
	KVM_SEC_FEATURE_SPREAD,		/* u64 */
	KVM_SEC_FEATURE_LIMIT,		/* u64: out of line above this */
	KVM_SEC_FEATURE_LEARNED,	/* u32: calm intervals learned */
	KVM_SEC_FEATURE_WINDOW,		/* u32: bit i: out of line i ago */
	KVM_SEC_FEATURE_ANOMALOUS,	/* flag: M of the last N */

	__KVM_SEC_FEATURE_MAX
};

#define KVM_SEC_FEATURE_MAX (__KVM_SEC_FEATURE_MAX - 1)

/*
 * The anomaly rule: a feature is out of line above mean + K spreads, and
 * anomalous when out of line in M of the last N intervals; warm-up, the
 * intervals before the history counts; DECIDE, the intervals at level 2
 * before a VM with no evidence is cleared; CALM, the calm intervals in a
 * row that end level 2.
 */
enum kvm_sec_rule {
	KVM_SEC_RULE_UNSPEC,
	KVM_SEC_RULE_PAD,
	KVM_SEC_RULE_K_TENTHS,		/* u32: 1..1000 */
	KVM_SEC_RULE_M,			/* u8: 1..N */
	KVM_SEC_RULE_N,			/* u8: 1..32 */
	KVM_SEC_RULE_WARM,		/* u32: 0..100000 intervals */
	KVM_SEC_RULE_DECIDE,		/* u32: 1..3600 intervals */
	KVM_SEC_RULE_CALM,		/* u32: 1..3600 intervals */
	/*
	 * u32: while HSEM watches a VM, what it sends is limited to this
	 * percentage of the rule's limit for it (mean + K spreads): at level
	 * 2 (LIMIT_LEVEL2_PCT), and judged attacker or overflow
	 * (LIMIT_ATTACK_PCT). 0..100000; 0 in the global rule: no limit.
	 */
	KVM_SEC_RULE_LIMIT_LEVEL2_PCT,
	KVM_SEC_RULE_LIMIT_ATTACK_PCT,

	__KVM_SEC_RULE_MAX
};

#define KVM_SEC_RULE_MAX (__KVM_SEC_RULE_MAX - 1)

/*
 * A VM's security state (GET_STATE, SET_STATE). Everything is required
 * but REASONS, HISTORY, RULE, LIMITS and BLOCK; the history holds each
 * feature at most once (one it does not hold starts afresh). Fixed-point
 * values are as the module keeps them (mean and spread x
 * 2^KVM_SEC_STATE_SHIFT).
 */
#define KVM_SEC_STATE_VERSION_1	1
#define KVM_SEC_STATE_SHIFT	4

enum kvm_sec_state {
	KVM_SEC_STATE_UNSPEC,
	KVM_SEC_STATE_PAD,
	KVM_SEC_STATE_VERSION,		/* u32: KVM_SEC_STATE_VERSION_1 */
	/* u32: the sampling interval its counts per interval were learned at */
	KVM_SEC_STATE_INTERVAL_MS,
	KVM_SEC_STATE_INTERVALS,	/* u64: intervals judged */
	KVM_SEC_STATE_LEVEL,		/* u8: 1 or 2 */
	KVM_SEC_STATE_LEVEL_REASON,	/* u8: enum kvm_sec_level_reason */
	KVM_SEC_STATE_VERDICT,		/* u8: enum kvm_sec_verdict */
	KVM_SEC_STATE_ADMIN_LEVEL,	/* u8: 0 (HSEM decides), 1 or 2 */
	KVM_SEC_STATE_AT_LEVEL2,	/* u32: intervals at level 2 */
	KVM_SEC_STATE_CALM,		/* u32: calm intervals in a row */
	/* u64: the interval a victim last named it; it last named its own */
	KVM_SEC_STATE_NAMED_AT,
	KVM_SEC_STATE_PEER_AT,
	KVM_SEC_STATE_NEAR_WIN,		/* u32: HREM, near capacity (bit 0 last) */
	KVM_SEC_STATE_FLAGS,		/* u32: enum kvm_sec_state_flag bits */
	/* nest of KVM_SEC_DECISION_REASON nests, as in GET_DECISION */
	KVM_SEC_STATE_REASONS,
	/* nest of KVM_SEC_STATE_FEATURE nests (enum kvm_sec_state_feature) */
	KVM_SEC_STATE_HISTORY,
	KVM_SEC_STATE_FEATURE,
	/* nest, enum kvm_sec_rule: the VM's own fields (as SET_VM) */
	KVM_SEC_STATE_RULE,
	/* nest, enum kvm_sec_limit: the admin's limits in force (as SET_VM) */
	KVM_SEC_STATE_LIMITS,
	/* nest, enum kvm_sec_block: the admin's rule in force (TX, RX) */
	KVM_SEC_STATE_BLOCK,

	__KVM_SEC_STATE_MAX
};

#define KVM_SEC_STATE_MAX (__KVM_SEC_STATE_MAX - 1)

enum kvm_sec_state_flag {
	KVM_SEC_STATE_F_NEAR_CAPACITY,	/* HREM's finding */
	KVM_SEC_STATE_F_CPU_JUDGED,	/* its verdict was for its CPU too */
	KVM_SEC_STATE_F_HELD_CLEAR,	/* cleared with no demand of its own */

	KVM_SEC_STATE_F_COUNT
};

/* One feature's history. */
enum kvm_sec_state_feature {
	KVM_SEC_STATE_FEATURE_UNSPEC,
	KVM_SEC_STATE_FEATURE_PAD,
	KVM_SEC_STATE_FEATURE_ID,	/* u8: enum kvm_sec_feature */
	KVM_SEC_STATE_FEATURE_MEAN,	/* u64: fixed point */
	KVM_SEC_STATE_FEATURE_SPREAD,	/* u64: fixed point */
	KVM_SEC_STATE_FEATURE_LEARNED,	/* u32: intervals learned from */
	KVM_SEC_STATE_FEATURE_WINDOW,	/* u32: bit i: out of line i ago */
	KVM_SEC_STATE_FEATURE_VALUE,	/* u64: last interval */
	KVM_SEC_STATE_FEATURE_LIMIT,	/* u64: what it was compared with */

	__KVM_SEC_STATE_FEATURE_MAX
};

#define KVM_SEC_STATE_FEATURE_MAX (__KVM_SEC_STATE_FEATURE_MAX - 1)

#endif /* _UAPI_LINUX_KVM_SEC_H */
