// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: network metadata (level 1 counters, level 2 flow table).
 *
 * Counters come from what the stack already counts: the interfaces'
 * statistics and the TCP/ICMP MIBs. Destinations come from a netfilter
 * hook at LOCAL_OUT, first in line, that reads the destination address
 * and length of each locally sent packet, never its payload (spec R5.4).
 *
 * The hook is registered only while a device is bound, and its work per
 * packet is bounded and local: one keyed hash (SipHash, random key), at
 * most VSEM_DEST_PROBES slots of this CPU's table, one HyperLogLog
 * register, with bottom halves off; no lock, no atomic, no shared cache
 * line written. The interval's end merges the CPUs' tables (see struct
 * vsem_cpu for how it reads them safely).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/log2.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/percpu.h>
#include <linux/random.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/slab.h>
#include <net/ip.h>
#include <net/net_namespace.h>
#include <net/snmp.h>
#include <linux/vsem_hll.h>
#include "vsem.h"

struct vsem_capture vsem_cap;

static void vsem_note_dest(struct vsem_dest_table *t, u8 family,
			   const u64 *addr, u64 hash, unsigned int bytes)
{
	struct vsem_dest *d;
	unsigned int i;

	t->seen++;
	vsem_hll_add(t->hll, VSEM_HLL_BITS, hash);
	for (i = 0; i < VSEM_DEST_PROBES; i++) {
		d = &t->slot[(hash + i) % VSEM_DEST_SLOTS];
		if (d->hash == hash && d->family == family &&
		    !memcmp(d->addr, addr, sizeof(d->addr)))
			goto found;
		if (!d->family) {
			if (t->used >= VSEM_DEST_SLOTS * 3 / 4)
				break;
			d->family = family;
			d->hash = hash;
			memcpy(d->addr, addr, sizeof(d->addr));
			t->used++;
			goto found;
		}
	}
	t->unstored++;
	return;
found:
	d->packets++;
	d->bytes += bytes;
	if (READ_ONCE(vsem_cap.capture_task) && in_task()) {
		d->pid = task_tgid_nr(current);
		get_task_comm(d->comm, current);
	}
}

static unsigned int vsem_out(void *priv, struct sk_buff *skb,
			     const struct nf_hook_state *state)
{
	struct vsem_cpu *c;
	u64 addr[2] = {}, hash, t0 = 0;
	bool timed;
	u8 family;

	if (state->pf == NFPROTO_IPV4) {
		family = 4;
		memcpy(addr, &ip_hdr(skb)->daddr, 4);
	} else {
		family = 6;
		memcpy(addr, &ipv6_hdr(skb)->daddr, 16);
	}
	/* Process context or softirq: nothing else of this CPU's runs. */
	local_bh_disable();
	c = this_cpu_ptr(vsem_cap.cpu);
	WRITE_ONCE(c->packets, c->packets + 1);
	timed = !(c->packets % VSEM_COST_SAMPLE);
	if (timed)
		t0 = local_clock();
	hash = siphash_3u64(addr[0], addr[1], family, &vsem_cap.key);
	vsem_note_dest(c->dests[READ_ONCE(vsem_cap.gen) & 1], family, addr,
		       hash, skb->len);
	if (timed)
		WRITE_ONCE(c->cost_ns,
			   c->cost_ns + (local_clock() - t0) * VSEM_COST_SAMPLE);
	local_bh_enable();
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

static void vsem_capture_free(void)
{
	unsigned int cpu, i;

	if (!vsem_cap.cpu)
		return;
	for_each_possible_cpu(cpu)
		for (i = 0; i < 2; i++)
			kvfree(per_cpu_ptr(vsem_cap.cpu, cpu)->dests[i]);
	free_percpu(vsem_cap.cpu);
	vsem_cap.cpu = NULL;
}

/* A device was bound: tables, a new hash key, the hooks and probes. */
int vsem_capture_start(void)
{
	struct vsem_cpu *c;
	unsigned int cpu, i;
	int err;

	vsem_cap.cpu = alloc_percpu(struct vsem_cpu);
	if (!vsem_cap.cpu)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		c = per_cpu_ptr(vsem_cap.cpu, cpu);
		for (i = 0; i < 2; i++) {
			c->dests[i] = kvzalloc_node(sizeof(*c->dests[i]),
						    GFP_KERNEL, cpu_to_node(cpu));
			if (!c->dests[i]) {
				err = -ENOMEM;
				goto fail;
			}
		}
	}
	get_random_bytes(&vsem_cap.key, sizeof(vsem_cap.key));
	vsem_cap.gen = 0;
	vsem_cap.capture_task = false;
	err = nf_register_net_hooks(&init_net, vsem_hooks,
				    ARRAY_SIZE(vsem_hooks));
	if (err)
		goto fail;
	vsem_hv_init();
	return 0;
fail:
	vsem_capture_free();
	return err;
}

