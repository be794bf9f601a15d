#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HSEM's scenarios 2 to 5 on a live host, from the host's evidence only
# (run in the lab as root; scenario 1, exit floods, is decision.sh). The
# VMs are tiny-vm VMMs whose "VM" sends frames on a tap of a bridge:
#
# 2. A floods B over the bridge: A attacker naming B, B victim naming A.
# 3. S scans the host's ports with SYNs: attacker, for its SYNs without
#    SYN-ACK and the RSTs it gets back.
# 4. H suddenly takes all the CPU it can: overflow (HREM),
#    announced on the events group for a load balancer. A VM busy all
#    along is clean and near its capacity: HREM's capacity event.
# 5. Three VMs run all along: a steady high load, a slow ramp (its rate
#    doubling in 4 minutes), and bursts of three times its load for 200 ms
#    every 5 s (short: never out of line in two intervals): no level change, no verdict, no event. Their VM-intervals are
#    counted and printed.
# Every attacker, victim and overflow is cleared and back at level 1 once
# calm. Latency (intervals from the flood's start to the verdict) is
# printed for `make bench`; nothing here asserts on time.
set -euo pipefail

. "$(dirname "$0")/host-lib.sh"
. "$(dirname "$0")/hsem-lib.sh"

br=ksbr0
pids=()
work=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	ip link del "$br" 2>/dev/null || true
	[ -z "${rp0:-}" ] || sysctl -qw "net.ipv4.conf.all.rp_filter=$rp0"
	vsecctl config set interval-ms 1000 >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "# scenarios.sh: line $LINENO: a command failed (status $?)"' ERR

[ -c /dev/net/tun ] || modprobe tun

# The host's side of the bridge: 10.77.0.254 with the MAC the VMs' frames
# are sent to (tap.h), and the VMs' MACs, so that it answers them.
ip link add "$br" address 02:00:5e:10:00:fe type bridge
ip link set "$br" up
ip addr add 10.77.0.254/24 dev "$br"
rp0=$(sysctl -n net.ipv4.conf.all.rp_filter)
sysctl -qw "net.ipv4.conf.$br.rp_filter=0" "net.ipv4.conf.all.rp_filter=0"
for n in 1 2 3; do
	ip neigh replace "10.77.0.$n" lladdr "02:00:5e:10:00:0$n" dev "$br"
done

start_net_vm() {	# NAME TAP TINY-VM-ARGS...: a paced VM on the bridge
	local name=$1 tap=$2
	shift 2
	start_paced_vm "$name" --tap "$tap" --pace 100 "$@" &&
		ip link set "$tap" master "$br"
}

echo "TAP version 13"
vsecctl config set interval-ms 500
start_monitor

# Each with the same small load of hypercalls as decision.sh, in batches
# every 100 ms, and 100 UDP frames a second to its peer.
start_net_vm a ksa0 --hypercalls 10 --frames 10 --flood-frames 100 \
	--src 10.77.0.1 --dst 10.77.0.2
a_pid=$vm_pid
start_net_vm b ksb0 --hypercalls 10 --frames 10 --src 10.77.0.2 --dst 10.77.0.1
b_pid=$vm_pid
start_net_vm s kss0 --hypercalls 10 --frames 5 --syn-scan --flood-frames 50 \
	--src 10.77.0.3 --dst 10.77.0.254
s_pid=$vm_pid
# H: a little guest work a batch; flooding, a batch longer than the pace.
start_paced_vm h --hypercalls 10 --spin 20000 --hog-spin 400000000 --pace 100
h_pid=$vm_pid
# Scenario 5: steady high load, a slow ramp, short bursts.
start_paced_vm steady --hypercalls 60 --pace 100
f1_pid=$vm_pid
start_paced_vm ramp --hypercalls 20 --pace 200 --ramp-to 100 --ramp-secs 240
f2_pid=$vm_pid
start_paced_vm bursts --hypercalls 10 --pace 100 --burst-every 5 --burst-ms 200 \
	--burst-pace 33
f3_pid=$vm_pid
a=$(vm_id_of "$a_pid") b=$(vm_id_of "$b_pid") s=$(vm_id_of "$s_pid")
h=$(vm_id_of "$h_pid") f1=$(vm_id_of "$f1_pid") f2=$(vm_id_of "$f2_pid")
f3=$(vm_id_of "$f3_pid")
check "seven paced VMs tracked (A $a, B $b, S $s, H $h; steady $f1, ramp $f2, bursts $f3)" \
	'(for v in "$a" "$b" "$s" "$h" "$f1" "$f2" "$f3"; do [ -n "$v" ] || exit 1; done)'
