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
#include <arpa/inet.h>
#include <inttypes.h>
#include <math.h>
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

/* What --pace does besides the VM's work; see usage(). */
struct pace {
	uint32_t ms, ramp_to_ms, ramp_secs;
	uint32_t burst_every, burst_ms, burst_pace_ms;
	uint32_t spin, hog_spin, grow_mb, grow_step;
	uint32_t frames, flood_frames;
	bool syn_scan, keeps_pace;
	uint32_t src, dst;
	int tap_fd;
};

static double since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) +
	       (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

/* The pause now: from ms to ramp_to_ms over ramp_secs, linearly. */
static uint32_t pause_ms(const struct pace *pc, double t)
{
	double f;

	if (!pc->ramp_secs)
		return pc->ms;
	f = t >= pc->ramp_secs ? 1.0 : t / pc->ramp_secs;
	return (uint32_t)(pc->ms + f * ((double)pc->ramp_to_ms - pc->ms));
}

/*
 * A batch of frames from the VM's address: UDP to its peer, or (a scan)
 * TCP SYNs to the peer's ports one after the other. What the tap brought
 * the VM is read, as a VM's driver would.
 */
static void send_frames(const struct pace *pc, uint32_t n, bool scan)
{
	static uint16_t port = 1024;
	struct frame f;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (scan) {
			frame_v4(&f, pc->src, pc->dst, FR_TCP, 0x02, 0, 0);
			frame_v4_finish(&f, (uint16_t)(40000 + (port & 0x3fff)),
					port);
			port = port == 65535 ? 1024 : port + 1;
		} else {
			frame_v4(&f, pc->src, pc->dst, FR_UDP, 0, 0, 64);
			frame_v4_finish(&f, 4000, 4000);
		}
		if (write(pc->tap_fd, f.b, f.len) < 0)
			break;	/* full, or the device went: the next batch */
	}
	tap_drain(pc->tap_fd);
}

/* Memory the VMM takes while flooding, grow_step MiB a batch, up to grow_mb. */
static void grow(const struct pace *pc)
{
	static uint32_t taken;
	size_t n = (size_t)pc->grow_step << 20;
	char *p;

	if (taken >= pc->grow_mb)
		return;
	p = malloc(n);
	if (!p)
		return;
	memset(p, 0xa5, n);	/* touched: resident, never freed */
	taken += pc->grow_step;
}

/*
 * The work of @p once every pause, or (flooding: SIGUSR1, or a burst) its
 * flood: the work without pause, or with --hog-spin, --flood-frames or
 * --syn-scan the same pace with more of them.
 */
static int run_paced(const struct tvm_profile *p, const struct pace *pc)
{
	struct sigaction sa = { .sa_handler = on_flood };
	struct timespec next, t0, now;
	volatile uint32_t *spin;
	struct tvm vm;
	bool flooding, burst;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGUSR2, &sa, NULL);
	err = tvm_create(&vm, p);
	if (err) {
		fprintf(stderr, "tiny-vm: cannot create VM: %s\n", strerror(-err));
		return 1;
	}
	spin = (volatile uint32_t *)((char *)vm.mem + TVM_SPIN_GPA);
	printf("ready pid %d\n", getpid());
	fflush(stdout);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	next = t0;
	while (!stop) {
		double t = since(&t0);
		uint32_t ms = pause_ms(pc, t);

		burst = pc->burst_every &&
			fmod(t, pc->burst_every) * 1000 < pc->burst_ms;
		if (burst && pc->burst_pace_ms)
			ms = pc->burst_pace_ms;	/* a busier pace, not a flood */
		flooding = flood || (burst && !pc->burst_pace_ms);
		*spin = flooding && pc->hog_spin ? pc->hog_spin : pc->spin;
		err = tvm_rewind(&vm);
		if (!err)
			err = tvm_run(&vm, &stop);
		if (err) {
			fprintf(stderr, "tiny-vm: KVM_RUN: %s\n", strerror(-err));
			break;
		}
		if (pc->tap_fd >= 0)
			send_frames(pc, flooding && pc->flood_frames ?
				    pc->flood_frames : pc->frames,
				    flooding && pc->syn_scan);
		if (flooding && pc->grow_mb)
			grow(pc);
		if (flooding && !pc->keeps_pace) {
			clock_gettime(CLOCK_MONOTONIC, &next);
			continue;
		}
		next.tv_nsec += (long)(ms % 1000) * 1000000;
		next.tv_sec += ms / 1000 + next.tv_nsec / 1000000000;
		next.tv_nsec %= 1000000000;
		/* Late (a stall): skip what was missed, never catch up in a burst. */
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > next.tv_sec ||
		    (now.tv_sec == next.tv_sec && now.tv_nsec > next.tv_nsec))
			next = now;
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
"                      UDP frames on it non-stop, as a VM would; with\n"
"                      --pace, --frames a batch instead\n"
"With --pace (a lab workload; SIGUSR1 or a burst means flooding):\n"
"  --ramp-to MS2 --ramp-secs S   the pause goes from MS to MS2 in S s\n"
"  --burst-every S --burst-ms D  flood for D ms every S s\n"
"  --burst-pace MS3    ... or pause MS3 ms instead during bursts\n"
"  --spin N            N loop iterations in the guest a batch (no exit)\n"
"  --hog-spin N        ... N while flooding, at the same pace\n"
"  --grow-mb N         while flooding, more memory a batch, up to N MiB\n"
"  --grow-step S       ... S MiB a batch (default 1)\n"
"  --frames N          N UDP frames from --src to --dst a batch on --tap\n"
"  --flood-frames N    ... N while flooding, at the same pace\n"
"  --syn-scan          ... flooding: TCP SYNs to --dst's ports in turn\n"
"  --src A --dst B     the frames' IPv4 addresses (10.77.0.1, 10.77.0.2)\n"
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

