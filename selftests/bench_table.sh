#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The summary of make bench (bench_all.sh): one table from the "@result"
# lines of a bench log, then the decision and guest-driver figures as their
# scripts printed them. Usage: bench_table.sh LOG [QEMU-VERSION]
set -uo pipefail
log=$1
qemu=${2:-unknown}
kernel=$(sed -n 's/^@result kernel \(.*\)/\1/p' "$log" | tr -d '\r' | head -n 1)

echo
echo "=============================== kvm-sec: make bench ==============================="
echo "test host: Debian kernel ${kernel:-?} under TCG; nested QEMU: $qemu"
echo "exit and tap: emulated instructions (-icount shift=0), best of rounds; ratio to none"
tr -d '\r' <"$log" | awk '
function cell(v, base) {
	if (v == "")
		return sprintf("%24s", "-")
	return sprintf("%9.0f (+%5.0f, %5.3f)", v, v - base, v / base)
}
$1 == "@result" && $2 == "exit" { exit_[$3] = $4 }
$1 == "@result" && $2 == "tap" { tap[$3, $4] = $5 }
$1 == "@result" && $2 == "scale" { scale[++ns] = $0 }
$1 == "@result" && $2 == "sizes" { sizes = $0 }
END {
	printf "\n%-30s %24s %24s %24s %24s\n", "path", "no monitor", "kvm-sec", "eBPF", "perf record"
	if ("none" in exit_)
		printf "%-30s %24s %24s %24s %24s\n", "KVM exit (hypercall)",
		       sprintf("%9.0f", exit_["none"]), cell(exit_["kvm-sec"], exit_["none"]),
		       cell(exit_["ebpf"], exit_["none"]), cell(exit_["perf"], exit_["none"])
	n = split("tx/1 tx/256 tx/scan rx/1 rx/256 rx/scan", order, " ")
	for (i = 1; i <= n; i++) {
		d = order[i]
		if (!((d, "none") in tap))
			continue
		split(d, dp, "/")
		printf "%-30s %24s %24s %24s %24s\n",
		       (dp[1] == "tx" ? "tap in (VM sends), " : "tap out (VM gets), ") \
		       (dp[2] == 1 ? "1 peer" : dp[2] == "scan" ? "new peers" : dp[2] " peers"),
		       sprintf("%9.0f", tap[d, "none"]), cell(tap[d, "kvm-sec"], tap[d, "none"]),
		       cell(tap[d, "ebpf"], tap[d, "none"]), "-"
	}
	if ("none" in exit_ && "ebpf" in exit_ && exit_["ebpf"] > exit_["none"])
		printf "kvm-sec/eBPF, instructions added per exit: %.2f\n",
		       (exit_["kvm-sec"] - exit_["none"]) / (exit_["ebpf"] - exit_["none"])
	if (ns) {
		printf "\n%-6s %12s %14s %14s %14s %16s %16s\n", "VMs", "slab B/VM",
		       "per-CPU B/VM", "exit (instr)", "kvm-sec adds", "vsecctl list", "sampler/interval"
		for (i = 1; i <= ns; i++) {
			split(scale[i], f, " ")
			printf "%-6s %12s %14s %14.0f %14.0f %16.0f %16.0f\n", f[3], f[4], f[5],
			       f[6], f[6] - f[7], f[8], f[9]
		}
		printf "(memory measured: slab objects and Percpu, with less without kvm-sec; list and\n"
		printf " sampler: emulated instructions, the whole vsecctl command and ksec_sample_fn)\n"
	}
	if (sizes != "") {
		split(sizes, z, " ")
		printf "kvm-sec per VM (sizeof, debug info): %d B + %d B per CPU; a VM with a tap: %d B + %d B per CPU more\n",
		       z[3], z[4], z[5], z[6]
	}
}'
echo
echo "HSEM (real time, 500 ms intervals):"
tr -d '\r' <"$log" | sed -n '/^HSEM detection latency/,/^== bench/p' |
	grep -v -e '^== bench' -e '^\[ *[0-9.]*\]' | sed 's/^/  /'
echo "guest driver (nested guest, udp_flood, 16 destinations):"
tr -d '\r' <"$log" | grep -E '^# (datagrams/s|  (none|level1|level2) )' | sed 's/^# /  /'
grep '^== bench: .*status' "$log" | sed 's/^== bench: /  part: /'
