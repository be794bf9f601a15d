/* SPDX-License-Identifier: GPL-2.0 */
/* What vsecctl knows of the module's state, decoded from netlink. */
#ifndef VSEC_H
#define VSEC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm_sec.h>
#include <linux/virtio_vsem.h>

#define VSEC_NR_CTR (KVM_SEC_CTR_MAX - KVM_SEC_CTR_EXITS + 1)

struct vsec_top {
	bool present;
	unsigned int nr;
	struct {
		uint64_t key;
		uint64_t count;
		uint64_t err;	/* count - err <= the true count */
	} e[KVM_SEC_TOP_ENTRIES];
	uint64_t other;
};

#define VSEC_NR_FEAT VIRTIO_VSEM_NR_FEATURES

struct vsec_flow {
	uint8_t family;
	bool outside;
	uint8_t addr[16];
	uint64_t packets;
	uint64_t bytes;
	uint32_t pid;
	char comm[17];
};

/* What the VM's guest driver reported (KVM_SEC_A_VM_GUEST). */
struct vsec_guest {
	bool present;
	uint64_t reports, rejected, throttled, inconsistent;
	uint64_t seq, switches;
	uint64_t epoch, epochs;
	bool has_age;
	uint64_t age_ms;
	uint8_t level, level_cmd, switch_reason;
	uint32_t anomalies, interval_ms, history_seq;
	uint32_t near_capacity, intervals;
	uint32_t interval_cmd;
	uint32_t report_flags;		/* VIRTIO_VSEM_RF_* of the last report */
	bool has_loss;			/* KVM_SEC_GUEST_LOSS: what it could not */
	uint64_t loss_unstored_packets, loss_hv_unstored, loss_flows_trimmed;
	uint64_t loss_reports_dropped;
	bool loss_estimated;
	uint64_t last[VSEC_NR_FEAT], total[VSEC_NR_FEAT];
	uint64_t mean[VSEC_NR_FEAT], spread[VSEC_NR_FEAT];
	uint32_t flows_reported;	/* in the last report (GET_VM) */
	/* The guest's packet counts against its taps' (host truth). */
	uint64_t tampered;
	uint64_t claimed_tx, seen_tx, claimed_rx, seen_rx;
	/* Fetched apart (vsec_ipc_get_flows), with the report they are of. */
	bool has_flows;
	uint64_t flows_seq;
	unsigned int nr_flows;
	struct vsec_flow flows[VIRTIO_VSEM_MAX_FLOWS];
};

#define VSEC_NR_NET_CTR (KVM_SEC_NET_CTR_MAX - KVM_SEC_NET_CTR_TX_PACKETS + 1)

struct vsec_peers {
	unsigned int nr;
	struct {
		uint8_t family;		/* 4 or 6 */
		uint8_t class;		/* enum kvm_sec_peer_class */
		uint8_t addr[16];
		uint64_t packets, err;
		uint32_t vm;		/* THIS_HOST: the VM's ID */
	} e[KVM_SEC_NET_PEERS];
	uint64_t other;
};

/* What the host saw on the VM's tap devices (KVM_SEC_A_VM_NET). */
struct vsec_net {
	bool present;
	uint64_t ctr[VSEC_NR_NET_CTR];	/* KVM_SEC_NET_CTR_x - TX_PACKETS */
	uint64_t rate[VSEC_NR_NET_CTR];
	uint64_t distinct_dst, distinct_src;
	unsigned int nr_devs;
	struct {
		char name[16];
		uint32_t ifindex;
		uint8_t how;		/* enum kvm_sec_netdev_how */
		bool init_net;
	} dev[KVM_SEC_NET_MAX_DEVICES];
	unsigned int nr_addrs;
	struct {
		uint8_t len;		/* 6, 4 or 16 */
		uint8_t addr[16];
	} addr[3 * KVM_SEC_NET_MAX_ADDRS];
	struct vsec_peers dst, src;
};

#define VSEC_NR_HFEAT KVM_SEC_F_COUNT
#define VSEC_MAX_REASONS 8

/* The anomaly rule (enum kvm_sec_rule); in a VM's own, 0 is "global". */
struct vsec_rule {
	bool present;
	unsigned int given;	/* to send: bit (1 << KVM_SEC_RULE_x) */
	uint32_t k_tenths, warm, decide, calm;
	uint8_t m, n;
	bool has_limits;	/* a module that limits while watching */
	uint32_t limit_level2_pct, limit_attack_pct;
};

/* What HSEM and HREM made of a VM (KVM_SEC_A_DECISION). */
struct vsec_decision {
	bool present;
	uint8_t level, level_reason, verdict;
	bool near_capacity;		/* HREM: near it, and clean */
	uint32_t peer_vm, at_level2, calm;
	uint64_t intervals;
	unsigned int nr_reasons;
	struct {
		uint8_t feature;
		uint64_t value, mean, spread, limit;
	} reason[VSEC_MAX_REASONS];
	bool has_features;
	struct {
		bool present;
		uint64_t value, mean, spread, limit;
		uint32_t learned, window;
		bool anomalous;
	} f[VSEC_NR_HFEAT];
	struct vsec_rule rule;
};

#define VSEC_NR_LIMIT KVM_SEC_LIMIT_MAX

/* The first exit limit (enum kvm_sec_limit - 1): drops are exits paced. */
#define VSEC_FIRST_EXIT_LIMIT (KVM_SEC_LIMIT_HYPERCALLS - 1)

/* The CPU limit, applied by the agent (enum kvm_sec_limit - 1). */
#define VSEC_CPU_LIMIT (KVM_SEC_LIMIT_CPU - 1)