# As decision.sh: K 6, a batch more or less in an interval stays inside.
for v in $a $b $s $h $f1 $f2 $f3; do vsecctl set "$v" warm 10 k 6; done
bound() { vsecctl --json show "$1" | grep -q "\"name\":\"$2\""; }
check "their taps are found and bound by themselves" \
	'wait_until "bound $a ksa0 && bound $b ksb0 && bound $s kss0" 60'
check "A's frames to B are this-host traffic to B" \
	'wait_until "vsecctl show $a | grep -q \"this-host (VM $b)\"" 60'
check "the histories are learned, calm (level 1, no verdict)" \
	'wait_until "learned 12 $a:tx_packets $b:rx_packets $s:rst_rx $h:cpu_permille \
		$f1:hypercalls $f2:hypercalls $f3:hypercalls" 180 &&
	 calm_now $a $b $s $h $f1 $f2 $f3'
sum_intervals() {	# VM-ID...
	local v n=0
	for v in "$@"; do n=$((n + $(intervals_of "$v"))); done
	echo "$n"
}

verdict_is() { [ "$(decision "$1" 'd["verdict"]')" = "$2" ]; }	# VM VERDICT
peer_is() { [ "$(decision "$1" 'd["peer_vm"]')" = "$2" ]; }	# VM OTHER-VM

# Events of VM $1 from the flood's start, as the verdict's check needs.
verdict_check() {	# NAME ID I0 PY-ASSERTIONS (on vd, the first verdict)
	python3 - "$@" "$t0" "$work/events" <<'PY'
import json, sys
name, vm, i0, test, t0, path = (sys.argv[1], int(sys.argv[2]), int(sys.argv[3]),
                                sys.argv[4], float(sys.argv[5]), sys.argv[6])
evs = [json.loads(l) for l in open(path) if l.startswith("{")]
mine = [e for e in evs if e.get("id") == vm and "decision" in e and
        e["decision"]["intervals"] >= i0 - 1]
lv = next(e for e in mine if e["event"] == "level")["decision"]
vde = next(e for e in mine if e["event"] == "verdict" and
           e["decision"]["verdict"] != "none")
vd = vde["decision"]
r = {x["feature"]: x for x in vd["reasons"]}
exec(test)
print("# %s: from interval %d: level 2 in %d (%s), %s in %d (%s)"
      % (name, i0, lv["intervals"], lv["level_reason"], vd["verdict"],
         vd["intervals"], ", ".join("%s %d/s, usual %d +- %d" %
                                    (f, x["value"], x["mean"], x["spread"])
                                    for f, x in r.items())))
print("# latency %s %.1f s" % (name, vde["t"] - t0))
PY
}

# Scenario 2.
t0=$EPOCHREALTIME
kill -USR1 "$a_pid"
i0=$(intervals_of "$a")	# the flood began in this interval or before
check "A floods B: A attacker, B victim" \
	'wait_until "verdict_is $a attacker && verdict_is $b victim" 90'
check "A's verdict names B, for its packets sent" \
	'wait_until "peer_is $a $b" 30 &&
	 verdict_check A "$a" "$i0" "assert \"tx_packets\" in r, r"'
check "B's verdict names A, for the packets it received" \
	'wait_until "peer_is $b $a" 30 &&
	 verdict_check B "$b" "$i0" "assert \"rx_packets\" in r and \"tx_packets\" not in r, r"'
check "vsecctl show names the other VM" \
	'out=$(vsecctl show "$b") && grep -Eq "^  verdict +victim \(other VM $a\)" <<<"$out"'
