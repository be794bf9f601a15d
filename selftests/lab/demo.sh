#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-sec demo (make demo), run in the test host: three VMs of different
# behaviour, seen by kvm-sec.ko and shown by vsecctl.
set -euo pipefail

held_fds=()
held_pids=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Start a held VM; wait (blocking read) until its guest has halted.
held() {
	local dir line fd_in fd_out
	dir=$(mktemp -d)
	mkfifo "$dir/in" "$dir/out"
	tiny-vm "$@" --hold <"$dir/in" >"$dir/out" &
	held_pids+=("$!")
	exec {fd_in}>"$dir/in" {fd_out}<"$dir/out"
	held_fds+=("$fd_in")
	while read -r line <&"$fd_out"; do
		[[ $line == ready* ]] && break
	done
}

say "kvm-sec is loaded into this test host's KVM"
lsmod | grep -E '^(kvm_sec|kvm_amd|kvm_intel|kvm) '
vsecctl config set interval-ms 500
vsecctl config

# Listen to the events group first; vsecctl says on stderr once subscribed.
mon=$(mktemp -d)
mkfifo "$mon/err"
vsecctl monitor --json --count 6 >"$mon/events.json" 2>"$mon/err" &
monitor=$!
exec {mon_fd}<"$mon/err"
read -r line <&"$mon_fd"
[[ $line == *listening* ]] || { echo "demo: vsecctl monitor: $line" >&2; exit 1; }

say "Three VMs: a hypercall caller, a serial-port writer, an MMIO flooder"
held --hypercalls 5000 --hypercall-nr 12
held --port-writes 2000 --port 0x3f8
tiny-vm --mmio-writes 1 --mmio-gpa 0xfe000 --forever &
flooder=$!

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

say "The held VMs exit too (their stdin closes); nothing is left"
for fd in "${held_fds[@]}"; do
	exec {fd}>&-
done
wait "${held_pids[@]}"
vsecctl list
vsecctl status | head -n 3
# Three VMs came and went: the monitor stops by itself after six events.
wait "$monitor"

say "Events seen by 'vsecctl monitor --json' meanwhile"
cat "$mon/events.json"
