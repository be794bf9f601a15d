#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Scale benchmark (make bench): kvm-sec with 1, 64 and 512 VMs at once
# (BENCH_SCALE), each a tiny VM of bench_scale that has run, in a VMM of its
# own with a tap of its own that kvm-sec binds. For each count:
#  - memory per VM: the bytes of the slab caches' active objects and the
#    per-CPU memory grown by creating the VMs with kvm-sec loaded, less the
#    same without it (run first), divided by the count. The per-CPU figure
#    moves by whole pages (the allocator's chunks, often populated
#    already), so the exact size of kvm-sec's blocks is printed too, from
#    the module's debug information;
#  - the cost of one exit in one more VM while the others exist (the VM
#    hash table's chains; kvm-sec's added cost against the run without it);
#  - the time of a full "vsecctl --json list" (best of 3, the whole
#    command: process, netlink dump, JSON);
#  - the sampler's time per interval: ksec_sample_fn's duration from the
#    function_graph tracer (time scheduled out excluded), mean of
#    BENCH_SAMPLES runs, with every tap bound: the network half of the
#    sampler (per VM with a tap: its tables merged, its peers estimated)
#    is in the figure.
# kvm-sec is checked to track every VM and bind every tap, and to have
# seen every exit timed (none untracked while they ran). Untracked exits
# before those (the N VMs' first exits, if kvm-sec tracked a VM late: in a
# burst of creations the creation probe's atomic allocation may fail and
# leave the VM to a work item, lifecycle.c) are printed, not a failure.
# Under "-icount shift=0" (BENCH_ICOUNT) a nanosecond is an instruction.
# Prints "@result scale ..." lines for the summary of bench_all.sh.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
counts=${BENCH_SCALE:-1 64 512}
n=${BENCH_EXITS:-20000}
runs=${BENCH_RUNS:-3}
samples=${BENCH_SAMPLES:-3}
T=/sys/kernel/tracing

now() { echo "${EPOCHREALTIME/./}"; }	# microseconds

