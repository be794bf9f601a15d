/* SPDX-License-Identifier: GPL-2.0 */
/* Helpers shared by the kvm-sec selftests. */
#ifndef KSEC_UTIL_H
#define KSEC_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../userspace/ipc.h"

/*
 * Seconds a test may take before the harness stops it: a bound for a hang,
 * generous for the debug kernel (KASAN and lockdep under TCG are slow).
 */
#define KSEC_TEST_TIMEOUT 600

#define CTR(vm, name) ((vm)->ctr[KVM_SEC_CTR_##name - KVM_SEC_CTR_EXITS])

/* Bounds waits for the module's work items, not a timing. */
#define KSEC_WAIT_MS 20000

/* The one VM of VMM process @pid with the highest ID; 0 or -errno. */
int ksec_vm_of_pid(struct vsec_ipc *ipc, uint32_t pid, struct vsec_vm *vm);

/* Poll GET_VM of VMM @pid until @pred holds or KSEC_WAIT_MS pass. */
bool ksec_wait_vm(struct vsec_ipc *ipc, uint32_t pid, struct vsec_vm *vm,
		  bool (*pred)(const struct vsec_vm *vm, const void *arg),
		  const void *arg);

/* The index of network device @name among the VM's, or -1. */
int ksec_dev_index(const struct vsec_vm *vm, const char *name);

/* ksec_wait_vm() predicate: the VM has device @name (a string). */
bool ksec_has_dev(const struct vsec_vm *vm, const void *name);

/* IPv4 address @s (dotted quad) in host order. */
uint32_t ksec_ip4(const char *s);

void ksec_msleep(unsigned int ms);

/*
 * Run a command line through /bin/sh, capturing up to @len bytes of its
 * standard output in @out (and reading the rest); returns its exit status,
 * or -1.
 */
int run_capture(const char *cmd, char *out, size_t len);

/* The unsigned number following "key": inside the object named @object. */
bool json_find_u64(const char *json, const char *object, const char *key,
		   uint64_t *val);

/* Become user and group nobody, without supplementary groups: 0 or -1. */
int drop_to_nobody(void);

/*
 * Is /dev/net/tun usable? It is loaded first if it is not (there is no
 * udev in the lab: the device node comes with the module).
 */
bool ksec_have_tun(void);

/* Is the running process able to use KVM? (for SKIP) */
bool have_kvm(void);

#endif /* KSEC_UTIL_H */
