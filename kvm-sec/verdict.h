/* SPDX-License-Identifier: GPL-2.0 */
/*
 * HSEM's verdict from the features that are anomalous at level 2 (hsem.c,
 * Documentation/kvm-sec/decisions.rst).
 *
 * This file is shared with the userspace unit tests (userspace/tests/).
 */
#ifndef KSEC_VERDICT_H
#define KSEC_VERDICT_H

#ifdef __KERNEL__
#include <linux/bits.h>
#include <linux/types.h>
#else
#include "verdict_user.h"
#endif
#include <linux/kvm_sec.h>

/*
 * The VM's own demand, aimed at others or at the host: anomalous, it makes
 * an attacker whatever else is.
 */
#define KSEC_F_ATTACK	(BIT(KVM_SEC_F_HYPERCALLS) | BIT(KVM_SEC_F_TX_PACKETS) | \
			 BIT(KVM_SEC_F_TX_BYTES) | \
			 BIT(KVM_SEC_F_SYN_UNANSWERED) | BIT(KVM_SEC_F_RST_RX) | \
			 BIT(KVM_SEC_F_UNREACH_RX) | BIT(KVM_SEC_F_DESTINATIONS))
/* Exits the VM makes: its own, unless it is receiving a flood. */
#define KSEC_F_EXIT	(BIT(KVM_SEC_F_EXITS) | BIT(KVM_SEC_F_PIO) | \
			 BIT(KVM_SEC_F_MMIO) | BIT(KVM_SEC_F_MSR))
/* What others send it. */
#define KSEC_F_INBOUND	(BIT(KVM_SEC_F_RX_PACKETS) | BIT(KVM_SEC_F_RX_BYTES) | \
			 BIT(KVM_SEC_F_SOURCES))
/* HREM: the resources it takes. */
#define KSEC_F_RESOURCE	(BIT(KVM_SEC_F_CPU) | BIT(KVM_SEC_F_MEMORY) | \
			 BIT(KVM_SEC_F_VHOST_CPU))
/*
 * Features that move a VM to level 2. HALTS is shown, never a trigger;
 * memory growth alone is not one either (a guest filling its page cache
 * or a tmpfs): it is a reason of an overflow, judged at level 2.
 */
#define KSEC_F_TRIGGER	(KSEC_F_ATTACK | KSEC_F_EXIT | KSEC_F_INBOUND | \
			 (KSEC_F_RESOURCE & ~BIT(KVM_SEC_F_MEMORY)))
/* Features a verdict is made of. */
#define KSEC_F_JUDGED	(KSEC_F_TRIGGER | KSEC_F_RESOURCE)

/* What HSEM and HREM make of the anomalous features @anom at level 2. */
static inline u8 ksec_verdict_of(unsigned long anom, bool near_capacity,
				 unsigned long *why)
{
	if (anom & KSEC_F_ATTACK) {
		*why = anom & (KSEC_F_ATTACK | KSEC_F_EXIT);
		return KVM_SEC_VERDICT_ATTACKER;
	}
	/* Exits rise with what a VM receives: a flood makes a victim. */
	if (anom & KSEC_F_INBOUND) {
		*why = anom & (KSEC_F_INBOUND | KSEC_F_EXIT | KSEC_F_RESOURCE);
		return KVM_SEC_VERDICT_VICTIM;
	}
	/*
	 * An exit storm pins its vCPUs, so its CPU is anomalous too: exits
	 * come before resources, or a storm would pass for an overflow.
	 */
	if (anom & KSEC_F_EXIT) {
		*why = anom & (KSEC_F_EXIT | KSEC_F_RESOURCE);
		return KVM_SEC_VERDICT_ATTACKER;
	}
	if ((anom & KSEC_F_RESOURCE) && near_capacity) {
		*why = anom & KSEC_F_RESOURCE;
		return KVM_SEC_VERDICT_OVERFLOW;
	}
	*why = 0;
	return KVM_SEC_VERDICT_NONE;
}

#endif /* KSEC_VERDICT_H */
