// SPDX-License-Identifier: GPL-2.0
/*
 * vsecd's cgroup v2 operations: the vCPU threads of a VMM into a threaded
 * cgroup of their own and its cpu.max, a VM's cpu.weight; and back.
 *
 * cgroup v2 lets a process's threads be in different cgroups only inside
 * a threaded subtree: a cgroup whose type is "threaded" under the
 * process's own cgroup, which becomes its "domain threaded" root. The cpu
 * controller is threaded, so the child gets cpu.max; the VMM's other
 * threads (its main loop, I/O threads, vhost workers) stay where they
 * were, charged as before. Documentation/kvm-sec/agent.rst.
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

#include "agent_cgroup.h"

static int cg_path(char *out, size_t len, const char *root, const char *cg,
		   const char *file)
{
	int n = snprintf(out, len, "%s%s%s%s", root, strcmp(cg, "/") ? cg : "",
			 file ? "/" : "", file ? file : "");

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

int agent_cg_read(const char *root, const char *cg, const char *file,
		  char *buf, size_t len)
{
	char path[PATH_MAX];
	ssize_t n;
	int fd, err;

	err = cg_path(path, sizeof(path), root, cg, file);
	if (err)
		return err;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, len - 1);
	err = n < 0 ? -errno : 0;
	close(fd);
	if (err)
		return err;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return 0;
}

int agent_cg_write(const char *root, const char *cg, const char *file,
		   const char *val)
{
	char path[PATH_MAX];
	size_t len = strlen(val);
	ssize_t n;
	int fd, err;

	err = cg_path(path, sizeof(path), root, cg, file);
	if (err)
		return err;
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	/* cgroupfs takes a value in one write, and says what it refused. */
	n = write(fd, val, len);
	err = n < 0 ? -errno : (size_t)n != len ? -EIO : 0;
	close(fd);
	return err;
}

int agent_cg_of(pid_t pid, pid_t tid, char *cg, size_t len)
{
	char path[64], line[PATH_MAX + 8];
	FILE *f;
	int err = -ENOENT;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/cgroup", (int)pid,
			 (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/cgroup", (int)pid);
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? -ESRCH : -errno;
	/* cgroup v2: the line "0::/path". */
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "0::", 3))
			continue;
		if (strlen(line + 3) >= len || !agent_cg_path_ok(line + 3)) {
			err = -EINVAL;
			break;
		}
		strcpy(cg, line + 3);
		err = 0;
		break;
	}
	fclose(f);
	return err;
}

bool agent_cg_path_ok(const char *cg)
{
	const char *p;

	if (cg[0] != '/' || strlen(cg) >= AGENT_PATH_MAX)
		return false;
	/* Outside our cgroup namespace ("/.."), or a name to misread. */
	for (p = cg; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return false;
	for (p = cg; (p = strstr(p, "/..")); p += 3)
		if (p[3] == '/' || !p[3])
			return false;
	return true;
}

/* Root's (uid 0), as cgroups a manager made are: not a user's delegation. */
static int cg_root_owned(const char *root, const char *cg)
{
	char path[PATH_MAX];
	struct stat st;
	int err;

	err = cg_path(path, sizeof(path), root, cg, NULL);
	if (err)
		return err;
	if (stat(path, &st))
		return -errno;
	return st.st_uid ? -EPERM : 0;
}

static void cg_parent(char *cg)
{
	char *slash = strrchr(cg, '/');

	if (slash == cg)
		cg[1] = '\0';
	else if (slash)
		*slash = '\0';
}

static const char *cg_base(const char *cg)
{
	const char *slash = strrchr(cg, '/');

	return slash ? slash + 1 : cg;
}

int agent_cg_find(const char *root, pid_t pid, struct agent_cg *where)
{
	char cg[AGENT_PATH_MAX], child[64];
	int err;

	memset(where, 0, sizeof(*where));
	err = agent_cg_of(pid, 0, cg, sizeof(cg));
	if (err)
		return err;
	/* Its main thread may be a vCPU thread, already moved. */
	snprintf(child, sizeof(child), AGENT_CG_CHILD "%d-", (int)pid);
	if (!strncmp(cg_base(cg), child, strlen(child)))
		cg_parent(cg);
	strcpy(where->vmm, cg);
	where->mode = AGENT_CG_OWN;
	if (!strcmp(cg_base(cg), "emulator")) {
		/* libvirt: <scope>/libvirt/emulator; the VM is the scope. */
		cg_parent(cg);
		if (!strcmp(cg_base(cg), "libvirt")) {
			where->mode = AGENT_CG_LIBVIRT;
			cg_parent(cg);
		} else {
			strcpy(cg, where->vmm);
		}
	}
	strcpy(where->weigh, strcmp(cg, "/") ? cg : "");
	err = cg_root_owned(root, where->vmm);
	if (!err && where->weigh[0])
		err = cg_root_owned(root, where->weigh);
	return err;
}

void agent_cg_child(const struct agent_cg *where, pid_t pid, uint32_t id,
		    char *child, size_t len)
{
	snprintf(child, len, "%s/" AGENT_CG_CHILD "%d-%" PRIu32,
		 strcmp(where->vmm, "/") ? where->vmm : "", (int)pid, id);
}

static bool has_word(const char *list, const char *word);

int agent_cg_has_cpu(const char *root, const char *cg, bool *has)
{
	char ctl[512];
	int err;

	err = agent_cg_read(root, cg, "cgroup.subtree_control", ctl,
			    sizeof(ctl));
	if (!err)
		*has = has_word(ctl, "cpu");
	return err;
}

static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);
	const char *p = list;

	while ((p = strstr(p, word))) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
		p += n;
	}
	return false;
}

