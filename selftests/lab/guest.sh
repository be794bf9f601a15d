#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Start a Linux guest inside the test host (run it in the lab) with the
# QEMU built by "make qemu" under KVM, the virtio-vsem device, and the
# test host's kernel; run a command in the guest as root and exit with its
# status. The guest's root is the test host's, read-only over virtio-9p, so
# the repository is at the same path there too.
#
#   guest.sh [--device DEVICE-ARGS] CMD
#
# --device replaces the default "virtio-vsem-pci,id=vsem" (repeatable; "none"
# for no device). Environment: GUEST_QEMU (QEMU binary, default: the build
# of "make qemu" that the lab found, LAB_GUEST_QEMU), GUEST_MEM (MiB, 512), GUEST_QMP (a UNIX socket
# path for QMP, to qom-get the device while the guest runs), GUEST_TIMEOUT
# (seconds, 600). Like the lab, it fails if the guest's kernel logged an
# oops, BUG or WARNING.
#
# Example, in the lab:
#   make lab CMD='selftests/lab/guest.sh "cat /sys/bus/pci/devices/*/device"'
#
# State (work in progress, not used by the tests yet): the guest kernel
# reaches its init in about 18 s (with -cpu qemu64; -cpu host stops on an
# XSAVE size warning under the emulated SVM), but mounting the test host's
# root, itself a 9p mount, over 9p again does not finish within 4 minutes.
# The next step is a self-contained guest initramfs (busybox, the guest
# driver and the test programs) that needs no root file system.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
die() {
	echo "guest: $*" >&2
	exit 125
}

devices=()
while [ $# -gt 0 ]; do
	case $1 in
	--device)
		[ $# -ge 2 ] || die "--device needs an argument"
		[ "$2" = none ] || devices+=(-device "$2")
		shift 2 ;;
	--) shift; break ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || die "usage: guest.sh [--device ARGS] CMD"
[ ${#devices[@]} -gt 0 ] || devices=(-device virtio-vsem-pci,id=vsem)
[ -c /dev/kvm ] || die "no /dev/kvm: run me in the lab (make lab CMD=...)"

qemu=${GUEST_QEMU:-${LAB_GUEST_QEMU:-}}
[ -n "$qemu" ] || die "no QEMU with virtio-vsem: run 'make qemu' before 'make lab'"

[ -x "$qemu" ] || die "$qemu is not executable"

kver=$(uname -r)
work=$(mktemp -d /tmp/kvm-sec-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
initramfs=${LAB_INITRAMFS:-}
if [ -z "$initramfs" ] || [ ! -r "$initramfs" ]; then
	initramfs=$work/initramfs.cpio.gz
	"$here/mkinitramfs.sh" "$kver" "$initramfs"
fi
out=$work/out
mkdir -p "$out"
{
	printf 'LAB_REPO=%q\n' "$repo"
	printf 'LAB_PATH=%q\n' "$repo/userspace:$repo/selftests"
} >"$out/env"
printf '%s\n' "$1" >"$out/cmd"

qmp=()
[ -z "${GUEST_QMP:-}" ] || qmp=(-qmp "unix:$GUEST_QMP,server=on,wait=off")
timeout -k 10 "${GUEST_TIMEOUT:-600}" "$qemu" \
	-accel kvm -cpu "${GUEST_CPU:-qemu64}" -m "${GUEST_MEM:-512}" -smp 1 \
	-machine q35 -no-reboot -nodefaults -display none \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initramfs" \
	-append "console=ttyS0 ${GUEST_APPEND:-quiet loglevel=3} panic=-1 lab.stage2=$here/guest-stage2.sh" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$out,mount_tag=labout,security_model=none,multidevs=remap" \
	-serial stdio -monitor none "${qmp[@]}" "${devices[@]}" </dev/null ||
	echo "guest: QEMU exited with status $?" >&2

[ -f "$out/status" ] || die "the guest stopped before the command finished"
status=$(cat "$out/status")
pattern='Oops|BUG:|WARNING:|soft lockup|general protection|Call Trace'
if grep -E "$pattern" "$out/dmesg" >&2; then
	echo "guest: the guest's kernel complained" >&2
	[ "$status" = 0 ] && status=1
fi
exit "$status"
