#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exit-path benchmark (make bench): the cost of one KVM exit with no
# monitor, with kvm-sec, with the eBPF alternative (bpf/exit_count.bpf.c:
# BTF-typed trace point programs on the same trace points, per-VM
# per-class counts in a per-CPU hash map) and with perf recording the
# events "perf kvm stat record" records (6.1: kvm_entry, kvm_exit,
# kvm_mmio, kvm_pio, kvm_msr). A guest makes BENCH_EXITS hypercalls,
# each a full exit handled inside KVM, in which two of the trace points
# both monitors probe fire (kvm_exit and kvm_hypercall).
#
# make bench runs the test host under "-icount shift=0" with one vCPU and
# sets BENCH_ICOUNT: one emulated instruction is then one nanosecond of the
# test host's clock, "bench_exit --calibrate" confirms the ratio on a loop
# of known length, and the figures are instructions, deterministic from one
# run to the next. Without BENCH_ICOUNT the figures are TCG nanoseconds,
# which mean little.
#
# Each round measures every monitor in turn, on the same kind of guest; the
# best of BENCH_ROUNDS rounds is kept. Every monitor is checked to have
# seen the exits made (the eBPF programs' and perf's counts; kvm-sec's
# trace points attached, its VMs tracked, no exit untracked), so a monitor
# that did not run cannot pass for a cheap one. Prints a table, and one "@result exit MONITOR VALUE"
# line per monitor for the summary of bench_all.sh.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
n=${BENCH_EXITS:-20000}
runs=${BENCH_RUNS:-3}
rounds=${BENCH_ROUNDS:-3}

[ -z "${BENCH_ICOUNT:-}" ] ||
	echo "calibration: $scale ns per instruction (1 expected under icount)"
measure() {
	local v
	v=$(bench_exit "$n" "$runs") || return 1
	scaled "$v"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; ksec_reinsert' EXIT

# kvm-sec, checked: its trace points attached, every run's VM tracked
# (vms_seen), no exit untracked.
measure_ksec() {
	local p0 s0 u0 p1 s1 u1 v
	read -r p0 s0 u0 <<<"$(ksec_status probes vms_seen untracked_exits)"
	v=$(measure) || return 1
	read -r p1 s1 u1 <<<"$(ksec_status probes vms_seen untracked_exits)"
	if [ "$p1" -lt 5 ] || [ $((s1 - s0)) -lt "$runs" ] || [ "$u1" != "$u0" ]; then
		echo "bench: kvm-sec did not see the runs: $p1 trace points," \
		     "$((s1 - s0)) VMs seen of $runs, $((u1 - u0)) exits untracked" >&2
		return 1
	fi
	echo "$v"
}

# The eBPF programs attached for one measurement; their counts checked.
measure_bpf() {
	local line counts v hc pid
	coproc BPF { exec bpf_bench exit; }
	pid=$BPF_PID	# bash unsets BPF_PID once it reaps the coproc
	read -r -t 60 line <&"${BPF[0]}" || line=
	if [ "$line" != ready ]; then
		echo "bench: bpf_bench exit did not attach" >&2
		return 1
	fi
	v=$(measure) || return 1
	exec {BPF[1]}>&-
	read -r -t 60 counts <&"${BPF[0]}" || counts=
	wait "$pid" || return 1
	hc=$(echo "$counts" | sed -n 's/.*hypercalls \([0-9]*\).*/\1/p')
	if [ "${hc:-0}" -lt $((n * runs)) ]; then
		echo "bench: the eBPF program counted ${hc:-no} hypercalls of $((n * runs)): $counts" >&2
		return 1
	fi
	echo "$v"
}

# perf recording the events "perf kvm stat record" records on x86 (Linux
# 6.1's tools/perf/arch/x86/util/kvm-stat.c), with its options (-R -c 1
# -m 1024), started disabled and enabled through its control FIFO,
# acknowledged, so the measurement starts with the recording. Its count of
# kvm_exit samples is checked against the exits made.
perf_events="-e kvm:kvm_entry -e kvm:kvm_exit -e kvm:kvm_mmio -e kvm:kvm_pio -e kvm:kvm_msr"
measure_perf() {
	local v ack pid samples
	rm -f "$tmp/ctl" "$tmp/ack" "$tmp/perf.data"
	mkfifo "$tmp/ctl" "$tmp/ack"
	# shellcheck disable=SC2086
	perf record -q -a -R -c 1 -m 1024 $perf_events -o "$tmp/perf.data" \
		-D -1 --control "fifo:$tmp/ctl,$tmp/ack" >"$tmp/perf.log" 2>&1 &
	pid=$!
	exec {ctl}<>"$tmp/ctl" {ackfd}<>"$tmp/ack"
	echo enable >&"$ctl"
	if ! read -t 60 -r ack <&"$ackfd" || [ "$ack" != ack ]; then
		kill "$pid" 2>/dev/null; wait "$pid" || true
		exec {ctl}>&- {ackfd}>&-
		echo "bench: perf record did not start: $(head -c 300 "$tmp/perf.log")" >&2
		return 1
	fi
	v=$(measure) || { kill "$pid"; return 1; }
	kill -INT "$pid"
	wait "$pid" || true
	exec {ctl}>&- {ackfd}>&-
	samples=$(perf script -i "$tmp/perf.data" -F event 2>/dev/null | grep -c 'kvm:kvm_exit' || true)
	if [ "${samples:-0}" -lt $((n * runs)) ]; then
		echo "bench: perf recorded ${samples:-no} exits of $((n * runs))" >&2
		return 1
	fi
	echo "$v"
}

# perf is a Debian package of its own (linux-perf): without it, no perf
# row, said so; with it, a failure is a failure.
mons="none kvm-sec ebpf"
if command -v perf >/dev/null; then
	mons+=" perf"
else
	echo "bench: no perf (package linux-perf): no perf row" >&2
fi

declare -A res
for m in $mons; do res[$m]=""; done
for ((round = 0; round < rounds; round++)); do
	v=$(measure_ksec)
	res[kvm-sec]+="$v "
	rmmod kvm_sec
	v=$(measure)
	res[none]+="$v "
	v=$(measure_bpf)
	res[ebpf]+="$v "
	if [[ $mons == *perf ]]; then
		v=$(measure_perf)
		res[perf]+="$v "
	fi
	insmod "$LAB_MODULE"
done
echo "exits per run: $n hypercalls handled in KVM; best of $runs runs, $rounds rounds"
base=$(best "${res[none]}")
declare -A what=([none]="no monitor" [kvm-sec]="kvm-sec.ko" [ebpf]="eBPF (tp_btf, per-CPU hash)"
		 [perf]="perf record (kvm stat events)")
bench_head "" "$unit/exit"
for m in $mons; do
	bench_row "" "${what[$m]}" "${res[$m]}" "$base"
	echo "@result exit $m $bench_best"
done
ks=$(best "${res[kvm-sec]}") eb=$(best "${res[ebpf]}")
awk -v k="$ks" -v e="$eb" -v a="$base" -v u="$unit" 'BEGIN {
	printf "kvm-sec adds %.1f %s per exit, the eBPF program %.1f: kvm-sec/eBPF %.2f\n",
	       k - a, u, e - a, ((e - a) > 0 ? (k - a) / (e - a) : 0)
}'
