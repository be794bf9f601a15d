# SPDX-License-Identifier: GPL-2.0
#
# kvm-sec: build, install and test. See README.md.
#
#   make                 kvm-sec.ko, vsecctl, vsecd, selftests
#   make demo            boot the test host and show kvm-sec at work
#   make check           unit tests, then every selftest in the test host
#   make lab CMD="..."   run CMD as root in the test host (no CMD: a shell);
#                        LAB_SMP=1 for nested guests (selftests/lab/guest.sh),
#                        LAB_KERNEL=debug for the debug kernel
#   make check-debug     the host selftests on the debug kernel (KASAN,
#                        lockdep, kmemleak; part of make check)
#   make check-host      the host selftests on Debian's kernel
#   make check-guest     the nested-guest selftests (part of make check)
#   make debug-kernel    the lab's debug kernel (cached by its inputs)
#   make install         module (extra/, depmod), vsecctl and vsecd (PREFIX)
#   make dkms-install    register the module with DKMS
#   make bench           kvm-sec against no monitor, eBPF and perf: exits, taps, scale, decisions
#   make bench-guest     the guest driver's cost per packet, several flows
#   make bench-migrate   a live migration's downtime with and without the VM's state
#   make style           checkpatch and sparse on the kernel code
#   make deps            install the Debian packages everything needs
#   make qemu            QEMU 7.2 with virtio-vsem (cached by its inputs)

VERSION := 0.1.0
PREFIX ?= /usr/local

# The kernel to build for: the running one if its headers are installed,
# else the newest kernel that has headers (the test host boots it).
KVER ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
	else for k in $$(ls /lib/modules 2>/dev/null | sort -V); do \
	[ -d /lib/modules/$$k/build ] && echo $$k; done | tail -n 1; fi)
KDIR ?= /lib/modules/$(KVER)/build
BUILD := $(CURDIR)/build
KSRC_TAR = $(firstword $(wildcard /usr/src/linux-source-*.tar.xz))

DEB_PACKAGES := build-essential pkg-config kmod cpio xz-utils bc \
	linux-image-amd64 linux-headers-amd64 linux-source-6.1 \
	bison flex libelf-dev libssl-dev \
	qemu-system-x86 busybox-static libnl-3-dev libnl-genl-3-dev sparse \
	iproute2 procps clang bpftool libbpf-dev linux-perf gdb

all: module vsecctl selftests

