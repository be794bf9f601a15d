// SPDX-License-Identifier: GPL-2.0
/*
 * nl_fuzz: random and mutated messages for every command and attribute of
 * the kvm_sec family, as root and as nobody, for a bounded time.
 *
 *   nl_fuzz [--seconds S] [--seed N]
 *
 * Half the time as root, half in a child that became nobody. Messages are
 * made three ways: random attributes (any type, any length, lengths that
 * lie, nests of nests), valid requests with a few bytes flipped, and valid
 * requests with valid-looking values at the edges (IDs of live VMs, file
 * descriptors of a VM, of /dev/kvm, of nothing). Every reply is read to its
 * end. The module must answer every message with a reply or an error, and
 * still answer afterwards; the lab fails the run on any kernel complaint
 * (KASAN, lockdep, WARN). The configuration is put back as it was.
 * Prints the messages sent and "1 passed, 0 failed" or "0 passed, 1 failed".
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <linux/kvm_sec.h>
#include <linux/virtio_vsem.h>

#include "ksec_util.h"
#include "raw_nl.h"
#include "tvm.h"

#define MSG_MAX 6000

struct fuzz {
	struct raw raw;
	struct tvm vm;
	int have_vm;
	int kvm_fd;
	uint32_t ids[8];
	unsigned int nr_ids;
	unsigned long sent, acked, errors[8];
	int nobody;
	unsigned long violations;	/* nobody got per-VM data or wrote */
	/* A VM's state as GET_STATE gave it: SET_STATE's seed, mutated. */
	unsigned char state[4096];
	size_t state_len;
	char buf[MSG_MAX] __attribute__((aligned(4)));
	/* Replies: dumps of many VMs, errors that echo the request. */
	char rbuf[65536] __attribute__((aligned(4)));
};

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)random() % n : 0;
}

static void fill_random(void *p, size_t n)
{
	unsigned char *b = p;

	while (n--)
		*b++ = (unsigned char)random();
}

/* An attribute at @off; returns the new offset (bounded by MSG_MAX). */
static size_t put(char *buf, size_t off, uint16_t type, const void *data,
		  size_t len, int lie)
{
	struct nlattr *a = (struct nlattr *)(buf + off);
	size_t total = NLA_ALIGN(NLA_HDRLEN + len);

	if (off + total > MSG_MAX - NLMSG_HDRLEN - GENL_HDRLEN)
		return off;
	a->nla_type = type;
	a->nla_len = (uint16_t)(NLA_HDRLEN + len);
	if (lie)
		a->nla_len = (uint16_t)random();
	memcpy(a + 1, data, len);
	return off + total;
}

