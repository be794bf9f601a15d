// SPDX-License-Identifier: GPL-2.0
/*
 * The heavy-hitter tables' slow path (topn.h): a key looked for by its tag,
 * and the slot a new key replaces. Shared with the userspace unit tests.
 */
#include "topn.h"

/*
 * The slot for a new key: the one at its hash if free, else the first free
 * one, else one of the smallest count (Space-Saving's).
 */
static unsigned int ksec_top_victim(struct ksec_top *t, unsigned int h)
{
	unsigned int i, j, min = KSEC_TOP_SLOTS;
	u64 m;

	if (!ksec_top_get_tag(t, h))
		return h;
	for (i = 0; i < KSEC_TOP_WORDS; i++) {
		m = ksec_top_tag_match(t->tags[i], 0);
		if (m)
			return i * 8 + __ffs64(m) / 8;
	}
	/*
	 * Full. A slot at the floor has the smallest count; after a stream
	 * of new keys the one after the last replaced is likely to be one.
	 * Else the whole table is searched, and the floor rises to its
	 * smallest count.
	 */
	for (j = 0, i = t->next; j < KSEC_TOP_SLOTS;
	     j++, i = (i + 1) & (KSEC_TOP_SLOTS - 1)) {
		if (t->slot[i].count == t->floor) {
			min = i;
			break;
		}
		if (min == KSEC_TOP_SLOTS ||
		    t->slot[i].count < t->slot[min].count)
			min = i;
	}
	t->floor = t->slot[min].count;
	t->next = (min + 1) & (KSEC_TOP_SLOTS - 1);
	return min;
}

/*
 * A key not at its hash's slot: found by its tag elsewhere, or new. Out of
 * line: the hooks inline only the look at the hash's slot, a flow's case.
 */
void ksec_top_add_slow(struct ksec_top *t, u64 hi, u64 key, u64 n,
		       unsigned int h)
{
	u64 tag = ksec_top_tag(key ^ hi), m;
	struct ksec_top_slot *s;
	unsigned int i;

	for (i = 0; i < KSEC_TOP_WORDS; i++) {
		for (m = ksec_top_tag_match(t->tags[i], tag); m; m &= m - 1) {
			s = &t->slot[i * 8 + __ffs64(m) / 8];
			if (ksec_top_same(s, hi, key))
				goto found;
		}
	}
	i = ksec_top_victim(t, h);
	s = &t->slot[i];
	raw_write_seqcount_begin(&t->seq);
	WRITE_ONCE(s->key, key);
	WRITE_ONCE(s->key_hi, hi);
	WRITE_ONCE(s->err, s->count);
	WRITE_ONCE(s->count, s->count + n);
	raw_write_seqcount_end(&t->seq);
	ksec_top_set_tag(t, i, tag);
	return;
found:
	WRITE_ONCE(s->count, s->count + n);
}
