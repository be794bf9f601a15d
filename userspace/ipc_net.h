/* SPDX-License-Identifier: GPL-2.0 */
/* The network section of a VM message (ipc_net.c). */
#ifndef VSEC_IPC_NET_H
#define VSEC_IPC_NET_H

#include <netlink/attr.h>

#include "vsec.h"

/*
 * A nest of u64 attributes of types @first .. @first + @n - 1 into val[]
 * (others, a newer module's, are skipped); 0 or -EPROTO (ipc.c).
 */
int vsec_parse_u64s(struct nlattr *nest, int first, int n, uint64_t *val);

/* KVM_SEC_A_VM_NET into @n (zeroed by the caller); 0 or -EPROTO. */
int vsec_parse_net(struct nlattr *nest, struct vsec_net *n);

#endif /* VSEC_IPC_NET_H */