/* A plausible value for attribute @type (or random bytes). */
static size_t value_for(struct fuzz *f, uint16_t type, char *v)
{
	uint32_t u32;

	switch (rnd(4) ? type : 0) {
	case KVM_SEC_A_VM_ID:
		u32 = f->nr_ids && rnd(2) ? f->ids[rnd(f->nr_ids)] : (uint32_t)rnd(5);
		memcpy(v, &u32, 4);
		return 4;
	case KVM_SEC_A_VM_PID:
		u32 = rnd(2) ? (uint32_t)getpid() : (uint32_t)rnd(4);
		memcpy(v, &u32, 4);
		return 4;
	case KVM_SEC_A_VM_FD: {
		const int fds[] = { f->have_vm ? f->vm.vm_fd : -1,
				    f->have_vm ? f->vm.vcpu_fd : -1,
				    f->kvm_fd, 0, 1, 2, 999, -1 };

		u32 = (uint32_t)fds[rnd(8)];
		memcpy(v, &u32, 4);
		return 4;
	}
	case KVM_SEC_A_INTERVAL_MS:
	case KVM_SEC_A_GUEST_INTERVAL_MS: {
		const uint32_t edge[] = { 0, 1, 99, 100, 101, 500, 60000,
					  60001, 0xffffffff };

		u32 = edge[rnd(9)];
		memcpy(v, &u32, 4);
		return 4;
	}
	case KVM_SEC_A_VM_STATE: {
		/* A real state with a few bytes changed: deep in the checks. */
		unsigned int k, m = 1 + rnd(3);

		if (!f->state_len || !rnd(8)) {
			size_t n = rnd(24);

			fill_random(v, n);
			return n;
		}
		memcpy(v, f->state, f->state_len);
		for (k = 0; k < m; k++)
			v[rnd((unsigned int)f->state_len)] = (char)random();
		return f->state_len;
	}
	case KVM_SEC_A_GUEST_LEVEL:
		v[0] = (char)rnd(4);
		return rnd(3) ? 1 : (size_t)rnd(8);
	case KVM_SEC_A_PREFIXES: {
		struct virtio_vsem_prefix p[KVM_SEC_MAX_PREFIXES + 1];
		unsigned int n = rnd(KVM_SEC_MAX_PREFIXES + 2), i;

		memset(p, 0, sizeof(p));
		for (i = 0; i < n; i++) {
			p[i].family = rnd(2) ? 4 : 6;
			p[i].prefix_len = (uint8_t)rnd(140);
			if (!rnd(4))
				fill_random(&p[i], sizeof(p[i]));
		}
		memcpy(v, p, n * sizeof(p[0]));
		return n * sizeof(p[0]) + (rnd(5) ? 0 : rnd(3));
	}
	case KVM_SEC_A_RULE: {
		/* The rule's fields at and around their bounds, or 0. */
		const uint32_t edge[] = { 0, 1, 2, 3, 31, 32, 33, 255, 1000,
					  1001, 3600, 3601, 100000, 100001,
					  0xffffffff };
		size_t off = 0;
		unsigned int k, m = rnd(7);

		for (k = 0; k < m; k++) {
			uint16_t t = (uint16_t)(KVM_SEC_RULE_K_TENTHS +
						rnd(KVM_SEC_RULE_MAX));

			u32 = edge[rnd(15)];
			off = put(v, off, t, &u32,
				  t == KVM_SEC_RULE_M || t == KVM_SEC_RULE_N ?
				  1 : 4, !rnd(20));
		}
		return off;
	}
	case KVM_SEC_A_GUEST_REPORT: {
		struct virtio_vsem_report *r = (void *)v;
		size_t len = sizeof(*r) + 8 * rnd(20);

		memset(v, 0, len);
		fill_random(v + sizeof(*r), len - sizeof(*r));
		r->version = VIRTIO_VSEM_VERSION;
		r->len = (uint32_t)len;
		r->seq = random();
		r->level = (uint8_t)(1 + rnd(2));
		r->nr_entries = (uint16_t)rnd(20);
		if (!rnd(3))
			fill_random(v, sizeof(*r));
		return rnd(10) ? len : (size_t)rnd(4200);
	}
	default: {
		size_t n = rnd(8) ? rnd(24) : rnd(4200);

		fill_random(v, n);
		return n;
	}
	}
}

/* Attributes a command takes, and any other, with plausible values. */
static size_t build(struct fuzz *f, char *attrs, uint8_t cmd)
{
	static char v[4300];
	size_t off = 0;
	unsigned int n = rnd(6), i;

	(void)cmd;
	for (i = 0; i < n; i++) {
		uint16_t type = (uint16_t)rnd(KVM_SEC_A_MAX + 3);
		size_t len;

		if (!rnd(10)) {
			/* A nest of random attributes, sometimes nested again. */
			char inner[256];
			size_t in = 0;
			unsigned int k, m = rnd(5);

			for (k = 0; k < m; k++) {
				char b[16];

				fill_random(b, sizeof(b));
				in = put(inner, in, (uint16_t)rnd(20), b, rnd(17),
					 !rnd(8));
			}
			off = put(attrs, off, type | (rnd(2) ? NLA_F_NESTED : 0),
				  inner, in, !rnd(10));
			continue;
		}
		len = value_for(f, type, v);
		if ((type == KVM_SEC_A_RULE || type == KVM_SEC_A_VM_STATE) &&
		    rnd(4))
			type |= NLA_F_NESTED;
		off = put(attrs, off, type, v, len, !rnd(20));
	}
	return off;
}

