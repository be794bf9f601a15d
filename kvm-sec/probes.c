// SPDX-License-Identifier: GPL-2.0
/*
 * The data plane: probes on KVM's trace points.
 *
 * Only some of KVM's trace points are exported, so all of them are found by
 * name through the trace point module notifier, which also replays kvm.ko if
 * it is already loaded and tells when it goes.
 *
 * Every probe runs on KVM's exit path with preemption disabled. It does one
 * RCU hash lookup and updates state that belongs to the current CPU: no
 * lock, no atomic instruction, no allocation, no cache line written by
 * another CPU. Only a VM with an exit limit pays more: a compare-and-swap
 * on its limit's clock (a cache line all its vCPUs write), and a task work
 * queued when its vCPU must wait (pace.c).
 *
 * An event from a VM that is not tracked is counted, and hands the VM to
 * the lifecycle code (it runs, so it is alive: it is adopted).
 *
 * Counting exits, not operations. kvm_exit counts an exit. The class trace
 * points (hypercall, port I/O, MMIO, MSR) then attribute that exit to their
 * class, but only the first of them: one emulated instruction can make KVM
 * report many operations (a "rep outsb" to an in-kernel device is one trace
 * per byte, up to 1024 in one exit), and a guest must not be able to make
 * the classes add up to more than its exits. Each CPU keeps, per vCPU
 * (ksec_exit_rec), the exit it last saw and whether a class claimed it.
 *
 * Some exits are not reported by kvm_exit: on AMD, KVM handles an MSR
 * write of the TSC deadline or the x2APIC ICR in svm_vcpu_run() with
 * interrupts off and enters the guest again (a fast-path exit) without
 * the trace point, and before it counts the exit in vcpu->stat.exits. A
 * class trace point with interrupts off is therefore a fast-path exit of
 * its own, unless kvm_exit just reported one with interrupts off too and
 * nothing claimed it (Intel reports its fast-path exits that way). A class
 * trace point with interrupts on belongs to the exit last seen for its vCPU
 * if KVM's exit count of the vCPU did not move; otherwise (the thread
 * migrated, or its record was reused) it is an exit of its own.
 *
 * When such an exit ends the run loop, AMD reports it with kvm_exit after
 * all, once KVM counted it: kvm_exit then finds the record of a fast-path
 * claim one exit behind, and counts nothing.
 *
 * An exit claimed without kvm_exit is counted then, so on every CPU the
 * classes never exceed the exits: OTHER is never negative. The price is
 * that a vCPU thread migrated in the middle of an exit (or whose record
 * another vCPU with the same index modulo 8 took meanwhile on that CPU)
 * has the exit counted twice.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/tracepoint.h>

#include "compat.h"
#include "lifecycle.h"
#include "pace.h"
#include "probes.h"
#include "vm.h"

/*
 * Trace point argument values, from include/trace/events/kvm.h and
 * arch/x86/kvm/trace.h: neither is an installed header.
 */
#define KSEC_TRACE_MMIO_READ	1
#define KSEC_TRACE_MMIO_WRITE	2
#define KSEC_TRACE_PIO_OUT	1

static __always_inline struct ksec_vm *ksec_vm_of(struct kvm *kvm)
{
	struct ksec_vm *vm;

	if (unlikely(!kvm))
		return NULL;
	vm = ksec_vm_lookup(kvm);
	if (unlikely(!vm)) {
		__this_cpu_inc(*ksec_status.untracked);
		ksec_adopt(kvm);
	}
	return vm;
}

static __always_inline struct ksec_exit_rec *
ksec_rec(struct ksec_pcpu *pc, const struct kvm_vcpu *vcpu)
{
	return &pc->rec[vcpu->vcpu_idx & (KSEC_EXIT_RECS - 1)];
}

/*
 * Give the exit @vcpu is handling to class @c, unless a class has it.
 * Returns true if @c got it.
 */
static __always_inline bool ksec_claim(struct ksec_pcpu *pc,
				       const struct kvm_vcpu *vcpu, int c)
{
	struct ksec_exit_rec *r = ksec_rec(pc, vcpu);
	u64 id = ksec_vcpu_exit_id(vcpu);
	bool irqoff = irqs_disabled();

	if (r->vcpu == vcpu && !r->claimed && (r->irqoff || !irqoff)) {
		/* The exit kvm_exit reported: the usual case. */
		r->claimed = true;
		r->id = id;
	} else if (irqoff || r->vcpu != vcpu || r->id != id) {
		/* An exit kvm_exit did not report: count it now. */
		r->vcpu = vcpu;
		r->id = id;
		r->irqoff = irqoff;
		r->claimed = true;
		pc->ctr[KSEC_EXITS]++;
	} else {
		return false;	/* another operation of a claimed exit */
	}
	pc->ctr[c]++;
	return true;
}

