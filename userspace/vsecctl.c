// SPDX-License-Identifier: GPL-2.0
/*
 * vsecctl: the administrator's view of kvm-sec.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "escape.h"
#include "ipc.h"
#include "json.h"
#include "show.h"
#include "state_file.h"
#include "vsec.h"

#ifndef VSEC_VERSION
#define VSEC_VERSION "0.1"
#endif

/* Exit statuses, documented in vsecctl(8). */
enum {
	EX_OK = 0,
	EX_FAIL = 1,
	EX_USAGE = 2,
	EX_NOMODULE = 3,
	EX_NOVM = 4,
	EX_PERM = 5,
};

static const char *prog = "vsecctl";
static bool opt_json;

static void usage(FILE *f)
{
	fprintf(f,
"Usage: %s [--json] COMMAND [ARGS]\n"
"\n"
"Show and configure kvm-sec, the KVM host security and reliability monitor.\n"
"\n"
"Commands:\n"
"  list                      all VMs on this host, one line each (needs\n"
"                            CAP_NET_ADMIN, as everything about VMs)\n"
"  show VM-ID                one VM in detail, with its guest's flows\n"
"  show --pid PID            the VMs of the VMM process PID\n"
"  config                    the module's configuration\n"
"  config set KEY VALUE      change it (needs CAP_NET_ADMIN); keys:\n"
"                              interval-ms  sampling interval, %d..%d\n"
"                              prefixes     the provider's address prefixes,\n"
"                                           e.g. 10.0.0.0/8,fd00::/8 (at most\n"
"                                           8), or none\n"
"                              migration-key  FILE of 16 to 64 bytes (mode\n"
"                                           600), the same on every host VMs\n"
"                                           migrate between, or none: seals\n"
"                                           VMs' states for live migration\n"
"                              k            anomaly rule: K spreads above the\n"
"                                           mean (0.1..100, default 4)\n"
"                              m, n         out of line in M of the last N\n"
"                                           intervals (1 <= M <= N <= 32;\n"
"                                           default 2 of 3)\n"
"                              warm         intervals learned before the\n"
"                                           history is used (default 20)\n"
"                              decide       intervals at level 2 without\n"
"                                           evidence before 'clear' (5)\n"
"                              calm         calm intervals that end level 2 (5)\n"
"                              limit-level2 while a VM is at level 2, what it\n"
"                                           sends is limited to this %% of the\n"
"                                           rule's limit for it (200; 0: none)\n"
"                              limit-attack ... judged attacker or overflow\n"
"                                           (100; 0: none)\n"
"  set VM-ID KEY VALUE ...   the VM's own rule (k, m, n, warm, decide,\n"
"                            calm, limit-level2, limit-attack); VALUE\n"
"                            'global' gives the key back to the\n"
"                            configuration (needs CAP_NET_ADMIN)\n"
"  level VM-ID auto|1|2      command the VM's monitoring level, on the host\n"
"                            and in its guest driver (needs CAP_NET_ADMIN);\n"
"                            auto: HSEM and the driver decide\n"
"  interval VM-ID MS|default command the report interval of the VM's guest\n"
"                            driver, %d..%d ms (needs CAP_NET_ADMIN)\n"
"  netdev VM-ID add|del IFNAME\n"
"                            bind a network device to the VM (or unbind\n"
"                            it): its traffic is counted as the VM's. Taps\n"
"                            the VMM holds are found without this (needs\n"
"                            CAP_NET_ADMIN)\n"
"  limit VM-ID LIMIT VALUE ...\n"
"                            limit the VM's network in its tap hooks, or its\n"
"                            exits (needs CAP_NET_ADMIN). LIMIT: tx-packets,\n"
"                            rx-packets, tx-bytes, rx-bytes, tx-syn, rx-syn\n"
"                            (tx: what the VM sends; syn: new TCP\n"
"                            connections; a frame over its limit is\n"
"                            dropped), hypercalls, pio, mmio (exits of that\n"
"                            class; a vCPU over its limit waits), cpu (us of\n"
"                            CPU for the vCPU threads each REFILL_MS, 1..1000:\n"
"                            applied by vsecd as their cgroup's cpu.max).\n"
"                            VALUE: SIZE[/REFILL_MS][+BURST], a token bucket\n"
"                            of SIZE refilled in REFILL_MS (1000), plus a\n"
"                            one-time BURST; or off. block-tx, block-rx:\n"
"                            drop what the VM sends to (receives from) peers\n"
"                            of these classes, comma-separated: outside,\n"
"                            inside, this-host, link; or off\n"
"  limit VM-ID off           lift all of the VM's limits\n"
"  save FILE                 every VM's security state (history, level,\n"
"                            verdict, own rule, the admin's limits) into\n"
"                            FILE, mode 0600, for a module reload (needs\n"
"                            CAP_NET_ADMIN)\n"
"  restore [--check] FILE    give each VM still running the state FILE\n"
"                            holds of it (found by its VMM's PID and start\n"
"                            time); all is checked first, and a file or\n"
"                            state refused changes nothing. --check: only\n"
"                            check (needs CAP_NET_ADMIN)\n"
"  status                    module-wide counters (drops, refusals, ...)\n"
"  stats --prometheus        every VM's counters, level and verdict and the\n"
"                            module's status in the Prometheus text format\n"
"                            (needs CAP_NET_ADMIN)\n"
"  monitor [--count N]       VMs appearing and disappearing, level changes,\n"
"                            verdicts with their reasons, clean VMs near\n"
"                            their capacity (HREM) and limits set or\n"
"                            lifted, until interrupted (or N events; needs\n"
"                            CAP_NET_ADMIN)\n"
"\n"
"Options:\n"
"  -j, --json                machine-readable output with stable keys\n"
"  -h, --help                this help\n"
"  -V, --version             version\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage or bad value, 3 module not\n"
"loaded, 4 no such VM, 5 permission denied. See vsecctl(8).\n",
		prog, KVM_SEC_INTERVAL_MIN_MS, KVM_SEC_INTERVAL_MAX_MS,
		VIRTIO_VSEM_INTERVAL_MIN_MS, VIRTIO_VSEM_INTERVAL_MAX_MS);
}

