#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What carrying a VM's kvm-sec state costs a live migration (make
# bench-migrate): one guest with the guest driver migrated from QEMU to
# QEMU in the test host over UNIX sockets, BENCH_HOPS (8) times, every
# other hop with no migration key set (the source's module then seals
# nothing: the device's round trip to learn it is all that is left).
# Prints each hop's downtime and total time
# as QEMU measured them (query-migrate), and the time the device spent on
# the state on either side (its host-state-ns), then the median downtime
# with and without the state. Figures, not a test: under nested TCG they
# are noisy, compare them within one run.
set -u
cd "$(dirname "$0")"
PATH=$PWD/../userspace:$PATH
. ./host-lib.sh		# wait_until (its ok is guest-lib's)
. lab/guest-lib.sh
tap_begin

hops=${BENCH_HOPS:-8}
guest_work bench-migrate
backend=/machine/peripheral/vsem/virtio-backend
pids=()
cleanup_bench() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	vsecctl config set migration-key none >/dev/null 2>&1
	guest_cleanup
}
trap cleanup_bench EXIT

# Guest N, as a destination from URI if given.
start_guest() {	# N [URI]
	GUEST_TIMEOUT=900 GUEST_QMP="$work/$1.qmp" GUEST_CONSOLE="$work/$1.console" \
	GUEST_INCOMING="${2:-}" \
		lab/guest.sh 'echo bench-up; while :; do sleep 1; done' >"$work/$1.out" 2>&1 &
	pids+=("$!")
	wait_until "[ -S '$work/$1.qmp' ]" 120
}
prop() { lab/qom-get "$work/$1.qmp" "$backend" "$2" | cut -d' ' -f2-; }	# N PROPERTY
num() { sed -n "s/.*\"$1\": \([0-9]*\).*/\1/p"; }	# KEY, from JSON

head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
vsecctl config set migration-key "$work/key"

start_guest 0
console=$work/0.console guest_pid=${pids[-1]}
guest_follow
marker '^bench-up' 300 >/dev/null
ok $? "the guest runs, with its driver"
guest_unfollow
# A few reports first: the module knows the guest driver.
wait_until '[ "$(prop 0 forwarded)" -ge 3 ]' 120

echo "# hop  state  downtime ms  total ms  state on the source, destination (us)"
for ((h = 1; h <= hops; h++)); do
	src=$((h - 1))
	if [ $((h % 2)) = 1 ]; then
		vsecctl config set migration-key "$work/key"
	else
		vsecctl config set migration-key none
	fi
	sent0=$(prop "$src" host-states-sent)
	start_guest "$h" "unix:$work/m$h.sock"
	wait_until "[ -S '$work/m$h.sock' ]" 120
	lab/qmp "$work/$src.qmp" migrate "{\"uri\": \"unix:$work/m$h.sock\"}" >/dev/null
	for ((i = 0; i < 600; i++)); do
		st=$(lab/qmp "$work/$src.qmp" query-migrate)
		[[ $st == *'"status": "completed"'* || $st == *'"status": "failed"'* ]] && break
		sleep 1
	done
	[[ $st == *'"status": "completed"'* ]] || { ok 1 "hop $h: $st"; break; }
	wait_until "lab/qmp '$work/$h.qmp' query-status | grep -q '\"running\"'" 120
	sent=$(( $(prop "$src" host-states-sent) - sent0 ))
	s_us=$(( $(prop "$src" host-state-ns) / 1000 ))
	d_us=$(( $(prop "$h" host-state-ns) / 1000 ))
	[ "$sent" = 1 ] || d_us=0
	down=$(echo "$st" | num downtime) total=$(echo "$st" | num total-time)
	printf '# %3d  %-5s  %11s  %8s  %s, %s\n' "$h" \
		"$([ "$sent" = 1 ] && echo on || echo off)" "$down" "$total" "$s_us" "$d_us"
	echo "$([ "$sent" = 1 ] && echo on || echo off) $down" >>"$work/downtimes"
	lab/qmp "$work/$src.qmp" quit >/dev/null 2>&1
done
med() { sort -n | awk '{ v[NR] = $1 } END { print NR ? v[int((NR + 1) / 2)] : "-" }'; }
on=$(awk '$1 == "on" { print $2 }' "$work/downtimes" | med)
off=$(awk '$1 == "off" { print $2 }' "$work/downtimes" | med)
echo "# median downtime: $on ms with the state, $off ms without"
[ "$(wc -l <"$work/downtimes")" = "$hops" ] &&
	[ "$(grep -c '^on ' "$work/downtimes")" = $(((hops + 1) / 2)) ]
ok $? "$hops hops, every other one carrying the state"
tap_end
