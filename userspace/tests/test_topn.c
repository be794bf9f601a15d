// SPDX-License-Identifier: GPL-2.0
/* Unit tests of the exit path's bounded top-N tables (kvm-sec/topn.h). */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "topn.h"

static u64 table_sum(const struct ksec_top *t)
{
	u64 s = t->other;

	for (unsigned int i = 0; i < KSEC_TOP_SLOTS; i++)
		s += t->slot[i].count;
	return s;
}

static u64 lookup(const struct ksec_top_merged *m, u64 key)
{
	for (unsigned int i = 0; i < m->nr; i++)
		if (m->slot[i].key == key)
			return m->slot[i].count;
	return 0;
}

static void test_exact_until_full(void)
{
	struct ksec_top t;
	struct ksec_top_merged m;

	memset(&t, 0, sizeof(t));
	/* Key 0 is a valid key (port 0, hypercall 0). */
	for (u64 k = 0; k < KSEC_TOP_SLOTS; k++)
		for (u64 n = 0; n <= k; n++)
			ksec_top_add(&t, k, 1);
	CHECK(t.other == 0);
	ksec_top_add(&t, 1000, 7);	/* no slot left */
	CHECK(t.other == 7);
	CHECK(table_sum(&t) == KSEC_TOP_SLOTS * (KSEC_TOP_SLOTS + 1) / 2 + 7);

	ksec_top_merged_init(&m);
	ksec_top_merge(&m, &t);
	ksec_top_finish(&m, 8);
	CHECK(m.nr == 8);
	/* Busiest first: key 15 had 16, key 14 had 15, ... */
	for (unsigned int i = 0; i < 8; i++) {
		CHECK(m.slot[i].key == KSEC_TOP_SLOTS - 1 - i);
		CHECK(m.slot[i].count == KSEC_TOP_SLOTS - i);
	}
	/* Everything not listed is in other: 1..8 for keys 0..7, plus 7. */
	CHECK(m.other == 36 + 7);
}

static void test_merge_across_cpus(void)
{
	struct ksec_top cpu[4];
	struct ksec_top_merged m;

	memset(cpu, 0, sizeof(cpu));
	for (int c = 0; c < 4; c++) {
		ksec_top_add(&cpu[c], 0x80, 10);
		ksec_top_add(&cpu[c], 0x3f8 + c, 1);
	}
	ksec_top_merged_init(&m);
	for (int c = 0; c < 4; c++)
		ksec_top_merge(&m, &cpu[c]);
	ksec_top_finish(&m, 8);
	CHECK(m.nr == 5);
	CHECK(m.slot[0].key == 0x80 && m.slot[0].count == 40);
	CHECK(lookup(&m, 0x3f9) == 1);
	CHECK(m.other == 0);
	/* Ties are ordered by key. */
	CHECK(m.slot[1].key == 0x3f8 && m.slot[4].key == 0x3fb);
}

static void test_random_sums_are_kept(void)
{
	struct ksec_top cpu[8];
	struct ksec_top_merged m;
	u64 total = 0, seen;

	srand(42);
	memset(cpu, 0, sizeof(cpu));
	for (int i = 0; i < 100000; i++) {
		u64 key = (u64)(rand() % 300) << 12;
		u64 n = (u64)(rand() % 3) + 1;

		ksec_top_add(&cpu[rand() % 8], key, n);
		total += n;
	}
	ksec_top_merged_init(&m);
	for (int c = 0; c < 8; c++)
		ksec_top_merge(&m, &cpu[c]);
	ksec_top_finish(&m, 8);
	seen = m.other;
	for (unsigned int i = 0; i < m.nr; i++)
		seen += m.slot[i].count;
	CHECK(seen == total);
	CHECK(m.nr == 8);
	for (unsigned int i = 1; i < m.nr; i++)
		CHECK(m.slot[i - 1].count >= m.slot[i].count);
}

int main(void)
{
	test_exact_until_full();
	test_merge_across_cpus();
	test_random_sums_are_kept();
	return check_done("test_topn");
}
