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
		if (strlen(line + 3) >= len || line[3] != '/') {
			err = -ENAMETOOLONG;
			break;
		}
		strcpy(cg, line + 3);
		err = 0;
		break;
	}
	fclose(f);
	return err;
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

	(void)root;
	memset(where, 0, sizeof(*where));
	err = agent_cg_of(pid, 0, cg, sizeof(cg));
	if (err)
		return err;
	/* Its main thread may be a vCPU thread, already moved. */
	snprintf(child, sizeof(child), AGENT_CG_CHILD "%d", (int)pid);
	if (!strcmp(cg_base(cg), child))
		cg_parent(cg);
	strcpy(where->vmm, cg);
	if (!strcmp(cg_base(cg), "emulator")) {
		/* libvirt: <scope>/libvirt/emulator; the VM is the scope. */
		cg_parent(cg);
		if (!strcmp(cg_base(cg), "libvirt")) {
			where->mode = AGENT_CG_LIBVIRT;
			cg_parent(cg);
			strcpy(where->weigh, strcmp(cg, "/") ? cg : "");
			return 0;
		}
		strcpy(cg, where->vmm);
	}
	where->mode = AGENT_CG_OWN;
	strcpy(where->weigh, strcmp(cg, "/") ? cg : "");
	return 0;
}

void agent_cg_child(const struct agent_cg *where, pid_t pid, char *child,
		    size_t len)
{
	snprintf(child, len, "%s/" AGENT_CG_CHILD "%d",
		 strcmp(where->vmm, "/") ? where->vmm : "", (int)pid);
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

int agent_cg_cap(const char *root, const struct agent_cg *where, pid_t pid,
		 const uint32_t *tids, unsigned int n, uint64_t quota,
		 uint32_t period, bool *enabled, unsigned int *moved)
{
	char child[AGENT_PATH_MAX + 32], path[PATH_MAX], type[32], val[64];
	unsigned int i;
	bool added;
	int err;

	*moved = 0;
	agent_cg_child(where, pid, child, sizeof(child));
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
	if (err)
		return err;
	err = enable_cpu(root, where->vmm, &added);
	if (err)
		return err;
	*enabled |= added;
	snprintf(val, sizeof(val), "%" PRIu64 " %" PRIu32, quota, period);
	err = agent_cg_write(root, child, "cpu.max", val);
	if (err)
		return err;
	for (i = 0; i < n; i++) {
		if (!tids[i])
			continue;
		snprintf(val, sizeof(val), "%" PRIu32, tids[i]);
		err = agent_cg_write(root, child, "cgroup.threads", val);
		/* A vCPU thread that ended since the module listed it. */
		if (err == -ESRCH)
			continue;
		if (err)
			return err;
		(*moved)++;
	}
	return 0;
}

int agent_cg_uncap(const char *root, const struct agent_cg *where, pid_t pid,
		   bool enabled)
{
	char child[AGENT_PATH_MAX + 32], path[PATH_MAX], tid[32];
	FILE *f;
	int err = 0;

	agent_cg_child(where, pid, child, sizeof(child));
	err = cg_path(path, sizeof(path), root, child, "cgroup.threads");
	if (err)
		return err;
	f = fopen(path, "re");
	if (!f)
		return errno == ENOENT ? 0 : -errno;
	while (fgets(tid, sizeof(tid), f)) {
		int e;

		tid[strcspn(tid, "\n")] = '\0';
		e = agent_cg_write(root, where->vmm, "cgroup.threads", tid);
		if (e && e != -ESRCH && !err)
			err = e;
	}
	fclose(f);
	if (err)
		return err;
	err = cg_path(path, sizeof(path), root, child, NULL);
	if (err)
		return err;
	/* Its last threads may take a moment to leave: -EBUSY, tried again. */
	if (rmdir(path) && errno != ENOENT)
		return -errno;
	if (enabled && strcmp(where->vmm, "/")) {
		/* Refused while another child still uses it: then kept. */
		err = agent_cg_write(root, where->vmm, "cgroup.subtree_control",
				     "-cpu");
		if (err == -EBUSY)
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
