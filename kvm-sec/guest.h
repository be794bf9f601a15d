/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What a VM's guest driver reports through its VMM (virtio-vsem), and the
 * history the module keeps of it (HSEM's side of VSEM/VREM).
 */
#ifndef KSEC_GUEST_H
#define KSEC_GUEST_H

#include <linux/types.h>
#include <linux/virtio_vsem.h>

struct ksec_vm;

struct ksec_guest_flow {
	u8 family;
	u8 outside;
	u32 pid;
	u8 addr[16];
	u64 packets;
	u64 bytes;
	char comm[16];
};

/* A copy for netlink replies. */
struct ksec_guest_view {
	u64 reports, rejected, throttled, inconsistent;
	u64 seq, last_ns, switches;
	u64 epoch, epochs;		/* device epoch, new epochs seen */
	u8 level, level_cmd, switch_reason;
	u32 interval_cmd;
	u32 anomalies, interval_ms, history_seq;
	u32 near_capacity, intervals;
	u32 flags;			/* VIRTIO_VSEM_RF_* of the last report */
	/* What the guest says it could not report (LOSS entries). */
	u64 loss_unstored_packets, loss_hv_unstored, loss_flows_trimmed;
	u64 loss_reports_dropped;	/* the last report's: since it started */
	bool loss_estimated;		/* destinations estimated, last report */
	/* The guest's packet counts against its taps' (KVM_SEC_GUEST_NET_*) */
	u64 tampered;
	u64 claimed_tx, seen_tx, claimed_rx, seen_rx;
	u64 last[VIRTIO_VSEM_NR_FEATURES];
	u64 total[VIRTIO_VSEM_NR_FEATURES];
	u64 mean[VIRTIO_VSEM_NR_FEATURES];
	u64 spread[VIRTIO_VSEM_NR_FEATURES];
	u32 nr_flows;
	struct ksec_guest_flow flows[VIRTIO_VSEM_MAX_FLOWS];
};

/* The flows of the guest's last level-2 report (GET_FLOWS). */
struct ksec_guest_flows {
	u64 seq;			/* of that report */
	u64 generation;			/* reports accepted until then */
	u32 nr;
	struct ksec_guest_flow flows[VIRTIO_VSEM_MAX_FLOWS];
};

/* What goes back to the device with the reply to a report. */
struct ksec_guest_control {
	u8 level_cmd;
	u32 interval_cmd;
	u32 history_seq;
	struct virtio_vsem_feature_stat history[VIRTIO_VSEM_NR_FEATURES];
};

/* The provider's prefixes: KVM_SEC_A_PREFIXES, checked, then set. */
int ksec_guest_check_prefixes(const void *buf, size_t len, const char **why);
void ksec_guest_set_prefixes(const void *buf, size_t len);
unsigned int ksec_guest_get_prefixes(struct virtio_vsem_prefix *out);

/*
 * Validate and account one report for @vm, of device epoch *@epoch (NULL:
 * the VMM sent none, the epoch does not change). Returns 0, -EINVAL
 * (malformed) or -EBUSY (over the rate); fills @ctl on success.
 */
int ksec_guest_report(struct ksec_vm *vm, const void *buf, size_t len,
		      const u64 *epoch, struct ksec_guest_control *ctl,
		      const char **why);
/* What the host commands; a negative value leaves that setting alone. */
int ksec_guest_command(struct ksec_vm *vm, int level, s64 interval_ms);
/*
 * What HSEM takes from the guest's last report, if it is recent: the
 * driver went to level 2 of its own accord; it says it is near capacity.
 */
void ksec_guest_hsem_inputs(struct ksec_vm *vm, bool *level2, bool *near);
/* HSEM's level for the guest: 2 commands level 2 unless the admin did. */
void ksec_guest_hsem_level(struct ksec_vm *vm, u8 level);
/*
 * HSEM judges the VM harmless (cleared, or held at level 1 by the admin)
 * and its last interval was calm: the guest's history learns its reports
 * whatever their level, until HSEM says otherwise.
 */
void ksec_guest_hsem_clear(struct ksec_vm *vm, bool clear);
/* false if the VM's guest never reported and no level was commanded. */
bool ksec_guest_fill_view(struct ksec_vm *vm, struct ksec_guest_view *v);
void ksec_guest_get_flows(struct ksec_vm *vm, struct ksec_guest_flows *f);
void ksec_guest_free(struct ksec_vm *vm);

#endif /* KSEC_GUEST_H */
