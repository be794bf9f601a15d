/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Tiny VMs through the KVM API: one vCPU in real mode, 64 KiB of memory, and
 * guest code generated to make an exact number of hypercalls, port writes
 * and MMIO writes, then halt (or repeat forever).
 */
#ifndef TVM_H
#define TVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/kvm.h>

struct tvm_profile {
	bool flag;		/* first write 1 to guest byte TVM_FLAG_GPA */
	bool spin;		/* then loop the u32 at TVM_SPIN_GPA times */
	uint16_t decoy_ports;	/* first one OUT to each of ports decoy_base.. */
	uint16_t decoy_base;
	uint16_t rep_ins;	/* one "rep insb" of this many bytes (<= 0x7000) */
	uint16_t rep_ins_port;	/* from this port */
	uint16_t rep_outs;	/* one "rep outsb" of this many bytes (<= 0x7000) */
	uint16_t rep_outs_port;	/* to this port */
	uint32_t cpuids;	/* CPUID: handled in KVM, in no exit class */
	uint32_t hypercalls;	/* VMMCALL/VMCALL with RAX = hypercall_nr */
	uint32_t hypercall_nr;
	bool hypercall_spread;	/* ...then hypercall_nr + 1, + 2, ... */
	uint32_t port_writes;	/* OUT DX, AL to port */
	uint16_t port;
	uint32_t mmio_writes;	/* MOV to unmapped guest-physical mmio_gpa */
	uint32_t mmio_gpa;	/* below 1 MiB, 16-byte aligned, >= 64 KiB */
	bool mmio_spread;	/* each write one 4 KiB page further */
	bool forever;		/* jump back to the start instead of halting */
	/*
	 * An in-kernel interrupt controller (KVM_CREATE_IRQCHIP): ports 0x20,
	 * 0x21, 0xa0, 0xa1 are then served inside KVM. A halted vCPU stays in
	 * KVM, so the guest ends with an OUT to TVM_DONE_PORT instead.
	 */
	bool irqchip;
};

#define TVM_FLAG_GPA	0x500
#define TVM_SPIN_GPA	0x504	/* the VMM may change it between runs */
#define TVM_DONE_PORT	0xf4

struct tvm_exits {
	uint64_t io_out;	/* elements */
	uint64_t io_in;		/* elements */
	uint64_t io_in_exits;	/* KVM_EXIT_IO of direction in */
	uint64_t mmio;
	uint64_t hlt;
};

struct tvm {
	int kvm_fd, vm_fd, vcpu_fd;
	void *mem;
	size_t mem_size;
	struct kvm_run *run;
	size_t run_size;
	struct tvm_exits exits;
	bool done_port;		/* the guest ends with OUT to TVM_DONE_PORT */
};

/* 0 or -errno; on error nothing is left open. */
int tvm_create(struct tvm *vm, const struct tvm_profile *p);
/*
 * Run until the guest halts or writes to TVM_DONE_PORT (0), *stop becomes
 * true (0), or an unexpected exit (-EIO) or error (-errno).
 */
int tvm_run(struct tvm *vm, volatile const int *stop);
/* Start the guest's work again from the top, as after tvm_create(). */
int tvm_rewind(struct tvm *vm);
/* Closes everything: KVM destroys the VM before this returns. */
void tvm_destroy(struct tvm *vm);

#endif /* TVM_H */
