// SPDX-License-Identifier: GPL-2.0
/*
 * vsecd: the kvm-sec agent. kvm-sec.ko limits a VM's network and exits by
 * itself; what only the host's cgroups can do is here: the module's CPU
 * limit of a VM becomes the cpu.max of its vCPU threads, and HREM's advice
 * for a clean VM near its capacity a higher cpu.weight of its cgroup.
 * vsecd reports back to the module what it applied (shown by vsecctl),
 * runs the operator's hook for each change, and takes everything back when
 * its reason goes: the limit is lifted, the VM is destroyed, the module is
 * unloaded, or vsecd itself is stopped. After its own restart it finds
 * what it had applied (agent_state.c) and reconciles.
 *
 * It is level-triggered: an event only says which VM to look at again; the
 * module's GET_LIMITS is the truth, read again for that VM, and for every
 * VM every resync_s seconds and whenever events were lost.
 * Documentation/kvm-sec/agent.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/timerfd.h>
#include <sysexits.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/magic.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>

#include "agent.h"
#include "ipc.h"
#include "json.h"

struct agent {
	struct agent_conf conf;
	struct vsec_ipc *ipc;		/* requests */
	struct vsec_events *ev;		/* the module's events */
	struct nl_sock *ctrl;		/* nlctrl: the family comes and goes */
	bool family_new, family_del;
	struct agent_vm *vms;
	size_t nr, cap;
	uint32_t dirty[256];		/* VM IDs to look at again */
	unsigned int nr_dirty;
	bool resync;			/* every VM, again */
	struct agent_hooks hooks;
	struct {
		uint64_t events, lost, resyncs, applied, lifted, errors;
	} st;
};


#define say(...) fprintf(stderr, "vsecd: " __VA_ARGS__)

/* The records: found by VMM, added, dropped. */

static struct agent_vm *find_vm(struct agent *a, uint32_t pid, uint64_t start,
				uint32_t id)
{
	size_t i;

	for (i = 0; i < a->nr; i++)
		if (a->vms[i].pid == pid && a->vms[i].start == start &&
		    a->vms[i].id == id)
			return &a->vms[i];
	return NULL;
}

static struct agent_vm *find_id(struct agent *a, uint32_t id)
{
	size_t i;

	for (i = 0; i < a->nr; i++)
		if (id && a->vms[i].id == id)
			return &a->vms[i];
	return NULL;
}

static struct agent_vm *add_vm(struct agent *a, uint32_t pid, uint64_t start,
			       uint32_t id)
{
	if (a->nr == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 16;
		struct agent_vm *m = realloc(a->vms, cap * sizeof(*m));

		if (!m)
			return NULL;
		a->vms = m;
		a->cap = cap;
	}
	memset(&a->vms[a->nr], 0, sizeof(a->vms[0]));
	a->vms[a->nr].pid = pid;
	a->vms[a->nr].start = start;
	a->vms[a->nr].id = id;
	return &a->vms[a->nr++];
}

static void drop_vm(struct agent *a, struct agent_vm *v)
{
	free(v->orig);
	*v = a->vms[--a->nr];
}

static bool applied(const struct agent_vm *v)
{
	return v->capped || v->weight || v->nr_orig || v->advised;
}

/* The hook, and the log: one event as JSON. */

