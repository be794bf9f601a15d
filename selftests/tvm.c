// SPDX-License-Identifier: GPL-2.0
/*
 * Tiny VMs through the KVM API (see tvm.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cpuid.h>
#include <linux/kvm.h>

#include "tvm.h"

#define TVM_MEM_SIZE	0x10000
#define TVM_CODE	0x1000

struct code {
	uint8_t b[512];
	size_t n;
};

static void emit(struct code *c, const uint8_t *b, size_t n)
{
	memcpy(c->b + c->n, b, n);
	c->n += n;
}

static void emit1(struct code *c, uint8_t b)
{
	emit(c, &b, 1);
}

static void emit_u16(struct code *c, uint16_t v)
{
	emit1(c, v & 0xff);
	emit1(c, v >> 8);
}

static void emit_u32(struct code *c, uint32_t v)
{
	emit_u16(c, v & 0xffff);
	emit_u16(c, v >> 16);
}

/* mov ecx, n; test ecx, ecx; jz <past the loop>: returns the jz offset. */
static size_t loop_head(struct code *c, uint32_t n)
{
	emit(c, (const uint8_t[]){ 0x66, 0xb9 }, 2);
	emit_u32(c, n);
	emit(c, (const uint8_t[]){ 0x66, 0x85, 0xc9, 0x74, 0x00 }, 5);
	return c->n - 1;
}

/* dec ecx; jnz body; then patch the jz of loop_head to land here. */
static void loop_tail(struct code *c, size_t body, size_t jz)
{
	emit(c, (const uint8_t[]){ 0x66, 0x49, 0x75 }, 3);
	emit1(c, (uint8_t)(body - (c->n + 1)));
	c->b[jz] = (uint8_t)(c->n - (jz + 1));
}

/* mov dx, port; mov cx, n; mov <index>, 0x8000; rep <insn> */
static void emit_rep_string(struct code *c, uint16_t port, uint16_t n,
			    uint8_t mov_index, uint8_t insn)
{
	emit1(c, 0xba);
	emit_u16(c, port);
	emit1(c, 0xb9);
	emit_u16(c, n);
	emit1(c, mov_index);
	emit_u16(c, 0x8000);
	emit(c, (const uint8_t[]){ 0xf3, insn }, 2);
}

static bool cpu_is_intel(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x756e6547; /* "Genu" */
}

