// SPDX-License-Identifier: GPL-2.0
/*
 * guest_load: the loads of HSEM's scenarios from inside a nested guest
 * (selftests/guest_decision.sh). A static binary: the guest has busybox
 * only. Each runs for SECONDS of the guest's clock, then prints what it
 * did.
 *
 *   guest_load hypercall SECONDS   VMMCALL from user mode, as fast as it
 *                                  can (KVM counts it, then refuses it:
 *                                  -KVM_EPERM at CPL 3)
 *   guest_load pio SECONDS         writes to port 0x80 (QEMU's ioport80),
 *                                  through /dev/port (the lab's TCG
 *                                  faults ioperm()'s outb in a nested
 *                                  guest)
 *   guest_load mmio FILE SECONDS   reads of the first register of a PCI
 *                                  BAR (FILE: a sysfs resourceN of a
 *                                  memory BAR, e.g. virtio's common
 *                                  configuration: a read changes nothing)
 *   guest_load hog SECONDS MIB     MIB MiB of new memory touched as fast as
 *                                  it can (however long that takes: the
 *                                  clock is read from the 1024th round),
 *                                  then SECONDS more, with a spinner at
 *                                  nice 19 on every CPU all along
 *   guest_load scan ADDR SECONDS   TCP connection attempts to ADDR's ports
 *                                  from 20000 up, without waiting for the
 *                                  answers (SYNs; a closed port answers
 *                                  with a RST)
 */
#include <arpa/inet.h>
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int usage(void)
{
	fprintf(stderr, "usage: guest_load hypercall|pio SECONDS | mmio FILE SECONDS |\n"
		"       hog SECONDS MIB | scan ADDR SECONDS\n");
	return 2;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Until @secs have passed; checks the clock every 1024 rounds. */
#define FOR_SECONDS(secs, n)						\
	for (double end_ = now() + (secs); ((n) & 1023) || now() < end_; (n)++)

/* Intel's CPUs: VMCALL; AMD's (the lab's): VMMCALL. */
static bool cpu_is_intel(void)
{
	unsigned int a, b, c, d;

	__cpuid(0, a, b, c, d);
	return b == 0x756e6547;	/* "Genu" */
}

static int hypercalls(double secs)
{
	unsigned long n = 0, ret = 0;
	bool intel = cpu_is_intel();

	/* an unknown hypercall: refused anyway from user mode */
	FOR_SECONDS(secs, n) {
		if (intel)
			asm volatile("vmcall" : "=a"(ret) : "a"(0xffffUL) : "memory");
		else
			asm volatile("vmmcall" : "=a"(ret) : "a"(0xffffUL) : "memory");
	}
	printf("hypercall %lu (last returned %ld)\n", n, (long)ret);
	return 0;
}

static int pio(double secs)
{
	unsigned long n = 0;
	char b = 0;
	int fd;

	fd = open("/dev/port", O_WRONLY);
	if (fd < 0) {
		perror("guest_load: /dev/port");
		return 1;
	}
	FOR_SECONDS(secs, n) {
		if (pwrite(fd, &b, 1, 0x80) != 1) {
			perror("guest_load: /dev/port");
			return 1;
		}
	}
	printf("pio %lu\n", n);
	return 0;
}

static int mmio(const char *file, double secs)
{
	volatile uint32_t *reg;
	unsigned long n = 0;
	uint32_t last = 0;
	int fd;

	fd = open(file, O_RDWR | O_SYNC);
	if (fd < 0) {
		perror(file);
		return 1;
	}
	reg = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (reg == MAP_FAILED) {
		perror("guest_load: mmap");
		return 1;
	}
	FOR_SECONDS(secs, n)
		last = *reg;
	printf("mmio %lu (last read %#x)\n", n, (unsigned int)last);
	return 0;
}

/*
 * All the CPU it can, all along: a spinner at the lowest priority on every
 * CPU, which takes what the memory toucher leaves, so that a vCPU whose
 * task waits for a page the host brings in (an async page fault) is not
 * idle meanwhile. They end with this process.
 */
#define MAX_SPINNERS 64

static pid_t spinner[MAX_SPINNERS];

static void spinners(void)
{
	long i, cpus = sysconf(_SC_NPROCESSORS_ONLN);
	pid_t parent = getpid();

	for (i = 0; i < cpus && i < MAX_SPINNERS; i++) {
		spinner[i] = fork();
		if (spinner[i])
			continue;
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(0);
		if (nice(19) < 0)
			_exit(1);
		for (;;)
			;
	}
}

static void spinners_end(void)
{
	unsigned int i;

	for (i = 0; i < MAX_SPINNERS; i++)
		if (spinner[i] > 0) {
			kill(spinner[i], SIGKILL);
			waitpid(spinner[i], NULL, 0);
		}
}

static int hog(double secs, unsigned long mib)
{
	volatile unsigned long spin = 0;
	unsigned long taken = 0, n = 0;
	char *p;

	spinners();
	/* All the memory first, however long that takes; then the CPU. */
	FOR_SECONDS(secs, n) {
		if (taken < mib) {
			p = malloc(1 << 20);
			if (p) {
				memset(p, 0xa5, 1 << 20);	/* never freed */
				taken++;
			}
		}
		spin++;
	}
	printf("hog %lu MiB\n", taken);
	spinners_end();
	return 0;
}

static int scan(const char *addr, double secs)
{
	struct sockaddr_in to = { .sin_family = AF_INET };
	unsigned long n = 0;
	double end = now() + secs;
	int fd;

	if (inet_pton(AF_INET, addr, &to.sin_addr) != 1)
		return usage();
	while (now() < end) {
		fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		if (fd < 0)
			break;
		to.sin_port = htons(20000 + n % 20000);
		if (!connect(fd, (struct sockaddr *)&to, sizeof(to)) ||
		    errno == EINPROGRESS)
			n++;
		close(fd);
	}
	printf("scan %lu\n", n);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "hypercall"))
		return hypercalls(atof(argv[2]));
	if (argc == 3 && !strcmp(argv[1], "pio"))
		return pio(atof(argv[2]));
	if (argc == 4 && !strcmp(argv[1], "mmio"))
		return mmio(argv[2], atof(argv[3]));
	if (argc == 4 && !strcmp(argv[1], "hog"))
		return hog(atof(argv[2]), strtoul(argv[3], NULL, 10));
	if (argc == 4 && !strcmp(argv[1], "scan"))
		return scan(argv[2], atof(argv[3]));
	return usage();
}