/* The cpu controller for the children of @cg; *@added if it was not. */
static int enable_cpu(const char *root, const char *cg, bool *added)
{
	char ctl[512];
	int err;

	*added = false;
	err = agent_cg_read(root, cg, "cgroup.subtree_control", ctl,
			    sizeof(ctl));
	if (err)
		return err;
	if (has_word(ctl, "cpu"))
		return 0;
	err = agent_cg_write(root, cg, "cgroup.subtree_control", "+cpu");
	*added = !err;
	return err;
}

int agent_cg_enable_cpu_above(const char *root, const char *cg)
{
	char path[AGENT_PATH_MAX], *p;
	bool added;
	int err;

	if (!strcmp(cg, "/"))
		return 0;
	err = enable_cpu(root, "/", &added);
	strcpy(path, cg);
	for (p = strchr(path + 1, '/'); !err && p; p = strchr(p + 1, '/')) {
		*p = '\0';
		err = enable_cpu(root, path, &added);
		*p = '/';
	}
	return err;
}

/* The thread IDs listed in @cg's cgroup.threads, malloc'ed. */
static int cg_threads(const char *root, const char *cg, uint32_t **out,
		      unsigned int *nr)
{
	char path[PATH_MAX], line[32];
	uint32_t *t = NULL;
	unsigned int n = 0, cap = 0;
	FILE *f;
	int err;

	*out = NULL;
	*nr = 0;
	err = cg_path(path, sizeof(path), root, cg, "cgroup.threads");
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (n == cap) {
			uint32_t *m;

			cap = cap ? 2 * cap : 16;
			m = realloc(t, cap * sizeof(*t));
			if (!m) {
				free(t);
				fclose(f);
				return -ENOMEM;
			}
			t = m;
		}
		t[n++] = (uint32_t)strtoul(line, NULL, 10);
	}
	fclose(f);
	*out = t;
	*nr = n;
	return 0;
}

static bool has_tid(const uint32_t *t, unsigned int n, uint32_t tid)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		if (t[i] == tid)
			return true;
	return false;
}

/* A live thread of process @pid (not a reused number of another's). */
static bool thread_of(pid_t pid, uint32_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/%d/task/%" PRIu32, (int)pid, tid);
	return !access(path, F_OK);
}

static int move_thread(const char *root, const char *cg, uint32_t tid)
{
	char val[16];

	snprintf(val, sizeof(val), "%" PRIu32, tid);
	return agent_cg_write(root, cg, "cgroup.threads", val);
}

