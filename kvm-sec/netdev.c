// SPDX-License-Identifier: GPL-2.0
/*
 * Which network devices are a VM's, and binding the tap hooks to them.
 *
 * Found by the module: the tun/tap and macvtap/ipvtap files its VMM holds
 * (QEMU's -netdev tap opens one, with or without vhost; libvirt passes one
 * to QEMU). The VMM is the process whose memory is the VM's (kvm->mm): the
 * PID recorded at discovery only says where to look, the mm proves it.
 * A VMM's files are walked with iterate_fd(); a tun file is recognised by
 * tun_get_socket() and a macvtap file by tap_get_socket() (both taken with
 * symbol_get(), so that kvm-sec does not load tun.ko or tap.ko).
 *
 * tun keeps the device of a file private, but shows its name in the
 * file's fdinfo; the module reads that (tun takes rtnl for it) and looks
 * the name up in the namespace of the file's socket under rtnl. A counter
 * that every register, unregister and rename bumps (under rtnl) tells
 * whether the name still means the same device; if not, the lookup is
 * tried again. A macvtap file leads to its device through the public
 * struct tap_queue.
 *
 * Scans run from a work item: at module load, when a VM is found, and when
 * a tun or macvtap device appears or changes (passing a file between
 * processes raises no event, but the device's carrier does when a queue is
 * attached). A device found by a scan and missing from the next is
 * forgotten; one bound by hand stays until unbound or unregistered.
 *
 * Lifetime: bindings are created and destroyed under rtnl. A binding holds
 * its device and its VM; the device's unregistration (the notifier), the
 * VM's end (a work item), an unbind by hand and module unload each remove
 * the hooks, wait for a grace period (no hook runs any more), then let go.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fdtable.h>
#include <linux/file.h>
#include <linux/if_tap.h>
#include <linux/if_tun.h>
#include <linux/kvm_host.h>
#include <linux/module.h>
#include <linux/netdevice.h>
#include <linux/netfilter.h>
#include <linux/pid.h>
#include <linux/rtnetlink.h>
#include <linux/sched/task.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/workqueue.h>
#include <net/sock.h>

#include "net.h"
#include "vm.h"

/* Tap files looked at per VM and scan. */
#define KSEC_SCAN_FILES		16
#define KSEC_NAME_TRIES		3
/* Scans are coalesced over this delay after an event. */
#define KSEC_RESCAN_DELAY_MS	100

static LIST_HEAD(ksec_binds);		/* under rtnl */
static u32 ksec_nr_binds;		/* under rtnl, read without */
static bool ksec_netdev_running;	/* under rtnl: binding allowed */
static bool ksec_netdev_live;		/* work may be queued */
/* Bumped (under rtnl) whenever a name may change what it names. */
static unsigned long ksec_name_gen;

static void ksec_rescan_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(ksec_rescan_work, ksec_rescan_fn);
static void ksec_gone_fn(struct work_struct *work);
static DECLARE_WORK(ksec_gone_work, ksec_gone_fn);

static struct ksec_netbind *ksec_bind_of(const struct net_device *dev)
{
	struct ksec_netbind *b;

	ASSERT_RTNL();
	list_for_each_entry(b, &ksec_binds, all_node)
		if (b->dev == dev)
			return b;
	return NULL;
}

/* The VM's network state, created on its first device. Under rtnl. */
static struct ksec_vm_net *ksec_vm_net(struct ksec_vm *vm)
{
	struct ksec_vm_net *net = rtnl_dereference(vm->net);

	if (!net) {
		net = ksec_net_alloc();
		if (net)
			rcu_assign_pointer(vm->net, net);
	}
	return net;
}

static bool ksec_is_vtap_kind(const struct net_device *dev)
{
	const char *kind = dev->rtnl_link_ops ? dev->rtnl_link_ops->kind : "";

	return !strcmp(kind, "macvtap") || !strcmp(kind, "ipvtap");
}

