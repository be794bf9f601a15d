// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's state sealed for live migration (KVM_SEC_CMD_MIGRATE_SAVE and
 * _LOAD), without QEMU: this process owns KVM VMs (tvm) and speaks as a
 * migration's source and destination VMMs would, and as a compromised VMM
 * would. The state is sealed under the provider's key and taken only with
 * its seal, only by a VM that has not run and only once; a state sealed
 * with the right key is still checked; the VM's file is the only proof of
 * ownership; every refusal is counted. guest_migrate.sh migrates a real
 * guest between two QEMUs.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/if_alg.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "raw_nl.h"
#include "tvm.h"

#define SEAL_HDR	24
#define SEAL_TIME	16	/* u64 ns, CLOCK_REALTIME */
#define SEAL_MAC	32

static const unsigned char test_key[32] = "kvm-sec migrate_test key 0123456";

static int set_key(struct raw *r, const void *key, size_t len)
{
	char a[128];
	size_t n = put_attr(a, 0, KVM_SEC_A_MIGRATION_KEY, 4 + len, key, len);

	return raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n);
}

static int set_interval(struct raw *r, uint32_t ms)
{
	char a[16];
	size_t n = put_attr(a, 0, KVM_SEC_A_INTERVAL_MS, 8, &ms, 4);

	return raw_request(r, KVM_SEC_CMD_SET_CONFIG, 0, a, n);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* MIGRATE_SAVE for VM file @fd: its sealed state into @out. */
static int save(struct raw *r, int fd, void *out, size_t *len)
{
	const struct nlattr *st;
	uint32_t vfd = (uint32_t)fd;
	char a[16];
	size_t n = put_attr(a, 0, KVM_SEC_A_VM_FD, 8, &vfd, 4);
	int err;

	err = raw_request(r, KVM_SEC_CMD_MIGRATE_SAVE, 0, a, n);
	if (err)
		return err;
	st = raw_reply_attr(r, KVM_SEC_A_MIGRATION_STATE);
	if (!st)
		return -ENODATA;
	*len = st->nla_len - NLA_HDRLEN;
	memcpy(out, (const char *)st + NLA_HDRLEN, *len);
	return 0;
}

static int load(struct raw *r, int fd, const void *state, size_t len)
{
	static char a[KVM_SEC_MIGRATION_STATE_MAX + 64];
	uint32_t vfd = (uint32_t)fd;
	size_t n = 0;

	if (fd >= 0)
		n = put_attr(a, n, KVM_SEC_A_VM_FD, 8, &vfd, 4);
	n = put_attr(a, n, KVM_SEC_A_MIGRATION_STATE, 4 + len, state, len);
	return raw_request(r, KVM_SEC_CMD_MIGRATE_LOAD, 0, a, n);
}

/* The VM's state as GET_STATE gives it (the nest, whole), by VM ID. */
static int get_state(struct raw *r, uint32_t id, void *out, size_t *len)
{
	const struct nlattr *st;
	char a[16];
	size_t n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	int err;

	err = raw_request(r, KVM_SEC_CMD_GET_STATE, 0, a, n);
	if (err)
		return err;
	st = raw_reply_attr(r, KVM_SEC_A_VM_STATE);
	if (!st)
		return -ENODATA;
	*len = st->nla_len;
	memcpy(out, st, *len);
	return 0;
}

/*
 * HMAC-SHA256 of @data under @key, a forger's seal: by the kernel's crypto
 * API (AF_ALG) where it has one, else by Python's hmac module (the debug
 * kernel has no AF_ALG hash).
 */
static int hmac_by_python(const void *key, size_t klen, const void *data,
			  size_t len, unsigned char *mac)
{
	char dir[] = "/tmp/migrate_test.XXXXXX", cmd[512], out[128];
	char kpath[64], dpath[64];
	unsigned int i, b;
	FILE *f;
	int err = -1;

	if (!mkdtemp(dir))
		return -1;
	snprintf(kpath, sizeof(kpath), "%s/key", dir);
	snprintf(dpath, sizeof(dpath), "%s/data", dir);
	f = fopen(kpath, "w");
	if (!f || fwrite(key, 1, klen, f) != klen || fclose(f))
		goto out;
	f = fopen(dpath, "w");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f))
		goto out;
	snprintf(cmd, sizeof(cmd),
		 "python3 -c 'import hashlib, hmac, sys; "
		 "print(hmac.new(open(sys.argv[1], \"rb\").read(), "
		 "open(sys.argv[2], \"rb\").read(), hashlib.sha256).hexdigest())' "
		 "%s %s", kpath, dpath);
	if (run_capture(cmd, out, sizeof(out)) || strlen(out) < 2 * SEAL_MAC)
		goto out;
	for (i = 0; i < SEAL_MAC; i++) {
		if (sscanf(out + 2 * i, "%2x", &b) != 1)
			goto out;
		mac[i] = (unsigned char)b;
	}
	err = 0;
