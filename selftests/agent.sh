#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vsecd, the agent, on a live host (run in the lab as root): the module's
# CPU limit of a VM becomes the cpu.max of its vCPU threads, in a threaded
# cgroup under the VMM's own (here machine.slice/vm-N.scope, as systemd
# would make it), and everything is taken back when its reason goes.
#
# Each VM is held at level 1, so that HSEM sets no CPU limit of its own.
#
# 1. A VM's vCPU spinning without pause, capped by the admin at a quarter
#    of what it used: the agent applies it, reports it to the module
#    (vsecctl show), runs the hook; the vCPU's CPU time falls to the cap
#    (measured from the cgroup's cpu.stat over 3 windows of 1 s); lifted,
#    the cgroup is gone and the thread back in the VMM's.
# 2. The agent killed (SIGKILL) while a cap is active and restarted: it
#    keeps it; killed again, the limit lifted meanwhile, restarted: it
#    takes the cap back.
# 3. The VM destroyed while capped: nothing left (cgroup, record).
# 4. The module unloaded while capped: the agent takes it back; loaded
#    again, the agent follows it and applies a new cap. Two VMMs in one
#    cgroup: each VM its own threaded cgroup; one lifted, the other stays.
# 5. Stopped (SIGTERM) with a cap active: the agent takes it back.
# 6. Bad configuration refused; unprivileged users cannot cap.
set -euo pipefail

ko=${LAB_MODULE:?run this in the lab (make lab CMD=selftests/agent.sh)}
. "$(dirname "$0")/host-lib.sh"
. "$(dirname "$0")/agent-lib.sh"

