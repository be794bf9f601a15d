// SPDX-License-Identifier: GPL-2.0
/*
 * The eBPF alternative to kvm-sec's exit probes, for make bench: per-VM,
 * per-class exit counts in a per-CPU hash map, from BTF-typed trace point
 * programs (tp_btf) on the trace points kvm-sec probes (kvm_exit,
 * kvm_hypercall, kvm_pio, kvm_mmio, kvm_msr). What an operator would write
 * with libbpf: the programs are typed against kvm.ko's own BTF, so they
 * read vcpu->kvm directly (no bpf_probe_read_kernel), and CO-RE relocates
 * the field's offset: one object runs on any kernel with BTF.
 *
 * The class trace points have no vCPU argument (kvm_hypercall) or one this
 * program cannot find (kvm_get_running_vcpu() is not a helper), so each CPU
 * keeps the VM of the exit kvm_exit last reported on it. kvm-sec keeps more:
 * which exit a class already claimed, the fast-path exits kvm_exit does not
 * report, heavy hitters, limits. This program is the cheapest useful
 * equivalent, the bound kvm-sec is compared with.
 */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "exit_count.h"

struct kvm;

/* Only the field read; libbpf finds its offset in kvm.ko's BTF. */
struct kvm_vcpu {
	struct kvm *kvm;
} __attribute__((preserve_access_index));

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, EXIT_COUNT_MAX_KEYS);
	__type(key, struct exit_count_key);
	__type(value, __u64);
} counts SEC(".maps");

/* The VM of the exit kvm_exit last reported on this CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} last_vm SEC(".maps");

static __always_inline void count(__u64 vm, __u32 class)
{
	struct exit_count_key k = { .vm = vm, .class = class };
	__u64 one = 1, *v;

	v = bpf_map_lookup_elem(&counts, &k);
	if (v)
		*v += 1;	/* this CPU's own value: no atomic needed */
	else
		bpf_map_update_elem(&counts, &k, &one, BPF_NOEXIST);
}

static __always_inline void count_last(__u32 class)
{
	__u32 zero = 0;
	__u64 *vm = bpf_map_lookup_elem(&last_vm, &zero);

	if (vm && *vm)
		count(*vm, class);
}

SEC("tp_btf/kvm_exit")
int BPF_PROG(on_exit, struct kvm_vcpu *vcpu, __u32 isa)
{
	__u64 vm = (__u64)vcpu->kvm;
	__u32 zero = 0;
	__u64 *last = bpf_map_lookup_elem(&last_vm, &zero);

	if (last)
		*last = vm;
	count(vm, EXIT_CLASS_EXITS);
	return 0;
}

SEC("tp_btf/kvm_hypercall")
int BPF_PROG(on_hypercall, unsigned long nr)
{
	count_last(EXIT_CLASS_HYPERCALL);
	return 0;
}

SEC("tp_btf/kvm_pio")
int BPF_PROG(on_pio, unsigned int rw)
{
	count_last(rw ? EXIT_CLASS_PIO_OUT : EXIT_CLASS_PIO_IN);
	return 0;
}

/* type: 1 read, 2 write, others are not accesses */
SEC("tp_btf/kvm_mmio")
int BPF_PROG(on_mmio, int type)
{
	if (type == 1)
		count_last(EXIT_CLASS_MMIO_READ);
	else if (type == 2)
		count_last(EXIT_CLASS_MMIO_WRITE);
	return 0;
}

SEC("tp_btf/kvm_msr")
int BPF_PROG(on_msr, unsigned int write)
{
	count_last(write ? EXIT_CLASS_MSR_WRITE : EXIT_CLASS_MSR_READ);
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
