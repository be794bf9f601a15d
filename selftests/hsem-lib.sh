# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the HSEM tests (decision.sh, scenarios.sh) after host-lib.sh:
# paced tiny-vm VMs and their decisions. The caller sets $work (a
# directory) and the array pids (killed by its cleanup).

# A paced VM in the background; sets $vm_pid once it runs.
start_paced_vm() {	# NAME TINY-VM-ARGS...
	local line name=$1
	shift
	mkfifo "$work/out.$name"
	tiny-vm "$@" >"$work/out.$name" &
	vm_pid=$!
	pids+=("$vm_pid")
	exec {fd}<"$work/out.$name"
	read -r -t 60 line <&"$fd" && [[ $line == ready* ]]
}

vm_id_of() {	# PID: the VM ID kvm-sec gave the VMM's VM
	vsecctl --json list | python3 -c '
import json, sys
print(next((str(v["id"]) for v in json.load(sys.stdin) if v["pid"] == int(sys.argv[1])), ""))' "$1"
}

decision() {	# VM-ID EXPR: EXPR of the decision (d) as GET_DECISION gives it
	vsecctl --json show "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)["decision"]
f = d["features"]
print(eval(sys.argv[1]))' "$2"
}

# The number of intervals HSEM has judged the VM in.
intervals_of() {	# VM-ID
	decision "$1" 'd["intervals"]'
}

# vsecctl --json monitor into $work/events, each event given "t": the test
# host's clock when it arrived (for latencies; nothing asserts on it).
start_monitor() {
	vsecctl --json monitor > >(while IFS= read -r l; do
		printf '{"t":%s,%s\n' "$EPOCHREALTIME" "${l#\{}"
	done >"$work/events") 2>"$work/mon.err" &
	pids+=("$!")
	wait_until 'grep -q listening "$work/mon.err"' 10
}

# Each VM:FEATURE pair has learned at least $1 intervals of its feature.
learned() {	# N VM:FEATURE...
	local v n=$1
	shift
	for v in "$@"; do
		[ "$(decision "${v%%:*}" "f[\"${v#*:}\"][\"learned\"] >= $n")" = True ] ||
			return 1
	done
}

# Level 1 and no verdict, for every VM given.
calm_now() {	# VM-ID...
	local v
	for v in "$@"; do
		[ "$(decision "$v" "(d[\"level\"], d[\"verdict\"])")" = "(1, 'none')" ] ||
			return 1
	done
}

# Why a VM is not calm, as TAP comments: its level and verdict, and each
# feature over its limit last interval (for a failed wait; asserts nothing).
why_not_calm() {	# VM-ID...
	local v
	for v in "$@"; do
		echo "# VM $v: $(decision "$v" '"level %d (%s), verdict %s, calm %d, at level 2 %d; over: %s" % (
    d["level"], d["level_reason"], d["verdict"], d["calm"], d["at_level2"],
    "; ".join("%s %d > %d (mean %d, spread %d)" % (k, x["value"], x["limit"], x["mean"], x["spread"])
              for k, x in f.items() if x["value"] > x["limit"]) or "none")' 2>/dev/null ||
			echo "no decision")"
		# Its guest driver's view, if it has one: what holds it.
		vsecctl --json show "$v" 2>/dev/null | python3 -c '
import json, sys
g = json.load(sys.stdin).get("guest")
if g and "mean" in g:
    print("# VM %s: guest level %d (%s), commanded %d, anomalies: %s" % (sys.argv[1],
        g["level"], g["switch_reason"], g["level_cmd"],
        "; ".join("%s %d (mean %d, spread %d)" % (k, g["last"][k], g["mean"][k], g["spread"][k])
                  for k in g["anomalies"]) or "none"))' "$v"
	done
}
