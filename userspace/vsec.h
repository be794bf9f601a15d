/* SPDX-License-Identifier: GPL-2.0 */
/* What vsecctl knows of the module's state, decoded from netlink. */
#ifndef VSEC_H
#define VSEC_H

#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm_sec.h>

#define VSEC_NR_CTR (KVM_SEC_CTR_MAX - KVM_SEC_CTR_EXITS + 1)

struct vsec_top {
	bool present;
	unsigned int nr;
	struct {
		uint64_t key;
		uint64_t count;
	} e[KVM_SEC_TOP_ENTRIES];
	uint64_t other;
};

struct vsec_vm {
	uint32_t id;
	uint32_t pid;
	char comm[32];
	uint32_t vcpus;
	uint64_t created_ns;
	bool discovered;
	uint32_t interval_ms;
	bool has_vcpus, has_interval, has_ctr, has_rate;
	uint64_t ctr[VSEC_NR_CTR];	/* index: KVM_SEC_CTR_x - KVM_SEC_CTR_EXITS */
	uint64_t rate[VSEC_NR_CTR];
	struct vsec_top hypercalls;
	struct vsec_top ports;
	struct vsec_top mmio_pages;
};

struct vsec_config {
	uint32_t interval_ms;
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
};

struct vsec_event {
	uint8_t cmd;		/* KVM_SEC_CMD_VM_NEW or KVM_SEC_CMD_VM_DEL */
	struct vsec_vm vm;
};

/* Names of the counters, as used in JSON keys and tables. */
extern const char *const vsec_ctr_key[VSEC_NR_CTR];
extern const char *const vsec_ctr_label[VSEC_NR_CTR];

#endif /* VSEC_H */
