/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's own view of each VM's network, from its tap devices: which
 * devices are the VM's (netdev.c), what crosses them, headers only
 * (packet.c), and what that adds up to per interval (net.c).
 */
#ifndef KSEC_NET_H
#define KSEC_NET_H

#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/percpu.h>
#include <linux/seqlock.h>
#include <linux/types.h>
#include <linux/kvm_sec.h>

#include "topn.h"

struct ksec_vm;
struct sk_buff;

/* The order of enum kvm_sec_net_ctr, from KVM_SEC_NET_CTR_TX_PACKETS. */
enum ksec_net_ctr {
	KSEC_NET_TX_PACKETS,
	KSEC_NET_TX_BYTES,
	KSEC_NET_RX_PACKETS,
	KSEC_NET_RX_BYTES,
	KSEC_NET_TX_SYN,
	KSEC_NET_RX_SYN,
	KSEC_NET_TX_SYNACK,
	KSEC_NET_RX_SYNACK,
	KSEC_NET_TX_RST,
	KSEC_NET_RX_RST,
	KSEC_NET_TX_UNREACH,
	KSEC_NET_RX_UNREACH,
	KSEC_NET_TX_UDP,
	KSEC_NET_RX_UDP,
	KSEC_NET_TX_NONIP,
	KSEC_NET_RX_NONIP,
	KSEC_NET_TX_UNPARSED,
	KSEC_NET_RX_UNPARSED,
	KSEC_NET_NR
};

/* A direction's counter: TX (the VM sends) is even, RX the next one. */
#define KSEC_NET_DIR(ctr, rx)	((ctr) + (rx))

/* Distinct peers per interval: HyperLogLog registers. */
#define KSEC_HLL_BITS		10
#define KSEC_HLL_REGS		BIT(KSEC_HLL_BITS)

/*
 * The peer this CPU last added to a distinct-peer estimator, with its
 * register and rank there (rank 0: none yet). The hash's key is fixed for
 * the module's life, so they hold in every interval: a train of packets
 * to one peer is hashed once, and each packet still raises its register.
 */
struct ksec_hll_last {
	u64 hi, lo;
	u16 idx;
	u8 rank;
};

/* Written only by its own CPU, from the hooks (bottom halves off). */
struct ksec_net_pcpu {
	u64 ctr[KSEC_NET_NR];
	struct ksec_top dst;		/* destinations of what the VM sent */
	struct ksec_top src;		/* sources of what it received */
	struct ksec_top own_ip;		/* source addresses it sent from */
	struct ksec_top own_mac;	/* source MACs it sent from */
	struct ksec_hll_last hll_last[2];	/* [0: destinations, 1: sources] */
};

/* A VM's own address, and which VM it is (the map of this host). */
struct ksec_own_addr {
	struct hlist_node node;		/* ksec_addr_hash, under its lock */
	u64 hi, lo;			/* IPv6, IPv4 mapped (::ffff:a.b.c.d) */
	u64 packets;
	u32 vm_id;
	bool hashed;
};

struct ksec_vm_net {
	struct ksec_net_pcpu __percpu *pcpu;
	/*
	 * Distinct peers: [interval parity][0: destinations, 1: sources],
	 * shared by all CPUs (a lost rise is a slight underestimate).
	 */
	u8 hll[2][2][KSEC_HLL_REGS];
	/* Under rtnl: the devices bound to the VM. */
	struct list_head binds;		/* readers: RCU */
	unsigned int nr_binds;
	/* Written under rtnl around every change of binds. */
	seqcount_t bind_seq;
	u64 last_ns;			/* the sampler's last visit */
	/* Under vm->lock: what the sampler made of the counters. */
	u64 last_tot[KSEC_NET_NR];
	u64 rate[KSEC_NET_NR];
	u64 distinct_dst, distinct_src;
	/* Under ksec_addr_lock. */
	struct ksec_own_addr own_ip[2 * KVM_SEC_NET_MAX_ADDRS];
	u64 own_mac[KVM_SEC_NET_MAX_ADDRS];
	unsigned int nr_own_mac;
};

