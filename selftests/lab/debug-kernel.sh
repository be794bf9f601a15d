#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The lab's debug kernel: Debian's linux-source-6.1 with Debian's own
# configuration (/boot/config-*), reduced by localmodconfig to the modules
# the lab loads (the list below), plus the debug options of debug.config
# (KASAN, KFENCE, lockdep, atomic-sleep checks, debug objects, kmemleak).
#
# The result is cached under $KERNEL_CACHE/<key>, where <key> hashes every
# input: the source package version, Debian's configuration, debug.config,
# the module list, the compiler's version and KEY_VERSION (bumped when the
# recipe below changes what it builds). It holds:
#   vmlinuz                 the kernel
#   lib/modules/<release>   its modules (the lab mounts it on /lib/modules)
#   build/                  the configured tree: KDIR for out-of-tree modules
#   release                 the kernel release string
#
#   debug-kernel.sh           build unless cached; print the folder last
#   debug-kernel.sh --cached  print the cached folder, or fail
#
# Environment: KERNEL_CACHE (/var/cache/kvm-sec/kernel), KERNEL_JOBS
# (nproc), KERNEL_REBUILD=1 (ignore the cache: a build from scratch).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KERNEL_CACHE:-/var/cache/kvm-sec/kernel}
jobs=${KERNEL_JOBS:-$(nproc)}

say() { echo "debug kernel: $*" >&2; }
die() { say "$*"; exit 1; }

# What the test host loads: the 9p root (lab/init), KVM, and the network
# pieces of the tap tests. Everything else Debian builds as a module is
# left out; what Debian builds in stays in.
MODULES=(9pnet 9p netfs fscache 9pnet_virtio virtio virtio_ring virtio_pci
	virtio_pci_modern_dev virtio_pci_legacy_dev overlay
	kvm kvm_amd kvm_intel irqbypass ccp
	tun tap vhost vhost_net vhost_iotlb bridge stp llc veth
	sch_ingress sch_htb sch_tbf cls_bpf act_police act_gact)
BUILD_DEPS=(linux-source-6.1 linux-image-amd64 build-essential bc bison
	flex libelf-dev libssl-dev kmod cpio xz-utils)

need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	apt-get update -q >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >&2
}

mode=${1:-}
[ "$mode" = --cached ] || need_packages "${BUILD_DEPS[@]}"
tarball=$(ls /usr/src/linux-source-6.1.tar.xz 2>/dev/null) ||
	die "no /usr/src/linux-source-6.1.tar.xz: run 'make deps'"
version=$(dpkg-query -W -f='${Version}' linux-source-6.1)
# Debian's configuration for that same series, of the amd64 flavour
# (not -rt or -cloud).
config=$(ls /boot/config-6.1.*-amd64 2>/dev/null | sort -V | tail -n 1)
[ -n "$config" ] || die "no Debian 6.1 amd64 kernel configuration in /boot: install linux-image-amd64"

KEY_VERSION=1
key=$({
	echo "$version $KEY_VERSION"
	gcc --version | head -n 1
	cat "$config" "$here/debug.config"
	printf '%s\n' "${MODULES[@]}"
} | sha256sum | cut -c1-16)
out=$cache/$key

if [ -f "$out/release" ] && [ -z "${KERNEL_REBUILD:-}" ]; then
	[ "$mode" = --cached ] || say "cached build $key ($(cat "$out/release"))"
	echo "$out"
	exit 0
fi
[ "$mode" = --cached ] && die "no cached build $key: run 'make debug-kernel'"

mkdir -p "$cache"
rm -rf "$out" "$out.tmp"
trap 'rm -rf "$out.tmp"' EXIT	# no half-built tree left behind
mkdir -p "$out.tmp"
start=$(date +%s)
say "unpacking linux-source $version"
tar -xf "$tarball" -C "$out.tmp"
mv "$out.tmp"/linux-source-* "$out.tmp/build"
tree=$out.tmp/build

say "configuring: $(basename "$config"), ${#MODULES[@]} modules, debug.config"
cp "$config" "$tree/.config"
printf 'Module Size Used_by\n' >"$out.tmp/lsmod"
printf '%s 16384 0\n' "${MODULES[@]}" >>"$out.tmp/lsmod"
# localmodconfig asks about options new to this source; the defaults do.
make -C "$tree" -s LSMOD="$out.tmp/lsmod" localmodconfig </dev/null \
	>"$out.tmp/config.log" 2>&1 || { cat "$out.tmp/config.log" >&2; die "localmodconfig failed"; }
(cd "$tree" && ./scripts/kconfig/merge_config.sh -m .config \
	"$here/debug.config" >/dev/null)
make -C "$tree" -s olddefconfig >&2
# merge_config.sh reports what did not stick; check what matters here.
for opt in KASAN PROVE_LOCKING DEBUG_ATOMIC_SLEEP DEBUG_KMEMLEAK KVM_AMD; do
	grep -q "^CONFIG_$opt=[ym]" "$tree/.config" ||
		die "CONFIG_$opt did not survive the configuration"
done
say "building with $jobs jobs (log: $out.tmp/build.log)"
make -C "$tree" -j "$jobs" bzImage modules >"$out.tmp/build.log" 2>&1 &
pid=$!
while kill -0 "$pid" 2>/dev/null; do
	sleep 60 &
	wait $! || true
	kill -0 "$pid" 2>/dev/null &&
		say "$(( ($(date +%s) - start) / 60 )) min, $(find "$tree" -name '*.o' | wc -l) objects"
done
if ! wait "$pid"; then
	tail -n 40 "$out.tmp/build.log" >&2
	die "the build failed"
fi
release=$(cat "$tree/include/config/kernel.release")
make -C "$tree" -s INSTALL_MOD_PATH="$out.tmp" INSTALL_MOD_STRIP=1 \
	modules_install >&2
rm -f "$out.tmp/lib/modules/$release/build" "$out.tmp/lib/modules/$release/source"
cp "$tree/arch/x86/boot/bzImage" "$out.tmp/vmlinuz"
# Objects are not needed to build modules against the tree: keep the
# configured headers, scripts and Module.symvers, drop the rest.
find "$tree" -name '*.o' ! -path '*/scripts/*' ! -path '*/tools/*' -delete
rm -f "$tree/vmlinux" "$tree/vmlinux.o"
echo "$release" >"$out.tmp/release"
mv "$out.tmp" "$out"
trap - EXIT
say "built in $(( $(date +%s) - start )) s"
echo "$out"
