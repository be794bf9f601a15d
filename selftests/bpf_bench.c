// SPDX-License-Identifier: GPL-2.0
/*
 * bpf_bench: loads the eBPF alternatives make bench compares kvm-sec with,
 * and keeps them attached while the benchmark runs.
 *
 *   bpf_bench exit        BTF-typed trace point programs on KVM's trace
 *                         points (bpf/exit_count.bpf.c)
 *   bpf_bench tap IFNAME  tc programs on IFNAME's ingress and egress
 *                         (bpf/tap_count.bpf.c)
 *
 * It prints "ready" once attached, then waits for its standard input to
 * close, and prints what the programs counted, summed over every CPU, so
 * that the benchmark can check they ran: "exits N hypercalls N ..." or
 * "tx PACKETS rx PACKETS" (UDP over IPv4: keys the parser filled to the
 * protocol). Detached on exit (the tc hook is destroyed).
 */
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <linux/types.h>

#include "exit_count.h"
#include "exit_count.skel.h"
#include "tap_count.h"
#include "tap_count.skel.h"

static const char *const exit_class_names[EXIT_CLASS_NR] = {
	"exits", "hypercalls", "pio_in", "pio_out", "mmio_read", "mmio_write",
	"msr_read", "msr_write",
};

static void wait_stdin(void)
{
	char buf[64];

	puts("ready");
	fflush(stdout);
	while (read(STDIN_FILENO, buf, sizeof(buf)) > 0)
		;
}

static int exit_main(void)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned long long sum[EXIT_CLASS_NR] = { 0 };
	struct exit_count_key k, next, *prev = NULL;
	struct exit_count_bpf *skel;
	unsigned long long *v;
	int err, fd;

	if (ncpu < 0)
		return 1;
	skel = exit_count_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bpf_bench: cannot load exit_count: %s\n",
			strerror(errno));
		return 1;
	}
	err = exit_count_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "bpf_bench: cannot attach exit_count: %s\n",
			strerror(-err));
		exit_count_bpf__destroy(skel);
		return 1;
	}
	wait_stdin();
	exit_count_bpf__detach(skel);

	v = calloc(ncpu, sizeof(*v));
	if (!v) {
		exit_count_bpf__destroy(skel);
		return 1;
	}
	fd = bpf_map__fd(skel->maps.counts);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, v) || k.class >= EXIT_CLASS_NR)
			continue;
		for (int c = 0; c < ncpu; c++)
			sum[k.class] += v[c];
	}
	for (int c = 0; c < EXIT_CLASS_NR; c++)
		printf("%s%s %llu", c ? " " : "", exit_class_names[c], sum[c]);
	putchar('\n');
	free(v);
	exit_count_bpf__destroy(skel);
	return 0;
}

static int tap_main(const char *ifname)
{
	int ncpu = libbpf_num_possible_cpus();
	unsigned int ifindex = if_nametoindex(ifname);
	DECLARE_LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex,
			    .attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, in_opts);
	DECLARE_LIBBPF_OPTS(bpf_tc_opts, out_opts);
	struct tap_count_key k, next, *prev = NULL;
	unsigned long long pkts[2] = { 0, 0 };
	struct tap_count_bpf *skel;
	struct tap_count_val *v;
	int err, fd, st = 1;

	if (!ifindex) {
		fprintf(stderr, "bpf_bench: no interface %s\n", ifname);
		return 1;
	}
	if (ncpu < 0)
		return 1;
	skel = tap_count_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "bpf_bench: cannot load tap_count: %s\n",
			strerror(errno));
		return 1;
	}
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		fprintf(stderr, "bpf_bench: cannot create the clsact qdisc: %s\n",
			strerror(-err));
		goto out;
	}
	in_opts.prog_fd = bpf_program__fd(skel->progs.tap_ingress);
	out_opts.prog_fd = bpf_program__fd(skel->progs.tap_egress);
	hook.attach_point = BPF_TC_INGRESS;
	err = bpf_tc_attach(&hook, &in_opts);
	hook.attach_point = BPF_TC_EGRESS;
	if (!err)
		err = bpf_tc_attach(&hook, &out_opts);
	if (err) {
		fprintf(stderr, "bpf_bench: cannot attach to %s: %s\n", ifname,
			strerror(-err));
		goto destroy_hook;
	}
	wait_stdin();

	v = calloc(ncpu, sizeof(*v));
	if (!v)
		goto destroy_hook;
	fd = bpf_map__fd(skel->maps.counts);
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		/* UDP over IP: what the benchmark sends, parsed to the end. */
		if (bpf_map_lookup_elem(fd, &k, v) || k.dir > TAP_DIR_RX ||
		    k.proto != IPPROTO_UDP || k.peer[10] != 0xff)
			continue;
		for (int c = 0; c < ncpu; c++)
			pkts[k.dir] += v[c].packets;
	}
	printf("tx %llu rx %llu\n", pkts[TAP_DIR_TX], pkts[TAP_DIR_RX]);
	free(v);
	st = 0;
destroy_hook:
	/* Removes the clsact qdisc and both filters with it. */
	hook.attach_point = BPF_TC_INGRESS | BPF_TC_EGRESS;
	bpf_tc_hook_destroy(&hook);
out:
	tap_count_bpf__destroy(skel);
	return st;
}

int main(int argc, char **argv)
{
	if (argc == 2 && !strcmp(argv[1], "exit"))
		return exit_main();
	if (argc == 3 && !strcmp(argv[1], "tap"))
		return tap_main(argv[2]);
	fprintf(stderr, "usage: bpf_bench exit | bpf_bench tap IFNAME\n");
	return 2;
}