# HSEM's limits (limits.rst): the attacker's sending is limited to what its
# history allows (limit-attack 100 %). B then receives about that: its
# received frames a second, measured over 10 s of the host's counters, are
# compared with what A's buckets let through (packets, or bytes over A's
# frame size, whichever is less), within 20 %: the two reads of B's
# counter are each a vsecctl call under TCG (runs gave 0.89 to 1.09).
lim_of() {	# VM LIMIT KEY
	vsecctl --json show "$1" | python3 -c '
import json, sys
l = json.load(sys.stdin).get("limits", {}).get(sys.argv[1], {})
print(l.get(sys.argv[2], ""))' "$2" "$3"
}
rx_of() {	# VM: frames received, and the host's clock
	vsecctl --json show "$1" | python3 -c '
import json, sys, time
print(json.load(sys.stdin)["network"]["counters"]["rx_packets"], time.monotonic())'
}
check "A, an attacker, is limited by HSEM, and its tap drops what it sends beyond" \
	'wait_until "[ \"\$(lim_of $a tx_packets set_by)\" = hsem ] &&
		     [ \"\$(lim_of $a tx_packets drops)\" -gt 0 ]" 30'
# How soon after A's verdict its limits were applied: the two events'
# arrival times (a figure, not asserted).
python3 - "$a" "$work/events" <<'PY' || true
import json, sys
vm, path = int(sys.argv[1]), sys.argv[2]
evs = [json.loads(l) for l in open(path) if l.startswith("{")]
v = next(e for e in evs if e.get("id") == vm and e["event"] == "verdict" and
         e["decision"]["verdict"] == "attacker")
l = next(e for e in evs if e.get("id") == vm and e["event"] == "limit" and
         e.get("reason") == "verdict" and e["t"] >= v["t"])
print("# A's limits applied %.1f ms after its attacker verdict event" %
      ((l["t"] - v["t"]) * 1000))
PY
read -r rx0 c0 < <(rx_of "$b")
d0=$(lim_of "$a" tx_packets drops)
sleep 10	# a measuring window, not a wait for a state
read -r rx1 c1 < <(rx_of "$b")
d1=$(lim_of "$a" tx_packets drops)
allowed=$(vsecctl --json show "$a" | python3 -c '
import json, sys
v = json.load(sys.stdin)
l, c = v["limits"], v["network"]["counters"]
frame = c["tx_bytes"] / max(c["tx_packets"], 1)
print("%.0f" % min(l["tx_packets"]["size"] * 1000 / l["tx_packets"]["refill_ms"],
                  l["tx_bytes"]["size"] * 1000 / l["tx_bytes"]["refill_ms"] / frame))')
ratio=$(python3 -c "print('%.2f' % (($rx1 - $rx0) / ($c1 - $c0) / ${allowed:-0}))" 2>/dev/null)
check "B receives what A's limits let through: ${allowed:-?} frames/s allowed, ratio ${ratio:-?} over 10 s; A's tap dropped $((d1 - d0)) meanwhile" \
	'python3 -c "import sys; sys.exit(not 0.8 <= ${ratio:-0} <= 1.2)" && [ "$((d1 - d0))" -gt 0 ]'
kill -USR2 "$a_pid"
check "A and B cleared and back at level 1 once A is calm" \
	'wait_until "calm_now $a $b" 120'
lifted() {	# VM: no limit in force; what tx_packets dropped still counted
	vsecctl --json show "$1" | python3 -c '
import json, sys
l = json.load(sys.stdin)["limits"]
sys.exit(not (l["tx_packets"]["drops"] > 0 and all(x["size"] == 0 for x in l.values())))'
}
# Lifted right after the level event that is their reason: polled.
check "... and A's limits lifted by HSEM (what they dropped stays counted)" \
	'wait_until "lifted $a" 30'

# Scenario 3.
t0=$EPOCHREALTIME
kill -USR1 "$s_pid"
i0=$(intervals_of "$s")	# the flood began in this interval or before
check "S scans the host's ports: attacker" \
	'wait_until "verdict_is $s attacker" 90'
check "... for its SYNs without SYN-ACK and the RSTs back, naming no VM" \
	'verdict_check S "$s" "$i0" "assert \"syn_unanswered\" in r and \"rst_rx\" in r, r; assert vd[\"peer_vm\"] == 0, vd"'
kill -USR2 "$s_pid"
check "S cleared and back at level 1 once calm" 'wait_until "calm_now $s" 120'

# Scenario 4.
t0=$EPOCHREALTIME
kill -USR1 "$h_pid"
i0=$(intervals_of "$h")	# the flood began in this interval or before
check "H takes all the CPU it can: overflow" \
	'wait_until "verdict_is $h overflow" 90'
check "... for its CPU, near its capacity, announced as a verdict event" \
	'verdict_check H "$h" "$i0" "assert \"cpu_permille\" in r and r[\"cpu_permille\"][\"value\"] >= 900, r; assert \"hypercalls\" not in r and \"exits\" not in r, r"'
grep -E "\"event\":\"(level|verdict)\",\"id\":$h," "$work/events" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); d = e["decision"]
    print("# H:", e["event"], "interval", d["intervals"], d["level"], d["verdict"],
          " ".join("%s %d (usual %d +- %d, limit %d)" % (r["feature"], r["value"],
          r["mean"], r["spread"], r["limit"]) for r in d["reasons"]))' || true
kill -USR2 "$h_pid"
check "H cleared and back at level 1 once calm" 'wait_until "calm_now $h" 120'

# HREM's other finding: a VM busy all along (its history) is clean, and
# near its capacity a load balancer could give it more.
busy=
start_paced_vm busy --spin 400000000 --pace 100 && busy_pid=$vm_pid &&
	busy=$(vm_id_of "$busy_pid")
check "a VM busy all along runs (VM ${busy:-?}), warm-up 10 and K 6" \
	'[ -n "$busy" ] && vsecctl set "$busy" warm 10 k 6'
ever_near() {	# VM-ID: a capacity event ever said it was near
	grep -q "\"event\":\"capacity\",\"id\":$1,.*\"near_capacity\":true" "$work/events"
}
near_event() {	# VM-ID 0|1: its last capacity event says near (1) or not
	python3 -c "
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith(\"{\")]
c = [e for e in evs if e.get(\"id\") == int(sys.argv[2]) and e[\"event\"] == \"capacity\"]
sys.exit(0 if c and c[-1][\"decision\"][\"near_capacity\"] == bool(int(sys.argv[3])) else 1)
" "$work/events" "$1" "$2"
}
# Its CPU dips under 90 % now and then (the lab's two CPUs are shared with
# seven VMs and this script): the finding may come and go, and is checked
# as announced, then as shown, not at one instant.
shown_near() {
	local out
	out=$(vsecctl show "$busy") &&
		grep -q "near, clean: more resources would help" <<<"$out" &&
		out=$(vsecctl stats --prometheus) &&
		grep -q "^kvmsec_vm_near_capacity{vm=\"$busy\",.*} 1\$" <<<"$out"
}
check "a VM busy all along: near its capacity and clean, announced for a load balancer, shown (show, Prometheus)" \
	'wait_until "ever_near $busy" 120 && wait_until shown_near 60 &&
	 calm_now "$busy" &&
	 ! grep -Eq "\"event\":\"(level|verdict)\",\"id\":$busy," "$work/events"'
echo "# busy: $(decision "$busy" 'f["cpu_permille"]["value"]') permille, usual $(decision "$busy" 'f["cpu_permille"]["mean"]')"
[ -z "${busy_pid:-}" ] || kill "$busy_pid"
check "H, at its overflow, was never announced as near capacity and clean" \
	'! ever_near "$h"'

# Scenario 5.
fp_end=$(sum_intervals $f1 $f2 $f3)
fp=$(grep -Ec "\"event\":\"(level|verdict)\",\"id\":($f1|$f2|$f3)," "$work/events" || true)
check "steady, ramp and bursts: no level change, no verdict, no event" \
	'calm_now $f1 $f2 $f3 && [ "$fp" = 0 ]'
grep -E "\"event\":\"(level|verdict)\",\"id\":($f1|$f2|$f3)," "$work/events" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); d = e["decision"]
    print("# false alarm:", e["event"], e["id"], "interval", d["intervals"], d["level"],
          d["verdict"], " ".join("%s %d (usual %d +- %d, limit %d)" % (r["feature"],
          r["value"], r["mean"], r["spread"], r["limit"]) for r in d["reasons"]))' || true
ramp=$(decision "$f2" 'f["hypercalls"]["mean"]')
echo "# the ramp's history of hypercalls is now $ramp/s (it began at 100/s)"
echo "# false positives $fp in $fp_end calm VM-intervals"
check "no level change of a VM outside its scenario" \
	'python3 -c "
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]) if l.startswith(\"{\")]
ids = {int(x) for x in sys.argv[2:]}
stray = [e for e in evs if e[\"event\"] in (\"level\", \"verdict\") and e[\"id\"] not in ids]
assert not stray, stray
" "$work/events" "$a" "$b" "$s" "$h"'

echo "1..$((pass + fail))"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
