#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Module lifecycle on a live host (run in the lab as root):
#
#   tiny-vm --forever  (VM A: exits without pause,  ----+
#                       frames on its tap non-stop)     |
#   tiny-vm --hold     (VM B: halted, alive)        ----+--> kvm-sec.ko
#                                                        |    unloaded and
#   rmmod kvm_sec / insmod kvm-sec.ko, 5 times  <--------+    reloaded
#
# 1. Unloading while VM A exits non-stop, sends frames on its tap non-stop
#    and is limited there, its vCPU waits (an hour) for a token of its port
#    I/O limit, and VM B is idle is safe; the unload wakes A's vCPU, and the
#    reloaded module finds both (flagged "discovered") and A's tap again,
#    with no limit left: a limit goes with the module (and with the VM: A
#    exits limited).
# 2. vsecctl says "not loaded" (exit 3) while the module is out.
# 3. kvm_amd (or kvm_intel) reloaded under kvm-sec: new VMs are still
#    counted exactly.
# The lab fails the run if the kernel logged any warning meanwhile.
set -euo pipefail

ko=${LAB_MODULE:?run this in the lab (make lab CMD=selftests/reload.sh)}
vendor=kvm_amd
grep -q '^kvm_intel ' /proc/modules && vendor=kvm_intel
. "$(dirname "$0")/host-lib.sh"

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	grep -q '^kvm_sec ' /proc/modules || insmod "$ko" || true
}
trap cleanup EXIT

# Start a VM in the background and wait (blocking read) for its "ready"
# line; its standard input stays open until the script ends.
start_held_vm() {
	local dir line fd_in fd_out
	dir=$(mktemp -d)
	mkfifo "$dir/in" "$dir/out"
	tiny-vm "$@" --hold <"$dir/in" >"$dir/out" &
	held_pid=$!
	pids+=("$held_pid")
	exec {fd_in}>"$dir/in" {fd_out}<"$dir/out"
	while read -r line <&"$fd_out"; do
		[[ $line == ready* ]] && return 0
	done
	return 1
}

vm_count() { status_of vms; }

# Conditions the module reaches by itself (work items), for wait_until.
tap_bound() { vsecctl show --json --pid "$spin_pid" | grep -q '"name":"ksr0"'; }
tap_counted() { vsecctl show --json --pid "$spin_pid" | grep -q '"tx_packets":[1-9]'; }
# EXPR of the spinning VM as "vsecctl show --json" gives it (v), and of
# its limits (l, empty when it has none).
spin_json() {	# EXPR
	vsecctl show --json --pid "$spin_pid" | python3 -c '
import json, sys
v = json.load(sys.stdin)[0]
l = v.get("limits", {})
print(eval(sys.argv[1]))' "$1"
}
spin_id() { spin_json 'v["id"]'; }
# A's tx_packets limit in force and dropping.
limit_drops() {
	[ "$(spin_json 'l.get("tx_packets", {}).get("size") == 10 and l["tx_packets"]["drops"] > 0')" = True ]
}
# A's port I/O limit of a token an hour taken: its vCPU waits for the next.
pio_waits() {
	[ "$(spin_json 'l.get("pio", {}).get("size") == 1 and l["pio"]["tokens"] == 0')" = True ]
}
# No limit of the admin's (HSEM may limit a VM it judges anew).
no_admin_limit() {
	[ "$(spin_json 'any(x["set_by"] == "admin" for x in l.values())')" = False ]
}

echo "TAP version 13"
echo "1..16"

# No udev in the lab: /dev/net/tun comes with the module.
[ -c /dev/net/tun ] || modprobe tun

tiny-vm --port-writes 1 --forever --tap ksr0 &
pids+=($!)
spin_pid=$!
start_held_vm --hypercalls 7
check "two VMs tracked before the reloads" '[ "$(vm_count)" = 2 ]'
check "the spinning VM's tap is bound before the reloads" 'wait_until tap_bound'
vsecctl limit "$(spin_id)" tx-packets 10/1000 >/dev/null
check "its frames limited to 10/s before the reloads, and dropped" 'wait_until limit_drops'
vsecctl limit "$(spin_id)" pio 1/3600000 >/dev/null
check "its port I/O limited to one exit an hour: its vCPU waits" 'wait_until pio_waits'

reloads_ok=y
for i in 1 2 3 4 5; do
	rmmod kvm_sec || reloads_ok=
	st=0
	msg=$(vsecctl list 2>&1) || st=$?
	[ "$st" = 3 ] || { echo "# vsecctl exit $st without the module"; reloads_ok=; }
	[[ $msg == *"not loaded"* ]] || { echo "# vsecctl said: $msg"; reloads_ok=; }
	insmod "$ko" || reloads_ok=
done
check "unload and reload five times while a VM exits non-stop" '[ -n "$reloads_ok" ]'
check "both VMs found again after reload" '[ "$(vm_count)" = 2 ]'
check "the found VMs are flagged discovered" \
	'[ "$(vsecctl show --json --pid $held_pid | grep -c "\"discovered\":true")" = 1 ]'
check "the spinning VM is counted after discovery: the unload woke its vCPU" \
	'vsecctl show --json --pid $spin_pid | grep -q "\"pio_out\":[1-9]"'
check "its tap is found again after the reloads" 'wait_until tap_bound'
check "and its frames counted" 'wait_until tap_counted'
check "with no limit of the admin's: it went with the module" no_admin_limit
vsecctl limit "$(spin_id)" tx-packets 10/1000 >/dev/null
check "limited again, and dropping, before it exits" 'wait_until limit_drops'

kill "$spin_pid" "$held_pid"
wait "$spin_pid" "$held_pid" 2>/dev/null || true
check "no VM left once they exit" '[ "$(vm_count)" = 0 ]'
check "no device bound once they exit" 'wait_until "[ \"\$(status_of netdevs)\" = 0 ]"'

# The vendor module goes and comes back under kvm-sec.
if rmmod "$vendor" && modprobe "$vendor"; then ok "reload $vendor under kvm-sec"; else bad "reload $vendor under kvm-sec"; fi
start_held_vm --hypercalls 11 --port-writes 13
out=$(vsecctl show --json --pid "$held_pid")
check "exact counts after $vendor reload" \
	'echo "$out" | grep -q "\"hypercalls\":11," && echo "$out" | grep -q "\"pio_out\":13,"'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
