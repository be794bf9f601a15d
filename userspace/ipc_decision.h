/* SPDX-License-Identifier: GPL-2.0 */
/* HSEM's decisions and the anomaly rule over netlink (ipc_decision.c). */
#ifndef VSEC_IPC_DECISION_H
#define VSEC_IPC_DECISION_H

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "vsec.h"

/* KVM_SEC_A_DECISION into @d; 0 or -EPROTO. */
int vsec_parse_decision(struct nlattr *nest, struct vsec_decision *d);
/* KVM_SEC_A_RULE (or KVM_SEC_DECISION_RULE) into @r; 0 or -EPROTO. */
int vsec_parse_rule(struct nlattr *nest, struct vsec_rule *r);
/* The fields of @r marked in r->given, as a KVM_SEC_A_RULE nest. */
int vsec_put_rule(struct nl_msg *msg, const struct vsec_rule *r);

#endif /* VSEC_IPC_DECISION_H */
