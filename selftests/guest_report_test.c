// SPDX-License-Identifier: GPL-2.0
/*
 * The guest report path of kvm-sec.ko without a guest: this process owns a
 * KVM VM (tvm) and speaks as its VMM would (KVM_SEC_CMD_GUEST_REPORT), as
 * well as a compromised VMM would. A report goes to the VM whose file
 * descriptor the sender holds and names, never by PID; it is validated
 * again, rate-limited and counted; SET_VM commands a level and an interval
 * that come back in the reply; random mutations never hurt the module.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/virtio_vsem.h>

#include "kselftest_harness.h"
#include "ksec_util.h"
#include "raw_nl.h"
#include "tap.h"
#include "tvm.h"

/* A well-formed level-1 report: NET, HV_REQUESTS and WORKLOAD. */
struct report1 {
	struct virtio_vsem_report h;
	struct virtio_vsem_entry e_net;
	struct virtio_vsem_net net;
	struct virtio_vsem_entry e_hv;
	struct virtio_vsem_hv hv;
	struct virtio_vsem_entry e_wl;
	struct virtio_vsem_workload wl;
};

static void make_report(struct report1 *r, uint64_t seq, uint64_t tx)
{
	memset(r, 0, sizeof(*r));
	r->h.version = VIRTIO_VSEM_VERSION;
	r->h.nr_entries = 3;
	r->h.len = sizeof(*r);
	r->h.seq = seq;
	r->h.interval_ms = 1000;
	r->h.level = VIRTIO_VSEM_LEVEL_1;
	r->e_net.type = VIRTIO_VSEM_E_NET;
	r->e_net.len = sizeof(r->e_net) + sizeof(r->net);
	r->net.tx_packets = tx;
	r->net.tx_bytes = tx * 100;
	r->e_hv.type = VIRTIO_VSEM_E_HV_REQUESTS;
	r->e_hv.len = sizeof(r->e_hv) + sizeof(r->hv);
	r->hv.notifications = 3;
	r->e_wl.type = VIRTIO_VSEM_E_WORKLOAD;
	r->e_wl.len = sizeof(r->e_wl) + sizeof(r->wl);
	r->wl.cpu_permille = 100;
	r->wl.mem_used_kib = 1000;
	r->wl.mem_available_kib = 9000;
}

/*
 * A report for the VM of file descriptor @fd (-1: none named), of device
 * epoch *@epoch (NULL: no epoch attribute, as from a VMM without epochs).
 */
static int send_report_epoch(struct raw *r, int fd, const uint64_t *epoch,
			     const void *rep, size_t len)
{
	static char a[8192];
	uint32_t vfd = (uint32_t)fd;
	size_t n = 0;

	if (fd >= 0)
		n = put_attr(a, n, KVM_SEC_A_VM_FD, 8, &vfd, 4);
	if (epoch)
		n = put_attr(a, n, KVM_SEC_A_GUEST_EPOCH, 12, epoch, 8);
	n = put_attr(a, n, KVM_SEC_A_GUEST_REPORT, 4 + len, rep, len);
	return raw_request(r, KVM_SEC_CMD_GUEST_REPORT, 0, a, n);
}

static int send_report_fd(struct raw *r, int fd, const void *rep, size_t len)
{
	return send_report_epoch(r, fd, NULL, rep, len);
}

/*
 * The same, at the pace the module accepts: a report refused as over the
 * rate (-EBUSY, a token bucket of KVM_SEC_GUEST_REPORTS_BURST refilled at
 * KVM_SEC_GUEST_REPORTS_PER_S) is sent again once a token is due, as a
 * VMM would; the module counts every refusal.
 */
static int send_paced(struct raw *r, int fd, const uint64_t *epoch,
		      const void *rep, size_t len)
{
	struct timespec token = { 0, 1000000000L / KVM_SEC_GUEST_REPORTS_PER_S };
	int err, i;

	for (i = 0; i < 4 * KVM_SEC_GUEST_REPORTS_PER_S; i++) {
		err = send_report_epoch(r, fd, epoch, rep, len);
		if (err != -EBUSY)
			return err;
		nanosleep(&token, NULL);
	}
	return err;
}

FIXTURE(guest) {
	struct vsec_ipc *ipc;
	struct raw raw;
	struct tvm vm;
	uint64_t seq;
};

FIXTURE_SETUP(guest)
{
	struct tvm_profile p = { .hypercall_nr = 1 };

	if (!have_kvm())
		SKIP(return, "no /dev/kvm");
	ASSERT_EQ(0, vsec_ipc_open(&self->ipc));
	ASSERT_EQ(0, raw_open(&self->raw));
	ASSERT_EQ(0, tvm_create(&self->vm, &p));
	self->seq = 0;
}

