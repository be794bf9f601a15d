// SPDX-License-Identifier: GPL-2.0
/* A VM's limits and their events, for people and JSON. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "escape.h"
#include "show.h"

static const char *limit_reason(int r)
{
	return r >= 0 && r < 5 ? vsec_limit_reason_name[r] : "unknown";
}

static const char *limit_owner(uint8_t o)
{
	return o < 3 ? vsec_limit_owner_name[o] : "unknown";
}

/*
 * "1000 per 1000 ms, burst 0, 12 left, set by admin, 345 dropped" or
 * "none, 345 dropped"; an exit limit's "..., 345 paced, waited 1.234 s".
 */
static void show_one(FILE *f, const struct vsec_limits *l, int i)
{
	if (i == VSEC_CPU_LIMIT) {
		if (l->l[i].size)
			fprintf(f, "%" PRIu64 " us per %" PRIu32
				" ms (%.1f %% of a CPU), set by %s\n",
				l->l[i].size, l->l[i].refill_ms,
				l->l[i].size / (10.0 * l->l[i].refill_ms),
				limit_owner(l->l[i].set_by));
		else
			fprintf(f, "none\n");
		return;
	}
	if (l->l[i].size)
		fprintf(f, "%" PRIu64 " per %" PRIu32 " ms, burst %" PRIu64
			", %" PRIu64 " left, set by %s", l->l[i].size,
			l->l[i].refill_ms, l->l[i].burst, l->l[i].tokens,
			limit_owner(l->l[i].set_by));
	else
		fprintf(f, "none");
	if (i < VSEC_FIRST_EXIT_LIMIT)
		fprintf(f, ", %" PRIu64 " dropped\n", l->l[i].drops);
	else
		fprintf(f, ", %" PRIu64 " paced, waited %.3f s\n",
			l->l[i].drops, l->l[i].wait_us / 1e6);
}

/* "outside,this-host", or "none". */
static void format_classes(char *buf, size_t len, uint32_t classes)
{
	size_t n = 0;
	int c;

	buf[0] = '\0';
	for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
		if (classes & (1u << c))
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
					      "%s%s", n ? "," : "",
					      vsec_peer_class_name[c]);
	if (!n)
		snprintf(buf, len, "none");
}

/*
 * "block_tx  outside,this-host, set by admin, 19 dropped (outside 9,
 * this-host 10)"
 */
static void show_block(FILE *f, const struct vsec_block *b)
{
	char cls[64];
	int dir, c;

	for (dir = 0; dir < 2; dir++) {
		uint64_t total = 0;
		const char *sep = " (";

		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
			total += b->drops[dir][c];
		format_classes(cls, sizeof(cls), b->classes[dir]);
		fprintf(f, "  %-24s %s", dir ? "block_rx" : "block_tx", cls);
		if (b->classes[dir])
			fprintf(f, ", set by %s", limit_owner(b->set_by));
		fprintf(f, ", %" PRIu64 " dropped", total);
		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++) {
			if (!b->drops[dir][c])
				continue;
			fprintf(f, "%s%s %" PRIu64, sep, vsec_peer_class_name[c],
				b->drops[dir][c]);
			sep = ", ";
		}
		fprintf(f, "%s\n", total ? ")" : "");
	}
}

void show_limits(FILE *f, const struct vsec_limits *l)
{
	bool any = false;
	int i;

	fprintf(f, "\n  Limits (network in the tap hooks, exits per class)\n");
	for (i = 0; i < VSEC_NR_LIMIT; i++) {
		if (!l->l[i].present)
			continue;
		fprintf(f, "  %-24s ", vsec_limit_key[i]);
		show_one(f, l, i);
		any = true;
	}
	if (l->block.present) {
		show_block(f, &l->block);
		any = true;
	}
	if (!any)
		fprintf(f, "  %-24s none\n", "limits");
	if (l->agent.present)
		show_agent(f, &l->agent);
}

/*
 * "cpu.max 30000 100000, weight 200, 2 vCPU threads in /machine.slice/...
 * (reported 1.2 s ago)", or its last error.
 */