static void announce(struct agent *a, const struct agent_vm *v,
		     const char *action, const char *why)
{
	char *buf = NULL;
	size_t len = 0;
	struct json j;
	FILE *f;

	say("VM %" PRIu32 " (VMM %" PRIu32 "): %s (%s)%s%s\n", v->id, v->pid,
	    action, why, v->error ? ": " : "",
	    v->error ? strerror(v->error) : "");
	if (!a->conf.hook[0])
		return;
	f = open_memstream(&buf, &len);
	if (!f) {
		a->hooks.failed++;
		return;
	}
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_string(&j, "event", "vsecd");
	json_string(&j, "action", action);
	json_string(&j, "reason", why);
	json_u64(&j, "id", v->id);
	json_u64(&j, "pid", v->pid);
	json_string(&j, "cgroup", v->where.vmm);
	json_bool(&j, "cpu_capped", v->capped);
	json_u64(&j, "cpu_quota_us", v->capped ? v->quota : 0);
	json_u64(&j, "cpu_period_us", v->capped ? v->period : 0);
	json_u64(&j, "cpu_weight", v->weight);
	json_u64(&j, "threads", v->threads);
	json_string(&j, "recommendation",
		    v->weight || !strcmp(action, "more-resources") ?
		    "more-resources" : "none");
	if (v->error)
		json_string(&j, "error", strerror(v->error));
	json_end_object(&j);	/* and its newline */
	if (fclose(f)) {
		a->hooks.failed++;
		free(buf);
		return;
	}
	agent_hook_run(&a->conf, &a->hooks, buf);
	free(buf);
}

/* What is applied now, as the module shows it (KVM_SEC_A_VM_AGENT). */
static void report_of(const struct agent_vm *v, struct vsec_agent *r)
{
	memset(r, 0, sizeof(*r));
	r->present = true;
	if (v->capped) {
		r->cpu_quota_us = v->quota;
		r->cpu_period_us = v->period;
	}
	r->weight = v->weight;
	r->threads = v->threads;
	r->error = (uint32_t)v->error;
	if (v->capped && v->where.mode == AGENT_CG_OWN)
		agent_cg_child(&v->where, (pid_t)v->pid, v->id, r->cgroup,
			       sizeof(r->cgroup));
	else
		snprintf(r->cgroup, sizeof(r->cgroup), "%s", v->where.vmm);
}

static bool same_report(const struct vsec_agent *x, const struct vsec_agent *y)
{
	return x->present == y->present && x->cpu_quota_us == y->cpu_quota_us &&
	       x->cpu_period_us == y->cpu_period_us &&
	       x->weight == y->weight && x->threads == y->threads &&
	       x->error == y->error && !strcmp(x->cgroup, y->cgroup);
}

static void report(struct agent *a, struct agent_vm *v,
		   const struct vsec_agent *shown)
{
	struct vsec_agent r;
	int err;

	if (!a->ipc || !v->id)
		return;
	report_of(v, &r);
	if (shown && same_report(&r, shown))
		return;
	err = vsec_ipc_report_agent(a->ipc, v->id, &r);
	if (err && err != -ENOENT) {
		a->st.errors++;
		say("VM %" PRIu32 ": report not taken: %s\n", v->id,
		    strerror(-err));
	}
}

/* Applying and taking back. */

static void save(struct agent *a, struct agent_vm *v)
{
	int err;

	if (!applied(v)) {
		agent_state_remove(a->conf.state_dir, v);
		return;
	}
	err = agent_state_save(a->conf.state_dir, v);
	if (err) {
		a->st.errors++;
		say("%s: cannot record VMM %" PRIu32 ": %s\n",
		    a->conf.state_dir, v->pid, strerror(-err));
	}
}

