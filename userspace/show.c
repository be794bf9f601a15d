// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <inttypes.h>
#include <string.h>
#include <time.h>

#include "escape.h"
#include "show.h"

/* A VMM's command name, made safe for a terminal. */
typedef char comm_text[TEXT_ESCAPE_SIZE(32)];

/* Characters, not bytes: the text is valid UTF-8 (text_escape). */
static int text_width(const char *s)
{
	int w = 0;

	for (; *s; s++)
		w += ((unsigned char)*s & 0xc0) != 0x80;
	return w;
}

/* How a VM came to be tracked; a newer module's value is not "created". */
static const char *origin_name(uint8_t origin)
{
	return origin < 3 ? vsec_origin_name[origin] : "unknown";
}

enum {
	C_EXITS = KVM_SEC_CTR_EXITS - KVM_SEC_CTR_EXITS,
	C_HCALL = KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS,
	C_PIO_IN = KVM_SEC_CTR_PIO_IN - KVM_SEC_CTR_EXITS,
	C_PIO_OUT = KVM_SEC_CTR_PIO_OUT - KVM_SEC_CTR_EXITS,
	C_MMIO_R = KVM_SEC_CTR_MMIO_READ - KVM_SEC_CTR_EXITS,
	C_MMIO_W = KVM_SEC_CTR_MMIO_WRITE - KVM_SEC_CTR_EXITS,
	C_MSR_R = KVM_SEC_CTR_MSR_READ - KVM_SEC_CTR_EXITS,
	C_MSR_W = KVM_SEC_CTR_MSR_WRITE - KVM_SEC_CTR_EXITS,
	C_HALTS = KVM_SEC_CTR_HALTS - KVM_SEC_CTR_EXITS,
};

void format_duration(char *buf, size_t len, uint64_t s)
{
	if (s >= 86400)
		snprintf(buf, len, "%" PRIu64 "d%02" PRIu64 "h", s / 86400,
			 s % 86400 / 3600);
	else if (s >= 3600)
		snprintf(buf, len, "%" PRIu64 "h%02" PRIu64 "m", s / 3600,
			 s % 3600 / 60);
	else if (s >= 60)
		snprintf(buf, len, "%" PRIu64 "m%02" PRIu64 "s", s / 60, s % 60);
	else
		snprintf(buf, len, "%" PRIu64 "s", s);
}

static uint64_t age_seconds(const struct vsec_vm *vm)
{
	struct timespec now;
	uint64_t now_ns;

	clock_gettime(CLOCK_REALTIME, &now);
	now_ns = (uint64_t)now.tv_sec * 1000000000ull + (uint64_t)now.tv_nsec;
	return now_ns > vm->created_ns ? (now_ns - vm->created_ns) / 1000000000ull : 0;
}

void show_vm_list(FILE *f, const struct vsec_vm *vms, size_t nr)
{
	comm_text comm;
	int wcomm = 7;
	size_t i;

	for (i = 0; i < nr; i++) {
		int l = text_width(text_escape(comm, sizeof(comm), vms[i].comm));

		if (l > wcomm)
			wcomm = l;
	}
	fprintf(f, "%5s %8s  %-*s %5s %8s %5s %-8s %12s %9s %10s %10s %10s %10s\n",
		"ID", "PID", wcomm, "COMMAND", "VCPUS", "AGE", "LEVEL",
		"VERDICT", "EXITS", "EXITS/s", "HYPERCALLS", "PORT I/O", "MMIO",
		"HALTS");
	for (i = 0; i < nr; i++) {
		const struct vsec_vm *vm = &vms[i];
		char age[16], level[8];

		format_duration(age, sizeof(age), age_seconds(vm));
		text_escape(comm, sizeof(comm), vm->comm);
		snprintf(level, sizeof(level), "%u", vm->level);
		if (!vm->has_level)
			strcpy(level, "-");
		fprintf(f, "%5" PRIu32 " %8" PRIu32 "  %s%*s %5" PRIu32 " %8s %5s %-8s %12"
			PRIu64 " %9" PRIu64 " %10" PRIu64 " %10" PRIu64 " %10"
			PRIu64 " %10" PRIu64 "\n",
			vm->id, vm->pid, comm, wcomm - text_width(comm), "",
			vm->vcpus, age, level,
			!vm->has_level ? "-" : vm->verdict < 5 ?
			vsec_verdict_name[vm->verdict] : "unknown",
			vm->ctr[C_EXITS], vm->rate[C_EXITS], vm->ctr[C_HCALL],
			vm->ctr[C_PIO_IN] + vm->ctr[C_PIO_OUT],
			vm->ctr[C_MMIO_R] + vm->ctr[C_MMIO_W], vm->ctr[C_HALTS]);
	}
	if (!nr)
		fprintf(f, "(no VM on this host)\n");
}

