// SPDX-License-Identifier: GPL-2.0
/*
 * Activity limits on a VM: its network, in its tap hooks (here), and its
 * exits of a class, paced on KVM's exit path (pace.c); both are set, lifted
 * and shown here, under one lock. So is the CPU time of its vCPU threads,
 * which the module does not enforce: the agent (vsecd) applies it as their
 * cgroup's cpu.max.
 *
 * A VM has up to six token buckets (bucket.h): packets, bytes and new
 * connections (TCP SYNs without ACK), each way. A packet the VM sends is
 * checked against the TX buckets at the hook where it enters the host, so
 * a dropped packet never reaches the bridge, the peer or the wire; one it
 * receives, against the RX buckets before the VM gets it. The host counted
 * it first (packet.c): HSEM still sees what the VM tried, so a limit never
 * makes an attacker look calm.
 *
 * Cost. Without a limit, one load of a word the hooks share read-only.
 * With one, a spinlock per VM (the buckets are shared by all CPUs, as the
 * VM's packets may come on any of them) around at most three bucket
 * updates: two multiplications and divisions each.
 *
 * A destination-class rule (struct ksec_block) is checked in the hooks
 * before the buckets, without the lock: a packet to (or from) a peer of a
 * blocked class is dropped and counted by class, and takes no token.
 *
 * A packet passes only if every bucket that applies has its tokens, all
 * checked before any is taken from. A frame takes one packet token, as it
 * is one packet in the VM's counters and history (a 64 KiB TSO frame too:
 * its size is the byte bucket's), and a frame larger than a byte bucket
 * leaves a debt (bucket.h).
 */
#include <linux/bitops.h>
#include <linux/ktime.h>
#include <linux/math64.h>

#include "limit.h"
#include "pace.h"
#include "vm.h"

void ksec_limit_init(struct ksec_limits *l)
{
	memset(l, 0, sizeof(*l));
	spin_lock_init(&l->lock);
}

void ksec_limit_free(struct ksec_limits *l)
{
	ksec_pace_free(l);
}

bool ksec_limit_spec_valid(unsigned int kind, const struct ksec_limit_spec *s)
{
	if (kind == KSEC_LIM_CPU && s->size &&
	    (s->burst || s->size < KSEC_CPU_QUOTA_MIN_US ||
	     s->refill_ms > KSEC_CPU_PERIOD_MAX_MS))
		return false;
	return ksec_bucket_valid(s->size, s->refill_ms, s->burst);
}

/* Under the lock. */
static void ksec_limit_set_locked(struct ksec_limits *l, unsigned int kind,
				  const struct ksec_limit_spec *s, u8 owner,
				  u64 now)
{
	if (kind < KSEC_LIM_NET_NR)
		ksec_bucket_set(&l->b[kind], s->size, s->refill_ms, s->burst,
				now);
	else if (ksec_lim_is_exit(kind))
		ksec_pacer_set(l, &l->pace[kind - KSEC_LIM_NET_NR], s, now);
	l->set[kind] = *s;
	if (!s->size)
		l->set[kind] = (struct ksec_limit_spec){ };
	l->owner[kind] = s->size ? owner : KSEC_LIM_NONE;
	if (s->size)
		WRITE_ONCE(l->active, l->active | BIT(kind));
	else
		WRITE_ONCE(l->active, l->active & ~BIT(kind));
}

/* Exit limits need their vCPUs' works: allocated before any is set. */
int ksec_limit_prepare(struct ksec_vm *vm, unsigned long given,
		       const struct ksec_limit_spec *s)
{
	unsigned int kind = KSEC_LIM_NET_NR;

	for_each_set_bit_from(kind, &given, KSEC_LIM_EXIT_END)
		if (s[kind].size)
			return ksec_pace_prepare(vm);
	return 0;
}

int ksec_limit_set(struct ksec_vm *vm, unsigned long given,
		   const struct ksec_limit_spec *s)
{
	struct ksec_limits *l = &vm->lim;
	u64 now = ktime_get_ns();
	unsigned int kind;
	int err;

	err = ksec_limit_prepare(vm, given, s);
	if (err)
		return err;
	spin_lock_bh(&l->lock);
	for_each_set_bit(kind, &given, KSEC_LIM_NR)
		ksec_limit_set_locked(l, kind, &s[kind], KSEC_LIM_ADMIN, now);
	spin_unlock_bh(&l->lock);
	if (given & GENMASK(KSEC_LIM_EXIT_END - 1, KSEC_LIM_NET_NR))
		ksec_pace_changed();
	return 0;
}

bool ksec_limit_auto(struct ksec_vm *vm, unsigned int kind,
		     const struct ksec_limit_spec *s)
{
	struct ksec_limits *l = &vm->lim;
	const struct ksec_limit_spec *cur = &l->set[kind];
	bool change;

	/* Exit limits need their vCPUs' works (@s is this kind's alone). */
	if (ksec_lim_is_exit(kind) && s->size && ksec_pace_prepare(vm))
		return false;
	spin_lock_bh(&l->lock);
	change = l->owner[kind] != KSEC_LIM_ADMIN &&
		 (cur->size != s->size || cur->refill_ms != s->refill_ms ||
		  (s->size && l->owner[kind] != KSEC_LIM_HSEM));
	if (change)
		ksec_limit_set_locked(l, kind, s, KSEC_LIM_HSEM,
				      ktime_get_ns());
	spin_unlock_bh(&l->lock);
	if (change && ksec_lim_is_exit(kind))
		ksec_pace_changed();
	return change;
}

