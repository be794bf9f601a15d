// SPDX-License-Identifier: GPL-2.0
/*
 * virtio_vsem: requests the guest makes of the hypervisor.
 *
 * What the guest can count without touching other drivers: every
 * virtqueue notification (virtqueue_notify(), through which every virtio
 * driver kicks its device), and the paravirtual hypercalls of KVM's guest
 * support that are functions of their own (IPIs, vCPU kicks). A kprobe on
 * each; a probe whose symbol this kernel does not have is left out and
 * sysfs says how many are active.
 */
#include <linux/kprobes.h>
#include <linux/sched/clock.h>
#include <linux/virtio.h>
#include <uapi/linux/kvm_para.h>
#include "vsem.h"

static atomic64_t vsem_notifications;
static atomic64_t vsem_hypercalls;

static void vsem_hv_note(u32 kind, u32 key)
{
	struct vsem_hv_slot *s;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&vsem_net.lock, flags);
	for (i = 0; i < VSEM_HV_SLOTS; i++) {
		s = &vsem_net.hv[i];
		if (!s->kind) {
			s->kind = kind;
			s->key = key;
		}
		if (s->kind == kind && s->key == key) {
			s->count++;
			break;
		}
	}
	if (i == VSEM_HV_SLOTS)
		vsem_net.hv_unstored++;
	spin_unlock_irqrestore(&vsem_net.lock, flags);
}

/* bool virtqueue_notify(struct virtqueue *vq) */
static int vsem_notify_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct virtqueue *vq = (struct virtqueue *)regs_get_kernel_argument(regs, 0);
	u64 t0 = local_clock();

	atomic64_inc(&vsem_notifications);
	vsem_hv_note(VIRTIO_VSEM_HV_NOTIFY,
		     (vq->vdev->id.device & 0xffff) << 16 | (vq->index & 0xffff));
	atomic64_add(local_clock() - t0, &vsem_net.cost_ns);
	return 0;
}

struct vsem_hcall_probe {
	struct kprobe kp;
	u32 nr;				/* KVM_HC_* the function makes */
	bool active;
};

static int vsem_hcall_pre(struct kprobe *p, struct pt_regs *regs)
{
	struct vsem_hcall_probe *h = container_of(p, struct vsem_hcall_probe, kp);

	atomic64_inc(&vsem_hypercalls);
	vsem_hv_note(VIRTIO_VSEM_HV_HYPERCALL, h->nr);
	return 0;
}

static struct kprobe vsem_notify_probe = {
	.symbol_name = "virtqueue_notify",
	.pre_handler = vsem_notify_pre,
};

static bool vsem_notify_active;

static struct vsem_hcall_probe vsem_hcalls[] = {
	{ .kp = { .symbol_name = "__send_ipi_mask" }, .nr = KVM_HC_SEND_IPI },
	{ .kp = { .symbol_name = "kvm_kick_cpu" }, .nr = KVM_HC_KICK_CPU },
	{ .kp = { .symbol_name = "kvm_smp_send_call_func_ipi" },
	  .nr = KVM_HC_SCHED_YIELD },
};

int vsem_hv_init(void)
{
	unsigned int i;

	vsem_notify_active = !register_kprobe(&vsem_notify_probe);
	for (i = 0; i < ARRAY_SIZE(vsem_hcalls); i++) {
		vsem_hcalls[i].kp.pre_handler = vsem_hcall_pre;
		vsem_hcalls[i].active = !register_kprobe(&vsem_hcalls[i].kp);
	}
	return 0;
}

void vsem_hv_exit(void)
{
	unsigned int i;

	if (vsem_notify_active)
		unregister_kprobe(&vsem_notify_probe);
	for (i = 0; i < ARRAY_SIZE(vsem_hcalls); i++)
		if (vsem_hcalls[i].active)
			unregister_kprobe(&vsem_hcalls[i].kp);
}

/* How many probes count requests (sysfs "hv_probes"). */
unsigned int vsem_hv_probes(void)
{
	unsigned int i, n = vsem_notify_active;

	for (i = 0; i < ARRAY_SIZE(vsem_hcalls); i++)
		n += vsem_hcalls[i].active;
	return n;
}

u64 vsem_hv_notifications(void)
{
	return atomic64_read(&vsem_notifications);
}

void vsem_hv_totals(struct vsem_totals *t)
{
	t->notifications = atomic64_read(&vsem_notifications);
	t->hypercalls = atomic64_read(&vsem_hypercalls);
}

/* The interval's busiest records, most frequent first; resets them. */
unsigned int vsem_hv_take(struct vsem_hv_slot *out, unsigned int max)
{
	unsigned int i, j, n = 0;
	unsigned long flags;

	spin_lock_irqsave(&vsem_net.lock, flags);
	for (i = 0; i < VSEM_HV_SLOTS && n < max; i++) {
		if (!vsem_net.hv[i].kind)
			break;
		out[n++] = vsem_net.hv[i];
	}
	memset(vsem_net.hv, 0, sizeof(vsem_net.hv));
	vsem_net.hv_unstored = 0;
	spin_unlock_irqrestore(&vsem_net.lock, flags);

	/* Insertion sort by count, at most 16 records. */
	for (i = 1; i < n; i++) {
		struct vsem_hv_slot s = out[i];

		for (j = i; j > 0 && out[j - 1].count < s.count; j--)
			out[j] = out[j - 1];
		out[j] = s;
	}
	return n;
}
