// SPDX-License-Identifier: GPL-2.0
/*
 * The tap hooks: what one packet of a VM changes in its counters.
 *
 * Threat model: the guest writes every byte of what it sends, and chooses
 * what it makes others send to it. So headers are read only through
 * skb_header_pointer() within the packet, never assumed; IPv6 extension
 * headers are followed at most KSEC_IPV6_MAX_EXT deep; whatever cannot be
 * parsed is counted as UNPARSED, never guessed; for the limits, an IP
 * packet whose TCP flags cannot be read may hide a SYN and is limited as
 * one (ksec_count(), ksec_count_l4()). Payload is never read: the deepest
 * byte looked at is the TCP flags.
 *
 * Cost: a netfilter hook on the device (NFPROTO_NETDEV ingress and
 * egress) runs with bottom halves disabled, so each CPU writes its own
 * counters and tables without a lock or an atomic instruction, and
 * nothing is allocated. Per packet: one header parse, three heavy-hitter
 * updates (a key found by its hash or tag, a new one replacing at most 16
 * slots' smallest: topn.h) and, for a peer other than the last one, one
 * keyed hash for the distinct-peer estimator.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netfilter.h>
#include <linux/siphash.h>
#include <linux/skbuff.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <linux/vsem_hll.h>
#include <net/ip.h>
#include <net/ipv6.h>
#include <asm/unaligned.h>

#include "net.h"
#include "vm.h"

#define KSEC_IPV6_MAX_EXT	8
#define KSEC_MAX_VLAN_TAGS	2

/* Which half of the distinct-peer registers this interval fills. */
unsigned int ksec_net_parity;

static hsiphash_key_t ksec_net_key __read_mostly;

void ksec_net_packet_init(void)
{
	get_random_bytes(&ksec_net_key, sizeof(ksec_net_key));
}

/*
 * The estimator's hash of a peer: keyed, so that a guest cannot choose
 * peers that raise no register (and hide a scan), and HalfSipHash, the
 * kernel's keyed hash for hash tables fed by an adversary (SipHash-1-3 on
 * 64-bit: 6 rounds for an address, where SipHash-2-4 takes 10). Only the
 * estimate leaves the kernel, never a hash. Its 32 bits go on top; the bit
 * set under them caps the rank at 33 - KSEC_HLL_BITS, as a 32-bit hash's
 * (the estimator's range, 2^32 peers an interval, is out of a VM's reach).
 */
static u64 ksec_net_hash(u64 hi, u64 lo)
{
	u32 h = hsiphash_4u32(upper_32_bits(hi), lower_32_bits(hi),
			      upper_32_bits(lo), lower_32_bits(lo),
			      &ksec_net_key);

	return (u64)h << 32 | BIT_ULL(31);
}

/* What the parser found: addresses as 128-bit keys, IPv4 mapped. */
struct ksec_pkt {
	u64 src_hi, src_lo, dst_hi, dst_lo;
	bool ip;
	bool arp;
	bool unparsed;
	bool more_frags;		/* a first fragment, more to come */
	u8 l4proto;
	int l4off;			/* < 0: no transport header to read */
	int l4end;			/* the datagram's end (< l4off: empty) */
};

static void ksec_key_v4(__be32 a, u64 *hi, u64 *lo)
{
	*hi = 0;
	*lo = 0xffff00000000ULL | be32_to_cpu(a);
}

static void ksec_key_v6(const struct in6_addr *a, u64 *hi, u64 *lo)
{
	*hi = get_unaligned_be64(&a->s6_addr[0]);
	*lo = get_unaligned_be64(&a->s6_addr[8]);
}

/*
 * @len bytes at @off from skb->data. A negative offset reaches back into
 * the Ethernet header that the receive path pulled (ingress). Inlined, as
 * the helpers below: called up to four times a packet, and a call, its
 * prologue and its return cost more than the few tests it does (more yet
 * where the speculation mitigations send every return through a thunk).
 */
static __always_inline const void *ksec_skb_ptr(const struct sk_buff *skb,
						int off, int len, void *buf)
{
	if (off < 0) {
		if (skb->data + off < skb->head || off + len > 0)
			return NULL;
		return skb->data + off;
	}
	return skb_header_pointer(skb, off, len, buf);
}

/* As ksec_skb_ptr(), and NULL unless the @len bytes end by @end. */
static __always_inline const void *ksec_dgram_ptr(const struct sk_buff *skb,
						  int off, int len, int end,
						  void *buf)
{
	return end - off >= len ? ksec_skb_ptr(skb, off, len, buf) : NULL;
}