static void gen_code(struct code *c, const struct tvm_profile *p)
{
	size_t body, jz;

	c->n = 0;
	if (p->flag) {
		/* mov byte [TVM_FLAG_GPA], 1 */
		emit(c, (const uint8_t[]){ 0xc6, 0x06 }, 2);
		emit_u16(c, TVM_FLAG_GPA);
		emit1(c, 1);
	}
	if (p->spin) {
		/*
		 * mov ecx, [TVM_SPIN_GPA]; test ecx, ecx; jz end; L: dec ecx;
		 * jnz L: work without an exit, the CPU a busy guest takes.
		 */
		emit(c, (const uint8_t[]){ 0x66, 0x8b, 0x0e }, 3);
		emit_u16(c, TVM_SPIN_GPA);
		emit(c, (const uint8_t[]){ 0x66, 0x85, 0xc9, 0x74, 0x04,
					   0x66, 0x49, 0x75, 0xfc }, 9);
	}
	if (p->decoy_ports) {
		/* mov dx, base; then: out dx, al; inc dx (decoy_ports times) */
		emit1(c, 0xba);
		emit_u16(c, p->decoy_base);
		jz = loop_head(c, p->decoy_ports);
		body = c->n;
		emit(c, (const uint8_t[]){ 0xee, 0x42 }, 2);
		loop_tail(c, body, jz);
	}
	/* rep insb: ES:DI (0xbf); rep outsb: DS:SI (0xbe); ES = DS = 0 */
	if (p->rep_ins)
		emit_rep_string(c, p->rep_ins_port, p->rep_ins, 0xbf, 0x6c);
	if (p->rep_outs)
		emit_rep_string(c, p->rep_outs_port, p->rep_outs, 0xbe, 0x6e);
	if (p->cpuids) {
		/* mov esi, n; test esi, esi; jz end; L: xor eax, eax; cpuid;
		 * dec esi; jnz L (CPUID clobbers ECX, the usual counter) */
		size_t start;

		emit(c, (const uint8_t[]){ 0x66, 0xbe }, 2);
		emit_u32(c, p->cpuids);
		emit(c, (const uint8_t[]){ 0x66, 0x85, 0xf6, 0x74, 0x00 }, 5);
		jz = c->n - 1;
		start = c->n;
		emit(c, (const uint8_t[]){ 0x66, 0x31, 0xc0, 0x0f, 0xa2,
					   0x66, 0x4e, 0x75 }, 8);
		emit1(c, (uint8_t)(start - (c->n + 1)));
		c->b[jz] = (uint8_t)(c->n - (jz + 1));
	}
	/*
	 * Hypercalls: mov ebx, nr; then mov eax, ebx; vmmcall (vmcall on
	 * Intel), and inc ebx if spread (KVM returns in EAX, keeps EBX/ECX).
	 */
	emit(c, (const uint8_t[]){ 0x66, 0xbb }, 2);
	emit_u32(c, p->hypercall_nr);
	jz = loop_head(c, p->hypercalls);
	body = c->n;
	emit(c, (const uint8_t[]){ 0x66, 0x89, 0xd8 }, 3);
	if (cpu_is_intel())
		emit(c, (const uint8_t[]){ 0x0f, 0x01, 0xc1 }, 3);
	else
		emit(c, (const uint8_t[]){ 0x0f, 0x01, 0xd9 }, 3);
	if (p->hypercall_spread)
		emit(c, (const uint8_t[]){ 0x66, 0x43 }, 2);
	loop_tail(c, body, jz);

	/* Port writes: mov dx, port; out dx, al. */
	jz = loop_head(c, p->port_writes);
	emit1(c, 0xba);
	emit_u16(c, p->port);
	body = c->n;
	emit1(c, 0xee);
	loop_tail(c, body, jz);

	/* MMIO writes: mov ax, seg; mov ds, ax; mov [off], al. */
	jz = loop_head(c, p->mmio_writes);
	emit1(c, 0xb8);
	emit_u16(c, (uint16_t)(p->mmio_gpa >> 4));
	emit(c, (const uint8_t[]){ 0x8e, 0xd8 }, 2);
	body = c->n;
	emit(c, (const uint8_t[]){ 0xa2, 0x00, 0x00 }, 3);
	if (p->mmio_spread)	/* mov ax, ds; add ax, 0x100; mov ds, ax */
		emit(c, (const uint8_t[]){ 0x8c, 0xd8, 0x05, 0x00, 0x01,
					   0x8e, 0xd8 }, 7);
	loop_tail(c, body, jz);
	/* xor ax, ax; mov ds, ax: DS = 0 again for a next round */
	emit(c, (const uint8_t[]){ 0x31, 0xc0, 0x8e, 0xd8 }, 4);

	if (p->forever) {
		/* jmp near to offset 0 */
		emit1(c, 0xe9);
		emit_u16(c, (uint16_t)(0 - (c->n + 2)));
	} else if (p->irqchip) {
		/* out TVM_DONE_PORT, al; jmp $ (a halt would stay in KVM) */
		emit(c, (const uint8_t[]){ 0xe6, TVM_DONE_PORT, 0xeb, 0xfe }, 4);
	} else {
		/* hlt; jmp hlt */
		emit(c, (const uint8_t[]){ 0xf4, 0xeb, 0xfd }, 3);
	}
}