int agent_cg_cap(const char *root, const struct agent_cg *where, pid_t pid,
		 uint32_t id, const uint32_t *tids, unsigned int n,
		 uint64_t quota, uint32_t period, unsigned int *moved)
{
	char child[AGENT_PATH_MAX + 48], path[PATH_MAX], type[32], val[64];
	unsigned int i, nr_in = 0;
	uint32_t *in = NULL;
	bool added;
	int err, first = 0;

	*moved = 0;
	agent_cg_child(where, pid, id, child, sizeof(child));
	if (strlen(child) >= AGENT_PATH_MAX)
		return -ENAMETOOLONG;
	err = agent_cg_enable_cpu_above(root, where->vmm);
	if (err)
		return err;
	err = cg_path(path, sizeof(path), root, child, NULL);
	if (err)
		return err;
	if (mkdir(path, 0755) && errno != EEXIST)
		return -errno;
	err = agent_cg_read(root, child, "cgroup.type", type, sizeof(type));
	if (!err && strcmp(type, "threaded"))
		err = agent_cg_write(root, child, "cgroup.type", "threaded");
	if (!err)
		err = enable_cpu(root, where->vmm, &added);
	if (!err) {
		char now[64];

		/* Each write refills the quota: only a change is written. */
		snprintf(val, sizeof(val), "%" PRIu64 " %" PRIu32, quota,
			 period);
		err = agent_cg_read(root, child, "cpu.max", now, sizeof(now));
		if (!err && strcmp(now, val))
			err = agent_cg_write(root, child, "cpu.max", val);
	}
	if (!err)
		err = cg_threads(root, child, &in, &nr_in);
	if (err)
		return err;
	/* No longer a vCPU's: back where the VMM is. */
	for (i = 0; i < nr_in; i++) {
		if (has_tid(tids, n, in[i]))
			continue;
		err = move_thread(root, where->vmm, in[i]);
		if (err && err != -ESRCH && !first)
			first = err;
	}
	for (i = 0; i < n; i++) {
		if (!tids[i])
			continue;
		if (has_tid(in, nr_in, tids[i])) {
			(*moved)++;
			continue;
		}
		if (!thread_of(pid, tids[i]))
			continue;
		err = move_thread(root, child, tids[i]);
		/* A vCPU thread that ended since it was listed. */
		if (err == -ESRCH)
			continue;
		if (err) {
			if (!first)
				first = err;
			continue;
		}
		(*moved)++;
	}
	free(in);
	return first;
}

/* Another VM's child of kvm-sec in @cg (which still needs its cpu). */
static bool other_child(const char *root, const char *cg, const char *mine)
{
	char path[PATH_MAX];
	struct dirent *de;
	bool found = false;
	DIR *d;

	if (cg_path(path, sizeof(path), root, cg, NULL))
		return true;
	d = opendir(path);
	if (!d)
		return true;
	while (!found && (de = readdir(d)))
		found = !strncmp(de->d_name, AGENT_CG_CHILD,
				 strlen(AGENT_CG_CHILD)) &&
			strcmp(de->d_name, mine);
	closedir(d);
	return found;
}

int agent_cg_uncap(const char *root, const struct agent_cg *where, pid_t pid,
		   uint32_t id, bool enabled)
{
	char child[AGENT_PATH_MAX + 48], path[PATH_MAX];
	unsigned int i, nr = 0;
	uint32_t *in = NULL;
	int err = 0;

	agent_cg_child(where, pid, id, child, sizeof(child));
	err = cg_threads(root, child, &in, &nr);
	if (err && err != -ENOENT)
		return err;
	if (!err) {
		for (i = 0; i < nr; i++) {
			int e = move_thread(root, where->vmm, in[i]);

			if (e && e != -ESRCH && !err)
				err = e;
		}
		free(in);
		if (err)
			return err;
		err = cg_path(path, sizeof(path), root, child, NULL);
		if (err)
			return err;
		/* Its last threads may take a moment to leave: -EBUSY, again. */
		if (rmdir(path) && errno != ENOENT)
			return -errno;
	}
	if (enabled && strcmp(where->vmm, "/") &&
	    !other_child(root, where->vmm, strrchr(child, '/') + 1)) {
		err = agent_cg_write(root, where->vmm, "cgroup.subtree_control",
				     "-cpu");
		/* Refused while a child of another still uses it: kept. */
		if (err == -EBUSY || err == -ENOENT)
			err = 0;
	}
	return err;
}

int agent_cg_get_weight(const char *root, const char *cg, uint32_t *w)
{
	char buf[32], *end;
	unsigned long v;
	int err;

	err = agent_cg_read(root, cg, "cpu.weight", buf, sizeof(buf));
	if (err)
		return err;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (errno || *end || !v || v > 10000)
		return -EPROTO;
	*w = (uint32_t)v;
	return 0;
}

int agent_cg_set_weight(const char *root, const char *cg, uint32_t w)
{
	char val[16];

	snprintf(val, sizeof(val), "%" PRIu32, w);
	return agent_cg_write(root, cg, "cpu.weight", val);
}
