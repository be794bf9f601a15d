#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make qemu: Debian 12's QEMU 7.2 with the virtio-vsem device.
#
# Gets the source of Debian's qemu package from the archive (adding deb-src
# entries for the suites apt already uses), applies Debian's patches, then
# this directory's overlay: the device's own files (copied in) and the
# minimal wiring (wiring.patch). Builds qemu-system-x86_64 (x86_64-softmmu
# only) and caches the result under $QEMU_CACHE/<key>, where <key> hashes
# everything that goes into the build: the Debian source version, the
# configure arguments, the overlay, the wiring patch and the UAPI header
# with its generator.
#
# Prints the path of the built binary on its last line. QEMU_REBUILD=1
# ignores the cache (a build from scratch). "build.sh --source" only
# fetches the source and prints the path of the unpacked tree (used to run
# QEMU's checkpatch on the overlay); "build.sh --cached" prints the cached
# binary for the current inputs, or fails, without building anything.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
cache=${QEMU_CACHE:-/var/cache/kvm-sec/qemu}
jobs=${QEMU_JOBS:-$(nproc)}

say() { echo "qemu: $*" >&2; }
die() { say "$*"; exit 1; }

# The firmware path is Debian's (seabios, qemu-system-data, ipxe-qemu); being
# outside the prefix (/usr/local), QEMU keeps it absolute instead of
# relocating it next to the cached binary.
CONFIGURE_ARGS=(
	--firmwarepath=/usr/share/qemu:/usr/share/seabios:/usr/lib/ipxe/qemu
	--target-list=x86_64-softmmu --without-default-features
	--enable-kvm --enable-tcg --enable-vhost-net --enable-vhost-kernel
	--enable-slirp --enable-fdt=system --enable-virtfs --enable-attr
	--enable-cap-ng --disable-docs --disable-user
	--disable-werror
)
BUILD_DEPS=(dpkg-dev ninja-build meson libglib2.0-dev libpixman-1-dev
	libfdt-dev zlib1g-dev libslirp-dev python3-venv pkg-config
	libattr1-dev libcap-ng-dev libnl-genl-3-dev)

need_packages() {
	local missing=() p
	for p in "$@"; do
		dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	say "installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
		"${missing[@]}" >&2 || {
		apt-get update -q >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends "${missing[@]}" >&2
	}
}

# deb-src for every suite apt already fetches binaries from.
ensure_deb_src() {
	local f=/etc/apt/sources.list.d/kvm-sec-src.sources
	if apt-cache showsrc qemu 2>/dev/null | grep '^Version:' >/dev/null; then
		return 0
	fi
	[ -f "$f" ] || {
		say "adding deb-src entries ($f)"
		sed -n '/^Types:/,/^$/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null |
			sed 's/^Types:.*/Types: deb-src/' >"$f"
		[ -s "$f" ] || cat >"$f" <<'SRC'
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
	}
	apt-get update -q >&2
}

mode=${1:-}
if [ "$mode" != --cached ]; then
	need_packages "${BUILD_DEPS[@]}"
	ensure_deb_src
fi
version=$(apt-cache showsrc qemu | sed -n 's/^Version: //p' | sort -V | tail -n 1)
[ -n "$version" ] || die "no source package for qemu in the apt sources"
case "$version" in
1:7.2*) ;;
*) die "expected Debian's QEMU 7.2, the archive offers $version" ;;
esac

overlay_files=$(cd "$here" && find overlay -type f | LC_ALL=C sort)
key=$({
	echo "$version"
	printf '%s\n' "${CONFIGURE_ARGS[@]}"
	cat "$here/wiring.patch" "$repo/virtio-vsem/gen-qemu-header.sh" \
		"$repo/virtio-vsem/include/uapi/linux/virtio_vsem.h" \
		"$repo/kvm-sec/uapi/linux/kvm_sec.h"
	for f in $overlay_files; do echo "$f"; cat "$here/$f"; done
} | sha256sum | cut -c1-16)
out=$cache/$key
source_only=
[ "$mode" = --source ] && source_only=y
if [ "$mode" = --cached ]; then
	[ -x "$out/qemu-system-x86_64" ] || die "no cached build $key: run 'make qemu'"
	echo "$out/qemu-system-x86_64"
	exit 0
fi
if [ -z "$source_only" ] && [ -x "$out/qemu-system-x86_64" ] &&
   [ -z "${QEMU_REBUILD:-}" ]; then
	say "cached build $key (QEMU $version)"
	echo "$out/qemu-system-x86_64"
	exit 0
fi

mkdir -p "$cache"
src=$cache/src-$version
if [ ! -f "$src/.complete" ]; then
	say "fetching Debian's qemu $version source"
	rm -rf "$src"
	mkdir -p "$src"
	(cd "$src" && apt-get source -q --only-source "qemu=$version" >&2)
	touch "$src/.complete"
fi
tree=$(find "$src" -mindepth 1 -maxdepth 1 -type d -name 'qemu-*' | head -n 1)
[ -n "$tree" ] || die "no unpacked source in $src"
if [ -n "$source_only" ]; then
	echo "$tree"
	exit 0
fi

work=$cache/build-$key
rm -rf "$work"
trap 'rm -rf "$work" "$out.tmp"' EXIT	# no half-built tree left behind
say "copying the source to $work"
cp -a "$tree" "$work"
cp -r "$here/overlay/." "$work/"
# QEMU's copies of the UAPI headers, checked against what QEMU's own
# scripts/update-linux-headers.sh (its cp_portable) makes of them.
mkdir -p "$work/.vsem-check"
for uapi in "$repo/virtio-vsem/include/uapi/linux/virtio_vsem.h" \
	    "$repo/kvm-sec/uapi/linux/kvm_sec.h"; do
	hdr=$work/include/standard-headers/linux/$(basename "$uapi")
	"$repo/virtio-vsem/gen-qemu-header.sh" "$hdr" "$uapi"
	(source <(sed -n '/^cp_portable() {/,/^}/p' "$work/scripts/update-linux-headers.sh") &&
		cp_portable "$uapi" "$work/.vsem-check") >&2 ||
		die "QEMU's cp_portable refuses $uapi"
	cmp -s "$hdr" "$work/.vsem-check/$(basename "$uapi")" ||
		die "$(basename "$uapi"): the generated copy differs from QEMU's update-linux-headers.sh"
done
(cd "$work" && patch -p1 --forward --quiet <"$here/wiring.patch") ||
	die "wiring.patch does not apply to QEMU $version"

say "configuring and building (x86_64-softmmu, $jobs jobs)"
start=$(date +%s)
mkdir -p "$work/build"
(cd "$work/build" && ../configure "${CONFIGURE_ARGS[@]}" >&2 &&
	ninja -j "$jobs" qemu-system-x86_64 >&2)
say "built in $(( $(date +%s) - start )) s"

rm -rf "$out.tmp"
mkdir -p "$out.tmp"
cp "$work/build/qemu-system-x86_64" "$out.tmp/"
cp -r "$work/build/pc-bios" "$out.tmp/pc-bios" 2>/dev/null || true
echo "$version" >"$out.tmp/debian-version"
rm -rf "$out"
mv "$out.tmp" "$out"
rm -rf "$work"
echo "$out/qemu-system-x86_64"
