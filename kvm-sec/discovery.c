// SPDX-License-Identifier: GPL-2.0
/*
 * Discovery of the VMs that existed before kvm-sec was loaded, and telling
 * a KVM file from any other.
 *
 * KVM keeps no exported list of VMs, but a VM is reachable from the files
 * of its VMM: a "kvm-vm" file (private data: the struct kvm) or a
 * "kvm-vcpu:N" file (private data: a struct kvm_vcpu). Both are
 * anonymous-inode files whose operations live in kvm.ko. The scan runs
 * once, at load, after the lifecycle probes are armed (so a VM created
 * meanwhile is seen by them): it walks every task by PID number, sleeping
 * between tasks, takes a reference on each VM it finds in the task's file
 * table while holding that table's lock, and registers it. A VM none of
 * whose files is open (a vCPU thread in KVM_RUN keeps it alive) is found
 * by its first exit instead (lifecycle.c).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/pid.h>
#include <linux/pid_namespace.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>

#include "compat.h"
#include "discovery.h"
#include "lifecycle.h"
#include "probes.h"
#include "vm.h"

#define KSEC_SCAN_BATCH		64

struct kvm *ksec_file_kvm(struct file *file)
{
	struct module *kvm_mod = ksec_kvm_module();
	const char *name = (const char *)file->f_path.dentry->d_name.name;

	if (!kvm_mod || !file->f_op ||
	    !ksec_within_module((unsigned long)file->f_op, kvm_mod))
		return NULL;
	if (!strcmp(name, "kvm-vm"))
		return file->private_data;
	if (!strncmp(name, "kvm-vcpu:", 9))
		return ((struct kvm_vcpu *)file->private_data)->kvm;
	return NULL;
}

struct ksec_scan {
	struct kvm *found[KSEC_SCAN_BATCH];
	unsigned int nr;
	unsigned int next_fd;		/* where to go on in this table */
	bool full;
};

/* Under the task's files lock: no sleeping. */
static int ksec_scan_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ksec_scan *s = (struct ksec_scan *)arg;
	struct kvm *kvm = ksec_file_kvm(file);
	unsigned int i;

	if (!kvm || ksec_vm_lookup(kvm))
		return 0;
	for (i = 0; i < s->nr; i++)
		if (s->found[i] == kvm)
			return 0;
	if (s->nr == KSEC_SCAN_BATCH) {
		s->full = true;
		s->next_fd = fd;
		return 1;
	}
	/* The open file holds the VM: it cannot be freed under us. */
	if (!kvm_get_kvm_safe(kvm))
		return 0;	/* being destroyed */
	s->found[s->nr++] = kvm;
	return 0;
}

static void ksec_scan_task(struct ksec_scan *s, struct task_struct *t)
{
	struct ksec_vmm vmm;
	unsigned int i;

	ksec_vmm_of(&vmm, t);
	s->next_fd = 0;
	do {
		s->nr = 0;
		s->full = false;
		rcu_read_lock();	/* a stable task->files, as iterate_fd */
		task_lock(t);
		if (t->files)
			iterate_fd(t->files, s->next_fd, ksec_scan_fd, s);
		task_unlock(t);
		rcu_read_unlock();
		/* A VM tracked meanwhile (-EEXIST) is simply let go. */
		for (i = 0; i < s->nr; i++)
			ksec_vm_add_accounted(s->found[i], &vmm,
					      KVM_SEC_ORIGIN_DISCOVERED);
		cond_resched();
	} while (s->full);
}

void ksec_discovery_scan(void)
{
	struct ksec_scan *s;
	struct task_struct *t;
	struct pid *pid;
	int nr = 1;

	if (!ksec_kvm_module())
		return;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		atomic64_inc(&ksec_status.alloc_failures);
		return;
	}
	atomic64_inc(&ksec_status.rescans);
	for (;;) {
		rcu_read_lock();
		pid = find_ge_pid(nr, &init_pid_ns);
		if (!pid) {
			rcu_read_unlock();
			break;
		}
		nr = pid_nr(pid) + 1;
		/* Every thread: one may have a file table of its own. */
		t = pid_task(pid, PIDTYPE_PID);
		if (t)
			get_task_struct(t);
		rcu_read_unlock();
		if (t) {
			ksec_scan_task(s, t);
			put_task_struct(t);
		}
		cond_resched();
	}
	kfree(s);
}
