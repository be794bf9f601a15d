// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ksec_util.h"

int ksec_vm_of_pid(struct vsec_ipc *ipc, uint32_t pid, struct vsec_vm *vm)
{
	struct vsec_vm *vms;
	size_t nr;
	int err;

	err = vsec_ipc_list_vms(ipc, pid, &vms, &nr);
	if (err)
		return err;
	if (!nr) {
		free(vms);
		return -ENOENT;
	}
	*vm = vms[nr - 1];
	free(vms);
	return 0;
}

bool ksec_wait_vm(struct vsec_ipc *ipc, uint32_t pid, struct vsec_vm *vm,
		  bool (*pred)(const struct vsec_vm *vm, const void *arg),
		  const void *arg)
{
	unsigned int waited;

	for (waited = 0; waited < KSEC_WAIT_MS; waited += 20) {
		if (!ksec_vm_of_pid(ipc, pid, vm) && pred(vm, arg))
			return true;
		ksec_msleep(20);
	}
	return false;
}

int ksec_dev_index(const struct vsec_vm *vm, const char *name)
{
	unsigned int i;

	for (i = 0; vm->net.present && i < vm->net.nr_devs; i++)
		if (!strcmp(vm->net.dev[i].name, name))
			return (int)i;
	return -1;
}

bool ksec_has_dev(const struct vsec_vm *vm, const void *name)
{
	return ksec_dev_index(vm, name) >= 0;
}

uint32_t ksec_ip4(const char *s)
{
	struct in_addr a;

	inet_pton(AF_INET, s, &a);
	return ntohl(a.s_addr);
}

void ksec_msleep(unsigned int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	nanosleep(&ts, NULL);
}

bool ksec_have_tun(void)
{
	char out[256];

	if (access("/dev/net/tun", R_OK | W_OK))
		run_capture("modprobe tun 2>&1", out, sizeof(out));
	return !access("/dev/net/tun", R_OK | W_OK);
}

int run_capture(const char *cmd, char *out, size_t len)
{
	FILE *p = popen(cmd, "r");
	char drop[4096];
	size_t n = 0;
	int st;

	if (!p)
		return -1;
	while (n + 1 < len) {
		size_t r = fread(out + n, 1, len - 1 - n, p);

		if (!r)
			break;
		n += r;
	}
	out[n] = '\0';
	/* The rest is read and dropped: the command must not die of SIGPIPE. */
	while (fread(drop, 1, sizeof(drop), p))
		;
	st = pclose(p);
	if (st < 0 || !WIFEXITED(st))
		return -1;
	return WEXITSTATUS(st);
}

bool json_find_u64(const char *json, const char *object, const char *key,
		   uint64_t *val)
{
	char pat[128];
	const char *p = json, *end;

	if (object) {
		snprintf(pat, sizeof(pat), "\"%s\":{", object);
		p = strstr(json, pat);
		if (!p)
			return false;
		end = strchr(p + strlen(pat), '}');
	} else {
		end = json + strlen(json);
	}
	snprintf(pat, sizeof(pat), "\"%s\":", key);
	p = strstr(p, pat);
	if (!p || (end && p > end))
		return false;
	*val = strtoull(p + strlen(pat), NULL, 10);
	return true;
}

bool have_kvm(void)
{
	return access("/dev/kvm", R_OK | W_OK) == 0;
}

#define NOBODY 65534

int drop_to_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
	    setresuid(NOBODY, NOBODY, NOBODY))
		return -1;
	return 0;
}