static void ksec_parse_v4(const struct sk_buff *skb, int off,
			  struct ksec_pkt *p)
{
	struct iphdr _iph;
	const struct iphdr *iph = ksec_skb_ptr(skb, off, sizeof(_iph), &_iph);

	if (!iph || iph->version != 4 || iph->ihl < 5) {
		p->unparsed = true;
		return;
	}
	p->ip = true;
	ksec_key_v4(iph->saddr, &p->src_hi, &p->src_lo);
	ksec_key_v4(iph->daddr, &p->dst_hi, &p->dst_lo);
	/* Only a first fragment carries the transport header. */
	if (iph->frag_off & htons(IP_OFFSET))
		return;
	if (ntohs(iph->tot_len) < iph->ihl * 4) {
		p->unparsed = true;
		return;
	}
	p->more_frags = iph->frag_off & htons(IP_MF);
	p->l4proto = iph->protocol;
	p->l4off = off + iph->ihl * 4;
	p->l4end = off + ntohs(iph->tot_len);
}

static void ksec_parse_v6(const struct sk_buff *skb, int off,
			  struct ksec_pkt *p)
{
	struct ipv6hdr _ip6h;
	const struct ipv6hdr *ip6h = ksec_skb_ptr(skb, off, sizeof(_ip6h),
						  &_ip6h);
	unsigned int i;
	bool more = false;
	u8 nexthdr;
	int end;

	if (!ip6h || ip6h->version != 6) {
		p->unparsed = true;
		return;
	}
	p->ip = true;
	ksec_key_v6(&ip6h->saddr, &p->src_hi, &p->src_lo);
	ksec_key_v6(&ip6h->daddr, &p->dst_hi, &p->dst_lo);
	nexthdr = ip6h->nexthdr;
	off += sizeof(*ip6h);
	/*
	 * 0: a jumbogram (behind a hop-by-hop header), or a GSO packet whose
	 * segments get their lengths from skb->len (ipv6_gso_segment), ends
	 * with the frame. Any other 0 with bytes after it is not read but
	 * counted as unparsed, and so limited as a SYN: a guest's GSO frame
	 * saying 0 must not hide its SYN from the hooks.
	 */
	if (ip6h->payload_len) {
		end = off + ntohs(ip6h->payload_len);
	} else if (nexthdr == NEXTHDR_HOP || skb_is_gso(skb) ||
		   skb->len <= off) {
		end = skb->len;
	} else {
		p->unparsed = true;
		return;
	}
	/*
	 * A guest can chain extension headers: follow a few, no more, each
	 * within the datagram (not in the frame's padding after it).
	 */
	for (i = 0; i <= KSEC_IPV6_MAX_EXT; i++) {
		struct ipv6_opt_hdr _h;
		const struct ipv6_opt_hdr *h;
		struct frag_hdr _fh;
		const struct frag_hdr *fh;

		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
			h = ksec_dgram_ptr(skb, off, sizeof(_h), end, &_h);
			if (!h) {
				p->unparsed = true;
				return;
			}
			off += nexthdr == NEXTHDR_AUTH ? ipv6_authlen(h) :
						       ipv6_optlen(h);
			nexthdr = h->nexthdr;
			break;
		case NEXTHDR_FRAGMENT:
			fh = ksec_dgram_ptr(skb, off, sizeof(_fh), end, &_fh);
			if (!fh) {
				p->unparsed = true;
				return;
			}
			if (fh->frag_off & htons(IP6_OFFSET))
				return;		/* not the first fragment */
			more = fh->frag_off & htons(IP6_MF);
			nexthdr = fh->nexthdr;
			off += sizeof(*fh);
			break;
		case NEXTHDR_NONE:
			return;
		default:
			p->more_frags = more;
			p->l4proto = nexthdr;
			p->l4off = off;
			p->l4end = end;
			return;
		}
	}
	p->unparsed = true;		/* too deep to follow */
}

/*
 * Find the network header. On an Ethernet device the frame's own header
 * says (up to two VLAN tags), wherever the stack put skb's network header;
 * elsewhere (a layer-3 tun) skb->protocol does.
 */
static __be16 ksec_l3(const struct sk_buff *skb, int *off)
{
	__be16 proto;
	int i;

	if (skb->dev->type != ARPHRD_ETHER) {
		*off = skb_network_offset(skb);
		return skb->protocol;
	}
	if (!skb_mac_header_was_set(skb))
		return 0;
	*off = skb_mac_offset(skb) + ETH_HLEN;
	{
		__be16 _p;
		const __be16 *pp = ksec_skb_ptr(skb, *off - 2, 2, &_p);

		if (!pp)
			return 0;
		proto = *pp;
	}
	for (i = 0; i < KSEC_MAX_VLAN_TAGS && eth_type_vlan(proto); i++) {
		struct vlan_hdr _vh;
		const struct vlan_hdr *vh = ksec_skb_ptr(skb, *off, sizeof(_vh),
							 &_vh);

		if (!vh)
			return 0;
		proto = vh->h_vlan_encapsulated_proto;
		*off += VLAN_HLEN;
	}
	return proto;
}

