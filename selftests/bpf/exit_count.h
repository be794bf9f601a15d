/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by exit_count.bpf.c and its loader, ../bpf_bench.c. */
#ifndef EXIT_COUNT_H
#define EXIT_COUNT_H

#define EXIT_COUNT_MAX_KEYS	8192

enum exit_class {
	EXIT_CLASS_EXITS,
	EXIT_CLASS_HYPERCALL,
	EXIT_CLASS_PIO_IN,
	EXIT_CLASS_PIO_OUT,
	EXIT_CLASS_MMIO_READ,
	EXIT_CLASS_MMIO_WRITE,
	EXIT_CLASS_MSR_READ,
	EXIT_CLASS_MSR_WRITE,
	EXIT_CLASS_NR
};

struct exit_count_key {
	__u64 vm;		/* the struct kvm's address: a key, never read */
	__u32 class;		/* enum exit_class */
	__u32 pad;
};

#endif /* EXIT_COUNT_H */