static uint32_t addr(const char *opt, const char *s)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "tiny-vm: bad IPv4 address for --%s: '%s'\n",
			opt, s);
		exit(2);
	}
	return ntohl(a.s_addr);
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
		{ "ramp-to", required_argument, NULL, 'r' },
		{ "ramp-secs", required_argument, NULL, 'R' },
		{ "burst-every", required_argument, NULL, 'b' },
		{ "burst-ms", required_argument, NULL, 'd' },
		{ "burst-pace", required_argument, NULL, 'u' },
		{ "spin", required_argument, NULL, 's' },
		{ "hog-spin", required_argument, NULL, 'S' },
		{ "grow-mb", required_argument, NULL, 'g' },
		{ "grow-step", required_argument, NULL, 'G' },
		{ "frames", required_argument, NULL, 'F' },
		{ "flood-frames", required_argument, NULL, 'L' },
		{ "syn-scan", no_argument, NULL, 'Y' },
		{ "src", required_argument, NULL, 'i' },
		{ "dst", required_argument, NULL, 'o' },
		{ "help", no_argument, NULL, '?' + 1 },
		{ NULL, 0, NULL, 0 },
	};
	struct tvm_profile p = {
		.hypercall_nr = 0x4b53,	/* not a KVM hypercall: -KVM_ENOSYS */
		.port = 0x80,
		.mmio_gpa = 0xd0000,
	};
	struct sigaction sa = { .sa_handler = on_signal };
	struct pace pc = {
		.src = 0x0a4d0001, .dst = 0x0a4d0002, .tap_fd = -1,
		.grow_step = 1,
	};
	uint32_t nvms = 1, i;
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
		case 'A': pc.ms = num("pace", optarg, 60000); break;
		case 'r': pc.ramp_to_ms = num("ramp-to", optarg, 60000); break;
		case 'R': pc.ramp_secs = num("ramp-secs", optarg, 86400); break;
		case 'b': pc.burst_every = num("burst-every", optarg, 86400); break;
		case 'u': pc.burst_pace_ms = num("burst-pace", optarg, 60000); break;
		case 'd': pc.burst_ms = num("burst-ms", optarg, 86400000); break;
		case 's': pc.spin = num("spin", optarg, UINT32_MAX); break;
		case 'S': pc.hog_spin = num("hog-spin", optarg, UINT32_MAX); break;
		case 'g': pc.grow_mb = num("grow-mb", optarg, 4096); break;
		case 'G': pc.grow_step = num("grow-step", optarg, 1024); break;
		case 'F': pc.frames = num("frames", optarg, 100000); break;
		case 'L': pc.flood_frames = num("flood-frames", optarg, 100000); break;
		case 'Y': pc.syn_scan = true; break;
		case 'i': pc.src = addr("src", optarg); break;
		case 'o': pc.dst = addr("dst", optarg); break;
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

	if (pc.ramp_secs && !pc.ramp_to_ms) {
		fprintf(stderr, "tiny-vm: --ramp-secs needs --ramp-to\n");
		return 2;
	}
	if (!pc.grow_step) {
		fprintf(stderr, "tiny-vm: --grow-step must be at least 1\n");
		return 2;
	}
	if (pc.ms) {
		pc.keeps_pace = pc.hog_spin || pc.flood_frames || pc.syn_scan;
		p.spin = pc.spin || pc.hog_spin;
		if (tap) {
			pc.tap_fd = tap_open(tap, false);
			if (pc.tap_fd < 0) {
				fprintf(stderr, "tiny-vm: tap %s: %s\n", tap,
					strerror(-pc.tap_fd));
				return 1;
			}
		}
		return run_paced(&p, &pc);
	}
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
