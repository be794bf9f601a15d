#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench's tools, checked in make check (the decisions suite, on
# Debian's kernel): each benchmark script runs at a small size and must
# print every figure it owes. Figures are not judged, only produced: the
# scripts' own checks (the eBPF programs and perf counted every exit or
# frame, vsecctl listed every VM, the sampler was traced) are what can
# fail here. No timing is asserted.
set -u
cd "$(dirname "$0")"
export BENCH_EXITS=500 BENCH_RUNS=1 BENCH_ROUNDS=1 BENCH_FRAMES=500 BENCH_SCALE="1 8" \
	BENCH_SAMPLES=1 HOME=${HOME:-/tmp}
pass=0 fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
check() {	# script, then the "@result" prefixes it must print
	local s=$1 st w
	shift
	./"$s" >"$out" 2>&1
	st=$?
	for w in "$@"; do
		if [ "$st" = 0 ] && grep -q "^@result $w " "$out"; then
			pass=$((pass + 1))
			echo "ok $s: $w"
		else
			fail=$((fail + 1))
			echo "not ok $s: $w (status $st)"
			sed 's/^/# /' "$out" | tail -n 20
		fi
	done
}
mons=(none kvm-sec ebpf)
command -v perf >/dev/null && mons+=(perf)
want=()
for m in "${mons[@]}"; do want+=("exit $m"); done
check bench.sh "${want[@]}"
want=()
for d in tx/1 tx/256 tx/scan rx/1 rx/256 rx/scan; do for m in none kvm-sec ebpf; do want+=("tap $d $m"); done; done
check bench_tap.sh "${want[@]}"
check bench_scale.sh "scale 1" "scale 8" "sizes"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