/*
 * TCP flags, ICMP types: the transport's few bytes that are counted, read
 * within the datagram (not the frame's padding after it).
 *
 * Counts the transport header; true for a SYN (a new connection), and for
 * a first fragment too short to hold the TCP flags: they come in a later
 * fragment that no hook can read them from (the tiny-fragment attack of
 * RFC 1858), so it is counted as unparsed and limited as a SYN.
 */
static bool ksec_count_l4(const struct sk_buff *skb, const struct ksec_pkt *p,
			  u64 *ctr, bool rx)
{
	u8 _b[14];
	const u8 *b;
	bool syn;

	switch (p->l4proto) {
	case IPPROTO_TCP:
		b = ksec_dgram_ptr(skb, p->l4off, 14, p->l4end, _b);
		if (!b) {
			ctr[KSEC_NET_DIR(KSEC_NET_TX_UNPARSED, rx)]++;
			return p->more_frags;
		}
		/* b[13]: CWR ECE URG ACK PSH RST SYN FIN */
		syn = (b[13] & 0x12) == 0x02;
		if (syn)
			ctr[KSEC_NET_DIR(KSEC_NET_TX_SYN, rx)]++;
		else if ((b[13] & 0x12) == 0x12)
			ctr[KSEC_NET_DIR(KSEC_NET_TX_SYNACK, rx)]++;
		if (b[13] & 0x04)
			ctr[KSEC_NET_DIR(KSEC_NET_TX_RST, rx)]++;
		return syn;
	case IPPROTO_UDP:
		/* Its 8-byte header within the datagram, or no UDP. */
		if (!ksec_dgram_ptr(skb, p->l4off, sizeof(struct udphdr),
				    p->l4end, _b))
			ctr[KSEC_NET_DIR(KSEC_NET_TX_UNPARSED, rx)]++;
		else
			ctr[KSEC_NET_DIR(KSEC_NET_TX_UDP, rx)]++;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		b = ksec_dgram_ptr(skb, p->l4off, 1, p->l4end, _b);
		if (!b) {
			ctr[KSEC_NET_DIR(KSEC_NET_TX_UNPARSED, rx)]++;
			return false;
		}
		if ((p->l4proto == IPPROTO_ICMP && b[0] == ICMP_DEST_UNREACH) ||
		    (p->l4proto == IPPROTO_ICMPV6 && b[0] == ICMPV6_DEST_UNREACH))
			ctr[KSEC_NET_DIR(KSEC_NET_TX_UNREACH, rx)]++;
		break;
	}
	return false;
}

/*
 * Adds a peer to this interval's distinct-peer estimator (@dir 0: the
 * destinations, 1: the sources). The keyed hash was most of a packet's cost
 * here: a CPU keeps the register and rank of the peer it added last, and
 * a packet to that same peer (a flow's packets follow each other) raises
 * the register without hashing, exactly as the hash would. A scan, every
 * packet to a new peer, pays the hash every time.
 */
static __always_inline void ksec_hll_add_peer(struct ksec_vm_net *net,
					      struct ksec_net_pcpu *pc,
					      unsigned int dir, u64 hi, u64 lo)
{
	struct ksec_hll_last *last = &pc->hll_last[dir];
	u8 *reg = net->hll[READ_ONCE(ksec_net_parity) & 1][dir];

	BUILD_BUG_ON(KSEC_HLL_BITS > 16);
	if (!last->rank || last->hi != hi || last->lo != lo) {
		last->hi = hi;
		last->lo = lo;
		last->idx = vsem_hll_slot(KSEC_HLL_BITS,
					  ksec_net_hash(hi, lo), &last->rank);
	}
	vsem_hll_raise(reg, last->idx, last->rank);
}

/*
 * Counts the frame; its length in @len, and what the parser found in @p;
 * true for a TCP SYN.
 */
