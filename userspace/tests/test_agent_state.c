// SPDX-License-Identifier: GPL-2.0
/*
 * vsecd's records on disk (agent_state.c): written and read back as they
 * were; a file that is not one of them (cut short, a bad value, a path
 * that climbs out) set aside, never half read.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent.h"
#include "check.h"

static void put(const char *dir, const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static bool exists(const char *dir, const char *name)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	return !access(path, F_OK);
}

int main(void)
{
	char dir[] = "/tmp/test_agent_state.XXXXXX";
	struct agent_vm v = { 0 }, *got;
	size_t nr;

	if (!mkdtemp(dir))
		return 2;
	/* Its own start time, as /proc gives it: not 0. */
	CHECK(agent_proc_start(getpid()) > 0);
	CHECK(agent_proc_start(0x7ffffff0) == 0);

	v.id = 7;
	v.pid = 1234;
	v.start = 987654321;
	v.where.mode = AGENT_CG_LIBVIRT;
	strcpy(v.where.vmm, "/machine.slice/m.scope/libvirt/emulator");
	strcpy(v.where.weigh, "/machine.slice/m.scope");
	v.capped = true;
	v.quota = 30000;
	v.period = 100000;
	v.cpu_enabled = true;
	v.weight_orig = 100;
	v.weight = 200;
	v.orig = calloc(2, sizeof(*v.orig));
	v.nr_orig = 2;
	strcpy(v.orig[0].cg, "/machine.slice/m.scope/libvirt/vcpu0");
	strcpy(v.orig[0].max, "max 100000");
	strcpy(v.orig[1].cg, "/machine.slice/m.scope/libvirt/vcpu1");
	strcpy(v.orig[1].max, "50000 100000");
	v.advised = true;
	CHECK(agent_state_save(dir, &v) == 0);
	CHECK(exists(dir, "vm-1234-987654321-7"));
	CHECK(!exists(dir, "vm-1234-987654321-7.tmp"));

	/* Not records: cut short, bad values, a path out of cgroupfs. */
	/*
	 * Each named as its content says, so that only its one defect sets
	 * it aside; the first is the control: the same, without a defect.
	 */
	put(dir, "vm-20-20-20", "vsecd-state 1\npid 20\nstart 20\nid 20\nvmm /a\nweight 5\n");
	put(dir, "vm-1-1-1", "vsecd-state 1\npid 1\nstart 1\nid 1\nvmm /a\ncapped 1\n");
	put(dir, "vm-2-2-2", "vsecd-state 1\npid 2\nstart 2\nid 2\nvmm /a\nweight 10001\n");
	put(dir, "vm-3-3-3", "vsecd-state 1\npid 3\nstart 3\nid 3\nvmm /a/../../etc\n");
	put(dir, "vm-4-4-4", "vsecd-state 2\npid 4\nstart 4\nid 4\nvmm /a\n");
	put(dir, "vm-5-5-5", "vsecd-state 1\npid 5\nstart 5\nid 5\nvmm /a");	/* no newline */
	put(dir, "vm-6-6-6", "vsecd-state 1\npid 6\nstart 6\nid 6\nvmm /a\nmode other\n");
	/* A record under another VM's name: not trusted either. */
	put(dir, "vm-7-7-7", "vsecd-state 1\npid 9\nstart 9\nid 9\nvmm /a\nweight 5\n");
	put(dir, "vm-8-8-8.tmp", "left by a crash");
	put(dir, "notes", "not a record: left alone\n");

	CHECK(agent_state_load(dir, &got, &nr) == 0);
	CHECK(nr == 2);
	/* The control, whichever order the directory gives. */
	if (nr == 2 && got[0].pid == 20) {
		struct agent_vm t = got[0];

		got[0] = got[1];
		got[1] = t;
	}
	CHECK(nr == 2 && got[1].pid == 20 && got[1].weight == 5);
	if (nr == 2) {
		CHECK(got[0].pid == 1234 && got[0].start == 987654321 &&
		      got[0].id == 7);
		CHECK(got[0].where.mode == AGENT_CG_LIBVIRT);
		CHECK(!strcmp(got[0].where.vmm, v.where.vmm));
		CHECK(!strcmp(got[0].where.weigh, v.where.weigh));
		CHECK(got[0].capped && got[0].quota == 30000 &&
		      got[0].period == 100000 && got[0].cpu_enabled);
		CHECK(got[0].weight_orig == 100 && got[0].weight == 200 &&
		      got[0].advised);
		CHECK(got[0].nr_orig == 2);
		if (got[0].nr_orig == 2) {
			CHECK(!strcmp(got[0].orig[1].cg, v.orig[1].cg));
			CHECK(!strcmp(got[0].orig[1].max, "50000 100000"));
		}
		free(got[0].orig);
	}
	free(got);
	for (int i = 1; i <= 7; i++) {
		char name[32];

		snprintf(name, sizeof(name), "vm-%d-%d-%d.bad", i, i, i);
		CHECK(exists(dir, name));
	}
	CHECK(!exists(dir, "vm-8-8-8.tmp"));
	CHECK(exists(dir, "notes"));

	/* Removed: nothing left to load. */
	agent_state_remove(dir, &v);
	agent_state_remove(dir, &(struct agent_vm){ .pid = 20, .start = 20,
						    .id = 20 });
	CHECK(agent_state_load(dir, &got, &nr) == 0 && nr == 0);
	free(got);
	free(v.orig);
	for (int i = 1; i <= 7; i++) {
		char path[512];

		snprintf(path, sizeof(path), "%s/vm-%d-%d-%d.bad", dir, i, i, i);
		unlink(path);
	}

	put(dir, "notes", "");
	{
		char path[512];

		snprintf(path, sizeof(path), "%s/notes", dir);
		unlink(path);
	}
	CHECK(rmdir(dir) == 0);
	return check_done("test_agent_state");
}
