// SPDX-License-Identifier: GPL-2.0
/*
 * tiny-vm: start a VM through the KVM API whose guest makes an exact number
 * of hypercalls, port writes and MMIO writes; for tests, the demo, and
 * anyone who wants a VM of known behaviour in the lab.
 *
 *   tiny-vm [--hypercalls N] [--hypercall-nr NR] [--port-writes M]
 *           [--port P] [--mmio-writes K] [--mmio-gpa A] [--vms V]
 *           [--tap NAME] [--forever | --hold | --orphan | --pace MS]
 *
 * Without --forever, the guest halts after its work and tiny-vm prints what
 * it saw exit to userspace. --hold then keeps the VMs alive until standard
 * input is closed or SIGTERM/SIGINT arrives, after printing "ready". With
 * --forever the guest repeats its work until a signal. --orphan runs the
 * guest forever in a thread and closes every file of the VM once it runs:
 * the VM then lives only through the thread in KVM_RUN. --tap gives the VMM
 * a tap device on which its "VM" sends UDP frames non-stop from a thread.
 * --pace repeats the work once every MS milliseconds until a signal, a
 * steady load; SIGUSR1 then makes it repeat without pause (a flood) and
 * SIGUSR2 paces it again.
 */
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <sched.h>
#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tap.h"
#include "tvm.h"

static volatile int stop;
static volatile sig_atomic_t flood;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_flood(int sig)
{
	flood = sig == SIGUSR1;
}

/* The work of @p once every @ms ms, or without pause while flooding. */
static int run_paced(const struct tvm_profile *p, uint32_t ms)
{
	struct sigaction sa = { .sa_handler = on_flood };
	struct timespec next;
	struct tvm vm;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	err = tvm_create(&vm, p);
	if (err) {
		fprintf(stderr, "tiny-vm: cannot create VM: %s\n", strerror(-err));
		return 1;
	}
	printf("ready pid %d\n", getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &next);
	while (!stop) {
		err = tvm_rewind(&vm);
		if (!err)
			err = tvm_run(&vm, &stop);
		if (err) {
			fprintf(stderr, "tiny-vm: KVM_RUN: %s\n", strerror(-err));
			break;
		}
		if (flood) {
			clock_gettime(CLOCK_MONOTONIC, &next);
			continue;
		}
		next.tv_nsec += (long)(ms % 1000) * 1000000;
		next.tv_sec += ms / 1000 + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		/* Late (a stall): skip what was missed, never catch up in a burst. */
		{
			struct timespec now;

			clock_gettime(CLOCK_MONOTONIC, &now);
			if (now.tv_sec > next.tv_sec ||
			    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
				next = now;
		}
		/* A signal ends the wait early: the loop looks at it. */
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
	}
	tvm_destroy(&vm);
	return err ? 1 : 0;
}

static void *vcpu_thread(void *arg)
{
	int err = tvm_run(arg, NULL);

	fprintf(stderr, "tiny-vm: the orphan's KVM_RUN returned: %s\n",
		strerror(-err));
	exit(1);
}

static void hold_until_stopped(void)
{
	char buf[64];

	printf("ready pid %d\n", getpid());
	fflush(stdout);
	while (!stop && read(0, buf, sizeof(buf)) > 0)
		;
}

/*
 * The guest first sets a flag in its memory, then makes hypercalls for
 * ever: KVM handles them, so KVM_RUN never returns. Once the flag is seen,
 * the vCPU thread is in KVM_RUN and every file of the VM is closed.
 */
static int run_orphan(struct tvm_profile *p)
{
	/* Static: the vCPU thread uses it until exit() ends the process. */
	static struct tvm vm;
	volatile uint8_t *flag;
	pthread_t thread;
	int err;

	p->flag = true;
	p->forever = true;
	p->port_writes = 0;
	p->mmio_writes = 0;
	if (!p->hypercalls)
		p->hypercalls = 1000;
	err = tvm_create(&vm, p);
	if (err) {
		fprintf(stderr, "tiny-vm: cannot create VM: %s\n", strerror(-err));
		return 1;
	}
	flag = (volatile uint8_t *)vm.mem + TVM_FLAG_GPA;
	if (pthread_create(&thread, NULL, vcpu_thread, &vm)) {
		fprintf(stderr, "tiny-vm: cannot start the vCPU thread\n");
		return 1;
	}
	while (!*flag)
		sched_yield();
	munmap(vm.run, vm.run_size);
	close(vm.vcpu_fd);
	close(vm.vm_fd);
	close(vm.kvm_fd);
	hold_until_stopped();
	/* exit() ends the vCPU thread, and KVM then destroys the VM. */
	return 0;
}

/* The tap's frames, until the process ends. */
static void *tap_thread(void *arg)
{
	int fd = (int)(intptr_t)arg;
	struct frame f;

	frame_v4(&f, 0x0a4d0001, 0x0a4d0009, FR_UDP, 0, 0, 64);
	for (;;) {
		if (write(fd, f.b, f.len) < 0)
			sched_yield();	/* the device went: keep the file */
	}
	return NULL;
}

static int start_tap(const char *name)
{
	pthread_t thread;
	int fd = tap_open(name, false);

	if (fd < 0) {
		fprintf(stderr, "tiny-vm: tap %s: %s\n", name, strerror(-fd));
		return 1;
	}
	if (pthread_create(&thread, NULL, tap_thread, (void *)(intptr_t)fd)) {
		fprintf(stderr, "tiny-vm: cannot start the tap thread\n");
		return 1;
	}
	return 0;
}

/* VMs and nothing else: KVM_CREATE_VM, then close. */
static int run_bare(uint32_t nvms, bool hold)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), *fds;
	uint32_t i, n = 0;

	fds = calloc(nvms, sizeof(*fds));
	if (kvm < 0 || !fds) {
		perror("tiny-vm: /dev/kvm");
		return 1;
	}
	for (n = 0; n < nvms; n++) {
		fds[n] = ioctl(kvm, KVM_CREATE_VM, 0);
		if (fds[n] < 0) {
			perror("tiny-vm: KVM_CREATE_VM");
			break;
		}
	}
	if (n == nvms && hold)
		hold_until_stopped();
	for (i = 0; i < n; i++)
		close(fds[i]);
	close(kvm);
	free(fds);
	return n == nvms ? 0 : 1;
}

