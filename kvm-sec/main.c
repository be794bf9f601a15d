// SPDX-License-Identifier: GPL-2.0
/*
 * kvm-sec: a security and reliability monitor for KVM hosts.
 *
 * This file only loads and unloads; see Documentation/kvm-sec/design.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/genetlink.h>
#include <linux/module.h>
#include <linux/kvm_sec.h>

#include "discovery.h"
#include "events.h"
#include "lifecycle.h"
#include "migration.h"
#include "net.h"
#include "netlink.h"
#include "pace.h"
#include "probes.h"
#include "sampler.h"
#include "vm.h"

/*
 * Lifetimes (vm.h): a tracked VM is referenced, so the order below is about
 * completeness, not safety. The trace points come first (they tell kvm.ko
 * and adopt running VMs), then the lifecycle kprobes, then the scan of
 * existing VMs, so that no VM created meanwhile escapes.
 */
static int __init ksec_init(void)
{
	int err;

	err = ksec_registry_init();
	if (err)
		goto err_out;
	err = ksec_netlink_init();
	if (err)
		goto err_registry;
	/* It sends HSEM's events: after the family exists. */
	ksec_sampler_start();
	err = ksec_probes_init();
	if (err)
		goto err_netlink;
	err = ksec_lifecycle_init();
	if (err)
		goto err_probes;
	/* Where peers are, before the first hook classes one. */
	ksec_net_publish_dests();
	err = ksec_netdev_init();
	if (err)
		goto err_lifecycle;
	ksec_discovery_scan();
	ksec_netdev_rescan();
	/* Last: a load that fails has no vCPU waiting in its code. */
	ksec_pace_start();

	pr_info("monitoring %u VMs through %u KVM trace points (netlink family %s v%d)\n",
		ksec_vm_count(), ksec_probes_attached(), KVM_SEC_GENL_NAME,
		KVM_SEC_GENL_VERSION);
	return 0;

err_lifecycle:
	ksec_lifecycle_exit();
err_probes:
	ksec_probes_exit();
	ksec_pace_exit();
err_netlink:
	ksec_sampler_stop();
	ksec_netlink_exit();
	ksec_migration_exit();
	ksec_events_flush();
	ksec_net_exit();
err_registry:
	ksec_registry_exit();
err_out:
	return err;
}

static void __exit ksec_exit(void)
{
	/* No probe runs, and no reference is taken, after these two. */
	ksec_probes_exit();
	ksec_lifecycle_exit();
	/* No vCPU waits for an exit limit, nor holds a VM for it. */
	ksec_pace_exit();
	/* HSEM's events come from the sampler: it stops before the family. */
	ksec_sampler_stop();
	/* No reader is left after this one. */
	ksec_netlink_exit();
	ksec_migration_exit();
	ksec_events_flush();
	/* No hook runs after this: every device is unbound. */
	ksec_netdev_exit();
	ksec_net_exit();
	/* Let go of every VM: KVM may destroy some right here. */
	ksec_registry_exit();
	pr_info("unloaded\n");
}

module_init(ksec_init);
module_exit(ksec_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kvm-sec: security and reliability monitor for KVM hosts");
MODULE_AUTHOR("The kvm-sec developers");
MODULE_ALIAS_GENL_FAMILY(KVM_SEC_GENL_NAME);
MODULE_SOFTDEP("pre: kvm");
