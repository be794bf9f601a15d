#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HSEM with real guests: the scenarios of decision.sh and scenarios.sh
# (there with tiny-vm VMMs and no guest driver), here with Linux guests and
# a guest driver, lying and then truthful. Two guests on taps in one
# bridge of the test host, with vhost-net:
#
#   guest A (10.0.3.11, tap vsem-a, 1 GiB): the guest driver, test build;
#   guest B (10.0.3.12, tap vsem-b): the device, no guest driver.
#
# Both ping each other five times a second all along: their history.
#
# 5. Once HSEM has learned it, 40 calm intervals: no level change.
# 2. A's driver lies: it claims a tenth of its packets (test_net_percent=10)
#    and reports no anomaly of its own (threshold=10^6), while A floods B
#    with UDP. From the host's evidence: A attacker naming B, B (no driver)
#    victim naming A; A's reports are short of what its tap carried
#    (tamper), and HSEM commands A's driver, which saw nothing, to level 2.
#    Once A is calm, both are cleared and back at level 1.
# Then, A's driver truthful again, one load at a time from A's user space
# (guest_load), each cleared before the next:
# 1. a hypercall flood (VMMCALL) and a port I/O flood: attacker;
# 3. a SYN scan of B's closed ports: attacker for the unanswered SYNs;
#    B, whose RSTs answer it, no attacker;
# 4. all the CPU and memory A can take: overflow;
# 5. a lasting change of its memory (400 MiB held, then freed): the
#    driver at level 2 of its own accord, the VM judged neither, and
#    both back at level 1 once the driver's history has learned it;
# 1. last, its device unbound from the driver (a driver's BAR cannot be
#    mapped), MMIO reads of the device's BAR: attacker.
#
# By hand: make qemu && make lab LAB_SMP=1 CMD=selftests/guest_decision.sh
set -u
cd "$(dirname "$0")"
. lab/guest-lib.sh
. ./hsem-lib.sh
tap_begin

guest_work guest-decision

cat >"$work/common.sh" <<'GUEST'
i=0; until ping -c 1 -W 1 $peer >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 300 ] && { echo "e2e-no-peer"; exit 1; }; done
echo "e2e-peer-up $i"
ping -i 0.2 $peer >/dev/null 2>&1 &
pinging=$!
GUEST
cat >"$work/a.sh" <<'GUEST'
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
nc -l -p 5000 </dev/null >/dev/null
# A liar: it claims a tenth of its packets and sees no anomaly of its own.
m=/sys/module/virtio_vsem/parameters
echo 10 >$m/test_net_percent
echo 1000000 >$m/threshold
echo "e2e-flood"
# the highest level and commanded level seen while it floods
lmax=0 cmax=0
k=0; while [ $k -lt 150 ]; do
	net_probe udp $peer 9 100 100 >/dev/null
	l=$(cat $d/level) c=$(cat $d/commanded_level)
	[ $l -gt $lmax ] && lmax=$l
	[ $c -gt $cmax ] && cmax=$c
	k=$((k + 1))
done
echo "e2e-flood-end level $lmax commanded $cmax"
echo 100 >$m/test_net_percent
echo 4 >$m/threshold
# Scenarios 1, 3 and 4, truthful: each load when the host says go.
# MMIO, last: reads of the first register of the device's virtio common
# configuration (QEMU's modern BAR 4), which change nothing. A BAR a
# driver holds cannot be mapped (strict /dev/mem): the device is unbound.
pci=$(readlink -f $d/..)
# Up to 60 s: the driver at level 2 of its own accord for its memory
# (bit 8, mem_permille), its anomalies.
own_level2() {
	i=0
	while [ $i -lt 300 ]; do
		if [ "$(cat $d/level) $(cat $d/commanded_level)" = "2 0" ]; then
			a=$(cat $d/anomalies)
			[ $((a & 0x100)) != 0 ] && { echo "level 2 anomalies $a"; return; }
		fi
		sleep 0.2
		i=$((i + 1))
	done
	echo "level $(cat $d/level) anomalies $(cat $d/anomalies)"
}
for load in "hypercall 5" "pio 5" "scan $peer 5" "hog 6 768" "hold 400" free \
	    "mmio $pci/resource4 5"; do
	nc -l -p 5000 </dev/null >/dev/null
	case $load in
	mmio*) echo "${pci##*/}" >/sys/bus/pci/drivers/virtio-pci/unbind ;;
	esac
	echo "e2e-load ${load%% *}"
	case $load in
	hold*) dd if=/dev/zero of=/held bs=1M count=${load#* } 2>/dev/null; r=$(own_level2) ;;
	free) rm /held; r=$(own_level2) ;;
	*) r=$(guest_load $load 2>&1 | tail -n 1 | cut -d' ' -f 2-) ;;
	esac
	echo "e2e-load-end ${load%% *} $r"
