// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: network metadata (level 1 counters, level 2 flow table).
 *
 * Counters come from what the stack already counts: the interfaces'
 * statistics and the TCP/ICMP MIBs. Destinations come from a netfilter
 * hook at LOCAL_OUT, first in line, that reads the destination address
 * and length of each locally sent packet, never its payload (spec R5.3).
 */
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/jhash.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/snmp.h>
#include "vsem.h"

struct vsem_net_state vsem_net = {
	.lock = __SPIN_LOCK_UNLOCKED(vsem_net.lock),
};

static void vsem_note_dest(u8 family, const void *addr, unsigned int alen,
			   unsigned int bytes)
{
	struct vsem_dest_table *t;
	struct vsem_dest *d;
	unsigned long flags;
	unsigned int i, h;
	u8 key[16] = {};

	memcpy(key, addr, alen);
	h = jhash(key, sizeof(key), family) % VSEM_DEST_SLOTS;

	/* Process context or softirq; hv.c takes the lock in any context. */
	spin_lock_irqsave(&vsem_net.lock, flags);
	t = vsem_net.cur;
	/* Linear probing, bounded by the table size. */
	for (i = 0; i < VSEM_DEST_SLOTS; i++) {
		d = &t->slot[(h + i) % VSEM_DEST_SLOTS];
		if (d->family == family && !memcmp(d->addr, key, sizeof(key)))
			break;
		if (!d->family) {
			if (t->used >= VSEM_DEST_SLOTS * 3 / 4) {
				d = NULL;
				break;
			}
			d->family = family;
			memcpy(d->addr, key, sizeof(key));
			t->used++;
			break;
		}
	}
	if (i == VSEM_DEST_SLOTS)
		d = NULL;
	if (d) {
		d->packets++;
		d->bytes += bytes;
		if (READ_ONCE(vsem_net.capture_task) && in_task()) {
			d->pid = task_tgid_nr(current);
			get_task_comm(d->comm, current);
		}
	} else {
		t->unstored++;
	}
	spin_unlock_irqrestore(&vsem_net.lock, flags);
}

static unsigned int vsem_out(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	u64 t0 = local_clock();

	if (state->pf == NFPROTO_IPV4)
		vsem_note_dest(4, &ip_hdr(skb)->daddr, 4, skb->len);
	else
		vsem_note_dest(6, &ipv6_hdr(skb)->daddr, 16, skb->len);
	atomic64_add(local_clock() - t0, &vsem_net.cost_ns);
	return NF_ACCEPT;
}

static const struct nf_hook_ops vsem_hooks[] = {
	{
		.hook = vsem_out,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP_PRI_FIRST,
	},
	{
		.hook = vsem_out,
		.pf = NFPROTO_IPV6,
		.hooknum = NF_INET_LOCAL_OUT,
		.priority = NF_IP6_PRI_FIRST,
	},
};

int vsem_net_init(void)
{
	int err;

	vsem_net.cur = kvzalloc(sizeof(*vsem_net.cur), GFP_KERNEL);
	vsem_net.spare = kvzalloc(sizeof(*vsem_net.spare), GFP_KERNEL);
	if (!vsem_net.cur || !vsem_net.spare) {
		err = -ENOMEM;
		goto fail;
	}
	err = nf_register_net_hooks(&init_net, vsem_hooks,
				    ARRAY_SIZE(vsem_hooks));
	if (err)
		goto fail;
	return 0;
fail:
	kvfree(vsem_net.cur);
	kvfree(vsem_net.spare);
	return err;
}

void vsem_net_exit(void)
{
	nf_unregister_net_hooks(&init_net, vsem_hooks, ARRAY_SIZE(vsem_hooks));
	kvfree(vsem_net.cur);
	kvfree(vsem_net.spare);
}

void vsem_net_set_capture(bool on)
{
	WRITE_ONCE(vsem_net.capture_task, on);
}

/*
 * Take the table of the interval that ends; the hook goes on with the
 * spare one. The caller hands it back with vsem_net_release().
 */
struct vsem_dest_table *vsem_net_swap(void)
{
	struct vsem_dest_table *t;

	spin_lock_irq(&vsem_net.lock);
	t = vsem_net.cur;
	vsem_net.cur = vsem_net.spare;
	vsem_net.spare = NULL;
	spin_unlock_irq(&vsem_net.lock);
	return t;
}

void vsem_net_release(struct vsem_dest_table *t)
{
	memset(t, 0, sizeof(*t));
	spin_lock_irq(&vsem_net.lock);
	vsem_net.spare = t;
	spin_unlock_irq(&vsem_net.lock);
}

void vsem_net_totals(struct vsem_totals *t)
{
	struct rtnl_link_stats64 s;
	struct net_device *dev;
	struct net *net = &init_net;

	rcu_read_lock();
	for_each_netdev_rcu(net, dev) {
		if (dev->flags & IFF_LOOPBACK)
			continue;
		dev_get_stats(dev, &s);
		t->tx_packets += s.tx_packets;
		t->tx_bytes += s.tx_bytes;
		t->rx_packets += s.rx_packets;
		t->rx_bytes += s.rx_bytes;
		t->tx_errors += s.tx_errors;
		t->tx_dropped += s.tx_dropped;
	}
	rcu_read_unlock();

	t->connect_failures = snmp_fold_field(net->mib.tcp_statistics,
					      TCP_MIB_ATTEMPTFAILS);
	t->resets_received = snmp_fold_field(net->mib.tcp_statistics,
					     TCP_MIB_ESTABRESETS);
	t->unreachables_received =
		atomic_long_read(&net->mib.icmpmsg_statistics->mibs[ICMP_DEST_UNREACH]);
#if IS_ENABLED(CONFIG_IPV6)
	if (net->mib.icmpv6msg_statistics)
		t->unreachables_received +=
			atomic_long_read(&net->mib.icmpv6msg_statistics->mibs[ICMPV6_DEST_UNREACH]);
#endif
}