static int ksec_bind(struct ksec_vm *vm, struct net_device *dev, u8 how,
		     const char **why)
{
	struct ksec_netbind *b = ksec_bind_of(dev);
	struct ksec_vm_net *net;
	unsigned int i;
	int err;

	ASSERT_RTNL();
	if (b) {
		*why = b->vm == vm ? "the device is bound to this VM already" :
				     "the device is bound to another VM";
		return b->vm == vm ? -EEXIST : -EBUSY;
	}
	*why = "loopback devices carry no VM's traffic";
	if (dev->flags & IFF_LOOPBACK)
		return -EINVAL;
	*why = "the VM is gone";
	if (READ_ONCE(vm->dead) || !ksec_netdev_running)
		return -ENOENT;
	*why = "out of memory";
	net = ksec_vm_net(vm);
	if (!net)
		return -ENOMEM;
	*why = "the VM has as many devices bound as it may";
	if (net->nr_binds >= KVM_SEC_NET_MAX_DEVICES)
		return -ENOSPC;
	*why = "out of memory";
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		return -ENOMEM;
	b->vm = vm;
	b->net = net;
	b->dev = dev;
	b->how = how;
	/* By the device's kind: one bound by hand may be a macvtap too. */
	b->vm_sends_at_ingress = !ksec_is_vtap_kind(dev);
	b->found = true;
	for (i = 0; i < ARRAY_SIZE(b->ops); i++) {
		b->ops[i].hook = ksec_net_hook;
		b->ops[i].pf = NFPROTO_NETDEV;
		b->ops[i].dev = dev;
		b->ops[i].priv = b;
	}
	/* What the VM sent, before any filter; what it gets, after all. */
	b->ops[0].hooknum = NF_NETDEV_INGRESS;
	b->ops[0].priority = INT_MIN;
	b->ops[1].hooknum = NF_NETDEV_EGRESS;
	b->ops[1].priority = INT_MAX;
	err = nf_register_net_hooks(dev_net(dev), b->ops, ARRAY_SIZE(b->ops));
	if (err) {
		*why = "the device's hooks could not be registered";
		/* One hook may have been in place for a moment. */
		synchronize_net();
		kfree(b);
		return err;
	}
	kref_get(&vm->ref);
	netdev_hold(dev, &b->tracker, GFP_KERNEL);
	raw_write_seqcount_begin(&net->bind_seq);
	list_add_tail_rcu(&b->vm_node, &net->binds);
	WRITE_ONCE(net->nr_binds, net->nr_binds + 1);
	raw_write_seqcount_end(&net->bind_seq);
	list_add_tail(&b->all_node, &ksec_binds);
	WRITE_ONCE(ksec_nr_binds, ksec_nr_binds + 1);
	pr_debug("VM %u: %s bound (%u)\n", vm->id, netdev_name(dev), how);
	return 0;
}

/* After a grace period: no hook and no reader of the VM's list uses @b. */
static void ksec_bind_free_rcu(struct rcu_head *rcu)
{
	struct ksec_netbind *b = container_of(rcu, struct ksec_netbind, rcu);

	netdev_put(b->dev, &b->tracker);
	ksec_vm_put(b->vm);
	kfree(b);
}

/*
 * Under rtnl. The hooks are gone when this returns; the binding (which the
 * hooks and RCU readers may still hold) goes a grace period later, so that
 * a batch of unregistrations does not wait for one grace period each.
 */
static void ksec_unbind(struct ksec_netbind *b)
{
	ASSERT_RTNL();
	nf_unregister_net_hooks(dev_net(b->dev), b->ops, ARRAY_SIZE(b->ops));
	raw_write_seqcount_begin(&b->net->bind_seq);
	list_del_rcu(&b->vm_node);
	WRITE_ONCE(b->net->nr_binds, b->net->nr_binds - 1);
	raw_write_seqcount_end(&b->net->bind_seq);
	list_del(&b->all_node);
	WRITE_ONCE(ksec_nr_binds, ksec_nr_binds - 1);
	pr_debug("VM %u: %s unbound\n", b->vm->id, netdev_name(b->dev));
	call_rcu(&b->rcu, ksec_bind_free_rcu);
}

/* What a tap file of the VMM turned out to be. */
struct ksec_tapfile {
	struct file *file;
	struct socket *sock;
	u8 how;
	char name[IFNAMSIZ];
};