/* libvirt: each vCPU thread's vcpuN cgroup, capped at its share. */
static int cap_libvirt(struct agent *a, struct agent_vm *v,
		       const struct vsec_limits *l, uint64_t quota,
		       uint32_t period)
{
	const char *root = a->conf.cgroup_root;
	unsigned int i, j, n = 0, moved = 0;
	uint64_t share;
	char val[64];
	int err;

	for (i = 0; i < l->nr_tids; i++)
		n += !!l->tids[i];
	if (!n)
		return 0;
	share = quota / n > 1000 ? quota / n : 1000;
	snprintf(val, sizeof(val), "%" PRIu64 " %" PRIu32, share, period);
	for (i = 0; i < l->nr_tids; i++) {
		char cg[AGENT_PATH_MAX], old[48];
		const char *base;

		if (!l->tids[i])
			continue;
		err = agent_cg_of((pid_t)v->pid, (pid_t)l->tids[i], cg,
				  sizeof(cg));
		if (err == -ESRCH)
			continue;
		if (err)
			return err;
		base = strrchr(cg, '/') + 1;
		if (strncmp(base, "vcpu", 4))
			return -EOPNOTSUPP;	/* not in libvirt's vcpuN */
		for (j = 0; j < v->nr_orig; j++)
			if (!strcmp(v->orig[j].cg, cg))
				break;
		if (j == v->nr_orig) {
			struct agent_orig *o;

			uint64_t q;
			uint32_t p;

			err = agent_cg_read(root, cg, "cpu.max", old,
					    sizeof(old));
			if (err)
				return err;
			/* Given back as it was: only what the kernel wrote. */
			if (agent_parse_cpu_max(old, &q, &p))
				return -EPROTO;
			o = realloc(v->orig, (v->nr_orig + 1) * sizeof(*o));
			if (!o)
				return -ENOMEM;
			v->orig = o;
			strcpy(o[j].cg, cg);
			strcpy(o[j].max, old);
			v->nr_orig++;
			save(a, v);	/* before it changes */
		}
		err = agent_cg_write(root, cg, "cpu.max", val);
		if (err)
			return err;
		moved++;
	}
	v->threads = moved;
	return 0;
}

static int uncap_libvirt(struct agent *a, struct agent_vm *v)
{
	int err, first = 0;

	while (v->nr_orig) {
		struct agent_orig *o = &v->orig[v->nr_orig - 1];

		err = agent_cg_write(a->conf.cgroup_root, o->cg, "cpu.max",
				     o->max);
		/* libvirt removed it with the VM: nothing to give back. */
		if (err && err != -ENOENT) {
			first = err;
			break;
		}
		v->nr_orig--;
	}
	return first;
}

static int uncap(struct agent *a, struct agent_vm *v)
{
	int err;

	if (v->where.mode == AGENT_CG_LIBVIRT)
		err = uncap_libvirt(a, v);
	else
		err = agent_cg_uncap(a->conf.cgroup_root, &v->where,
				     (pid_t)v->pid, v->id, v->cpu_enabled);
	if (!err) {
		v->capped = false;
		v->cpu_enabled = false;
		v->threads = 0;
	}
	return err;
}

static int restore_weight(struct agent *a, struct agent_vm *v)
{
	uint32_t now;
	size_t i;
	int err;

	/*
	 * A weight is its cgroup's: another VM of that cgroup still advised
	 * takes it over (and gives it back when its own advice ends).
	 */
	for (i = 0; i < a->nr; i++) {
		struct agent_vm *o = &a->vms[i];

		if (o == v || !o->advised || o->weight ||
		    strcmp(o->where.weigh, v->where.weigh))
			continue;
		o->weight = v->weight;
		o->weight_orig = v->weight_orig;
		save(a, o);
		v->weight = 0;
		return 0;
	}
	err = agent_cg_get_weight(a->conf.cgroup_root, v->where.weigh, &now);
	/* Gone with the VM, or changed by someone else since: theirs. */
	if (err == -ENOENT || (!err && now != v->weight))
		err = 0;
	else if (!err)
		err = agent_cg_set_weight(a->conf.cgroup_root, v->where.weigh,
					  v->weight_orig);
	if (!err)
		v->weight = 0;
	return err;
}

/* Everything of @v taken back; the record dropped once nothing is left. */
/* The module shows that nothing is applied for @v any more. */
static void report_none(struct agent *a, const struct agent_vm *v)
{
	struct vsec_agent none = { .present = true };
	int err;

	if (!a->ipc || !v->id)
		return;
	err = vsec_ipc_report_agent(a->ipc, v->id, &none);
	if (err && err != -ENOENT)
		a->st.errors++;
}

