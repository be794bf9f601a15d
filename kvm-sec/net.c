// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's network view, made of what its taps' hooks counted (packet.c):
 * totals, rates and distinct peers per interval, its own addresses, and
 * where its peers are.
 *
 * Intervals. The hooks fill one half of each VM's distinct-peer registers,
 * chosen by a global parity. At the end of an interval the sampler flips
 * the parity, waits for a grace period (no hook still writes the old half),
 * estimates from the old half and clears it: no lock on the packet path.
 *
 * Addresses. The source addresses a VM sends from are its own: the busiest
 * KVM_SEC_NET_MAX_ADDRS of each kind, as the per-CPU tables count them, are
 * put every interval into a map of this host's addresses. A peer found in
 * the map is "this host", with the VM that sends from it (the busiest, if
 * a guest spoofs another's address: its claim needs more packets than the
 * owner's). Other peers are on the link (broadcast, multicast,
 * link-local), inside the provider (KVM_SEC_A_PREFIXES) or outside.
 *
 * Classes. The view and the hooks (a destination-class rule, limit.h)
 * class peers alike, from one map: this host's addresses as a sorted
 * array, the busiest owner of each, and the prefixes as 128-bit masks
 * (peer_class.h). The sampler publishes it with RCU at the end of each
 * interval, and so does a change of the prefixes: a hook looks an address
 * up with a binary search, without a lock, and a map lives until no
 * reader has it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/etherdevice.h>
#include <linux/hash.h>
#include <linux/hashtable.h>
#include <linux/netdevice.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/vsem_hll.h>
#include <asm/unaligned.h>

#include "guest.h"
#include "net.h"
#include "peer_class.h"
#include "rate.h"
#include "vm.h"

static DEFINE_SPINLOCK(ksec_addr_lock);
static DEFINE_HASHTABLE(ksec_addr_hash, 10);
static unsigned int ksec_nr_own_addrs;	/* in the hash, under its lock */

/* Where peers are, for the view and the hooks (see the top). */
struct ksec_dest_map {
	struct rcu_head rcu;
	unsigned int nr_pfx, nr;
	struct ksec_dest_prefix pfx[KVM_SEC_MAX_PREFIXES];
	struct ksec_dest_addr addr[];	/* by address, one each */
};

static struct ksec_dest_map __rcu *ksec_dest_map;
/* Serialises the map's publishers. */
static DEFINE_MUTEX(ksec_dest_lock);
/* VMs with network state: the sampler has work. */
static atomic_t ksec_nets = ATOMIC_INIT(0);

struct ksec_vm_net *ksec_net_alloc(void)
{
	struct ksec_vm_net *net = kzalloc(sizeof(*net), GFP_KERNEL);
	int cpu;

	if (!net)
		return NULL;
	net->pcpu = alloc_percpu(struct ksec_net_pcpu);
	if (!net->pcpu) {
		kfree(net);
		return NULL;
	}
	for_each_possible_cpu(cpu) {
		struct ksec_net_pcpu *pc = per_cpu_ptr(net->pcpu, cpu);

		ksec_top_init(&pc->dst);
		ksec_top_init(&pc->src);
		ksec_top_init(&pc->own_ip);
		ksec_top_init(&pc->own_mac);
	}
	INIT_LIST_HEAD(&net->binds);
	seqcount_init(&net->bind_seq);
	net->last_ns = ktime_get_ns();
	atomic_inc(&ksec_nets);
	return net;
}

void ksec_net_forget_addrs(struct ksec_vm_net *net)
{
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&ksec_addr_lock, flags);
	for (i = 0; i < ARRAY_SIZE(net->own_ip); i++) {
		if (net->own_ip[i].hashed) {
			hash_del(&net->own_ip[i].node);
			WRITE_ONCE(ksec_nr_own_addrs, ksec_nr_own_addrs - 1);
		}
		net->own_ip[i].hashed = false;
		net->own_ip[i].packets = 0;
	}
	net->nr_own_mac = 0;
	spin_unlock_irqrestore(&ksec_addr_lock, flags);
}

/* From the VM's last reference (an RCU callback): nothing uses @net. */
void ksec_net_free(struct ksec_vm_net *net)
{
	if (!net)
		return;
	ksec_net_forget_addrs(net);
	free_percpu(net->pcpu);
	kfree(net);
	atomic_dec(&ksec_nets);
}

