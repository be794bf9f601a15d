// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Unit test of the virtio-vsem report validator (the file QEMU builds),
 * under ASan/UBSan: one case per rejection rule of the spec (D5.1, D5.2),
 * then random mutations of valid reports, which must each be accepted or
 * rejected with a reason, never read out of bounds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw/virtio/virtio-vsem-report.h"

/* The wire layout (spec sections 4 and 5): the same on every ABI. */
_Static_assert(sizeof(struct virtio_vsem_report) == 32, "report header");
_Static_assert(sizeof(struct virtio_vsem_entry) == 8, "entry header");
_Static_assert(sizeof(struct virtio_vsem_net) == 80, "NET");
_Static_assert(sizeof(struct virtio_vsem_hv) == 16, "HV_REQUESTS");
_Static_assert(sizeof(struct virtio_vsem_workload) == 32, "WORKLOAD");
_Static_assert(sizeof(struct virtio_vsem_flow) == 56, "FLOW");
_Static_assert(sizeof(struct virtio_vsem_hv_detail) == 264, "HV_DETAIL");
_Static_assert(sizeof(struct virtio_vsem_prefix) == 20, "prefix");
_Static_assert(sizeof(struct virtio_vsem_config) == 328, "config");
_Static_assert(offsetof(struct virtio_vsem_config, history) == 24, "history");
_Static_assert(offsetof(struct virtio_vsem_config, prefixes) == 168, "prefixes");
_Static_assert(offsetof(struct virtio_vsem_flow, packets) == 24, "flow packets");
_Static_assert(sizeof(struct virtio_vsem_loss) == 32, "LOSS");
_Static_assert(sizeof(struct virtio_vsem_msg) == 8, "message header");
_Static_assert(sizeof(struct virtio_vsem_status) == 24, "STATUS");
_Static_assert(sizeof(struct virtio_vsem_settings) == 8, "SETTINGS");
_Static_assert(sizeof(struct virtio_vsem_history) == 8, "HISTORY");
_Static_assert(sizeof(struct virtio_vsem_prefixes) == 8, "PREFIXES");
/* Every message the device sends fits one control buffer (spec 8). */
_Static_assert(8 + sizeof(struct virtio_vsem_history) +
	       VIRTIO_VSEM_MAX_HISTORY * sizeof(struct virtio_vsem_feature_stat) <=
	       VIRTIO_VSEM_CTRL_BUF_SIZE, "HISTORY fits");
_Static_assert(VIRTIO_VSEM_NR_FEATURES <= VIRTIO_VSEM_MAX_HISTORY, "history");

static int passed, failed;

#define CHECK(cond) do { \
	if (cond) { passed++; } else { failed++; \
		fprintf(stderr, "%s:%d: CHECK(%s) failed\n", __FILE__, __LINE__, #cond); } \
} while (0)

struct builder {
	uint8_t b[8192];
	size_t len;
	uint16_t nr;
};

static void put16(uint8_t *p, uint16_t v) { p[0] = v; p[1] = v >> 8; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v); put16(p + 2, v >> 16); }
static void put64(uint8_t *p, uint64_t v) { put32(p, v); put32(p + 4, v >> 32); }

static void begin(struct builder *r, uint8_t level, uint64_t seq)
{
	memset(r, 0, sizeof(*r));
	put16(r->b, VIRTIO_VSEM_VERSION);
	put64(r->b + 8, seq);
	put32(r->b + 16, 1000);
	r->b[20] = level;
	r->len = sizeof(struct virtio_vsem_report);
}

static uint8_t *entry(struct builder *r, uint16_t type, uint16_t body)
{
	uint8_t *e = r->b + r->len;
	uint16_t len = (uint16_t)(8 + ((body + 7) & ~7));

	put16(e, type);
	put16(e + 2, len);
	r->len += len;
	r->nr++;
	return e + 8;
}

static size_t finish(struct builder *r)
{
	put16(r->b + 2, r->nr);
	put32(r->b + 4, (uint32_t)r->len);
	return r->len;
}

static void level1(struct builder *r, uint64_t seq)
{
	uint8_t *e;

	begin(r, 1, seq);
	e = entry(r, VIRTIO_VSEM_E_NET, sizeof(struct virtio_vsem_net));
	put64(e, 1234);		/* tx_packets */
	put64(e + 72, 7);	/* destinations */
	e = entry(r, VIRTIO_VSEM_E_HV_REQUESTS, sizeof(struct virtio_vsem_hv));
	put64(e, 55);
	e = entry(r, VIRTIO_VSEM_E_WORKLOAD, sizeof(struct virtio_vsem_workload));
	put32(e, 250);		/* cpu_permille */
	put32(e + 24, 1);	/* near capacity */
	put32(e + 28, 9);	/* intervals */
}

static uint8_t *flow(struct builder *r, uint8_t family)
{
	uint8_t *e = entry(r, VIRTIO_VSEM_E_FLOW, sizeof(struct virtio_vsem_flow));

	e[0] = family;
	put32(e + 4, 42);
	memcpy(e + 40, "curl", 4);
	return e;
}

