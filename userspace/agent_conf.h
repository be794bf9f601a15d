/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vsecd's configuration (/etc/kvm-sec/vsecd.conf) and the pure decisions
 * it takes from it: what cpu.weight a VM gets, how a cpu.max reads.
 * Shared with the unit tests (tests/test_agent_conf.c).
 */
#ifndef VSEC_AGENT_CONF_H
#define VSEC_AGENT_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENT_PATH_MAX 256

struct agent_conf {
	char cgroup_root[AGENT_PATH_MAX];	/* cgroup v2 mount */
	char state_dir[AGENT_PATH_MAX];		/* what was applied, by VMM */
	char hook[AGENT_PATH_MAX];		/* "": no hook */
	uint32_t hook_timeout_ms;
	uint32_t hooks_max;			/* running at once */
	uint32_t more_weight;			/* HREM: near capacity, clean */
	uint32_t max_weight;			/* never above */
	uint32_t resync_s;			/* full reconciliation */
};

void agent_conf_defaults(struct agent_conf *c);
/*
 * Read @path into @c (over its defaults). 0, or -1 with a message naming
 * the line in @err: nothing of a bad file is applied. A missing file is
 * an error only if @must_exist.
 */
int agent_conf_load(struct agent_conf *c, const char *path, bool must_exist,
		    char *err, size_t errlen);
/* One "key = value" line (comments and blank lines: 0). 0 or -1. */
int agent_conf_line(struct agent_conf *c, const char *line, char *err,
		    size_t errlen);

/*
 * The cpu.weight a VM near its capacity gets, from what its cgroup had:
 * more_weight, never less than it had (the agent only gives more) and
 * never above max_weight (nor cgroup's 10000).
 */
uint32_t agent_more_weight(const struct agent_conf *c, uint32_t orig);

/*
 * A cpu.max as the kernel writes it, "max 100000" or "50000 100000":
 * quota 0 for "max". 0, or -1 if it is neither.
 */
int agent_parse_cpu_max(const char *s, uint64_t *quota, uint32_t *period);

#endif /* VSEC_AGENT_CONF_H */