work=$(mktemp -d)
pids=()
agent=
cleanup() {
	[ -z "$agent" ] || kill "$agent" 2>/dev/null || true
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	grep -q '^kvm_sec ' /proc/modules || insmod "$ko" || true
	agent_cleanup_cgroups
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "# agent.sh: line $LINENO: a command failed (status $?)"; sed "s/^/# vsecd: /" "$work/vsecd.log"' ERR

agent_setup

runs() { cat "$work/vsecd.log" 2>/dev/null | grep -c "^vsecd: running" || true; }
start_agent() {	# and wait until it says it runs (its log is appended to)
	local n
	n=$(runs)
	vsecd --config "$work/vsecd.conf" 2>>"$work/vsecd.log" &
	agent=$!
	wait_until '[ "$(runs)" -gt "$n" ]' 20
}

# A spinning VM in a cgroup of its own; sets $vm_pid and $vm (its ID).
start_vm() {	# NAME
	mkdir -p "$cg/machine.slice/vm-$1.scope"
	tiny-vm --hypercalls 1000 --forever >/dev/null &
	vm_pid=$!
	pids+=("$vm_pid")
	echo "$vm_pid" >"$cg/machine.slice/vm-$1.scope/cgroup.procs"
	wait_until 'vm=$(vsecctl --json list | python3 -c "
import json, sys
print(next(str(v[\"id\"]) for v in json.load(sys.stdin) if v[\"pid\"] == $vm_pid))" 2>/dev/null)' 20
	# Held at level 1: HSEM judges it not, and sets no CPU limit of its own.
	vsecctl level "$vm" 1 >/dev/null
}

# The agent's reconciliations (every resync_s = 2 s), from its status.
resyncs() {
	python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["resyncs"])' \
		"$work/state/status.json" 2>/dev/null || echo 0
}
after_resync() {	# wait until the agent reconciled once more
	local n
	n=$(resyncs)
	wait_until "[ \$(resyncs) -gt $n ]" 10
}
child_of() { echo "$cg/machine.slice/vm-$1.scope/kvm-sec-vcpus-$2-$3"; }	# NAME PID ID
# The agent's report as the module shows it: EXPR of a (the report).
report() {	# VM-ID EXPR
	vsecctl --json show "$1" | python3 -c '
import json, sys
a = json.load(sys.stdin).get("agent")
print(eval(sys.argv[1]) if a else None)' "$2"
}

echo "TAP version 13"

# 6. A bad configuration: refused, with the line named.
printf 'more_weight = 500\nhook = relative\n' >"$work/bad.conf"
st=0
msg=$(vsecd --config "$work/bad.conf" 2>&1) || st=$?
check "a bad configuration is refused, naming its line (exit 78)" \
	'[ "$st" = 78 ] && [[ $msg == *"bad.conf:2: bad value for hook"* ]]'

start_agent
check "the agent runs and finds the module" \
	'grep -q "module found" "$work/vsecd.log"'

# 1. Capped by the admin, measured, lifted.
start_vm a
a=$vm a_pid=$vm_pid
free=$(share "$cg/machine.slice/vm-a.scope" | sort -n | tail -1)
# A quarter of what it took, at least 2 % (per 100 ms).
quota=$(python3 -c "print(max(2000, int($free * 100000 / 4)))")
vsecctl limit "$a" cpu "$quota/100" >/dev/null
child=$(child_of a "$a_pid" "$a")
check "VM A ($a) capped at $quota us per 100 ms: the agent applies cpu.max to its vCPU thread" \
	'wait_until "[ -f $child/cpu.max ] && [ \"\$(cat $child/cpu.max)\" = \"$quota 100000\" ] &&
		grep -qx $a_pid $child/cgroup.threads" 20'
reported() {	# VM-ID QUOTA: the agent's report says it capped 1 thread
	[ "$(report "$1" '(a["cpu_quota_us"], a["cpu_period_us"], a["threads"], a["error"])')" = "($2, 100000, 1, 0)" ]
}
check "... reports it to the module (vsecctl show)" \
	'wait_until "reported $a $quota" 20'
check "... and runs the hook with the event" 'wait_until "hooked cpu-cap-applied $a" 10'
mapfile -t r < <(share "$child")
cap=$(python3 -c "print($quota / 100000)")
echo "# A: unlimited $free CPU, capped at $cap: ${r[*]}"
# The kernel enforces cpu.max at its tick: a thread runs over its quota by
# up to a tick (4 ms at Debian's HZ 250) each period of 100 ms.
check "its vCPU's CPU time falls to the cap: at most 1.1 of it and a tick a period each second, at least 0.8 of it over 3 s" \
	'[ "${#r[@]}" = 3 ] &&
	 python3 -c "import sys; x = [float(v) for v in sys.argv[1:]]; sys.exit(not (all(v <= 1.1 * $cap + 0.04 for v in x) and sum(x) / 3 >= 0.8 * $cap))" "${r[@]}"'

# 2. The agent killed while capping, restarted: keeps it.
kill -KILL "$agent"
wait "$agent" 2>/dev/null || true
start_agent
# Reconciled twice since (it says "running" before its first).
wait_until '[ "$(resyncs)" -ge 1 ]' 10 && after_resync || true
check "the agent killed and restarted keeps the cap (its record found and reconciled)" \
	'grep -q "record(s) of a previous run" "$work/vsecd.log" &&
	 [ "$(cat $child/cpu.max 2>/dev/null)" = "$quota 100000" ] &&
	 [ "$(ls "$cg/machine.slice/vm-a.scope" | grep -c kvm-sec-vcpus)" = 1 ] &&
	 grep -qx "$a_pid" "$child/cgroup.threads" &&
	 ! grep -q "cpu-cap-lifted" "$work/vsecd.log"'
# ... killed again, the limit lifted meanwhile: takes it back.
kill -KILL "$agent"
wait "$agent" 2>/dev/null || true
vsecctl limit "$a" cpu off >/dev/null
start_agent
no_record() { ! ls "$work/state" | grep -q "^vm-"; }
check "the limit lifted while the agent was down: restarted, it takes the cap back (cgroup, record; thread back in the VMM's)" \
	'wait_until "[ ! -d $child ] && no_record" 20 &&
	 grep -qx "$a_pid" "$cg/machine.slice/vm-a.scope/cgroup.threads"'
lifted_reported() { [ "$(report "$1" 'a["cpu_quota_us"]')" = 0 ]; }
check "... and says so (hook, report)" \
	'wait_until "hooked cpu-cap-lifted $a" 10 && wait_until "lifted_reported $a" 10'

# 3. The VM destroyed while capped.
vsecctl limit "$a" cpu 5000 >/dev/null
wait_until "[ -d $child ]" 20
kill "$a_pid"
wait "$a_pid" 2>/dev/null || true
check "VM A destroyed while capped: its cgroup and record are gone, nothing keeps its scope" \
	'wait_until "[ ! -d $child ] && no_record" 20 &&
	 ! grep -qw cpu "$cg/machine.slice/vm-a.scope/cgroup.subtree_control" &&
	 rmdir "$cg/machine.slice/vm-a.scope"'

# 4. The module unloaded while capped; loaded again.
start_vm b
b=$vm b_pid=$vm_pid
vsecctl limit "$b" cpu 5000 >/dev/null
child=$(child_of b "$b_pid" "$b")
wait_until "[ -d $child ]" 20
rmmod kvm_sec
check "the module unloaded while VM B is capped: the agent takes it back" \
	'wait_until "[ ! -d $child ]" 20 &&
	 grep -qx "$b_pid" "$cg/machine.slice/vm-b.scope/cgroup.threads"'
insmod "$ko"
vm=
wait_until 'vm=$(vsecctl --json list | python3 -c "
import json, sys
print(next(str(v[\"id\"]) for v in json.load(sys.stdin) if v[\"pid\"] == $b_pid))" 2>/dev/null)' 20
b=$vm
vsecctl level "$b" 1 >/dev/null
vsecctl limit "$b" cpu 6000 >/dev/null
child=$(child_of b "$b_pid" "$b")
check "loaded again: the agent follows it, and caps VM B ($b) anew" \
	'wait_until "[ \"\$(cat $child/cpu.max 2>/dev/null)\" = \"6000 100000\" ]" 20'

# Two VMMs in one cgroup: each VM has its own threaded cgroup and cap.
start_vm b
c=$vm c_pid=$vm_pid
vsecctl limit "$c" cpu 7000 >/dev/null
c_child=$(child_of b "$c_pid" "$c")
wait_until "[ -d $c_child ]" 20
vsecctl limit "$b" cpu off >/dev/null
wait_until "[ ! -d $child ]" 20 && after_resync || true
check "two VMMs in one cgroup: B's cap lifted, C's stays (its cgroup, its cpu.max, the cpu controller)" \
	'[ ! -d "$child" ] &&
	 [ "$(cat "$c_child/cpu.max" 2>/dev/null)" = "7000 100000" ] &&
	 grep -qx "$c_pid" "$c_child/cgroup.threads" &&
	 grep -qw cpu "$cg/machine.slice/vm-b.scope/cgroup.subtree_control"'
vsecctl limit "$b" cpu 6000 >/dev/null
wait_until "[ -d $child ]" 20

# 6. Unprivileged users cannot cap.
check "an unprivileged user cannot set a CPU limit (exit 5)" \
	'st=0; setpriv --reuid 65534 --regid 65534 --clear-groups vsecctl limit "$b" cpu 5000 >/dev/null 2>&1 || st=$?; [ "$st" = 5 ]'

# 5. Stopped with a cap active.
kill -TERM "$agent"
st=0
wait "$agent" || st=$?
agent=
check "the agent stopped (SIGTERM, exit 0) takes back what it applied, for each VM, and says so" \
	'[ "$st" = 0 ] && [ ! -d "$child" ] && [ ! -d "$c_child" ] && no_record &&
	 ! grep -qw cpu "$cg/machine.slice/vm-b.scope/cgroup.subtree_control" &&
	 [ "$(report "$b" "a[\"cpu_quota_us\"]")" = 0 ] &&
	 [ "$(report "$c" "a[\"cpu_quota_us\"]")" = 0 ]'
python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print("# vsecd: %d events, %d lost, %d resyncs, %d applied, %d lifted, %d errors; hooks %s"
      % (s["events"], s["events_lost"], s["resyncs"], s["applied"], s["lifted"],
         s["errors"], s["hooks"]))' "$work/state/status.json" || true
check "no hook dropped, failed or killed" \
	'grep -q "\"hooks\":{\"run\":[1-9][0-9]*,\"failed\":0,\"dropped\":0,\"killed\":0}" "$work/state/status.json"'
vsecctl limit "$b" cpu off >/dev/null
vsecctl limit "$c" cpu off >/dev/null

if [ "$fail" != 0 ]; then
	sed 's/^/# vsecd: /' "$work/vsecd.log"
	sed 's/^/# hook: /' "$work/hook.log" 2>/dev/null || true
fi
echo "1..$((pass + fail))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