out:
	unlink(kpath);
	unlink(dpath);
	rmdir(dir);
	return err;
}

static int hmac_sha256(const void *key, size_t klen, const void *data,
		       size_t len, unsigned char *mac)
{
	struct sockaddr_alg sa = {
		.salg_family = AF_ALG,
		.salg_type = "hash",
		.salg_name = "hmac(sha256)",
	};
	int tfm, op = -1, err = -1;

	tfm = socket(AF_ALG, SOCK_SEQPACKET, 0);
	if (tfm < 0)
		return hmac_by_python(key, klen, data, len, mac);
	if (bind(tfm, (struct sockaddr *)&sa, sizeof(sa)) ||
	    setsockopt(tfm, SOL_ALG, ALG_SET_KEY, key, klen))
		goto out;
	op = accept(tfm, NULL, 0);
	if (op < 0 || write(op, data, len) != (ssize_t)len ||
	    read(op, mac, SEAL_MAC) != SEAL_MAC)
		goto out;
	err = 0;
out:
	if (op >= 0)
		close(op);
	close(tfm);
	return err ? hmac_by_python(key, klen, data, len, mac) : 0;
}

/* Attribute @type (enum kvm_sec_state) of a VM_STATE nest, or NULL. */
static struct nlattr *state_attr_of(unsigned char *state, uint16_t type)
{
	struct nlattr *nest = (struct nlattr *)state;
	size_t off = NLA_HDRLEN;

	while (off + NLA_HDRLEN <= nest->nla_len) {
		struct nlattr *a = (struct nlattr *)((char *)nest + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > nest->nla_len)
			return NULL;
		if ((a->nla_type & NLA_TYPE_MASK) == type)
			return a;
		off += NLA_ALIGN(a->nla_len);
	}
	return NULL;
}

/* The first attribute of @a but @skip that @b does not have the same, or 0. */
static int state_differs(unsigned char *a, unsigned char *b, uint16_t skip)
{
	struct nlattr *nest = (struct nlattr *)a, *x, *y;
	size_t off = NLA_HDRLEN;

	while (off + NLA_HDRLEN <= nest->nla_len) {
		x = (struct nlattr *)((char *)nest + off);
		if ((x->nla_type & NLA_TYPE_MASK) != skip) {
			y = state_attr_of(b, x->nla_type & NLA_TYPE_MASK);
			if (!y || y->nla_len != x->nla_len ||
			    memcmp(x, y, x->nla_len))
				return x->nla_type & NLA_TYPE_MASK;
		}
		off += NLA_ALIGN(x->nla_len);
	}
	return 0;
}