done
nc -l -p 5000 </dev/null >/dev/null
kill $pinging
echo "e2e-done"
GUEST
cat >"$work/b.sh" <<'GUEST'
nc -l -p 5000 </dev/null >/dev/null
kill $pinging
echo "e2e-done"
GUEST

line_of() { tr -d '\r' <"$work/$1.console" | grep -m 1 "$2"; }
# Poll (every 2 s) until $1 holds, up to $2 seconds.
wait_for() {
	local deadline=$((SECONDS + $2))
	until eval "$1"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 2
	done
}
# VM $1's verdict events other than none, one a line: "VERDICT PEER
# FEATURES"; from line $2 of the events on (1).
verdicts() {
	python3 - "$work/events" "$1" "${2:-1}" <<'PY'
import json, sys
for l in open(sys.argv[1]).readlines()[int(sys.argv[3]) - 1:]:
    if not l.startswith("{"):
        continue
    e = json.loads(l)
    d = e.get("decision")
    if e["event"] == "verdict" and e["id"] == int(sys.argv[2]) and d["verdict"] != "none":
        print(d["verdict"], d["peer_vm"], ",".join(r["feature"] for r in d["reasons"]))
PY
}

interval0=$(vsecctl --json config | grep -o '"interval_ms":[0-9]*' | grep -o '[0-9]*$')
# No judging while the guests boot: each VM's own warm-up starts once both
# run (below).
vsecctl config set interval-ms 500
vsecctl config set warm 100000
lab/bridge.sh br-vsem
ok $? "bridge br-vsem in the test host"
vsecctl --json monitor >"$work/events" 2>"$work/mon.err" &
mon=$!
GUEST_MEM=1024 bridge_guest a vsem-a 10.0.3.11 52:54:00:00:03:11 10.0.3.12 \
	"$PWD/../build/guest-driver-test/guest-driver/virtio_vsem.ko" &
pa=$!
bridge_guest b vsem-b 10.0.3.12 52:54:00:00:03:12 10.0.3.11 "" &
pb=$!
trap 'kill $pa $pb $mon 2>/dev/null; vsecctl config set interval-ms "${interval0:-1000}"; vsecctl config set warm 20; guest_cleanup' EXIT

bridge_wait_line a 'e2e-peer-up' && bridge_wait_line b 'e2e-peer-up'
ok $? "two guests pinging each other over bridge br-vsem"
va=$(vm_of_tap vsem-a) vb=$(vm_of_tap vsem-b)
[ -n "$va" ] && [ -n "$vb" ]
ok $? "kvm-sec found their taps (VM ${va:-?}: A, with the driver; VM ${vb:-?}: B, without)"
# 20 intervals of their pinging to learn from, K 6 as in decision.sh.
for v in $va $vb; do
	vsecctl set "$v" warm $(($(decision "$v" 'f["tx_packets"]["learned"]') + 20)) k 6
done
learned() {
	[ "$(decision "$va" 'f["tx_packets"]["learned"] >= d["rule"]["warm"]')" = True ] &&
		[ "$(decision "$vb" 'f["rx_packets"]["learned"] >= d["rule"]["warm"]')" = True ]
}
wait_for learned 300 &&
	[ "$(decision "$va" '(d["level"], d["verdict"])')" = "(1, 'none')" ] &&
	[ "$(decision "$vb" '(d["level"], d["verdict"])')" = "(1, 'none')" ]
ok $? "their histories learned, calm: A sends $(decision "$va" 'f["tx_packets"]["mean"]') packets/s usually"

# Scenario 5 with guests: 40 more intervals of their usual traffic.
events_at() { wc -l <"$work/events"; }
level_events() {	# from line $1 of the events on: level events of A and B
	tail -n "+$1" "$work/events" | grep -cE "\"event\":\"(level|verdict)\",\"id\":($va|$vb),"
}
e0=$(events_at) i0=$(intervals_of "$va")
wait_for '[ "$(intervals_of "$va")" -ge $((i0 + 40)) ]' 120
waited=$?
fp=$(level_events $((e0 + 1)))
[ "$waited" = 0 ] && [ "$fp" = 0 ] && calm_now "$va" "$vb"
ok $? "calm for $(($(intervals_of "$va") - i0)) intervals of A and of B: $fp level changes or verdicts"

