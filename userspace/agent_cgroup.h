/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsecd's cgroup v2 operations (agent_cgroup.c). Paths of cgroups are
 * relative to the cgroup v2 mount ("/machine.slice/vm.scope"), as
 * /proc/PID/cgroup gives them; "/" is the root. Every function returns 0
 * or a negative errno.
 */
#ifndef VSEC_AGENT_CGROUP_H
#define VSEC_AGENT_CGROUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_conf.h"

/* The threaded cgroup vsecd makes for a VM's vCPU threads: -PID-ID. */
#define AGENT_CG_CHILD "kvm-sec-vcpus-"

enum agent_cg_mode {
	/*
	 * The VMM's own cgroup (a systemd scope, a Firecracker jailer's, or
	 * the root): vsecd moves the vCPU threads into a threaded child of
	 * it, AGENT_CG_CHILD<pid>-<VM ID>, and caps that child.
	 */
	AGENT_CG_OWN,
	/*
	 * libvirt's layout (.../libvirt/emulator holds the VMM, each vCPU
	 * thread its .../libvirt/vcpuN): vsecd caps each vcpuN, a share of
	 * the VM's limit each, and gives their original cpu.max back.
	 */
	AGENT_CG_LIBVIRT,
};

/* Where a VMM and its weight are. */
struct agent_cg {
	enum agent_cg_mode mode;
	char vmm[AGENT_PATH_MAX];	/* the VMM's cgroup */
	char weigh[AGENT_PATH_MAX];	/* its VM's cgroup ("": the root) */
};

/* Read a cgroup's file (trailing newline removed). */
int agent_cg_read(const char *root, const char *cg, const char *file,
		  char *buf, size_t len);
int agent_cg_write(const char *root, const char *cg, const char *file,
		   const char *val);

/* A cgroup path as /proc gives it, and one vsecd can act on. */
bool agent_cg_path_ok(const char *cg);

/* The cgroup of thread @tid of process @pid (@tid 0: the process). */
int agent_cg_of(pid_t pid, pid_t tid, char *cg, size_t len);

/*
 * Where VMM @pid is; -ESRCH if it is gone, -EPERM if its cgroup (or, for
 * libvirt, the VM's) is not root's: a delegated cgroup is its user's, who
 * could undo a cap, and whose delegation root vsecd must not weigh.
 */
int agent_cg_find(const char *root, pid_t pid, struct agent_cg *where);

/* The threaded child for VM @id of VMM @pid. */
void agent_cg_child(const struct agent_cg *where, pid_t pid, uint32_t id,
		    char *child, size_t len);

/* Whether @cg has the cpu controller for its children. */
int agent_cg_has_cpu(const char *root, const char *cg, bool *has);

/*
 * AGENT_CG_OWN: the VM's threaded child made if need be (the cpu
 * controller enabled down to it), capped at @quota us each @period us,
 * holding exactly the live threads of VMM @pid among @tids (others moved
 * back to the VMM's cgroup). Every thread is tried; the first error is
 * returned. *@moved: threads in the child.
 */
int agent_cg_cap(const char *root, const struct agent_cg *where, pid_t pid,
		 uint32_t id, const uint32_t *tids, unsigned int n,
		 uint64_t quota, uint32_t period, unsigned int *moved);
/*
 * AGENT_CG_OWN: the threads back into the VMM's cgroup, the child removed
 * and, if @enabled, the cpu controller of the VMM's cgroup's children
 * disabled again when no other kvm-sec child is left. A VMM gone: only
 * the child is removed.
 */
int agent_cg_uncap(const char *root, const struct agent_cg *where, pid_t pid,
		   uint32_t id, bool enabled);

/*
 * The cpu controller in every ancestor of @cg, from the root down (not in
 * @cg itself), so that @cg has cpu.weight and cpu.max. Enabled ones stay:
 * other cgroups may have come to rely on them.
 */
int agent_cg_enable_cpu_above(const char *root, const char *cg);

/* A cgroup's cpu.weight (1..10000). */
int agent_cg_get_weight(const char *root, const char *cg, uint32_t *w);
int agent_cg_set_weight(const char *root, const char *cg, uint32_t w);

#endif /* VSEC_AGENT_CGROUP_H */
