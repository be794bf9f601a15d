/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where a peer is (enum kvm_sec_peer_class), from its address as a 128-bit
 * key (IPv6, or IPv4 mapped as ::ffff:a.b.c.d): on the link, another VM of
 * this host (an address one of them sends from, in a sorted array), inside
 * the provider (its prefixes, as keys and masks) or outside. Pure
 * functions, no locking: net.c builds and publishes the map and looks
 * peers up in it; shared with the userspace unit tests
 * (userspace/tests/test_peer_class.c).
 */
#ifndef KSEC_PEER_CLASS_H
#define KSEC_PEER_CLASS_H

#ifdef __KERNEL__
#include <linux/bitops.h>
#include <linux/string.h>
#include <linux/types.h>
#include <asm/unaligned.h>
#else
#include "peer_class_user.h"
#endif
#include <linux/kvm_sec.h>
#include <linux/virtio_vsem.h>

/* One of this host's addresses, and the busiest VM that sends from it. */
struct ksec_dest_addr {
	u64 hi, lo;
	u64 packets;
	u32 vm_id;
};

/*
 * A prefix of the provider, as a key and a mask. An IPv4 prefix's mask
 * covers the mapping's 96 bits, so it holds IPv4 keys only; an IPv6 one
 * (@v6) never holds an IPv4 key, though ::/0 to ::ffff:0:0/96 cover them.
 */
struct ksec_dest_prefix {
	u64 hi, lo, mask_hi, mask_lo;
	bool v6;
};

static inline bool ksec_key_is_v4(u64 hi, u64 lo)
{
	return !hi && lo >> 32 == 0xffff;
}

/* Broadcast, multicast, link-local or unspecified: not a host's own. */
static inline bool ksec_key_is_link(u64 hi, u64 lo)
{
	if (ksec_key_is_v4(hi, lo)) {
		u32 a = lo;

		return a == 0xffffffff || (a >> 28) == 0xe ||
		       (a >> 16) == 0xa9fe || (a >> 24) == 0;
	}
	return (hi >> 56) == 0xff || (hi >> 54) == (0xfe80ULL >> 6) ||
	       (!hi && !lo);
}

/* A prefix (validated: family 4 or 6, length within it) as key and mask. */
static inline void ksec_dest_prefix(struct ksec_dest_prefix *d,
				    const struct virtio_vsem_prefix *p)
{
	unsigned int bits = p->prefix_len, i;
	u8 addr[16] = { }, mask[16];

	if (p->family == 4) {
		addr[10] = 0xff;
		addr[11] = 0xff;
		memcpy(addr + 12, p->addr, 4);
		bits += 96;
	} else {
		memcpy(addr, p->addr, 16);
	}
	d->v6 = p->family != 4;
	for (i = 0; i < 16; i++)
		mask[i] = bits >= 8 * (i + 1) ? 0xff :
			  bits > 8 * i ? (u8)(0xff << (8 * (i + 1) - bits)) : 0;
	d->mask_hi = get_unaligned_be64(mask);
	d->mask_lo = get_unaligned_be64(mask + 8);
	d->hi = get_unaligned_be64(addr) & d->mask_hi;
	d->lo = get_unaligned_be64(addr + 8) & d->mask_lo;
}

/* For sort(): by address, the busiest owner first. */
static inline int ksec_dest_cmp(const void *x, const void *y)
{
	const struct ksec_dest_addr *a = x, *b = y;

	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	if (a->packets != b->packets)
		return a->packets > b->packets ? -1 : 1;
	return 0;
}

/* Sorted by ksec_dest_cmp(): one entry per address, its busiest owner's. */
static inline unsigned int ksec_dest_dedupe(struct ksec_dest_addr *a,
					    unsigned int nr)
{
	unsigned int n = 0, i;

	for (i = 0; i < nr; i++)
		if (!n || a[i].hi != a[n - 1].hi || a[i].lo != a[n - 1].lo)
			a[n++] = a[i];
	return n;
}

/*
 * Every class the peer @hi:@lo is in, as bits BIT(enum kvm_sec_peer_class),
 * among @nr sorted, deduplicated addresses of this host and @nr_pfx
 * prefixes: LINK alone; else INSIDE or OUTSIDE by the prefixes, and
 * THIS_HOST too if a VM of this host sends from it (that VM in @vm_id, 0
 * otherwise). A guest that sends from an address can add THIS_HOST to its
 * classes, never take away the others: so a destination-class rule, which
 * drops a packet if any class of its peer is blocked, cannot be bypassed
 * by spoofing.
 */
static inline unsigned int ksec_peer_classes(const struct ksec_dest_addr *addr,
					     unsigned int nr,
					     const struct ksec_dest_prefix *pfx,
					     unsigned int nr_pfx, u64 hi, u64 lo,
					     u32 *vm_id)
{
	unsigned int first = 0, end = nr, i, classes = BIT(KVM_SEC_PEER_OUTSIDE);

	*vm_id = 0;
	if (ksec_key_is_link(hi, lo))
		return BIT(KVM_SEC_PEER_LINK);
	for (i = 0; i < nr_pfx; i++)
		if (!((hi & pfx[i].mask_hi) ^ pfx[i].hi) &&
		    !((lo & pfx[i].mask_lo) ^ pfx[i].lo) &&
		    !(pfx[i].v6 && ksec_key_is_v4(hi, lo))) {
			classes = BIT(KVM_SEC_PEER_INSIDE);
			break;
		}
	while (first < end) {
		const struct ksec_dest_addr *d;

		i = first + (end - first) / 2;
		d = &addr[i];
		if (d->hi == hi && d->lo == lo) {
			*vm_id = d->vm_id;
			return classes | BIT(KVM_SEC_PEER_THIS_HOST);
		}
		if (d->hi < hi || (d->hi == hi && d->lo < lo))
			first = i + 1;
		else
			end = i;
	}
	return classes;
}

/* The class a peer is shown in, of its @classes: this host first. */
static inline u8 ksec_peer_class_of(unsigned int classes)
{
	if (classes & BIT(KVM_SEC_PEER_THIS_HOST))
		return KVM_SEC_PEER_THIS_HOST;
	return __ffs(classes);
}

#endif /* KSEC_PEER_CLASS_H */
