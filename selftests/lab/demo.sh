#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-sec demo (make demo), run in the test host: three VMs of different
# behaviour, seen by kvm-sec.ko and shown by vsecctl.
set -euo pipefail

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Start a held VM; wait (blocking read) until its guest has halted.
held() {
	local dir line fd_in fd_out
	dir=$(mktemp -d)
	mkfifo "$dir/in" "$dir/out"
	tiny-vm "$@" --hold <"$dir/in" >"$dir/out" &
	exec {fd_in}>"$dir/in" {fd_out}<"$dir/out"
	while read -r line <&"$fd_out"; do
		[[ $line == ready* ]] && break
	done
}

say "kvm-sec is loaded into this test host's KVM"
lsmod | grep -E '^(kvm_sec|kvm_amd|kvm_intel|kvm) '
vsecctl config set interval-ms 500
vsecctl config

say "Three VMs: a hypercall caller, a serial-port writer, an MMIO flooder"
held --hypercalls 5000 --hypercall-nr 12
held --port-writes 2000 --port 0x3f8
tiny-vm --mmio-writes 1 --mmio-gpa 0xfe000 --forever &
flooder=$!

vsecctl monitor --json >/tmp/events.json &
monitor=$!

# Let the sampler see a few intervals of the flooder (demo pacing).
sleep 2
say "vsecctl list"
vsecctl list
say "vsecctl show --pid $flooder  (the flooder: note its MMIO rate)"
vsecctl show --pid "$flooder"
say "vsecctl show 1 --json  (machine-readable)"
vsecctl show --json 1

say "The flooder exits; kvm-sec announces it on the events group"
kill "$flooder"
wait "$flooder" 2>/dev/null || true
vsecctl list
vsecctl status
kill "$monitor"
wait "$monitor" 2>/dev/null || true
say "Events seen by 'vsecctl monitor --json' meanwhile"
cat /tmp/events.json
