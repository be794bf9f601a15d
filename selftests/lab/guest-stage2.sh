#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Second stage of a Linux guest started by selftests/lab/guest.sh inside the
# test host: the root file system is the test host's (shared read-only over
# virtio-9p, so the repository is at the same path). Runs the command,
# records its status and the kernel log in /run/lab for guest.sh, and
# powers off.
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

hostname kvm-sec-guest
ip link set lo up 2>/dev/null
sysctl -qw kernel.printk="3 4 1 3"
export PATH="$LAB_PATH:$PATH"
cd "$LAB_REPO" || finish 125
bash /run/lab/cmd </dev/null
finish $?
