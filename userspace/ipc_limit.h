/* SPDX-License-Identifier: GPL-2.0 */
/* A VM's network limits over netlink (ipc_limit.c). */
#ifndef VSEC_IPC_LIMIT_H
#define VSEC_IPC_LIMIT_H

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "vsec.h"

/* KVM_SEC_A_VM_LIMITS into @l; 0 or -EPROTO. */
int vsec_parse_limits(struct nlattr *nest, struct vsec_limits *l);
/* The limits marked given, as a KVM_SEC_A_VM_LIMITS nest. */
int vsec_put_limits(struct nl_msg *msg, const struct vsec_limits *l);

#endif /* VSEC_IPC_LIMIT_H */
