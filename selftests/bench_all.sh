#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# make bench: every cost kvm-sec is measured by, side by side with the
# alternatives, in three lab runs, then one summary table.
#  1. Under "-icount shift=0" (figures in emulated instructions), one vCPU:
#     bench.sh (the exit path: no monitor, kvm-sec, eBPF, perf),
#     bench_tap.sh (the tap path: no hook, kvm-sec, tc-BPF) and
#     bench_scale.sh (1, 64, 512 VMs).
#  2. HSEM's detection latency and false positives (bench_decisions.sh) and
#     the limits' accuracy (bench_limits), in real time.
#  3. The guest driver's cost at level 1 and 2 (guest_bench.sh: a nested
#     Linux guest with the device; needs make qemu).
# The whole log is kept in BENCH_LOG (build/bench.log). Exits non-zero if a
# part failed, after the summary of what did not.
set -uo pipefail
cd "$(dirname "$0")/.."
log=${BENCH_LOG:-build/bench.log}
mkdir -p "$(dirname "$log")"
: >"$log"
export LAB_KERNEL=debian LAB_KVER=${LAB_KVER:?LAB_KVER: the test host kernel}
st=0
part() {	# title, then the lab's environment and command
	local title=$1 s t0=$SECONDS
	shift
	echo "== bench: $title" | tee -a "$log"
	env "$@" 2>&1 | tee -a "$log"
	s=${PIPESTATUS[0]}
	echo "== bench: $title: $((SECONDS - t0)) s, status $s" | tee -a "$log"
	[ "$s" = 0 ] || st=$s
}
part "exit path, tap path, scale (icount)" LAB_SMP=1 LAB_QEMU_ARGS="-icount shift=0" \
	selftests/lab/lab.sh 'echo "@result kernel $(uname -r)"; export BENCH_ICOUNT=1 HOME=/tmp;
		s=0; for b in bench.sh bench_tap.sh bench_scale.sh; do
		selftests/$b || s=$?; done; exit $s'
part "decisions and limits" selftests/lab/lab.sh \
	"st=0; selftests/bench_decisions.sh || st=\$?; selftests/bench_limits || st=\$?; exit \$st"
part "guest driver" LAB_SMP=1 selftests/lab/lab.sh selftests/guest_bench.sh

qemu=$(qemu-device/build.sh --cached 2>/dev/null | tail -n 1)
selftests/bench_table.sh "$log" "$("${qemu:-false}" --version 2>/dev/null | head -n 1)"
exit "$st"
