// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications of VMs appearing and disappearing.
 *
 * They are raised in KVM's creation and destruction probes, where nothing
 * may sleep, so they are queued on one lock-free list and sent by a work
 * item. One list keeps them in the order they happened: a VM's VM_NEW always
 * goes out before its VM_DEL.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/llist.h>
#include <linux/workqueue.h>
#include <linux/kvm_sec.h>

#include "events.h"
#include "netlink.h"
#include "vm.h"

static LLIST_HEAD(ksec_events);

static void ksec_events_work_fn(struct work_struct *work)
{
	struct llist_node *list = llist_del_all(&ksec_events);
	struct ksec_event *ev, *tmp;

	list = llist_reverse_order(list);
	llist_for_each_entry_safe(ev, tmp, list, node) {
		ksec_nl_notify_vm(ev->vm, ev->cmd);
		ksec_vm_put(ev->vm);
	}
}

static DECLARE_WORK(ksec_events_work, ksec_events_work_fn);

static void ksec_event_queue(struct ksec_event *ev, struct ksec_vm *vm, u8 cmd)
{
	ev->vm = vm;
	ev->cmd = cmd;
	llist_add(&ev->node, &ksec_events);
	queue_work(system_wq, &ksec_events_work);
}

void ksec_event_vm_new(struct ksec_vm *vm)
{
	kref_get(&vm->ref);
	ksec_event_queue(&vm->ev_new, vm, KVM_SEC_CMD_VM_NEW);
}

void ksec_event_vm_del(struct ksec_vm *vm)
{
	ksec_event_queue(&vm->ev_del, vm, KVM_SEC_CMD_VM_DEL);
}

void ksec_events_flush(void)
{
	flush_work(&ksec_events_work);
	/* Whatever was queued after the work last looked. */
	ksec_events_work_fn(&ksec_events_work);
}