__attribute__((format(printf, 1, 2)))
static int fail_usage(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "; see '%s --help'\n", prog);
	return EX_USAGE;
}

/* One line that says what went wrong and what to do; the exit status. */
static int fail_ipc(struct vsec_ipc *ipc, int err, const char *what)
{
	const char *msg = ipc ? vsec_ipc_error_msg(ipc) : NULL;

	switch (err) {
	case -ENOENT:
		if (!ipc) {
			fprintf(stderr,
				"%s: kvm-sec is not loaded (no netlink family %s): load it with 'modprobe kvm-sec'\n",
				prog, KVM_SEC_GENL_NAME);
			return EX_NOMODULE;
		}
		fprintf(stderr, "%s: %s: no such VM%s%s; 'vsecctl list' shows the VMs\n",
			prog, what, msg ? ": " : "", msg ? msg : "");
		return EX_NOVM;
	case -EPERM:
	case -EACCES:
		fprintf(stderr,
			"%s: %s: permission denied: this needs CAP_NET_ADMIN (run it as root)\n",
			prog, what);
		return EX_PERM;
	case -EINVAL:
	case -ERANGE:
		fprintf(stderr, "%s: %s: invalid value%s%s\n", prog, what,
			msg ? ": " : "", msg ? msg : "");
		return EX_USAGE;
	default:
		fprintf(stderr, "%s: %s: %s%s%s\n", prog, what, strerror(-err),
			msg ? ": " : "", msg ? msg : "");
		return EX_FAIL;
	}
}

static int open_ipc(struct vsec_ipc **ipc)
{
	int err = vsec_ipc_open(ipc);

	if (err)
		return fail_ipc(NULL, err, "cannot reach kvm-sec");
	return EX_OK;
}

/* Strict unsigned decimal in [min, max]. */
static bool parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v;
	char *end;

	/* strtoull() would take leading blanks and signs. */
	if (!s || !isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * Commands without options of their own take --json after the command name
 * too ("vsecctl list --json"); remove it from argv and return the new argc.
 */
static int take_json(int argc, char **argv)
{
	int i, n = 0;

	for (i = 0; i < argc; i++) {
		if (i && (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))) {
			opt_json = true;
			continue;
		}
		argv[n++] = argv[i];
	}
	return n;
}

static int cmd_list(int argc, char **argv)
{
	struct vsec_ipc *ipc;
	struct vsec_vm *vms;
	size_t nr, i;
	int err, ret;

	argc = take_json(argc, argv);
	if (argc > 1)
		return fail_usage("list takes no argument ('%s')", argv[1]);
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_list_vms(ipc, 0, &vms, &nr);
	if (err) {
		ret = fail_ipc(ipc, err, "list");
		goto out;
	}
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_begin_array(&j, NULL);
		for (i = 0; i < nr; i++)
			json_vm(&j, NULL, &vms[i]);
		json_end_array(&j);
	} else {
		show_vm_list(stdout, vms, nr);
	}
	free(vms);
out:
	vsec_ipc_close(ipc);
	return ret;
}

