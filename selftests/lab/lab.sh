#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-sec lab: boots a KVM test host (Debian's kernel under QEMU TCG,
# which emulates AMD SVM with nested paging), loads kvm, kvm-amd and the
# freshly built kvm-sec.ko in it, and runs a command there as root.
#
#   lab.sh 'COMMAND'   run COMMAND; exit with its status
#   lab.sh             interactive shell on the test host
#
# The build machine's root file system is the test host's (read-only), so
# the repository, QEMU, everything installed and any program built on the
# build machine are at the same paths. /tmp, /var/tmp and /root show the
# build machine's files under a tmpfs overlay (writes stay in the test
# host); /run and /var/lib are fresh tmpfs. The run fails, whatever the command
# returned, if the test host's kernel logged an oops, BUG, WARNING or soft
# lockup, or if kvm-sec.ko could not be unloaded at the end.
#
# Environment: LAB_KERNEL (debian: the installed kernel, the default;
# debug: the lab's debug kernel, selftests/lab/debug-kernel.sh, with
# KASAN, lockdep and kmemleak: any report fails the run),
# LAB_KVER (kernel release, default: newest installed),
# LAB_TCG_THREAD (single or multi, see below), LAB_MODULE (module to load, default: the repository's kvm-sec.ko, "" for
# none), LAB_MEM (MiB, 4096), LAB_SMP (2), LAB_TIMEOUT (seconds, 3600),
# LAB_QEMU (qemu-system-x86_64), LAB_QEMU_ARGS (more QEMU arguments),
# LAB_DMESG (a file to keep the test host's kernel log in).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)

die() {
	echo "lab: $*" >&2
	exit 125
}

# Install what the lab needs when it is missing (Debian packages, as root).
if ! command -v "${LAB_QEMU:-qemu-system-x86_64}" >/dev/null ||
   [ ! -x /bin/busybox ] || ! compgen -G '/boot/vmlinuz-*' >/dev/null; then
	echo "lab: installing the Debian packages it needs (make deps)" >&2
	make -s -C "$repo" deps || die "cannot install the packages: run 'make deps' as root"
fi

case ${LAB_KERNEL:-debian} in
debian)
	kver=${LAB_KVER:-$(ls /boot | sed -n 's/^vmlinuz-//p' | sort -V | tail -n 1)}
	[ -n "$kver" ] || die "no kernel in /boot: run 'make deps' (installs linux-image-amd64)"
	kernel=/boot/vmlinuz-$kver
	moddir=/lib/modules/$kver
	module_default=$repo/kvm-sec/kvm-sec.ko
	;;
debug)
	dbg=$("$here/debug-kernel.sh" --cached 2>/dev/null | tail -n 1) ||
		die "the debug kernel is not built: run 'make debug-kernel'"
	kver=$(cat "$dbg/release")
	kernel=$dbg/vmlinuz
	moddir=$dbg/lib/modules/$kver
	module_default=$repo/build/debug-module/kvm-sec/kvm-sec.ko
	;;
*) die "LAB_KERNEL is debian or debug, not '$LAB_KERNEL'" ;;
esac
[ -r "$kernel" ] || die "$kernel is not readable"
[ -d "$moddir" ] || die "$moddir is missing"
qemu=${LAB_QEMU:-qemu-system-x86_64}
command -v "$qemu" >/dev/null || die "$qemu not found: run 'make deps'"
[ -x /bin/busybox ] || die "/bin/busybox not found: run 'make deps'"
module=${LAB_MODULE-$module_default}
[ -z "$module" ] || [ -f "$module" ] || die "$module is not built: run 'make'"

work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sec-lab.XXXXXX")
trap 'rm -rf "$work"' EXIT

"$here/mkinitramfs.sh" "$kver" "$work/initramfs.cpio.gz" "$moddir"

out=$work/out
mkdir -p "$out"
{
	printf 'LAB_REPO=%q\n' "$repo"
	printf 'LAB_MODULE=%q\n' "$module"
	printf 'LAB_PATH=%q\n' "$repo/userspace:$repo/selftests"
	printf 'LAB_KERNEL=%q\n' "${LAB_KERNEL:-debian}"
	# The debug kernel's modules: mounted on /lib/modules in the test host.
	printf 'LAB_MODULES_DIR=%q\n' "$(dirname "$moddir")"
	# QEMU with virtio-vsem, if "make qemu" built it for these sources.
	printf 'LAB_GUEST_QEMU=%q\n' \
		"$("$repo/qemu-device/build.sh" --cached 2>/dev/null | tail -n 1)"
} >"$out/env"

interactive=y
if [ $# -gt 0 ]; then
	interactive=
	printf '%s\n' "$*" >"$out/cmd"
fi

args=(
	-accel "tcg,thread=${LAB_TCG_THREAD:-single}" -cpu max -smp "${LAB_SMP:-2}"
	-m "${LAB_MEM:-4096}" -no-reboot -nodefaults
	-kernel "$kernel" -initrd "$work/initramfs.cpio.gz"
	-append "console=ttyS0 quiet loglevel=3 panic=-1 lab.stage2=$here/stage2.sh"
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap"
	-virtfs "local,path=$out,mount_tag=labout,security_model=none,multidevs=remap"
)
# LAB_TCG_THREAD defaults to single: with QEMU 7.2's multi-threaded TCG,
# the test host's kernel hangs in an endless int3 loop when it patches its
# own text often (measured: KVM flips the preempt-notifier static key in
# __schedule on every VM creation and destruction; 200 VMs created in a row
# hang the test host with or without kvm-sec loaded). Single-threaded TCG
# runs the same 200 VMs in 10 s.

# Extra QEMU arguments, e.g. "-s" for a gdb stub while debugging.
if [ -n "${LAB_QEMU_ARGS:-}" ]; then
	read -r -a extra <<<"$LAB_QEMU_ARGS"
	args+=("${extra[@]}")
fi
# The test host's heartbeat: an interrupt every second (see heartbeat).
args+=(-qmp "unix:$work/qmp,server=on,wait=off")
"$here/heartbeat" "$work/qmp" &
heartbeat=$!
if [ -n "$interactive" ]; then
	"$qemu" "${args[@]}" -nographic || true
else
	timeout -k 10 "${LAB_TIMEOUT:-3600}" \
		"$qemu" "${args[@]}" -display none -serial stdio -monitor none \
		</dev/null || echo "lab: QEMU exited with status $?" >&2
fi
kill "$heartbeat" 2>/dev/null || true
wait "$heartbeat" 2>/dev/null || true

if [ ! -f "$out/status" ]; then
	echo "lab: the test host stopped before the command finished" >&2
	exit 125
fi
status=$(cat "$out/status")

# Whatever the command returned, a kernel complaint fails the run.
pattern='Oops|BUG:|WARNING:|soft lockup|hung_task|general protection|Call Trace|UBSAN|KASAN|ODEBUG|list_add corruption|refcount_t:'
if grep -E "$pattern" "$out/dmesg" >"$work/complaints"; then
	echo "lab: the test host's kernel complained:" >&2
	grep -E -B2 -A20 "$pattern" "$out/dmesg" | head -n 80 >&2
	[ "$status" = 0 ] && status=1
fi
if [ -n "${LAB_DMESG:-}" ]; then
	cp "$out/dmesg" "$LAB_DMESG"
fi
exit "$status"
