/* SPDX-License-Identifier: GPL-2.0 */
/* The kvm_sec generic netlink family (include/uapi/linux/kvm_sec.h). */
#ifndef KSEC_NETLINK_H
#define KSEC_NETLINK_H

#include <linux/types.h>
#include <net/netlink.h>

#include "hsem.h"

struct ksec_vm;

int ksec_netlink_init(void);
void ksec_netlink_exit(void);
/* Process context: multicast a VM_NEW or VM_DEL notification. */
void ksec_nl_notify_vm(struct ksec_vm *vm, u8 cmd);
/* Process context: multicast a LEVEL or VERDICT notification. */
void ksec_nl_notify_decision(struct ksec_vm *vm, u8 cmd);
/* A VM's network limits changed, for @reason (enum kvm_sec_limit_reason). */
void ksec_nl_notify_limits(struct ksec_vm *vm, u8 reason);

/* For state.c: parts of the commands' parsing it shares. */
struct netlink_ext_ack;
struct nlattr;
struct ksec_hsem_rule;
struct ksec_limit_spec;
extern const char ksec_rule_why[];
void ksec_extack(struct netlink_ext_ack *extack, const struct nlattr *attr,
		 const char *msg);
int ksec_parse_rule(const struct nlattr *attr, struct ksec_hsem_rule *r,
		    u32 *mask, struct netlink_ext_ack *extack);
int ksec_parse_limits(const struct nlattr *attr, struct ksec_limit_spec *spec,
		      unsigned long *given, struct netlink_ext_ack *extack);
int ksec_parse_block(const struct nlattr *attr, int *tx, int *rx,
		     struct netlink_ext_ack *extack);

/* For state.c: parts of the replies it shares (GET_DECISION's). */
static inline size_t ksec_rule_size(void)
{
	return nla_total_size(0) + 6 * nla_total_size(sizeof(u32)) +
	       2 * nla_total_size(sizeof(u8));
}

/* A nest of the reasons of a level or verdict, at most KSEC_MAX_REASONS. */
static inline size_t ksec_reasons_size(void)
{
	return nla_total_size(0) +
	       KSEC_MAX_REASONS * (nla_total_size(0) +
				   nla_total_size(sizeof(u8)) +
				   4 * nla_total_size_64bit(sizeof(u64)));
}

int ksec_put_reasons(struct sk_buff *skb, int attr, const struct ksec_hsem *h);

#endif /* KSEC_NETLINK_H */
