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
 * The table keeps a tag of each slot's key (7 bits of its hash, and bit 7
 * set; 0 for a free slot), eight to a word, so a new key is known to be
 * new from two words, not by comparing it with every slot; and the search
 * for a smallest count to replace starts after the slot replaced last and
 * stops at a count equal to a floor that no count is below (counts only
 * grow, so the smallest never falls): a stream of new keys, a scan, finds
 * one at once. Each update is the plain algorithm's (a tie for the
 * smallest may fall on another slot), so the bounds above hold.
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
#include <linux/bitops.h>
#include <linux/compiler.h>
#include <linux/seqlock.h>
#else
#include "topn_user.h"
#endif

#define KSEC_TOP_SLOTS	16	/* per CPU and table: a power of two, >= 8 */
#define KSEC_TOP_MERGED	64	/* distinct keys kept when merging CPUs */
#define KSEC_TOP_READ_TRIES 8	/* reader retries against a busy writer */
#define KSEC_TOP_WORDS	(KSEC_TOP_SLOTS / 8)	/* of tags */
#define KSEC_TOP_ONES	0x0101010101010101ull	/* 1 in every byte */

struct ksec_top_slot {
	u64 key;
	u64 key_hi;	/* 0 but for network addresses */
	u64 count;	/* 0: the slot is free */
	u64 err;	/* count - err <= the key's true count */
};

struct ksec_top {
	seqcount_t seq;
	unsigned int next;		/* the search for a smallest starts here */
	u64 floor;			/* no slot's count is smaller */
	u64 tags[KSEC_TOP_WORDS];	/* slot i's: byte i % 8 of word i / 8 */
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
	t->next = 0;
	t->floor = 0;
	for (i = 0; i < KSEC_TOP_WORDS; i++)
		t->tags[i] = 0;
	for (i = 0; i < KSEC_TOP_SLOTS; i++)
		t->slot[i].count = 0;
}

/* Fibonacci hashing: ports and pages are dense, keep them apart. */
static inline u64 ksec_top_mix(u64 key)
{
	return key * 0x9E3779B97F4A7C15ull;
}

static inline unsigned int ksec_top_hash(u64 key, unsigned int slots)
{
	return (unsigned int)(ksec_top_mix(key) >> 40) & (slots - 1);
}

/* 7 bits of the hash that ksec_top_hash() does not use, and bit 7 set. */
static inline u64 ksec_top_tag(u64 key)
{
	return 0x80 | ksec_top_mix(key) >> 57;
}

/*
 * The bytes of @w equal to @tag, as bit 7 of each; a byte just above an
 * equal one may be marked too (a borrow), so a mark is a candidate to
 * check. For @tag 0 (free slots) it is exact: a used slot's tag has bit 7.
 */
static inline u64 ksec_top_tag_match(u64 w, u64 tag)
{
	u64 x = w ^ (tag * KSEC_TOP_ONES);

	return (x - KSEC_TOP_ONES) & ~x & (0x80 * KSEC_TOP_ONES);
}

static inline u64 ksec_top_get_tag(const struct ksec_top *t, unsigned int i)
{
	return t->tags[i / 8] >> (i % 8) * 8 & 0xff;
}

static inline void ksec_top_set_tag(struct ksec_top *t, unsigned int i,
				    u64 tag)
{
	unsigned int at = (i % 8) * 8;

	t->tags[i / 8] = (t->tags[i / 8] & ~(0xffull << at)) | tag << at;
}

static inline bool ksec_top_same(const struct ksec_top_slot *s, u64 hi, u64 key)
{
	return s->key == key && s->key_hi == hi;
}

/* topn.c: a key not at its hash's slot (@h), elsewhere or new. */
void ksec_top_add_slow(struct ksec_top *t, u64 hi, u64 key, u64 n,
		       unsigned int h);

/*
 * Writer side: only the owning CPU, with preemption disabled. @n >= 1 (a
 * slot of count 0 is free to the readers).
 */
static __always_inline void ksec_top_add_key(struct ksec_top *t, u64 hi,
					     u64 key, u64 n)
{
	unsigned int h = ksec_top_hash(key ^ hi, KSEC_TOP_SLOTS);
	struct ksec_top_slot *s = &t->slot[h];

	BUILD_BUG_ON(KSEC_TOP_SLOTS % 8 || KSEC_TOP_SLOTS & (KSEC_TOP_SLOTS - 1));
	/* A busy key is usually where its hash puts it. */
	if (likely(s->count && ksec_top_same(s, hi, key)))
		WRITE_ONCE(s->count, s->count + n);
	else
		ksec_top_add_slow(t, hi, key, n, h);
}

static __always_inline void ksec_top_add(struct ksec_top *t, u64 key, u64 n)
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