void vsem_capture_stop(void)
{
	vsem_hv_exit();
	nf_unregister_net_hooks(&init_net, vsem_hooks, ARRAY_SIZE(vsem_hooks));
	/* unregister waited for the hooks; the kprobes' handlers are done */
	synchronize_rcu();
	vsem_capture_free();
}

void vsem_net_set_capture(bool on)
{
	WRITE_ONCE(vsem_cap.capture_task, on);
}

/* The sum over the CPUs of a u64 of struct vsem_cpu (VSEM_CPU_SUM). */
u64 vsem_cpu_sum(size_t offset)
{
	unsigned int cpu;
	u64 sum = 0;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(*(u64 *)((char *)per_cpu_ptr(vsem_cap.cpu, cpu) +
					  offset));
	return sum;
}

static void vsem_merge_dest(struct vsem_interval *iv, const struct vsem_dest *s)
{
	struct vsem_dest *d;
	unsigned int i;

	for (i = 0; i < VSEM_MERGE_SLOTS; i++) {
		d = &iv->dest[(s->hash + i) % VSEM_MERGE_SLOTS];
		if (!d->family) {
			if (iv->nr >= VSEM_MERGE_SLOTS * 3 / 4)
				break;
			*d = *s;
			iv->slot_used[iv->nr++] = d - iv->dest;
			return;
		}
		if (d->hash == s->hash && d->family == s->family &&
		    !memcmp(d->addr, s->addr, sizeof(d->addr))) {
			d->packets += s->packets;
			d->bytes += s->bytes;
			if (s->pid) {
				d->pid = s->pid;
				memcpy(d->comm, s->comm, sizeof(d->comm));
			}
			return;
		}
	}
	iv->unstored_packets += s->packets;
}

/*
 * End the interval: the hooks and probes go on with the other tables, and
 * those of the interval that ended are merged into @iv and cleared.
 * Process context; the device's lock serialises callers.
 */
void vsem_capture_end_interval(struct vsem_interval *iv)
{
	unsigned int old = vsem_cap.gen, cpu, i, idx = old & 1;
	bool lost = false;

	WRITE_ONCE(vsem_cap.gen, old + 1);
	/* Every hook and probe that may have seen the old gen has returned. */
	synchronize_rcu();

	/* Clear what the last interval took, not the whole table. */
	for (i = 0; i < iv->nr; i++)
		iv->dest[iv->slot_used[i]].family = 0;
	iv->nr = 0;
	iv->nr_hv = 0;
	iv->unstored_packets = 0;
	iv->hv_unstored = 0;
	memset(iv->hll, 0, sizeof(iv->hll));
	memset(iv->hv, 0, sizeof(iv->hv));
	for_each_possible_cpu(cpu) {
		struct vsem_cpu *c = per_cpu_ptr(vsem_cap.cpu, cpu);
		struct vsem_dest_table *t = c->dests[idx];

		vsem_hv_merge(iv, c, idx);
		if (!t->seen)
			continue;	/* untouched: nothing to merge or clear */
		for (i = 0; t->used && i < VSEM_DEST_SLOTS; i++)
			if (t->slot[i].family)
				vsem_merge_dest(iv, &t->slot[i]);
		for (i = 0; i < VSEM_HLL_REGS; i++)
			iv->hll[i] = max(iv->hll[i], t->hll[i]);
		lost |= t->unstored;
		iv->unstored_packets += t->unstored;
		memset(t, 0, sizeof(*t));
		cond_resched();
	}
	/* Exact while every destination was stored, estimated beyond. */
	iv->estimated = lost || iv->unstored_packets;
	iv->destinations = iv->nr;
	if (iv->estimated)
		iv->destinations = max_t(u64, iv->nr,
					 vsem_hll_estimate(iv->hll, VSEM_HLL_BITS));
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