int tvm_create(struct tvm *vm, const struct tvm_profile *p)
{
	struct kvm_userspace_memory_region region = { 0 };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct code code;
	int err, sz;

	memset(vm, 0, sizeof(*vm));
	vm->kvm_fd = vm->vm_fd = vm->vcpu_fd = -1;
	vm->mem = MAP_FAILED;
	vm->run = MAP_FAILED;
	if (p->mmio_writes && (p->mmio_gpa < TVM_MEM_SIZE ||
			       p->mmio_gpa >= 0x100000 || p->mmio_gpa & 15))
		return -EINVAL;
	/* Spread writes stay below 1 MiB; strings do not reach the code. */
	if (p->mmio_spread && p->mmio_gpa + 4096ull * p->mmio_writes > 0x100000)
		return -EINVAL;
	if (p->rep_ins > 0x7000 || p->rep_outs > 0x7000)
		return -EINVAL;

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return -errno;
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		goto fail;
	vm->mem_size = TVM_MEM_SIZE;
	vm->mem = mmap(NULL, vm->mem_size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vm->mem == MAP_FAILED)
		goto fail;
	gen_code(&code, p);
	memcpy((char *)vm->mem + TVM_CODE, code.b, code.n);
	region.memory_size = vm->mem_size;
	region.userspace_addr = (uintptr_t)vm->mem;
	if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		goto fail;
	if (p->irqchip && ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) < 0)
		goto fail;
	vm->done_port = p->irqchip;
	vm->vcpu_fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, 0);
	if (vm->vcpu_fd < 0)
		goto fail;
	sz = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (sz < 0)
		goto fail;
	vm->run_size = (size_t)sz;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		       vm->vcpu_fd, 0);
	if (vm->run == MAP_FAILED)
		goto fail;
	if (ioctl(vm->vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		goto fail;
	sregs.cs.base = 0;
	sregs.cs.selector = 0;
	if (ioctl(vm->vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		goto fail;
	memset(&regs, 0, sizeof(regs));
	regs.rip = TVM_CODE;
	regs.rflags = 0x2;
	if (ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0)
		goto fail;
	return 0;
fail:
	err = -errno;
	tvm_destroy(vm);
	return err;
}

int tvm_run(struct tvm *vm, volatile const int *stop)
{
	for (;;) {
		if (stop && *stop)
			return 0;
		if (ioctl(vm->vcpu_fd, KVM_RUN, 0) < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		switch (vm->run->exit_reason) {
		case KVM_EXIT_IO:
			if (vm->done_port &&
			    vm->run->io.direction == KVM_EXIT_IO_OUT &&
			    vm->run->io.port == TVM_DONE_PORT)
				return 0;
			if (vm->run->io.direction == KVM_EXIT_IO_OUT) {
				vm->exits.io_out += vm->run->io.count;
			} else {
				vm->exits.io_in += vm->run->io.count;
				vm->exits.io_in_exits++;
			}
			break;
		case KVM_EXIT_MMIO:
			vm->exits.mmio++;
			break;
		case KVM_EXIT_HLT:
			vm->exits.hlt++;
			return 0;
		case KVM_EXIT_INTR:
			break;
		default:
			return -EIO;
		}
	}
}

int tvm_rewind(struct tvm *vm)
{
	struct kvm_regs regs;

	memset(&regs, 0, sizeof(regs));
	regs.rip = TVM_CODE;
	regs.rflags = 0x2;
	return ioctl(vm->vcpu_fd, KVM_SET_REGS, &regs) < 0 ? -errno : 0;
}

void tvm_destroy(struct tvm *vm)
{
	if (vm->run != MAP_FAILED && vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu_fd >= 0)
		close(vm->vcpu_fd);
	if (vm->mem != MAP_FAILED && vm->mem)
		munmap(vm->mem, vm->mem_size);
	if (vm->vm_fd >= 0)
		close(vm->vm_fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	vm->run = MAP_FAILED;
	vm->mem = MAP_FAILED;
	vm->vcpu_fd = vm->vm_fd = vm->kvm_fd = -1;
}