/* The K of the VM's own rule in a VM_STATE nest (0: the global one). */
static unsigned int rule_k(unsigned char *state)
{
	struct nlattr *rule = state_attr_of(state, KVM_SEC_STATE_RULE), *a;
	size_t off = NLA_HDRLEN;

	while (rule && off + NLA_HDRLEN <= rule->nla_len) {
		a = (struct nlattr *)((char *)rule + off);
		if ((a->nla_type & NLA_TYPE_MASK) == KVM_SEC_RULE_K_TENTHS)
			return *(uint32_t *)((char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	return 0;
}

/* The same, in a sealed state. */
static struct nlattr *state_attr(unsigned char *sealed, uint16_t type)
{
	return state_attr_of(sealed + SEAL_HDR, type);
}

/* Seal @sealed again under the test's key, as a forger with it would. */
static int reseal(unsigned char *sealed, size_t len)
{
	return hmac_sha256(test_key, sizeof(test_key), sealed, len - SEAL_MAC,
			   sealed + len - SEAL_MAC);
}

FIXTURE(mig) {
	struct vsec_ipc *ipc;
	struct raw raw;
	struct tvm src, dst;
	unsigned char state[KVM_SEC_MIGRATION_STATE_MAX];
	size_t len;
};

FIXTURE_SETUP(mig)
{
	struct tvm_profile p = { .hypercalls = 50, .hypercall_nr = 1 };

	if (!have_kvm())
		SKIP(return, "no /dev/kvm");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc));
	ASSERT_EQ(0, raw_open(&self->raw));
	/*
	 * No interval judged while a test runs: states stay as they are (a
	 * change of interval waits for a judge in flight, and starts one).
	 */
	ASSERT_EQ(0, set_interval(&self->raw, KVM_SEC_INTERVAL_MAX_MS - 1));
	ASSERT_EQ(0, set_interval(&self->raw, KVM_SEC_INTERVAL_MAX_MS));
	ASSERT_EQ(0, set_key(&self->raw, test_key, sizeof(test_key)));
	/* The source ran (its hypercalls); the destination never did. */
	ASSERT_EQ(0, tvm_create(&self->src, &p));
	ASSERT_EQ(0, tvm_run(&self->src, NULL));
	ASSERT_EQ(0, tvm_create(&self->dst, &p));
}

FIXTURE_TEARDOWN(mig)
{
	set_key(&self->raw, "", 0);
	set_interval(&self->raw, KVM_SEC_INTERVAL_DEFAULT_MS);
	tvm_destroy(&self->dst);
	tvm_destroy(&self->src);
	close(self->raw.fd);
	vsec_ipc_close(self->ipc);
}

static uint64_t status_u64(struct vsec_ipc *ipc, size_t off)
{
	struct vsec_status st;

	if (vsec_ipc_get_status(ipc, &st))
		return UINT64_MAX;
	return *(uint64_t *)((char *)&st + off);
}

#define STATUS(ipc, f) status_u64(ipc, offsetof(struct vsec_status, f))

/* The VM IDs of the fixture's two VMs: IDs go in creation order. */
static void vm_ids(FIXTURE_DATA(mig) *self, uint32_t *src, uint32_t *dst)
{
	struct vsec_vm *v = NULL;
	size_t nr = 0;

	*src = *dst = 0;
	if (vsec_ipc_list_vms(self->ipc, (uint32_t)getpid(), &v, &nr) == 0 &&
	    nr == 2) {
		*src = v[0].id < v[1].id ? v[0].id : v[1].id;
		*dst = v[0].id < v[1].id ? v[1].id : v[0].id;
	}
	free(v);
}

TEST_F_TIMEOUT(mig, the_state_goes_into_a_vm_that_never_ran_once, KSEC_TEST_TIMEOUT)
{
	unsigned char a[4096], b[4096];
	size_t alen, blen;
	uint32_t src, dst;
	uint64_t in = STATUS(self->ipc, migrations_in);
	uint64_t out = STATUS(self->ipc, migrations_out);
	uint64_t refused = STATUS(self->ipc, migrations_refused);
	struct vsec_limits l = { 0 };
	struct vsec_rule rule = { 0 };
	uint64_t t0, t1;
	int i;

	vm_ids(self, &src, &dst);
	ASSERT_NE(0, src);
	ASSERT_NE(0, dst);
	/*
	 * HSEM's state to carry, and the admin's: held at level 2, a rule
	 * of its own, a limit.
	 */
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, src, 2, -1));
	rule.given = 1u << KVM_SEC_RULE_K_TENTHS | 1u << KVM_SEC_RULE_WARM;
	rule.k_tenths = 55;
	rule.warm = 7;
	ASSERT_EQ(0, vsec_ipc_set_vm_rule(self->ipc, src, &rule));
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].given = true;
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].size = 100;
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].refill_ms = 1000;
	ASSERT_EQ(0, vsec_ipc_set_limits(self->ipc, src, &l));

	/* What a save costs, round trip (a figure, not a check). */
	t0 = now_ns();
	for (i = 0; i < 50; i++)
		ASSERT_EQ(0, save(&self->raw, self->src.vm_fd, self->state,
				  &self->len));
	t1 = now_ns();
	EXPECT_EQ(out + 50, STATUS(self->ipc, migrations_out));
	EXPECT_GE(KVM_SEC_MIGRATION_STATE_MAX, self->len);
	TH_LOG("sealed state: %zu bytes, MIGRATE_SAVE %llu us a round trip",
	       self->len, (unsigned long long)(t1 - t0) / 50 / 1000);

	t0 = now_ns();
	ASSERT_EQ(0, load(&self->raw, self->dst.vm_fd, self->state, self->len));
	t1 = now_ns();
	TH_LOG("MIGRATE_LOAD %llu us a round trip",
	       (unsigned long long)(t1 - t0) / 1000);
	EXPECT_EQ(in + 1, STATUS(self->ipc, migrations_in));
	/*
	 * The destination's state is now the source's, attribute for
	 * attribute, but the rule of its own, which only this host's admin
	 * gives; it was not before (it had not level 2).
	 */
	ASSERT_EQ(0, get_state(&self->raw, src, a, &alen));
	ASSERT_EQ(0, get_state(&self->raw, dst, b, &blen));
	EXPECT_EQ(0, state_differs(a, b, KVM_SEC_STATE_RULE));
	EXPECT_EQ(2, *((unsigned char *)state_attr_of(b, KVM_SEC_STATE_LEVEL) +
		       NLA_HDRLEN));
	EXPECT_EQ(2, *((unsigned char *)state_attr_of(b, KVM_SEC_STATE_ADMIN_LEVEL) +
		       NLA_HDRLEN));
	EXPECT_TRUE(rule_k(a) == 55 && rule_k(b) == 0)
		TH_LOG("own rule K: source %u, destination %u", rule_k(a),
		       rule_k(b));

	/* Once only, and never into a VM that ran. */
	EXPECT_EQ(-EBUSY, load(&self->raw, self->dst.vm_fd, self->state,
			       self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "given a state"));
	EXPECT_EQ(-EBUSY, load(&self->raw, self->src.vm_fd, self->state,
			       self->len));
	EXPECT_EQ(refused + 2, STATUS(self->ipc, migrations_refused));
}

