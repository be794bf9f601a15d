// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: probes on KVM's trace points.
 *
 * Only some of KVM's trace points are exported, so all of them are found by
 * name through the trace point module notifier, which also replays kvm.ko if
 * it is already loaded and tells when it goes.
 *
 * Every probe runs on KVM's exit path with preemption disabled. It does one
 * RCU hash lookup and increments counters that belong to the current CPU: no
 * lock, no atomic instruction, no allocation, no cache line written by
 * another CPU. An event from a VM that is not tracked is counted, and asks
 * the discovery code to look for it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/tracepoint.h>

#include "discovery.h"
#include "probes.h"
#include "vm.h"

/*
 * Trace point argument values, from include/trace/events/kvm.h and
 * arch/x86/kvm/trace.h: neither is an installed header.
 */
#define KSEC_TRACE_MMIO_READ	1
#define KSEC_TRACE_MMIO_WRITE	2
#define KSEC_TRACE_PIO_OUT	1

static __always_inline struct ksec_pcpu *ksec_pcpu_of(const struct kvm *kvm)
{
	struct ksec_vm *vm;

	if (unlikely(!kvm))
		return NULL;
	vm = ksec_vm_lookup(kvm);
	if (unlikely(!vm)) {
		__this_cpu_inc(*ksec_status.untracked);
		ksec_discovery_kick();
		return NULL;
	}
	return this_cpu_ptr(vm->pcpu);
}

static __always_inline struct ksec_pcpu *ksec_pcpu_running(void)
{
	struct kvm_vcpu *vcpu = kvm_get_running_vcpu();

	return vcpu ? ksec_pcpu_of(vcpu->kvm) : NULL;
}

/* kvm_exit(struct kvm_vcpu *vcpu, u32 isa) */
static void ksec_probe_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct ksec_pcpu *pc = ksec_pcpu_of(vcpu->kvm);

	if (pc)
		pc->ctr[KSEC_EXITS]++;
}

/* kvm_hypercall(nr, a0, a1, a2, a3): no vCPU argument. */
static void ksec_probe_hypercall(void *data, unsigned long nr,
				 unsigned long a0, unsigned long a1,
				 unsigned long a2, unsigned long a3)
{
	struct ksec_pcpu *pc = ksec_pcpu_running();

	if (!pc)
		return;
	pc->ctr[KSEC_HYPERCALLS]++;
	ksec_top_add(&pc->hypercalls, nr, 1);
}

/* kvm_pio(rw, port, size, count, data) */
static void ksec_probe_pio(void *data, unsigned int rw, unsigned int port,
			   unsigned int size, unsigned int count,
			   const void *val)
{
	struct ksec_pcpu *pc = ksec_pcpu_running();

	if (!pc)
		return;
	pc->ctr[rw == KSEC_TRACE_PIO_OUT ? KSEC_PIO_OUT : KSEC_PIO_IN] += count;
	ksec_top_add(&pc->ports, port, count);
}

/* kvm_mmio(type, len, gpa, val): an unsatisfied read is counted when done. */
static void ksec_probe_mmio(void *data, int type, int len, u64 gpa, void *val)
{
	struct ksec_pcpu *pc;

	if (type != KSEC_TRACE_MMIO_READ && type != KSEC_TRACE_MMIO_WRITE)
		return;
	pc = ksec_pcpu_running();
	if (!pc)
		return;
	pc->ctr[type == KSEC_TRACE_MMIO_READ ? KSEC_MMIO_READ :
					       KSEC_MMIO_WRITE]++;
	ksec_top_add(&pc->mmio_pages, gpa & ~0xfffULL, 1);
}

/* kvm_fast_mmio(gpa): a write that hit an ioeventfd without emulation. */
static void ksec_probe_fast_mmio(void *data, u64 gpa)
{
	struct ksec_pcpu *pc = ksec_pcpu_running();

	if (!pc)
		return;
	pc->ctr[KSEC_MMIO_WRITE]++;
	ksec_top_add(&pc->mmio_pages, gpa & ~0xfffULL, 1);
}

