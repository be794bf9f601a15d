// SPDX-License-Identifier: GPL-2.0
/* vsecd's configuration, and the decisions it takes from it. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_conf.h"

void agent_conf_defaults(struct agent_conf *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->cgroup_root, "/sys/fs/cgroup");
	strcpy(c->state_dir, "/run/kvm-sec/vsecd");
	c->hook_timeout_ms = 10000;
	c->hooks_max = 4;
	c->more_weight = 200;
	c->max_weight = 400;
	c->resync_s = 10;
}

static bool parse_num(const char *s, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	if (!isdigit((unsigned char)*s))
		return false;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return false;
	*out = (uint32_t)v;
	return true;
}

static bool parse_path(const char *s, char *out, bool may_be_empty)
{
	size_t n = strlen(s);

	if ((!n && !may_be_empty) || n >= AGENT_PATH_MAX ||
	    (n && s[0] != '/'))
		return false;
	memcpy(out, s, n + 1);
	return true;
}

int agent_conf_line(struct agent_conf *c, const char *line, char *err,
		    size_t errlen)
{
	char buf[512], *key, *val, *eq, *end;
	bool ok;

	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return -1;
	}
	strcpy(buf, line);
	key = buf;
	while (isspace((unsigned char)*key))
		key++;
	end = key + strlen(key);
	while (end > key && isspace((unsigned char)end[-1]))
		*--end = '\0';
	if (!*key || *key == '#')
		return 0;
	eq = strchr(key, '=');
	if (!eq) {
		snprintf(err, errlen, "expected key = value");
		return -1;
	}
	val = eq + 1;
	while (eq > key && isspace((unsigned char)eq[-1]))
		eq--;
	*eq = '\0';
	while (isspace((unsigned char)*val))
		val++;

	if (!strcmp(key, "cgroup_root"))
		ok = parse_path(val, c->cgroup_root, false);
	else if (!strcmp(key, "state_dir"))
		ok = parse_path(val, c->state_dir, false);
	else if (!strcmp(key, "hook"))
		ok = parse_path(val, c->hook, true);
	else if (!strcmp(key, "hook_timeout_ms"))
		ok = parse_num(val, 100, 600000, &c->hook_timeout_ms);
	else if (!strcmp(key, "hooks_max"))
		ok = parse_num(val, 1, 64, &c->hooks_max);
	else if (!strcmp(key, "more_weight"))
		ok = parse_num(val, 1, 10000, &c->more_weight);
	else if (!strcmp(key, "max_weight"))
		ok = parse_num(val, 1, 10000, &c->max_weight);
	else if (!strcmp(key, "resync_s"))
		ok = parse_num(val, 1, 3600, &c->resync_s);
	else {
		snprintf(err, errlen, "unknown key '%.64s'", key);
		return -1;
	}
	if (!ok) {
		snprintf(err, errlen, "bad value for %s", key);
		return -1;
	}
	return 0;
}

int agent_conf_load(struct agent_conf *c, const char *path, bool must_exist,
		    char *err, size_t errlen)
{
	struct agent_conf next = *c;
	char line[600], why[128];
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		if (errno == ENOENT && !must_exist)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		line[strcspn(line, "\n")] = '\0';
		if (agent_conf_line(&next, line, why, sizeof(why))) {
			snprintf(err, errlen, "%s:%u: %s", path, n, why);
			fclose(f);
			return -1;
		}
	}
	fclose(f);
	if (next.more_weight > next.max_weight) {
		snprintf(err, errlen, "%s: more_weight %" PRIu32
			 " is above max_weight %" PRIu32, path,
			 next.more_weight, next.max_weight);
		return -1;
	}
	*c = next;
	return 0;
}

uint32_t agent_more_weight(const struct agent_conf *c, uint32_t orig)
{
	uint32_t w = c->more_weight > orig ? c->more_weight : orig;

	return w > c->max_weight ? (orig > c->max_weight ? orig : c->max_weight)
				 : w;
}

int agent_parse_cpu_max(const char *s, uint64_t *quota, uint32_t *period)
{
	unsigned long long q = 0;
	unsigned long p;
	char *end;

	if (!strncmp(s, "max ", 4)) {
		s += 4;
	} else {
		if (!isdigit((unsigned char)*s))
			return -1;
		errno = 0;
		q = strtoull(s, &end, 10);
		if (errno || *end != ' ' || !q)
			return -1;
		s = end + 1;
	}
	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	p = strtoul(s, &end, 10);
	if (errno || (*end && *end != '\n') || !p || p > 1000000)
		return -1;
	*quota = q;
	*period = (uint32_t)p;
	return 0;
}