TEST_F_TIMEOUT(mig, a_changed_byte_or_another_key_breaks_the_seal, KSEC_TEST_TIMEOUT)
{
	static const unsigned char other[16] = "another key 1234";
	unsigned char bad[KVM_SEC_MIGRATION_STATE_MAX];
	uint64_t refused = STATUS(self->ipc, migrations_refused);
	uint64_t tries = 0, wrong = 0;
	size_t i;

	ASSERT_EQ(0, save(&self->raw, self->src.vm_fd, self->state, &self->len));
	/* Every byte after the header, one at a time: the seal breaks. */
	for (i = SEAL_HDR; i < self->len; i++) {
		memcpy(bad, self->state, self->len);
		bad[i] ^= 0x40;
		if (load(&self->raw, self->dst.vm_fd, bad, self->len) !=
		    -EBADMSG) {
			TH_LOG("byte %zu changed: not -EBADMSG", i);
			wrong++;
		}
		tries++;
	}
	EXPECT_EQ(0, wrong);
	/*
	 * Every byte of the header: its magic, reserved words and length are
	 * checked, its version told apart, its time sealed with the rest.
	 */
	for (i = 0; i < SEAL_HDR; i++) {
		int want = i >= SEAL_TIME ? -EBADMSG :
			   i == 4 || i == 5 ? -EPROTONOSUPPORT : -EINVAL;

		memcpy(bad, self->state, self->len);
		bad[i] ^= 0x40;
		if (load(&self->raw, self->dst.vm_fd, bad, self->len) != want) {
			TH_LOG("header byte %zu changed: not %d", i, want);
			wrong++;
		}
		tries++;
	}
	EXPECT_EQ(0, wrong);
	EXPECT_EQ(-EINVAL, load(&self->raw, self->dst.vm_fd, self->state,
				self->len - 1));
	EXPECT_EQ(-EINVAL, load(&self->raw, self->dst.vm_fd, self->state, 20));
	tries += 2;
	/* Sealed under another key than this host's. */
	ASSERT_EQ(0, set_key(&self->raw, other, sizeof(other)));
	EXPECT_EQ(-EBADMSG, load(&self->raw, self->dst.vm_fd, self->state,
				 self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "another key"));
	/* No key here at all. */
	ASSERT_EQ(0, set_key(&self->raw, "", 0));
	EXPECT_EQ(-ENOKEY, load(&self->raw, self->dst.vm_fd, self->state,
				self->len));
	tries += 2;
	EXPECT_EQ(refused + tries, STATUS(self->ipc, migrations_refused));
	/* None of it was taken: the right state still is. */
	ASSERT_EQ(0, set_key(&self->raw, test_key, sizeof(test_key)));
	EXPECT_EQ(0, load(&self->raw, self->dst.vm_fd, self->state, self->len));
	/* Not by a VM that ran, though nobody gave it a state. */
	EXPECT_EQ(-EBUSY, load(&self->raw, self->src.vm_fd, self->state,
			       self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "has run"));
}

