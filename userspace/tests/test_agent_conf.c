// SPDX-License-Identifier: GPL-2.0
/* vsecd's configuration and its pure decisions (agent_conf.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "agent_conf.h"
#include "check.h"

static int line(struct agent_conf *c, const char *s)
{
	char err[128];

	return agent_conf_line(c, s, err, sizeof(err));
}

static int load(struct agent_conf *c, const char *text, char *err, size_t len)
{
	char path[] = "/tmp/test_agent_conf.XXXXXX";
	int fd = mkstemp(path), r;

	if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text))
		return -2;
	close(fd);
	r = agent_conf_load(c, path, true, err, len);
	unlink(path);
	return r;
}

int main(void)
{
	struct agent_conf c, d;
	uint64_t q;
	uint32_t p;
	char err[256];

	agent_conf_defaults(&c);
	CHECK(!strcmp(c.cgroup_root, "/sys/fs/cgroup"));
	CHECK(c.more_weight == 200 && c.max_weight == 400);

	/* Lines: blank, comments, spaces around '='. */
	CHECK(line(&c, "") == 0 && line(&c, "   # comment") == 0);
	CHECK(line(&c, "  more_weight =  300  ") == 0 && c.more_weight == 300);
	CHECK(line(&c, "hook=/usr/local/bin/page") == 0 &&
	      !strcmp(c.hook, "/usr/local/bin/page"));
	CHECK(line(&c, "hook =") == 0 && !c.hook[0]);
	CHECK(line(&c, "resync_s = 0") == -1);
	CHECK(line(&c, "resync_s = 3601") == -1);
	CHECK(line(&c, "resync_s = 5x") == -1);
	CHECK(line(&c, "resync_s = -5") == -1);
	CHECK(line(&c, "more_weight = 10001") == -1);
	CHECK(line(&c, "hook = relative/path") == -1);
	CHECK(line(&c, "cgroup_root =") == -1);
	CHECK(line(&c, "nosuchkey = 1") == -1);
	CHECK(line(&c, "no equals sign") == -1);
	CHECK(line(&c, "resync_s = 99999999999999999999") == -1);

	/* A bad file changes nothing, and names its line. */
	agent_conf_defaults(&c);
	d = c;
	CHECK(load(&c, "more_weight = 300\nbogus\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, ":2:") != NULL);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	CHECK(load(&c, "more_weight = 500\n", err, sizeof(err)) == -1);
	CHECK(strstr(err, "above max_weight") != NULL);
	CHECK(!memcmp(&c, &d, sizeof(c)));
	CHECK(load(&c, "more_weight = 500\nmax_weight = 800\n", err,
		   sizeof(err)) == 0 && c.more_weight == 500 &&
	      c.max_weight == 800);
	agent_conf_defaults(&c);
	CHECK(agent_conf_load(&c, "/nonexistent/vsecd.conf", false, err,
			      sizeof(err)) == 0);
	CHECK(agent_conf_load(&c, "/nonexistent/vsecd.conf", true, err,
			      sizeof(err)) == -1);

	/* Weights: only ever more, never above the bound. */
	agent_conf_defaults(&c);	/* 200, at most 400 */
	CHECK(agent_more_weight(&c, 100) == 200);
	CHECK(agent_more_weight(&c, 300) == 300);
	CHECK(agent_more_weight(&c, 400) == 400);
	CHECK(agent_more_weight(&c, 900) == 900);	/* never lowered */
	c.more_weight = 400;
	c.max_weight = 400;
	CHECK(agent_more_weight(&c, 1) == 400);

	/* cpu.max as the kernel writes it. */
	CHECK(agent_parse_cpu_max("max 100000", &q, &p) == 0 && q == 0 &&
	      p == 100000);
	CHECK(agent_parse_cpu_max("50000 100000\n", &q, &p) == 0 &&
	      q == 50000 && p == 100000);
	CHECK(agent_parse_cpu_max("50000", &q, &p) == -1);
	CHECK(agent_parse_cpu_max("0 100000", &q, &p) == -1);
	CHECK(agent_parse_cpu_max("max 0", &q, &p) == -1);
	CHECK(agent_parse_cpu_max("max 1000001", &q, &p) == -1);
	CHECK(agent_parse_cpu_max("-1 100000", &q, &p) == -1);
	CHECK(agent_parse_cpu_max("", &q, &p) == -1);
	return check_done("test_agent_conf");
}