static void release(struct agent *a, struct agent_vm *v, const char *why)
{
	bool had_cap = v->capped, had_advice = v->advised || v->weight;
	int err = 0, err2 = 0;

	/* Each part on its own: a cap that stays keeps no weight up. */
	if (v->capped || v->nr_orig)
		err = uncap(a, v);
	if (v->weight)
		err2 = restore_weight(a, v);
	if (!err)
		err = err2;
	if (had_cap && !v->capped) {
		a->st.lifted++;
		announce(a, v, "cpu-cap-lifted", why);
	}
	if (had_advice && !v->weight) {
		v->advised = false;
		announce(a, v, "weight-restored", why);
	}
	if (!err) {
		v->error = 0;
		report_none(a, v);
	}
	if (err) {
		/* Kept, and tried again at the next reconciliation. */
		a->st.errors++;
		if (v->error != -err) {
			v->error = -err;
			announce(a, v, "release-failed", why);
		}
		save(a, v);
		return;
	}
	agent_state_remove(a->conf.state_dir, v);
	drop_vm(a, v);
}

/* The CPU limit of @v as @l has it: applied, changed, or taken back. */
static int reconcile_cap(struct agent *a, struct agent_vm *v,
			 const struct vsec_limits *l)
{
	const struct vsec_limit *cpu = &l->l[VSEC_CPU_LIMIT];
	const char *root = a->conf.cgroup_root;
	uint64_t quota = cpu->size;
	uint32_t period = cpu->refill_ms * 1000;
	unsigned int moved = 0;
	bool change, has;
	int err;

	if (!(cpu->present && cpu->size && cpu->refill_ms)) {
		if (!v->capped && !v->nr_orig)
			return 0;
		err = uncap(a, v);
		if (!err) {
			a->st.lifted++;
			announce(a, v, "cpu-cap-lifted", "limit lifted");
		}
		return err;
	}
	/* After a failed attempt, its success is announced too. */
	change = !v->capped || v->quota != quota || v->period != period ||
		 v->error;
	v->capped = true;
	v->quota = quota;
	v->period = period;
	if (v->where.mode == AGENT_CG_LIBVIRT) {
		save(a, v);	/* before it changes */
		err = cap_libvirt(a, v, l, quota, period);
	} else {
		/* Whose the cpu controller of the VMM's children is: known first. */
		err = agent_cg_has_cpu(root, v->where.vmm, &has);
		if (err)
			return err;
		/*
		 * Enabled by vsecd for another VM of that cgroup: whichever
		 * of them is taken back last disables it.
		 */
		for (size_t i = 0; has && i < a->nr; i++)
			if (&a->vms[i] != v && a->vms[i].cpu_enabled &&
			    !strcmp(a->vms[i].where.vmm, v->where.vmm))
				v->cpu_enabled = true;
		if (!has)
			v->cpu_enabled = true;
		save(a, v);	/* before it changes */
		err = agent_cg_cap(root, &v->where, (pid_t)v->pid, v->id,
				   l->tids, l->nr_tids, quota, period, &moved);
		v->threads = moved;
	}
	if (!err && change) {
		a->st.applied++;
		announce(a, v, "cpu-cap-applied",
			 cpu->set_by == KVM_SEC_LIMIT_OWNER_ADMIN ?
			 "set by admin" : "set by HSEM");
	}
	return err;
}

