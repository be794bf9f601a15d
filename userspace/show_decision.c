// SPDX-License-Identifier: GPL-2.0
/* HSEM's decisions, the anomaly rule and their events, for people and JSON. */
#include <inttypes.h>
#include <stdio.h>

#include "show.h"

static const char *name_or(const char *const *names, unsigned int nr,
			   unsigned int i)
{
	return i < nr ? names[i] : "unknown";
}

static const char *verdict_name(uint8_t v)
{
	return name_or(vsec_verdict_name, 5, v);
}

static const char *reason_name(uint8_t r)
{
	return name_or(vsec_level_reason_name, 5, r);
}

static void show_reasons(FILE *f, const struct vsec_decision *d,
			 const char *indent)
{
	unsigned int i;

	for (i = 0; i < d->nr_reasons; i++)
		fprintf(f, "%s%s %" PRIu64 " (usual %" PRIu64 " +- %" PRIu64
			", limit %" PRIu64 ")\n", i ? indent : "",
			vsec_hfeat_key[d->reason[i].feature], d->reason[i].value,
			d->reason[i].mean, d->reason[i].spread,
			d->reason[i].limit);
	if (!d->nr_reasons)
		fprintf(f, "none\n");
}

void show_rule(FILE *f, const struct vsec_rule *r)
{
	fprintf(f, "K %" PRIu32 ".%" PRIu32 " spreads, %u of %u intervals, warm-up %"
		PRIu32 ", decide %" PRIu32 ", calm %" PRIu32 "\n",
		r->k_tenths / 10, r->k_tenths % 10, r->m, r->n, r->warm,
		r->decide, r->calm);
}

void show_rule_limits(FILE *f, const struct vsec_rule *r)
{
	if (!r->has_limits)
		return;
	fprintf(f, "sending at level 2: %" PRIu32 " %% of the rule's limit%s; attacker or overflow: %" PRIu32
		" %%%s\n", r->limit_level2_pct,
		r->limit_level2_pct ? "" : " (no limit)", r->limit_attack_pct,
		r->limit_attack_pct ? "" : " (no limit)");
}

void show_decision(FILE *f, const struct vsec_decision *d)
{
	const char *indent = "                           ";
	unsigned int i;

	fprintf(f, "\n  HSEM/HREM (host)\n");
	fprintf(f, "  %-24s %u (%s)", "level", d->level,
		reason_name(d->level_reason));
	if (d->level == 2)
		fprintf(f, ", %" PRIu32 " intervals, %" PRIu32 " calm in a row",
			d->at_level2, d->calm);
	fputc('\n', f);
	fprintf(f, "  %-24s %s", "verdict", verdict_name(d->verdict));
	if (d->peer_vm)
		fprintf(f, " (other VM %" PRIu32 ")", d->peer_vm);
	fputc('\n', f);
	fprintf(f, "  %-24s %s\n", "capacity (HREM)",
		d->near_capacity ? "near, clean: more resources would help" :
		"not near");
	fprintf(f, "  %-24s ", "reasons");
	show_reasons(f, d, indent);
	fprintf(f, "  %-24s ", "rule");
	show_rule(f, &d->rule);
	if (d->rule.has_limits) {
		fprintf(f, "  %-24s ", "limits while watched");
		show_rule_limits(f, &d->rule);
	}
	fprintf(f, "  %-24s %" PRIu64 "\n", "intervals judged", d->intervals);
	if (!d->has_features)
		return;
	fprintf(f, "\n  %-19s %13s %12s %10s %12s %8s %s\n", "host feature",
		"last interval", "usual mean", "spread", "limit", "learned",
		"anomalous");
	for (i = 0; i < VSEC_NR_HFEAT; i++) {
		if (!d->f[i].present)
			continue;
		fprintf(f, "  %-19s %13" PRIu64 " %12" PRIu64 " %10" PRIu64
			" %12" PRIu64 " %8" PRIu32 " %s\n", vsec_hfeat_key[i],
			d->f[i].value, d->f[i].mean, d->f[i].spread,
			d->f[i].limit, d->f[i].learned,
			d->f[i].anomalous ? "yes" : "");
	}
}

