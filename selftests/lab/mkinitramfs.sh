#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test host's initramfs: busybox, the kernel's own modules that reach
# a virtio-9p root, and selftests/lab/init, which mounts the build
# machine's root read-only and runs the stage-2 script named by
# "lab.stage2=" on the kernel command line.
#
#   mkinitramfs.sh KERNEL-RELEASE OUTPUT.cpio.gz [MODULE-DIR]
#
# MODULE-DIR is /lib/modules/KERNEL-RELEASE unless given (the debug
# kernel's modules live in its cache).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
kver=$1
out=$2
moddir=${3:-/lib/modules/$kver}
tree=$(mktemp -d "${TMPDIR:-/tmp}/kvm-sec-initramfs.XXXXXX")
trap 'rm -rf "$tree"' EXIT

mkdir -p "$tree"/{bin,dev,proc,sys,mnt,modules}
cp /bin/busybox "$tree/bin/busybox"
cp "$here/init" "$tree/init"
for m in 9pnet netfs fscache 9p virtio_ring virtio 9pnet_virtio \
	 virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci overlay; do
	f=$(find "$moddir/kernel" -name "$m.ko*" | head -n 1)
	[ -n "$f" ] || continue	# built in
	case "$f" in
	*.ko) cp "$f" "$tree/modules/$m.ko" ;;
	*.ko.xz) xz -dc "$f" >"$tree/modules/$m.ko" ;;
	*.ko.zst) zstd -qdc "$f" >"$tree/modules/$m.ko" ;;
	*.ko.gz) gzip -dc "$f" >"$tree/modules/$m.ko" ;;
	esac
done
(cd "$tree" && find . | cpio -o -H newc --quiet | gzip -1) >"$out"
