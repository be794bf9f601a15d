// SPDX-License-Identifier: GPL-2.0
/*
 * The Prometheus text exposition format (version 0.0.4) of everything
 * vsecctl knows: every per-VM counter, the host's network view, HSEM's
 * level and verdict, and the module's status. Names are kvmsec_*, in base
 * units, counters end in _total; each VM is labelled with its ID, its
 * VMM's pid (to join with libvirt's exporter through the QEMU process)
 * and the VMM's command name.
 */
#include <inttypes.h>
#include <stdio.h>

#include "escape.h"
#include "show.h"

/*
 * A label value from a VMM: made printable UTF-8 first (text_escape), then
 * backslash, double quote and newline escaped as the format wants.
 */
static void prom_label(FILE *f, const char *raw)
{
	char buf[TEXT_ESCAPE_SIZE(32)];
	const char *s = text_escape(buf, sizeof(buf), raw);

	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void prom_vm_labels(FILE *f, const struct vsec_vm *vm)
{
	fprintf(f, "{vm=\"%" PRIu32 "\",pid=\"%" PRIu32 "\",comm=\"", vm->id,
		vm->pid);
	prom_label(f, vm->comm);
	fputs("\"}", f);
}

static void prom_head(FILE *f, const char *name, const char *type,
		      const char *help)
{
	fprintf(f, "# HELP kvmsec_%s %s\n# TYPE kvmsec_%s %s\n", name, help,
		name, type);
}

/* A module-wide metric: its head and its one value. */
static void prom_one(FILE *f, const char *name, const char *type,
		     const char *help, uint64_t value)
{
	prom_head(f, name, type, help);
	fprintf(f, "kvmsec_%s %" PRIu64 "\n", name, value);
}

/* One metric for every VM: value(vm) or skipped where has(vm) is false. */
static void prom_per_vm(FILE *f, const struct vsec_vm *vms, size_t nr,
			const char *name, const char *type, const char *help,
			uint64_t (*value)(const struct vsec_vm *, int), int arg,
			bool (*has)(const struct vsec_vm *))
{
	size_t i;

	prom_head(f, name, type, help);
	for (i = 0; i < nr; i++) {
		if (has && !has(&vms[i]))
			continue;
		fprintf(f, "kvmsec_%s", name);
		prom_vm_labels(f, &vms[i]);
		fprintf(f, " %" PRIu64 "\n", value(&vms[i], arg));
	}
}

static uint64_t ctr_of(const struct vsec_vm *vm, int i)
{
	return vm->ctr[i];
}

static uint64_t net_ctr_of(const struct vsec_vm *vm, int i)
{
	return vm->net.ctr[i];
}

static uint64_t level_of(const struct vsec_vm *vm, int i)
{
	(void)i;
	return vm->level;
}

static uint64_t near_capacity_of(const struct vsec_vm *vm, int i)
{
	(void)i;
	return vm->near_capacity;
}

static uint64_t vcpus_of(const struct vsec_vm *vm, int i)
{
	(void)i;
	return vm->vcpus;
}

static bool has_net(const struct vsec_vm *vm)
{
	return vm->net.present;
}

static bool has_level(const struct vsec_vm *vm)
{
	return vm->has_level;
}

static bool has_near_capacity(const struct vsec_vm *vm)
{
	return vm->has_near_capacity;
}

void show_prometheus(FILE *f, const struct vsec_vm *vms, size_t nr,
		     const struct vsec_status *st)
{
	char name[64], help[128];
	size_t i;
	int c, v;

	for (c = 0; c < VSEC_NR_CTR; c++) {
		snprintf(name, sizeof(name), "vm_%s_total", vsec_ctr_key[c]);
		snprintf(help, sizeof(help), "%s of the VM, since kvm-sec found it",
			 vsec_ctr_label[c]);
		prom_per_vm(f, vms, nr, name, "counter", help, ctr_of, c, NULL);
	}
	for (c = 0; c < VSEC_NR_NET_CTR; c++) {
		/* tx_bytes -> vm_net_tx_bytes_total: already a base unit */
		snprintf(name, sizeof(name), "vm_net_%s_total",
			 vsec_net_ctr_key[c]);
		snprintf(help, sizeof(help),
			 "%s on the VM's tap devices, as the host saw them",
			 vsec_net_ctr_key[c]);
		prom_per_vm(f, vms, nr, name, "counter", help, net_ctr_of, c,
			    has_net);
	}
	prom_per_vm(f, vms, nr, "vm_vcpus", "gauge", "vCPUs of the VM",
		    vcpus_of, 0, NULL);
	prom_per_vm(f, vms, nr, "vm_level", "gauge",
		    "HSEM's monitoring level of the VM (1 or 2)", level_of, 0,
		    has_level);
	prom_per_vm(f, vms, nr, "vm_near_capacity", "gauge",
		    "HREM: 1 when the VM is near its capacity and clean "
		    "(more resources would help)", near_capacity_of, 0,
		    has_near_capacity);
	prom_head(f, "vm_verdict", "gauge",
		  "HSEM's verdict on the VM: 1 for the current one");
	for (i = 0; i < nr; i++) {
		if (!vms[i].has_level)
			continue;
		for (v = 0; v < 5; v++) {
			fprintf(f, "kvmsec_vm_verdict{vm=\"%" PRIu32 "\",pid=\"%"
				PRIu32 "\",comm=\"", vms[i].id, vms[i].pid);
			prom_label(f, vms[i].comm);
			fprintf(f, "\",verdict=\"%s\"} %d\n", vsec_verdict_name[v],
				vms[i].verdict == v);
		}
	}
	prom_head(f, "vm_limit_drops_total", "counter",
		  "frames a network limit of the VM dropped, exits an exit limit paced");
	for (i = 0; i < nr; i++)
		for (c = 0; c < VSEC_CPU_LIMIT; c++) {
			if (!vms[i].limits.l[c].present)
				continue;
			fprintf(f, "kvmsec_vm_limit_drops_total{vm=\"%" PRIu32
				"\",pid=\"%" PRIu32 "\",comm=\"", vms[i].id,
				vms[i].pid);
			prom_label(f, vms[i].comm);
			fprintf(f, "\",limit=\"%s\"} %" PRIu64 "\n",
				vsec_limit_key[c], vms[i].limits.l[c].drops);
		}
	prom_head(f, "vm_block_drops_total", "counter",
		  "packets the VM's destination-class rule dropped, by direction and class of peer");
	for (i = 0; i < nr; i++) {
		const struct vsec_block *b = &vms[i].limits.block;

		for (c = 0; b->present && c < 2 * KVM_SEC_PEER_CLASS_NR; c++) {
			fprintf(f, "kvmsec_vm_block_drops_total{vm=\"%" PRIu32
				"\",pid=\"%" PRIu32 "\",comm=\"", vms[i].id,
				vms[i].pid);
			prom_label(f, vms[i].comm);
			fprintf(f, "\",dir=\"%s\",class=\"%s\"} %" PRIu64 "\n",
				c < KVM_SEC_PEER_CLASS_NR ? "tx" : "rx",
				vsec_peer_class_name[c % KVM_SEC_PEER_CLASS_NR],
				b->drops[c / KVM_SEC_PEER_CLASS_NR]
					[c % KVM_SEC_PEER_CLASS_NR]);
		}
	}
	prom_head(f, "vm_limit_wait_seconds_total", "counter",
		  "time the VM's vCPUs waited for an exit limit");
	for (i = 0; i < nr; i++)
		for (c = VSEC_FIRST_EXIT_LIMIT; c < VSEC_CPU_LIMIT; c++) {
			if (!vms[i].limits.l[c].present)
				continue;
			fprintf(f, "kvmsec_vm_limit_wait_seconds_total{vm=\"%" PRIu32
				"\",pid=\"%" PRIu32 "\",comm=\"", vms[i].id,
				vms[i].pid);
			prom_label(f, vms[i].comm);
			fprintf(f, "\",limit=\"%s\"} %.6f\n", vsec_limit_key[c],
				vms[i].limits.l[c].wait_us / 1e6);
		}
	prom_head(f, "vm_limit_per_second", "gauge",
		  "a limit of the VM, in tokens a second (0: lifted)");
	for (i = 0; i < nr; i++)
		for (c = 0; c < VSEC_NR_LIMIT; c++) {
			const struct vsec_limit *l = &vms[i].limits.l[c];

			if (!l->present)
				continue;
			fprintf(f, "kvmsec_vm_limit_per_second{vm=\"%" PRIu32
				"\",pid=\"%" PRIu32 "\",comm=\"", vms[i].id,
				vms[i].pid);
			prom_label(f, vms[i].comm);
			fprintf(f, "\",limit=\"%s\"} %.6g\n", vsec_limit_key[c],
				l->refill_ms ? l->size * 1000.0 / l->refill_ms : 0.0);
		}
	if (!st)
		return;
	prom_one(f, "vms", "gauge", "VMs kvm-sec tracks", st->vms);
	prom_one(f, "vms_seen_total", "counter", "VMs tracked since load",
		 st->vms_seen);
	prom_one(f, "events_dropped_total", "counter",
		 "notifications kvm-sec could not send", st->events_dropped);
	prom_one(f, "alloc_failures_total", "counter",
		 "VM states kvm-sec could not allocate", st->alloc_failures);
	prom_one(f, "vms_refused_total", "counter",
		 "VMs not tracked because max_vms were", st->refused);
	prom_one(f, "netdevs", "gauge", "network devices bound to VMs",
		 st->netdevs);
	prom_one(f, "migrations_out_total", "counter",
		 "VM states sealed for a live migration", st->migrations_out);
	prom_one(f, "migrations_unkeyed_total", "counter",
		 "VMs migrated out without their state: no migration key",
		 st->migrations_unkeyed);
	prom_one(f, "migrations_in_total", "counter",
		 "migrated VM states taken", st->migrations_in);
	prom_one(f, "migrations_refused_total", "counter",
		 "migrated VM states refused", st->migrations_refused);
}