/* A report for the fixture's own VM, named by its VM file, paced. */
#define send_report(r, rep, len) \
	send_paced(r, self->vm.vm_fd, NULL, rep, len)

FIXTURE_TEARDOWN(guest)
{
	tvm_destroy(&self->vm);
	close(self->raw.fd);
	vsec_ipc_close(self->ipc);
}

static struct vsec_guest *guest_of_self(struct vsec_ipc *ipc,
					struct vsec_vm *vm)
{
	if (ksec_vm_of_pid(ipc, (uint32_t)getpid(), vm))
		return NULL;
	return &vm->guest;
}

TEST_F_TIMEOUT(guest, reports_reach_the_senders_vm, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	const struct nlattr *a;
	struct report1 rep;
	struct vsec_guest *g;

	ASSERT_NE(NULL, vm);
	make_report(&rep, ++self->seq, 7);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	/* The reply is the control for the device: auto, no history yet. */
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint8_t *)(a + 1));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY_SEQ);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint32_t *)(a + 1));
	EXPECT_EQ(NULL, raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY));

	make_report(&rep, ++self->seq, 5);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	ASSERT_TRUE(g->present);
	EXPECT_EQ(2, g->reports);
	EXPECT_EQ(2, g->seq);
	EXPECT_EQ(1, g->level);
	EXPECT_EQ(5, g->last[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	EXPECT_EQ(12, g->total[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	EXPECT_EQ(1200, g->total[VIRTIO_VSEM_FEAT_TX_BYTES]);
	EXPECT_EQ(3, g->last[VIRTIO_VSEM_FEAT_HV_REQUESTS]);
	EXPECT_EQ(100, g->last[VIRTIO_VSEM_FEAT_CPU_PERMILLE]);
	EXPECT_EQ(100, g->last[VIRTIO_VSEM_FEAT_MEM_PERMILLE]);
	free(vm);
}

/* Pass @fd over a UNIX socket. */
static int send_fd(int sock, int fd)
{
	char c = 0, ctl[CMSG_SPACE(sizeof(int))] = { 0 };
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&m);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char c, ctl[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &c, 1 };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	cm = CMSG_FIRSTHDR(&m);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -1;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

/* The one VM with this ID; its guest record. */
static struct vsec_guest *guest_of_id(struct vsec_ipc *ipc, uint32_t id,
				      struct vsec_vm *vm)
{
	if (vsec_ipc_get_vm(ipc, id, vm))
		return NULL;
	return &vm->guest;
}

/*
 * The creator of a VM hands its file to another process and closes its
 * own: the creator, whose PID the module recorded, is refused; the holder
 * reports, before and after the creator exits. Before kvm-sec asked for
 * the file, the creator was accepted and the holder got ESRCH.
 */
TEST_F_TIMEOUT(guest, the_fd_holder_speaks_for_the_vm_not_its_creator, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	int sv[2], go[2], status, fd;
	struct report1 rep;
	pid_t child;
	char c = 0;

	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_EQ(0, pipe(go));
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct tvm t;
		struct raw r;
		int old, err;

		close(sv[0]);
		close(go[1]);
		tvm_destroy(&self->vm);		/* the parent's, not ours */
		if (tvm_create(&t, &(struct tvm_profile){ .hypercall_nr = 1 }) ||
		    raw_open(&r) || send_fd(sv[1], t.vm_fd))
			_exit(10);
		old = t.vm_fd;
		tvm_destroy(&t);		/* every file of the VM closed */
		/* The creator names its old descriptor: not open any more. */
		make_report(&rep, 1, 1);
		err = send_report_fd(&r, old, &rep, sizeof(rep));
		if (err != -EBADF || !strstr(r.extack, "not a file descriptor"))
			_exit(11);
		/* ...or something else at that number. */
		if (dup2(open("/dev/null", O_RDONLY), old) != old)
			_exit(12);
		if (send_report_fd(&r, old, &rep, sizeof(rep)) != -EBADF ||
		    !strstr(r.extack, "not a KVM VM or vCPU file"))
			_exit(13);
		/* ...or no descriptor at all. */
		if (send_report_fd(&r, -1, &rep, sizeof(rep)) != -EINVAL)
			_exit(14);
		/* Wait until the parent has reported (or died), then exit. */
		if (read(go[0], &c, 1) != 1)
			_exit(15);
		_exit(0);
	}
	/* Our copies closed: a child that dies early is an EOF, not a hang. */
	close(sv[1]);
	close(go[0]);
	fd = recv_fd(sv[0]);
	ASSERT_GE(fd, 0);
	/* The new holder reports: the VM is the creator's, by PID. */
	make_report(&rep, 1, 4);
	ASSERT_EQ(0, send_report_fd(&self->raw, fd, &rep, sizeof(rep)))
		TH_LOG("%s", self->raw.extack);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, (uint32_t)child, vm));
	EXPECT_EQ(1, vm->guest.reports);
	EXPECT_EQ(4, vm->guest.last[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	ASSERT_EQ(1, write(go[1], &c, 1));
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The creator is gone; the VM and its holder are not. */
	make_report(&rep, 2, 6);
	ASSERT_EQ(0, send_report_fd(&self->raw, fd, &rep, sizeof(rep)));
	ASSERT_NE(NULL, guest_of_id(self->ipc, vm->id, vm));
	EXPECT_EQ(2, vm->guest.reports);
	EXPECT_EQ(10, vm->guest.total[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	/* The fixture's own VM, this process's by PID, got nothing. */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, (uint32_t)getpid(), vm));
	EXPECT_FALSE(vm->guest.present);
	close(fd);
	close(sv[0]);
	close(go[1]);
	free(vm);
}

/* One process, two VMs: each report goes where its descriptor says. */
TEST_F_TIMEOUT(guest, a_process_with_two_vms_reports_into_each, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *va = calloc(1, sizeof(*va));
	struct vsec_vm *vb = calloc(1, sizeof(*vb));
	struct report1 rep;
	struct tvm b;
	int i;

	ASSERT_NE(NULL, va);
	ASSERT_NE(NULL, vb);
	ASSERT_EQ(0, tvm_create(&b, &(struct tvm_profile){ .hypercall_nr = 1 }));
	for (i = 1; i <= 2; i++) {
		make_report(&rep, i, 100);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	}
	for (i = 1; i <= 3; i++) {
		make_report(&rep, i, 1000);
		/* A vCPU file names its VM as well as the VM file does. */
		ASSERT_EQ(0, send_report_fd(&self->raw,
					    i == 3 ? b.vcpu_fd : b.vm_fd,
					    &rep, sizeof(rep)));
	}
	/* The VM with the higher ID is b, the later one. */
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, (uint32_t)getpid(), vb));
	ASSERT_NE(NULL, guest_of_id(self->ipc, vb->id - 1, va));
	EXPECT_EQ(2, va->guest.reports);
	EXPECT_EQ(200, va->guest.total[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	EXPECT_EQ(3, vb->guest.reports);
	EXPECT_EQ(3000, vb->guest.total[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	/* /dev/kvm is a KVM file, but no VM's. */
	EXPECT_EQ(-EBADF, send_report_fd(&self->raw, b.kvm_fd, &rep, sizeof(rep)));
	tvm_destroy(&b);
	free(va);
	free(vb);
}

TEST_F_TIMEOUT(guest, malformed_reports_are_rejected_and_counted, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct report1 rep, bad;
	char a[64];
	uint32_t id = 1;
	size_t n;
	int i;

	ASSERT_NE(NULL, vm);
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));

	bad = rep;			/* the same sequence number again */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_NE(NULL, strstr(self->raw.extack, "sequence"));
	make_report(&bad, self->seq + 1, 1);
	bad.h.version = 9;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.h.len += 8;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.h.level = 3;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.wl.cpu_permille = 1001;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_hv.type = VIRTIO_VSEM_E_NET;	/* NET twice */
	bad.e_hv.len = bad.e_net.len;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_wl.len = 12;			/* not a multiple of 8 */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	make_report(&bad, self->seq + 1, 1);
	bad.e_hv.type = VIRTIO_VSEM_E_FLOW;	/* level 2 in level 1 */
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, 10));
	/* Must-be-zero fields (spec 7): the header's, an entry header's. */
	make_report(&bad, self->seq + 1, 1);
	bad.h.reserved = 1;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_NE(NULL, strstr(self->raw.extack, "reserved"));
	make_report(&bad, self->seq + 1, 1);
	bad.e_wl.reserved = 0x100;
	EXPECT_EQ(-EINVAL, send_report(&self->raw, &bad, sizeof(bad)));
	EXPECT_NE(NULL, strstr(self->raw.extack, "reserved"));
	/* A report that names a VM by ID: not an attribute it takes. */
	make_report(&bad, self->seq + 1, 1);
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	EXPECT_EQ(-EINVAL, raw_request(&self->raw, KVM_SEC_CMD_GUEST_REPORT,
				       0, a, n));
	/* Over the largest report size: refused by the policy (ERANGE). */
	{
		static char big[VIRTIO_VSEM_MAX_REPORT_SIZE + 8];
		int err = send_report(&self->raw, big, sizeof(big));

		EXPECT_TRUE(err == -ERANGE || err == -EINVAL) TH_LOG("%d", err);
	}

	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(1, vm->guest.reports);
	EXPECT_EQ(11, vm->guest.rejected);
	EXPECT_EQ(1, vm->guest.seq);

	/* Random mutations of a valid report: verdicts, never damage. */
	srandom(1);
	for (i = 0; i < 200; i++) {
		unsigned char *b = (unsigned char *)&bad;
		int err, k;

		make_report(&bad, self->seq + 1, (uint64_t)i);
		for (k = 0; k < 1 + i % 4; k++)
			b[random() % sizeof(bad)] = (unsigned char)random();
		err = send_report(&self->raw, &bad,
				  i % 7 ? sizeof(bad) :
				  (size_t)(random() % sizeof(bad)));
		ASSERT_TRUE(err == 0 || err == -EINVAL || err == -EBUSY)
			TH_LOG("mutation %d: %d", i, err);
		if (!err)
			self->seq = vm->guest.seq = bad.h.seq;
	}
	free(vm);
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* The next report of the fixture's VM, unpaced; counts the outcome. */
static int send_next(FIXTURE_DATA(guest) *self, struct report1 *rep,
		     int *ok, int *busy)
{
	int err;

	make_report(rep, self->seq + 1, 1);
	err = send_report_fd(&self->raw, self->vm.vm_fd, rep, sizeof(*rep));
	self->seq += !err;
	*ok += !err;
	*busy += err == -EBUSY;
	return err;
}

/*
 * A token bucket: a burst, then the rate, whatever the timing; a fixed
 * one-second window let twice the rate through around its edge.
 */
TEST_F_TIMEOUT(guest, a_flood_is_throttled_and_counted, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct timespec ms = { 0, 1000000 };
	int i, ok = 0, busy = 0, err;
	struct report1 rep;
	double t0, t;

	ASSERT_NE(NULL, vm);
	t0 = now_s();
	for (i = 0; i < 3 * KVM_SEC_GUEST_REPORTS_PER_S; i++) {
		err = send_next(self, &rep, &ok, &busy);
		ASSERT_TRUE(err == 0 || err == -EBUSY);
	}
	t = now_s() - t0;
	EXPECT_GE(ok, KVM_SEC_GUEST_REPORTS_BURST);
	EXPECT_LE(ok, KVM_SEC_GUEST_REPORTS_BURST + 1 +
		  (int)(t * KVM_SEC_GUEST_REPORTS_PER_S)) TH_LOG("%d in %.3f s", ok, t);
	/* One report a millisecond for 1.5 s: at most burst + rate a second. */
	t0 = now_s();
	while ((t = now_s() - t0) < 1.5) {
		err = send_next(self, &rep, &ok, &busy);
		ASSERT_TRUE(err == 0 || err == -EBUSY);
		nanosleep(&ms, NULL);
	}
	t = now_s() - t0;
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(ok, vm->guest.reports);
	EXPECT_EQ(busy, vm->guest.throttled);
	EXPECT_LE(vm->guest.reports, 2 * KVM_SEC_GUEST_REPORTS_BURST + 2 +
		  (int)(t * KVM_SEC_GUEST_REPORTS_PER_S)) TH_LOG("%d", ok);
	free(vm);
}

/*
 * Device epochs (spec 5.4): a reset starts the sequence again; so does any
 * other epoch (a device plugged again, a snapshot loaded); without the
 * attribute, the epoch does not change. Before epochs, the module refused
 * every report after a driver reload until the new sequence overtook the
 * old one.
 */
TEST_F_TIMEOUT(guest, a_new_epoch_starts_the_sequence_again, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	uint64_t e1 = 7, e2 = 8;
	struct report1 rep;
	int fd = self->vm.vm_fd;

	ASSERT_NE(NULL, vm);
	make_report(&rep, 1, 1);
	ASSERT_EQ(0, send_paced(&self->raw, fd, &e1, &rep, sizeof(rep)));
	make_report(&rep, 5, 1);
	ASSERT_EQ(0, send_paced(&self->raw, fd, &e1, &rep, sizeof(rep)));
	/* Within the epoch: no replay, no going back. */
	make_report(&rep, 5, 1);
	EXPECT_EQ(-EINVAL, send_paced(&self->raw, fd, &e1, &rep, sizeof(rep)));
	make_report(&rep, 2, 1);
	EXPECT_EQ(-EINVAL, send_paced(&self->raw, fd, &e1, &rep, sizeof(rep)));
	/* No epoch attribute: still epoch 7. */
	EXPECT_EQ(-EINVAL, send_paced(&self->raw, fd, NULL, &rep, sizeof(rep)));
	/* The device was reset: seq 1 again, 0 rejections. */
	make_report(&rep, 1, 1);
	EXPECT_EQ(0, send_paced(&self->raw, fd, &e2, &rep, sizeof(rep)));
	make_report(&rep, 2, 1);
	EXPECT_EQ(0, send_paced(&self->raw, fd, &e2, &rep, sizeof(rep)));
	/* 2^64-1 blinds the epoch only: the next reset recovers. */
	make_report(&rep, UINT64_MAX, 1);
	EXPECT_EQ(0, send_paced(&self->raw, fd, &e2, &rep, sizeof(rep)));
	make_report(&rep, 3, 1);
	EXPECT_EQ(-EINVAL, send_paced(&self->raw, fd, &e2, &rep, sizeof(rep)));
	EXPECT_NE(NULL, strstr(self->raw.extack, "sequence"));
	e2++;
	make_report(&rep, 1, 1);
	EXPECT_EQ(0, send_paced(&self->raw, fd, &e2, &rep, sizeof(rep)));
	/* A smaller epoch is another device's: a new sequence too. */
	make_report(&rep, 1, 1);
	EXPECT_EQ(0, send_paced(&self->raw, fd, &e1, &rep, sizeof(rep)));

	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(7, vm->guest.reports);
	EXPECT_EQ(4, vm->guest.rejected);
	EXPECT_EQ(7, vm->guest.epoch);
	EXPECT_EQ(3, vm->guest.epochs);
	EXPECT_EQ(1, vm->guest.seq);
	free(vm);
}

/* A level-1 report with a LOSS entry. */
struct report_loss {
	struct report1 r;
	struct virtio_vsem_entry e_loss;
	struct virtio_vsem_loss loss;
};

static void make_loss(struct report_loss *r, uint64_t seq, uint64_t unstored,
		      uint64_t hv, uint64_t dropped, uint32_t trimmed,
		      uint32_t flags)
{
	make_report(&r->r, seq, 1);
	r->r.h.nr_entries = 4;
	r->r.h.len = sizeof(*r);
	memset(&r->e_loss, 0, sizeof(r->e_loss) + sizeof(r->loss));
	r->e_loss.type = VIRTIO_VSEM_E_LOSS;
	r->e_loss.len = sizeof(r->e_loss) + sizeof(r->loss);
	r->loss.unstored_packets = unstored;
	r->loss.hv_unstored = hv;
	r->loss.reports_dropped = dropped;
	r->loss.flows_trimmed = trimmed;
	r->loss.flags = flags;
}

/*
 * What the guest could not report adds up per VM, saturating (each value
 * is the guest's claim), except reports_dropped: the driver's own total.
 */
TEST_F_TIMEOUT(guest, what_the_guest_could_not_report_adds_up, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct report_loss rep;
	struct vsec_guest *g;

	ASSERT_NE(NULL, vm);
	make_report(&rep.r, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep.r, sizeof(rep.r)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	EXPECT_TRUE(g->has_loss);
	EXPECT_EQ(0, g->loss_unstored_packets);

	make_loss(&rep, ++self->seq, 10, 2, 3, 4, VIRTIO_VSEM_LOSS_ESTIMATED);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	make_loss(&rep, ++self->seq, UINT64_MAX, 1, 5, 4, 0);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(UINT64_MAX, g->loss_unstored_packets);
	EXPECT_EQ(3, g->loss_hv_unstored);
	EXPECT_EQ(8, g->loss_flows_trimmed);
	EXPECT_EQ(5, g->loss_reports_dropped);
	EXPECT_FALSE(g->loss_estimated);

	/* The features' totals saturate too: tx_packets is the guest's. */
	make_report(&rep.r, ++self->seq, UINT64_MAX);
	ASSERT_EQ(0, send_report(&self->raw, &rep.r, sizeof(rep.r)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(UINT64_MAX, g->total[VIRTIO_VSEM_FEAT_TX_PACKETS]);

	make_loss(&rep, ++self->seq, 7, 0, 5, 0, VIRTIO_VSEM_LOSS_ESTIMATED);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	g = guest_of_self(self->ipc, vm);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(UINT64_MAX, g->loss_unstored_packets);
	EXPECT_TRUE(g->loss_estimated);
	free(vm);
}

TEST_F_TIMEOUT(guest, a_commanded_level_comes_back_in_the_reply, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	const struct nlattr *a;
	struct report1 rep;
	char cmd[128], out[256];
	pid_t child;
	int status;

	ASSERT_NE(NULL, vm);
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm) ? vm : NULL);
	/* Not as nobody... */
	child = fork();
	ASSERT_GE(child, 0);
	if (!child) {
		struct vsec_ipc *ipc;

		if (drop_to_nobody() || vsec_ipc_open(&ipc))
			_exit(10);
		_exit(vsec_ipc_command_vm(ipc, vm->id, 2, -1) == -EPERM ? 0 : 11);
	}
	ASSERT_EQ(child, waitpid(child, &status, 0));
	ASSERT_TRUE(WIFEXITED(status));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* ...but as root, with vsecctl. */
	snprintf(cmd, sizeof(cmd), "vsecctl level %u 2", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2, *(uint8_t *)(a + 1));
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(2, vm->guest.level_cmd);
	snprintf(cmd, sizeof(cmd), "vsecctl level %u auto", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint8_t *)(a + 1));
	EXPECT_EQ(2, run_capture("vsecctl level 1 3 2>/dev/null", out, sizeof(out)));

	/* The report interval, the same way. */
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 500", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_INTERVAL_MS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(500, *(uint32_t *)(a + 1));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 50 2>/dev/null", vm->id);
	EXPECT_EQ(2, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u default", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_INTERVAL_MS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(0, *(uint32_t *)(a + 1));
	free(vm);
}

TEST_F_TIMEOUT(guest, history_after_eight_calm_reports_and_prefixes, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	struct virtio_vsem_feature_stat h[VIRTIO_VSEM_NR_FEATURES];
	const struct nlattr *a;
	struct report1 rep;
	char out[256];
	int i;

	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, run_capture("vsecctl config set prefixes 10.0.0.0/8,fd00::/8",
				 out, sizeof(out)));
	for (i = 0; i < 8; i++) {
		make_report(&rep, ++self->seq, 10);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
		if (i < 7)
			EXPECT_EQ(NULL, raw_reply_attr(&self->raw,
						       KVM_SEC_A_GUEST_HISTORY));
	}
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_HISTORY);
	ASSERT_NE(NULL, a);
	ASSERT_EQ(sizeof(h), a->nla_len - sizeof(*a));
	memcpy(h, a + 1, sizeof(h));
	EXPECT_EQ(10, h[VIRTIO_VSEM_FEAT_TX_PACKETS].mean);
	EXPECT_EQ(8, h[VIRTIO_VSEM_FEAT_TX_PACKETS].spread);	/* the floor */
	EXPECT_EQ(1000, h[VIRTIO_VSEM_FEAT_TX_BYTES].mean);
	a = raw_reply_attr(&self->raw, KVM_SEC_A_PREFIXES);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2 * sizeof(struct virtio_vsem_prefix), a->nla_len - sizeof(*a));
	ASSERT_NE(NULL, guest_of_self(self->ipc, vm));
	EXPECT_EQ(1, vm->guest.history_seq);
	EXPECT_EQ(10, vm->guest.mean[VIRTIO_VSEM_FEAT_TX_PACKETS]);
	/* Invalid prefixes change nothing. */
	EXPECT_EQ(2, run_capture("vsecctl config set prefixes 10.0.0.1/8 2>/dev/null",
				 out, sizeof(out)));
	ASSERT_EQ(0, run_capture("vsecctl --json config", out, sizeof(out)));
	EXPECT_NE(NULL, strstr(out, "\"10.0.0.0/8\",\"fd00::/8\""));
	ASSERT_EQ(0, run_capture("vsecctl config set prefixes none", out, sizeof(out)));
	free(vm);
}