enum key_style { KEY_DEC, KEY_PORT, KEY_ADDR };

static void show_top(FILE *f, const char *title, enum key_style style,
		     const struct vsec_top *t)
{
	unsigned int i;
	char key[32];

	if (!t->present)
		return;
	fprintf(f, "\n  %-24s %16s %10s\n", title, "exits", "(error)");
	for (i = 0; i < t->nr; i++) {
		if (style == KEY_DEC)
			snprintf(key, sizeof(key), "%" PRIu64, t->e[i].key);
		else if (style == KEY_PORT)
			snprintf(key, sizeof(key), "0x%04" PRIx64, t->e[i].key);
		else
			snprintf(key, sizeof(key), "0x%" PRIx64, t->e[i].key);
		fprintf(f, "  %-24s %16" PRIu64, key, t->e[i].count);
		if (t->e[i].err)
			fprintf(f, " %10" PRIu64, t->e[i].err);
		fputc('\n', f);
	}
	if (t->other || !t->nr)
		fprintf(f, "  %-24s %16" PRIu64 "\n", "(others)", t->other);
}

/* "10.0.0.0/8", "fd00::/8" */
void format_prefix(char *buf, size_t len, const struct virtio_vsem_prefix *p)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(p->family == 4 ? AF_INET : AF_INET6, p->addr, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->prefix_len);
}

/* names[v], or names[0] for a value a newer module may send. */
static const char *name_of(const char *const *names, unsigned int nr,
			   unsigned int v)
{
	return names[v < nr ? v : 0];
}

static void format_addr(char *buf, size_t len, uint8_t family,
			const uint8_t *addr)
{
	if (!inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, buf,
		       (socklen_t)len))
		snprintf(buf, len, "?");
}

static void show_guest(FILE *f, const struct vsec_guest *g)
{
	char a[INET6_ADDRSTRLEN], comm[TEXT_ESCAPE_SIZE(17)];
	unsigned int i;

	fprintf(f, "\n  guest driver (virtio-vsem)\n");
	fprintf(f, "  %-24s %" PRIu64 " accepted, %" PRIu64 " rejected, %" PRIu64
		" throttled, %" PRIu64 " inconsistent\n", "reports", g->reports,
		g->rejected, g->throttled, g->inconsistent);
	fprintf(f, "  %-24s %u (commanded: %s), %" PRIu64
		" switches, last: %s\n", "level", g->level,
		name_of(vsec_level_name, 3, g->level_cmd),
		g->switches,
		name_of(vsec_switch_name, 4, g->switch_reason));
	if (g->has_age)
		fprintf(f, "  %-24s seq %" PRIu64 " of epoch %" PRIu64 ", %"
			PRIu64 " ms ago, covering %" PRIu32 " ms\n",
			"last report", g->seq, g->epoch, g->age_ms,
			g->interval_ms);
	fprintf(f, "  %-24s %" PRIu64 "\n", "device resets", g->epochs);
	if (g->has_loss)
		fprintf(f, "  %-24s %" PRIu64 " packets to unstored destinations"
			", %" PRIu64 " requests, %" PRIu64 " flows trimmed, %"
			PRIu64 " reports dropped%s\n", "not reported (guest)",
			g->loss_unstored_packets, g->loss_hv_unstored,
			g->loss_flows_trimmed, g->loss_reports_dropped,
			g->loss_estimated ? "; destinations estimated" : "");
	if (g->claimed_tx || g->seen_tx || g->claimed_rx || g->seen_rx ||
	    g->tampered)
		fprintf(f, "  %-24s %" PRIu64 " reports short (tamper); packets"
			" claimed/seen: sent %" PRIu64 "/%" PRIu64
			", received %" PRIu64 "/%" PRIu64 "\n",
			"against its taps", g->tampered, g->claimed_tx,
			g->seen_tx, g->claimed_rx, g->seen_rx);
	if (g->report_flags & VIRTIO_VSEM_RF_LEVEL_REFUSED)
		fprintf(f, "  %-24s %s\n", "policy",
			"level 2 refused by the guest (max_level=1)");
	if (g->interval_cmd)
		fprintf(f, "  %-24s %" PRIu32 " ms\n", "interval commanded",
			g->interval_cmd);
	fprintf(f, "  %-24s", "anomalies");
	if (!g->anomalies)
		fprintf(f, " none");
	for (i = 0; i < VSEC_NR_FEAT; i++)
		if (g->anomalies & (1u << i))
			fprintf(f, " %s", vsec_feat_key[i]);
	fprintf(f, "\n  %-24s %" PRIu32 " of %" PRIu32 " intervals\n",
		"near capacity", g->near_capacity, g->intervals);
	if (g->history_seq)
		fprintf(f, "\n  %-24s %16s %16s %12s %12s\n", "feature",
			"last interval", "total", "usual mean", "spread");
	else
		fprintf(f, "\n  %-24s %16s %16s   (no history yet)\n",
			"feature", "last interval", "total");
	for (i = 0; i < VSEC_NR_FEAT; i++) {
		bool gauge = i >= VIRTIO_VSEM_FEAT_CPU_PERMILLE;

		fprintf(f, "  %-24s %16" PRIu64, vsec_feat_key[i], g->last[i]);
		if (gauge)
			fprintf(f, " %16s", "-");
		else
			fprintf(f, " %16" PRIu64, g->total[i]);
		if (g->history_seq)
			fprintf(f, " %12" PRIu64 " %12" PRIu64, g->mean[i],
				g->spread[i]);
		fputc('\n', f);
	}
	if (!g->has_flows || !g->nr_flows)
		return;
	fprintf(f, "\n  %-39s %10s %12s %-8s %7s %s\n", "destination (level 2)",
		"packets", "bytes", "where", "pid", "command");
	for (i = 0; i < g->nr_flows; i++) {
		const struct vsec_flow *fl = &g->flows[i];

		format_addr(a, sizeof(a), fl->family, fl->addr);
		fprintf(f, "  %-39s %10" PRIu64 " %12" PRIu64 " %-8s %7" PRIu32
			" %s\n", a, fl->packets, fl->bytes,
			fl->outside ? "outside" : "inside", fl->pid,
			fl->pid ? text_escape(comm, sizeof(comm), fl->comm) : "-");
	}
}

