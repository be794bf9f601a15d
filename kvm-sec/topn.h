/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Bounded heavy-hitter tables of (key, count), built for the KVM exit path.
 *
 * Each CPU owns one table per VM and per kind of key (port, page, hypercall
 * number, network address): a key has 128 bits, key_hi:key. The owning CPU
 * is the only writer, with preemption disabled (bottom halves disabled for
 * the network's), so an update needs no lock and no atomic instruction.
 *
 * A table is a Space-Saving summary (Metwally, Agrawal, El Abbadi, 2005)
 * of KSEC_TOP_SLOTS counters: a key already in the table has its count
 * increased; a new key takes the slot with the smallest count c and starts
 * at c + n, remembering c as its error. So the table never fills up with
 * decoys: a key that keeps coming back displaces keys that do not. For a
 * table that counted N operations:
 *
 *  - the counts add up to N exactly (nothing is lost, only attributed);
 *  - a listed key's count exceeds its true count by at most its error,
 *    and the error is at most N / KSEC_TOP_SLOTS;
 *  - a key with more than N / KSEC_TOP_SLOTS operations is listed.
 *
 * Merging the tables of all CPUs adds counts and errors per key; a key
 * missing from some CPU's table had at most that table's smallest count
 * there.
 *
 * A replacement changes a slot's key, count and error together inside a
 * sequence count, so a reader on another CPU never pairs one key with
 * another's count; a reader retries a bounded number of times and then
 * takes what it read (at most one slot misattributed). An increment of a
 * listed key changes one word and needs no sequence.
 *
 * This file is shared with the userspace unit tests (userspace/tests/).
 */
#ifndef KSEC_TOPN_H
#define KSEC_TOPN_H

#ifdef __KERNEL__
#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/seqlock.h>
#else
#include "topn_user.h"
#endif

#define KSEC_TOP_SLOTS	16	/* per CPU and table: a power of two */
#define KSEC_TOP_MERGED	64	/* distinct keys kept when merging CPUs */
#define KSEC_TOP_READ_TRIES 8	/* reader retries against a busy writer */

struct ksec_top_slot {
	u64 key;
	u64 key_hi;	/* 0 but for network addresses */
	u64 count;	/* 0: the slot is free */
	u64 err;	/* count - err <= the key's true count */
};

struct ksec_top {
	seqcount_t seq;
	struct ksec_top_slot slot[KSEC_TOP_SLOTS];
};

/* A merged view of several tables, ready to be reported. */
struct ksec_top_merged {
	unsigned int nr;
	struct ksec_top_slot slot[KSEC_TOP_MERGED];
	u64 other;
};

static inline void ksec_top_init(struct ksec_top *t)
{
	unsigned int i;

	seqcount_init(&t->seq);
	for (i = 0; i < KSEC_TOP_SLOTS; i++)
		t->slot[i].count = 0;
}

static inline unsigned int ksec_top_hash(u64 key, unsigned int slots)
{
	/* Fibonacci hashing: ports and pages are dense, keep them apart. */
	return (unsigned int)((key * 0x9E3779B97F4A7C15ull) >> 40) & (slots - 1);
}

static inline bool ksec_top_same(const struct ksec_top_slot *s, u64 hi, u64 key)
{
	return s->key == key && s->key_hi == hi;
}

/* Writer side: only the owning CPU, with preemption disabled. */
static inline void ksec_top_add_key(struct ksec_top *t, u64 hi, u64 key, u64 n)
{
	unsigned int h = ksec_top_hash(key ^ hi, KSEC_TOP_SLOTS);
	struct ksec_top_slot *s, *min = NULL;
	unsigned int i;

	/* Probe from the key's hash: a busy key is usually found at once. */
	for (i = 0; i < KSEC_TOP_SLOTS; i++) {
		s = &t->slot[(h + i) & (KSEC_TOP_SLOTS - 1)];
		if (s->count && ksec_top_same(s, hi, key)) {
			WRITE_ONCE(s->count, s->count + n);
			return;
		}
		/*
		 * Until the table is full a key goes to the first free slot
		 * of its probe sequence, so a free slot ends the search.
		 */
		if (!s->count) {
			min = s;
			break;
		}
		if (!min || s->count < min->count)
			min = s;
	}
	raw_write_seqcount_begin(&t->seq);
	WRITE_ONCE(min->key, key);
	WRITE_ONCE(min->key_hi, hi);
	WRITE_ONCE(min->err, min->count);
	WRITE_ONCE(min->count, min->count + n);
	raw_write_seqcount_end(&t->seq);
}

static inline void ksec_top_add(struct ksec_top *t, u64 key, u64 n)
{
	ksec_top_add_key(t, 0, key, n);
}

static inline void ksec_top_merged_init(struct ksec_top_merged *m)
{
	unsigned int i;

	m->nr = 0;
	m->other = 0;
	for (i = 0; i < KSEC_TOP_MERGED; i++)
		m->slot[i].count = 0;
}

static inline void ksec_top_merged_add(struct ksec_top_merged *m,
				       const struct ksec_top_slot *x)
{
	unsigned int h = ksec_top_hash(x->key ^ x->key_hi, KSEC_TOP_MERGED);
	unsigned int i;

	for (i = 0; i < KSEC_TOP_MERGED; i++) {
		struct ksec_top_slot *s = &m->slot[(h + i) & (KSEC_TOP_MERGED - 1)];

		if (s->count && ksec_top_same(s, x->key_hi, x->key)) {
			s->count += x->count;
			s->err += x->err;
			return;
		}
		if (!s->count) {
			*s = *x;
			m->nr++;
			return;
		}
	}
	m->other += x->count;
}

/* Reader side: any CPU, concurrently with the writer. */
static inline void ksec_top_merge(struct ksec_top_merged *m,
				  const struct ksec_top *t)
{
	struct ksec_top_slot snap[KSEC_TOP_SLOTS];
	unsigned int i, tries;
	unsigned int seq;

	for (tries = 0; tries < KSEC_TOP_READ_TRIES; tries++) {
		seq = raw_read_seqcount(&t->seq);
		if (seq & 1)
			continue;	/* a replacement is under way */
		for (i = 0; i < KSEC_TOP_SLOTS; i++) {
			snap[i].key = READ_ONCE(t->slot[i].key);
			snap[i].key_hi = READ_ONCE(t->slot[i].key_hi);
			snap[i].count = READ_ONCE(t->slot[i].count);
			snap[i].err = READ_ONCE(t->slot[i].err);
		}
		if (!read_seqcount_retry(&t->seq, seq))
			break;
	}
	if (tries == KSEC_TOP_READ_TRIES) {
		/* Never got a quiet moment: take what is there now. */
		for (i = 0; i < KSEC_TOP_SLOTS; i++) {
			snap[i].key = READ_ONCE(t->slot[i].key);
			snap[i].key_hi = READ_ONCE(t->slot[i].key_hi);
			snap[i].count = READ_ONCE(t->slot[i].count);
			snap[i].err = READ_ONCE(t->slot[i].err);
		}
	}
	for (i = 0; i < KSEC_TOP_SLOTS; i++)
		if (snap[i].count)
			ksec_top_merged_add(m, &snap[i]);
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
			    (p->count == v.count &&
			     (p->key_hi < v.key_hi ||
			      (p->key_hi == v.key_hi && p->key <= v.key))))
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
