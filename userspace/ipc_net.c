// SPDX-License-Identifier: GPL-2.0
/*
 * Decoding the network section of a VM (KVM_SEC_A_VM_NET, enum
 * kvm_sec_net): what the host saw on the VM's tap devices.
 */
#include <errno.h>
#include <string.h>

#include <netlink/attr.h>

#include "ipc_net.h"

const char *const vsec_net_ctr_key[VSEC_NR_NET_CTR] = {
	"tx_packets", "tx_bytes", "rx_packets", "rx_bytes",
	"tx_syn", "rx_syn", "tx_synack", "rx_synack", "tx_rst", "rx_rst",
	"tx_unreach", "rx_unreach", "tx_udp", "rx_udp", "tx_nonip",
	"rx_nonip", "tx_unparsed", "rx_unparsed",
};

const char *const vsec_netdev_how_name[3] = { "manual", "tun", "macvtap" };
const char *const vsec_peer_class_name[KVM_SEC_PEER_CLASS_NR] = {
	"outside", "inside", "this-host", "link",
};
_Static_assert(KVM_SEC_PEER_CLASS_NR == 4, "a name for every class of peer");

static struct nla_policy vsec_net_policy[KVM_SEC_NET_MAX + 1] = {
	[KVM_SEC_NET_COUNTERS]		= { .type = NLA_NESTED },
	[KVM_SEC_NET_RATES]		= { .type = NLA_NESTED },
	[KVM_SEC_NET_DISTINCT_DST]	= { .type = NLA_U64 },
	[KVM_SEC_NET_DISTINCT_SRC]	= { .type = NLA_U64 },
	[KVM_SEC_NET_DEVICE]		= { .type = NLA_NESTED },
	[KVM_SEC_NET_ADDR]		= { .type = NLA_UNSPEC, .minlen = 4,
					    .maxlen = 16 },
	[KVM_SEC_NET_DESTINATIONS]	= { .type = NLA_NESTED },
	[KVM_SEC_NET_SOURCES]		= { .type = NLA_NESTED },
};

static struct nla_policy vsec_netdev_policy[KVM_SEC_NETDEV_MAX + 1] = {
	[KVM_SEC_NETDEV_IFINDEX]	= { .type = NLA_U32 },
	[KVM_SEC_NETDEV_IFNAME]		= { .type = NLA_STRING },
	[KVM_SEC_NETDEV_HOW]		= { .type = NLA_U8 },
	[KVM_SEC_NETDEV_INIT_NET]	= { .type = NLA_FLAG },
};

static struct nla_policy vsec_peers_policy[KVM_SEC_PEERS_MAX + 1] = {
	[KVM_SEC_PEERS_ENTRY]	= { .type = NLA_NESTED },
	[KVM_SEC_PEERS_OTHER]	= { .type = NLA_U64 },
};

static struct nla_policy vsec_peer_policy[KVM_SEC_PEER_MAX + 1] = {
	[KVM_SEC_PEER_ADDR]	= { .type = NLA_UNSPEC, .minlen = 4, .maxlen = 16 },
	[KVM_SEC_PEER_PACKETS]	= { .type = NLA_U64 },
	[KVM_SEC_PEER_ERROR]	= { .type = NLA_U64 },
	[KVM_SEC_PEER_CLASS]	= { .type = NLA_U8 },
	[KVM_SEC_PEER_VM]	= { .type = NLA_U32 },
};

static int parse_net_ctrs(struct nlattr *nest, uint64_t *val)
{
	return vsec_parse_u64s(nest, KVM_SEC_NET_CTR_TX_PACKETS,
			       VSEC_NR_NET_CTR, val);
}