/* VMs come and go in a tight loop, in one process, until a signal. */
static int run_churn(const struct tvm_profile *p, uint32_t nbare)
{
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC), *fds;
	unsigned long rounds = 0;
	uint32_t i, n;
	struct tvm vm;

	fds = calloc(nbare, sizeof(*fds));
	if (kvm < 0 || !fds) {
		perror("tiny-vm: /dev/kvm");
		return 1;
	}
	while (!stop) {
		if (tvm_create(&vm, p) == 0) {
			tvm_run(&vm, &stop);
			tvm_destroy(&vm);
		}
		for (n = 0; n < nbare; n++) {
			fds[n] = ioctl(kvm, KVM_CREATE_VM, 0);
			if (fds[n] < 0)
				break;
		}
		for (i = 0; i < n; i++)
			close(fds[i]);
		rounds++;
	}
	printf("tiny-vm: %lu rounds of churn\n", rounds);
	close(kvm);
	free(fds);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tiny-vm [OPTIONS]\n"
"Start VMs whose real-mode guest makes an exact number of requests of KVM.\n"
"\n"
"  --hypercalls N      N hypercalls (VMMCALL/VMCALL), handled inside KVM\n"
"  --hypercall-nr NR   their number in RAX (default 0x4b53, not a KVM one)\n"
"  --port-writes M     M one-byte OUTs, each an exit to tiny-vm\n"
"  --port P            to this I/O port (default 0x80)\n"
"  --mmio-writes K     K one-byte writes to unbacked guest-physical memory\n"
"  --mmio-gpa A        at this address, below 1 MiB (default 0xd0000)\n"
"  --vms V             start V such VMs in this process (default 1)\n"
"  --forever           repeat the work until SIGINT/SIGTERM\n"
"  --hold              after the guests halt, print \"ready pid PID\" and\n"
"                      keep the VMs until stdin closes or a signal arrives\n"
"  --orphan            run one VM forever in a thread, close all its files\n"
"                      once the guest runs, then as --hold\n"
"  --bare              VMs without memory or vCPU (with --vms, --hold)\n"
"  --churn             until a signal: create a VM, run it, destroy it,\n"
"                      then --vms bare VMs, again and again\n"
"  --pace MS           repeat the work every MS ms until SIGINT/SIGTERM\n"
"                      (prints \"ready pid PID\" first); SIGUSR1: repeat\n"
"                      it without pause (flood), SIGUSR2: paced again\n"
"  --tap NAME          open tap device NAME (created if needed) and send\n"
"                      UDP frames on it non-stop, as a VM would\n"
"  --help              this help\n"
"\n"
"Without --forever, each guest halts after its work and tiny-vm prints the\n"
"exits it saw in userspace. Exit status 0, 1 on a KVM error, 2 on usage.\n");
}