/* kvm_msr(write, ecx, data, exception) */
static void ksec_probe_msr(void *data, unsigned int write, u32 ecx, u64 val,
			   bool exception)
{
	struct ksec_pcpu *pc = ksec_pcpu_running();

	if (pc)
		pc->ctr[write ? KSEC_MSR_WRITE : KSEC_MSR_READ]++;
}

struct ksec_tp {
	const char *name;
	void *probe;
	bool required;
	struct tracepoint *tp;	/* attached, under ksec_tp_mutex */
};

static struct ksec_tp ksec_tps[] = {
	{ "kvm_exit",		ksec_probe_exit,	true },
	{ "kvm_hypercall",	ksec_probe_hypercall,	true },
	{ "kvm_pio",		ksec_probe_pio,		true },
	{ "kvm_mmio",		ksec_probe_mmio,	true },
	{ "kvm_msr",		ksec_probe_msr,		true },
	{ "kvm_fast_mmio",	ksec_probe_fast_mmio,	false },
};

static DEFINE_MUTEX(ksec_tp_mutex);
static struct module *ksec_kvm_mod;
static u32 ksec_nr_attached;

static void ksec_detach_all(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(ksec_tps); i++) {
		if (!ksec_tps[i].tp)
			continue;
		tracepoint_probe_unregister(ksec_tps[i].tp, ksec_tps[i].probe,
					    NULL);
		ksec_tps[i].tp = NULL;
	}
	ksec_nr_attached = 0;
}

static void ksec_attach_module(struct module *mod)
{
	unsigned int i, j;
	int err;

	for (i = 0; i < mod->num_tracepoints; i++) {
		struct tracepoint *tp = tracepoint_ptr_deref(&mod->tracepoints_ptrs[i]);

		for (j = 0; j < ARRAY_SIZE(ksec_tps); j++) {
			if (ksec_tps[j].tp || strcmp(tp->name, ksec_tps[j].name))
				continue;
			err = tracepoint_probe_register(tp, ksec_tps[j].probe,
							NULL);
			if (err) {
				pr_err("cannot attach to trace point %s: %d\n",
				       tp->name, err);
				continue;
			}
			ksec_tps[j].tp = tp;
			ksec_nr_attached++;
		}
	}
	ksec_kvm_mod = mod;
	for (j = 0; j < ARRAY_SIZE(ksec_tps); j++)
		if (!ksec_tps[j].tp)
			pr_warn("KVM trace point %s not found%s\n",
				ksec_tps[j].name,
				ksec_tps[j].required ? ": its class is not counted" : "");
}

static int ksec_tp_notify(struct notifier_block *nb, unsigned long val,
			  void *data)
{
	struct tp_module *tp_mod = data;

	if (strcmp(module_name(tp_mod->mod), "kvm"))
		return NOTIFY_OK;

	mutex_lock(&ksec_tp_mutex);
	switch (val) {
	case MODULE_STATE_COMING:
		ksec_attach_module(tp_mod->mod);
		break;
	case MODULE_STATE_GOING:
		/* Cannot happen while kvm-sec uses kvm.ko, but be correct. */
		ksec_detach_all();
		ksec_kvm_mod = NULL;
		break;
	}
	mutex_unlock(&ksec_tp_mutex);
	return NOTIFY_OK;
}

static struct notifier_block ksec_tp_nb = {
	.notifier_call = ksec_tp_notify,
};

int ksec_probes_init(void)
{
	int err;

	err = register_tracepoint_module_notifier(&ksec_tp_nb);
	if (err)
		return err;
	if (!ksec_nr_attached) {
		pr_err("no KVM trace point found: is kvm.ko loaded?\n");
		unregister_tracepoint_module_notifier(&ksec_tp_nb);
		return -ENOENT;
	}
	return 0;
}

void ksec_probes_exit(void)
{
	unregister_tracepoint_module_notifier(&ksec_tp_nb);
	mutex_lock(&ksec_tp_mutex);
	ksec_detach_all();
	ksec_kvm_mod = NULL;
	mutex_unlock(&ksec_tp_mutex);
	/* No probe runs any more once this returns. */
	tracepoint_synchronize_unregister();
}

u32 ksec_probes_attached(void)
{
	return READ_ONCE(ksec_nr_attached);
}

struct module *ksec_kvm_module(void)
{
	return READ_ONCE(ksec_kvm_mod);
}
