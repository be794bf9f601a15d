// SPDX-License-Identifier: GPL-2.0
/*
 * vsecd's records on disk: what it applied for each VMM, so that after its
 * own restart it can take back what no longer has a reason and give each
 * cgroup its original settings. A text file per VMM, "key value" lines,
 * replaced atomically (written, then renamed).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"

#define STATE_MAGIC "vsecd-state 1"

uint64_t agent_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	ssize_t n;
	int fd, i;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	/* After the command name, which may hold anything: its last ')'. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	/* Field 22 is the start time; the state (field 3) follows ") ". */
	for (i = 3; p && i <= 22; i++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &start) != 1)
		return 0;
	return start;
}

static void state_path(char *out, size_t len, const char *dir,
		       const struct agent_vm *v, const char *suffix)
{
	snprintf(out, len, "%s/vm-%" PRIu32 "-%" PRIu64 "-%" PRIu32 "%s", dir,
		 v->pid, v->start, v->id, suffix);
}

int agent_state_save(const char *dir, const struct agent_vm *v)
{
	char path[PATH_MAX], tmp[PATH_MAX];
	unsigned int i;
	FILE *f;
	int err = 0;

	state_path(path, sizeof(path), dir, v, "");
	state_path(tmp, sizeof(tmp), dir, v, ".tmp");
	f = fopen(tmp, "we");
	if (!f)
		return -errno;
	fprintf(f, STATE_MAGIC "\n");
	fprintf(f, "pid %" PRIu32 "\nstart %" PRIu64 "\nid %" PRIu32 "\n",
		v->pid, v->start, v->id);
	fprintf(f, "mode %s\nvmm %s\nweigh %s\n",
		v->where.mode == AGENT_CG_LIBVIRT ? "libvirt" : "own",
		v->where.vmm, v->where.weigh[0] ? v->where.weigh : "-");
	fprintf(f, "capped %d\nquota %" PRIu64 "\nperiod %" PRIu32
		"\ncpu_enabled %d\n", v->capped, v->quota, v->period,
		v->cpu_enabled);
	fprintf(f, "weight_orig %" PRIu32 "\nweight %" PRIu32
		"\nadvised %d\n", v->weight_orig, v->weight, v->advised);
	for (i = 0; i < v->nr_orig; i++)
		fprintf(f, "orig %s %s\n", v->orig[i].cg, v->orig[i].max);
	if (fflush(f) || fsync(fileno(f)))
		err = -errno;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}

void agent_state_remove(const char *dir, const struct agent_vm *v)
{
	char path[PATH_MAX];

	state_path(path, sizeof(path), dir, v, "");
	unlink(path);
}

static bool parse_u64(const char *s, uint64_t max, uint64_t *out)
{
	char *end;

	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return !errno && !*end && *out <= max;
}

static bool cg_ok(const char *s)
{
	return s[0] == '/' && strlen(s) < AGENT_PATH_MAX && !strstr(s, "/..");
}