struct ksec_fdscan {
	struct socket *(*tun_get)(struct file *file);
	struct socket *(*tap_get)(struct file *file);
	struct ksec_tapfile f[KSEC_SCAN_FILES];
	unsigned int nr;
	bool full;
};

/* Under the VMM's files lock: recognise, reference, nothing else. */
static int ksec_fdscan_one(const void *arg, struct file *file, unsigned int fd)
{
	struct ksec_fdscan *s = (struct ksec_fdscan *)arg;
	struct socket *sock = NULL;
	u8 how = 0;

	if (s->tun_get) {
		sock = s->tun_get(file);
		how = KVM_SEC_NETDEV_TUN;
	}
	if ((!sock || IS_ERR(sock)) && s->tap_get) {
		sock = s->tap_get(file);
		how = KVM_SEC_NETDEV_MACVTAP;
	}
	if (!sock || IS_ERR(sock))
		return 0;
	if (s->nr == KSEC_SCAN_FILES) {
		s->full = true;
		return 1;
	}
	s->f[s->nr].file = get_file(file);
	s->f[s->nr].sock = sock;
	s->f[s->nr].how = how;
	s->nr++;
	return 0;
}

/* The VMM of @vm, referenced, if it is still the process of the VM's mm. */
static struct task_struct *ksec_vmm_task(struct ksec_vm *vm)
{
	struct task_struct *t = NULL;
	struct mm_struct *mm = NULL;
	unsigned long flags;
	struct pid *pid;

	spin_lock_irqsave(&vm->lock, flags);
	if (!vm->dead)
		mm = vm->kvm->mm;
	spin_unlock_irqrestore(&vm->lock, flags);
	if (!mm)
		return NULL;
	rcu_read_lock();
	pid = find_pid_ns(vm->pid, &init_pid_ns);
	if (pid)
		t = pid_task(pid, PIDTYPE_TGID);
	/* A PID is a hint; the memory the VM lives in is the proof. */
	if (t && READ_ONCE(t->mm) == mm)
		get_task_struct(t);
	else
		t = NULL;
	rcu_read_unlock();
	return t;
}

/* tun shows a file's device in its fdinfo: "iff:\t<name>\n". */
static void ksec_tun_name(struct ksec_tapfile *tf)
{
	char buf[IFNAMSIZ + 16];
	struct seq_file m = { .buf = buf, .size = sizeof(buf) };
	const char *p;

	tf->name[0] = '\0';
	if (!tf->file->f_op->show_fdinfo)
		return;
	tf->file->f_op->show_fdinfo(&m, tf->file);
	if (m.count >= m.size)
		return;
	buf[m.count] = '\0';
	p = strstr(buf, "iff:\t");
	if (!p)
		return;
	p += 5;
	strscpy(tf->name, p, min_t(size_t, strcspn(p, "\n") + 1,
				   sizeof(tf->name)));
}

/* The device of a tap file, under rtnl; NULL if it has none now. */
static struct net_device *ksec_tapfile_dev(const struct ksec_tapfile *tf)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (tf->how == KVM_SEC_NETDEV_MACVTAP) {
		struct tap_queue *q = container_of(tf->sock, struct tap_queue,
						   sock);
		struct tap_dev *tap = rtnl_dereference(q->tap);

		return tap ? tap->dev : NULL;
	}
	if (!tf->name[0])
		return NULL;
	dev = __dev_get_by_name(sock_net(tf->sock->sk), tf->name);
	if (!dev || !dev->rtnl_link_ops ||
	    strcmp(dev->rtnl_link_ops->kind, "tun"))
		return NULL;
	return dev;
}

