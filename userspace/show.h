/* SPDX-License-Identifier: GPL-2.0 */
/* vsecctl's output: aligned tables for people, JSON for programs. */
#ifndef VSEC_SHOW_H
#define VSEC_SHOW_H

#include <stddef.h>
#include <stdio.h>

#include "json.h"
#include "vsec.h"

void show_vm_list(FILE *f, const struct vsec_vm *vms, size_t nr);
void show_vm(FILE *f, const struct vsec_vm *vm);
void show_config(FILE *f, const struct vsec_config *cfg);
void show_status(FILE *f, const struct vsec_status *st);
void show_event(FILE *f, const struct vsec_event *ev);

void json_vm(struct json *j, const char *key, const struct vsec_vm *vm);
/* The network section (show_net.c). */
void show_net(FILE *f, const struct vsec_net *n);
void json_net(struct json *j, const struct vsec_net *n);
void json_config(struct json *j, const struct vsec_config *cfg);
/* Prometheus text exposition (show_prom.c); @st may be NULL. */
void show_prometheus(FILE *f, const struct vsec_vm *vms, size_t nr,
		     const struct vsec_status *st);
/* HSEM's decisions and the rule (show_decision.c). */
void show_decision(FILE *f, const struct vsec_decision *d);
void show_rule(FILE *f, const struct vsec_rule *r);
/* HSEM's limits while it watches a VM, if the module has them. */
void show_rule_limits(FILE *f, const struct vsec_rule *r);
void show_decision_event(FILE *f, const struct vsec_event *ev);
void json_decision(struct json *j, const char *key,
		   const struct vsec_decision *d);
void json_rule(struct json *j, const char *key, const struct vsec_rule *r);
void json_status(struct json *j, const struct vsec_status *st);
/* Network limits (show_limit.c). */
void show_limits(FILE *f, const struct vsec_limits *l);
void show_limit_event(FILE *f, const struct vsec_event *ev);
void json_limits(struct json *j, const char *key, const struct vsec_limits *l);
/* The agent's report: a line for people, an object for JSON. */
void show_agent(FILE *f, const struct vsec_agent *g);
void json_block(struct json *j, const char *key, const struct vsec_block *b);
void json_agent(struct json *j, const char *key, const struct vsec_agent *g);
/* The event's members inside its object: event, id, reason, limits. */
void json_limit_event(struct json *j, const struct vsec_event *ev);
void json_event(struct json *j, const struct vsec_event *ev);

/* "10.0.0.0/8", "fd00::/8" */
void format_prefix(char *buf, size_t len, const struct virtio_vsem_prefix *p);

/* "3d4h", "2m05s", "17s": a duration in seconds, for people. */
void format_duration(char *buf, size_t len, uint64_t seconds);

#endif /* VSEC_SHOW_H */
