// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the exit path's heavy-hitter tables (kvm-sec/topn.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "topn.h"

static u64 table_sum(const struct ksec_top *t)
{
	u64 s = 0;

	for (unsigned int i = 0; i < KSEC_TOP_SLOTS; i++)
		s += t->slot[i].count;
	return s;
}

static const struct ksec_top_slot *lookup(const struct ksec_top_merged *m,
					  u64 key)
{
	for (unsigned int i = 0; i < m->nr; i++)
		if (m->slot[i].key == key)
			return &m->slot[i];
	return NULL;
}

static void merged_of(struct ksec_top_merged *m, const struct ksec_top *t,
		      int nr, unsigned int max)
{
	ksec_top_merged_init(m);
	for (int c = 0; c < nr; c++)
		ksec_top_merge(m, &t[c]);
	ksec_top_finish(m, max);
}

static void test_exact_until_full(void)
{
	struct ksec_top t;
	struct ksec_top_merged m;

	ksec_top_init(&t);
	/* Key 0 is a valid key (port 0, hypercall 0). */
	for (u64 k = 0; k < KSEC_TOP_SLOTS; k++)
		for (u64 n = 0; n <= k; n++)
			ksec_top_add(&t, k, 1);
	CHECK(table_sum(&t) == KSEC_TOP_SLOTS * (KSEC_TOP_SLOTS + 1) / 2);
	merged_of(&m, &t, 1, 8);
	CHECK(m.nr == 8);
	/* Busiest first: key 15 had 16, key 14 had 15, ...; all exact. */
	for (unsigned int i = 0; i < 8; i++) {
		CHECK(m.slot[i].key == KSEC_TOP_SLOTS - 1 - i);
		CHECK(m.slot[i].count == KSEC_TOP_SLOTS - i);
		CHECK(m.slot[i].err == 0);
	}
	/* Everything not listed is in other: 1..8 for keys 0..7. */
	CHECK(m.other == 36);
}

/*
 * The attack the old tables allowed: fill every slot with a decoy key
 * once, then hammer a new key. Space-Saving lets it in at once, and its
 * count overestimates by at most the count of the decoy it displaced.
 */
static void test_decoys_do_not_pin_the_table(void)
{
	struct ksec_top t;
	struct ksec_top_merged m;
	const struct ksec_top_slot *s;

	ksec_top_init(&t);
	for (u64 k = 0; k < KSEC_TOP_SLOTS; k++)
		ksec_top_add(&t, 0x1000 + k, 1);
	for (int i = 0; i < 5000; i++)
		ksec_top_add(&t, 0x3f8, 1);
	CHECK(table_sum(&t) == KSEC_TOP_SLOTS + 5000);
	merged_of(&m, &t, 1, 8);
	s = lookup(&m, 0x3f8);
	CHECK(s != NULL);
	if (s) {
		CHECK(m.slot[0].key == 0x3f8);
		CHECK(s->count >= 5000 && s->count - s->err <= 5000);
		CHECK(s->err <= 1);
	}
	/* Decoys rotating through can still never hide it. */
	for (int round = 0; round < 100; round++) {
		for (u64 k = 0; k < 3 * KSEC_TOP_SLOTS; k++)
			ksec_top_add(&t, 0x2000 + round * 64 + k, 1);
		ksec_top_add(&t, 0x3f8, 100);
	}
	merged_of(&m, &t, 1, 8);
	CHECK(m.slot[0].key == 0x3f8);
	CHECK(m.slot[0].count >= 15000);
	CHECK(m.slot[0].count - m.slot[0].err <= 15000);
}

static void test_merge_across_cpus(void)
{
	struct ksec_top cpu[4];
	struct ksec_top_merged m;
	const struct ksec_top_slot *s;

	for (int c = 0; c < 4; c++) {
		ksec_top_init(&cpu[c]);
		ksec_top_add(&cpu[c], 0x80, 10);
		ksec_top_add(&cpu[c], 0x3f8 + c, 1);
	}
	merged_of(&m, cpu, 4, 8);
	CHECK(m.nr == 5);
	CHECK(m.slot[0].key == 0x80 && m.slot[0].count == 40);
	s = lookup(&m, 0x3f9);
	CHECK(s && s->count == 1);
	CHECK(m.other == 0);
	/* Ties are ordered by key. */
	CHECK(m.slot[1].key == 0x3f8 && m.slot[4].key == 0x3fb);
}