static int cmd_show(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "pid", required_argument, NULL, 'p' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct vsec_vm *vms = NULL, one;
	uint32_t id = 0, pid = 0;
	struct vsec_ipc *ipc;
	char what[64];
	size_t nr = 0, i;
	int c, err, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+p:j", opts, NULL)) != -1) {
		switch (c) {
		case 'p':
			if (!parse_u32(optarg, 1, INT32_MAX, &pid))
				return fail_usage("--pid needs a process ID, not '%s'",
						  optarg);
			break;
		case 'j':
			opt_json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (!pid && optind != argc - 1)
		return fail_usage("show needs a VM ID or --pid PID");
	if (pid && optind != argc)
		return fail_usage("give a VM ID or --pid, not both ('%s')",
				  argv[optind]);
	if (!pid && !parse_u32(argv[optind], 1, INT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[optind]);

	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	if (pid) {
		snprintf(what, sizeof(what), "VMM pid %" PRIu32, pid);
		err = vsec_ipc_list_vms(ipc, pid, &vms, &nr);
		if (!err && !nr)
			err = -ENOENT;
	} else {
		snprintf(what, sizeof(what), "VM %" PRIu32, id);
		err = vsec_ipc_get_vm(ipc, id, &one);
		vms = &one;
		nr = 1;
	}
	if (err) {
		ret = fail_ipc(ipc, err, what);
		goto out;
	}
	/*
	 * The guest's flows come apart. Without them (the VM went meanwhile,
	 * reports kept replacing them, an older module) the VM is shown all
	 * the same, and says so.
	 */
	for (i = 0; i < nr; i++) {
		err = vsec_ipc_get_decision(ipc, vms[i].id, &vms[i].decision);
		/* A module without HSEM (EOPNOTSUPP): nothing to show. */
		if (err && err != -ENOENT && err != -EOPNOTSUPP)
			fprintf(stderr, "%s: VM %" PRIu32 ": decision not shown: %s\n",
				prog, vms[i].id, strerror(-err));
		err = vsec_ipc_get_limits(ipc, vms[i].id, &vms[i].limits);
		if (err && err != -ENOENT && err != -EOPNOTSUPP)
			fprintf(stderr, "%s: VM %" PRIu32 ": limits not shown: %s\n",
				prog, vms[i].id, strerror(-err));
		if (!vms[i].guest.present)
			continue;
		err = vsec_ipc_get_flows(ipc, vms[i].id, &vms[i].guest);
		if (err && err != -ENOENT)
			fprintf(stderr, "%s: VM %" PRIu32 ": flows not shown: %s\n",
				prog, vms[i].id, strerror(-err));
	}
	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		if (pid)
			json_begin_array(&j, NULL);
		for (i = 0; i < nr; i++)
			json_vm(&j, NULL, &vms[i]);
		if (pid)
			json_end_array(&j);
	} else {
		for (i = 0; i < nr; i++) {
			if (i)
				putchar('\n');
			show_vm(stdout, &vms[i]);
		}
	}
out:
	if (vms != &one)
		free(vms);
	vsec_ipc_close(ipc);
	return ret;
}

/* "10.0.0.0/8,fd00::/8" or "none"; false (after a message) if invalid. */
static bool parse_prefixes(const char *arg, struct virtio_vsem_prefix *p,
			   unsigned int *nr)
{
	char *copy, *tok, *save = NULL;
	bool ok = true;

	*nr = 0;
	if (!strcmp(arg, "none"))
		return true;
	copy = strdup(arg);
	if (!copy)
		return false;
	for (tok = strtok_r(copy, ",", &save); tok && ok;
	     tok = strtok_r(NULL, ",", &save)) {
		struct virtio_vsem_prefix *q = &p[*nr];
		char *slash = strchr(tok, '/');
		unsigned int max, bits, i;
		uint32_t len;

		if (*nr == KVM_SEC_MAX_PREFIXES) {
			fprintf(stderr, "%s: at most %d prefixes\n", prog,
				KVM_SEC_MAX_PREFIXES);
			ok = false;
			break;
		}
		memset(q, 0, sizeof(*q));
		if (slash)
			*slash = '\0';
		if (inet_pton(AF_INET, tok, q->addr) == 1) {
			q->family = 4;
			max = 32;
		} else if (inet_pton(AF_INET6, tok, q->addr) == 1) {
			q->family = 6;
			max = 128;
		} else {
			fprintf(stderr, "%s: '%s' is not an IPv4 or IPv6 address\n",
				prog, tok);
			ok = false;
			break;
		}
		if (!slash || !parse_u32(slash + 1, 0, max, &len)) {
			fprintf(stderr, "%s: '%s' needs a prefix length /0../%u\n",
				prog, tok, max);
			ok = false;
			break;
		}
		q->prefix_len = (uint8_t)len;
		/* Bits beyond the length must be zero: no ambiguous prefixes. */
		for (i = 0, bits = len; i < max / 8; i++, bits = bits > 8 ? bits - 8 : 0) {
			uint8_t mask = bits >= 8 ? 0xff : (uint8_t)(0xff00 >> bits);

			if (q->addr[i] & (uint8_t)~mask) {
				fprintf(stderr, "%s: '%s/%u' has bits set beyond its length\n",
					prog, tok, len);
				ok = false;
				break;
			}
		}
		(*nr)++;
	}
	free(copy);
	return ok;
}

/* level and interval: "COMMAND VM-ID VALUE", sent with SET_VM. */
static int command_vm(const char *what, uint32_t id, int level,
		      int64_t interval_ms)
{
	struct vsec_ipc *ipc;
	int err, ret;

	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_command_vm(ipc, id, level, interval_ms);
	ret = err ? fail_ipc(ipc, err, what) : EX_OK;
	vsec_ipc_close(ipc);
	return ret;
}

static int cmd_level(int argc, char **argv)
{
	uint32_t id, level;

	if (argc != 3)
		return fail_usage("level needs VM-ID and auto, 1 or 2");
	if (!parse_u32(argv[1], 1, UINT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[1]);
	if (!strcmp(argv[2], "auto"))
		level = 0;
	else if (!parse_u32(argv[2], 1, 2, &level))
		return fail_usage("the level is auto, 1 or 2, not '%s'", argv[2]);
	return command_vm("level", id, (int)level, -1);
}

static int cmd_interval(int argc, char **argv)
{
	uint32_t id, ms;

	if (argc != 3)
		return fail_usage("interval needs VM-ID and milliseconds or default");
	if (!parse_u32(argv[1], 1, UINT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[1]);
	if (!strcmp(argv[2], "default"))
		ms = 0;
	else if (!parse_u32(argv[2], VIRTIO_VSEM_INTERVAL_MIN_MS,
			    VIRTIO_VSEM_INTERVAL_MAX_MS, &ms))
		return fail_usage("the interval is %d to %d ms or default, not '%s'",
				  VIRTIO_VSEM_INTERVAL_MIN_MS,
				  VIRTIO_VSEM_INTERVAL_MAX_MS, argv[2]);
	return command_vm("interval", id, -1, ms);
}

static int cmd_netdev(int argc, char **argv)
{
	struct vsec_ipc *ipc;
	bool add;
	uint32_t id;
	int err, ret;

	if (argc != 4)
		return fail_usage("netdev needs VM-ID, add or del, and a device name");
	if (!parse_u32(argv[1], 1, UINT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[1]);
	if (strcmp(argv[2], "add") && strcmp(argv[2], "del"))
		return fail_usage("netdev takes add or del, not '%s'", argv[2]);
	add = !strcmp(argv[2], "add");
	if (!*argv[3] || strlen(argv[3]) >= 16 || strchr(argv[3], '/'))
		return fail_usage("'%s' is not a network device name", argv[3]);
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_netdev(ipc, id, argv[3], add);
	if (err == -ENOENT && vsec_ipc_error_msg(ipc) &&
	    strstr(vsec_ipc_error_msg(ipc), "device")) {
		/* The VM exists: the device is what is missing. */
		fprintf(stderr, "%s: netdev: %s\n", prog, vsec_ipc_error_msg(ipc));
		ret = EX_FAIL;
	} else {
		ret = err ? fail_ipc(ipc, err, "netdev") : EX_OK;
	}
	vsec_ipc_close(ipc);
	return ret;
}

/*
 * "KEY VALUE" of the anomaly rule into @r (marking r->given); @own: a VM's
 * own rule, where "global" gives the key back. False after a message.
 */
static bool parse_rule_pair(const char *key, const char *val,
			    struct vsec_rule *r, bool own)
{
	uint32_t v = 0;

	if (own && !strcmp(val, "global")) {
		v = 0;
	} else if (!strcmp(key, "k")) {
		/* tenths: "4", "4.5" */
		char *dot = strchr(val, '.');
		uint32_t whole, frac = 0;
		char buf[16];

		if (strlen(val) >= sizeof(buf))
			goto bad;
		snprintf(buf, sizeof(buf), "%s", val);
		if (dot) {
			buf[dot - val] = '\0';
			if (strlen(dot + 1) != 1 || !parse_u32(dot + 1, 0, 9, &frac))
				goto bad;
		}
		if (!parse_u32(buf, 0, 100, &whole))
			goto bad;
		v = whole * 10 + frac;
		if (v < 1 || v > 1000)
			goto bad;
	} else if (!strcmp(key, "m") || !strcmp(key, "n")) {
		if (!parse_u32(val, 1, 32, &v))
			goto bad;
	} else if (!strcmp(key, "warm")) {
		if (!parse_u32(val, own ? 1 : 0, 100000, &v))
			goto bad;
	} else if (!strcmp(key, "decide") || !strcmp(key, "calm")) {
		if (!parse_u32(val, 1, 3600, &v))
			goto bad;
	} else if (!strcmp(key, "limit-level2") || !strcmp(key, "limit-attack")) {
		/* A VM's own 0 would mean the global value: 1 at least. */
		if (!parse_u32(val, own ? 1 : 0, 100000, &v))
			goto bad;
	} else {
		fprintf(stderr, "%s: unknown rule key '%s' (known: k, m, n, warm, decide, calm, limit-level2, limit-attack)\n",
			prog, key);
		return false;
	}
	if (!strcmp(key, "k")) {
		r->k_tenths = v;
		r->given |= 1u << KVM_SEC_RULE_K_TENTHS;
	} else if (!strcmp(key, "m")) {
		r->m = (uint8_t)v;
		r->given |= 1u << KVM_SEC_RULE_M;
	} else if (!strcmp(key, "n")) {
		r->n = (uint8_t)v;
		r->given |= 1u << KVM_SEC_RULE_N;
	} else if (!strcmp(key, "warm")) {
		r->warm = v;
		r->given |= 1u << KVM_SEC_RULE_WARM;
	} else if (!strcmp(key, "decide")) {
		r->decide = v;
		r->given |= 1u << KVM_SEC_RULE_DECIDE;
	} else if (!strcmp(key, "calm")) {
		r->calm = v;
		r->given |= 1u << KVM_SEC_RULE_CALM;
	} else if (!strcmp(key, "limit-level2")) {
		r->limit_level2_pct = v;
		r->given |= 1u << KVM_SEC_RULE_LIMIT_LEVEL2_PCT;
	} else {
		r->limit_attack_pct = v;
		r->given |= 1u << KVM_SEC_RULE_LIMIT_ATTACK_PCT;
	}
	return true;
bad:
	fprintf(stderr,
		"%s: bad value '%s' for %s (k: 0.1..100; m, n: 1..32; warm: %s..100000; decide, calm: 1..3600; limit-level2, limit-attack: %s..100000 %%%s)\n",
		prog, val, key, own ? "1" : "0", own ? "1" : "0",
		own ? "; or global" : "");
	return false;
}

static bool is_rule_key(const char *key)
{
	return !strcmp(key, "k") || !strcmp(key, "m") || !strcmp(key, "n") ||
	       !strcmp(key, "warm") || !strcmp(key, "decide") ||
	       !strcmp(key, "calm") || !strcmp(key, "limit-level2") ||
	       !strcmp(key, "limit-attack");
}

static int cmd_set(int argc, char **argv)
{
	struct vsec_rule r = { 0 };
	struct vsec_ipc *ipc;
	uint32_t id;
	int i, err, ret;

	if (argc < 4 || argc % 2)
		return fail_usage("set needs VM-ID and KEY VALUE pairs");
	if (!parse_u32(argv[1], 1, INT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[1]);
	for (i = 2; i < argc; i += 2)
		if (!parse_rule_pair(argv[i], argv[i + 1], &r, true))
			return EX_USAGE;
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_set_vm_rule(ipc, id, &r);
	ret = err ? fail_ipc(ipc, err, "set") : EX_OK;
	vsec_ipc_close(ipc);
	return ret;
}

/* "tx-packets" or "tx_packets": its index, or -1. */
static int limit_index(const char *s)
{
	char name[16];
	size_t i;

	if (strlen(s) >= sizeof(name))
		return -1;
	for (i = 0; s[i]; i++)
		name[i] = s[i] == '-' ? '_' : s[i];
	name[i] = '\0';
	for (i = 0; i < VSEC_NR_LIMIT; i++)
		if (!strcmp(name, vsec_limit_key[i]))
			return (int)i;
	return -1;
}

/* Strict unsigned decimal below KVM_SEC_BUCKET's 2^40. */
static bool parse_tokens(const char *s, size_t len, uint64_t *out)
{
	char buf[24];
	char *end;

	if (!len || len >= sizeof(buf) || !isdigit((unsigned char)*s))
		return false;
	memcpy(buf, s, len);
	buf[len] = '\0';
	errno = 0;
	*out = strtoull(buf, &end, 10);
	return !errno && !*end && *out < (1ULL << 40);
}

/* "off" or SIZE[/REFILL_MS][+BURST] */
static bool parse_limit(const char *s, struct vsec_limits *l, int i)
{
	const char *slash = strchr(s, '/'), *plus = strchr(s, '+');
	const char *size_end = slash ? slash : plus ? plus : s + strlen(s);
	uint32_t refill = 1000;

	l->l[i].given = true;
	if (!strcmp(s, "off")) {
		l->l[i].size = 0;
		return true;
	}
	if (plus && slash && plus < slash)
		return false;
	if (!parse_tokens(s, (size_t)(size_end - s), &l->l[i].size) ||
	    !l->l[i].size)
		return false;
	if (slash) {
		char buf[16];
		size_t n = plus ? (size_t)(plus - slash - 1) : strlen(slash + 1);

		if (n >= sizeof(buf))
			return false;
		memcpy(buf, slash + 1, n);
		buf[n] = '\0';
		if (!parse_u32(buf, 1, 3600000, &refill))
			return false;
	}
	l->l[i].refill_ms = refill;
	l->l[i].burst = 0;
	return !plus || parse_tokens(plus + 1, strlen(plus + 1), &l->l[i].burst);
}

/* cpu.max's: at least 1000 us each 1 to 1000 ms (default 100), no burst. */
static bool parse_cpu_limit(const char *s, struct vsec_limits *l)
{
	struct vsec_limit *c = &l->l[VSEC_CPU_LIMIT];

	if (!strchr(s, '/') && strcmp(s, "off")) {
		char buf[32];

		if (snprintf(buf, sizeof(buf), "%s/100", s) >= (int)sizeof(buf))
			return false;
		return parse_limit(buf, l, VSEC_CPU_LIMIT) &&
		       c->size >= 1000;
	}
	return parse_limit(s, l, VSEC_CPU_LIMIT) && !strchr(s, '+') &&
	       (!c->size || (c->size >= 1000 && c->refill_ms <= 1000));
}

/* "off" or a comma list of peer classes: a mask of them. */
static bool parse_classes(const char *s, uint32_t *out)
{
	const char *p = s;
	int c;

	*out = 0;
	if (!strcmp(s, "off"))
		return true;
	while (*p) {
		size_t n = strcspn(p, ",");

		for (c = 0; c < KVM_SEC_PEER_CLASS_NR; c++)
			if (strlen(vsec_peer_class_name[c]) == n &&
			    !strncmp(p, vsec_peer_class_name[c], n))
				break;
		if (c == KVM_SEC_PEER_CLASS_NR)
			return false;
		*out |= 1u << c;
		p += n;
		if (*p == ',' && !*++p)
			return false;
	}
	return *out != 0;
}

static int cmd_limit(int argc, char **argv)
{
	struct vsec_limits l = { 0 };
	struct vsec_ipc *ipc;
	uint32_t id;
	int i, k, err, ret;

	if (argc < 3)
		return fail_usage("limit needs VM-ID, then off or LIMIT VALUE pairs");
	if (!parse_u32(argv[1], 1, INT32_MAX, &id))
		return fail_usage("'%s' is not a VM ID (a number from 'vsecctl list')",
				  argv[1]);
	if (argc == 3 && !strcmp(argv[2], "off")) {
		for (k = 0; k < VSEC_NR_LIMIT; k++)
			l.l[k].given = true;
	} else {
		if (argc % 2)
			return fail_usage("limit needs LIMIT VALUE pairs");
		for (i = 2; i < argc; i += 2) {
			int dir = !strcmp(argv[i], "block-tx") ? 0 :
				  !strcmp(argv[i], "block-rx") ? 1 : -1;

			if (dir >= 0) {
				if (!parse_classes(argv[i + 1],
						   &l.block.classes[dir]))
					return fail_usage("bad value '%s' for %s: off, or classes of peer separated by commas (outside, inside, this-host, link)",
							  argv[i + 1], argv[i]);
				l.block.given[dir] = true;
				continue;
			}
			k = limit_index(argv[i]);
			if (k < 0)
				return fail_usage("unknown limit '%s' (tx-packets, rx-packets, tx-bytes, rx-bytes, tx-syn, rx-syn, hypercalls, pio, mmio, cpu, block-tx, block-rx)",
						  argv[i]);
			if (k == VSEC_CPU_LIMIT &&
			    !parse_cpu_limit(argv[i + 1], &l))
				return fail_usage("bad value '%s' for cpu: off, or US[/PERIOD_MS] (US 1000..2^40-1 microseconds of CPU each PERIOD_MS, 1..1000, default 100; no burst)",
						  argv[i + 1]);
			else if (k != VSEC_CPU_LIMIT &&
				 !parse_limit(argv[i + 1], &l, k))
				return fail_usage("bad value '%s' for %s: off, or SIZE[/REFILL_MS][+BURST] (SIZE 1..2^40-1 tokens, REFILL_MS 1..3600000, default 1000)",
						  argv[i + 1], argv[i]);
		}
	}
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	/*
	 * "off" lifts a destination-class rule only where one was set: a
	 * module older than the rule refuses the attribute.
	 */
	if (argc == 3 && !strcmp(argv[2], "off")) {
		static struct vsec_limits now;

		err = vsec_ipc_get_limits(ipc, id, &now);
		if (err) {
			ret = fail_ipc(ipc, err, "limit");
			vsec_ipc_close(ipc);
			return ret;
		}
		l.block.given[0] = l.block.given[1] = now.block.present;
	}
	err = vsec_ipc_set_limits(ipc, id, &l);
	ret = err ? fail_ipc(ipc, err, "limit") : EX_OK;
	vsec_ipc_close(ipc);
	return ret;
}

/*
 * The provider's migration key from FILE (16 to 64 bytes, of its owner
 * alone, as ssh wants its keys), or "none".
 */
static int set_migration_key(const char *path)
{
	unsigned char key[KVM_SEC_MIGRATION_KEY_MAX + 1];
	struct vsec_ipc *ipc;
	struct stat st;
	ssize_t len = 0;
	int fd, err, ret;

	if (strcmp(path, "none")) {
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
		if (fd < 0 || fstat(fd, &st)) {
			fprintf(stderr, "%s: migration-key: %s: %s\n", prog,
				path, strerror(errno));
			if (fd >= 0)
				close(fd);
			return EX_FAIL;
		}
		if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
			fprintf(stderr,
				"%s: migration-key: %s must be a regular file with no permission for group or others (chmod 600)\n",
				prog, path);
			close(fd);
			return EX_FAIL;
		}
		len = read(fd, key, sizeof(key));
		err = errno;
		close(fd);
		if (len < 0) {
			fprintf(stderr, "%s: migration-key: %s: %s\n", prog,
				path, strerror(err));
			return EX_FAIL;
		}
		if (len < KVM_SEC_MIGRATION_KEY_MIN ||
		    len > KVM_SEC_MIGRATION_KEY_MAX) {
			explicit_bzero(key, sizeof(key));
			fprintf(stderr,
				"%s: migration-key: %s must hold %d to %d bytes (e.g. head -c 32 /dev/urandom)\n",
				prog, path, KVM_SEC_MIGRATION_KEY_MIN,
				KVM_SEC_MIGRATION_KEY_MAX);
			return EX_FAIL;
		}
	}
	ret = open_ipc(&ipc);
	if (!ret) {
		err = vsec_ipc_set_migration_key(ipc, key, (size_t)len);
		ret = err ? fail_ipc(ipc, err, "config set") : EX_OK;
		vsec_ipc_close(ipc);
	}
	explicit_bzero(key, sizeof(key));
	return ret;
}

static int cmd_config(int argc, char **argv)
{
	struct vsec_config cfg;
	struct vsec_ipc *ipc;
	uint32_t ms;
	int err, ret;

	argc = take_json(argc, argv);
	if (argc > 1 && strcmp(argv[1], "set"))
		return fail_usage("unknown config subcommand '%s' (config, config set KEY VALUE)",
				  argv[1]);
	if (argc > 2 && is_rule_key(argv[2])) {
		struct vsec_rule r = { 0 };
		int i;

		if (argc % 2)
			return fail_usage("config set needs KEY VALUE pairs");
		for (i = 2; i < argc; i += 2)
			if (!parse_rule_pair(argv[i], argv[i + 1], &r, false))
				return EX_USAGE;
		ret = open_ipc(&ipc);
		if (ret)
			return ret;
		err = vsec_ipc_set_rule(ipc, &r);
		ret = err ? fail_ipc(ipc, err, "config set") : EX_OK;
		vsec_ipc_close(ipc);
		return ret;
	}
	if (argc > 1) {
		if (argc != 4)
			return fail_usage("config set needs KEY VALUE");
		if (!strcmp(argv[2], "prefixes")) {
			struct virtio_vsem_prefix p[KVM_SEC_MAX_PREFIXES];
			unsigned int nr;

			if (!parse_prefixes(argv[3], p, &nr))
				return EX_USAGE;
			ret = open_ipc(&ipc);
			if (ret)
				return ret;
			err = vsec_ipc_set_prefixes(ipc, p, nr);
			ret = err ? fail_ipc(ipc, err, "config set") : EX_OK;
			vsec_ipc_close(ipc);
			return ret;
		}
		if (!strcmp(argv[2], "migration-key"))
			return set_migration_key(argv[3]);
		if (strcmp(argv[2], "interval-ms") &&
		    strcmp(argv[2], "interval_ms"))
			return fail_usage("unknown configuration key '%s' (known: interval-ms, prefixes, migration-key, k, m, n, warm, decide, calm)",
					  argv[2]);
		if (!parse_u32(argv[3], KVM_SEC_INTERVAL_MIN_MS,
			       KVM_SEC_INTERVAL_MAX_MS, &ms)) {
			fprintf(stderr,
				"%s: interval-ms must be a whole number of milliseconds from %d to %d, not '%s'\n",
				prog, KVM_SEC_INTERVAL_MIN_MS,
				KVM_SEC_INTERVAL_MAX_MS, argv[3]);
			return EX_USAGE;
		}
		ret = open_ipc(&ipc);
		if (ret)
			return ret;
		err = vsec_ipc_set_interval(ipc, ms);
		ret = err ? fail_ipc(ipc, err, "config set") : EX_OK;
		vsec_ipc_close(ipc);
		return ret;
	}

	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_get_config(ipc, &cfg);
	if (err) {
		ret = fail_ipc(ipc, err, "config");
	} else if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_config(&j, &cfg);
	} else {
		show_config(stdout, &cfg);
	}
	vsec_ipc_close(ipc);
	return ret;
}

static int cmd_save(int argc, char **argv)
{
	struct vsec_state_file f = { 0 };
	struct timespec ts;
	struct vsec_ipc *ipc;
	int err, ret;

	argc = take_json(argc, argv);
	if (argc != 2)
		return fail_usage("save takes a FILE");
	err = vsec_state_boot_id(f.boot_id);
	if (err) {
		fprintf(stderr, "%s: save: cannot read this boot's ID: %s\n",
			prog, strerror(-err));
		return EX_FAIL;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	f.saved_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_dump_states(ipc, &f.v, &f.nr);
	if (err) {
		ret = fail_ipc(ipc, err, "save");
		goto out;
	}
	err = vsec_state_write(argv[1], &f);
	if (err) {
		fprintf(stderr, "%s: save: %s: %s\n", prog, argv[1],
			strerror(-err));
		ret = EX_FAIL;
	} else if (opt_json) {
		printf("{\"saved\":%zu}\n", f.nr);
	} else {
		printf("saved the state of %zu VM%s\n", f.nr,
		       f.nr == 1 ? "" : "s");
	}
	vsec_states_free(f.v, f.nr);
out:
	vsec_ipc_close(ipc);
	return ret;
}

/* Record @i of the file, for a message. */
static void say_record(FILE *out, const struct vsec_state *s, size_t i)
{
	char comm[TEXT_ESCAPE_SIZE(sizeof(s->comm))];

	text_escape(comm, sizeof(comm), s->comm);
	fprintf(out, "VM record %zu (VMM %s, pid %" PRIu32 ")", i + 1, comm,
		s->pid);
}

static int cmd_restore(int argc, char **argv)
{
	struct vsec_state_file f;
	struct vsec_state *vms = NULL;
	size_t nr = 0, *to = NULL, restored = 0, gone = 0, twice = 0;
	char boot[VSEC_STATE_BOOT_ID_LEN + 1];
	const char *why = NULL, *path;
	struct vsec_ipc *ipc = NULL;
	bool check = false;
	int err, ret;

	argc = take_json(argc, argv);
	if (argc == 3 && !strcmp(argv[1], "--check"))
		check = true;
	else if (argc != 2)
		return fail_usage("restore takes [--check] FILE");
	path = argv[argc - 1];
	err = vsec_state_read(path, &f, &why);
	if (err) {
		fprintf(stderr, "%s: restore: %s: %s\n", prog, path,
			why ? why : strerror(-err));
		return err == -EINVAL || err == -EPROTONOSUPPORT ? EX_USAGE :
								   EX_FAIL;
	}
	err = vsec_state_boot_id(boot);
	if (err) {
		fprintf(stderr, "%s: restore: cannot read this boot's ID: %s\n",
			prog, strerror(-err));
		ret = EX_FAIL;
		goto out;
	}
	if (strcmp(boot, f.boot_id)) {
		fprintf(stderr,
			"%s: restore: %s: saved on another boot (%s): its VMs are not this boot's\n",
			prog, path, f.boot_id);
		ret = EX_USAGE;
		goto out;
	}
	ret = open_ipc(&ipc);
	if (ret)
		goto out;
	err = vsec_ipc_dump_states(ipc, &vms, &nr);
	to = calloc(f.nr ? f.nr : 1, sizeof(*to));
	if (err || !to) {
		ret = fail_ipc(ipc, err ? err : -ENOMEM, "restore");
		goto out;
	}
	/* Every record of a running VM checked before any is applied. */
	for (size_t i = 0; i < f.nr; i++) {
		size_t n = vsec_state_match(&f, i, vms, nr, &to[i]);

		if (n == 1) {
			err = vsec_ipc_set_state(ipc, vms[to[i]].id, &f.v[i],
						 true);
			/* Gone since the dump: as if it had not been running. */
			if (err == -ENOENT || err == -ESTALE)
				n = 0;
		}
		if (n != 1) {
			gone += !n;
			twice += n > 1;
			to[i] = SIZE_MAX;
			if (n > 1) {
				fprintf(stderr, "%s: restore: ", prog);
				say_record(stderr, &f.v[i], i);
				fprintf(stderr,
					": its VMM ran or runs more than one VM: which is which is not known, none is given it\n");
			}
			continue;
		}
		if (err) {
			char what[160];

			snprintf(what, sizeof(what), "restore: record %zu (VM %" PRIu32 ")",
				 i + 1, vms[to[i]].id);
			ret = fail_ipc(ipc, err, what);
			fprintf(stderr, "%s: restore: nothing was changed\n", prog);
			goto out;
		}
	}
	for (size_t i = 0; i < f.nr && !check; i++) {
		if (to[i] == SIZE_MAX)
			continue;
		err = vsec_ipc_set_state(ipc, vms[to[i]].id, &f.v[i], false);
		if (err == -ENOENT || err == -ESTALE) {
			gone++;
			continue;
		}
		if (err) {
			char what[160];

			snprintf(what, sizeof(what), "restore: VM %" PRIu32,
				 vms[to[i]].id);
			ret = fail_ipc(ipc, err, what);
			continue;
		}
		restored++;
	}
	if (opt_json)
		printf("{\"records\":%zu,\"%s\":%zu,\"not_running\":%zu,\"ambiguous\":%zu}\n",
		       f.nr, check ? "valid" : "restored",
		       check ? f.nr - gone - twice : restored, gone, twice);
	else
		printf("%s %zu of %zu VM%s (%zu not running, %zu ambiguous)\n",
		       check ? "checked" : "restored",
		       check ? f.nr - gone - twice : restored, f.nr,
		       f.nr == 1 ? "" : "s", gone, twice);
out:
	free(to);
	vsec_states_free(vms, nr);
	vsec_states_free(f.v, f.nr);
	if (ipc)
		vsec_ipc_close(ipc);
	return ret;
}

static int cmd_status(int argc, char **argv)
{
	struct vsec_status st;
	struct vsec_ipc *ipc;
	int err, ret;

	argc = take_json(argc, argv);
	if (argc > 1)
		return fail_usage("status takes no argument ('%s')", argv[1]);
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_get_status(ipc, &st);
	if (err) {
		ret = fail_ipc(ipc, err, "status");
	} else if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_status(&j, &st);
	} else {
		show_status(stdout, &st);
	}
	vsec_ipc_close(ipc);
	return ret;
}

static int cmd_stats(int argc, char **argv)
{
	struct vsec_status st;
	struct vsec_ipc *ipc;
	struct vsec_vm *vms;
	size_t nr, i;
	int err, ret;

	if (argc != 2 || strcmp(argv[1], "--prometheus"))
		return fail_usage("stats takes --prometheus (the only format)");
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_list_vms(ipc, 0, &vms, &nr);
	if (err) {
		ret = fail_ipc(ipc, err, "stats");
		goto out;
	}
	for (i = 0; i < nr; i++) {
		err = vsec_ipc_get_limits(ipc, vms[i].id, &vms[i].limits);
		/* Gone meanwhile, or an older module: no limit lines. */
		if (err && err != -ENOENT && err != -EOPNOTSUPP) {
			ret = fail_ipc(ipc, err, "stats");
			free(vms);
			goto out;
		}
	}
	err = vsec_ipc_get_status(ipc, &st);
	if (err) {
		ret = fail_ipc(ipc, err, "stats");
	} else {
		show_prometheus(stdout, vms, nr, &st);
		if (fflush(stdout) || ferror(stdout))
			ret = EX_FAIL;
	}
	free(vms);
out:
	vsec_ipc_close(ipc);
	return ret;
}

static volatile sig_atomic_t stop_monitor;

static void on_signal(int sig)
{
	(void)sig;
	stop_monitor = 1;
}

struct monitor_state {
	uint32_t left;		/* 0: no limit */
};

static int print_event(const struct vsec_event *ev, void *arg)
{
	struct monitor_state *m = arg;

	if (opt_json) {
		struct json j;

		json_init(&j, stdout);
		json_event(&j, ev);
	} else {
		show_event(stdout, ev);
	}
	fflush(stdout);
	if (m->left && !--m->left)
		return 1;
	return 0;
}

/* Scripts wait for this line before causing the events they expect. */
static void monitor_ready(void *arg)
{
	(void)arg;
	fprintf(stderr, "%s: listening for kvm-sec events\n", prog);
}

static int cmd_monitor(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "count", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct monitor_state m = { 0 };
	struct sigaction sa = { .sa_handler = on_signal };
	sigset_t block, waitmask;
	struct vsec_ipc *ipc;
	int c, err, ret;

	optind = 1;
	while ((c = getopt_long(argc, argv, "+c:j", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			if (!parse_u32(optarg, 1, UINT32_MAX, &m.left))
				return fail_usage("--count needs a positive number, not '%s'",
						  optarg);
			break;
		case 'j':
			opt_json = true;
			break;
		default:
			return EX_USAGE;
		}
	}
	if (optind != argc)
		return fail_usage("monitor takes no argument ('%s')", argv[optind]);

	/*
	 * SIGINT/SIGTERM stay blocked except while waiting for an event, so
	 * that one arriving between the stop check and the wait is not lost.
	 */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGTERM);
	ret = open_ipc(&ipc);
	if (ret)
		return ret;
	err = vsec_ipc_monitor(ipc, print_event, monitor_ready, &m,
			       &stop_monitor, &waitmask);
	if (err < 0)
		ret = err == -ENOBUFS ?
		      (fprintf(stderr, "%s: monitor: events were lost (receive buffer full)\n",
			       prog), EX_FAIL) :
		      fail_ipc(ipc, err, "monitor");
	vsec_ipc_close(ipc);
	return ret;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} commands[] = {
	{ "list", cmd_list },
	{ "show", cmd_show },
	{ "config", cmd_config },
	{ "status", cmd_status },
	{ "monitor", cmd_monitor },
	{ "level", cmd_level },
	{ "set", cmd_set },
	{ "stats", cmd_stats },
	{ "interval", cmd_interval },
	{ "netdev", cmd_netdev },
	{ "limit", cmd_limit },
	{ "save", cmd_save },
	{ "restore", cmd_restore },
};

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	size_t i;
	int c;

	while ((c = getopt_long(argc, argv, "+jhV", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			opt_json = true;
			break;
		case 'h':
			usage(stdout);
			return EX_OK;
		case 'V':
			printf("vsecctl %s (kvm_sec netlink v%d)\n", VSEC_VERSION,
			       KVM_SEC_GENL_VERSION);
			return EX_OK;
		default:
			usage(stderr);
			return EX_USAGE;
		}
	}
	if (optind == argc) {
		usage(stderr);
		return EX_USAGE;
	}
	for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(argv[optind], commands[i].name))
			return commands[i].fn(argc - optind, argv + optind);
	if (!strcmp(argv[optind], "help")) {
		usage(stdout);
		return EX_OK;
	}
	return fail_usage("unknown command '%s'", argv[optind]);
}
