// SPDX-License-Identifier: GPL-2.0
/*
 * A VM's exit limits on real VMs: this process is the VMM of a VM whose
 * guest makes hypercalls (port writes, MMIO writes) without pause, and a
 * child process runs a neighbour doing the same, both held at level 1 by
 * the admin (HSEM's own limits are decision.sh's). Limited to R exits a
 * second, the VM's measured rate over several seconds is within 10 % of R
 * (a ratio of counts, not a timing assert) while the neighbour is never
 * paced; lifted, the rate comes back. A wait for a token is ended by a
 * signal to the vCPU thread and by lifting the limit, so a limited VM can
 * always be paused, migrated or killed. Limits are validated and reserved
 * to CAP_NET_ADMIN.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "tvm.h"

#define LIM(name)	(KVM_SEC_LIMIT_##name - KVM_SEC_LIMIT_TX_PACKETS)
#define CTR(vm, name)	((vm)->ctr[KVM_SEC_CTR_##name - KVM_SEC_CTR_EXITS])
#define HOUR_MS		3600000
/* Each limit is measured over this many windows of a second. */
#define WINDOWS		3

static const struct tvm_profile hypercall_flood = {
	.hypercalls = 100, .forever = true,
};
static const struct tvm_profile pio_flood = {
	.port_writes = 100, .port = 0x3f0, .forever = true,
};
/* Served inside KVM (the PIC's mask): paced before the guest is entered. */
static const struct tvm_profile pio_kernel_flood = {
	.port_writes = 100, .port = 0x21, .irqchip = true, .forever = true,
};
static const struct tvm_profile mmio_flood = {
	.mmio_writes = 100, .mmio_gpa = 0x20000, .forever = true,
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int set_one(struct vsec_ipc *ipc, uint32_t id, int lim, uint64_t size,
		   uint32_t refill_ms, uint64_t burst)
{
	struct vsec_limits l = { 0 };

	l.l[lim].given = true;
	l.l[lim].size = size;
	l.l[lim].refill_ms = refill_ms;
	l.l[lim].burst = burst;
	return vsec_ipc_set_limits(ipc, id, &l);
}

/* The VM's run loop, in a thread: its vCPU thread. */
struct flooder {
	struct tvm vm;
	pthread_t thread;
	volatile int stop;
	int err;
};

static void *flood(void *arg)
{
	struct flooder *f = arg;

	f->err = tvm_run(&f->vm, &f->stop);
	return NULL;
}

/* Nothing to do: the signal only ends KVM_RUN (and a wait for a token). */
static void on_kick(int sig)
{
	(void)sig;
}

static volatile int child_stop;

static void on_term(int sig)
{
	(void)sig;
	child_stop = 1;
}

/* The neighbour: its own VMM process, flooding until SIGTERM. */
static pid_t start_neighbour(const struct tvm_profile *p)
{
	pid_t pid = fork();
	struct tvm vm;

	if (pid)
		return pid;
	signal(SIGTERM, on_term);
	if (tvm_create(&vm, p))
		_exit(1);
	tvm_run(&vm, &child_stop);
	tvm_destroy(&vm);
	_exit(0);
}

/* The VM's count of counter @ctr; @at: when it was read (the middle). */
static uint64_t exits_at(struct vsec_ipc *ipc, pid_t pid, int ctr, double *at)
{
	double t0 = now_s();
	struct vsec_vm vm;
	uint64_t n = 0;

	if (!ksec_vm_of_pid(ipc, pid, &vm))
		n = vm.ctr[ctr];
	*at = (t0 + now_s()) / 2;
	return n;
}

static uint64_t exits_of(struct vsec_ipc *ipc, pid_t pid, int ctr)
{
	double at;

	return exits_at(ipc, pid, ctr, &at);
}

/* Exits of counter @ctr a second, over @secs seconds. */
static double rate_of(struct vsec_ipc *ipc, pid_t pid, int ctr, double secs)
{
	double t0, t1;
	uint64_t n0 = exits_at(ipc, pid, ctr, &t0), n1;

	ksec_msleep((unsigned int)(secs * 1000));
	n1 = exits_at(ipc, pid, ctr, &t1);
	return (n1 - n0) / (t1 - t0);
}

FIXTURE(pace) {
	struct vsec_ipc *ipc;
	struct flooder a;
	struct vsec_vm v;
	pid_t neighbour;
	bool running;
};

FIXTURE_SETUP(pace)
{
	self->ipc = NULL;
	self->neighbour = -1;
	self->running = false;
	if (!have_kvm())
		SKIP(return, "no usable /dev/kvm");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc)) TH_LOG("kvm-sec is not loaded");
}

