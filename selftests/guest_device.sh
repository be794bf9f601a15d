#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio-vsem in a real KVM guest (TAP): the QEMU built by "make qemu" starts
# a Linux guest under KVM in the test host (selftests/lab/guest.sh) with
# -device virtio-vsem-pci, and with the -device virtio-vsem alias; the guest
# must see the device on its PCI bus as 1af4:1078, revision 1 (modern
# only). Skipped when no QEMU with virtio-vsem was built for these sources.
#
# By hand: make qemu && make lab LAB_SMP=1 CMD=selftests/guest_device.sh
set -u
cd "$(dirname "$0")"
. lab/guest-lib.sh
tap_begin

# What the guest sees on its PCI bus, one line per function.
list_pci='for d in /sys/bus/pci/devices/*; do echo "pci $(cat $d/vendor):$(cat $d/device) rev $(cat $d/revision)"; done'

out=$(GUEST_DRIVER= lab/guest.sh "$list_pci" 2>&1)
st=$?
echo "$out" | sed 's/^/# /'
ok "$st" "a KVM guest boots with -device virtio-vsem-pci"
echo "$out" | grep -qx 'pci 0x1af4:0x1078 rev 0x01'
ok $? "the guest sees 1af4:1078, revision 1 (modern only)"

out=$(GUEST_DRIVER= lab/guest.sh --device virtio-vsem,id=vsem "$list_pci" 2>&1)
st=$?
echo "$out" | grep -qx 'pci 0x1af4:0x1078 rev 0x01'
ok $((st || $?)) "the -device virtio-vsem alias gives the same device"

out=$(lab/guest.sh --device virtio-vsem-pci,interval-ms=1 true 2>&1)
st=$?
echo "$out" | grep -q "'interval-ms' must be 100 to 60000"
ok $((st != 0 && $? == 0 ? 0 : 1)) "a bad property stops QEMU with a clear error"

tap_end
