// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: requests the guest makes of the hypervisor.
 *
 * What the guest can count exactly without touching other drivers: every
 * virtqueue notification (a kprobe on virtqueue_notify(), through which
 * every virtio driver kicks its device), and the KVM_HC_KICK_CPU
 * hypercalls of paravirtual spinlocks (kvm_kick_cpu() makes exactly one).
 * Other hypercalls are not claimed: the PV IPI path makes one per 128-CPU
 * cluster, the yield in kvm_smp_send_call_func_ipi() only sometimes, and
 * the host cross-checks what a guest claims against what it saw, so the
 * count is a lower bound, never more. A probe whose symbol this kernel
 * does not have (or that is not KVM's) is left out; sysfs says how many are
 * active.
 *
 * Handlers run with preemption off and kprobes do not nest on a CPU: each
 * writes only its CPU's struct vsem_cpu, without lock or atomic.
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/sched/clock.h>
#include <linux/virtio.h>
#include <uapi/linux/kvm_para.h>
#include "vsem.h"

static void vsem_hv_note(struct vsem_cpu *c, u32 kind, u32 key)
{
	unsigned int idx = READ_ONCE(vsem_cap.gen) & 1, i;
	struct vsem_hv_slot *s;

	for (i = 0; i < VSEM_HV_SLOTS; i++) {
		s = &c->hv[idx][i];
		if (!s->kind) {
			s->kind = kind;
			s->key = key;
		}
		if (s->kind == kind && s->key == key) {
			s->count++;
			return;
		}
	}
	c->hv_unstored[idx]++;
}

/* bool virtqueue_notify(struct virtqueue *vq) */
static int vsem_notify_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct virtqueue *vq = (struct virtqueue *)regs_get_kernel_argument(regs, 0);
	struct vsem_cpu *c = this_cpu_ptr(vsem_cap.cpu);

	WRITE_ONCE(c->notifications, c->notifications + 1);
	vsem_hv_note(c, VIRTIO_VSEM_HV_NOTIFY,
		     (vq->vdev->id.device & 0xffff) << 16 | (vq->index & 0xffff));
	return 0;
}

/* static void kvm_kick_cpu(int cpu): one KVM_HC_KICK_CPU */
static int vsem_kick_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vsem_cpu *c = this_cpu_ptr(vsem_cap.cpu);

	WRITE_ONCE(c->hypercalls, c->hypercalls + 1);
	vsem_hv_note(c, VIRTIO_VSEM_HV_HYPERCALL, KVM_HC_KICK_CPU);
	return 0;
}

static struct kprobe vsem_probes[] = {
	{ .symbol_name = "virtqueue_notify", .pre_handler = vsem_notify_pre },
	{ .symbol_name = "kvm_kick_cpu", .pre_handler = vsem_kick_pre },
};

static bool vsem_probe_active[ARRAY_SIZE(vsem_probes)];

/*
 * The probe sits at the start of a function of exactly that name (after
 * its ENDBR64 with IBT).
 */
static bool vsem_probe_is_entry(struct kprobe *kp)
{
	char sym[KSYM_SYMBOL_LEN];
	size_t n = strlen(kp->symbol_name);

	sprint_symbol(sym, (unsigned long)kp->addr);
	return !strncmp(sym, kp->symbol_name, n) &&
	       (!strncmp(sym + n, "+0x0/", 5) ||
		(IS_ENABLED(CONFIG_X86_KERNEL_IBT) &&
		 !strncmp(sym + n, "+0x4/", 5)));
}

int vsem_hv_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vsem_probes); i++) {
		vsem_probes[i].addr = NULL;
		vsem_probes[i].flags = 0;
		vsem_probe_active[i] = !register_kprobe(&vsem_probes[i]);
		if (vsem_probe_active[i] &&
		    !vsem_probe_is_entry(&vsem_probes[i])) {
			unregister_kprobe(&vsem_probes[i]);
			vsem_probe_active[i] = false;
		}
	}
	return 0;
}

void vsem_hv_exit(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(vsem_probes); i++)
		if (vsem_probe_active[i])
			unregister_kprobe(&vsem_probes[i]);
	memset(vsem_probe_active, 0, sizeof(vsem_probe_active));
}

/* How many probes count requests (sysfs "hv_probes"). */
unsigned int vsem_hv_probes(void)
{
	unsigned int i, n = 0;

	for (i = 0; i < ARRAY_SIZE(vsem_probes); i++)
		n += vsem_probe_active[i];
	return n;
}

void vsem_hv_totals(struct vsem_totals *t)
{
	t->notifications = VSEM_CPU_SUM(notifications);
	t->hypercalls = VSEM_CPU_SUM(hypercalls);
}

/*
 * Add CPU @c's records of the interval that ended (tables @idx, no longer
 * written) to @iv, busiest first, and clear them.
 */
void vsem_hv_merge(struct vsem_interval *iv, struct vsem_cpu *c,
		   unsigned int idx)
{
	unsigned int i, j;

	if (!c->hv[idx][0].kind && !c->hv_unstored[idx])
		return;			/* untouched: nothing to clear */
	for (i = 0; i < VSEM_HV_SLOTS && c->hv[idx][i].kind; i++) {
		const struct vsem_hv_slot *s = &c->hv[idx][i];

		for (j = 0; j < iv->nr_hv; j++)
			if (iv->hv[j].kind == s->kind && iv->hv[j].key == s->key)
				break;
		if (j == iv->nr_hv) {
			if (iv->nr_hv == VSEM_HV_SLOTS) {
				iv->hv_unstored += s->count;
				continue;
			}
			iv->hv[iv->nr_hv++] = (struct vsem_hv_slot){
				.kind = s->kind, .key = s->key };
		}
		iv->hv[j].count += s->count;
		/* insertion: keep the records sorted by count */
		for (; j > 0 && iv->hv[j - 1].count < iv->hv[j].count; j--)
			swap(iv->hv[j - 1], iv->hv[j]);
	}
	iv->hv_unstored += c->hv_unstored[idx];
	memset(c->hv[idx], 0, sizeof(c->hv[idx]));
	c->hv_unstored[idx] = 0;
}