void show_agent(FILE *f, const struct vsec_agent *g)
{
	char cg[TEXT_ESCAPE_SIZE(sizeof(g->cgroup))];

	fprintf(f, "  %-24s ", "applied by the agent");
	if (!g->cpu_quota_us && !g->weight && !g->error) {
		fprintf(f, "nothing now (reported %.1f s ago)\n",
			g->age_ms / 1e3);
		return;
	}
	if (g->cpu_quota_us)
		fprintf(f, "cpu.max %" PRIu64 " %" PRIu32, g->cpu_quota_us,
			g->cpu_period_us);
	else
		fprintf(f, "no cpu.max");
	if (g->weight)
		fprintf(f, ", cpu.weight %" PRIu32, g->weight);
	fprintf(f, ", %" PRIu32 " vCPU thread%s", g->threads,
		g->threads == 1 ? "" : "s");
	if (g->cgroup[0])
		fprintf(f, " in %s", text_escape(cg, sizeof(cg), g->cgroup));
	if (g->error)
		fprintf(f, ", failed: %s", strerror((int)g->error));
	fprintf(f, " (reported %.1f s ago)\n", g->age_ms / 1e3);
}

void json_agent(struct json *j, const char *key, const struct vsec_agent *g)
{
	json_begin_object(j, key);
	json_u64(j, "cpu_quota_us", g->cpu_quota_us);
	json_u64(j, "cpu_period_us", g->cpu_period_us);
	json_u64(j, "weight", g->weight);
	json_u64(j, "threads", g->threads);
	json_u64(j, "error", g->error);
	json_string(j, "cgroup", g->cgroup);
	json_u64(j, "age_ms", g->age_ms);
	json_end_object(j);
}

void show_limit_event(FILE *f, const struct vsec_event *ev)
{
	const struct vsec_limits *l = &ev->vm.limits;
	bool any = false;
	int i;

	fprintf(f, "limit id %" PRIu32 " by %s:", ev->vm.id,
		limit_reason(l->reason));
	for (i = 0; i < VSEC_NR_LIMIT; i++) {
		if (!l->l[i].present || !l->l[i].size)
			continue;
		fprintf(f, " %s %" PRIu64 "/%" PRIu32 "ms", vsec_limit_key[i],
			l->l[i].size, l->l[i].refill_ms);
		if (l->l[i].burst)
			fprintf(f, "+%" PRIu64, l->l[i].burst);
		any = true;
	}
	for (i = 0; i < 2; i++) {
		char cls[64];

		if (!l->block.classes[i])
			continue;
		format_classes(cls, sizeof(cls), l->block.classes[i]);
		fprintf(f, " %s %s", i ? "block_rx" : "block_tx", cls);
		any = true;
	}
	fprintf(f, "%s\n", any ? "" : " none");
	if (l->reason == KVM_SEC_LIMIT_BY_AGENT && l->agent.present) {
		fprintf(f, "  ");
		show_agent(f, &l->agent);
	}
}

void json_limits(struct json *j, const char *key, const struct vsec_limits *l)
{
	int i;

	json_begin_object(j, key);
	for (i = 0; i < VSEC_NR_LIMIT; i++) {
		if (!l->l[i].present)
			continue;
		json_begin_object(j, vsec_limit_key[i]);
		json_u64(j, "size", l->l[i].size);
		json_u64(j, "refill_ms", l->l[i].refill_ms);
		json_u64(j, "burst", l->l[i].burst);
		json_u64(j, "tokens", l->l[i].tokens);
		json_u64(j, "drops", l->l[i].drops);
		if (i >= VSEC_FIRST_EXIT_LIMIT && i < VSEC_CPU_LIMIT)
			json_u64(j, "wait_us", l->l[i].wait_us);
		json_string(j, "set_by", limit_owner(l->l[i].set_by));
		json_end_object(j);
	}
	json_end_object(j);
	if (l->block.present)
		json_block(j, "block", &l->block);
	if (l->agent.present)
		json_agent(j, "agent", &l->agent);
}

/* {"tx":["outside"],"rx":[],"set_by":"admin","tx_drops":{...},...} */
void json_block(struct json *j, const char *key, const struct vsec_block *b)
{
	int dir, c;

	json_begin_object(j, key);
	for (dir = 0; dir < 2; dir++) {
		json_begin_array(j, dir ? "rx" : "tx");
		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
			if (b->classes[dir] & (1u << c))
				json_string(j, NULL, vsec_peer_class_name[c]);
		json_end_array(j);
	}
	json_string(j, "set_by", limit_owner(b->set_by));
	json_u64_object(j, "tx_drops", vsec_peer_class_name, b->drops[0],
			KVM_SEC_PEER_CLASS_NR);
	json_u64_object(j, "rx_drops", vsec_peer_class_name, b->drops[1],
			KVM_SEC_PEER_CLASS_NR);
	json_end_object(j);
}

void json_limit_event(struct json *j, const struct vsec_event *ev)
{
	json_string(j, "event", "limit");
	json_u64(j, "id", ev->vm.id);
	json_string(j, "reason", limit_reason(ev->vm.limits.reason));
	json_limits(j, "limits", &ev->vm.limits);
}