/* Parse, as if the guest had sent 100 buffers since its last report. */
static VsemReject parse(struct builder *r, uint64_t last, bool l2, VsemReport *out)
{
	return vsem_report_parse(r->b, finish(r), VIRTIO_VSEM_MAX_REPORT_SIZE,
				 last, last + 100, l2, out);
}

static void test_rules(void)
{
	static VsemReport rep;
	struct builder r;
	uint8_t *e;
	int i;

	level1(&r, 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_OK);
	CHECK(rep.has_net && rep.net.tx_packets == 1234 && rep.net.destinations == 7);
	CHECK(rep.has_hv && rep.notifications == 55);
	CHECK(rep.has_workload && rep.workload.cpu_permille == 250);

	/* Sizes. */
	level1(&r, 1);
	finish(&r);
	CHECK(vsem_report_parse(r.b, 16, 4096, 0, 1, true, &rep) == VSEM_REJ_SIZE);
	CHECK(vsem_report_parse(r.b, r.len - 8, 4096, 0, 1, true, &rep) == VSEM_REJ_SIZE);
	CHECK(vsem_report_parse(r.b, r.len, 64, 0, 1, true, &rep) == VSEM_REJ_SIZE);
	/* Version. */
	level1(&r, 1);
	finish(&r);
	put16(r.b, 2);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_VERSION);
	/* Entry headers: zero length, not a multiple of 8, past the end, short body. */
	level1(&r, 1);
	finish(&r);
	put16(r.b + 32 + 2, 0);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_ENTRY);
	put16(r.b + 32 + 2, 12);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_ENTRY);
	put16(r.b + 32 + 2, 4096);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_ENTRY);
	begin(&r, 1, 1);
	entry(&r, VIRTIO_VSEM_E_NET, 8);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_ENTRY);
	/* Counts: announced entries missing, trailing bytes, duplicates, too many. */
	level1(&r, 1);
	finish(&r);
	put16(r.b + 2, 4);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_COUNT);
	put16(r.b + 2, 2);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_COUNT);
	level1(&r, 1);
	entry(&r, VIRTIO_VSEM_E_NET, sizeof(struct virtio_vsem_net));
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_COUNT);
	begin(&r, 1, 1);
	for (i = 0; i < 65; i++)
		entry(&r, 77, 0);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_COUNT);
	/* Levels. */
	level1(&r, 1);
	flow(&r, 4);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_LEVEL);
	level1(&r, 1);
	r.b[20] = 3;
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_LEVEL);
	level1(&r, 1);
	r.b[20] = 2;
	CHECK(parse(&r, 0, false, &rep) == VSEM_REJ_LEVEL);
	/* Values. */
	level1(&r, 1);
	put32(r.b + 32 + 88 + 24 + 8, 1001);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	level1(&r, 1);
	r.b[20] = 2;
	flow(&r, 5);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	level1(&r, 1);
	r.b[20] = 2;
	e = entry(&r, VIRTIO_VSEM_E_HV_DETAIL, sizeof(struct virtio_vsem_hv_detail));
	put32(e, 17);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	level1(&r, 1);
	put32(r.b + 16, 5);	/* interval_ms */
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	/* Sequence numbers: above the last, not beyond the buffers taken. */
	level1(&r, 5);
	CHECK(parse(&r, 5, true, &rep) == VSEM_REJ_SEQ);
	level1(&r, 6);
	CHECK(parse(&r, 5, true, &rep) == VSEM_OK);
	level1(&r, 0);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_SEQ);
	level1(&r, 7);
	finish(&r);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 5, 7, true, &rep) == VSEM_OK);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 5, 6, true, &rep) == VSEM_REJ_SEQ);
	/* The 2^64-1 trick: more reports than buffers are never accepted. */
	level1(&r, UINT64_MAX);
	finish(&r);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, 1, true, &rep) == VSEM_REJ_SEQ);
	CHECK(vsem_report_parse(r.b, r.len, 4096, 0, UINT64_MAX - 1, true, &rep) ==
	      VSEM_REJ_SEQ);
	/* Must-be-zero (spec 7): reserved fields of the header, an entry
	 * header (known or not), a FLOW and an HV_DETAIL. */
	level1(&r, 1);
	put32(r.b + 28, 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	level1(&r, 1);
	put32(r.b + 32 + 4, 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_ENTRY);
	level1(&r, 1);
	e = entry(&r, 99, 8);
	put32(e - 4, 0x80);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_ENTRY);
	level1(&r, 1);
	r.b[20] = 2;
	e = flow(&r, 4);
	put16(e + 2, 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	level1(&r, 1);
	r.b[20] = 2;
	e = entry(&r, VIRTIO_VSEM_E_HV_DETAIL, sizeof(struct virtio_vsem_hv_detail));
	put32(e + 4, 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_VALUE);
	/* Unknown entries are skipped and counted. */
	level1(&r, 1);
	entry(&r, 99, 24);
	CHECK(parse(&r, 0, true, &rep) == VSEM_OK && rep.unknown_entries == 1);
	/* Anomaly bits of features a later version adds: ignored. */
	level1(&r, 1);
	put32(r.b + 24, 1u << 31 | 1u << VIRTIO_VSEM_NR_FEATURES | 1);
	CHECK(parse(&r, 0, true, &rep) == VSEM_OK && rep.anomalies == 1);
	/* HV_DETAIL records of a kind a later version adds: skipped, counted. */
	level1(&r, 1);
	r.b[20] = 2;
	e = entry(&r, VIRTIO_VSEM_E_HV_DETAIL, sizeof(struct virtio_vsem_hv_detail));
	put32(e, 2);
	put32(e + 8, 77);
	put32(e + 24, VIRTIO_VSEM_HV_NOTIFY);
	put64(e + 32, 5);
	CHECK(parse(&r, 0, true, &rep) == VSEM_OK && rep.nr_hv_records == 1 &&
	      rep.hv_records[0].count == 5 && rep.unknown_records == 1);
	/* 32 flows, not 33; HV detail at level 2. */
	level1(&r, 1);
	r.b[20] = 2;
	for (i = 0; i < 32; i++)
		flow(&r, i % 2 ? 4 : 6);
	e = entry(&r, VIRTIO_VSEM_E_HV_DETAIL, sizeof(struct virtio_vsem_hv_detail));
	put32(e, 1);
	put32(e + 8, VIRTIO_VSEM_HV_HYPERCALL);
	put32(e + 12, 9);
	put64(e + 16, 77);
	CHECK(parse(&r, 0, true, &rep) == VSEM_OK);
	CHECK(rep.nr_flows == 32 && rep.flows[0].pid == 42 && !strcmp(rep.flows[0].comm, "curl"));
	CHECK(rep.nr_hv_records == 1 && rep.hv_records[0].count == 77);
	flow(&r, 4);
	CHECK(parse(&r, 0, true, &rep) == VSEM_REJ_COUNT);
}

