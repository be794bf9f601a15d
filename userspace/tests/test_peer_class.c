// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of where a peer is (kvm-sec/peer_class.h): prefixes on and off
 * byte boundaries, IPv4 mapped and IPv6, lengths 0 and full; the link
 * classes; this host's addresses found by binary search among many, with
 * the busiest owner of an address two VMs send from.
 */
#include <stdlib.h>

#include "check.h"
#include "peer_class.h"

static void key4(const char *a, u64 *hi, u64 *lo)
{
	unsigned int b[4];

	sscanf(a, "%u.%u.%u.%u", &b[0], &b[1], &b[2], &b[3]);
	*hi = 0;
	*lo = 0xffff00000000ULL | (u64)b[0] << 24 | b[1] << 16 | b[2] << 8 |
	      b[3];
}

static u8 class4(const struct ksec_dest_addr *a, unsigned int n,
		 const struct ksec_dest_prefix *p, unsigned int np,
		 const char *addr, u32 *vm)
{
	u64 hi, lo;

	key4(addr, &hi, &lo);
	return ksec_peer_class_of(ksec_peer_classes(a, n, p, np, hi, lo, vm));
}

static u8 class6(const struct ksec_dest_prefix *p, unsigned int np,
		 const u8 *addr)
{
	u32 vm;

	return ksec_peer_class_of(ksec_peer_classes(NULL, 0, p, np,
						    get_unaligned_be64(addr),
						    get_unaligned_be64(addr + 8),
						    &vm));
}

static void test_prefixes(void)
{
	struct virtio_vsem_prefix v[5] = {
		{ .family = 4, .prefix_len = 12, .addr = { 10, 96 } },
		{ .family = 6, .prefix_len = 36, .addr = { 0xfd, 0, 0, 1 } },
		{ .family = 4, .prefix_len = 32, .addr = { 192, 0, 2, 7 } },
		{ .family = 6, .prefix_len = 128, .addr = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 } },
	};
	static const u8 in6[16] = { 0xfd, 0, 0, 1, 0x0f, 0xff, [15] = 5 };
	static const u8 out6[16] = { 0xfd, 0, 0, 1, 0x10, [15] = 5 };
	static const u8 host6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 9 };
	static const u8 next6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 8 };
	struct ksec_dest_prefix p[5];
	unsigned int i;
	u32 vm;

	for (i = 0; i < 4; i++)
		ksec_dest_prefix(&p[i], &v[i]);
	CHECK(class4(NULL, 0, p, 4, "10.96.0.0", &vm) == KVM_SEC_PEER_INSIDE);
	CHECK(class4(NULL, 0, p, 4, "10.111.255.255", &vm) == KVM_SEC_PEER_INSIDE);
	CHECK(class4(NULL, 0, p, 4, "10.112.0.0", &vm) == KVM_SEC_PEER_OUTSIDE);
	CHECK(class4(NULL, 0, p, 4, "10.95.255.255", &vm) == KVM_SEC_PEER_OUTSIDE);
	CHECK(class4(NULL, 0, p, 4, "192.0.2.7", &vm) == KVM_SEC_PEER_INSIDE);
	CHECK(class4(NULL, 0, p, 4, "192.0.2.6", &vm) == KVM_SEC_PEER_OUTSIDE);
	CHECK(vm == 0);
	CHECK(class6(p, 4, in6) == KVM_SEC_PEER_INSIDE);
	CHECK(class6(p, 4, out6) == KVM_SEC_PEER_OUTSIDE);
	CHECK(class6(p, 4, host6) == KVM_SEC_PEER_INSIDE);
	CHECK(class6(p, 4, next6) == KVM_SEC_PEER_OUTSIDE);
	/* An IPv6 prefix never holds an IPv4 address, nor the other way. */
	v[4] = (struct virtio_vsem_prefix){ .family = 6, .prefix_len = 8 };
	ksec_dest_prefix(&p[4], &v[4]);
	CHECK(class4(NULL, 0, &p[4], 1, "10.0.0.1", &vm) == KVM_SEC_PEER_OUTSIDE);
	CHECK(class6(&p[4], 1, in6) == KVM_SEC_PEER_OUTSIDE);
	/* /0: every IPv4 address (and no IPv6 one); ::/0 every IPv6 one only. */
	v[4] = (struct virtio_vsem_prefix){ .family = 4, .prefix_len = 0 };
	ksec_dest_prefix(&p[4], &v[4]);
	CHECK(class4(NULL, 0, &p[4], 1, "203.0.113.1", &vm) == KVM_SEC_PEER_INSIDE);
	CHECK(class6(&p[4], 1, in6) == KVM_SEC_PEER_OUTSIDE);
	v[4] = (struct virtio_vsem_prefix){ .family = 6, .prefix_len = 0 };
	ksec_dest_prefix(&p[4], &v[4]);
	CHECK(class6(&p[4], 1, out6) == KVM_SEC_PEER_INSIDE);
	CHECK(class4(NULL, 0, &p[4], 1, "10.0.0.1", &vm) == KVM_SEC_PEER_OUTSIDE);
	v[4] = (struct virtio_vsem_prefix){ .family = 6, .prefix_len = 96,
					    .addr = { [10] = 0xff, [11] = 0xff } };
	ksec_dest_prefix(&p[4], &v[4]);
	CHECK(class4(NULL, 0, &p[4], 1, "10.0.0.1", &vm) == KVM_SEC_PEER_OUTSIDE);
	/* Bits beyond the length in the configured address do not matter. */
	v[4] = (struct virtio_vsem_prefix){ .family = 4, .prefix_len = 8,
					    .addr = { 172, 16, 1, 1 } };
	ksec_dest_prefix(&p[4], &v[4]);
	CHECK(class4(NULL, 0, &p[4], 1, "172.31.0.9", &vm) == KVM_SEC_PEER_INSIDE);
}