FIXTURE_TEARDOWN(pace)
{
	int status;

	if (self->running) {
		self->a.stop = 1;
		pthread_kill(self->a.thread, SIGUSR1);
		pthread_join(self->a.thread, NULL);
		tvm_destroy(&self->a.vm);
	}
	if (self->neighbour > 0) {
		kill(self->neighbour, SIGTERM);
		waitpid(self->neighbour, &status, 0);
	}
	if (self->ipc)
		vsec_ipc_close(self->ipc);
}

static bool any_vm(const struct vsec_vm *vm, const void *arg)
{
	(void)vm;
	(void)arg;
	return true;
}

/* The VM, tracked by kvm-sec, before its guest runs. */
static void create_vm(struct __test_metadata *_metadata,
		      FIXTURE_DATA(pace) *self, const struct tvm_profile *p)
{
	struct sigaction sa = { .sa_handler = on_kick };

	/* No SA_RESTART: the signal ends KVM_RUN with EINTR. */
	ASSERT_EQ(0, sigaction(SIGUSR1, &sa, NULL));
	ASSERT_EQ(0, tvm_create(&self->a.vm, p));
	ASSERT_TRUE(ksec_wait_vm(self->ipc, getpid(), &self->v, any_vm, NULL));
}

static void run_vm(struct __test_metadata *_metadata,
		   FIXTURE_DATA(pace) *self)
{
	ASSERT_EQ(0, pthread_create(&self->a.thread, NULL, flood, &self->a));
	self->running = true;
}

static void start_flood(struct __test_metadata *_metadata,
			FIXTURE_DATA(pace) *self, const struct tvm_profile *p)
{
	create_vm(_metadata, self, p);
	run_vm(_metadata, self);
}

/*
 * The VM floods exits of counter @ctr; so does a neighbour. Limited to a
 * fifth of what it does unlimited (a bucket of 100 ms), it does the
 * limit's rate, within 10 %, over WINDOWS seconds, and its vCPU waited;
 * the neighbour is not paced (it keeps at least twice the limit).
 * Lifted, the rate comes back.
 */