/* What the agent reported it applied (KVM_SEC_A_VM_AGENT). */
struct vsec_agent {
	bool present;
	uint64_t cpu_quota_us;		/* 0: "max" */
	uint64_t age_ms;
	uint32_t cpu_period_us, weight, threads, error;
	char cgroup[KVM_SEC_AGENT_CGROUP_MAX];
};

/* A VM's limits (KVM_SEC_A_VM_LIMITS), by enum kvm_sec_limit - 1. */
struct vsec_limits {
	bool present;
	struct vsec_limit {
		bool present;		/* in force, or it dropped or paced */
		bool given;		/* to send */
		uint64_t size, burst, tokens, drops, wait_us;
		uint32_t refill_ms;
		uint8_t set_by;		/* enum kvm_sec_limit_owner */
	} l[VSEC_NR_LIMIT];
	int reason;			/* LIMIT events: kvm_sec_limit_reason */
	/* With them (GET_LIMITS, LIMIT events), for the agent. */
	uint32_t pid;
	bool has_near_capacity, near_capacity;
	uint32_t nr_tids;
	uint32_t tids[KVM_SEC_VCPU_TIDS_MAX];
	struct vsec_agent agent;
	/* The destination-class rule (KVM_SEC_A_VM_BLOCK), [0] TX, [1] RX. */
	struct vsec_block {
		bool present;		/* set once, or it dropped */
		bool given[2];		/* to send */
		uint32_t classes[2];	/* BIT(enum kvm_sec_peer_class) */
		uint8_t set_by;
		uint64_t drops[2][KVM_SEC_PEER_CLASS_NR];
	} block;
};

/* One VM's limits message (GET_LIMITS dump). */
struct vsec_vm_limits {
	uint32_t id;
	struct vsec_limits l;
};

/*
 * A VM's security state as the module gave it (GET_STATE): the key that
 * finds the VM after a reload (its VMM's PID and start time) and the
 * KVM_SEC_A_VM_STATE nest's payload, which only the module reads.
 */
struct vsec_state {
	uint32_t id;
	uint32_t pid;
	uint64_t start_ns;
	char comm[16];
	uint32_t len;
	unsigned char *data;
};

struct vsec_vm {
	uint32_t id;
	uint32_t pid;
	char comm[32];
	uint32_t vcpus;
	uint64_t created_ns;
	bool discovered;
	uint8_t origin;		/* enum kvm_sec_origin */
	uint32_t interval_ms;
	bool has_vcpus, has_interval, has_ctr, has_rate;
	uint64_t ctr[VSEC_NR_CTR];	/* index: KVM_SEC_CTR_x - KVM_SEC_CTR_EXITS */
	uint64_t rate[VSEC_NR_CTR];
	struct vsec_top hypercalls;
	struct vsec_top ports;
	struct vsec_top mmio_pages;
	struct vsec_guest guest;
	struct vsec_net net;
	bool has_level;
	uint8_t level, verdict;		/* HSEM's */
	bool has_near_capacity;
	bool near_capacity;		/* HREM's: near it, and clean */
	/* Fetched apart (vsec_ipc_get_decision, vsec_ipc_get_limits). */
	struct vsec_decision decision;
	struct vsec_limits limits;
};

struct vsec_config {
	uint32_t interval_ms;
	unsigned int nr_prefixes;
	struct virtio_vsem_prefix prefixes[KVM_SEC_MAX_PREFIXES];
	struct vsec_rule rule;
	bool migration_keyed;
};

struct vsec_status {
	uint32_t vms;
	uint32_t probes;
	uint64_t vms_seen;
	uint64_t vms_gone;
	uint64_t untracked_exits;
	uint64_t alloc_failures;
	uint64_t events_dropped;
	uint64_t rescans;
	uint64_t probe_misses;
	uint64_t adopted;
	uint64_t refused;
	uint32_t max_vms;
	uint64_t late_releases;
	uint32_t netdevs;
	uint64_t netdev_scans, netdev_refused, netdev_unresolved;
	uint64_t migrations_out, migrations_unkeyed;
	uint64_t migrations_in, migrations_refused;
};

struct vsec_event {
	uint8_t cmd;		/* KVM_SEC_CMD_VM_NEW, _VM_DEL, _LEVEL, _VERDICT,
				 * _CAPACITY, _LIMIT */
	struct vsec_vm vm;	/* LEVEL, VERDICT, CAPACITY: vm.id, vm.decision;
				 * LIMIT: vm.id, vm.limits */
};

/* Names of the counters, as used in JSON keys and tables. */
extern const char *const vsec_ctr_key[VSEC_NR_CTR];
extern const char *const vsec_ctr_label[VSEC_NR_CTR];
/* Names of the guest's features (enum virtio_vsem_feature). */
extern const char *const vsec_feat_key[VSEC_NR_FEAT];
extern const char *const vsec_level_name[3];
extern const char *const vsec_switch_name[4];
extern const char *const vsec_origin_name[3];
/* Network counters, how a device was bound, where a peer is. */
extern const char *const vsec_net_ctr_key[VSEC_NR_NET_CTR];
extern const char *const vsec_netdev_how_name[3];
extern const char *const vsec_peer_class_name[KVM_SEC_PEER_CLASS_NR];
/* HSEM: host features, verdicts, why a VM is at its level. */
extern const char *const vsec_hfeat_key[VSEC_NR_HFEAT];
extern const char *const vsec_verdict_name[5];
extern const char *const vsec_level_reason_name[5];
/* Network limits (enum kvm_sec_limit - 1), why they changed. */
extern const char *const vsec_limit_key[VSEC_NR_LIMIT];
extern const char *const vsec_limit_reason_name[5];
extern const char *const vsec_limit_owner_name[3];

#endif /* VSEC_H */