static void ksec_scan_vm(struct ksec_vm *vm, struct ksec_fdscan *s)
{
	struct ksec_netbind *b, *tmp;
	struct task_struct *t;
	unsigned long gen;
	unsigned int i, tries;
	const char *why;
	bool resolved;

	t = ksec_vmm_task(vm);
	if (!t)
		return;
	s->nr = 0;
	s->full = false;
	task_lock(t);
	if (t->files)
		iterate_fd(t->files, 0, ksec_fdscan_one, s);
	task_unlock(t);
	put_task_struct(t);
	if (s->full)
		atomic64_inc(&ksec_status.netdev_refused);

	for (tries = 0; tries < KSEC_NAME_TRIES; tries++) {
		gen = READ_ONCE(ksec_name_gen);
		for (i = 0; i < s->nr; i++)
			if (s->f[i].how == KVM_SEC_NETDEV_TUN)
				ksec_tun_name(&s->f[i]);
		rtnl_lock();
		if (gen == ksec_name_gen)
			break;
		rtnl_unlock();
	}
	resolved = tries < KSEC_NAME_TRIES;
	if (!resolved) {
		atomic64_add(s->nr, &ksec_status.netdev_unresolved);
		rtnl_lock();
	}
	if (resolved && ksec_netdev_running && !READ_ONCE(vm->dead)) {
		struct ksec_vm_net *net = rtnl_dereference(vm->net);

		if (net)
			list_for_each_entry(b, &net->binds, vm_node)
				b->found = b->how == KVM_SEC_NETDEV_MANUAL;
		for (i = 0; i < s->nr; i++) {
			struct net_device *dev = ksec_tapfile_dev(&s->f[i]);
			int err;

			if (!dev) {
				if (s->f[i].how == KVM_SEC_NETDEV_MACVTAP ||
				    s->f[i].name[0])
					atomic64_inc(&ksec_status.netdev_unresolved);
				continue;
			}
			b = ksec_bind_of(dev);
			if (b && b->vm == vm) {
				b->found = true;
				continue;
			}
			err = ksec_bind(vm, dev, s->f[i].how, &why);
			if (err)
				atomic64_inc(&ksec_status.netdev_refused);
		}
		/*
		 * Found before, not now: the VMM let go of it (unless files
		 * were left unread: then nothing is known to be gone).
		 */
		net = rtnl_dereference(vm->net);
		if (net && !s->full)
			list_for_each_entry_safe(b, tmp, &net->binds, vm_node)
				if (!b->found)
					ksec_unbind(b);
	}
	rtnl_unlock();
	for (i = 0; i < s->nr; i++)
		fput(s->f[i].file);
}

static void ksec_rescan_fn(struct work_struct *work)
{
	struct ksec_fdscan *s;
	struct ksec_vm *vm;
	u32 id = 1;

	s = kzalloc(sizeof(*s), GFP_KERNEL);
	if (!s) {
		atomic64_inc(&ksec_status.alloc_failures);
		return;
	}
	s->tun_get = symbol_get(tun_get_socket);
	s->tap_get = symbol_get(tap_get_socket);
	atomic64_inc(&ksec_status.netdev_scans);
	/* Without tun and tap loaded, no VMM holds such a file. */
	if (s->tun_get || s->tap_get) {
		while ((vm = ksec_vm_get_next(&id, 0))) {
			ksec_scan_vm(vm, s);
			ksec_vm_put(vm);
			id++;
			cond_resched();
		}
	}
	if (s->tun_get)
		symbol_put(tun_get_socket);
	if (s->tap_get)
		symbol_put(tap_get_socket);
	kfree(s);
}

void ksec_netdev_rescan(void)
{
	/* Not re-armed by later events: a stream of them delays nothing. */
	if (READ_ONCE(ksec_netdev_live))
		queue_delayed_work(system_wq, &ksec_rescan_work,
				   msecs_to_jiffies(KSEC_RESCAN_DELAY_MS));
}

/* Unbind the devices of VMs that are gone. */
static void ksec_gone_fn(struct work_struct *work)
{
	struct ksec_netbind *b, *tmp;

	rtnl_lock();
	list_for_each_entry_safe(b, tmp, &ksec_binds, all_node)
		if (READ_ONCE(b->vm->dead))
			ksec_unbind(b);
	rtnl_unlock();
}

void ksec_netdev_vm_gone(void)
{
	if (READ_ONCE(ksec_netdev_live))
		queue_work(system_wq, &ksec_gone_work);
}

static bool ksec_is_tap_kind(const struct net_device *dev)
{
	const char *kind = dev->rtnl_link_ops ? dev->rtnl_link_ops->kind : "";

	return !strcmp(kind, "tun") || ksec_is_vtap_kind(dev);
}