/* Random streams: sums kept, the error bound holds for every key. */
static void test_random_streams_keep_the_bounds(void)
{
	enum { KEYS = 300, CPUS = 8 };
	static u64 truth[KEYS], per_cpu[CPUS];
	struct ksec_top cpu[CPUS];
	struct ksec_top_merged m;
	u64 total = 0, seen;

	srand(42);
	for (int c = 0; c < CPUS; c++)
		ksec_top_init(&cpu[c]);
	for (int i = 0; i < 200000; i++) {
		/* 30 % key 0, 10 % key 1, the rest spread over all keys. */
		int r = rand() % 10;
		int k = r < 3 ? 0 : r < 4 ? 1 : rand() % KEYS;
		u64 n = (u64)(rand() % 3) + 1;
		int c = rand() % CPUS;

		ksec_top_add(&cpu[c], (u64)k << 12, n);
		truth[k] += n;
		per_cpu[c] += n;
		total += n;
	}
	for (int c = 0; c < CPUS; c++) {
		CHECK(table_sum(&cpu[c]) == per_cpu[c]);
		for (unsigned int i = 0; i < KSEC_TOP_SLOTS; i++)
			CHECK(cpu[c].slot[i].err <=
			      per_cpu[c] / KSEC_TOP_SLOTS + 2);
	}
	merged_of(&m, cpu, CPUS, 8);
	seen = m.other;
	for (unsigned int i = 0; i < m.nr; i++) {
		u64 k = m.slot[i].key >> 12;

		seen += m.slot[i].count;
		/* Never above truth + error. */
		CHECK(m.slot[i].count - m.slot[i].err <= truth[k]);
	}
	CHECK(seen == total);
	CHECK(m.nr == 8);
	for (unsigned int i = 1; i < m.nr; i++)
		CHECK(m.slot[i - 1].count >= m.slot[i].count);
	/* Above 1/16 of every CPU's stream: listed, in order. */
	CHECK(m.slot[0].key == 0);
	CHECK(m.slot[1].key == 1 << 12);
}

/*
 * The tags and the floor only make the search cheaper: after every add the
 * table must be what plain Space-Saving makes of it. A listed key is
 * counted where it is, never listed twice; a new key takes a free slot
 * while there is one, else one of the smallest count. Streams: a scan
 * (every key new), keys in turn (more than the slots), a skewed mix, keys
 * chosen to share a tag, and 128-bit keys whose halves XOR alike (one slot
 * and one tag for all) or differ only in the high half.
 */
static u64 same_tag_key(unsigned int i)
{
	static u64 keys[64];
	static unsigned int nr;
	static u64 next = 1;

	while (nr <= i) {
		if (ksec_top_tag(next) == ksec_top_tag(0))
			keys[nr++] = next;
		next++;
	}
	return keys[i];
}

static u64 stream_key(int kind, int i, u64 *hi)
{
	u64 r;

	*hi = 0;
	switch (kind) {
	case 0:
		return 1000000 + i;			/* a scan */
	case 1:
		return i % 256;				/* in turn */
	case 2:
		return rand() % 4 ? (u64)(rand() % 8) : (u64)(rand() % 5000);
	case 3:
		return same_tag_key(rand() % 40);	/* one tag */
	default:
		r = (u64)(rand() % 40);
		if (rand() % 2) {
			*hi = r;			/* hi ^ key == 0 */
			return r;
		}
		*hi = 0x20010db800000000ull | r % 4;
		return 1;
	}
}