/* kvm_exit(struct kvm_vcpu *vcpu, u32 isa) */
static void ksec_probe_exit(void *data, struct kvm_vcpu *vcpu, u32 isa)
{
	struct ksec_vm *vm = ksec_vm_of(vcpu->kvm);
	bool irqoff = irqs_disabled();
	struct ksec_exit_rec *r;
	struct ksec_pcpu *pc;
	u64 id;

	if (!vm)
		return;
	pc = this_cpu_ptr(vm->pcpu);
	r = ksec_rec(pc, vcpu);
	id = ksec_vcpu_exit_id(vcpu);
	/*
	 * AMD reports a fast-path exit that leaves the run loop (an x2APIC
	 * ICR write) with kvm_exit after the class did, once KVM counted it:
	 * the same exit, already counted.
	 */
	if (r->vcpu == vcpu && r->claimed && r->irqoff && !irqoff &&
	    r->id + 1 == id) {
		r->id = id;
		r->irqoff = false;
		return;
	}
	r->vcpu = vcpu;
	r->id = id;
	r->irqoff = irqoff;
	r->claimed = false;
	pc->ctr[KSEC_EXITS]++;
}

/*
 * The vCPU running on this CPU (the current thread's) and its VM, whose
 * counters on this CPU are in @pc.
 */
static __always_inline struct ksec_vm *
ksec_vm_running(struct kvm_vcpu **vcpu, struct ksec_pcpu **pc)
{
	struct ksec_vm *vm;

	*vcpu = kvm_get_running_vcpu();
	vm = *vcpu ? ksec_vm_of((*vcpu)->kvm) : NULL;
	if (vm)
		*pc = this_cpu_ptr(vm->pcpu);
	return vm;
}

/*
 * kvm_hypercall(nr, a0, a1, a2, a3): no vCPU argument. An exit a class
 * claims takes a token of that class's limit, if it has one (pace.c).
 */
static void ksec_probe_hypercall(void *data, unsigned long nr,
				 unsigned long a0, unsigned long a1,
				 unsigned long a2, unsigned long a3)
{
	struct kvm_vcpu *vcpu;
	struct ksec_pcpu *pc;
	struct ksec_vm *vm = ksec_vm_running(&vcpu, &pc);

	if (vm && ksec_claim(pc, vcpu, KSEC_HYPERCALLS)) {
		ksec_top_add(&pc->hypercalls, nr, 1);
		ksec_pace(vm, vcpu, KSEC_LIM_HYPERCALLS);
	}
}

/* kvm_pio(rw, port, size, count, data): count is elements, not exits. */
static void ksec_probe_pio(void *data, unsigned int rw, unsigned int port,
			   unsigned int size, unsigned int count,
			   const void *val)
{
	struct kvm_vcpu *vcpu;
	struct ksec_pcpu *pc;
	struct ksec_vm *vm = ksec_vm_running(&vcpu, &pc);

	if (!vm)
		return;
	pc->ctr[KSEC_PIO_ELEMENTS] += count;
	if (ksec_claim(pc, vcpu, rw == KSEC_TRACE_PIO_OUT ? KSEC_PIO_OUT :
							   KSEC_PIO_IN)) {
		ksec_top_add(&pc->ports, port, 1);
		ksec_pace(vm, vcpu, KSEC_LIM_PIO);
	}
}

/* kvm_mmio(type, len, gpa, val): an unsatisfied read is counted when done. */
static void ksec_probe_mmio(void *data, int type, int len, u64 gpa, void *val)
{
	struct kvm_vcpu *vcpu;
	struct ksec_pcpu *pc;
	struct ksec_vm *vm;

	if (type != KSEC_TRACE_MMIO_READ && type != KSEC_TRACE_MMIO_WRITE)
		return;
	vm = ksec_vm_running(&vcpu, &pc);
	if (vm && ksec_claim(pc, vcpu, type == KSEC_TRACE_MMIO_READ ?
				       KSEC_MMIO_READ : KSEC_MMIO_WRITE)) {
		ksec_top_add(&pc->mmio_pages, gpa & ~0xfffULL, 1);
		ksec_pace(vm, vcpu, KSEC_LIM_MMIO);
	}
}

/* kvm_fast_mmio(gpa): a write that hit an ioeventfd without emulation. */
static void ksec_probe_fast_mmio(void *data, u64 gpa)
{
	struct kvm_vcpu *vcpu;
	struct ksec_pcpu *pc;
	struct ksec_vm *vm = ksec_vm_running(&vcpu, &pc);

	if (vm && ksec_claim(pc, vcpu, KSEC_MMIO_WRITE)) {
		ksec_top_add(&pc->mmio_pages, gpa & ~0xfffULL, 1);
		ksec_pace(vm, vcpu, KSEC_LIM_MMIO);
	}
}

/* kvm_msr(write, ecx, data, exception) */
static void ksec_probe_msr(void *data, unsigned int write, u32 ecx, u64 val,
			   bool exception)
{
	struct kvm_vcpu *vcpu;
	struct ksec_pcpu *pc;

	if (ksec_vm_running(&vcpu, &pc))
		ksec_claim(pc, vcpu, write ? KSEC_MSR_WRITE : KSEC_MSR_READ);
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