/*
 * Each SET_VM attribute changes its own setting only. Reproduced before:
 * "vsecctl interval ID 500" then "vsecctl level ID 2" showed the interval
 * as 4294967295 ms.
 */
TEST_F_TIMEOUT(guest, each_set_vm_field_changes_only_itself, KSEC_TEST_TIMEOUT)
{
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	const struct nlattr *a;
	struct report1 rep;
	char cmd[128], out[256];

	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, (uint32_t)getpid(), vm));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 500", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	snprintf(cmd, sizeof(cmd), "vsecctl level %u 2", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	ASSERT_NE(NULL, guest_of_id(self->ipc, vm->id, vm));
	EXPECT_EQ(500, vm->guest.interval_cmd);
	EXPECT_EQ(2, vm->guest.level_cmd);
	snprintf(cmd, sizeof(cmd), "vsecctl show %u | grep -c 'interval commanded *500 ms'",
		 vm->id);
	run_capture(cmd, out, sizeof(out));
	EXPECT_EQ(1, atoi(out));
	snprintf(cmd, sizeof(cmd), "vsecctl interval %u 700", vm->id);
	ASSERT_EQ(0, run_capture(cmd, out, sizeof(out)));
	ASSERT_NE(NULL, guest_of_id(self->ipc, vm->id, vm));
	EXPECT_EQ(700, vm->guest.interval_cmd);
	EXPECT_EQ(2, vm->guest.level_cmd);
	/* The device gets both. */
	make_report(&rep, ++self->seq, 1);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_LEVEL);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(2, *(uint8_t *)(a + 1));
	a = raw_reply_attr(&self->raw, KVM_SEC_A_GUEST_INTERVAL_MS);
	ASSERT_NE(NULL, a);
	EXPECT_EQ(700, *(uint32_t *)(a + 1));
	free(vm);
}