static void paced_to_the_limit(struct __test_metadata *_metadata,
			       FIXTURE_DATA(pace) *self,
			       const struct tvm_profile *p, int lim, int ctr,
			       const char *name)
{
	double ra0, rb0, ra, rb, ra2, ratio;
	struct vsec_limits l;
	struct vsec_vm nv;
	uint64_t r;
	int i;

	/* First: it holds no file of this VMM's VM. */
	self->neighbour = start_neighbour(p);
	ASSERT_LT(0, self->neighbour);
	ASSERT_TRUE(ksec_wait_vm(self->ipc, self->neighbour, &nv, any_vm,
				 NULL));
	start_flood(_metadata, self, p);
	/* Both held at level 1: HSEM sets no limit of its own meanwhile. */
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, self->v.id, 1, -1));
	ASSERT_EQ(0, vsec_ipc_command_vm(self->ipc, nv.id, 1, -1));

	ra0 = rate_of(self->ipc, getpid(), ctr, 1);
	rb0 = rate_of(self->ipc, self->neighbour, ctr, 1);
	/* A fifth of its rate, in tens, at most 1000/s. */
	r = (uint64_t)(ra0 / 5) / 10 * 10;
	if (r > 1000)
		r = 1000;
	ASSERT_LE(20, r) TH_LOG("the VM made only %.0f %s exits/s", ra0, name);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, lim, r / 10, 100, 0));
	/* The bucket's own tokens spent. */
	ksec_msleep(300);
	ra = 0;
	for (i = 0; i < WINDOWS; i++) {
		double w = rate_of(self->ipc, getpid(), ctr, 1);

		TH_LOG("%s: window %d: %.0f/s", name, i, w);
		ra += w / WINDOWS;
	}
	rb = rate_of(self->ipc, self->neighbour, ctr, 1);
	ratio = ra / r;
	TH_LOG("%s: unlimited %.0f/s, limit %lu/s, limited %.0f/s (%.3f of the limit); neighbour %.0f/s then %.0f/s",
	       name, ra0, (unsigned long)r, ra, ratio, rb0, rb);
	EXPECT_GE(ratio, 0.9);
	EXPECT_LE(ratio, 1.1);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_TRUE(l.l[lim].present);
	EXPECT_EQ(r / 10, l.l[lim].size);
	EXPECT_EQ(100, l.l[lim].refill_ms);
	EXPECT_EQ(KVM_SEC_LIMIT_OWNER_ADMIN, l.l[lim].set_by);
	EXPECT_LT(0, l.l[lim].drops) TH_LOG("no exit waited");
	EXPECT_LT(0, l.l[lim].wait_us);
	/*
	 * The neighbour is not paced: paced with the VM, it would do at most
	 * the limit (a fifth of its rate, or less). It shares the lab's CPUs
	 * with the VM's host, whose speed moves: on the debug kernel both
	 * VMs once ran at half their rate for a while (the neighbour at 0.47
	 * of its own before, the VM at 0.54 after the lift). So it is
	 * measured against the limit, which noise does not move: at least
	 * twice it.
	 */
	EXPECT_GE(rb, 2.0 * r) TH_LOG("the neighbour was paced too");

	/*
	 * Lifted: the rate comes back. Against the limit as well, at least
	 * twice it (still paced, it would do at most the limit): on the debug
	 * kernel the VM once came back at 0.49 of its rate before the limit
	 * (1,137/s against 2,318/s, the neighbour slowed too), 2.47 times
	 * the limit.
	 */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, lim, 0, 0, 0));
	ra2 = rate_of(self->ipc, getpid(), ctr, 1);
	TH_LOG("%s: lifted: %.0f/s", name, ra2);
	EXPECT_GE(ra2, 2.0 * r) TH_LOG("still paced after the lift");
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(0, l.l[lim].size);
}

TEST_F_TIMEOUT(pace, hypercalls_paced_to_the_limit, KSEC_TEST_TIMEOUT)
{
	paced_to_the_limit(_metadata, self, &hypercall_flood, LIM(HYPERCALLS),
			   KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS,
			   "hypercalls");
}

TEST_F_TIMEOUT(pace, pio_paced_to_the_limit, KSEC_TEST_TIMEOUT)
{
	paced_to_the_limit(_metadata, self, &pio_flood, LIM(PIO),
			   KVM_SEC_CTR_PIO_OUT - KVM_SEC_CTR_EXITS, "pio");
}

TEST_F_TIMEOUT(pace, pio_in_kernel_paced_to_the_limit, KSEC_TEST_TIMEOUT)
{
	paced_to_the_limit(_metadata, self, &pio_kernel_flood, LIM(PIO),
			   KVM_SEC_CTR_PIO_OUT - KVM_SEC_CTR_EXITS,
			   "pio (in KVM)");
}

TEST_F_TIMEOUT(pace, mmio_paced_to_the_limit, KSEC_TEST_TIMEOUT)
{
	paced_to_the_limit(_metadata, self, &mmio_flood, LIM(MMIO),
			   KVM_SEC_CTR_MMIO_WRITE - KVM_SEC_CTR_EXITS, "mmio");
}

/* Until the limit's count of exits over it is @n (or 10 s). */
static bool paced_reaches(struct vsec_ipc *ipc, uint32_t id, int lim,
			  uint64_t n)
{
	struct vsec_limits l;
	int i;

	for (i = 0; i < 1000; i++) {
		if (!vsec_ipc_get_limits(ipc, id, &l) && l.l[lim].drops >= n)
			return true;
		ksec_msleep(10);
	}
	return false;
}