module:
	@test -d "$(KDIR)" || { echo "kvm-sec: no kernel build tree at '$(KDIR)': install linux-headers-amd64 ('make deps') or give KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_KVM_SEC_DEBUG=y modules

# The lab's debug kernel, and kvm-sec.ko built against it in $(BUILD)
# (an out-of-tree build writes next to its sources: a copy keeps the
# module for the installed kernel apart).
debug-kernel:
	selftests/lab/debug-kernel.sh

DEBUG_MOD := $(BUILD)/debug-module
debug-module: debug-kernel
	rm -rf $(DEBUG_MOD) && mkdir -p $(DEBUG_MOD)
	tar -C $(CURDIR) -cf - --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*' \
		--exclude=modules.order kvm-sec virtio-vsem | tar -C $(DEBUG_MOD) -xf -
	echo 'obj-m += kvm-sec/' >$(DEBUG_MOD)/Kbuild
	$(MAKE) -C "$$(selftests/lab/debug-kernel.sh --cached)/build" \
		M=$(DEBUG_MOD) modules

vsecctl:
	$(MAKE) -C userspace

# The guest driver with sysfs "inject" (a hostile driver), for the tests
# only, built from a copy so that the production module stays apart.
GUEST_TEST_MOD := $(BUILD)/guest-driver-test
guest-driver-test:
	rm -rf $(GUEST_TEST_MOD) && mkdir -p $(GUEST_TEST_MOD)
	tar -C $(CURDIR) -cf - --exclude='*.o' --exclude='*.ko' \
		--exclude='*.mod' --exclude='*.mod.c' --exclude='.*' \
		--exclude=modules.order guest-driver virtio-vsem | tar -C $(GUEST_TEST_MOD) -xf -
	echo 'obj-m += guest-driver/' >$(GUEST_TEST_MOD)/Kbuild
	$(MAKE) -C $(KDIR) M=$(GUEST_TEST_MOD) VSEM_TEST=1 modules

selftests: vsecctl guest-driver-test
	$(MAKE) -C selftests BUILD=$(BUILD)

# DESTDIR stages everything for a package (its postinst runs depmod).
install: module vsecctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	mkdir -p /usr/src/kvm-sec-$(VERSION)
	cp -r Kbuild dkms.conf kvm-sec virtio-vsem /usr/src/kvm-sec-$(VERSION)/
	dkms add kvm-sec/$(VERSION) && dkms build kvm-sec/$(VERSION) -k $(KVER) && \
		dkms install kvm-sec/$(VERSION) -k $(KVER)

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing:" $$missing; \
		apt-get update -q && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends $$missing; \
	fi

# CMD reaches the lab verbatim ($, quotes and all) through the environment.
export KSEC_LAB_CMD := $(value CMD)

LAB_KERNEL ?= debian
export LAB_KERNEL

lab: deps all $(if $(filter debug,$(LAB_KERNEL)),debug-module)
	LAB_KVER=$(KVER) $(if $(LAB_SMP),LAB_SMP=$(LAB_SMP)) \
		$(if $(filter debug,$(LAB_KERNEL)),LAB_MODULE=$(DEBUG_MOD)/kvm-sec/kvm-sec.ko) \
		selftests/lab/lab.sh $(if $(value CMD),"$$KSEC_LAB_CMD")

# The whole comparison (selftests/bench_all.sh): three lab runs, one table.
bench: deps all qemu
	LAB_KVER=$(KVER) selftests/bench_all.sh

# QEMU first (its build prints its progress; cached after the first time).
demo: deps all qemu
	LAB_KERNEL=debian LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/lab/demo.sh

# QEMU 7.2 with virtio-vsem, cached by its inputs (qemu-device/build.sh).
qemu:
	qemu-device/build.sh

# The report validator's unit test, then the device in the real QEMU.
qemu-check: qemu
	cd qemu-device/overlay && perl "$$(../build.sh --source | tail -n 1)/scripts/checkpatch.pl" \
		--no-tree -q -f $$(find . -name '*.[ch]' | sort)
	$(MAKE) -C qemu-device/tests check BUILD=$(BUILD)
	python3 qemu-device/tests/device_test.py "$$(qemu-device/build.sh | tail -n 1)"

# Unit tests, the host tests on the debug kernel (KASAN, lockdep,
# kmemleak: the same tests as on Debian's kernel, and more checking), the
# QEMU device, and the tests with nested Linux guests on Debian's kernel.
# The lab emulates on one core: QEMU builds on the other meanwhile.
check: deps all unit debug-module
	@mkdir -p $(BUILD)
	@# QEMU's build packages and source first: nothing is installed under a lab.
	@qemu-device/build.sh --source >/dev/null
	@echo "check: building QEMU (log: $(BUILD)/qemu-build.log) while the debug lab runs"
	@QEMU_JOBS=1 qemu-device/build.sh >$(BUILD)/qemu-build.log 2>&1 & qemu=$$!; \
	$(MAKE) --no-print-directory check-debug; st=$$?; \
	if ! wait $$qemu; then tail -n 30 $(BUILD)/qemu-build.log; exit 1; fi; \
	tail -n 2 $(BUILD)/qemu-build.log; exit $$st
	$(MAKE) --no-print-directory qemu-check
	$(MAKE) --no-print-directory check-guest
	$(MAKE) --no-print-directory check-decisions

unit: vsecctl
	$(MAKE) -C userspace check

check-debug: deps all debug-module
	LAB_KERNEL=debug LAB_MODULE=$(DEBUG_MOD)/kvm-sec/kvm-sec.ko \
		selftests/lab/lab.sh selftests/run-tests.sh host

# The host tests on Debian's own kernel (by hand; make check runs them on
# the debug kernel).
check-host: deps all
	LAB_KERNEL=debian LAB_KVER=$(KVER) selftests/lab/lab.sh selftests/run-tests.sh host

# HSEM's scenarios 1 to 5 (selftests/decision.sh, scenarios.sh) on Debian's
# kernel with two vCPUs: the CPU hog of scenario 4 needs one to itself.
check-decisions: deps all
	LAB_KERNEL=debian LAB_KVER=$(KVER) selftests/lab/lab.sh selftests/run-tests.sh decisions

check-guest: deps all qemu
	LAB_KERNEL=debian LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/run-tests.sh guest

# The guest driver's cost per packet and throughput with several flows on
# two vCPUs, with and without it (figures, not a test).
bench-guest: deps all qemu
	LAB_KERNEL=debian LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/guest_bench.sh

# What carrying a VM's kvm-sec state adds to a live migration's downtime
# (figures, not a test).
bench-migrate: deps all qemu
	LAB_KERNEL=debian LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/bench_migrate.sh

$(BUILD)/checkpatch/scripts/checkpatch.pl:
	@test -n "$(KSRC_TAR)" || { echo "style: no /usr/src/linux-source-*.tar.xz: run 'make deps'" >&2; exit 1; }
	mkdir -p $(BUILD)/checkpatch
	tar -xf $(KSRC_TAR) -C $(BUILD)/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

style: $(BUILD)/checkpatch/scripts/checkpatch.pl guest-driver-test
	$(BUILD)/checkpatch/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CONST_STRUCT \
		-f $(filter-out %.mod.c,$(wildcard kvm-sec/*.c guest-driver/*.c)) \
		kvm-sec/*.h guest-driver/*.h kvm-sec/uapi/linux/*.h \
		virtio-vsem/include/uapi/linux/*.h virtio-vsem/include/linux/*.h
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse CF=-Wsparse-error modules
	$(MAKE) -C $(KDIR) M=$(GUEST_TEST_MOD) VSEM_TEST=1 C=2 CHECK=sparse \
		CF=-Wsparse-error modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf $(BUILD)

.PHONY: all module module-debug debug-kernel debug-module vsecctl guest-driver-test selftests \
	install dkms-install deps lab demo bench bench-guest bench-migrate qemu qemu-check check unit \
	check-debug check-host check-guest check-decisions style clean
