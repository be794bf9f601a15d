#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# VM lifetimes against module lifetime, in every order (run in the lab as
# root; on the debug kernel KASAN, lockdep and kmemleak watch):
#
#   churn: tiny-vm --churn, VMs that exit non-stop, made and destroyed, ----+
#          then five bare VMs (no vCPU), in a tight loop                   |
#   readers: vsecctl list / status in a loop -------------------------------+
#                                                                            v
#   rmmod kvm_sec / insmod kvm-sec.ko, 50 times                      kvm-sec.ko
#
# 1. Unloading and reloading 50 times under churn and readers leaves the
#    kernel silent and no VM behind.
# 2. With kprobes disabled by root (debugfs), VMs still go when their last
#    file closes (the periodic check lets go of them, counted as late),
#    and unloading is still safe.
# 3. A VM created while kvm-sec is out, whose files are all closed while
#    its vCPU thread stays in KVM_RUN, is found by its exits at load.
# 4. max_vms bounds the VMs tracked; the others are counted as refused.
# 5. The VMs' state is charged to their VMM's memory cgroup.
set -euo pipefail

ko=${LAB_MODULE:?run this in the lab (make lab CMD=selftests/lifetime.sh)}
reloads=${LIFETIME_RELOADS:-50}
kprobes=/sys/kernel/debug/kprobes/enabled
maxvms=/sys/module/kvm_sec/parameters/max_vms
maxvms0=$(cat "$maxvms")
. "$(dirname "$0")/host-lib.sh"

pids=()
work=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -w "$kprobes" ] && echo 1 >"$kprobes"
	grep -q '^kvm_sec ' /proc/modules || insmod "$ko" || true
	[ -w "$maxvms" ] && echo "$maxvms0" >"$maxvms"
	rmdir /sys/fs/cgroup/ksec-test 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

vms_are() { [ "$(status_of vms)" = "$1" ]; }
origin_of() {	# PID
	vsecctl show --json --pid "$1" 2>/dev/null |
		sed -n 's/.*"origin":"\([a-z]*\)".*/\1/p'
}
is_adopted() { [ "$(origin_of "$1")" = adopted ]; }
hypercalls_of() {	# PID (nothing if it has no VM)
	{ vsecctl show --json --pid "$1" 2>/dev/null || true; } |
		sed -n 's/.*"counters":{"exits":[0-9]*,"hypercalls":\([0-9]*\).*/\1/p'
}
more_hypercalls() { local h; h=$(hypercalls_of "$1"); [ -n "$h" ] && [ "$h" -gt "$2" ]; }

