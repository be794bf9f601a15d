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
# (seconds, 120), GUEST_CONSOLE (file the guest's console goes to, to
# follow it while the guest runs), GUEST_DRIVER (the guest driver module,
# default: the repository's guest-driver/virtio_vsem.ko; "" for none),
# GUEST_DRIVER_ARGS (its parameters), GUEST_INCOMING (a migration's
# destination: QEMU waits for the guest on this -incoming URI, and its
# console shows only what the guest prints after), GUEST_PIN (the test host's CPUs QEMU may run on, default
# 0; "" for all), GUEST_SMP (the guest's vCPUs, 1), GUEST_FILES (static
# programs copied into the guest's /bin). Like the lab, it fails if the guest's kernel logged an
# oops, BUG or WARNING.
#
# Why the guest runs on one CPU of the test host: when the nested guest's
# vCPU runs on one test-host CPU and KVM kicks it from another, the kick is
# sometimes lost in QEMU 7.2 TCG's emulation of SVM and the guest waits for
# ever (measured: 8 of 15 boots hung at random points with the test host's
# 2 CPUs; with kvm_amd vgif=0 2 of 4 still hung; with the guest's QEMU
# pinned to CPU 0, 8 of 8 plain boots passed but 4 of 5 boots with the
# driver and network hung; with the test host's other CPU taken offline, 2
# of 7 hung, early in the guest's boot; with LAB_SMP=1, 11 of 11 passed).
# So guest.sh wants a test host with one CPU (LAB_SMP=1; GUEST_ANY_SMP=1 to
# try anyway) and pins QEMU to CPU 0 (GUEST_PIN). With single-threaded TCG
# the test host's CPUs take turns on one host thread anyway, so no speed is
# lost.
#
# Example, in the lab:
#   make lab LAB_SMP=1 CMD='selftests/lab/guest.sh "cat /sys/bus/pci/devices/*/device"'
#
# The guest has a virtio-net interface eth0, 10.0.2.15/24, on QEMU's
# restricted user network (10.0.2.2 answers pings; nothing leaves the test
# host), IPv6 off so that the only packets are the ones CMD sends.
#
# Tap mode (GUEST_NET=tap): eth0 is on a tap device of the test host,
# GUEST_TAP (default vsem-tap0), in the bridge GUEST_BRIDGE (default
# br-vsem, 10.0.3.1/24, created if missing), with vhost-net
# (GUEST_VHOST=on, the default; off for QEMU's own tap back end). The
# guest's address is GUEST_ADDR (default 10.0.3.10/24) and its MAC
# GUEST_MAC (default 52:54:00:00:03:10): give each of two guests started
# at once on the same bridge its own tap, address and MAC, and one can send
# to the other. The tap goes away with QEMU.
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
[ -c /dev/kvm ] || die "no /dev/kvm: run me in the lab (make lab LAB_SMP=1 CMD=...)"
[ "$(nproc)" = 1 ] || [ "${GUEST_ANY_SMP:-}" = 1 ] ||
	die "the test host has $(nproc) CPUs: nested guests hang with more than one; run the lab with LAB_SMP=1"

qemu=${GUEST_QEMU:-${LAB_GUEST_QEMU:-}}
[ -n "$qemu" ] || die "no QEMU with virtio-vsem: run 'make qemu' before 'make lab'"

[ -x "$qemu" ] || die "$qemu is not executable"
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
driver=${GUEST_DRIVER-$repo/guest-driver/virtio_vsem.ko}
[ -z "$driver" ] || [ -f "$driver" ] || die "$driver is not built: run 'make'"

kver=$(uname -r)
work=$(mktemp -d /tmp/kvm-sec-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT

# A self-contained initramfs: busybox, the command, and an init that runs
# it and prints its status on the console. (Sharing the test host's root
# over 9p again is far too slow under TCG.)
tree=$work/initramfs
mkdir -p "$tree"/{bin,dev,proc,sys,tmp,modules}
cp /bin/busybox "$tree/bin/busybox"
for f in ${GUEST_FILES:-}; do
	cp "$f" "$tree/bin/" || die "cannot copy $f into the guest"
done
printf '%s\n' "$1" >"$tree/cmd"
# The virtio transport and virtio-net, in load order, then the driver.
n=0
for f in $(for m in virtio_pci virtio_net; do
		modprobe -S "$kver" --show-depends "$m"
	   done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }'); do
	n=$((n + 1))
	m=${f##*/}
	case $f in
	*.xz) xz -dc "$f" ;;
	*) cat "$f" ;;
	esac >"$tree/modules/$(printf %02d $n)-${m%%.ko*}.ko"