void ksec_limit_fill_view(struct ksec_limits *l, struct ksec_limit_view *v)
{
	u64 now = ktime_get_ns();
	unsigned int i, c;

	memset(v, 0, sizeof(*v));
	spin_lock_bh(&l->lock);
	v->active = l->active;
	for (i = 0; i < KSEC_LIM_NR; i++) {
		v->spec[i] = l->set[i];
		v->owner[i] = l->owner[i];
	}
	for (i = 0; i < KSEC_LIM_NET_NR; i++) {
		struct ksec_bucket *b = &l->b[i];

		if (b->size)
			ksec_bucket_refill(b, now);
		v->spec[i].burst = b->burst;
		v->tokens[i] = b->tokens;
		v->drops[i] = l->drops[i];
	}
	for (i = KSEC_LIM_NET_NR; i < KSEC_LIM_EXIT_END; i++) {
		struct ksec_pacer *p = &l->pace[i - KSEC_LIM_NET_NR];

		v->spec[i].burst = max_t(s64, atomic64_read(&p->burst), 0);
		v->tokens[i] = ksec_pacer_tokens(p, l->set[i].size, now);
		v->drops[i] = atomic64_read(&p->paced);
		v->wait_us[i] = div_u64(atomic64_read(&p->wait_ns),
					NSEC_PER_USEC);
	}
	v->block[0] = l->block.classes[0];
	v->block[1] = l->block.classes[1];
	v->block_owner = l->block.owner;
	v->block_ever = l->block.ever;
	v->agent = l->agent;
	spin_unlock_bh(&l->lock);
	for (i = 0; i < 2; i++)
		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
			v->block_drops[i][c] =
				atomic64_read(&l->block_drops[i][c]);
}

void ksec_limit_set_block(struct ksec_limits *l, int tx, int rx)
{
	struct ksec_block *b = &l->block;

	spin_lock_bh(&l->lock);
	if (tx >= 0)
		WRITE_ONCE(b->classes[0], tx & KVM_SEC_BLOCK_CLASSES);
	if (rx >= 0)
		WRITE_ONCE(b->classes[1], rx & KVM_SEC_BLOCK_CLASSES);
	b->owner = b->classes[0] || b->classes[1] ? KSEC_LIM_ADMIN :
						    KSEC_LIM_NONE;
	b->ever = true;
	spin_unlock_bh(&l->lock);
}

unsigned long ksec_limit_paced(struct ksec_limits *l, u64 *last)
{
	unsigned long moved = 0;
	unsigned int i;

	spin_lock_bh(&l->lock);
	for (i = 0; i < KSEC_LIM_EXIT_NR; i++) {
		u64 n = atomic64_read(&l->pace[i].paced);

		if (n != last[i] &&
		    l->owner[KSEC_LIM_NET_NR + i] == KSEC_LIM_HSEM)
			moved |= BIT(i);
		last[i] = n;
	}
	spin_unlock_bh(&l->lock);
	return moved;
}

void ksec_limit_agent_report(struct ksec_limits *l,
			     const struct ksec_agent_report *r)
{
	spin_lock_bh(&l->lock);
	l->agent = *r;
	l->agent.at_ns = ktime_get_ns();
	spin_unlock_bh(&l->lock);
}

u64 ksec_limit_hsem_cpu(struct ksec_limits *l)
{
	u64 cap = 0;

	spin_lock_bh(&l->lock);
	if (l->owner[KSEC_LIM_CPU] == KSEC_LIM_HSEM)
		cap = div64_u64(l->set[KSEC_LIM_CPU].size,
				l->set[KSEC_LIM_CPU].refill_ms);
	spin_unlock_bh(&l->lock);
	return cap;
}

bool __ksec_limit_pass(struct ksec_limits *l, bool rx, unsigned int len,
		       bool syn)
{
	struct ksec_bucket *pk = &l->b[KSEC_LIM_TX_PACKETS + rx];
	struct ksec_bucket *by = &l->b[KSEC_LIM_TX_BYTES + rx];
	struct ksec_bucket *sy = &l->b[KSEC_LIM_TX_SYN + rx];
	unsigned int drop = KSEC_LIM_NET_NR;
	u64 now = ktime_get_ns();

	spin_lock(&l->lock);
	/* Every bucket that applies is checked before any is taken from. */
	if (!ksec_bucket_ok(pk, 1, now))
		drop = KSEC_LIM_TX_PACKETS + rx;
	else if (!ksec_bucket_ok(by, len, now))
		drop = KSEC_LIM_TX_BYTES + rx;
	else if (syn && !ksec_bucket_ok(sy, 1, now))
		drop = KSEC_LIM_TX_SYN + rx;
	if (drop == KSEC_LIM_NET_NR) {
		ksec_bucket_take(pk, 1, now);
		ksec_bucket_take(by, len, now);
		if (syn)
			ksec_bucket_take(sy, 1, now);
	} else {
		l->drops[drop]++;
	}
	spin_unlock(&l->lock);
	return drop == KSEC_LIM_NET_NR;
}