void ksec_net_totals(struct ksec_vm_net *net, u64 *tot)
{
	int cpu, c;

	memset(tot, 0, sizeof(*tot) * KSEC_NET_NR);
	for_each_possible_cpu(cpu) {
		const struct ksec_net_pcpu *pc = per_cpu_ptr(net->pcpu, cpu);

		for (c = 0; c < KSEC_NET_NR; c++)
			tot[c] += READ_ONCE(pc->ctr[c]);
	}
}

/*
 * A VM's network state: set once, under rtnl, and freed with the VM, so
 * a holder of a reference on the VM may use it without RCU.
 */
static struct ksec_vm_net *ksec_vm_net_of(struct ksec_vm *vm)
{
	return rcu_dereference_check(vm->net, kref_read(&vm->ref));
}

static u32 ksec_addr_hashkey(u64 hi, u64 lo)
{
	return hash_64(hi ^ lo, 32);
}

/* The VM's own addresses: the busiest sources of each kind it sent from. */
static void ksec_net_learn_addrs(struct ksec_vm *vm, struct ksec_vm_net *net,
				 struct ksec_top_merged *ip,
				 struct ksec_top_merged *mac)
{
	unsigned int i, v4 = 0, v6 = 0, n = 0;
	unsigned long flags;

	ksec_top_finish(ip, KSEC_TOP_MERGED);
	ksec_top_finish(mac, KVM_SEC_NET_MAX_ADDRS);
	spin_lock_irqsave(&ksec_addr_lock, flags);
	for (i = 0; i < ARRAY_SIZE(net->own_ip); i++) {
		if (net->own_ip[i].hashed) {
			hash_del(&net->own_ip[i].node);
			WRITE_ONCE(ksec_nr_own_addrs, ksec_nr_own_addrs - 1);
		}
		net->own_ip[i].hashed = false;
	}
	for (i = 0; i < ip->nr && n < ARRAY_SIZE(net->own_ip); i++) {
		const struct ksec_top_slot *s = &ip->slot[i];
		struct ksec_own_addr *a = &net->own_ip[n];
		bool is_v4 = ksec_key_is_v4(s->key_hi, s->key);

		if (ksec_key_is_link(s->key_hi, s->key) ||
		    (is_v4 ? v4 : v6) == KVM_SEC_NET_MAX_ADDRS)
			continue;
		is_v4 ? v4++ : v6++;
		a->hi = s->key_hi;
		a->lo = s->key;
		a->packets = s->count;
		a->vm_id = vm->id;
		a->hashed = true;
		hash_add(ksec_addr_hash, &a->node,
			 ksec_addr_hashkey(a->hi, a->lo));
		WRITE_ONCE(ksec_nr_own_addrs, ksec_nr_own_addrs + 1);
		n++;
	}
	for (i = 0; i < mac->nr; i++)
		net->own_mac[i] = mac->slot[i].key;
	net->nr_own_mac = mac->nr;
	spin_unlock_irqrestore(&ksec_addr_lock, flags);
}

/* The same classes as the map in use: no need to publish it again. */
static bool ksec_dest_same(const struct ksec_dest_map *a,
			   const struct ksec_dest_map *b)
{
	unsigned int i;

	if (!a || a->nr != b->nr || a->nr_pfx != b->nr_pfx ||
	    memcmp(a->pfx, b->pfx, sizeof(a->pfx[0]) * a->nr_pfx))
		return false;
	for (i = 0; i < a->nr; i++)
		if (a->addr[i].hi != b->addr[i].hi ||
		    a->addr[i].lo != b->addr[i].lo ||
		    a->addr[i].vm_id != b->addr[i].vm_id)
			return false;
	return true;
}

