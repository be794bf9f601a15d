#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tap benchmark (make bench): the cost of kvm-sec's hooks per packet, each
# way, measured in the lab as bench.sh measures exits. bench_tap is a VMM
# with a tap that kvm-sec binds by itself; it sends BENCH_FRAMES frames the
# VM's way (written into the tap: the ingress hook) and the other way (sent
# to the device: the egress hook), with kvm-sec bound and with kvm-sec
# unloaded, in alternating rounds. Under "-icount shift=0" (BENCH_ICOUNT)
# the figures are emulated instructions per frame for the whole path
# (system call, tun, the stack), so the difference is what kvm-sec adds.
set -euo pipefail
n=${BENCH_FRAMES:-20000}
rounds=${BENCH_ROUNDS:-3}

unit=ns
scale=1
if [ -n "${BENCH_ICOUNT:-}" ]; then
	unit=instructions
	scale=$(bench_exit --calibrate)
fi
[ -c /dev/net/tun ] || modprobe tun

dir=$(mktemp -d)
mkfifo "$dir/in" "$dir/out"
bench_tap ksbench0 <"$dir/in" >"$dir/out" &
pid=$!
exec {to}>"$dir/in" {from}<"$dir/out"
trap 'exec {to}>&-; wait $pid 2>/dev/null; rm -rf "$dir"' EXIT
read -r line <&"$from"
[ "$line" = ready ] || { echo "bench_tap: $line" >&2; exit 1; }

bound() {	# wait until kvm-sec has bound the tap (10 s)
	local i
	for ((i = 0; i < 200; i++)); do
		vsecctl show --json --pid "$pid" | grep -q '"name":"ksbench0"' && return 0
		sleep 0.05
	done
	echo "bench_tap: kvm-sec did not bind the tap" >&2
	exit 1
}
measure() {	# tx|rx
	local v
	echo "$1 $n" >&"$to"
	read -r v <&"$from"
	awk -v v="$v" -v s="$scale" 'BEGIN { printf "%.1f", v / s }'
}

declare -A with without
for dir_ in tx rx; do with[$dir_]=""; without[$dir_]=""; done
bound
for ((round = 0; round < rounds; round++)); do
	for d in tx rx; do with[$d]+="$(measure $d) "; done
	rmmod kvm_sec
	for d in tx rx; do without[$d]+="$(measure $d) "; done
	insmod "$LAB_MODULE"
	bound
done
best() { printf '%s\n' $1 | sort -g | head -n 1; }
echo "frames per run: $n of 106 bytes (UDP); best of $rounds rounds"
for d in tx rx; do
	w=$(best "${with[$d]}") wo=$(best "${without[$d]}")
	case $d in tx) what="the VM sends (tap ingress)" ;; rx) what="the VM receives (tap egress)" ;; esac
	echo "$what, $unit per frame: without kvm-sec ${without[$d]}-> $wo; with ${with[$d]}-> $w"
	awk -v w="$w" -v wo="$wo" -v u="$unit" -v d="$d" 'BEGIN {
		printf "kvm-sec adds %.1f %s per frame %s (%.2f%%)\n", w - wo, u, d, (w - wo) * 100 / wo
	}'
done
