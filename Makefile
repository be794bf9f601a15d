# SPDX-License-Identifier: GPL-2.0
#
# kvm-sec: build, install and test. See README.md.
#
#   make                 kvm-sec.ko, vsecctl, selftests
#   make demo            boot the test host and show kvm-sec at work
#   make check           unit tests, then every selftest in the test host
#   make lab CMD="..."   run CMD as root in the test host (no CMD: a shell);
#                        LAB_SMP=1 for nested guests (selftests/lab/guest.sh)
#   make install         module (extra/, depmod) and vsecctl (PREFIX)
#   make dkms-install    register the module with DKMS
#   make bench           exit-path cost with and without kvm-sec (instructions)
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
	qemu-system-x86 busybox-static libnl-3-dev libnl-genl-3-dev sparse

all: module vsecctl selftests

module:
	@test -d "$(KDIR)" || { echo "kvm-sec: no kernel build tree at '$(KDIR)': install linux-headers-amd64 ('make deps') or give KDIR=" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) CONFIG_KVM_SEC_DEBUG=y modules

vsecctl:
	$(MAKE) -C userspace

selftests: vsecctl
	$(MAKE) -C selftests BUILD=$(BUILD)

# DESTDIR stages everything for a package (its postinst runs depmod).
install: module vsecctl
	$(MAKE) -C $(KDIR) M=$(CURDIR) INSTALL_MOD_DIR=extra \
		$(if $(DESTDIR),INSTALL_MOD_PATH=$(DESTDIR)) modules_install
	$(if $(DESTDIR),,depmod -a $(KVER))
	$(MAKE) -C userspace install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	mkdir -p /usr/src/kvm-sec-$(VERSION)
	cp -r Kbuild dkms.conf kvm-sec /usr/src/kvm-sec-$(VERSION)/
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

lab: deps all
	LAB_KVER=$(KVER) $(if $(LAB_SMP),LAB_SMP=$(LAB_SMP)) \
		selftests/lab/lab.sh $(if $(value CMD),"$$KSEC_LAB_CMD")

bench: deps all
	LAB_KVER=$(KVER) LAB_SMP=1 LAB_QEMU_ARGS="-icount shift=0" \
		selftests/lab/lab.sh "BENCH_ICOUNT=1 selftests/bench.sh"

demo: deps all
	LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/lab/demo.sh

# QEMU 7.2 with virtio-vsem, cached by its inputs (qemu-device/build.sh).
qemu:
	qemu-device/build.sh

# The report validator's unit test, then the device in the real QEMU.
qemu-check: qemu
	cd qemu-device/overlay && perl "$$(../build.sh --source | tail -n 1)/scripts/checkpatch.pl" \
		--no-tree -q -f $$(find . -name '*.[ch]' | sort)
	$(MAKE) -C qemu-device/tests check BUILD=$(BUILD)
	python3 qemu-device/tests/device_test.py "$$(qemu-device/build.sh | tail -n 1)"

check: deps all qemu-check
	$(MAKE) -C userspace check
	LAB_KVER=$(KVER) selftests/lab/lab.sh selftests/run-tests.sh host
	LAB_KVER=$(KVER) LAB_SMP=1 selftests/lab/lab.sh selftests/run-tests.sh guest

$(BUILD)/checkpatch/scripts/checkpatch.pl:
	@test -n "$(KSRC_TAR)" || { echo "style: no /usr/src/linux-source-*.tar.xz: run 'make deps'" >&2; exit 1; }
	mkdir -p $(BUILD)/checkpatch
	tar -xf $(KSRC_TAR) -C $(BUILD)/checkpatch --strip-components=1 \
		--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
		'*/scripts/const_structs.checkpatch'

style: $(BUILD)/checkpatch/scripts/checkpatch.pl
	$(BUILD)/checkpatch/scripts/checkpatch.pl --no-tree --strict --terse \
		--ignore FILE_PATH_CHANGES,SPDX_LICENSE_TAG,CONST_STRUCT \
		-f $(filter-out %.mod.c,$(wildcard kvm-sec/*.c guest-driver/*.c)) \
		kvm-sec/*.h guest-driver/*.h kvm-sec/uapi/linux/*.h \
		virtio-vsem/include/uapi/linux/*.h
	$(MAKE) -C $(KDIR) M=$(CURDIR) C=2 CHECK=sparse CF=-Wsparse-error modules

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C userspace clean
	$(MAKE) -C selftests clean
	rm -rf $(BUILD)

.PHONY: all module module-debug vsecctl selftests install dkms-install \
	deps lab demo bench qemu qemu-check check style clean