/* One line into @v; false if it does not parse. */
static bool parse_line(struct agent_vm *v, char *line)
{
	char *val = strchr(line, ' ');
	uint64_t n;

	if (!val)
		return false;
	*val++ = '\0';
	if (!strcmp(line, "mode")) {
		if (!strcmp(val, "own"))
			v->where.mode = AGENT_CG_OWN;
		else if (!strcmp(val, "libvirt"))
			v->where.mode = AGENT_CG_LIBVIRT;
		else
			return false;
		return true;
	}
	if (!strcmp(line, "vmm")) {
		if (!cg_ok(val))
			return false;
		strcpy(v->where.vmm, val);
		return true;
	}
	if (!strcmp(line, "weigh")) {
		if (strcmp(val, "-") && !cg_ok(val))
			return false;
		strcpy(v->where.weigh, strcmp(val, "-") ? val : "");
		return true;
	}
	if (!strcmp(line, "orig")) {
		char *max = strchr(val, ' ');
		struct agent_orig *o;

		if (!max || v->nr_orig >= 1024)
			return false;
		*max++ = '\0';
		if (!cg_ok(val) || strlen(max) >= sizeof(o->max))
			return false;
		o = realloc(v->orig, (v->nr_orig + 1) * sizeof(*o));
		if (!o)
			return false;
		v->orig = o;
		strcpy(o[v->nr_orig].cg, val);
		strcpy(o[v->nr_orig].max, max);
		v->nr_orig++;
		return true;
	}
	if (!strcmp(line, "pid") && parse_u64(val, INT32_MAX, &n) && n)
		v->pid = (uint32_t)n;
	else if (!strcmp(line, "start") && parse_u64(val, UINT64_MAX, &n))
		v->start = n;
	else if (!strcmp(line, "id") && parse_u64(val, UINT32_MAX, &n))
		v->id = (uint32_t)n;
	else if (!strcmp(line, "capped") && parse_u64(val, 1, &n))
		v->capped = n;
	else if (!strcmp(line, "quota") && parse_u64(val, UINT64_MAX, &n))
		v->quota = n;
	else if (!strcmp(line, "period") && parse_u64(val, 1000000, &n))
		v->period = (uint32_t)n;
	else if (!strcmp(line, "cpu_enabled") && parse_u64(val, 1, &n))
		v->cpu_enabled = n;
	else if (!strcmp(line, "weight_orig") && parse_u64(val, 10000, &n))
		v->weight_orig = (uint32_t)n;
	else if (!strcmp(line, "weight") && parse_u64(val, 10000, &n))
		v->weight = (uint32_t)n;
	else if (!strcmp(line, "advised") && parse_u64(val, 1, &n))
		v->advised = n;
	else
		return false;
	return true;
}

static int load_one(const char *path, struct agent_vm *v)
{
	char line[AGENT_PATH_MAX + 80];
	bool ok;
	FILE *f = fopen(path, "re");

	memset(v, 0, sizeof(*v));
	if (!f)
		return -errno;
	ok = fgets(line, sizeof(line), f) &&
	     !strcmp(line, STATE_MAGIC "\n");
	while (ok && fgets(line, sizeof(line), f)) {
		size_t n = strlen(line);

		if (!n || line[n - 1] != '\n') {
			ok = false;
			break;
		}
		line[n - 1] = '\0';
		ok = parse_line(v, line);
	}
	fclose(f);
	if (!ok || !v->pid || !v->id || !v->where.vmm[0] ||
	    (v->capped && (!v->quota || !v->period))) {
		free(v->orig);
		memset(v, 0, sizeof(*v));
		return -EINVAL;
	}
	return 0;
}

int agent_state_load(const char *dir, struct agent_vm **vms, size_t *nr)
{
	struct agent_vm *all = NULL;
	size_t n = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);

	*vms = NULL;
	*nr = 0;
	if (!d)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(d))) {
		char path[PATH_MAX], bad[PATH_MAX + 8];
		struct agent_vm v;
		size_t n_len;
		int err;

		if (strncmp(de->d_name, "vm-", 3))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n_len = strlen(de->d_name);
		if (n_len > 4 && !strcmp(de->d_name + n_len - 4, ".tmp")) {
			unlink(path);	/* a crash between write and rename */
			continue;
		}
		if (strchr(de->d_name, '.'))
			continue;
		err = load_one(path, &v);
		if (!err) {
			char want[PATH_MAX];

			state_path(want, sizeof(want), dir, &v, "");
			if (strcmp(want, path)) {
				free(v.orig);
				err = -EINVAL;
			}
		}
		if (err) {
			fprintf(stderr, "vsecd: %s: not a record of vsecd (%s): set aside as .bad\n",
				path, strerror(-err));
			snprintf(bad, sizeof(bad), "%s.bad", path);
			rename(path, bad);
			continue;
		}
		if (n == cap) {
			struct agent_vm *m;

			cap = cap ? 2 * cap : 16;
			m = realloc(all, cap * sizeof(*m));
			if (!m) {
				free(v.orig);
				closedir(d);
				for (size_t i = 0; i < n; i++)
					free(all[i].orig);
				free(all);
				return -ENOMEM;
			}
			all = m;
		}
		all[n++] = v;
	}
	closedir(d);
	*vms = all;
	*nr = n;
	return 0;
}