/* HREM's advice for @v as @l has it: more weight, or its own back. */
static int reconcile_weight(struct agent *a, struct agent_vm *v,
			    const struct vsec_limits *l)
{
	const char *root = a->conf.cgroup_root;
	uint32_t orig, w;
	int err = 0;

	if (!l->near_capacity) {
		if (v->weight)
			err = restore_weight(a, v);
		if (!err && v->advised) {
			v->advised = false;
			announce(a, v, "weight-restored",
				 "HREM: no longer near capacity");
		}
		return err;
	}
	if (v->advised || v->weight) {
		/* Applied already (a record of a previous run, or a retry). */
		v->advised = true;
		return 0;
	}
	if (!v->where.weigh[0])
		return -EOPNOTSUPP;	/* the root: nothing to weigh */
	err = agent_cg_enable_cpu_above(root, v->where.weigh);
	if (!err)
		err = agent_cg_get_weight(root, v->where.weigh, &orig);
	if (err)
		return err;
	w = agent_more_weight(&a->conf, orig);
	v->advised = true;
	if (w != orig) {
		v->weight_orig = orig;
		v->weight = w;
		save(a, v);	/* before it changes */
		err = agent_cg_set_weight(root, v->where.weigh, w);
		if (err) {
			v->weight = 0;
			v->advised = false;
			return err;
		}
	}
	save(a, v);
	announce(a, v, "more-resources", "HREM: near capacity, clean");
	return 0;
}

/* One VM, as the module shows it now. */
static void reconcile(struct agent *a, uint32_t id, const struct vsec_limits *l)
{
	const struct vsec_limit *cpu = &l->l[VSEC_CPU_LIMIT];
	bool want = (cpu->present && cpu->size) || l->near_capacity;
	struct agent_vm *v, *old;
	uint64_t start;
	int err, err2;

	if (!l->pid)
		return;
	start = agent_proc_start((pid_t)l->pid);
	old = find_id(a, id);
	if (old && (old->pid != l->pid || old->start != start))
		release(a, old, "VMM gone");
	v = start ? find_vm(a, l->pid, start, id) : NULL;
	if (!v) {
		/* Nothing to apply and nothing applied: nothing to keep. */
		if (!start || !want) {
			/* A report of a previous run: nothing applied now. */
			if (l->agent.cpu_quota_us || l->agent.weight ||
			    l->agent.error) {
				struct agent_vm tmp = { .id = id };

				report_none(a, &tmp);
			}
			return;
		}
		v = add_vm(a, l->pid, start, id);
		if (!v) {
			a->st.errors++;
			return;
		}
	}
	v->seen = true;
	if (!want && !applied(v)) {
		/* Only an error was left (a cgroup refused): its reason went. */
		agent_state_remove(a->conf.state_dir, v);
		report_none(a, v);
		drop_vm(a, v);
		return;
	}
	err = 0;
	if (!applied(v))
		err = agent_cg_find(a->conf.cgroup_root, (pid_t)v->pid,
				    &v->where);
	/* Each on its own: a cap that fails keeps no weight up. */
	if (!err) {
		err = reconcile_cap(a, v, l);
		err2 = reconcile_weight(a, v, l);
		if (!err)
			err = err2;
	}
	if (err) {
		a->st.errors++;
		if (v->error != -err) {
			v->error = -err;
			announce(a, v, "failed", "cgroup");
		}
	} else {
		v->error = 0;
	}
	save(a, v);
	report(a, v, &l->agent);
	if (!applied(v) && !v->error) {
		agent_state_remove(a->conf.state_dir, v);
		drop_vm(a, v);
	}
}

/* The module: opened, lost, read again. */

static int on_event(const struct vsec_event *ev, void *arg)
{
	struct agent *a = arg;
	struct agent_vm *v;
	unsigned int i;

	a->st.events++;
	if (ev->cmd == KVM_SEC_CMD_VM_DEL) {
		v = find_id(a, ev->vm.id);
		if (v)
			release(a, v, "VM destroyed");
		return 0;
	}
	for (i = 0; i < a->nr_dirty; i++)
		if (a->dirty[i] == ev->vm.id)
			return 0;
	if (a->nr_dirty == sizeof(a->dirty) / sizeof(a->dirty[0]))
		a->resync = true;	/* too many at once: every VM */
	else
		a->dirty[a->nr_dirty++] = ev->vm.id;
	return 0;
}

static void close_module(struct agent *a)
{
	vsec_events_close(a->ev);
	vsec_ipc_close(a->ipc);
	a->ev = NULL;
	a->ipc = NULL;
}