/* Send, read every reply to the end; false if the module went silent. */
static int exchange(struct fuzz *f, uint8_t cmd, uint16_t flags,
		    const char *attrs, size_t alen, int mutate)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)f->buf;
	struct genlmsghdr *gh = NLMSG_DATA(nlh);
	struct pollfd pfd = { .fd = f->raw.fd, .events = POLLIN };
	ssize_t n;

	memset(f->buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + alen;
	nlh->nlmsg_type = f->raw.family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK | flags;
	nlh->nlmsg_seq = ++f->raw.seq;
	gh->cmd = cmd;
	gh->version = rnd(20) ? KVM_SEC_GENL_VERSION : (uint8_t)random();
	if (!rnd(30))
		gh->reserved = (uint16_t)random();
	memcpy(f->buf + NLMSG_HDRLEN + GENL_HDRLEN, attrs, alen);
	while (mutate--)
		f->buf[NLMSG_HDRLEN + rnd(nlh->nlmsg_len - NLMSG_HDRLEN)] =
			(char)random();
	cmd = gh->cmd;		/* as mutated */
	if (send(f->raw.fd, f->buf, nlh->nlmsg_len, 0) < 0)
		return errno == ENOBUFS || errno == EAGAIN;
	f->sent++;
	for (;;) {
		/* Replies are queued before send() returns; dumps continue. */
		if (poll(&pfd, 1, 5000) != 1) {
			struct nlmsghdr *q = (struct nlmsghdr *)f->buf;

			fprintf(stderr, "nl_fuzz: no answer to command %u (len %u flags %#x seq %u, genl %02x %02x %02x%02x)\n",
				cmd, q->nlmsg_len, q->nlmsg_flags, q->nlmsg_seq,
				(uint8_t)f->buf[16], (uint8_t)f->buf[17],
				(uint8_t)f->buf[18], (uint8_t)f->buf[19]);
			return 0;
		}
		n = recv(f->raw.fd, f->rbuf, sizeof(f->rbuf), 0);
		if (n < 0)
			return errno == ENOBUFS;
		for (nlh = (struct nlmsghdr *)f->rbuf; NLMSG_OK(nlh, n);
		     nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_seq != f->raw.seq)
				continue;
			if (nlh->nlmsg_type == f->raw.family && f->nobody) {
				const struct genlmsghdr *rg = NLMSG_DATA(nlh);

				/* Per-VM data reached nobody. */
				if (rg->cmd == KVM_SEC_CMD_GET_VM ||
				    rg->cmd == KVM_SEC_CMD_GET_FLOWS ||
				    rg->cmd == KVM_SEC_CMD_GET_DECISION ||
				    rg->cmd == KVM_SEC_CMD_GET_LIMITS ||
				    rg->cmd == KVM_SEC_CMD_GET_STATE)
					f->violations++;
			}
			if (nlh->nlmsg_type == NLMSG_DONE) {
				f->errors[0]++;
				f->acked++;
				return 1;
			}
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nlh);
				int k = -e->error;

				if (!k && f->nobody &&
				    (cmd == KVM_SEC_CMD_SET_CONFIG ||
				     cmd == KVM_SEC_CMD_SET_VM ||
				     cmd == KVM_SEC_CMD_SET_STATE))
					f->violations++;

				f->errors[k == EINVAL ? 1 : k == EPERM ? 2 :
					  k == ERANGE ? 3 : k == ENOENT ? 4 :
					  k == EOPNOTSUPP ? 5 : k == EBADF ? 6 :
					  k ? 7 : 0]++;
				f->acked++;
				return 1;
			}
		}
	}
}

static void remember_ids(struct fuzz *f)
{
	struct vsec_ipc *ipc;
	struct vsec_state *st;
	struct vsec_vm *vms;
	size_t nr, i;

	f->nr_ids = 0;
	if (vsec_ipc_open(&ipc))
		return;
	if (!vsec_ipc_list_vms(ipc, 0, &vms, &nr)) {
		for (i = 0; i < nr && f->nr_ids < 8; i++)
			f->ids[f->nr_ids++] = vms[i].id;
		free(vms);
	}
	if (!vsec_ipc_dump_states(ipc, &st, &nr)) {
		if (nr && st[0].len <= sizeof(f->state)) {
			memcpy(f->state, st[0].data, st[0].len);
			f->state_len = st[0].len;
		}
		vsec_states_free(st, nr);
	}
	vsec_ipc_close(ipc);
}

static int fuzz_for(struct fuzz *f, double seconds)
{
	static char attrs[MSG_MAX];
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		uint8_t cmd = (uint8_t)rnd(KVM_SEC_CMD_MAX + 3);
		uint16_t flags = rnd(4) ? 0 : NLM_F_DUMP;
		size_t alen = build(f, attrs, cmd);

		if (!exchange(f, cmd, flags, attrs, alen, rnd(3) ? 0 : 1 + rnd(4)))
			return -1;
		if ((f->sent & 255) == 0) {
			clock_gettime(CLOCK_MONOTONIC, &t);
			if (t.tv_sec - t0.tv_sec +
			    (t.tv_nsec - t0.tv_nsec) / 1e9 >= seconds)
				return 0;
		}
	}
}

