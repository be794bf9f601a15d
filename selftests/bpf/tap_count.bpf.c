// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF alternative to kvm-sec's tap hooks, for make bench: a tc
 * (cls_bpf, direct action) program on a tap's ingress and egress counting
 * packets and bytes per VM interface, direction, peer address and IP
 * protocol in a per-CPU hash map. Headers only, as kvm-sec: Ethernet, up to
 * two VLAN tags, IPv4 or IPv6 (no extension headers followed). It never
 * drops: it returns TC_ACT_OK.
 *
 * kvm-sec does more per packet: transport ports and TCP flags, three
 * heavy-hitter tables, a distinct-peer estimator and limits. This program
 * is the cheapest useful equivalent, the bound kvm-sec is compared with.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "tap_count.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, TAP_COUNT_MAX_KEYS);
	__type(key, struct tap_count_key);
	__type(value, struct tap_count_val);
} counts SEC(".maps");

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

static __always_inline int count(struct __sk_buff *skb, __u8 dir)
{
	void *data = (void *)(long)skb->data;
	void *end = (void *)(long)skb->data_end;
	struct tap_count_key k = { .ifindex = skb->ifindex, .dir = dir };
	struct tap_count_val one = { 1, skb->len }, *v;
	struct ethhdr *eth = data;
	__u32 off = sizeof(*eth);
	__be16 proto;
	int i;

	if ((void *)(eth + 1) > end)
		goto out;
	proto = eth->h_proto;
#pragma unroll
	for (i = 0; i < 2; i++) {
		struct vlan_hdr *vh = data + off;

		if (proto != bpf_htons(ETH_P_8021Q) &&
		    proto != bpf_htons(ETH_P_8021AD))
			break;
		if ((void *)(vh + 1) > end)
			goto out;
		proto = vh->proto;
		off += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = data + off;

		if ((void *)(ip + 1) > end)
			goto out;
		k.peer[10] = 0xff;
		k.peer[11] = 0xff;
		__builtin_memcpy(&k.peer[12], dir == TAP_DIR_TX ? &ip->daddr :
				 &ip->saddr, 4);
		k.proto = ip->protocol;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = data + off;

		if ((void *)(ip6 + 1) > end)
			goto out;
		__builtin_memcpy(k.peer, dir == TAP_DIR_TX ? &ip6->daddr :
				 &ip6->saddr, 16);
		k.proto = ip6->nexthdr;
	}
out:
	v = bpf_map_lookup_elem(&counts, &k);
	if (v) {
		v->packets++;	/* this CPU's own value: no atomic needed */
		v->bytes += skb->len;
	} else {
		bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
	}
	return TC_ACT_OK;
}

SEC("tc")
int tap_ingress(struct __sk_buff *skb)
{
	return count(skb, TAP_DIR_TX);
}

SEC("tc")
int tap_egress(struct __sk_buff *skb)
{
	return count(skb, TAP_DIR_RX);
}

char LICENSE[] SEC("license") = "GPL";