static int open_module(struct agent *a)
{
	int err;

	err = vsec_events_open(&a->ev, on_event, a);
	if (!err)
		err = vsec_ipc_open(&a->ipc);
	if (err) {
		close_module(a);
		return err;
	}
	a->resync = true;
	say("kvm-sec module found: reconciling every VM\n");
	return 0;
}

static void release_all(struct agent *a, const char *why)
{
	size_t i = 0;

	while (i < a->nr) {
		size_t before = a->nr;

		release(a, &a->vms[i], why);
		/* Kept for another try: on to the next. */
		if (a->nr == before)
			i++;
	}
}

static void write_status(struct agent *a)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	unsigned int capped = 0, weighted = 0;
	struct json j;
	size_t i;
	FILE *f;

	for (i = 0; i < a->nr; i++) {
		capped += a->vms[i].capped;
		weighted += !!a->vms[i].weight;
	}
	snprintf(path, sizeof(path), "%s/status.json", a->conf.state_dir);
	snprintf(tmp, sizeof(tmp), "%s/status.json.tmp", a->conf.state_dir);
	f = fopen(tmp, "we");
	if (!f)
		return;
	json_init(&j, f);
	json_begin_object(&j, NULL);
	json_bool(&j, "module", a->ipc != NULL);
	json_u64(&j, "vms", a->nr);
	json_u64(&j, "capped", capped);
	json_u64(&j, "weighted", weighted);
	json_u64(&j, "events", a->st.events);
	json_u64(&j, "events_lost", a->st.lost);
	json_u64(&j, "resyncs", a->st.resyncs);
	json_u64(&j, "applied", a->st.applied);
	json_u64(&j, "lifted", a->st.lifted);
	json_u64(&j, "errors", a->st.errors);
	json_begin_object(&j, "hooks");
	json_u64(&j, "run", a->hooks.run);
	json_u64(&j, "failed", a->hooks.failed);
	json_u64(&j, "dropped", a->hooks.dropped);
	json_u64(&j, "killed", a->hooks.killed);
	json_end_object(&j);
	json_end_object(&j);
	if (!fclose(f))
		rename(tmp, path);
}

static void resync_all(struct agent *a)
{
	struct vsec_vm_limits *all = NULL;
	size_t nr = 0, i;
	int err;

	a->resync = false;
	a->nr_dirty = 0;
	a->st.resyncs++;
	err = vsec_ipc_dump_limits(a->ipc, &all, &nr);
	if (err) {
		a->st.errors++;
		say("cannot read the VMs' limits: %s\n", strerror(-err));
		return;
	}
	for (i = 0; i < a->nr; i++)
		a->vms[i].seen = false;
	for (i = 0; i < nr; i++)
		reconcile(a, all[i].id, &all[i].l);
	free(all);
	/* What the module no longer tracks: its reason is gone. */
	for (i = 0; i < a->nr;) {
		size_t before = a->nr;

		if (!a->vms[i].seen)
			release(a, &a->vms[i], "VM no longer tracked");
		if (a->nr == before)
			i++;
	}
	write_status(a);
}

static void look_again(struct agent *a)
{
	unsigned int i, n = a->nr_dirty;
	static struct vsec_limits l;

	a->nr_dirty = 0;
	for (i = 0; i < n && !a->resync; i++) {
		uint32_t id = a->dirty[i];
		int err = vsec_ipc_get_limits(a->ipc, id, &l);

		if (err == -ENOENT) {
			struct agent_vm *v = find_id(a, id);

			if (v)
				release(a, v, "VM gone");
			continue;
		}
		if (err) {
			a->st.errors++;
			a->resync = true;
			continue;
		}
		reconcile(a, id, &l);
	}
}