static uint32_t num(const char *opt, const char *s, uint64_t max)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || !*s || *end || v > max) {
		fprintf(stderr, "tiny-vm: bad value for --%s: '%s'\n", opt, s);
		exit(2);
	}
	return (uint32_t)v;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "hypercalls", required_argument, NULL, 'h' },
		{ "hypercall-nr", required_argument, NULL, 'n' },
		{ "port-writes", required_argument, NULL, 'p' },
		{ "port", required_argument, NULL, 'P' },
		{ "mmio-writes", required_argument, NULL, 'm' },
		{ "mmio-gpa", required_argument, NULL, 'a' },
		{ "vms", required_argument, NULL, 'v' },
		{ "forever", no_argument, NULL, 'f' },
		{ "hold", no_argument, NULL, 'H' },
		{ "orphan", no_argument, NULL, 'O' },
		{ "bare", no_argument, NULL, 'B' },
		{ "churn", no_argument, NULL, 'C' },
		{ "tap", required_argument, NULL, 'T' },
		{ "pace", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, '?' + 1 },
		{ NULL, 0, NULL, 0 },
	};
	struct tvm_profile p = {
		.hypercall_nr = 0x4b53,	/* not a KVM hypercall: -KVM_ENOSYS */
		.port = 0x80,
		.mmio_gpa = 0xd0000,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	uint32_t nvms = 1, i, pace = 0;
	struct tvm *vms;
	bool hold = false, orphan = false, bare = false, churn = false;
	const char *tap = NULL;
	int c, err = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'h': p.hypercalls = num("hypercalls", optarg, UINT32_MAX); break;
		case 'n': p.hypercall_nr = num("hypercall-nr", optarg, UINT32_MAX); break;
		case 'p': p.port_writes = num("port-writes", optarg, UINT32_MAX); break;
		case 'P': p.port = (uint16_t)num("port", optarg, 0xffff); break;
		case 'm': p.mmio_writes = num("mmio-writes", optarg, UINT32_MAX); break;
		case 'a': p.mmio_gpa = num("mmio-gpa", optarg, 0xfffff); break;
		case 'v': nvms = num("vms", optarg, 1024); break;
		case 'f': p.forever = true; break;
		case 'H': hold = true; break;
		case 'O': orphan = true; break;
		case 'B': bare = true; break;
		case 'C': churn = true; break;
		case 'T': tap = optarg; break;
		case 'A': pace = num("pace", optarg, 60000); break;
		case '?' + 1: usage(stdout); return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (!nvms) {
		fprintf(stderr, "tiny-vm: --vms must be at least 1\n");
		return 2;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	if (pace)
		return run_paced(&p, pace);
	if (orphan)
		return run_orphan(&p);
	if (churn)
		return run_churn(&p, nvms);
	if (bare)
		return run_bare(nvms, hold);
	vms = calloc(nvms, sizeof(*vms));
	if (!vms)
		return 1;
	for (i = 0; i < nvms; i++) {
		err = tvm_create(&vms[i], &p);
		if (err) {
			fprintf(stderr, "tiny-vm: cannot create VM: %s\n",
				strerror(-err));
			nvms = i;
			goto out;
		}
	}
	if (tap && start_tap(tap)) {
		err = -EIO;
		goto out;
	}
	for (i = 0; i < nvms && !stop; i++) {
		err = tvm_run(&vms[i], &stop);
		if (err) {
			fprintf(stderr, "tiny-vm: KVM_RUN: %s (exit reason %u)\n",
				strerror(-err), vms[i].run->exit_reason);
			goto out;
		}
		if (!p.forever)
			printf("vm %" PRIu32 " pid %d: halted after %" PRIu64
			       " port writes and %" PRIu64 " MMIO writes seen by userspace\n",
			       i, getpid(), vms[i].exits.io_out, vms[i].exits.mmio);
	}
	if (hold && !stop)
		hold_until_stopped();
out:
	for (i = 0; i < nvms; i++)
		tvm_destroy(&vms[i]);
	free(vms);
	return err ? 1 : 0;
}