done
[ "$n" -gt 0 ] || die "no virtio modules found for $kver"
if [ -n "$driver" ]; then
	cp "$driver" "$tree/modules/99-virtio_vsem.ko"
	printf '%s\n' "${GUEST_DRIVER_ARGS:-}" >"$tree/modules/99-virtio_vsem.args"
fi
cat >"$tree/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in /modules/*.ko; do
	args=
	[ -f "${m%.ko}.args" ] && args=$(cat "${m%.ko}.args")
	insmod "$m" $args || echo "guest-complaint insmod $m failed"
done
echo 1 >/proc/sys/net/ipv6/conf/default/disable_ipv6
echo 1 >/proc/sys/net/ipv6/conf/all/disable_ipv6
ip link set lo up
ip addr add @ADDR@ dev eth0 && ip link set eth0 up
echo "guest-begin"
sh /cmd
echo "guest-status $?"
dmesg | grep -E 'Oops|BUG:|WARNING:|soft lockup|general protection|Call Trace' |
	sed 's/^/guest-complaint /'
echo b >/proc/sysrq-trigger
INIT
chmod +x "$tree/init"

net=(-netdev user,id=net0,restrict=on)
addr=10.0.2.15/24
mac=52:54:00:12:34:56
case ${GUEST_NET:-user} in
user) ;;
tap)
	tap=${GUEST_TAP:-vsem-tap0} bridge=${GUEST_BRIDGE:-br-vsem}
	addr=${GUEST_ADDR:-10.0.3.10/24} mac=${GUEST_MAC:-52:54:00:00:03:10}
	vhost=${GUEST_VHOST:-on}
	"$repo/selftests/lab/bridge.sh" "$bridge" ||
		die "cannot set up the bridge $bridge"
	# /dev/net/tun appears with the module (no udev here).
	[ -c /dev/net/tun ] || modprobe tun || die "no tun in the test host"
	[ "$vhost" = off ] || modprobe vhost_net ||
		die "no vhost-net in the test host (GUEST_VHOST=off to do without)"
	# QEMU creates the tap and runs this with its name.
	cat >"$work/ifup" <<IFUP
#!/bin/sh
echo 1 >/proc/sys/net/ipv6/conf/\$1/disable_ipv6
ip link set "\$1" master $bridge up
IFUP
	chmod +x "$work/ifup"
	net=(-netdev "tap,id=net0,ifname=$tap,script=$work/ifup,downscript=no,vhost=$vhost")
	;;
*) die "GUEST_NET is user or tap, not '$GUEST_NET'" ;;
esac
sed -i "s|@ADDR@|$addr|" "$tree/init"
(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initramfs.cpio.gz"

pin=()
[ -z "${GUEST_PIN-0}" ] || pin=(taskset -c "${GUEST_PIN-0}")
console=${GUEST_CONSOLE:-$work/console}
qmp=()
[ -z "${GUEST_QMP:-}" ] || qmp=(-qmp "unix:$GUEST_QMP,server=on,wait=off")
incoming=()
[ -z "${GUEST_INCOMING:-}" ] || incoming=(-incoming "$GUEST_INCOMING")
# In the background, so that a TERM or INT for this script (a test giving
# up) reaches QEMU: timeout runs it in a process group of its own.
timeout -k 10 "${GUEST_TIMEOUT:-120}" "${pin[@]}" "$qemu" \
	-accel kvm -cpu "${GUEST_CPU:-qemu64}" -m "${GUEST_MEM:-256}" -smp "${GUEST_SMP:-1}" \
	-machine q35 -no-reboot -nodefaults -display none \
	-kernel "/boot/vmlinuz-$kver" -initrd "$work/initramfs.cpio.gz" \
	-append "console=ttyS0 ${GUEST_APPEND:-quiet loglevel=3} panic=-1" \
	"${net[@]}" -device "virtio-net-pci,netdev=net0,mac=$mac" \
	-serial "file:$console" -monitor none "${qmp[@]}" "${devices[@]}" \
	"${incoming[@]}" \
	</dev/null &
qemu_pid=$!
trap 'kill "$qemu_pid" 2>/dev/null' TERM INT
wait "$qemu_pid" || echo "guest: QEMU exited with status $?" >&2

tr -d '\r' <"$console" >"$work/out"
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
