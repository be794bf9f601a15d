/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The transport to kvm-sec.ko: generic netlink through libnl-3. Every call
 * returns 0 or a negative errno; after a failure the module's own message
 * (extended ack), if any, is in vsec_ipc_error_msg().
 */
#ifndef VSEC_IPC_H
#define VSEC_IPC_H

#include <signal.h>
#include <stddef.h>

#include "vsec.h"

struct vsec_ipc;

/* -ENOENT: the family does not exist (module not loaded). */
int vsec_ipc_open(struct vsec_ipc **ipc);
void vsec_ipc_close(struct vsec_ipc *ipc);
const char *vsec_ipc_error_msg(const struct vsec_ipc *ipc);

int vsec_ipc_get_vm(struct vsec_ipc *ipc, uint32_t id, struct vsec_vm *vm);
/* All VMs, or those of VMM process @pid if non-zero; *vms is malloc'ed. */
int vsec_ipc_list_vms(struct vsec_ipc *ipc, uint32_t pid,
		      struct vsec_vm **vms, size_t *nr);
/* The flows of the guest's last level-2 report, into g->flows. */
int vsec_ipc_get_flows(struct vsec_ipc *ipc, uint32_t id, struct vsec_guest *g);
int vsec_ipc_get_config(struct vsec_ipc *ipc, struct vsec_config *cfg);
int vsec_ipc_set_interval(struct vsec_ipc *ipc, uint32_t ms);
/* The provider's migration key (@len 0: none). */
int vsec_ipc_set_migration_key(struct vsec_ipc *ipc, const void *key,
			       size_t len);
int vsec_ipc_set_prefixes(struct vsec_ipc *ipc,
			  const struct virtio_vsem_prefix *p, unsigned int nr);
/*
 * Command a VM's guest driver: its level (0 auto, 1 or 2) and/or its
 * report interval in ms (0: the VMM's own); a negative value leaves that
 * setting as it is.
 */
int vsec_ipc_command_vm(struct vsec_ipc *ipc, uint32_t id, int level,
			int64_t interval_ms);
int vsec_ipc_get_status(struct vsec_ipc *ipc, struct vsec_status *st);
/* HSEM's decision on VM @id, with the history of every feature. */
int vsec_ipc_get_decision(struct vsec_ipc *ipc, uint32_t id,
			  struct vsec_decision *d);
/* The anomaly rule: the fields in r->given replace the module's. */
int vsec_ipc_set_rule(struct vsec_ipc *ipc, const struct vsec_rule *r);
/* VM @id's own rule: given fields replace its own; 0 means the global. */
int vsec_ipc_set_vm_rule(struct vsec_ipc *ipc, uint32_t id,
			 const struct vsec_rule *r);
/* VM @id's network limits, with what each dropped. */
int vsec_ipc_get_limits(struct vsec_ipc *ipc, uint32_t id,
			struct vsec_limits *l);
/* Set the limits marked given (size 0 lifts one). */
int vsec_ipc_set_limits(struct vsec_ipc *ipc, uint32_t id,
			const struct vsec_limits *l);
/* Every VM's limits, with what the agent needs; *v is malloc'ed. */
int vsec_ipc_dump_limits(struct vsec_ipc *ipc, struct vsec_vm_limits **v,
			 size_t *nr);
/*
 * Every VM's security state, with the key that finds it after a reload;
 * free with vsec_states_free().
 */
int vsec_ipc_dump_states(struct vsec_ipc *ipc, struct vsec_state **v,
			 size_t *nr);
void vsec_states_free(struct vsec_state *v, size_t nr);
/*
 * Give VM @id the state @s, if its VMM is @s's (else -ESTALE); @check:
 * only have it checked.
 */
int vsec_ipc_set_state(struct vsec_ipc *ipc, uint32_t id,
		       const struct vsec_state *s, bool check);
/* The agent's report of what it applied for VM @id, replacing its last. */
int vsec_ipc_report_agent(struct vsec_ipc *ipc, uint32_t id,
			  const struct vsec_agent *g);
/* Bind (@add) or unbind network device @name to or from VM @id. */
int vsec_ipc_netdev(struct vsec_ipc *ipc, uint32_t id, const char *name,
		    bool add);

/*
 * Receive events until @fn returns non-zero (that value is returned) or
 * *stop becomes true (0 is returned).
 */
/*
 * Subscribe to the events group, call ready(arg) once subscribed, then fn()
 * for each event until fn() returns non-zero or *stop is set. The caller
 * blocks the signals that set *stop and passes the mask to wait with
 * (ppoll), so that a signal cannot be lost between the check and the wait.
 */
int vsec_ipc_monitor(struct vsec_ipc *ipc,
		     int (*fn)(const struct vsec_event *ev, void *arg),
		     void (*ready)(void *arg), void *arg,
		     volatile const int *stop, const sigset_t *waitmask);

/*
 * Events without blocking, for an event loop: a socket of its own joined
 * to the events group; vsec_events_receive() calls @fn for each event
 * pending and returns 0 once none is, fn's non-zero value, or -ENOBUFS
 * if events were lost (the caller then reads the state again).
 */
struct vsec_events;

int vsec_events_open(struct vsec_events **e,
		     int (*fn)(const struct vsec_event *ev, void *arg),
		     void *arg);
int vsec_events_fd(const struct vsec_events *e);
int vsec_events_receive(struct vsec_events *e);
void vsec_events_close(struct vsec_events *e);

#endif /* VSEC_IPC_H */
