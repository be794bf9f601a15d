#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Second stage of the kvm-sec test host, inside the build machine's root
# file system: loads KVM and the freshly built kvm-sec.ko, runs the command
# the lab was given (or a shell), then records its status and the kernel log
# in /run/lab for selftests/lab/lab.sh to judge, and powers off.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root TERM=${TERM:-linux}
set -a
. /run/lab/env
set +a

finish() {
	echo "$1" >/run/lab/status
	dmesg >/run/lab/dmesg
	sync
	echo b >/proc/sysrq-trigger
	sleep 60
}

hostname kvm-sec-lab
ip link set lo up 2>/dev/null
sysctl -qw kernel.panic_on_warn=0 kernel.printk="3 4 1 3"
# The debug kernel's modules are not in the shared root: its cache is.
if [ "$LAB_MODULES_DIR" != /lib/modules ]; then
	mount --bind "$LAB_MODULES_DIR" /lib/modules || finish 125
fi
kmemleak=/sys/kernel/debug/kmemleak
if [ -w "$kmemleak" ]; then
	# Leaks are those of this run: forget what booting left suspected
	# (lab.sh judges kmemleak by the file read at the end, not by its
	# "new suspected memory leaks" lines in the kernel log).
	echo scan >"$kmemleak"
	echo clear >"$kmemleak"
fi

if ! modprobe kvm || ! { modprobe kvm_amd || modprobe kvm_intel; }; then
	echo "lab: cannot load KVM (does the emulated CPU offer SVM?)" >&2
	finish 125
fi
if [ ! -c /dev/kvm ]; then
	echo "lab: no /dev/kvm" >&2
	finish 125
fi
if [ -n "$LAB_MODULE" ] && ! insmod "$LAB_MODULE"; then
	echo "lab: cannot load $LAB_MODULE" >&2
	finish 125
fi

export PATH="$LAB_PATH:$PATH"
cd "$LAB_REPO" || finish 125

if [ -f /run/lab/cmd ]; then
	bash /run/lab/cmd </dev/null
	status=$?
else
	echo "kvm-sec lab: kvm, kvm-amd and kvm-sec are loaded; vsecctl is on PATH."
	echo "Leave the shell to power the test host off."
	setsid -c bash -i </dev/ttyS0 >/dev/ttyS0 2>&1
	status=$?
fi

# Unloading is part of every run: it must leave no warning behind.
if [ -n "$LAB_MODULE" ] && grep -q '^kvm_sec ' /proc/modules; then
	if ! rmmod kvm_sec; then
		echo "lab: cannot unload kvm_sec" >&2
		[ "$status" = 0 ] && status=125
	fi
fi
# On the debug kernel: whatever the run leaked, the module's unload
# included. kmemleak reports an object once it is old enough and was
# unreferenced at two scans in a row; the lab fails on its report.
if [ -w "$kmemleak" ]; then
	echo "lab: scanning for memory leaks (kmemleak)" >&2
	sleep 6		# kmemleak's minimum object age is 5 s
	echo scan >"$kmemleak"
	echo scan >"$kmemleak"
	# debugfs files have no size: read it.
	if grep -q . "$kmemleak"; then
		echo "lab: kmemleak: suspected memory leaks:" >&2
		head -n 60 "$kmemleak" >&2
		[ "$status" = 0 ] && status=1
	else
		echo "lab: kmemleak: no leak" >&2
	fi
fi
finish "$status"
