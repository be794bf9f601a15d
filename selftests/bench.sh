#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Hot-path benchmark (make bench): the cost of one KVM exit with and without
# kvm-sec, measured in the lab. A guest makes BENCH_EXITS hypercalls, each a
# full exit handled inside KVM, in which two of the trace points kvm-sec
# probes fire (kvm_exit and kvm_hypercall).
#
# make bench runs the test host under "-icount shift=0" with one vCPU and
# sets BENCH_ICOUNT: one emulated instruction is then one nanosecond of the
# test host's clock, "bench_exit --calibrate" confirms the ratio on a loop
# of known length, and the figures are instructions, deterministic from one
# run to the next. Without BENCH_ICOUNT the figures are TCG nanoseconds,
# which mean little.
set -euo pipefail
n=${BENCH_EXITS:-20000}
runs=${BENCH_RUNS:-3}
rounds=${BENCH_ROUNDS:-3}

unit=ns
scale=1
if [ -n "${BENCH_ICOUNT:-}" ]; then
	unit=instructions
	scale=$(bench_exit --calibrate)
	echo "calibration: $scale ns per instruction (1 expected under icount)"
fi
measure() { bench_exit "$n" "$runs" | awk -v s="$scale" '{ printf "%.1f", $1 / s }'; }

with=()
without=()
for ((round = 0; round < rounds; round++)); do
	with+=("$(measure)")
	rmmod kvm_sec
	without+=("$(measure)")
	insmod "$LAB_MODULE"
done
best() { printf '%s\n' "$@" | sort -g | head -n 1; }
w=$(best "${with[@]}")
wo=$(best "${without[@]}")
echo "exits per run: $n hypercalls handled in KVM; best of $runs runs, $rounds rounds"
echo "without kvm-sec ($unit per exit): ${without[*]}  -> $wo"
echo "with kvm-sec    ($unit per exit): ${with[*]}  -> $w"
awk -v w="$w" -v wo="$wo" -v u="$unit" 'BEGIN {
	printf "kvm-sec adds %.1f %s per exit (%.2f%%)\n", w - wo, u, (w - wo) * 100 / wo
}'