void show_vm(FILE *f, const struct vsec_vm *vm)
{
	char age[16], when[64] = "?";
	comm_text comm;
	time_t t = (time_t)(vm->created_ns / 1000000000ull);
	struct tm tm;
	int i;

	format_duration(age, sizeof(age), age_seconds(vm));
	if (gmtime_r(&t, &tm))
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fprintf(f, "VM %" PRIu32 "\n", vm->id);
	fprintf(f, "  %-24s %" PRIu32 " (%s)\n", "VMM process", vm->pid,
		text_escape(comm, sizeof(comm), vm->comm));
	fprintf(f, "  %-24s %" PRIu32 "\n", "vCPUs", vm->vcpus);
	fprintf(f, "  %-24s %s (%s ago)%s\n",
		origin_name(vm->origin), when, age,
		vm->discovered ? ", counted since then" : "");
	fprintf(f, "\n  %-24s %16s %16s\n", "counter", "total",
		"per second");
	for (i = 0; i < VSEC_NR_CTR; i++)
		fprintf(f, "  %-24s %16" PRIu64 " %16" PRIu64 "\n",
			vsec_ctr_label[i], vm->ctr[i], vm->rate[i]);
	fprintf(f, "  (rates over the last %" PRIu32 " ms sampling interval)\n",
		vm->interval_ms);
	show_top(f, "hypercall number", KEY_DEC, &vm->hypercalls);
	show_top(f, "busiest I/O port", KEY_PORT, &vm->ports);
	show_top(f, "busiest MMIO page (GPA)", KEY_ADDR, &vm->mmio_pages);
	if (vm->guest.present)
		show_guest(f, &vm->guest);
	if (vm->net.present)
		show_net(f, &vm->net);
	if (vm->decision.present)
		show_decision(f, &vm->decision);
	if (vm->limits.present)
		show_limits(f, &vm->limits);
}