static void report(const char *who, const struct fuzz *f)
{
	printf("# nl_fuzz %s: %lu messages, %lu answered: ok %lu, EINVAL %lu, EPERM %lu, ERANGE %lu, ENOENT %lu, EOPNOTSUPP %lu, EBADF %lu, other %lu\n",
	       who, f->sent, f->acked, f->errors[0], f->errors[1], f->errors[2],
	       f->errors[3], f->errors[4], f->errors[5], f->errors[6],
	       f->errors[7]);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "seconds", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	static struct fuzz f;
	struct vsec_config cfg, after;
	struct vsec_ipc *ipc;
	double seconds = 30;
	unsigned int seed = (unsigned int)time(NULL);
	int c, status, ok = 1, pipefd[2];
	unsigned long child_sent = 0;
	pid_t child;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 's')
			seconds = atof(optarg);
		else if (c == 'r')
			seed = (unsigned int)strtoul(optarg, NULL, 0);
		else
			return 2;
	}
	printf("# nl_fuzz: seed %u, %.0f s\n", seed, seconds);
	srandom(seed);
	if (vsec_ipc_open(&ipc) || vsec_ipc_get_config(ipc, &cfg) ||
	    raw_open(&f.raw)) {
		printf("# nl_fuzz: kvm-sec is not loaded\n0 passed, 1 failed\n");
		return 1;
	}
	f.have_vm = have_kvm() &&
		    !tvm_create(&f.vm, &(struct tvm_profile){ .hypercalls = 5 });
	if (f.have_vm)
		tvm_run(&f.vm, NULL);
	f.kvm_fd = f.have_vm ? f.vm.kvm_fd : -1;
	remember_ids(&f);

	if (pipe(pipefd))
		return 1;
	child = fork();
	if (!child) {
		close(pipefd[0]);
		srandom(seed + 1);
		f.sent = f.acked = 0;
		memset(f.errors, 0, sizeof(f.errors));
		/* A socket of its own: the parent's would take the replies. */
		close(f.raw.fd);
		if (drop_to_nobody() || raw_open(&f.raw))
			_exit(10);
		f.nobody = 1;
		status = fuzz_for(&f, seconds / 2);
		report("as nobody", &f);
		if (f.violations)
			printf("# nl_fuzz: nobody read per-VM data or wrote %lu times\n",
			       f.violations);
		fflush(stdout);
		if (write(pipefd[1], &f.sent, sizeof(f.sent)) != sizeof(f.sent))
			_exit(11);
		_exit(status ? 12 : f.violations ? 13 : 0);
	}
	close(pipefd[1]);
	if (fuzz_for(&f, seconds / 2))
		ok = 0;
	report("as root", &f);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) ||
	    WEXITSTATUS(status)) {
		printf("# nl_fuzz: the unprivileged half failed\n");
		ok = 0;
	}
	if (read(pipefd[0], &child_sent, sizeof(child_sent)) != sizeof(child_sent))
		child_sent = 0;

	/*
	 * Still answering; the configuration put back as it was, the
	 * anomaly rule too (the tests after this one assume it).
	 */
	cfg.rule.given = 0;
	for (c = KVM_SEC_RULE_K_TENTHS; c <= KVM_SEC_RULE_MAX; c++)
		cfg.rule.given |= 1u << c;
	if (vsec_ipc_set_interval(ipc, cfg.interval_ms) ||
	    vsec_ipc_set_prefixes(ipc, cfg.prefixes, cfg.nr_prefixes) ||
	    vsec_ipc_set_rule(ipc, &cfg.rule) ||
	    /* A fuzzed migration key, if there was none (unknown if one) */
	    (!cfg.migration_keyed &&
	     vsec_ipc_set_migration_key(ipc, "", 0)) ||
	    vsec_ipc_get_config(ipc, &after) ||
	    (!cfg.migration_keyed && after.migration_keyed) ||
	    after.interval_ms != cfg.interval_ms ||
	    after.rule.k_tenths != cfg.rule.k_tenths ||
	    after.rule.limit_attack_pct != cfg.rule.limit_attack_pct) {
		printf("# nl_fuzz: the module does not answer properly any more\n");
		ok = 0;
	}
	printf("# nl_fuzz: %lu messages in all (%lu as root, %lu as nobody)\n",
	       f.sent + child_sent, f.sent, child_sent);
	if (f.have_vm)
		tvm_destroy(&f.vm);
	vsec_ipc_close(ipc);
	printf("%d passed, %d failed\n", ok, !ok);
	return ok ? 0 : 1;
}