static bool ksec_count(struct ksec_vm_net *net, const struct sk_buff *skb,
		       bool rx, unsigned int *lenp, struct ksec_pkt *p)
{
	struct ksec_net_pcpu *pc = this_cpu_ptr(net->pcpu);
	unsigned int len = skb->len;
	int off = 0;
	__be16 proto;

	/* The whole frame: at ingress its Ethernet header was pulled. */
	if (skb_mac_header_was_set(skb) && skb_mac_offset(skb) < 0)
		len += -skb_mac_offset(skb);
	*lenp = len;
	*p = (struct ksec_pkt){ .l4off = -1 };
	pc->ctr[rx ? KSEC_NET_RX_PACKETS : KSEC_NET_TX_PACKETS]++;
	pc->ctr[rx ? KSEC_NET_RX_BYTES : KSEC_NET_TX_BYTES] += len;

	proto = ksec_l3(skb, &off);
	if (!rx && skb->dev->type == ARPHRD_ETHER &&
	    skb_mac_header_was_set(skb)) {
		u8 _mac[ETH_ALEN];
		const u8 *mac = ksec_skb_ptr(skb, skb_mac_offset(skb) + ETH_ALEN,
					     ETH_ALEN, _mac);

		/* ether_addr_to_u64(), in two loads. */
		if (mac)
			ksec_top_add(&pc->own_mac,
				     (u64)get_unaligned_be32(mac) << 16 |
				     get_unaligned_be16(mac + 4), 1);
	}
	if (proto == htons(ETH_P_IP))
		ksec_parse_v4(skb, off, p);
	else if (proto == htons(ETH_P_IPV6))
		ksec_parse_v6(skb, off, p);
	else
		pc->ctr[KSEC_NET_DIR(KSEC_NET_TX_NONIP, rx)]++;
	/* An L3 tun's skb->protocol is the VMM's word: ARP only on Ethernet. */
	p->arp = proto == htons(ETH_P_ARP) && skb->dev->type == ARPHRD_ETHER;
	if (p->unparsed)
		pc->ctr[KSEC_NET_DIR(KSEC_NET_TX_UNPARSED, rx)]++;
	if (!p->ip)
		return false;

	if (rx) {
		ksec_top_add_key(&pc->src, p->src_hi, p->src_lo, 1);
		ksec_hll_add_peer(net, pc, 1, p->src_hi, p->src_lo);
	} else {
		ksec_top_add_key(&pc->dst, p->dst_hi, p->dst_lo, 1);
		ksec_top_add_key(&pc->own_ip, p->src_hi, p->src_lo, 1);
		ksec_hll_add_peer(net, pc, 0, p->dst_hi, p->dst_lo);
	}
	/*
	 * An IP packet whose transport header cannot be found (an IPv6
	 * header chain too deep or cut short) may hide a SYN: limited as one.
	 */
	if (p->unparsed)
		return true;
	return p->l4off >= 0 && ksec_count_l4(skb, p, pc->ctr, rx);
}

/*
 * Both hooks of a bound device. What a tun tap receives (ingress), its VM
 * sent; what it transmits (egress), its VM receives; a macvtap the other
 * way round. The binding outlives every call (netdev.c frees it a grace
 * period after unregistering the hooks).
 *
 * Counted first, then limited (limit.c): what the VM tried stays visible.
 * A destination-class rule drops an IP packet whose peer (the destination
 * of what the VM sends, the source of what it receives) is in a blocked
 * class, before the token buckets, which a blocked packet does not drain.
 * A frame whose peer cannot be known (not IP, nor ARP, which IP needs on
 * the link; or IP the parser could not read) may be going anywhere: any
 * rule drops it (counted as outside if that is blocked), so that no rule
 * is bypassed by another protocol, a third VLAN tag or a broken header.
 * The hooks run under RCU (nf_hook()), as the map of classes needs.
 */
unsigned int ksec_net_hook(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state)
{
	const struct ksec_netbind *b = priv;
	bool rx = (state->hook == NF_NETDEV_INGRESS) != b->vm_sends_at_ingress;
	struct ksec_limits *l = &b->vm->lim;
	struct ksec_pkt p;
	unsigned int len, block;
	bool syn;

	syn = ksec_count(b->net, skb, rx, &len, &p);
	block = READ_ONCE(l->block.classes[rx]);
	if (unlikely(block)) {
		if (p.ip)
			block &= ksec_net_peer_classes(rx ? p.src_hi : p.dst_hi,
						       rx ? p.src_lo : p.dst_lo);
		else if (p.arp)
			block = 0;
		else if (block & BIT(KVM_SEC_PEER_OUTSIDE))
			block = BIT(KVM_SEC_PEER_OUTSIDE);
		if (ksec_limit_blocked(l, rx, block))
			return NF_DROP;
	}
	return ksec_limit_pass(l, rx, len, syn) ? NF_ACCEPT : NF_DROP;
}