TEST_F_TIMEOUT(mig, a_state_sealed_with_the_key_is_still_checked, KSEC_TEST_TIMEOUT)
{
	unsigned char forged[KVM_SEC_MIGRATION_STATE_MAX];
	struct nlattr *level, *verdict;
	uint64_t sealed_ns;

	ASSERT_EQ(0, save(&self->raw, self->src.vm_fd, self->state, &self->len));
	memcpy(forged, self->state, self->len);
	if (reseal(forged, self->len))
		SKIP(return, "no HMAC-SHA256 here (AF_ALG, python3)");
	/* Sealed as the module seals: the same bytes. */
	ASSERT_EQ(0, memcmp(forged, self->state, self->len));
	/* A forger with the key: a level the module never writes. */
	level = state_attr(forged, KVM_SEC_STATE_LEVEL);
	verdict = state_attr(forged, KVM_SEC_STATE_VERDICT);
	ASSERT_NE(NULL, level);
	ASSERT_NE(NULL, verdict);
	*((unsigned char *)level + NLA_HDRLEN) = 3;
	ASSERT_EQ(0, reseal(forged, self->len));
	EXPECT_EQ(-ERANGE, load(&self->raw, self->dst.vm_fd, forged, self->len));
	EXPECT_NE('\0', self->raw.extack[0]);
	TH_LOG("level 3 refused: %s", self->raw.extack);
	/* ... and fields the module never writes together. */
	*((unsigned char *)level + NLA_HDRLEN) = 1;
	*((unsigned char *)verdict + NLA_HDRLEN) = KVM_SEC_VERDICT_ATTACKER;
	ASSERT_EQ(0, reseal(forged, self->len));
	EXPECT_EQ(-EINVAL, load(&self->raw, self->dst.vm_fd, forged, self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "level 1 has no verdict"));
	TH_LOG("attacker at level 1 refused: %s", self->raw.extack);
	/* A state sealed two minutes ago, or kept since: a replay. */
	*((unsigned char *)verdict + NLA_HDRLEN) = KVM_SEC_VERDICT_NONE;
	sealed_ns = *(uint64_t *)(forged + SEAL_TIME);
	*(uint64_t *)(forged + SEAL_TIME) = sealed_ns - 120000000000ull;
	ASSERT_EQ(0, reseal(forged, self->len));
	EXPECT_EQ(-ESTALE, load(&self->raw, self->dst.vm_fd, forged, self->len));
	TH_LOG("sealed 2 min ago: %s", self->raw.extack);
	/* ... or in the future, beyond the clocks' skew. */
	*(uint64_t *)(forged + SEAL_TIME) = sealed_ns + 60000000000ull;
	ASSERT_EQ(0, reseal(forged, self->len));
	EXPECT_EQ(-ESTALE, load(&self->raw, self->dst.vm_fd, forged, self->len));
	/* The same bytes resealed as they were: taken. */
	*(uint64_t *)(forged + SEAL_TIME) = sealed_ns;
	ASSERT_EQ(0, reseal(forged, self->len));
	EXPECT_EQ(0, memcmp(forged, self->state, self->len));
	EXPECT_EQ(0, load(&self->raw, self->dst.vm_fd, forged, self->len));
}