void show_config(FILE *f, const struct vsec_config *cfg)
{
	char p[64];
	unsigned int i;

	fprintf(f, "%-16s %" PRIu32 " ms\n", "interval-ms", cfg->interval_ms);
	fprintf(f, "%-16s", "prefixes");
	if (!cfg->nr_prefixes)
		fprintf(f, " none");
	for (i = 0; i < cfg->nr_prefixes; i++) {
		format_prefix(p, sizeof(p), &cfg->prefixes[i]);
		fprintf(f, "%s%s", i ? "," : " ", p);
	}
	fputc('\n', f);
	fprintf(f, "%-16s %s\n", "migration-key",
		cfg->migration_keyed ? "set" : "none");
	if (cfg->rule.present) {
		fprintf(f, "%-16s ", "rule");
		show_rule(f, &cfg->rule);
		if (cfg->rule.has_limits) {
			fprintf(f, "%-16s ", "limits");
			show_rule_limits(f, &cfg->rule);
		}
	}
}

void show_status(FILE *f, const struct vsec_status *st)
{
	fprintf(f, "%-28s %" PRIu32 "\n", "VMs tracked", st->vms);
	fprintf(f, "%-28s %" PRIu64 "\n", "VMs seen since load", st->vms_seen);
	fprintf(f, "%-28s %" PRIu64 "\n", "VMs gone since load", st->vms_gone);
	fprintf(f, "%-28s %" PRIu32 "\n", "KVM trace points attached", st->probes);
	fprintf(f, "%-28s %" PRIu64 "\n", "untracked exits", st->untracked_exits);
	fprintf(f, "%-28s %" PRIu64 "\n", "rescans", st->rescans);
	fprintf(f, "%-28s %" PRIu64 "\n", "allocation failures", st->alloc_failures);
	fprintf(f, "%-28s %" PRIu64 "\n", "VMs adopted on an exit", st->adopted);
	fprintf(f, "%-28s %" PRIu64 " (max_vms %" PRIu32 ")\n", "VMs refused",
		st->refused, st->max_vms);
	fprintf(f, "%-28s %" PRIu64 "\n", "late releases", st->late_releases);
	fprintf(f, "%-28s %" PRIu64 "\n", "kprobe misses", st->probe_misses);
	fprintf(f, "%-28s %" PRIu64 "\n", "events dropped", st->events_dropped);
	fprintf(f, "%-28s %" PRIu32 "\n", "network devices bound", st->netdevs);
	fprintf(f, "%-28s %" PRIu64 "\n", "scans for tap devices",
		st->netdev_scans);
	fprintf(f, "%-28s %" PRIu64 "\n", "tap devices not bound",
		st->netdev_refused);
	fprintf(f, "%-28s %" PRIu64 "\n", "tap files not resolved",
		st->netdev_unresolved);
	fprintf(f, "%-28s %" PRIu64 " (%" PRIu64 " not: no key)\n",
		"states sealed to migrate", st->migrations_out,
		st->migrations_unkeyed);
	fprintf(f, "%-28s %" PRIu64 " (%" PRIu64 " refused)\n",
		"migrated states taken", st->migrations_in,
		st->migrations_refused);
}

void show_event(FILE *f, const struct vsec_event *ev)
{
	const struct vsec_vm *vm = &ev->vm;
	comm_text comm;

	if (ev->cmd == KVM_SEC_CMD_LEVEL || ev->cmd == KVM_SEC_CMD_VERDICT ||
	    ev->cmd == KVM_SEC_CMD_CAPACITY) {
		show_decision_event(f, ev);
		return;
	}
	if (ev->cmd == KVM_SEC_CMD_LIMIT) {
		show_limit_event(f, ev);
		return;
	}
	fprintf(f, "%-4s id %" PRIu32 " pid %" PRIu32 " comm %s",
		ev->cmd == KVM_SEC_CMD_VM_NEW ? "new" : "gone", vm->id, vm->pid,
		text_escape(comm, sizeof(comm), vm->comm));
	if (ev->cmd == KVM_SEC_CMD_VM_DEL && vm->has_ctr)
		fprintf(f, " exits %" PRIu64 " hypercalls %" PRIu64
			" pio %" PRIu64 " mmio %" PRIu64,
			vm->ctr[C_EXITS], vm->ctr[C_HCALL],
			vm->ctr[C_PIO_IN] + vm->ctr[C_PIO_OUT],
			vm->ctr[C_MMIO_R] + vm->ctr[C_MMIO_W]);
	fputc('\n', f);
}

static void json_counters(struct json *j, const char *key, const uint64_t *v)
{
	json_u64_object(j, key, vsec_ctr_key, v, VSEC_NR_CTR);
}