/* nlctrl's notifications: kvm_sec registered or gone (load, unload). */
static int on_ctrl(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct genlmsghdr *gh = nlmsg_data(nlh);
	struct nlattr *tb[CTRL_ATTR_MAX + 1];
	struct agent *a = arg;

	if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 ||
	    !tb[CTRL_ATTR_FAMILY_NAME] ||
	    strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]),
		   KVM_SEC_GENL_NAME))
		return NL_SKIP;
	if (gh->cmd == CTRL_CMD_NEWFAMILY)
		a->family_new = true;
	else if (gh->cmd == CTRL_CMD_DELFAMILY)
		a->family_del = true;
	return NL_OK;
}

static int open_ctrl(struct agent *a)
{
	int grp;

	a->ctrl = nl_socket_alloc();
	if (!a->ctrl || genl_connect(a->ctrl) < 0)
		return -EIO;
	grp = genl_ctrl_resolve_grp(a->ctrl, "nlctrl", "notify");
	if (grp < 0 || nl_socket_add_membership(a->ctrl, grp) < 0)
		return -EIO;
	nl_socket_disable_seq_check(a->ctrl);
	nl_socket_modify_cb(a->ctrl, NL_CB_VALID, NL_CB_CUSTOM, on_ctrl, a);
	nl_socket_set_nonblocking(a->ctrl);
	return 0;
}

static void read_ctrl(struct agent *a)
{
	struct nl_cb *cb = nl_socket_get_cb(a->ctrl);

	while (nl_recvmsgs_report(a->ctrl, cb) > 0)
		;
	nl_cb_put(cb);
	if (a->family_del) {
		a->family_del = false;
		if (a->ipc) {
			say("kvm-sec module unloaded: lifting what was applied\n");
			close_module(a);
			release_all(a, "module unloaded");
			write_status(a);
		}
	}
	if (a->family_new) {
		a->family_new = false;
		if (!a->ipc && open_module(a))
			say("kvm-sec module loaded but not usable yet\n");
	}
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: vsecd [--config FILE]\n"
"       vsecd --status [--config FILE]\n"
"\n"
"The kvm-sec agent: applies a VM's CPU limit (kvm-sec.ko's, set by HSEM or\n"
"'vsecctl limit ID cpu ...') as the cgroup v2 cpu.max of its vCPU threads,\n"
"and gives a clean VM near its capacity (HREM) a higher cpu.weight; takes\n"
"both back when their reason goes, and reports to the module what it\n"
"applied. Runs in the foreground (a systemd service); SIGTERM takes back\n"
"everything, SIGHUP reads every VM again.\n"
"\n"
"  --config FILE   configuration (default /etc/kvm-sec/vsecd.conf; see\n"
"                  vsecd(8) for its keys)\n"
"  --status        print the running agent's counters (its status.json)\n"
"  --help          this help\n"
"\n"
"Exit status: 0 after SIGTERM/SIGINT, 64 on usage, 78 on a bad\n"
"configuration, 72 if the cgroup root is not cgroup v2, 73 if the state\n"
"directory cannot be made, 71 on a system error.\n");
}

