/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsecd, the kvm-sec agent: what it applied for each VM (agent_state.c
 * keeps it on disk, so that a restarted agent finds it again) and the
 * operator hook it runs (agent_hook.c).
 */
#ifndef VSEC_AGENT_H
#define VSEC_AGENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "agent_cgroup.h"
#include "agent_conf.h"
#include "vsec.h"

/* libvirt: a vcpuN cgroup's cpu.max before vsecd changed it. */
struct agent_orig {
	char cg[AGENT_PATH_MAX];
	char max[48];
};

/*
 * What vsecd applied for one VM: the VM of ID @id (the module's) of the
 * VMM process @pid started at @start (a reused PID is another process).
 * After a module reload the VM has another ID: the old record is taken
 * back and a new one made.
 */
struct agent_vm {
	uint32_t id;
	uint32_t pid;
	uint64_t start;			/* the VMM's, in clock ticks */
	struct agent_cg where;
	bool capped;			/* cpu.max applied */
	uint64_t quota;
	uint32_t period;
	bool cpu_enabled;		/* vsecd enabled cpu in where.vmm */
	unsigned int threads;		/* vCPU threads in the capped cgroup */
	uint32_t weight_orig;		/* the VM cgroup's before vsecd's */
	uint32_t weight;		/* vsecd's; 0: untouched */
	bool advised;			/* HREM's advice announced */
	struct agent_orig *orig;	/* libvirt's cpu.max, per vcpuN */
	unsigned int nr_orig;
	int error;			/* errno of the last failure */
	bool seen;			/* in the last full reconciliation */
};

/* The start time of process @pid (clock ticks since boot), or 0. */
uint64_t agent_proc_start(pid_t pid);

/*
 * Records on disk, one file per VM (state_dir/vm-PID-START-ID), written
 * before each change is made (a crash leaves what was being applied) and
 * removed once nothing is left applied.
 */
int agent_state_save(const char *dir, const struct agent_vm *v);
void agent_state_remove(const char *dir, const struct agent_vm *v);
/*
 * Every record of @dir, malloc'ed; a file that does not parse (or whose
 * name is not its VM's) is logged, renamed *.bad and skipped; a *.tmp
 * left by a crash is removed.
 */
int agent_state_load(const char *dir, struct agent_vm **vms, size_t *nr);

/*
 * Hooks: run @hook with @json on its standard input, at most hooks_max at
 * once (more are dropped and counted), each killed after its timeout.
 */
struct agent_hooks {
	uint64_t run, failed, dropped, killed;
};

void agent_hook_run(const struct agent_conf *c, struct agent_hooks *h,
		    const char *json);
/* Reap hooks that ended, kill those over time; call on SIGCHLD and ticks. */
void agent_hook_reap(const struct agent_conf *c, struct agent_hooks *h);
/* Milliseconds until the next hook's timeout, or -1 if none runs. */
int agent_hook_next_timeout(const struct agent_conf *c);

#endif /* VSEC_AGENT_H */