static int ksec_netdev_event(struct notifier_block *nb, unsigned long event,
			     void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct ksec_netbind *b;

	switch (event) {
	case NETDEV_REGISTER:
	case NETDEV_CHANGENAME:
	case NETDEV_CHANGE:
		if (!ksec_is_tap_kind(dev))
			break;
		/* Only a tun name can be mistaken for a tun file's. */
		if (event != NETDEV_CHANGE)
			ksec_name_gen++;
		ksec_netdev_rescan();
		break;
	case NETDEV_UNREGISTER:
		/* Also when it moves to another namespace. */
		if (ksec_is_tap_kind(dev))
			ksec_name_gen++;
		b = ksec_bind_of(dev);
		if (b)
			ksec_unbind(b);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block ksec_netdev_nb = {
	.notifier_call = ksec_netdev_event,
};

int ksec_netdev_add(struct ksec_vm *vm, const char *name, const char **why)
{
	struct net_device *dev;
	int err;

	rtnl_lock();
	dev = __dev_get_by_name(&init_net, name);
	if (!dev) {
		*why = "no such network device (in the initial namespace)";
		err = -ENOENT;
	} else {
		err = ksec_bind(vm, dev, KVM_SEC_NETDEV_MANUAL, why);
	}
	rtnl_unlock();
	return err;
}

int ksec_netdev_del(struct ksec_vm *vm, const char *name, const char **why)
{
	struct ksec_netbind *b = NULL;
	struct net_device *dev;
	int err = 0;

	rtnl_lock();
	dev = __dev_get_by_name(&init_net, name);
	if (dev)
		b = ksec_bind_of(dev);
	if (!b || b->vm != vm) {
		*why = "the device is not bound to this VM";
		err = -ENOENT;
	} else {
		ksec_unbind(b);
	}
	rtnl_unlock();
	return err;
}

unsigned int ksec_netdev_list(struct ksec_vm *vm,
			      struct ksec_netdev_view *out, unsigned int max)
{
	struct ksec_vm_net *net;
	struct ksec_netbind *b;
	unsigned int n = 0;

	/* RCU, not rtnl: a dump of every VM must not queue behind rtnl. */
	rcu_read_lock();
	net = rcu_dereference(vm->net);
	if (net)
		list_for_each_entry_rcu(b, &net->binds, vm_node) {
			if (n == max)
				break;
			strscpy(out[n].name, b->dev->name, sizeof(out[n].name));
			out[n].ifindex = b->dev->ifindex;
			out[n].how = b->how;
			out[n].init_net = net_eq(dev_net(b->dev), &init_net);
			n++;
		}
	rcu_read_unlock();
	return n;
}

u32 ksec_netdev_count(void)
{
	return READ_ONCE(ksec_nr_binds);
}

int ksec_netdev_init(void)
{
	int err;

	ksec_net_packet_init();
	rtnl_lock();
	ksec_netdev_running = true;
	rtnl_unlock();
	WRITE_ONCE(ksec_netdev_live, true);
	/* Replays NETDEV_REGISTER for every device: a first scan follows. */
	err = register_netdevice_notifier(&ksec_netdev_nb);
	if (err) {
		rtnl_lock();
		ksec_netdev_running = false;
		WRITE_ONCE(ksec_netdev_live, false);
		rtnl_unlock();
		cancel_delayed_work_sync(&ksec_rescan_work);
	}
	return err;
}

void ksec_netdev_exit(void)
{
	struct ksec_netbind *b, *tmp;

	/* The notifier and every binder look at these under rtnl. */
	rtnl_lock();
	ksec_netdev_running = false;
	WRITE_ONCE(ksec_netdev_live, false);
	rtnl_unlock();
	cancel_delayed_work_sync(&ksec_rescan_work);
	cancel_work_sync(&ksec_gone_work);
	/* Replays NETDEV_UNREGISTER: that unbinds every device. */
	unregister_netdevice_notifier(&ksec_netdev_nb);
	rtnl_lock();
	list_for_each_entry_safe(b, tmp, &ksec_binds, all_node)
		ksec_unbind(b);
	rtnl_unlock();
	/* The bindings' last callbacks run before the module goes. */
	rcu_barrier();
}
