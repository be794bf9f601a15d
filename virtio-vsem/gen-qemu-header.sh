#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Generate QEMU's copy of a UAPI header (include/standard-headers/linux/),
# with the type and include rewriting of QEMU's own
# scripts/update-linux-headers.sh (cp_portable), for builds outside a QEMU
# tree (the validator's unit test). The copy is never edited by hand:
# qemu-device/build.sh checks that it is what QEMU's own cp_portable makes
# of the UAPI header.
#
#   gen-qemu-header.sh OUTPUT-FILE [UAPI-HEADER]
#
# UAPI-HEADER defaults to virtio_vsem.h; the device also uses kvm-sec.ko's
# kvm-sec/uapi/linux/kvm_sec.h to forward reports.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src=${2:-$here/include/uapi/linux/virtio_vsem.h}
sed -e 's/__u\([0-9][0-9]*\)/uint\1_t/g' \
    -e 's/u\([0-9][0-9]*\)/uint\1_t/g' \
    -e 's/__s\([0-9][0-9]*\)/int\1_t/g' \
    -e 's/__le\([0-9][0-9]*\)/uint\1_t/g' \
    -e 's/__be\([0-9][0-9]*\)/uint\1_t/g' \
    -e 's/<linux\/\([^>]*\)>/"standard-headers\/linux\/\1"/' \
    "$src" >"$1"