/* A level-2 report with the most flows a report may carry. */
struct report2 {
	struct virtio_vsem_report h;
	struct {
		struct virtio_vsem_entry e;
		struct virtio_vsem_flow f;
	} flow[VIRTIO_VSEM_MAX_FLOWS];
};

/*
 * The largest VM a guest can make: 16 hypercall numbers, 16 ports and 16
 * MMIO pages (every heavy-hitter table full) and a level-2 report with 32
 * flows whose process names take all 15 characters. It is read with a
 * 4 KiB receive buffer, on a socket that never received with more, by
 * GET_VM and by a dump; the flows come with GET_FLOWS. Before, the reply
 * was sized NLMSG_GOODSIZE by assumption and the flows made it EMSGSIZE.
 */
TEST_F_TIMEOUT(guest, the_largest_vm_fits_a_4k_buffer, KSEC_TEST_TIMEOUT)
{
	static struct report2 rep;
	const struct tvm_profile p = {
		.hypercalls = 16, .hypercall_nr = 100, .hypercall_spread = true,
		.decoy_ports = 16, .decoy_base = 0x100,
		.mmio_writes = 16, .mmio_gpa = 0xd0000, .mmio_spread = true,
	};
	struct vsec_vm *vm = calloc(1, sizeof(*vm));
	char a[16], cmd[128], out[16384];
	struct raw small;
	struct tvm big;
	uint32_t id;
	size_t n;
	int i;

	ASSERT_NE(NULL, vm);
	ASSERT_EQ(0, tvm_create(&big, &p));
	ASSERT_EQ(0, tvm_run(&big, NULL));
	memset(&rep, 0, sizeof(rep));
	rep.h.version = VIRTIO_VSEM_VERSION;
	rep.h.nr_entries = VIRTIO_VSEM_MAX_FLOWS;
	rep.h.len = sizeof(rep);
	rep.h.seq = 1;
	rep.h.level = VIRTIO_VSEM_LEVEL_2;
	for (i = 0; i < VIRTIO_VSEM_MAX_FLOWS; i++) {
		rep.flow[i].e.type = VIRTIO_VSEM_E_FLOW;
		rep.flow[i].e.len = sizeof(rep.flow[i]);
		rep.flow[i].f.family = 6;
		rep.flow[i].f.addr[15] = (uint8_t)i;
		rep.flow[i].f.packets = 1000 + i;
		rep.flow[i].f.pid = 100 + i;
		snprintf((char *)rep.flow[i].f.comm, 16, "process-%07d", i);
	}
	ASSERT_EQ(0, send_report_fd(&self->raw, big.vm_fd, &rep, sizeof(rep)))
		TH_LOG("%s", self->raw.extack);
	ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), vm));
	id = vm->id;
	EXPECT_EQ(VIRTIO_VSEM_MAX_FLOWS, vm->guest.flows_reported);
	EXPECT_EQ(KVM_SEC_TOP_ENTRIES, vm->hypercalls.nr);
	EXPECT_EQ(KVM_SEC_TOP_ENTRIES, vm->ports.nr);
	EXPECT_EQ(KVM_SEC_TOP_ENTRIES, vm->mmio_pages.nr);

	/* A fresh socket: the kernel sizes dump buffers by the reads seen. */
	ASSERT_EQ(0, raw_open(&small));
	small.rcvbuf = 4096;
	n = put_attr(a, 0, KVM_SEC_A_VM_ID, 8, &id, 4);
	EXPECT_EQ(0, raw_request(&small, KVM_SEC_CMD_GET_VM, 0, a, n));
	EXPECT_NE(NULL, raw_reply_attr(&small, KVM_SEC_A_VM_GUEST));
	EXPECT_EQ(0, raw_request(&small, KVM_SEC_CMD_GET_VM, NLM_F_DUMP,
				 NULL, 0));
	EXPECT_EQ(0, raw_request(&small, KVM_SEC_CMD_GET_FLOWS, NLM_F_DUMP,
				 a, n));
	close(small.fd);

	ASSERT_EQ(0, vsec_ipc_get_flows(self->ipc, id, &vm->guest));
	ASSERT_EQ(VIRTIO_VSEM_MAX_FLOWS, vm->guest.nr_flows);
	EXPECT_EQ(rep.h.seq, vm->guest.flows_seq);
	for (i = 0; i < VIRTIO_VSEM_MAX_FLOWS; i++) {
		EXPECT_EQ(1000 + i, vm->guest.flows[i].packets);
		EXPECT_EQ(i, vm->guest.flows[i].addr[15]);
	}
	EXPECT_STREQ("process-0000031", vm->guest.flows[31].comm);
	/* And vsecctl shows them. */
	snprintf(cmd, sizeof(cmd), "vsecctl show %u | grep -c ' process-00000[0-3][0-9]$'", id);
	run_capture(cmd, out, sizeof(out));
	EXPECT_EQ(VIRTIO_VSEM_MAX_FLOWS, atoi(out));
	tvm_destroy(&big);
	free(vm);
}

