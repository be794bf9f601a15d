#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Tap benchmark (make bench): the cost of a monitor's tap hooks per packet,
# each way, measured in the lab as bench.sh measures exits. bench_tap is a
# VMM with a tap that kvm-sec binds by itself; it sends BENCH_FRAMES frames
# the VM's way (written into the tap: the ingress hook) and the other way
# (sent to the device: the egress hook), to one peer (a flow), to 256
# peers in turn, and to a new peer every frame (a scan: every frame's peer
# is one no monitor has seen, so the eBPF map inserts a key for each), with
# kvm-sec bound, with
# kvm-sec unloaded, and with the eBPF alternative instead
# (bpf/tap_count.bpf.c: tc programs on the tap's ingress and egress
# counting per peer in a per-CPU hash map), in alternating rounds. Under
# "-icount shift=0" (BENCH_ICOUNT) the figures are emulated instructions
# per frame for the whole path (system call, tun, the stack), so the
# difference is what a monitor adds. Every frame must be sent, the tc
# programs must count every UDP frame each way, and kvm-sec must count
# them too. Prints one "@result tap DIR/PEERS MONITOR VALUE" line per
# figure for bench_all.sh.
set -euo pipefail
. "$(dirname "$0")/bench-lib.sh"
n=${BENCH_FRAMES:-20000}
rounds=${BENCH_ROUNDS:-3}
peer_counts=(1 256 scan)
max_keys=$(sed -n 's/^#define TAP_COUNT_MAX_KEYS[[:space:]]*//p' \
	"$(dirname "$0")/bpf/tap_count.h")
# One pass of the tc programs must insert every peer: no key may be refused.
if [ $((2 * (n + 256 + 1))) -gt "${max_keys:?}" ]; then
	echo "bench_tap: BENCH_FRAMES=$n: a scan each way needs more than the tc map's $max_keys keys" >&2
	exit 1
fi

[ -c /dev/net/tun ] || modprobe tun

dir=$(mktemp -d)
mkfifo "$dir/in" "$dir/out"
bench_tap ksbench0 <"$dir/in" >"$dir/out" &
pid=$!
exec {to}>"$dir/in" {from}<"$dir/out"
cleanup() {
	exec {to}>&-
	wait "$pid" 2>/dev/null
	rm -rf "$dir"
	ksec_reinsert
}
trap cleanup EXIT
read -r -t 60 line <&"$from"
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
# kvm-sec's UDP frames counted on the tap, each way, and the frames its
# limits dropped (HSEM may limit a VM it finds anomalous: a dropped frame
# skips the rest of the path, and would make kvm-sec look cheaper).
ksec_udp() {
	vsecctl show --json --pid "$pid" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = d[0] if isinstance(d, list) else d
c = v["network"]["counters"]
drops = sum(x.get("drops", 0) for x in v.get("limits", {}).values())
b = v.get("block", {})
drops += sum(b.get("tx_drops", {}).values()) + sum(b.get("rx_drops", {}).values())
print(c["tx_udp"], c["rx_udp"], drops)'
}
measure() {	# tx|rx peers
	local v sent
	echo "$1 $n $2" >&"$to"
	read -r -t 600 v sent <&"$from"
	if [ "${sent:-0}" != "$n" ]; then
		echo "bench_tap: sent ${sent:-no} frames of $n ($1)" >&2
		return 1
	fi
	scaled "$v"
}

declare -A res
mons=(none kvm-sec ebpf)
keys=()
for d in tx rx; do for p in "${peer_counts[@]}"; do keys+=("$d/$p"); done; done
for k in "${keys[@]}"; do for m in "${mons[@]}"; do res[$k.$m]=""; done; done
measure_all() {	# monitor: every direction and peer count once
	local k v
	for k in "${keys[@]}"; do
		v=$(measure "${k%/*}" "${k#*/}") || return 1
		res[$k.$1]+="$v "
	done
}
# The tc programs attached for one pass; their UDP counts checked.
measure_bpf() {
	local line counts tx rx want=$((n * ${#peer_counts[@]})) pid
	coproc BPF { exec {to}>&- {from}<&-; exec bpf_bench tap ksbench0; }
	pid=$BPF_PID	# bash unsets BPF_PID once it reaps the coproc
	read -r -t 60 line <&"${BPF[0]}" || line=
	if [ "$line" != ready ]; then
		echo "bench_tap: bpf_bench tap did not attach" >&2
		return 1
	fi
	measure_all ebpf || return 1
	exec {BPF[1]}>&-
	read -r -t 60 counts <&"${BPF[0]}" || counts=
	wait "$pid" || return 1
	read -r _ tx _ rx <<<"$counts"
	if [ "${tx:-0}" -lt "$want" ] || [ "${rx:-0}" -lt "$want" ]; then
		echo "bench_tap: the tc programs counted UDP frames '$counts' of $want each way" >&2
		return 1
	fi
}

bound
for ((round = 0; round < rounds; round++)); do
	read -r tx0 rx0 d0 <<<"$(ksec_udp)"
	measure_all kvm-sec
	read -r tx1 rx1 d1 <<<"$(ksec_udp)"
	if [ "$d1" != "$d0" ]; then
		echo "bench_tap: kvm-sec's limits dropped $((d1 - d0)) frames while measured" >&2
		exit 1
	fi
	want=$((n * ${#peer_counts[@]}))
	if [ $((tx1 - tx0)) -lt "$want" ] || [ $((rx1 - rx0)) -lt "$want" ]; then
		echo "bench_tap: kvm-sec counted $((tx1 - tx0)) and $((rx1 - rx0)) UDP frames of $want each way" >&2
		exit 1
	fi
	rmmod kvm_sec
	measure_all none
	measure_bpf
	insmod "$LAB_MODULE"
	bound
done
declare -A what=([none]="no monitor" [kvm-sec]="kvm-sec.ko (netfilter netdev)"
		 [ebpf]="eBPF (tc cls_bpf, per-CPU hash)")
echo "frames per run: $n of 106 bytes (UDP); best of $rounds rounds"
for k in "${keys[@]}"; do
	d=${k%/*} p=${k#*/}
	case $d in
	tx) w="the VM sends (the tap's ingress)" ;;
	rx) w="the VM receives (the tap's egress)" ;;
	esac
	case $p in
	1) w+=", one peer" ;;
	scan) w+=", a new peer every frame" ;;
	*) w+=", $p peers in turn" ;;
	esac
	echo "$w, $unit per frame:"
	base=$(best "${res[$k.none]}")
	bench_head "  " "$unit"
	for m in "${mons[@]}"; do
		bench_row "  " "${what[$m]}" "${res[$k.$m]}" "$base"
		echo "@result tap $k $m $bench_best"
	done
done