/* A network device bound to a VM: its hooks count for the VM. */
struct ksec_netbind {
	struct list_head vm_node;	/* vm->net->binds, under rtnl */
	struct list_head all_node;	/* every binding, under rtnl */
	struct ksec_vm *vm;		/* referenced */
	struct ksec_vm_net *net;	/* vm->net: lives as long as vm */
	struct net_device *dev;		/* held */
	netdevice_tracker tracker;
	struct nf_hook_ops ops[2];	/* ingress, egress */
	u8 how;				/* enum kvm_sec_netdev_how */
	/*
	 * What the device receives is what the VM sent (a tun tap: the VM
	 * writes into it); false for macvtap, whose VM sends through the
	 * device's transmit path and receives on its receive path.
	 */
	bool vm_sends_at_ingress;
	bool found;			/* the last scan found it again */
	struct rcu_head rcu;
};

/* One peer of a VM, as reported. */
struct ksec_peer_view {
	u8 family;			/* 4 or 6 */
	u8 class;			/* enum kvm_sec_peer_class */
	u8 addr[16];
	u64 packets, err;
	u32 vm_id;
};

struct ksec_peers_view {
	unsigned int nr;
	struct ksec_peer_view peer[KVM_SEC_NET_PEERS];
	u64 other;
};

struct ksec_netdev_view {
	char name[IFNAMSIZ];
	u32 ifindex;
	u8 how;
	bool init_net;
};

/* A consistent copy of a VM's network view, for netlink. */
struct ksec_net_view {
	u64 tot[KSEC_NET_NR];
	u64 rate[KSEC_NET_NR];
	u64 distinct_dst, distinct_src;
	unsigned int nr_devs;
	struct ksec_netdev_view dev[KVM_SEC_NET_MAX_DEVICES];
	unsigned int nr_addrs;
	struct {
		u8 len;			/* 6, 4 or 16 */
		u8 addr[16];
	} addr[3 * KVM_SEC_NET_MAX_ADDRS];
	struct ksec_peers_view dst, src;
};

/* packet.c: the hooks. */
unsigned int ksec_net_hook(void *priv, struct sk_buff *skb,
			   const struct nf_hook_state *state);
void ksec_net_packet_init(void);
extern unsigned int ksec_net_parity;

/* net.c: per-VM state, intervals, classification. */
struct ksec_vm_net *ksec_net_alloc(void);
void ksec_net_free(struct ksec_vm_net *net);
void ksec_net_totals(struct ksec_vm_net *net, u64 *tot);
/* Every interval, from the sampler (sleeps). */
void ksec_net_sample_all(u64 now_ns);
/*
 * Where peers are (enum kvm_sec_peer_class), for the view and the hooks:
 * published again after every interval and when the prefixes change
 * (process context); freed once no hook runs and no reader is left.
 */
void ksec_net_publish_dests(void);
void ksec_net_exit(void);
/*
 * Every class a peer's address (IPv4 mapped) is in, as bits
 * BIT(enum kvm_sec_peer_class) (peer_class.h); under RCU (the hooks).
 */
unsigned int ksec_net_peer_classes(u64 hi, u64 lo);
/*
 * The packets @vm's devices exchanged with the VM, by the devices' own
 * counters (what the VM wrote into a tap, what it read from it), summed,
 * and the generation of the set of devices they are from. False without a
 * device.
 */
bool ksec_net_seen(struct ksec_vm *vm, u64 *tx, u64 *rx, u32 *bind_gen);
/* The last interval's rates and distinct peers; false without a device. */
bool ksec_net_rates(struct ksec_vm *vm, u64 *rate, u64 *dst, u64 *src);
/* False if no device was ever bound to the VM. */
bool ksec_net_fill_view(struct ksec_vm *vm, struct ksec_net_view *v);
/* Forget the VM's addresses (the VM's state is being freed). */
void ksec_net_forget_addrs(struct ksec_vm_net *net);

/* netdev.c: finding and binding devices. */
int ksec_netdev_init(void);
void ksec_netdev_exit(void);
/* Look for the taps of every VM's VMM, soon (any context). */
void ksec_netdev_rescan(void);
int ksec_netdev_add(struct ksec_vm *vm, const char *name,
		    const char **why);
int ksec_netdev_del(struct ksec_vm *vm, const char *name,
		    const char **why);
/* A VM is gone: unbind its devices, soon (any context). */
void ksec_netdev_vm_gone(void);
u32 ksec_netdev_count(void);
/* The devices bound to @vm (under RCU: a name may be caught mid-rename). */
unsigned int ksec_netdev_list(struct ksec_vm *vm,
			      struct ksec_netdev_view *out, unsigned int max);

#endif /* KSEC_NET_H */