static int parse_peers(struct nlattr *nest, struct vsec_peers *p)
{
	struct nlattr *tb[KVM_SEC_PEERS_MAX + 1], *pos;
	int rem;

	if (nla_parse_nested(tb, KVM_SEC_PEERS_MAX, nest, vsec_peers_policy) < 0)
		return -EPROTO;
	if (tb[KVM_SEC_PEERS_OTHER])
		p->other = nla_get_u64(tb[KVM_SEC_PEERS_OTHER]);
	nla_for_each_nested(pos, nest, rem) {
		struct nlattr *e[KVM_SEC_PEER_MAX + 1];
		int len;

		if (nla_type(pos) != KVM_SEC_PEERS_ENTRY)
			continue;
		if (p->nr == KVM_SEC_NET_PEERS ||
		    nla_parse_nested(e, KVM_SEC_PEER_MAX, pos,
				     vsec_peer_policy) < 0 ||
		    !e[KVM_SEC_PEER_ADDR] || !e[KVM_SEC_PEER_PACKETS])
			return -EPROTO;
		len = nla_len(e[KVM_SEC_PEER_ADDR]);
		if (len != 4 && len != 16)
			return -EPROTO;
		p->e[p->nr].family = len == 4 ? 4 : 6;
		memcpy(p->e[p->nr].addr, nla_data(e[KVM_SEC_PEER_ADDR]),
		       (size_t)len);
		p->e[p->nr].packets = nla_get_u64(e[KVM_SEC_PEER_PACKETS]);
		if (e[KVM_SEC_PEER_ERROR])
			p->e[p->nr].err = nla_get_u64(e[KVM_SEC_PEER_ERROR]);
		if (e[KVM_SEC_PEER_CLASS])
			p->e[p->nr].class = nla_get_u8(e[KVM_SEC_PEER_CLASS]);
		if (e[KVM_SEC_PEER_VM])
			p->e[p->nr].vm = nla_get_u32(e[KVM_SEC_PEER_VM]);
		p->nr++;
	}
	return 0;
}

static int parse_dev(struct nlattr *nest, struct vsec_net *n)
{
	struct nlattr *tb[KVM_SEC_NETDEV_MAX + 1];

	if (n->nr_devs == KVM_SEC_NET_MAX_DEVICES ||
	    nla_parse_nested(tb, KVM_SEC_NETDEV_MAX, nest, vsec_netdev_policy) < 0)
		return -EPROTO;
	if (tb[KVM_SEC_NETDEV_IFNAME])
		nla_strlcpy(n->dev[n->nr_devs].name, tb[KVM_SEC_NETDEV_IFNAME],
			    sizeof(n->dev[0].name));
	if (tb[KVM_SEC_NETDEV_IFINDEX])
		n->dev[n->nr_devs].ifindex = nla_get_u32(tb[KVM_SEC_NETDEV_IFINDEX]);
	if (tb[KVM_SEC_NETDEV_HOW])
		n->dev[n->nr_devs].how = nla_get_u8(tb[KVM_SEC_NETDEV_HOW]);
	n->dev[n->nr_devs].init_net = tb[KVM_SEC_NETDEV_INIT_NET] != NULL;
	n->nr_devs++;
	return 0;
}

int vsec_parse_net(struct nlattr *nest, struct vsec_net *n)
{
	struct nlattr *tb[KVM_SEC_NET_MAX + 1], *pos;
	int rem;

	if (nla_parse_nested(tb, KVM_SEC_NET_MAX, nest, vsec_net_policy) < 0)
		return -EPROTO;
	n->present = true;
	if ((tb[KVM_SEC_NET_COUNTERS] &&
	     parse_net_ctrs(tb[KVM_SEC_NET_COUNTERS], n->ctr)) ||
	    (tb[KVM_SEC_NET_RATES] &&
	     parse_net_ctrs(tb[KVM_SEC_NET_RATES], n->rate)) ||
	    (tb[KVM_SEC_NET_DESTINATIONS] &&
	     parse_peers(tb[KVM_SEC_NET_DESTINATIONS], &n->dst)) ||
	    (tb[KVM_SEC_NET_SOURCES] &&
	     parse_peers(tb[KVM_SEC_NET_SOURCES], &n->src)))
		return -EPROTO;
	if (tb[KVM_SEC_NET_DISTINCT_DST])
		n->distinct_dst = nla_get_u64(tb[KVM_SEC_NET_DISTINCT_DST]);
	if (tb[KVM_SEC_NET_DISTINCT_SRC])
		n->distinct_src = nla_get_u64(tb[KVM_SEC_NET_DISTINCT_SRC]);
	nla_for_each_nested(pos, nest, rem) {
		int len;

		switch (nla_type(pos)) {
		case KVM_SEC_NET_DEVICE:
			if (parse_dev(pos, n))
				return -EPROTO;
			break;
		case KVM_SEC_NET_ADDR:
			len = nla_len(pos);
			if ((len != 4 && len != 6 && len != 16) ||
			    n->nr_addrs == 3 * KVM_SEC_NET_MAX_ADDRS)
				return -EPROTO;
			n->addr[n->nr_addrs].len = (uint8_t)len;
			memcpy(n->addr[n->nr_addrs].addr, nla_data(pos),
			       (size_t)len);
			n->nr_addrs++;
			break;
		}
	}
	return 0;
}
