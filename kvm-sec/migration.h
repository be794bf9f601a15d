/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's state sealed for live migration (migration.c). */
#ifndef KSEC_MIGRATION_H
#define KSEC_MIGRATION_H

#include <linux/types.h>
#include <net/netlink.h>

#include "vm.h"

/*
 * The sealed state: this header, the KVM_SEC_A_VM_STATE attribute as
 * GET_STATE puts it (padded), then HMAC-SHA256 of both under the
 * provider's migration key. Host byte order, like netlink.
 */
struct ksec_seal_hdr {
	__u32 magic;			/* KSEC_SEAL_MAGIC */
	__u16 version;			/* KSEC_SEAL_VERSION */
	__u16 reserved;			/* 0 */
	__u32 len;			/* of the attribute, padded */
	__u32 reserved2;		/* 0 */
	__u64 sealed_ns;		/* CLOCK_REALTIME on the source */
};

#define KSEC_SEAL_MAGIC		0x4b534d53	/* "KSMS" */
#define KSEC_SEAL_VERSION	1
#define KSEC_SEAL_MAC_LEN	32
/*
 * A state is taken within this long of its sealing (source and destination
 * clocks within KSEC_SEAL_SKEW of each other, as NTP keeps them): the
 * device state of a migration is saved and loaded within its downtime.
 */
#define KSEC_SEAL_MAX_AGE	(60ULL * NSEC_PER_SEC)
#define KSEC_SEAL_SKEW		(10ULL * NSEC_PER_SEC)

struct crypto_shash;

/*
 * A new migration key in two steps, so that SET_CONFIG applies all or
 * nothing: prepare (@len > 0: the key; 0: no key) may fail and changes
 * nothing; commit (with what prepare gave) cannot fail; abort drops it.
 */
int ksec_migration_key_prepare(const void *key, unsigned int len,
			       struct crypto_shash **tfm);
void ksec_migration_key_commit(struct crypto_shash *tfm);
void ksec_migration_key_abort(struct crypto_shash *tfm);
bool ksec_migration_keyed(void);
/* Free the key (module unload). */
void ksec_migration_exit(void);

/* KVM_SEC_A_MIGRATION_STATE of @vm into @skb, or -ENOKEY (counted). */
int ksec_migration_save(struct sk_buff *skb, struct ksec_vm *vm,
			struct netlink_ext_ack *extack);
/* The biggest KVM_SEC_A_MIGRATION_STATE ksec_migration_save() puts. */
size_t ksec_migration_size(void);
/* Check @attr (KVM_SEC_A_MIGRATION_STATE) and give @vm its state. */
int ksec_migration_load(struct ksec_vm *vm, const struct nlattr *attr,
			struct netlink_ext_ack *extack);

#endif