static void json_top(struct json *j, const char *key, const char *keyname,
		     const struct vsec_top *t)
{
	unsigned int i;

	json_begin_object(j, key);
	json_begin_array(j, "entries");
	for (i = 0; i < t->nr; i++) {
		json_begin_object(j, NULL);
		json_u64(j, keyname, t->e[i].key);
		json_u64(j, "count", t->e[i].count);
		json_u64(j, "error", t->e[i].err);
		json_end_object(j);
	}
	json_end_array(j);
	json_u64(j, "other", t->other);
	json_end_object(j);
}

static void json_features(struct json *j, const char *key, const uint64_t *v,
			  int n)
{
	json_u64_object(j, key, vsec_feat_key, v, n);
}

static void json_guest(struct json *j, const struct vsec_guest *g)
{
	char a[INET6_ADDRSTRLEN];
	unsigned int i;

	json_begin_object(j, "guest");
	json_u64(j, "reports", g->reports);
	json_u64(j, "rejected", g->rejected);
	json_u64(j, "throttled", g->throttled);
	json_u64(j, "inconsistent", g->inconsistent);
	json_u64(j, "seq", g->seq);
	json_u64(j, "epoch", g->epoch);
	json_u64(j, "epochs", g->epochs);
	json_bool(j, "level_refused",
		  g->report_flags & VIRTIO_VSEM_RF_LEVEL_REFUSED);
	json_begin_object(j, "tamper");
	json_u64(j, "reports_short", g->tampered);
	json_u64(j, "claimed_tx", g->claimed_tx);
	json_u64(j, "seen_tx", g->seen_tx);
	json_u64(j, "claimed_rx", g->claimed_rx);
	json_u64(j, "seen_rx", g->seen_rx);
	json_end_object(j);
	if (g->has_loss) {
		json_begin_object(j, "loss");
		json_u64(j, "unstored_packets", g->loss_unstored_packets);
		json_u64(j, "hv_unstored", g->loss_hv_unstored);
		json_u64(j, "flows_trimmed", g->loss_flows_trimmed);
		json_u64(j, "reports_dropped", g->loss_reports_dropped);
		json_bool(j, "estimated", g->loss_estimated);
		json_end_object(j);
	}
	if (g->has_age)
		json_u64(j, "age_ms", g->age_ms);
	json_u64(j, "interval_ms", g->interval_ms);
	json_u64(j, "level", g->level);
	json_u64(j, "level_cmd", g->level_cmd);
	json_u64(j, "interval_cmd", g->interval_cmd);
	json_string(j, "switch_reason",
		    name_of(vsec_switch_name, 4, g->switch_reason));
	json_u64(j, "switches", g->switches);
	json_begin_array(j, "anomalies");
	for (i = 0; i < VSEC_NR_FEAT; i++)
		if (g->anomalies & (1u << i))
			json_string(j, NULL, vsec_feat_key[i]);
	json_end_array(j);
	json_u64(j, "near_capacity_intervals", g->near_capacity);
	json_u64(j, "intervals", g->intervals);
	json_u64(j, "history_seq", g->history_seq);
	json_u64(j, "flows_reported", g->flows_reported);
	json_features(j, "last", g->last, VSEC_NR_FEAT);
	json_features(j, "total", g->total, VIRTIO_VSEM_FEAT_CPU_PERMILLE);
	if (g->history_seq) {
		json_features(j, "mean", g->mean, VSEC_NR_FEAT);
		json_features(j, "spread", g->spread, VSEC_NR_FEAT);
	}
	if (!g->has_flows) {
		json_end_object(j);
		return;
	}
	json_u64(j, "flows_seq", g->flows_seq);
	json_begin_array(j, "flows");
	for (i = 0; i < g->nr_flows; i++) {
		const struct vsec_flow *fl = &g->flows[i];

		format_addr(a, sizeof(a), fl->family, fl->addr);
		json_begin_object(j, NULL);
		json_string(j, "addr", a);
		json_bool(j, "outside", fl->outside);
		json_u64(j, "packets", fl->packets);
		json_u64(j, "bytes", fl->bytes);
		json_u64(j, "pid", fl->pid);
		json_string(j, "comm", fl->comm);
		json_end_object(j);
	}
	json_end_array(j);
	json_end_object(j);
}

