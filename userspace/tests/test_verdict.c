// SPDX-License-Identifier: GPL-2.0
/* Unit tests of HSEM's verdict from the anomalous features (kvm-sec/verdict.h). */
#include "check.h"
#include "verdict.h"

#define F(x) BIT(KVM_SEC_F_##x)

static u8 verdict(unsigned long anom, bool near, unsigned long *why)
{
	return ksec_verdict_of(anom, near, why);
}

int main(void)
{
	unsigned long why;

	/* Nothing anomalous: no verdict, no reason. */
	CHECK(verdict(0, true, &why) == KVM_SEC_VERDICT_NONE && !why);
	/* Halts alone never make a verdict. */
	CHECK(verdict(F(HALTS), false, &why) == KVM_SEC_VERDICT_NONE);

	/* A hypercall flood: attacker, with the exits it made as reasons. */
	CHECK(verdict(F(HYPERCALLS) | F(EXITS), false, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	CHECK(why == (F(HYPERCALLS) | F(EXITS)));
	/* A SYN scan: attacker. */
	CHECK(verdict(F(SYN_UNANSWERED) | F(RST_RX), false, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	/* Sending a flood while receiving one: still the attacker. */
	CHECK(verdict(F(TX_PACKETS) | F(RX_PACKETS), false, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	CHECK(!(why & F(RX_PACKETS)));

	/* Receiving a flood, exits rising with it: victim, not attacker. */
	CHECK(verdict(F(RX_PACKETS) | F(RX_BYTES) | F(MMIO) | F(EXITS), true,
		      &why) == KVM_SEC_VERDICT_VICTIM);
	CHECK(why == (F(RX_PACKETS) | F(RX_BYTES) | F(MMIO) | F(EXITS)));
	/* Port I/O or MMIO exits with nothing received: attacker. */
	CHECK(verdict(F(PIO) | F(EXITS), false, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	CHECK(verdict(F(MMIO), false, &why) == KVM_SEC_VERDICT_ATTACKER);

	/* CPU far above its history at capacity: overflow (HREM). */
	CHECK(verdict(F(CPU), true, &why) == KVM_SEC_VERDICT_OVERFLOW &&
	      why == F(CPU));
	CHECK(verdict(F(CPU) | F(MEMORY), true, &why) ==
	      KVM_SEC_VERDICT_OVERFLOW);
	/* vhost workers' CPU is the VM's demand too, a reason with it. */
	CHECK(verdict(F(CPU) | F(VHOST_CPU), true, &why) ==
	      KVM_SEC_VERDICT_OVERFLOW && why == (F(CPU) | F(VHOST_CPU)));
	/* A sender's vhost CPU goes with its flood: not an attacker's reason. */
	CHECK(verdict(F(TX_PACKETS) | F(VHOST_CPU), true, &why) ==
	      KVM_SEC_VERDICT_ATTACKER && !(why & F(VHOST_CPU)));
	/* ...but not below capacity: no verdict yet (clear later). */
	CHECK(verdict(F(CPU) | F(MEMORY), false, &why) == KVM_SEC_VERDICT_NONE);
	/* A hog that also floods hypercalls is an attacker first. */
	CHECK(verdict(F(CPU) | F(HYPERCALLS), true, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	/*
	 * An exit storm pins its vCPU (CPU anomalous, at capacity): an
	 * attacker, not an overflow a load balancer would feed.
	 */
	CHECK(verdict(F(PIO) | F(EXITS) | F(CPU), true, &why) ==
	      KVM_SEC_VERDICT_ATTACKER);
	CHECK(why == (F(PIO) | F(EXITS) | F(CPU)));
	/* Busy at capacity because of what it receives: a victim. */
	CHECK(verdict(F(CPU) | F(RX_PACKETS), true, &why) ==
	      KVM_SEC_VERDICT_VICTIM);
	/*
	 * Memory growth alone moves no VM to level 2 (a page cache filling)
	 * but is judged: with the CPU near capacity, an overflow's reason.
	 */
	CHECK(!(KSEC_F_TRIGGER & F(MEMORY)) && (KSEC_F_JUDGED & F(MEMORY)));
	CHECK((KSEC_F_TRIGGER & F(CPU)) && (KSEC_F_TRIGGER & F(VHOST_CPU)));
	CHECK(!(KSEC_F_JUDGED & F(HALTS)));
	CHECK(verdict(F(MEMORY), true, &why) == KVM_SEC_VERDICT_OVERFLOW &&
	      why == F(MEMORY));
	return check_done("test_verdict");
}