static int run(struct agent *a)
{
	struct itimerspec every = { { a->conf.resync_s, 0 },
				    { a->conf.resync_s, 0 } };
	struct agent_vm *old;
	size_t nr_old, i;
	sigset_t mask;
	int sfd, tfd, err;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (sfd < 0 || tfd < 0 || timerfd_settime(tfd, 0, &every, NULL)) {
		say("cannot set up signals and timers: %s\n", strerror(errno));
		return EX_OSERR;
	}
	if (open_ctrl(a)) {
		say("cannot watch generic netlink families\n");
		return EX_OSERR;
	}
	/* What a previous vsecd applied: taken over, reconciled below. */
	err = agent_state_load(a->conf.state_dir, &old, &nr_old);
	if (err)
		say("%s: %s\n", a->conf.state_dir, strerror(-err));
	for (i = 0; i < nr_old; i++) {
		struct agent_vm *v = add_vm(a, old[i].pid, old[i].start,
					    old[i].id);

		if (v)
			*v = old[i];
		else
			free(old[i].orig);
	}
	free(old);
	if (a->nr)
		say("found %zu record(s) of a previous run\n", a->nr);
	err = open_module(a);
	if (err) {
		say("kvm-sec module not loaded: waiting for it\n");
		release_all(a, "module not loaded");
	}
	write_status(a);
	say("running\n");

	for (;;) {
		struct pollfd p[4] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = tfd, .events = POLLIN },
			{ .fd = nl_socket_get_fd(a->ctrl), .events = POLLIN },
			{ .fd = a->ev ? vsec_events_fd(a->ev) : -1,
			  .events = POLLIN },
		};

		if (a->ipc && a->resync)
			resync_all(a);
		if (a->ipc && a->nr_dirty)
			look_again(a);
		if (poll(p, 4, agent_hook_next_timeout(&a->conf)) < 0 &&
		    errno != EINTR) {
			say("poll: %s\n", strerror(errno));
			return EX_OSERR;
		}
		agent_hook_reap(&a->conf, &a->hooks);
		if (p[0].revents & POLLIN) {
			struct signalfd_siginfo si;

			if (read(sfd, &si, sizeof(si)) == sizeof(si)) {
				if (si.ssi_signo == SIGTERM ||
				    si.ssi_signo == SIGINT)
					break;
				if (si.ssi_signo == SIGHUP)
					a->resync = true;
			}
		}
		if (p[1].revents & POLLIN) {
			uint64_t ticks;

			if (read(tfd, &ticks, sizeof(ticks)) == sizeof(ticks))
				a->resync = true;
			/* A load whose notification was missed, or too early. */
			if (!a->ipc)
				open_module(a);
		}
		if (p[2].revents & POLLIN)
			read_ctrl(a);
		if (a->ev && (p[3].revents & POLLIN)) {
			err = vsec_events_receive(a->ev);
			if (err == -ENOBUFS) {
				a->st.lost++;
				a->resync = true;
			} else if (err) {
				say("events: %s\n", strerror(-err));
				a->resync = true;
			}
		}
	}
	say("stopping: taking back what was applied\n");
	release_all(a, "vsecd stopped");
	write_status(a);
	return EX_OK;
}

static int print_status(const struct agent_conf *c)
{
	char path[PATH_MAX], buf[4096];
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "%s/status.json", c->state_dir);
	f = fopen(path, "re");
	if (!f) {
		fprintf(stderr, "vsecd: %s: %s (is vsecd running?)\n", path,
			strerror(errno));
		return EX_UNAVAILABLE;
	}
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fwrite(buf, 1, n, stdout);
	return EX_OK;
}

/* @dir and its parents, as mkdir -p; 0 or -1 (errno). */
static int mkdir_p(const char *dir)
{
	char path[PATH_MAX], *p;

	if (strlen(dir) >= sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(path, dir);
	for (p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return mkdir(path, 0700) && errno != EEXIST ? -1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "status", no_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *config = "/etc/kvm-sec/vsecd.conf";
	static struct agent a;
	bool status = false, given = false;
	char err[300];
	struct statfs sf;
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			config = optarg;
			given = true;
			break;
		case 's':
			status = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return EX_USAGE;
	}
	agent_conf_defaults(&a.conf);
	if (agent_conf_load(&a.conf, config, given, err, sizeof(err))) {
		fprintf(stderr, "vsecd: %s\n", err);
		return EX_CONFIG;
	}
	if (status)
		return print_status(&a.conf);
	if (statfs(a.conf.cgroup_root, &sf) || sf.f_type != CGROUP2_SUPER_MAGIC) {
		fprintf(stderr, "vsecd: %s is not a cgroup v2 file system\n",
			a.conf.cgroup_root);
		return EX_OSFILE;
	}
	if (mkdir_p(a.conf.state_dir)) {
		fprintf(stderr, "vsecd: %s: %s\n", a.conf.state_dir,
			strerror(errno));
		return EX_CANTCREAT;
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	return run(&a);
}