# Wait until COMMAND succeeds; the deadline only bounds a failing test.
wait_for() {	# SECONDS COMMAND [ARGS]
	local end=$((SECONDS + $1))

	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

# rmmod fails while a reader holds the module (a dump in flight): retry.
unload() {
	local tries=0
	until rmmod kvm_sec 2>/dev/null; do
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || return 1
	done
}

churn=()
start_churn() {
	# VMs with a running vCPU, then bare VMs, in one process; readers.
	tiny-vm --churn --hypercalls 50 --port-writes 2 --vms 5 >/dev/null &
	churn+=($!)
	( while :; do vsecctl list >/dev/null 2>&1 || true
		      vsecctl --json status >/dev/null 2>&1 || true; done ) &
	churn+=($!)
	pids+=("${churn[@]}")
}

stop_churn() {
	for p in "${churn[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${churn[@]}"; do wait "$p" 2>/dev/null || true; done
	churn=()
}

echo "TAP version 13"
echo "1..10"

# 1. Reloads under churn.
start_churn
reload_ok=y
for i in $(seq "$reloads"); do
	unload || { echo "# rmmod kept failing at reload $i"; reload_ok=; break; }
	insmod "$ko" || { echo "# insmod failed at reload $i"; reload_ok=; break; }
done
check "unload and reload $reloads times while VMs come and go and readers read" \
	'[ -n "$reload_ok" ]'
stop_churn
check "no VM left once the churn stopped" 'wait_for 10 vms_are 0'

# 2. kprobes disabled by root.
if [ -w "$kprobes" ]; then
	echo 0 >"$kprobes"
	late0=$(status_of late_releases)
	start_churn
	for i in 1 2 3 4 5; do
		tiny-vm --hypercalls 100 >/dev/null
	done
	stop_churn
	check "with kprobes disabled, VMs still go (released late)" \
		'wait_for 10 vms_are 0 && [ "$(status_of late_releases)" -gt "$late0" ]'
	start_churn
	unload_ok=y
	for i in 1 2 3 4 5; do
		unload && insmod "$ko" || unload_ok=
	done
	stop_churn
	check "with kprobes disabled, unload and reload under churn" '[ -n "$unload_ok" ]'
	echo 1 >"$kprobes"
else
	ok "# SKIP no $kprobes"
	ok "# SKIP no $kprobes"
fi

# 3. A VM only a running vCPU keeps alive, there before the module.
unload
mkfifo "$work/in" "$work/out"
tiny-vm --orphan --hypercalls 100 <"$work/in" >"$work/out" &
orphan=$!
pids+=("$orphan")
exec {fd_in}>"$work/in" {fd_out}<"$work/out"
line=
read -r -t 120 line <&"$fd_out" || true
check "the orphan VM runs with none of its files open" \
	'[[ $line == ready* ]] && [ -z "$(ls -l /proc/$orphan/fd | grep -e kvm-vm -e kvm-vcpu)" ]'
insmod "$ko"
check "found at load by its exits, as adopted" 'wait_for 10 is_adopted $orphan'
h1=$(hypercalls_of "$orphan")
h1=${h1:-0}
check "its hypercalls are counted from then on" \
	'wait_for 10 more_hypercalls $orphan $h1'
kill "$orphan"
wait "$orphan" 2>/dev/null || true
exec {fd_in}>&- {fd_out}<&-
check "and it goes with its process" 'wait_for 10 vms_are 0'

# 4. At most max_vms VMs are tracked; the rest are counted, not lost.
refused0=$(status_of refused)
echo 2 >"$maxvms"
tiny-vm --bare --vms 5 --hold <"$work/in" >"$work/bare" &
bare=$!
pids+=("$bare")
exec {fd_in}>"$work/in"
check "max_vms 2: two of five VMs tracked, three refused" \
	'wait_for 20 grep -q ready "$work/bare" && [ "$(status_of vms)" = 2 ] && [ "$(status_of refused)" -ge $((refused0 + 3)) ] && [ "$(status_of max_vms)" = 2 ]'
kill "$bare"
wait "$bare" 2>/dev/null || true
exec {fd_in}>&-
echo "$maxvms0" >"$maxvms"

# 5. Memory cgroups: the per-CPU memory 200 VMs cost, in their VMM's cgroup,
# with and without kvm-sec.
cg=/sys/fs/cgroup
grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none "$cg"
echo +memory >"$cg/cgroup.subtree_control"
mkdir -p "$cg/ksec-test"
percpu_of_200_vms() {
	local p fd
	( echo "$BASHPID" >"$cg/ksec-test/cgroup.procs"
	  exec tiny-vm --bare --vms 200 --hold <"$work/in" >"$work/cg" ) &
	p=$!
	exec {fd}>"$work/in"
	wait_for 60 grep -q ready "$work/cg" || true
	sed -n 's/^percpu //p' "$cg/ksec-test/memory.stat"
	kill "$p"
	wait "$p" 2>/dev/null || true
	exec {fd}>&-
	rm -f "$work/cg"
}
with=$(percpu_of_200_vms)
unload
without=$(percpu_of_200_vms)
insmod "$ko"
check "200 VMs' state charged to their VMM's memory cgroup (per-CPU memory: $with bytes with kvm-sec, $without without)" \
	'[ -n "$with" ] && [ -n "$without" ] && [ $((with - without)) -ge $((200 * 1000)) ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