# One run of bench_scale with N VMs; sets mem_slab mem_pcpu exit_ns and,
# with kvm-sec ($2 = with), list_ns and sample_ns.
run() {
	local vms=$1 mode=$2 line t0 t1 best i got pid deadline u0 untracked nd0=0
	# Bound devices are counted host-wide: this run's are those above.
	[ "$mode" != with ] || nd0=$(ksec_status netdevs)
	coproc SCALE { exec bench_scale "$vms" "$n" "$runs" kss; }
	pid=$SCALE_PID	# bash unsets SCALE_PID once it reaps the coproc
	read -r -t 900 line <&"${SCALE[0]}" || line=
	if [ "$line" != started ]; then
		echo "bench_scale: $vms VMs did not start" >&2
		return 1
	fi
	if [ "$mode" = with ]; then
		# Taps are bound by a rescan after the VMs come (netdev.c);
		# memory and exits are measured once they are.
		deadline=$((SECONDS + 300))
		until [ "$(ksec_status netdevs)" -ge $((nd0 + vms)) ]; do
			if [ $SECONDS -ge $deadline ]; then
				echo "bench_scale: kvm-sec bound $(($(ksec_status netdevs) - nd0)) taps of $vms" >&2
				return 1
			fi
			sleep 0.1
		done
		u0=$(ksec_status untracked_exits)
	fi
	if ! kill -0 "$pid" 2>/dev/null; then
		echo "bench_scale: $vms VMs: bench_scale ended before measuring" >&2
		return 1
	fi
	echo go >&"${SCALE[1]}"
	read -r -t 900 _ _ mem_slab mem_pcpu <&"${SCALE[0]}" || true
	read -r -t 900 _ _ exit_ns <&"${SCALE[0]}" || true
	read -r -t 900 line <&"${SCALE[0]}" || line=
	if [ "$line" != ready ]; then
		echo "bench_scale: $vms VMs: no exits timed" >&2
		return 1
	fi
	if [ "$mode" = with ]; then
		got=$(($(ksec_status netdevs) - nd0))
		if [ "$got" -lt "$vms" ]; then
			echo "bench_scale: kvm-sec let go of taps: $got of $vms bound" >&2
			return 1
		fi
		best=
		for i in 1 2 3; do
			t0=$(now)
			vsecctl --json list >"$tmp/list.json"
			t1=$(now)
			[ -z "$best" ] || [ $((t1 - t0)) -lt "$best" ] && best=$((t1 - t0))
		done
		got=$(grep -o '"pid":' "$tmp/list.json" | wc -l || true)
		if [ "$got" -lt "$vms" ]; then
			echo "bench_scale: vsecctl listed $got VMs of $vms" >&2
			return 1
		fi
		read -r got untracked <<<"$(ksec_status vms untracked_exits)"
		echo "bench_scale: $vms VMs: $u0 exits untracked before the timed ones;" \
			"allocation failures, VMs adopted: $(ksec_status alloc_failures adopted)"
		if [ "$got" -lt "$vms" ] || [ "$untracked" != "$u0" ]; then
			echo "bench_scale: kvm-sec tracks $got VMs of $vms, $((untracked - u0)) timed exits untracked" >&2
			return 1
		fi
		list_ns=$((best * 1000))
		echo 0 >$T/tracing_on
		echo >$T/trace
		echo ksec_sample_fn >$T/set_ftrace_filter
		echo function_graph >$T/current_tracer
		echo 0 >$T/options/sleep-time
		echo 1 >$T/tracing_on
		for ((i = 0; i < 600; i++)); do
			# Only the lines with a duration: a call preempted
			# midway takes two lines.
			[ "$(grep -c 'us .*ksec_sample_fn' $T/trace)" -ge "$samples" ] && break
			sleep 0.1
		done
		echo 0 >$T/tracing_on
		sample_ns=$(awk '/us .*ksec_sample_fn/ { for (i = 1; i < NF; i++) if ($(i + 1) == "us") { s += $i * 1000; c++ } }
				 END { if (c) printf "%.0f", s / c; else print "" }' $T/trace)
		trace_off
		[ -n "$sample_ns" ] || { echo "bench_scale: no sampler run traced" >&2; return 1; }
	fi
	exec {SCALE[1]}>&-
	wait "$pid"
}

tmp=$(mktemp -d)
# The tracer as it was: off, sleep time counted, no filter.
trace_off() {
	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo 1 >$T/options/sleep-time
	echo >$T/set_ftrace_filter
	echo 1 >$T/tracing_on
}
cleanup() {
	rm -rf "$tmp"
	trace_off 2>/dev/null || true
	ksec_reinsert
}
trap cleanup EXIT
# A write to a bench_scale that died fails (and the EXIT trap runs); it
# does not kill this shell.
trap '' PIPE
[ -d $T/events ] || mount -t tracefs tracefs $T
[ -c /dev/net/tun ] || modprobe tun

printf '%6s %14s %14s %16s %16s %14s %16s\n' VMs "slab B/VM" "per-CPU B/VM" \
	"exit $unit" "kvm-sec adds" "list $unit" "sampler $unit"
for c in $counts; do
	rmmod kvm_sec
	run "$c" without
	os=$mem_slab op=$mem_pcpu oe=$exit_ns
	insmod "$LAB_MODULE"
	run "$c" with
	slab=$(awk -v a="$mem_slab" -v b="$os" -v n="$c" 'BEGIN { printf "%.0f", (a - b) / n }')
	pcpu=$(awk -v a="$mem_pcpu" -v b="$op" -v n="$c" 'BEGIN { printf "%.0f", (a - b) * 1024 / n }')
	e=$(scaled "$exit_ns") e0=$(scaled "$oe") l=$(scaled "$list_ns") s=$(scaled "$sample_ns")
	printf '%6d %14s %14s %16s %16s %14s %16s\n' "$c" "$slab" "$pcpu" "$e" \
		"$(awk -v a="$e" -v b="$e0" 'BEGIN { printf "%.1f", a - b }')" "$l" "$s"
	echo "@result scale $c $slab $pcpu $e $e0 $l $s"
done
echo "memory: slab objects (/proc/slabinfo) and Percpu (/proc/meminfo), with kvm-sec less without, $(nproc) CPU(s)"
sizes=$(gdb -batch -ex 'print sizeof(struct ksec_pcpu)' -ex 'print sizeof(struct ksec_net_pcpu)' \
	-ex 'print sizeof(struct ksec_vm)' -ex 'print sizeof(struct ksec_vm_net)' "$LAB_MODULE" 2>/dev/null |
	sed -n 's/^\$[0-9]* = \([0-9]*\)$/\1/p' | tr '\n' ' ' || true)
read -r pc npc v vn <<<"$sizes"
if [ -n "${vn:-}" ]; then
	echo "kvm-sec's blocks (debug info): per VM $v B + per CPU $pc B; with a tap, $vn B + per CPU $npc B more"
	echo "@result sizes $v $pc $vn $npc"
fi