/* Up to @n of this host's addresses into @map; false if there are more. */
static bool ksec_dest_fill(struct ksec_dest_map *map, unsigned int n)
{
	struct ksec_own_addr *a;
	unsigned int i = 0, bkt;
	unsigned long flags;

	spin_lock_irqsave(&ksec_addr_lock, flags);
	if (ksec_nr_own_addrs > n) {
		spin_unlock_irqrestore(&ksec_addr_lock, flags);
		return false;
	}
	hash_for_each(ksec_addr_hash, bkt, a, node) {
		map->addr[i] = (struct ksec_dest_addr){
			.hi = a->hi, .lo = a->lo, .packets = a->packets,
			.vm_id = a->vm_id,
		};
		i++;
	}
	spin_unlock_irqrestore(&ksec_addr_lock, flags);
	sort(map->addr, i, sizeof(map->addr[0]), ksec_dest_cmp, NULL);
	map->nr = ksec_dest_dedupe(map->addr, i);
	return true;
}

/*
 * Publishes the map of where peers are again, from this host's addresses
 * and the prefixes: after every interval, and when the prefixes change.
 * Process context. Without memory, the last map stays until the next
 * interval tries again (counted).
 */
void ksec_net_publish_dests(void)
{
	struct virtio_vsem_prefix pfx[KVM_SEC_MAX_PREFIXES];
	struct ksec_dest_map *map = NULL, *old;
	unsigned int n, j, tries;

	mutex_lock(&ksec_dest_lock);
	/* The addresses may grow before the walk: size again (bounded). */
	for (tries = 0; tries < 3; tries++) {
		n = READ_ONCE(ksec_nr_own_addrs) + 4;
		map = kvmalloc(struct_size(map, addr, n), GFP_KERNEL);
		if (!map || ksec_dest_fill(map, n))
			break;
		kvfree(map);
		map = NULL;
	}
	if (!map) {
		/* Out of memory, or still growing: the next interval tries. */
		if (tries < 3)
			atomic64_inc(&ksec_status.alloc_failures);
		mutex_unlock(&ksec_dest_lock);
		return;
	}
	map->nr_pfx = ksec_guest_get_prefixes(pfx);
	memset(map->pfx, 0, sizeof(map->pfx));
	for (j = 0; j < map->nr_pfx; j++)
		ksec_dest_prefix(&map->pfx[j], &pfx[j]);
	old = rcu_dereference_protected(ksec_dest_map,
					lockdep_is_held(&ksec_dest_lock));
	if (ksec_dest_same(old, map)) {
		mutex_unlock(&ksec_dest_lock);
		kvfree(map);
		return;
	}
	rcu_assign_pointer(ksec_dest_map, map);
	mutex_unlock(&ksec_dest_lock);
	if (old)
		kvfree_rcu(old, rcu);
}

/* When no hook and no reader is left. */
void ksec_net_exit(void)
{
	struct ksec_dest_map *map;

	mutex_lock(&ksec_dest_lock);
	map = rcu_replace_pointer(ksec_dest_map, NULL,
				  lockdep_is_held(&ksec_dest_lock));
	mutex_unlock(&ksec_dest_lock);
	synchronize_rcu();
	kvfree(map);
}

/* Before the first map and after the last: no address, no prefix. */
static const struct ksec_dest_map ksec_no_dests;

/* Every class a peer is in, and for THIS_HOST which VM; under RCU. */
static unsigned int ksec_classes(const struct ksec_dest_map *map, u64 hi,
				 u64 lo, u32 *vm_id)
{
	if (!map)
		map = &ksec_no_dests;
	return ksec_peer_classes(map->addr, map->nr, map->pfx, map->nr_pfx,
				 hi, lo, vm_id);
}

unsigned int ksec_net_peer_classes(u64 hi, u64 lo)
{
	u32 vm_id;

	return ksec_classes(rcu_dereference(ksec_dest_map), hi, lo, &vm_id);
}

static void ksec_net_sample_vm(struct ksec_vm *vm, struct ksec_vm_net *net,
			       u64 now_ns, struct ksec_top_merged *ip,
			       struct ksec_top_merged *mac)
{
	unsigned int old = (READ_ONCE(ksec_net_parity) + 1) & 1;
	u64 tot[KSEC_NET_NR], dst, src, elapsed;
	unsigned long flags;
	int cpu, c;

	dst = vsem_hll_estimate(net->hll[old][0], KSEC_HLL_BITS);
	src = vsem_hll_estimate(net->hll[old][1], KSEC_HLL_BITS);
	memset(net->hll[old], 0, sizeof(net->hll[old]));
	ksec_net_totals(net, tot);