static void test_link(void)
{
	static const u8 ll6[16] = { 0xfe, 0x80, [15] = 1 };
	static const u8 mc6[16] = { 0xff, 0x02, [15] = 1 };
	static const u8 any6[16] = { 0 };
	struct virtio_vsem_prefix all = { .family = 4, .prefix_len = 0 };
	struct ksec_dest_prefix p;
	u32 vm;

	/* Link before inside: even a prefix holding them all. */
	ksec_dest_prefix(&p, &all);
	CHECK(class4(NULL, 0, &p, 1, "255.255.255.255", &vm) == KVM_SEC_PEER_LINK);
	CHECK(class4(NULL, 0, &p, 1, "224.0.0.251", &vm) == KVM_SEC_PEER_LINK);
	CHECK(class4(NULL, 0, &p, 1, "169.254.1.1", &vm) == KVM_SEC_PEER_LINK);
	CHECK(class4(NULL, 0, &p, 1, "0.0.0.0", &vm) == KVM_SEC_PEER_LINK);
	CHECK(class4(NULL, 0, &p, 1, "169.253.1.1", &vm) == KVM_SEC_PEER_INSIDE);
	CHECK(class6(NULL, 0, ll6) == KVM_SEC_PEER_LINK);
	CHECK(class6(NULL, 0, mc6) == KVM_SEC_PEER_LINK);
	CHECK(class6(NULL, 0, any6) == KVM_SEC_PEER_LINK);
}

/*
 * 1000 VMs with 2 addresses each; two addresses claimed by a second VM,
 * one with fewer packets than its owner, one with more.
 */
