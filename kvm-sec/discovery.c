// SPDX-License-Identifier: GPL-2.0
/*
 * Discovery of VMs that kvm-sec did not see being created: those that
 * existed before the module was loaded, and any whose state could not be
 * allocated in the creation probe.
 *
 * KVM keeps no exported list of VMs, but every VM is reachable from the
 * files of its VMM: a "kvm-vm" file (private data: the struct kvm) or, if
 * that was closed, a "kvm-vcpu:N" file (private data: a struct kvm_vcpu).
 * Both are anonymous-inode files whose operations live in kvm.ko. The scan
 * walks every task's file table, takes a reference on each VM it finds, and
 * registers it.
 *
 * A scan is started at load, and again (at most once a second) when a probe
 * reports an event from an untracked VM.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/kvm_host.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "discovery.h"
#include "probes.h"
#include "vm.h"

#define KSEC_SCAN_BATCH		64
#define KSEC_RESCAN_DELAY	HZ

struct ksec_found {
	struct kvm *kvm;
	pid_t pid;
	char comm[TASK_COMM_LEN];
};

struct ksec_scan {
	struct ksec_found found[KSEC_SCAN_BATCH];
	unsigned int nr;
	struct module *kvm_mod;
	struct task_struct *task;
	bool full;
};

static struct kvm *ksec_file_kvm(struct file *file, struct module *kvm_mod)
{
	const char *name = (const char *)file->f_path.dentry->d_name.name;

	if (!file->f_op ||
	    !ksec_within_module((unsigned long)file->f_op, kvm_mod))
		return NULL;
	if (!strcmp(name, "kvm-vm"))
		return file->private_data;
	if (!strncmp(name, "kvm-vcpu:", 9))
		return ((struct kvm_vcpu *)file->private_data)->kvm;
	return NULL;
}

/* Under task_lock() and the task's files lock: no sleeping. */
static int ksec_scan_fd(const void *arg, struct file *file, unsigned int fd)
{
	struct ksec_scan *s = (struct ksec_scan *)arg;
	struct kvm *kvm = ksec_file_kvm(file, s->kvm_mod);
	unsigned int i;

	if (!kvm || ksec_vm_lookup(kvm))
		return 0;
	for (i = 0; i < s->nr; i++)
		if (s->found[i].kvm == kvm)
			return 0;
	if (s->nr == KSEC_SCAN_BATCH) {
		s->full = true;
		return 1;
	}
	if (!kvm_get_kvm_safe(kvm))
		return 0;	/* being destroyed */
	s->found[s->nr].kvm = kvm;
	s->found[s->nr].pid = task_tgid_nr(s->task);
	/* task_lock() is held: get_task_comm() would take it again. */
	strscpy(s->found[s->nr].comm, s->task->comm, TASK_COMM_LEN);
	s->nr++;
	return 0;
}

/* One pass over all tasks; returns false if the batch filled up. */
static bool ksec_scan_pass(struct ksec_scan *s)
{
	struct task_struct *g, *t;
	struct files_struct *last = NULL;

	s->nr = 0;
	s->full = false;
	rcu_read_lock();
	for_each_process_thread(g, t) {
		task_lock(t);
		if (t->files && t->files != last) {
			last = t->files;
			s->task = t;
			iterate_fd(t->files, 0, ksec_scan_fd, s);
		}
		task_unlock(t);
		if (s->full)
			goto out;
	}
out:
	rcu_read_unlock();
	return !s->full;
}

static void ksec_scan_register(struct ksec_scan *s)
{
	unsigned int i;

	for (i = 0; i < s->nr; i++) {
		struct ksec_found *f = &s->found[i];
		int err = ksec_vm_add(f->kvm, f->pid, f->comm, true,
				      GFP_KERNEL);

		if (err && err != -EEXIST)
			pr_warn_ratelimited("cannot track VM of pid %d: %d\n",
					    f->pid, err);
		kvm_put_kvm(f->kvm);
	}
}

static DEFINE_MUTEX(ksec_scan_mutex);

void ksec_discovery_scan(void)
{
	struct module *kvm_mod = ksec_kvm_module();
	struct ksec_scan *s;
	bool done;

	if (!kvm_mod)
		return;
	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		atomic64_inc(&ksec_status.alloc_failures);
		return;
	}
	s->kvm_mod = kvm_mod;
	mutex_lock(&ksec_scan_mutex);
	atomic64_inc(&ksec_status.rescans);
	do {
		done = ksec_scan_pass(s);
		ksec_scan_register(s);
	} while (!done);
	mutex_unlock(&ksec_scan_mutex);
	kfree(s);
}

static unsigned long ksec_rescan_pending;
static unsigned long ksec_last_scan;
static bool ksec_discovery_stopped;

static void ksec_rescan_fn(struct work_struct *work)
{
	ksec_last_scan = jiffies;
	/* Kicks from now on ask for another scan. */
	clear_bit(0, &ksec_rescan_pending);
	ksec_discovery_scan();
}

static DECLARE_DELAYED_WORK(ksec_rescan_work, ksec_rescan_fn);

void ksec_discovery_kick(void)
{
	unsigned long next;

	if (READ_ONCE(ksec_discovery_stopped) ||
	    test_and_set_bit(0, &ksec_rescan_pending))
		return;
	next = READ_ONCE(ksec_last_scan) + KSEC_RESCAN_DELAY;
	queue_delayed_work(system_wq, &ksec_rescan_work,
			   time_after(next, jiffies) ? next - jiffies : 0);
}

void ksec_discovery_init(void)
{
	ksec_discovery_stopped = false;
	ksec_last_scan = jiffies;
}

void ksec_discovery_exit(void)
{
	WRITE_ONCE(ksec_discovery_stopped, true);
	cancel_delayed_work_sync(&ksec_rescan_work);
}