/*
 * Host truth against guest claims: this process is the VMM of a VM with a
 * real tap, writes frames into the tap (its VM "sends" them) and forwards
 * reports claiming some of them. Truthful claims pass; claims of a tenth,
 * one huge claim to bank on, and a gap in the sequence are caught.
 */
static bool tap_bound(const struct vsec_vm *vm)
{
	return vm->net.present && vm->net.nr_devs == 1;
}

static void write_frames(int fd, unsigned int n)
{
	struct frame f;

	frame_v4(&f, 0x0a4d0001, 0x0a4d0009, FR_UDP, 0, 0, 10);
	while (n--)
		if (write(fd, f.b, f.len) != (ssize_t)f.len)
			return;
}

TEST_F_TIMEOUT(guest, the_taps_catch_a_guest_hiding_packets, KSEC_TEST_TIMEOUT)
{
	struct report1 rep;
	struct vsec_vm vm;
	struct vsec_guest *g;
	uint64_t short0, epoch;
	int fd, i;

	ksec_have_tun();
	fd = tap_open("ksgr-t", false);
	ASSERT_LE(0, fd);
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(0, ksec_vm_of_pid(self->ipc, getpid(), &vm));
		if (tap_bound(&vm))
			break;
		usleep(20000);
	}
	ASSERT_TRUE(tap_bound(&vm));

	/* Truthful: each report claims the 100 frames sent since the last. */
	for (i = 0; i < 8; i++) {
		write_frames(fd, 100);
		make_report(&rep, ++self->seq, 100);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	}
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_EQ(0, g->tampered);
	EXPECT_EQ(300, g->seen_tx);	/* reports k-3 .. k-1 apart */
	EXPECT_EQ(400, g->claimed_tx);

	/* A tenth of it: short. */
	for (i = 0; i < 5; i++) {
		write_frames(fd, 100);
		make_report(&rep, ++self->seq, 10);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	}
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_LE(1, g->tampered);
	EXPECT_EQ(40, g->claimed_tx);

	/* One huge claim, then none: the window does not let it bank. */
	short0 = g->tampered;
	make_report(&rep, ++self->seq, 1ull << 40);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	for (i = 0; i < 6; i++) {
		write_frames(fd, 100);
		make_report(&rep, ++self->seq, 0);
		ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	}
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_LT(short0, g->tampered);

	/* Skipping a report while sending: the break itself is short. */
	short0 = g->tampered;
	write_frames(fd, 100);
	self->seq += 2;
	make_report(&rep, self->seq, 100);
	ASSERT_EQ(0, send_report(&self->raw, &rep, sizeof(rep)));
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_EQ(short0 + 1, g->tampered);

	/* A device reset (new epoch) after many reports: a reboot, excused. */
	epoch = 7;
	write_frames(fd, 100);
	make_report(&rep, 1, 100);
	ASSERT_EQ(0, send_paced(&self->raw, self->vm.vm_fd, &epoch, &rep,
				sizeof(rep)));
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_EQ(short0 + 1, g->tampered);
	/* Another at once, while sending: a guest breaking the check. */
	epoch = 8;
	write_frames(fd, 100);
	ASSERT_EQ(0, send_paced(&self->raw, self->vm.vm_fd, &epoch, &rep,
				sizeof(rep)));
	ASSERT_NE(NULL, (g = guest_of_self(self->ipc, &vm)));
	EXPECT_EQ(short0 + 2, g->tampered);
	close(fd);
}

TEST_HARNESS_MAIN