/* Until the VM's hypercall count stays put for 300 ms (or 10 s): its value. */
static uint64_t stalled(struct vsec_ipc *ipc)
{
	const int hc = KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS;
	uint64_t n = exits_of(ipc, getpid(), hc), m;
	int i;

	for (i = 0; i < 33; i++) {
		ksec_msleep(300);
		m = exits_of(ipc, getpid(), hc);
		if (m == n)
			return n;
		n = m;
	}
	return UINT64_MAX;
}

/*
 * A one-time burst of 50, then a token an hour, set before the guest runs:
 * it makes exactly 50 + 1 + 1 hypercalls, and its vCPU waits after the
 * last. A signal to the vCPU thread ends the wait (KVM_RUN returns to the
 * VMM, which enters again: one more hypercall, which waits an hour more);
 * lifting the limit ends that one, and the VM runs free.
 */
TEST_F_TIMEOUT(pace, burst_then_wait_ended_by_signal_and_lift,
	       KSEC_TEST_TIMEOUT)
{
	const int hc = KVM_SEC_CTR_HYPERCALLS - KVM_SEC_CTR_EXITS;
	struct vsec_limits l;
	uint64_t n;

	create_vm(_metadata, self, &hypercall_flood);
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(HYPERCALLS), 1, HOUR_MS,
			     50));
	run_vm(_metadata, self);
	EXPECT_EQ(52, stalled(self->ipc));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(0, l.l[LIM(HYPERCALLS)].burst);
	EXPECT_EQ(0, l.l[LIM(HYPERCALLS)].tokens);
	/* One exit over the limit, waiting. */
	EXPECT_EQ(1, l.l[LIM(HYPERCALLS)].drops);

	/* A signal ends the wait; the next hypercall waits again. */
	ASSERT_EQ(0, pthread_kill(self->a.thread, SIGUSR1));
	EXPECT_TRUE(paced_reaches(self->ipc, self->v.id, LIM(HYPERCALLS), 2));
	EXPECT_EQ(53, stalled(self->ipc));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(2, l.l[LIM(HYPERCALLS)].drops);

	/* Lifting the limit ends that wait: the VM runs free. */
	ASSERT_EQ(0, set_one(self->ipc, self->v.id, LIM(HYPERCALLS), 0, 0, 0));
	n = exits_of(self->ipc, getpid(), hc);
	ksec_msleep(200);
	EXPECT_LT(n + 100, exits_of(self->ipc, getpid(), hc));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, self->v.id, &l));
	EXPECT_EQ(2, l.l[LIM(HYPERCALLS)].drops);
}

/* Bounds are checked before anything changes; the admin's only. */
TEST_F_TIMEOUT(pace, bad_and_unprivileged_are_refused, KSEC_TEST_TIMEOUT)
{
	struct vsec_limits l;
	uint32_t id;
	pid_t child;
	int status, err;

	start_flood(_metadata, self, &hypercall_flood);
	id = self->v.id;
	/* Out of the policy's ranges: -ERANGE (-EINVAL before Linux 6.0). */
	err = set_one(self->ipc, id, LIM(MMIO), 1ULL << 40, 1000, 0);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	err = set_one(self->ipc, id, LIM(HYPERCALLS), 10, HOUR_MS + 1, 0);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	err = set_one(self->ipc, id, LIM(PIO), 10, 1000, 1ULL << 40);
	EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	EXPECT_FALSE(l.l[LIM(PIO)].present);
	EXPECT_FALSE(l.l[LIM(MMIO)].present);
	EXPECT_FALSE(l.l[LIM(HYPERCALLS)].present);

	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;
		char cmd[128], out[512];

		if (drop_to_nobody())
			_exit(10);
		if (vsec_ipc_open(&ipc))
			_exit(11);
		if (set_one(ipc, id, LIM(HYPERCALLS), 1, 1000, 0) != -EPERM)
			_exit(12);
		snprintf(cmd, sizeof(cmd), "vsecctl limit %u mmio 5 2>&1", id);
		if (run_capture(cmd, out, sizeof(out)) != 5)
			_exit(13);
		_exit(0);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	ASSERT_EQ(0, vsec_ipc_get_limits(self->ipc, id, &l));
	EXPECT_FALSE(l.l[LIM(HYPERCALLS)].present);
	EXPECT_FALSE(l.l[LIM(MMIO)].present);
}

TEST_HARNESS_MAIN