short0=$(vsecctl --json show "$va" | grep -o '"reports_short":[0-9]*' | grep -o '[0-9]*$')
guest_go 10.0.3.11
bridge_wait_line a 'e2e-flood'
# Each names the other once HSEM has seen A send more than it used to.
named() {
	verdicts "$va" | grep -q "^attacker $vb .*tx_packets" &&
		verdicts "$vb" | grep -q "^victim $va .*rx_packets"
}
wait_for named 240
va_v=$(verdicts "$va" | grep -m 1 "^attacker $vb ") vb_v=$(verdicts "$vb" | grep -m 1 "^victim $va ")
[[ $va_v == *tx_packets* ]]
ok $? "A flooding B is an attacker naming B, for its packets: ${va_v:-no such verdict}"
[[ $vb_v == *rx_packets* ]]
ok $? "B, without a driver, is a victim naming A: ${vb_v:-no such verdict}"
# Their vhost-net workers' CPU while A floods: the highest of 10 reads.
vh_a=0 vh_b=0
for i in 1 2 3 4 5 6 7 8 9 10; do
	x=$(decision "$va" 'f["vhost_permille"]["value"]') y=$(decision "$vb" 'f["vhost_permille"]["value"]')
	[ "${x:-0}" -gt "$vh_a" ] && vh_a=$x
	[ "${y:-0}" -gt "$vh_b" ] && vh_b=$y
	sleep 0.5
done
[ "$vh_a" -gt 0 ] && [ "$vh_b" -gt 0 ]
ok $? "vhost-net's workers found by their memory and timed: up to $vh_a (A) and $vh_b (B) permille while A floods"
bridge_wait_line a 'e2e-flood-end'
fl=$(line_of a 'e2e-flood-end')
short=$(vsecctl --json show "$va" | grep -o '"reports_short":[0-9]*' | grep -o '[0-9]*$')
[ "${short:-0}" -gt "${short0:-0}" ]
ok $? "A's driver claimed a tenth of its packets: its reports are short (tamper: ${short0:-?} -> ${short:-?})"
[[ $fl == *"level 2 commanded 2" ]]
ok $? "HSEM commanded A's driver, which saw no anomaly, to level 2 (${fl#e2e-flood-end })"
wait_for 'calm_now "$va" "$vb"' 240 || { why_not_calm "$va" "$vb"; false; }
ok $? "A calm again: both cleared and back at level 1"

# Scenarios 1, 3 and 4, from A's user space, its driver truthful.
# load: the guest_load mode; then the verdict and a feature among its
# reasons. Sets $e, the first line of the events since the load's go.
scenario() {	# load verdict feature
	local v
	e=$(($(events_at) + 1))
	guest_go 10.0.3.11
	bridge_wait_line a "e2e-load $1" &&
		wait_for "verdicts $va $e | grep -Eq '^$2 .*$3'" 120
	v=$(verdicts "$va" "$e" | grep -Em 1 "^$2 .*$3")
	bridge_wait_line a "e2e-load-end $1"
	[ -n "$v" ] || tr -d '\r' <"$work/a.console" | tail -n 5 | sed 's/^/# A: /'
	[ -n "$v" ]
	ok $? "$1 from A's user space ($1 $(line_of a "e2e-load-end $1" | cut -d' ' -f 3-)): ${v:-no $2 verdict for $3}"
	wait_for 'calm_now "$va" "$vb"' 240 || { why_not_calm "$va" "$vb"; false; }
	ok $? "after the $1 load, A and B cleared and back at level 1"
}
scenario hypercall attacker hypercalls
scenario pio attacker pio
rst_of() { vsecctl --json show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["network"]["counters"]["tx_rst"])'; }
rst0=$(rst_of "$vb")
scenario scan attacker syn_unanswered
# B's RSTs answer A's SYNs: they are not B's own sending. B, which sent
# them (by its tap), is never an attacker; if the scan put it out of line
# (a fast scan does, a slow one not), it is a victim naming A.
rst1=$(rst_of "$vb")
vb_v=$(verdicts "$vb" "$e" | sort -u | tr '\n' ';')
[ "$((rst1 - rst0))" -ge 100 ] && [[ $vb_v != *attacker* ]] &&
	{ [ -z "$vb_v" ] || [[ $vb_v == *"victim $va "* ]]; }
