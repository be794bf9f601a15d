#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Start a Linux guest inside the test host (run it in the lab) with the
# QEMU built by "make qemu" under KVM, the virtio-vsem device, and the
# test host's kernel; run a command in the guest as root and exit with its
# status.
#
#   guest.sh [--device DEVICE-ARGS] CMD
#
# --device replaces the default "virtio-vsem-pci,id=vsem" (repeatable; "none"
# for no device). Environment: GUEST_QEMU (QEMU binary, default: the build
# of "make qemu" that the lab found, LAB_GUEST_QEMU), GUEST_MEM (MiB, 256), GUEST_QMP (a UNIX socket
# path for QMP, to qom-get the device while the guest runs), GUEST_TIMEOUT
# (seconds, 120), GUEST_PIN (the test host's CPUs QEMU may run on, default
# 0; "" for all). Like the lab, it fails if the guest's kernel logged an
# oops, BUG or WARNING.
#
# Why QEMU is pinned to one CPU of the test host: when the nested guest's
# vCPU runs on one test-host CPU and KVM kicks it from the other (a timer or
# an interrupt raised by QEMU's I/O thread), the kick is sometimes lost in
# QEMU 7.2 TCG's emulation of SVM and the guest waits for ever (measured:
# 8 of 15 boots hung at random points with the test host's 2 CPUs; 0 of 8
# with kvm_amd vgif=0 was not conclusive, 2 of 4 still hung with it; 0 of 8
# with LAB_SMP=1 and 0 of 8 pinned to CPU 0). With single-threaded TCG the
# test host's CPUs take turns on one host thread anyway, so nothing is lost.
#
# Example, in the lab:
#   make lab CMD='selftests/lab/guest.sh "cat /sys/bus/pci/devices/*/device"'
#
# The guest runs busybox from its initramfs (no root file system: sharing
# the test host's root over 9p again is far too slow under TCG); CMD is a
# busybox sh command line. -cpu qemu64 by default: with -cpu host the guest
# kernel stops on an XSAVE size warning under the emulated SVM.
set -euo pipefail

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

# A self-contained initramfs: busybox, the command, and an init that runs
# it and prints its status on the console. (Sharing the test host's root
# over 9p again is far too slow under TCG.)
tree=$work/initramfs
mkdir -p "$tree"/{bin,dev,proc,sys,tmp}
cp /bin/busybox "$tree/bin/busybox"
printf '%s\n' "$1" >"$tree/cmd"
cat >"$tree/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "guest-begin"
sh /cmd
echo "guest-status $?"
dmesg | grep -E 'Oops|BUG:|WARNING:|soft lockup|general protection|Call Trace' |
	sed 's/^/guest-complaint /'
echo b >/proc/sysrq-trigger
INIT
chmod +x "$tree/init"
(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"

pin=()
[ -z "${GUEST_PIN-0}" ] || pin=(taskset -c "${GUEST_PIN-0}")
qmp=()
[ -z "${GUEST_QMP:-}" ] || qmp=(-qmp "unix:$GUEST_QMP,server=on,wait=off")
timeout -k 10 "${GUEST_TIMEOUT:-120}" "${pin[@]}" "$qemu" \
	-accel kvm -cpu "${GUEST_CPU:-qemu64}" -m "${GUEST_MEM:-256}" -smp 1 \
	-machine q35 -no-reboot -nodefaults -display none \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 ${GUEST_APPEND:-quiet loglevel=3} panic=-1" \
	-serial "file:$work/console" -monitor none "${qmp[@]}" "${devices[@]}" \
	</dev/null || echo "guest: QEMU exited with status $?" >&2

tr -d '\r' <"$work/console" >"$work/out"
sed -n '/^guest-begin$/,/^guest-status /{/^guest-begin$/d;/^guest-status /d;p}' "$work/out"
status=$(sed -n 's/^guest-status \([0-9]*\)$/\1/p' "$work/out")
[ -n "$status" ] || {
	tail -n 20 "$work/out" >&2
	die "the guest stopped before the command finished"
}
if grep '^guest-complaint ' "$work/out" >&2; then
	echo "guest: the guest's kernel complained" >&2
	[ "$status" = 0 ] && status=1
fi
exit "$status"
