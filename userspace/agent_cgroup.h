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

/* The threaded cgroup vsecd makes for a VMM's vCPU threads. */
#define AGENT_CG_CHILD "kvm-sec-vcpus-"

enum agent_cg_mode {
	/*
	 * The VMM's own cgroup (a systemd scope, a Firecracker jailer's, or
	 * the root): vsecd moves the vCPU threads into a threaded child of
	 * it, AGENT_CG_CHILD<pid>, and caps that child.
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

/* The cgroup of thread @tid of process @pid (@tid 0: the process). */
int agent_cg_of(pid_t pid, pid_t tid, char *cg, size_t len);

/* Where VMM @pid is; -ESRCH if it is gone. */
int agent_cg_find(const char *root, pid_t pid, struct agent_cg *where);

/* The threaded child for VMM @pid of cgroup @cg. */
void agent_cg_child(const struct agent_cg *where, pid_t pid, char *child,
		    size_t len);

/*
 * AGENT_CG_OWN: @tids into the VMM's threaded child (made if need be, the
 * cpu controller enabled down to it), capped at @quota us each @period us.
 * *@enabled: true if the VMM's cgroup had no cpu controller for its
 * children before (to be given back). *@moved: threads in the child.
 */
int agent_cg_cap(const char *root, const struct agent_cg *where, pid_t pid,
		 const uint32_t *tids, unsigned int n, uint64_t quota,
		 uint32_t period, bool *enabled, unsigned int *moved);
/*
 * AGENT_CG_OWN: the threads back into the VMM's cgroup, the child removed
 * and, if @enabled, the cpu controller of its children disabled again
 * when no other child needs it. A VMM gone: only the child is removed.
 */
int agent_cg_uncap(const char *root, const struct agent_cg *where, pid_t pid,
		   bool enabled);

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