void show_decision_event(FILE *f, const struct vsec_event *ev)
{
	const struct vsec_decision *d = &ev->vm.decision;

	if (ev->cmd == KVM_SEC_CMD_CAPACITY) {
		/* HREM's cue to a load balancer */
		fprintf(f, "capacity id %" PRIu32 " %s\n", ev->vm.id,
			d->near_capacity ? "near (clean: more resources would help)" :
			"normal");
		return;
	}
	if (ev->cmd == KVM_SEC_CMD_LEVEL)
		fprintf(f, "level id %" PRIu32 " level %u (%s)", ev->vm.id,
			d->level, reason_name(d->level_reason));
	else
		fprintf(f, "verdict id %" PRIu32 " %s", ev->vm.id,
			verdict_name(d->verdict));
	if (d->peer_vm && ev->cmd == KVM_SEC_CMD_VERDICT)
		fprintf(f, " other-vm %" PRIu32, d->peer_vm);
	if (d->nr_reasons) {
		unsigned int i;

		fprintf(f, " because");
		for (i = 0; i < d->nr_reasons; i++)
			fprintf(f, " %s %" PRIu64 " (usual %" PRIu64 " +- %"
				PRIu64 ")", vsec_hfeat_key[d->reason[i].feature],
				d->reason[i].value, d->reason[i].mean,
				d->reason[i].spread);
	}
	fputc('\n', f);
}

void json_rule(struct json *j, const char *key, const struct vsec_rule *r)
{
	json_begin_object(j, key);
	json_u64(j, "k_tenths", r->k_tenths);
	json_u64(j, "m", r->m);
	json_u64(j, "n", r->n);
	json_u64(j, "warm", r->warm);
	json_u64(j, "decide", r->decide);
	json_u64(j, "calm", r->calm);
	if (r->has_limits) {
		json_u64(j, "limit_level2_pct", r->limit_level2_pct);
		json_u64(j, "limit_attack_pct", r->limit_attack_pct);
	}
	json_end_object(j);
}

void json_decision(struct json *j, const char *key,
		   const struct vsec_decision *d)
{
	unsigned int i;

	json_begin_object(j, key);
	json_u64(j, "level", d->level);
	json_string(j, "level_reason", reason_name(d->level_reason));
	json_string(j, "verdict", verdict_name(d->verdict));
	json_u64(j, "peer_vm", d->peer_vm);
	json_bool(j, "near_capacity", d->near_capacity);
	json_u64(j, "at_level2", d->at_level2);
	json_u64(j, "calm", d->calm);
	json_u64(j, "intervals", d->intervals);
	json_begin_array(j, "reasons");
	for (i = 0; i < d->nr_reasons; i++) {
		json_begin_object(j, NULL);
		json_string(j, "feature", vsec_hfeat_key[d->reason[i].feature]);
		json_u64(j, "value", d->reason[i].value);
		json_u64(j, "mean", d->reason[i].mean);
		json_u64(j, "spread", d->reason[i].spread);
		json_u64(j, "limit", d->reason[i].limit);
		json_end_object(j);
	}
	json_end_array(j);
	if (d->rule.present)
		json_rule(j, "rule", &d->rule);
	if (d->has_features) {
		json_begin_object(j, "features");
		for (i = 0; i < VSEC_NR_HFEAT; i++) {
			if (!d->f[i].present)
				continue;
			json_begin_object(j, vsec_hfeat_key[i]);
			json_u64(j, "value", d->f[i].value);
			json_u64(j, "mean", d->f[i].mean);
			json_u64(j, "spread", d->f[i].spread);
			json_u64(j, "limit", d->f[i].limit);
			json_u64(j, "learned", d->f[i].learned);
			json_u64(j, "window", d->f[i].window);
			json_bool(j, "anomalous", d->f[i].anomalous);
			json_end_object(j);
		}
		json_end_object(j);
	}
	json_end_object(j);
}