/* Random mutations: every outcome is a verdict; ASan checks the reads. */
static void test_mutations(void)
{
	static VsemReport rep;
	unsigned long verdicts[VSEM_REJ__MAX] = { 0 };
	struct builder base, r;
	unsigned int seed = 1;
	int n, i, k;

	level1(&base, 1);
	base.b[20] = 2;
	for (i = 0; i < 4; i++)
		flow(&base, 4);
	finish(&base);
	for (n = 0; n < 200000; n++) {
		uint8_t *copy;
		size_t len;
		VsemReject v;

		r = base;
		for (k = rand_r(&seed) % 4; k >= 0; k--)
			r.b[rand_r(&seed) % r.len] = (uint8_t)rand_r(&seed);
		len = r.len;
		if (rand_r(&seed) % 8 == 0)
			len = rand_r(&seed) % (r.len + 1);
		/* An exact-size heap copy, so that ASan sees any over-read. */
		copy = malloc(len ? len : 1);
		memcpy(copy, r.b, len);
		v = vsem_report_parse(copy, len, 4096, 0, 1, true, &rep);
		free(copy);
		if (v >= VSEM_REJ__MAX) {
			failed++;
			return;
		}
		verdicts[v]++;
	}
	passed++;
	printf("# mutations: ok %lu", verdicts[VSEM_OK]);
	for (i = 1; i < VSEM_REJ__MAX; i++)
		printf(", %s %lu", vsem_reject_name[i], verdicts[i]);
	printf("\n");
}

/*
 * The rate limit: a burst, then the rate; never more than burst + rate in
 * any second, where a fixed window let twice the rate through at its edge.
 */
static void test_bucket(void)
{
	const int64_t ms = 1000000;
	int64_t tat = 0, t, at[4000];
	int n = 0, i, j, taken = 0;

	for (i = 0; i < 10; i++)
		taken += vsem_bucket_take(&tat, 999 * ms, 10, 2);
	for (i = 0; i < 10; i++)
		taken += vsem_bucket_take(&tat, 1001 * ms, 10, 2);
	CHECK(taken == 2);
	tat = 0;
	for (t = 0; t < 10000 * ms; t += ms)
		if (vsem_bucket_take(&tat, t, 10, 2))
			at[n++] = t;
	CHECK(n >= 100 && n <= 102);
	for (i = 0; i < n; i++) {
		for (j = i; j < n && at[j] < at[i] + 1000 * ms; j++)
			;
		CHECK(j - i <= 10 + 2);
	}
	/* The clock went back (a snapshot): not throttled for hours. */
	tat = 0;
	for (i = 0; i < 5; i++)
		vsem_bucket_take(&tat, 3600000 * ms, 10, 2);
	CHECK(vsem_bucket_take(&tat, 1000 * ms, 10, 2));
	/* An honest driver at the rate always passes. */
	tat = 0;
	taken = 0;
	for (i = 0; i < 1000; i++)
		taken += vsem_bucket_take(&tat, i * 100 * ms, 10, 2);
	CHECK(taken == 1000);
}

int main(void)
{
	test_rules();
	test_bucket();
	test_mutations();
	printf("test_report: %d passed, %d failed\n", passed, failed);
	return failed != 0;
}
