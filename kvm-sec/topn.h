/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded "top-N" tables of (key, count), built for the KVM exit path.
 *
 * Each CPU owns one table per VM and per kind of key (port, page, hypercall
 * number). The owning CPU is the only writer, with preemption disabled, so an
 * update needs no lock and no atomic instruction. A table has a fixed number
 * of slots found by linear probing; slots are never freed, so an empty slot
 * ends a probe. Keys that find no free slot are added to ->other: every
 * operation is counted somewhere, and the sum of all counts plus ->other is
 * the number of operations.
 *
 * Readers on other CPUs see a slot's key before its count becomes non-zero
 * (release/acquire), so they never attribute a count to the wrong key.
 *
 * This file is shared with the userspace unit tests (userspace/tests/).
 */
#ifndef KSEC_TOPN_H
#define KSEC_TOPN_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <asm/barrier.h>
#else
#include "topn_user.h"
#endif

#define KSEC_TOP_SLOTS	16	/* per CPU and table: a power of two */
#define KSEC_TOP_MERGED	64	/* distinct keys kept when merging CPUs */

struct ksec_top_slot {
	u64 key;
	u64 count;
};

struct ksec_top {
	struct ksec_top_slot slot[KSEC_TOP_SLOTS];
	u64 other;
};

/* A merged view of several tables, ready to be reported. */
struct ksec_top_merged {
	unsigned int nr;
	struct ksec_top_slot slot[KSEC_TOP_MERGED];
	u64 other;
};

static inline unsigned int ksec_top_hash(u64 key, unsigned int slots)
{
	/* Fibonacci hashing: ports and pages are dense, keep them apart. */
	return (unsigned int)((key * 0x9E3779B97F4A7C15ull) >> 40) & (slots - 1);
}

/* Writer side: only the owning CPU, with preemption disabled. */
static inline void ksec_top_add(struct ksec_top *t, u64 key, u64 n)
{
	unsigned int h = ksec_top_hash(key, KSEC_TOP_SLOTS);
	unsigned int i;

	for (i = 0; i < KSEC_TOP_SLOTS; i++) {
		struct ksec_top_slot *s = &t->slot[(h + i) & (KSEC_TOP_SLOTS - 1)];
		u64 c = s->count;

		if (c && s->key == key) {
			WRITE_ONCE(s->count, c + n);
			return;
		}
		if (!c) {
			WRITE_ONCE(s->key, key);
			/* Pairs with ksec_top_merge(): key before count. */
			smp_store_release(&s->count, n);
			return;
		}
	}
	WRITE_ONCE(t->other, t->other + n);
}

static inline void ksec_top_merged_init(struct ksec_top_merged *m)
{
	unsigned int i;

	m->nr = 0;
	m->other = 0;
	for (i = 0; i < KSEC_TOP_MERGED; i++)
		m->slot[i].count = 0;
}

static inline void ksec_top_merged_add(struct ksec_top_merged *m, u64 key,
				       u64 n)
{
	unsigned int h = ksec_top_hash(key, KSEC_TOP_MERGED);
	unsigned int i;

	for (i = 0; i < KSEC_TOP_MERGED; i++) {
		struct ksec_top_slot *s = &m->slot[(h + i) & (KSEC_TOP_MERGED - 1)];

		if (s->count && s->key == key) {
			s->count += n;
			return;
		}
		if (!s->count) {
			s->key = key;
			s->count = n;
			m->nr++;
			return;
		}
	}
	m->other += n;
}

/* Reader side: any CPU, concurrently with the writer. */
static inline void ksec_top_merge(struct ksec_top_merged *m,
				  const struct ksec_top *t)
{
	unsigned int i;

	for (i = 0; i < KSEC_TOP_SLOTS; i++) {
		/* Pairs with ksec_top_add(): count before key. */
		u64 c = smp_load_acquire(&t->slot[i].count);

		if (c)
			ksec_top_merged_add(m, READ_ONCE(t->slot[i].key), c);
	}
	m->other += READ_ONCE(t->other);
}

/*
 * Keep the @max busiest keys, sorted by count (then key) descending, in
 * m->slot[0..m->nr); fold the rest into m->other.
 */
static inline void ksec_top_finish(struct ksec_top_merged *m, unsigned int max)
{
	unsigned int i, j, n = 0;

	/* Compact the used slots to the front. */
	for (i = 0; i < KSEC_TOP_MERGED; i++)
		if (m->slot[i].count)
			m->slot[n++] = m->slot[i];
	/* Insertion sort: n <= KSEC_TOP_MERGED. */
	for (i = 1; i < n; i++) {
		struct ksec_top_slot v = m->slot[i];

		for (j = i; j > 0; j--) {
			struct ksec_top_slot *p = &m->slot[j - 1];

			if (p->count > v.count ||
			    (p->count == v.count && p->key <= v.key))
				break;
			m->slot[j] = *p;
		}
		m->slot[j] = v;
	}
	for (i = max; i < n; i++)
		m->other += m->slot[i].count;
	m->nr = n < max ? n : max;
}

#endif /* KSEC_TOPN_H */
