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
	uint32_t hypercalls;	/* VMMCALL/VMCALL with RAX = hypercall_nr */
	uint32_t hypercall_nr;
	uint32_t port_writes;	/* OUT DX, AL to port */
	uint16_t port;
	uint32_t mmio_writes;	/* MOV to unmapped guest-physical mmio_gpa */
	uint32_t mmio_gpa;	/* below 1 MiB, 16-byte aligned, >= 64 KiB */
	bool forever;		/* jump back to the start instead of halting */
};

struct tvm_exits {
	uint64_t io_out;
	uint64_t io_in;
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
};

/* 0 or -errno; on error nothing is left open. */
int tvm_create(struct tvm *vm, const struct tvm_profile *p);
/*
 * Run until the guest halts (0), *stop becomes true (0), or an unexpected
 * exit (-EIO) or error (-errno).
 */
int tvm_run(struct tvm *vm, volatile const int *stop);
/* Closes everything: KVM destroys the VM before this returns. */
void tvm_destroy(struct tvm *vm);

#endif /* TVM_H */