void json_vm(struct json *j, const char *key, const struct vsec_vm *vm)
{
	json_begin_object(j, key);
	json_u64(j, "id", vm->id);
	json_u64(j, "pid", vm->pid);
	json_string(j, "comm", vm->comm);
	json_u64(j, "created_ns", vm->created_ns);
	json_bool(j, "discovered", vm->discovered);
	json_string(j, "origin", origin_name(vm->origin));
	if (vm->has_vcpus)
		json_u64(j, "vcpus", vm->vcpus);
	if (vm->has_interval)
		json_u64(j, "interval_ms", vm->interval_ms);
	if (vm->has_ctr)
		json_counters(j, "counters", vm->ctr);
	if (vm->has_rate)
		json_counters(j, "rates", vm->rate);
	if (vm->hypercalls.present)
		json_top(j, "hypercalls", "nr", &vm->hypercalls);
	if (vm->ports.present)
		json_top(j, "ports", "port", &vm->ports);
	if (vm->mmio_pages.present)
		json_top(j, "mmio_pages", "gpa", &vm->mmio_pages);
	if (vm->guest.present)
		json_guest(j, &vm->guest);
	if (vm->net.present)
		json_net(j, &vm->net);
	if (vm->has_level) {
		json_u64(j, "level", vm->level);
		json_string(j, "verdict", vm->verdict < 5 ?
			    vsec_verdict_name[vm->verdict] : "unknown");
	}
	if (vm->has_near_capacity)
		json_bool(j, "near_capacity", vm->near_capacity);
	if (vm->decision.present)
		json_decision(j, "decision", &vm->decision);
	if (vm->limits.present)
		json_limits(j, "limits", &vm->limits);
	json_end_object(j);
}

void json_config(struct json *j, const struct vsec_config *cfg)
{
	char p[64];
	unsigned int i;

	json_begin_object(j, NULL);
	json_u64(j, "interval_ms", cfg->interval_ms);
	json_begin_array(j, "prefixes");
	for (i = 0; i < cfg->nr_prefixes; i++) {
		format_prefix(p, sizeof(p), &cfg->prefixes[i]);
		json_string(j, NULL, p);
	}
	json_end_array(j);
	json_bool(j, "migration_key", cfg->migration_keyed);
	if (cfg->rule.present)
		json_rule(j, "rule", &cfg->rule);
	json_end_object(j);
}

void json_status(struct json *j, const struct vsec_status *st)
{
	json_begin_object(j, NULL);
	json_u64(j, "vms", st->vms);
	json_u64(j, "vms_seen", st->vms_seen);
	json_u64(j, "vms_gone", st->vms_gone);
	json_u64(j, "probes", st->probes);
	json_u64(j, "untracked_exits", st->untracked_exits);
	json_u64(j, "rescans", st->rescans);
	json_u64(j, "alloc_failures", st->alloc_failures);
	json_u64(j, "probe_misses", st->probe_misses);
	json_u64(j, "adopted", st->adopted);
	json_u64(j, "refused", st->refused);
	json_u64(j, "max_vms", st->max_vms);
	json_u64(j, "late_releases", st->late_releases);
	json_u64(j, "events_dropped", st->events_dropped);
	json_u64(j, "netdevs", st->netdevs);
	json_u64(j, "netdev_scans", st->netdev_scans);
	json_u64(j, "netdev_refused", st->netdev_refused);
	json_u64(j, "netdev_unresolved", st->netdev_unresolved);
	json_u64(j, "migrations_out", st->migrations_out);
	json_u64(j, "migrations_unkeyed", st->migrations_unkeyed);
	json_u64(j, "migrations_in", st->migrations_in);
	json_u64(j, "migrations_refused", st->migrations_refused);
	json_end_object(j);
}

void json_event(struct json *j, const struct vsec_event *ev)
{
	json_begin_object(j, NULL);
	if (ev->cmd == KVM_SEC_CMD_LEVEL || ev->cmd == KVM_SEC_CMD_VERDICT ||
	    ev->cmd == KVM_SEC_CMD_CAPACITY) {
		json_string(j, "event", ev->cmd == KVM_SEC_CMD_LEVEL ? "level" :
			    ev->cmd == KVM_SEC_CMD_VERDICT ? "verdict" :
			    "capacity");
		json_u64(j, "id", ev->vm.id);
		json_decision(j, "decision", &ev->vm.decision);
	} else if (ev->cmd == KVM_SEC_CMD_LIMIT) {
		json_limit_event(j, ev);
	} else {
		json_string(j, "event",
			    ev->cmd == KVM_SEC_CMD_VM_NEW ? "new" : "gone");
		json_vm(j, "vm", &ev->vm);
	}
	json_end_object(j);
}
