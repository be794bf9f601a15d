/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's network limits over netlink (ipc_limit.c). */
#ifndef VSEC_IPC_LIMIT_H
#define VSEC_IPC_LIMIT_H

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "vsec.h"

/* KVM_SEC_A_VM_LIMITS into @l; 0 or -EPROTO. */
int vsec_parse_limits(struct nlattr *nest, struct vsec_limits *l);
/*
 * A GET_LIMITS reply's or LIMIT event's attributes (@tb) into @l: the
 * limits, their reason, the VMM's PID, the vCPU threads, HREM's advice and
 * the agent's report. 0 or -EPROTO.
 */
int vsec_parse_limits_msg(struct nlattr **tb, struct vsec_limits *l);
/* The agent's report, as a KVM_SEC_A_VM_AGENT nest. */
int vsec_put_agent(struct nl_msg *msg, const struct vsec_agent *g);
/* The limits marked given, as a KVM_SEC_A_VM_LIMITS nest. */
int vsec_put_limits(struct nl_msg *msg, const struct vsec_limits *l);

#endif /* VSEC_IPC_LIMIT_H */