ok $? "B, answering the scan with $((rst1 - rst0)) RSTs, is no attacker (its verdicts: ${vb_v:-none: not out of line})"
# Its memory first, as fast as the lab's TCG lets it, then its CPU: an
# overflow for either (a VM judged clear meanwhile learns its new demand).
scenario hog overflow '(cpu_permille|memory_growth_kibps)'
# The memory phase, anomalous at level 2, is among its reasons.
vo=$(verdicts "$va" "$e" | grep '^overflow ' | sort -u | tr '\n' ';')
[[ $vo == *memory_growth_kibps* ]]
st=$?
[ "$st" = 0 ] || echo "# A's memory growth now: $(decision "$va" 'f["memory_growth_kibps"]')"
ok $st "the hog's memory growth is among its overflow's reasons (${vo:-no overflow verdict})"
# A lasting change the host judges harmless: A's guest keeps 400 MiB in
# its root tmpfs, then frees them. Its driver, measured against the
# history HSEM gave it, goes to level 2 of its own accord (its memory),
# and the VM with it. HSEM, seeing no demand of A's that makes a verdict,
# judges it neither attacker nor victim; the driver's history learns the
# new norm from then on (guest.c), and both return to level 1. Before,
# the driver held itself and the VM at level 2 for ever.
# A's level events since line $1 of the events: the VM raised by its
# driver (reason guest) and judged clear.
raised_and_cleared() {
	python3 - "$work/events" "$va" "$1" <<'PY'
import json, sys
evs = [json.loads(l) for l in open(sys.argv[1]).readlines()[int(sys.argv[3]) - 1:]
       if l.startswith("{")]
mine = [e["decision"] for e in evs if e.get("id") == int(sys.argv[2]) and "decision" in e]
sys.exit(not (any(d["level"] == 2 and d["level_reason"] == "guest" for d in mine) and
              any(d["verdict"] == "clear" for d in mine)))
PY
}
# The driver at level 1, its published memory history settled on what it
# uses now: a spread under 75 permille, the mean within 2 spreads.
settled() {
	vsecctl --json show "$va" | python3 -c '
import json, sys
g = json.load(sys.stdin)["guest"]
k = "mem_permille"
sys.exit(not (g["level"] == 1 and g["spread"][k] < 75 and
              abs(g["last"][k] - g["mean"][k]) <= 2 * g["spread"][k]))'
}
for step in hold free; do
	wait_for settled 120 || vsecctl --json show "$va" | python3 -c '
import json, sys
g = json.load(sys.stdin)["guest"]
print("# A'"'"'s driver not settled: level %d, mem_permille %d (mean %d, spread %d)" %
      (g["level"], g["last"]["mem_permille"], g["mean"]["mem_permille"], g["spread"]["mem_permille"]))'
	e=$(($(events_at) + 1))
	guest_go 10.0.3.11
	bridge_wait_line a "e2e-load-end $step"
	r=$(line_of a "e2e-load-end $step" | cut -d' ' -f 3-)
	[[ $r == "level 2 anomalies 0x"* ]] && (( ${r##* } & 1 << 8 ))
	ok $? "A's guest: $step 400 MiB: its driver at level 2 of its own accord, for mem_permille (${r:-no line})"
	wait_for "raised_and_cleared $e" 120 && wait_for 'calm_now "$va" "$vb"' 120 ||
		{ why_not_calm "$va" "$vb"; false; }
	ok $? "... the VM raised with it, judged clear, the driver's history learned it: A and B back at level 1"
done
scenario mmio attacker mmio
sed 's/^/# /' <(grep -E "\"event\":\"(level|verdict)\",\"id\":($va|$vb)," "$work/events" | python3 -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l); d = e["decision"]
    print(e["event"], e["id"], d["intervals"], d["level"], d["verdict"], d["peer_vm"],
          " ".join("%s %d (usual %d +- %d)" % (r["feature"], r["value"], r["mean"], r["spread"])
                   for r in d["reasons"]))')

guest_go 10.0.3.11
guest_go 10.0.3.12
wait $pa; sa=$?
wait $pb; sb=$?
ok $((sa || sb)) "both guests finished cleanly"
tap_end