static void test_same_as_plain_space_saving(void)
{
	for (int kind = 0; kind < 5; kind++) {
		struct ksec_top t;
		u64 total = 0;
		int bad = 0;

		srand(7 + kind);
		ksec_top_init(&t);
		for (int i = 0; i < 20000 && !bad; i++) {
			u64 hi, key = stream_key(kind, i, &hi);
			u64 n = (u64)(rand() % 3) + 1;
			u64 min = UINT64_MAX, before[KSEC_TOP_SLOTS];
			int at = -1, free_slots = 0, listed = 0;

			for (unsigned int j = 0; j < KSEC_TOP_SLOTS; j++) {
				const struct ksec_top_slot *s = &t.slot[j];

				before[j] = s->count;
				if (!s->count) {
					free_slots++;
					continue;
				}
				if (s->key == key && s->key_hi == hi)
					at = (int)j;
				if (s->count < min)
					min = s->count;
			}
			ksec_top_add_key(&t, hi, key, n);
			total += n;
			for (unsigned int j = 0; j < KSEC_TOP_SLOTS; j++) {
				const struct ksec_top_slot *s = &t.slot[j];
				u64 tag = ksec_top_get_tag(&t, j);

				if (s->count && s->key == key && s->key_hi == hi)
					listed++;
				/* Tags are the keys' own, 0 when free. */
				if (tag != (s->count ?
					    ksec_top_tag(s->key ^ s->key_hi) : 0))
					bad++;
				if (s->count && s->count < t.floor)
					bad++;
				if (s->count == before[j])
					continue;
				/* Only the key's slot changed, by n... */
				if (s->key != key || s->key_hi != hi ||
				    s->count != before[j] + n)
					bad++;
				/* ...a free one or a smallest if it was new. */
				if (at < 0 && (free_slots ? before[j] != 0 :
					       before[j] != min || s->err != min))
					bad++;
				if (at >= 0 && (int)j != at)
					bad++;
			}
			if (listed != 1 || table_sum(&t) != total)
				bad++;
		}
		CHECK(!bad);
	}
}

/*
 * Network addresses are 128-bit keys: two addresses that differ only in
 * their high half (2001:db8::1 and 2001:db9::1) are two peers, across CPUs.
 */
static void test_wide_keys(void)
{
	struct ksec_top t[2];
	struct ksec_top_merged m;
	const u64 lo = 1, hi_a = 0x20010db800000000ull, hi_b = 0x20010db900000000ull;

	ksec_top_init(&t[0]);
	ksec_top_init(&t[1]);
	for (int i = 0; i < 5; i++)
		ksec_top_add_key(&t[0], hi_a, lo, 1);
	for (int i = 0; i < 3; i++)
		ksec_top_add_key(&t[1], hi_b, lo, 1);
	ksec_top_add_key(&t[1], hi_a, lo, 2);
	merged_of(&m, t, 2, 8);
	CHECK(m.nr == 2);
	CHECK(m.slot[0].key_hi == hi_a && m.slot[0].key == lo);
	CHECK(m.slot[0].count == 7);
	CHECK(m.slot[1].key_hi == hi_b && m.slot[1].count == 3);
	CHECK(m.other == 0);
}

/* A replacement moves the sequence on by two; a hit does not move it. */
static void test_sequence_count(void)
{
	struct ksec_top t;

	ksec_top_init(&t);
	for (u64 k = 0; k < 3 * KSEC_TOP_SLOTS; k++)
		ksec_top_add(&t, k, 1);
	CHECK((t.seq.sequence & 1) == 0);
	CHECK(t.seq.sequence == 2 * 3 * KSEC_TOP_SLOTS);
	/* Hits on a listed key do not touch the sequence. */
	ksec_top_add(&t, 3 * KSEC_TOP_SLOTS - 1, 1);
	CHECK(t.seq.sequence == 2 * 3 * KSEC_TOP_SLOTS);
}

int main(void)
{
	test_exact_until_full();
	test_decoys_do_not_pin_the_table();
	test_merge_across_cpus();
	test_random_streams_keep_the_bounds();
	test_sequence_count();
	test_wide_keys();
	test_same_as_plain_space_saving();
	return check_done("test_topn");
}