TEST_F_TIMEOUT(mig, the_vm_file_is_the_proof_and_the_key_the_admins, KSEC_TEST_TIMEOUT)
{
	uint64_t unkeyed = STATUS(self->ipc, migrations_unkeyed);
	unsigned char big[KVM_SEC_MIGRATION_KEY_MAX + 1] = { 0 };
	char out[512];
	int status;
	pid_t child;

	/* No VM file, not a KVM file. */
	EXPECT_EQ(-EINVAL, load(&self->raw, -1, self->state, 64));
	EXPECT_EQ(-EBADF, save(&self->raw, self->raw.fd, self->state,
			       &self->len));
	EXPECT_EQ(-EBADF, save(&self->raw, 999, self->state, &self->len));
	/* No key: nothing sealed, counted. */
	ASSERT_EQ(0, set_key(&self->raw, "", 0));
	EXPECT_EQ(-ENOKEY, save(&self->raw, self->src.vm_fd, self->state,
				&self->len));
	EXPECT_EQ(unkeyed + 1, STATUS(self->ipc, migrations_unkeyed));
	/* A key of 15 or 65 bytes is refused, saying why. */
	EXPECT_EQ(-EINVAL, set_key(&self->raw, "0123456789abcde", 15));
	EXPECT_NE(NULL, strstr(self->raw.extack, "16 to 64 bytes"));
	EXPECT_EQ(-ERANGE, set_key(&self->raw, big, sizeof(big)));
	ASSERT_EQ(0, set_key(&self->raw, test_key, sizeof(test_key)));

	/*
	 * An unprivileged VMM holding its VM's file takes its sealed state
	 * (the VMM of a migration needs no capability), but cannot set or
	 * remove the key.
	 */
	child = fork();
	ASSERT_LE(0, child);
	if (child == 0) {
		struct raw r;
		size_t len;

		if (drop_to_nobody() || raw_open(&r))
			_exit(10);
		if (save(&r, self->src.vm_fd, self->state, &len) || len < 100)
			_exit(11);
		if (set_key(&r, "", 0) != -EPERM ||
		    set_key(&r, test_key, sizeof(test_key)) != -EPERM)
			_exit(12);
		if (load(&r, self->dst.vm_fd, self->state, len))
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The key is still there, and never read back. */
	EXPECT_EQ(0, run_capture("vsecctl --json config", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"migration_key\":true"));
}

TEST_F_TIMEOUT(mig, an_admins_restore_is_not_replaced, KSEC_TEST_TIMEOUT)
{
	unsigned char st[4096];
	char a[4200];
	uint32_t src, dst;
	size_t len, n;

	vm_ids(self, &src, &dst);
	ASSERT_NE(0, dst);
	ASSERT_EQ(0, save(&self->raw, self->src.vm_fd, self->state, &self->len));
	/* The admin gives the destination a state (vsecctl restore)... */
	ASSERT_EQ(0, get_state(&self->raw, dst, st, &len));
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &dst, 4);
	memcpy(a + n, st, len);
	n += NLA_ALIGN(len);
	ASSERT_EQ(0, raw_request(&self->raw, KVM_SEC_CMD_SET_STATE, 0, a, n));
	/* ... and no VMM replaces it, though the VM never ran. */
	EXPECT_EQ(-EBUSY, load(&self->raw, self->dst.vm_fd, self->state,
			       self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "given a state"));
}

TEST_F_TIMEOUT(mig, what_the_admin_set_stays_and_exemptions_stay_here, KSEC_TEST_TIMEOUT)
{
	struct vsec_limits l = { 0 };
	struct tvm_profile p = { 0 };
	unsigned char st[4096];
	static struct vsec_vm v;
	struct tvm third;
	uint32_t src, dst;
	size_t len;

	vm_ids(self, &src, &dst);
	ASSERT_NE(0, dst);
	/* The source exempted by its admin: held at level 1. */
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, src, 1, -1));
	ASSERT_EQ(0, save(&self->raw, self->src.vm_fd, self->state, &self->len));
	/* A VM the admin set a limit on, before it ran: not replaced. */
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].given = true;
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].size = 100;
	l.l[KVM_SEC_LIMIT_TX_PACKETS - 1].refill_ms = 1000;
	ASSERT_EQ(0, vsec_ipc_set_limits(self->ipc, dst, &l));
	EXPECT_EQ(-EBUSY, load(&self->raw, self->dst.vm_fd, self->state,
			       self->len));
	EXPECT_NE(NULL, strstr(self->raw.extack, "set by the admin"));
	/* A fresh VM takes the state, but not the exemption. */
	ASSERT_EQ(0, tvm_create(&third, &p));
	EXPECT_EQ(0, load(&self->raw, third.vm_fd, self->state, self->len));
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, (uint32_t)getpid(), &v));
	ASSERT_EQ(0, get_state(&self->raw, v.id, st, &len));
	EXPECT_EQ(0, *((unsigned char *)state_attr_of(st, KVM_SEC_STATE_ADMIN_LEVEL) +
		       NLA_HDRLEN));
	EXPECT_EQ(1, *((unsigned char *)state_attr_of(st, KVM_SEC_STATE_LEVEL) +
		       NLA_HDRLEN));
	tvm_destroy(&third);
}

TEST_HARNESS_MAIN
