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
finish "$status"