static void test_this_host(void)
{
	static struct ksec_dest_addr a[2002];
	struct virtio_vsem_prefix v = { .family = 4, .prefix_len = 8,
					.addr = { 10 } };
	struct ksec_dest_prefix p;
	unsigned int i, n, found = 0;
	char buf[32];
	u32 vm;
	u8 c;

	for (i = 0; i < 2000; i++) {
		snprintf(buf, sizeof(buf), "10.%u.%u.%u", i % 7, i / 256 % 256,
			 i % 256);
		key4(buf, &a[i].hi, &a[i].lo);
		a[i].vm_id = i / 2 + 1;
		a[i].packets = 100;
	}
	/* VM 9999 spoofs 10.3.0.3 (VM 2's) with fewer packets: VM 2's. */
	a[2000] = a[3];
	a[2000].vm_id = 9999;
	a[2000].packets = 10;
	/* VM 8888 outsends VM 1 from 10.1.0.1: VM 8888's. */
	a[2001] = a[1];
	a[2001].vm_id = 8888;
	a[2001].packets = 500;
	qsort(a, 2002, sizeof(a[0]), ksec_dest_cmp);
	n = ksec_dest_dedupe(a, 2002);
	CHECK(n == 2000);
	for (i = 1; i < n; i++)
		CHECK(ksec_dest_cmp(&a[i - 1], &a[i]) < 0);
	ksec_dest_prefix(&p, &v);
	for (i = 0; i < 2000; i++) {
		snprintf(buf, sizeof(buf), "10.%u.%u.%u", i % 7, i / 256 % 256,
			 i % 256);
		c = class4(a, n, &p, 1, buf, &vm);
		found += c == KVM_SEC_PEER_THIS_HOST &&
			 vm == (i == 1 ? 8888 : i / 2 + 1);
	}
	CHECK(found == 2000);
	c = class4(a, n, &p, 1, "10.6.9.9", &vm);
	CHECK(c == KVM_SEC_PEER_INSIDE && vm == 0);
	c = class4(a, n, &p, 1, "11.0.0.1", &vm);
	CHECK(c == KVM_SEC_PEER_OUTSIDE);
	/* No address at all. */
	CHECK(class4(a, 0, &p, 1, "10.3.0.3", &vm) == KVM_SEC_PEER_INSIDE);
}

/*
 * Sending from an address adds "this host" to its classes, and takes none
 * away: a rule blocking outside still holds an outside address a guest
 * sends from (spoofs), and one blocking this host holds a neighbour.
 */
static void test_classes(void)
{
	struct virtio_vsem_prefix v = { .family = 4, .prefix_len = 8,
					.addr = { 10 } };
	struct ksec_dest_addr a[2] = { 0 };
	struct ksec_dest_prefix p;
	u64 hi, lo;
	u32 vm;

	key4("10.0.0.2", &a[0].hi, &a[0].lo);
	a[0].vm_id = 2;
	key4("203.0.113.9", &a[1].hi, &a[1].lo);
	a[1].vm_id = 3;
	qsort(a, 2, sizeof(a[0]), ksec_dest_cmp);
	ksec_dest_prefix(&p, &v);
	key4("10.0.0.2", &hi, &lo);
	CHECK(ksec_peer_classes(a, 2, &p, 1, hi, lo, &vm) ==
	      (BIT(KVM_SEC_PEER_INSIDE) | BIT(KVM_SEC_PEER_THIS_HOST)));
	CHECK(vm == 2);
	key4("203.0.113.9", &hi, &lo);
	CHECK(ksec_peer_classes(a, 2, &p, 1, hi, lo, &vm) ==
	      (BIT(KVM_SEC_PEER_OUTSIDE) | BIT(KVM_SEC_PEER_THIS_HOST)));
	CHECK(vm == 3);
	key4("203.0.113.8", &hi, &lo);
	CHECK(ksec_peer_classes(a, 2, &p, 1, hi, lo, &vm) ==
	      BIT(KVM_SEC_PEER_OUTSIDE));
	CHECK(ksec_peer_class_of(BIT(KVM_SEC_PEER_OUTSIDE) |
				 BIT(KVM_SEC_PEER_THIS_HOST)) ==
	      KVM_SEC_PEER_THIS_HOST);
	CHECK(ksec_peer_class_of(BIT(KVM_SEC_PEER_INSIDE)) ==
	      KVM_SEC_PEER_INSIDE);
	CHECK(ksec_peer_class_of(BIT(KVM_SEC_PEER_LINK)) == KVM_SEC_PEER_LINK);
}

int main(void)
{
	test_prefixes();
	test_link();
	test_this_host();
	test_classes();
	return check_done("test_peer_class");
}