	spin_lock_irqsave(&vm->lock, flags);
	elapsed = ksec_sample_elapsed(now_ns, net->last_ns);
	if (elapsed) {
		for (c = 0; c < KSEC_NET_NR; c++) {
			u64 d = tot[c] >= net->last_tot[c] ?
				tot[c] - net->last_tot[c] : 0;

			net->rate[c] = ksec_rate_per_s(d, elapsed);
			net->last_tot[c] = tot[c];
		}
		net->last_ns = now_ns;
		net->distinct_dst = dst;
		net->distinct_src = src;
	}
	spin_unlock_irqrestore(&vm->lock, flags);

	ksec_top_merged_init(ip);
	ksec_top_merged_init(mac);
	for_each_possible_cpu(cpu) {
		const struct ksec_net_pcpu *pc = per_cpu_ptr(net->pcpu, cpu);

		ksec_top_merge(ip, &pc->own_ip);
		ksec_top_merge(mac, &pc->own_mac);
	}
	if (!READ_ONCE(vm->dead))
		ksec_net_learn_addrs(vm, net, ip, mac);
}

void ksec_net_sample_all(u64 now_ns)
{
	struct ksec_top_merged *ip, *mac;
	struct ksec_vm_net *net;
	struct ksec_vm *vm;
	u32 id = 1;

	if (!atomic_read(&ksec_nets))
		goto publish;	/* the last VM's addresses are gone too */
	ip = kmalloc(sizeof(*ip), GFP_KERNEL);
	mac = kmalloc(sizeof(*mac), GFP_KERNEL);
	if (!ip || !mac) {
		atomic64_inc(&ksec_status.alloc_failures);
		goto out;
	}
	/* The hooks go on in the other half; none writes this one after. */
	WRITE_ONCE(ksec_net_parity, ksec_net_parity + 1);
	synchronize_net();
	while ((vm = ksec_vm_get_next(&id, 0))) {
		net = ksec_vm_net_of(vm);
		if (net)
			ksec_net_sample_vm(vm, net, now_ns, ip, mac);
		ksec_vm_put(vm);
		id++;
		cond_resched();
	}
out:
	kfree(ip);
	kfree(mac);
publish:
	ksec_net_publish_dests();
}

bool ksec_net_rates(struct ksec_vm *vm, u64 *rate, u64 *dst, u64 *src)
{
	struct ksec_vm_net *net = ksec_vm_net_of(vm);
	unsigned long flags;

	if (!net)
		return false;
	spin_lock_irqsave(&vm->lock, flags);
	memcpy(rate, net->rate, sizeof(net->rate));
	*dst = net->distinct_dst;
	*src = net->distinct_src;
	spin_unlock_irqrestore(&vm->lock, flags);
	return true;
}

/*
 * The devices' own counters, not the hooks': a tun device counts what its
 * VM wrote (rx_packets) and what its VM read (tx_packets), after every
 * qdisc, tc action and XDP program in between; a macvtap the other way.
 */
bool ksec_net_seen(struct ksec_vm *vm, u64 *tx, u64 *rx, u32 *bind_gen)
{
	struct ksec_vm_net *net = ksec_vm_net_of(vm);
	struct rtnl_link_stats64 st;
	struct ksec_netbind *b;
	unsigned int tries;
	bool gone = false;
	u32 gen;

	if (!net)
		return false;
	for (tries = 0; tries < 3; tries++) {
		gen = raw_read_seqcount(&net->bind_seq);
		if (gen & 1)
			continue;	/* a device is being bound or unbound */
		*tx = 0;
		*rx = 0;
		rcu_read_lock();
		list_for_each_entry_rcu(b, &net->binds, vm_node) {
			/*
			 * Unregistering: its driver may free its statistics
			 * (ndo_uninit) without a grace period after the
			 * notifier unbound it. Skip it, as /proc/net/dev.
			 */
			if (READ_ONCE(b->dev->reg_state) != NETREG_REGISTERED) {
				gone = true;
				break;
			}
			dev_get_stats(b->dev, &st);
			if (b->vm_sends_at_ingress) {
				*tx += st.rx_packets;
				*rx += st.tx_packets;
			} else {
				/* macvlan counts what the tap then drops. */
				*tx += st.tx_packets;
				*rx += st.rx_packets - min(st.rx_errors,
							   st.rx_packets);
			}
		}
		rcu_read_unlock();
		if (gone)
			return false;
		/* The same devices throughout, or the sums mean nothing. */
		if (!read_seqcount_retry(&net->bind_seq, gen)) {
			*bind_gen = gen;
			return READ_ONCE(net->nr_binds);
		}
	}
	return false;
}

/* Under RCU. */
static void ksec_peers_view(struct ksec_peers_view *out,
			    struct ksec_top_merged *m,
			    const struct ksec_dest_map *map)
{
	unsigned int i;

	ksec_top_finish(m, KVM_SEC_NET_PEERS);
	out->nr = m->nr;
	out->other = m->other;
	for (i = 0; i < m->nr; i++) {
		const struct ksec_top_slot *s = &m->slot[i];
		struct ksec_peer_view *p = &out->peer[i];

		p->packets = s->count;
		p->err = s->err;
		p->vm_id = 0;
		if (ksec_key_is_v4(s->key_hi, s->key)) {
			p->family = 4;
			put_unaligned_be32(s->key, p->addr);
		} else {
			p->family = 6;
			put_unaligned_be64(s->key_hi, p->addr);
			put_unaligned_be64(s->key, p->addr + 8);
		}
		p->class = ksec_peer_class_of(ksec_classes(map, s->key_hi, s->key,
							   &p->vm_id));
	}
}

static void ksec_addrs_view(struct ksec_vm_net *net, struct ksec_net_view *v)
{
	unsigned long flags;
	unsigned int i, n = 0;

	spin_lock_irqsave(&ksec_addr_lock, flags);
	for (i = 0; i < net->nr_own_mac; i++) {
		v->addr[n].len = ETH_ALEN;
		u64_to_ether_addr(net->own_mac[i], v->addr[n].addr);
		n++;
	}
	for (i = 0; i < ARRAY_SIZE(net->own_ip); i++) {
		const struct ksec_own_addr *a = &net->own_ip[i];

		if (!a->hashed)
			continue;
		if (ksec_key_is_v4(a->hi, a->lo)) {
			v->addr[n].len = 4;
			put_unaligned_be32(a->lo, v->addr[n].addr);
		} else {
			v->addr[n].len = 16;
			put_unaligned_be64(a->hi, v->addr[n].addr);
			put_unaligned_be64(a->lo, v->addr[n].addr + 8);
		}
		n++;
	}
	v->nr_addrs = n;
	spin_unlock_irqrestore(&ksec_addr_lock, flags);
}

bool ksec_net_fill_view(struct ksec_vm *vm, struct ksec_net_view *v)
{
	struct ksec_vm_net *net = ksec_vm_net_of(vm);
	const struct ksec_dest_map *map;
	struct ksec_top_merged *dst, *src;
	unsigned long flags;
	int cpu;

	if (!net)
		return false;
	ksec_net_totals(net, v->tot);
	spin_lock_irqsave(&vm->lock, flags);
	memcpy(v->rate, net->rate, sizeof(v->rate));
	v->distinct_dst = net->distinct_dst;
	v->distinct_src = net->distinct_src;
	spin_unlock_irqrestore(&vm->lock, flags);
	v->nr_devs = ksec_netdev_list(vm, v->dev, ARRAY_SIZE(v->dev));
	ksec_addrs_view(net, v);

	v->dst.nr = 0;
	v->src.nr = 0;
	v->dst.other = 0;
	v->src.other = 0;
	dst = kmalloc(sizeof(*dst), GFP_KERNEL);
	src = kmalloc(sizeof(*src), GFP_KERNEL);
	if (dst && src) {
		ksec_top_merged_init(dst);
		ksec_top_merged_init(src);
		for_each_possible_cpu(cpu) {
			const struct ksec_net_pcpu *pc = per_cpu_ptr(net->pcpu,
								     cpu);

			ksec_top_merge(dst, &pc->dst);
			ksec_top_merge(src, &pc->src);
		}
		rcu_read_lock();
		map = rcu_dereference(ksec_dest_map);
		ksec_peers_view(&v->dst, dst, map);
		ksec_peers_view(&v->src, src, map);
		rcu_read_unlock();
	} else {
		atomic64_inc(&ksec_status.alloc_failures);
	}
	kfree(dst);
	kfree(src);
	return true;
}
