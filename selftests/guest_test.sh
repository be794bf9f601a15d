#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio-vsem end to end (TAP), in the test host: a Linux guest under KVM
# with the QEMU built by "make qemu", -device virtio-vsem-pci and the guest
# driver (guest-driver/virtio_vsem.ko), kvm-sec.ko loaded on the host.
#
#  1. reports arrive: QOM and "vsecctl show" show the guest's fields, and
#     the packets the guest's interface sent add up, across reports, to
#     exactly what the module shows;
#  2. a level commanded with "vsecctl level" reaches the driver and comes
#     back in its reports, to 2 and back to auto;
#  3. once the module has a history of the VM, traffic far above it makes
#     the driver switch to level 2 by itself (anomaly), with the flows of
#     its level-2 reports (destination inside the provider's prefixes,
#     sending process) visible in vsecctl;
#  4. a hostile driver (the test build's sysfs "inject") sending garbage and
#     a flood gets its reports rejected and throttled, counted, while QEMU,
#     the module and the guest's normal reports carry on;
#  5. epochs: a report numbered 2^64-1 is refused and blinds nobody; a
#     driver reload resets the device, starts a new epoch, and not one
#     honest report is rejected, by QEMU or the module (hibernation:
#     guest_pm.sh);
#  6. the driver honours max_report_size (1024 here): at level 2 with 20
#     destinations it sends the 8 busiest flows that fit and counts the
#     rest as trimmed, and nothing is rejected;
#  7. a guest reboot: a new epoch again, 0 rejections;
#  8. protocol version 2: the driver uses the control queue (every level,
#     interval, history and prefix above came on it), learns what became
#     of its reports (the hostile ones: rejected, throttled, with the
#     reason), and after a reload with ctrlq=0 works as a version-1 driver
#     through the configuration space (steps 6 and on); a guest policy of
#     max_level=1 refuses a commanded level 2 and says so in its reports.
#
# The guest and this script take turns through the guest's console
# (markers "e2e-...") and the commanded level (the guest waits for it in
# sysfs). Skipped when no QEMU with virtio-vsem was built for these sources.
#   make qemu && make lab LAB_SMP=1 CMD=selftests/guest_test.sh
set -u
cd "$(dirname "$0")"
PATH=$PWD/../userspace:$PATH
. lab/guest-lib.sh
tap_begin

guest_work guest-test

# A field of the VM's "vsecctl --json show", by a Python expression on g
# (the "guest" object) and v (the VM).
vm_field() {	# expression
	vsecctl --json show "$vm_id" |
		python3 -c 'import json,sys; v=json.load(sys.stdin); g=v.get("guest",{}); print('"$1"')'
}

# Wait (bounded) until vm_field $1 prints $2.
vm_wait() {	# expression value [seconds]
	local deadline=$(( $(date +%s) + ${3:-60} )) got
	while :; do
		got=$(vm_field "$1" 2>/dev/null)
		[ "$got" = "$2" ] && return 0
		if [ "$(date +%s)" -ge "$deadline" ]; then
			echo "# $1: $got, expected $2" >&2
			return 1
		fi
		sleep 1
	done
}

qom() {		# property: its value
	lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend "$1" |
		sed -n "s/^$1 //p" | tr -d '"'
}

vsecctl config set prefixes 10.0.2.0/24
ok $? "vsecctl config set prefixes 10.0.2.0/24"
# HSEM stays out of this test's way: with a warm-up longer than the test,
# only rates no calm VM reaches (the warm-up ceilings) would move the VM to
# level 2 and command its driver. decision.sh tests HSEM.
vsecctl config set warm 100000

# The guest's side. $d is the driver's sysfs directory. A device that
# already has a history at boot means the host rebooted the guest (test 7).
cat >"$work/guest.sh" <<'GUEST'
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
# wait (bounded) until file $1 reads $2
waitfor() { i=0; while [ "$(cat $1)" != "$2" ]; do i=$((i + 1)); [ $i -gt 600 ] && { echo "e2e-timeout $1 $2"; exit 1; }; sleep 0.3; done; }
# wait until $1 more reports were sent
waitseq() { t=$(( $(cat $d/seq) + $1 )); i=0; while [ $(cat $d/seq) -lt $t ]; do i=$((i + 1)); [ $i -gt 200 ] && { echo "e2e-timeout seq"; exit 1; }; sleep 0.3; done; }
# (the history comes on the control queue right after the device is set
# up, long before the first report)
waitseq 1
if [ "$(cat $d/history_valid)" = 1 ]; then
	echo "e2e-rebooted"
	waitseq 3
	echo "e2e-after-reboot $(cat $d/seq)"
	waitfor $d/commanded_level 1
	exit 0
fi
# held at level 1 by the host until step 2 (see there)
waitfor $d/commanded_level 1
echo "e2e-driver $(cat $d/level) $(cat $d/interval_ms) $(cat $d/ctrlq)"

# 1. known traffic, then two reports to cover it
ping -c 20 -A 10.0.2.2 >/dev/null
waitseq 2
echo "e2e-sent $(cat /sys/class/net/eth0/statistics/tx_packets) $(cat $d/seq)"

# 2. the host commands level 2, then gives the decision back
waitfor $d/commanded_level 2; waitfor $d/level 2; waitseq 1
echo "e2e-level2 $(cat $d/switch_reason)"
waitfor $d/commanded_level 0; waitfor $d/level 1; waitseq 1
echo "e2e-level1 $(cat $d/switch_reason) $(cat $d/anomalies)"
# the host commands a 500 ms interval, then gives it back
waitfor $d/interval_ms 500; waitseq 2
echo "e2e-interval $(cat $d/interval_ms)"
waitfor $d/interval_ms 1000
echo "e2e-interval-back"

# 3. a history, calm, then traffic far above it
waitfor $d/history_valid 1
waitfor $d/level 1
c0=$(cat $d/cost_ns) r0=$(cat $d/running_ns)
echo "e2e-history $(cat $d/history_seq)"
ping -A -s 1000 -w 600 10.0.2.2 >/dev/null &
p=$!
waitfor $d/level 2
echo "e2e-anomaly $(cat $d/anomalies) $(cat $d/switch_reason)"
waitseq 1
echo "e2e-flows $(cat $d/flows)"
# the host looks at the flows, then commands level 2 to say it is done
waitfor $d/commanded_level 2
kill $p; wait $p
c1=$(cat $d/cost_ns) r1=$(cat $d/running_ns)
echo "e2e-cost2 $((c1 - c0)) $((r1 - r0))"

# 4. hostile
echo "garbage 60" >$d/inject && echo "flood 100" >$d/inject
waitseq 2
echo "e2e-hostile $(cat $d/seq) $(cat $d/reports_dropped)"
echo "e2e-statuses $(cat $d/reports_rejected) $(cat $d/reports_throttled) $(cat $d/statuses_lost) $(cat $d/reports_accepted) $(cat $d/ctrl_malformed) $(cat $d/last_refusal)"

# 5. epochs: seq 2^64-1, a driver reload
waitfor $d/commanded_level 1
echo "e2e-epochs-begin"
waitfor $d/commanded_level 2
echo "seqmax 1" >$d/inject
waitseq 2
echo "e2e-seqmax $(cat $d/seq)"
waitfor $d/commanded_level 1
rmmod virtio_vsem && insmod /modules/99-virtio_vsem.ko $(cat /modules/99-virtio_vsem.args) ctrlq=0 || echo "e2e-reload-failed"
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
waitseq 3
echo "e2e-reloaded $(cat $d/seq) $(cat $d/ctrlq)"

# 6. 20 destinations at level 2, in a report of at most 1024 bytes
waitfor $d/level 2
i=100; while [ $i -lt 120 ]; do ping -c 2 -i 0.2 -W 1 10.0.2.$i >/dev/null & i=$((i + 1)); done
wait
waitseq 1
ping -c 3 -i 0.2 -W 1 10.0.2.2 >/dev/null
i=100; while [ $i -lt 120 ]; do ping -c 1 -W 1 10.0.2.$i >/dev/null & i=$((i + 1)); done
wait
waitseq 1
echo "e2e-trimmed $(cat $d/flows) $(cat $d/flows_trimmed) $(cat $d/last/destinations)"
# 5. cost at a commanded level 1, then 2, under the same load
cost_phase() {
	c0=$(cat $d/cost_ns) r0=$(cat $d/running_ns) p0=$(cat /sys/class/net/eth0/statistics/tx_packets)
	ping -A -s 1000 -w 10 10.0.2.2 >/dev/null
	echo "$1 $(( $(cat $d/cost_ns) - c0 )) $(( $(cat $d/running_ns) - r0 )) $(( $(cat /sys/class/net/eth0/statistics/tx_packets) - p0 ))"
}
waitfor $d/commanded_level 1; waitfor $d/level 1
cost_phase e2e-cost-l1
waitfor $d/commanded_level 2; waitfor $d/level 2
cost_phase e2e-cost-l2
echo "e2e-cost $(cat $d/cost_ns) $(cat $d/running_ns)"
# 8. guest policy: no level 2, even commanded
echo 1 >/sys/module/virtio_vsem/parameters/max_level
waitfor $d/level 1; waitseq 2
echo "e2e-refused $(cat $d/level) $(cat $d/level_refused) $(cat $d/flows)"
waitfor $d/commanded_level 0
echo 2 >/sys/module/virtio_vsem/parameters/max_level
# 7. the host resets the machine: the guest boots again (see the top);
# this boot's kernel log is checked now, the next one's by guest.sh
dmesg | grep -E 'Oops|BUG:|WARNING:|soft lockup|general protection|Call Trace' |
	sed 's/^/guest-complaint /'
echo "e2e-reboot-now"
sleep 600
GUEST

GUEST_CONSOLE=$console GUEST_QMP=$qmp GUEST_TIMEOUT=900 \
GUEST_DRIVER=$PWD/../build/guest-driver-test/guest-driver/virtio_vsem.ko \
GUEST_DRIVER_ARGS="calm_intervals=3" \
	lab/guest.sh --device virtio-vsem-pci,id=vsem,max-report-size=1024 \
	"$(cat "$work/guest.sh")" >"$guest_log" 2>&1 &
guest_pid=$!
guest_follow

# The VM is held at level 1 from its start until step 2 commands level 2.
# The module publishes a history after 8 calm intervals; were the driver
# free before step 2, a slow boot could already look anomalous against it
# and move the driver to level 2 by itself, reason anomaly, not commanded.
# The VM is tracked from its creation, long before its driver binds; the
# level reaches the driver with the answer to its first report.
deadline=$((SECONDS + 120))
vm_id=
while [ -z "$vm_id" ] && [ "$SECONDS" -lt "$deadline" ] &&
      kill -0 "$guest_pid" 2>/dev/null; do
	vm_id=$(vsecctl --json list | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"] if len(l) == 1 else "")')
	[ -n "$vm_id" ] || sleep 0.5
done
[ -n "$vm_id" ] && vsecctl level "$vm_id" 1
ok $? "the VM is held at level 1 from its creation (ID ${vm_id:-none})"

line=$(marker '^e2e-driver ')
st=$?
ok $st "the guest driver binds to the device ($line)"
[ "${line##* }" = 1 ]
ok $? "the driver uses the device's control queue (protocol version 2)"
vm_id=$(vsecctl --json list | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"] if len(l) == 1 else "")')
[ -n "$vm_id" ]
ok $? "kvm-sec tracks the guest's VM (ID $vm_id)"
if [ "$st" != 0 ] || [ -z "$vm_id" ]; then
	echo "Bail out! no guest to test"
	echo "$((n - failed)) passed, $failed failed"
	exit 1
fi

# 1. Reports arrive, and add up to what the guest sent.
line=$(marker '^e2e-sent ')
ok $? "the guest sent its packets ($line)"
read -r _ sent seq <<<"$line"
vm_wait 'g.get("seq",0) >= '"${seq:-0}" True
ok $? "the module has the guest's reports up to seq $seq"
total=$(vm_field 'g["total"]["tx_packets"]')
[ -n "$sent" ] && [ "$sent" -ge 20 ] && [ "$total" = "$sent" ]
ok $? "packets sent, added up over the reports ($total) = the guest's interface counter ($sent)"
accepted=$(qom accepted) fwd=$(qom forwarded) status=$(qom kvm-sec-status)
[ "${accepted:-0}" -ge 2 ] && [ "${fwd:-0}" -ge 2 ] && [ "$status" = connected ]
ok $? "QOM: accepted $accepted, forwarded $fwd, kvm-sec-status '$status'"
lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend last-report |
	grep -q '"net":{"tx_packets":'
ok $? "QOM last-report carries the guest's NET entry"
vsecctl show "$vm_id" >"$work/show"
grep -q 'guest driver (virtio-vsem)' "$work/show" &&
	grep -Eq "^  tx_packets +[0-9]+ +$sent( |$)" "$work/show"
ok $? "vsecctl show prints the guest's features and totals"
sed 's/^/# /' "$work/show" | tail -n 16

# 2. Commanded level, both ways.
vsecctl level "$vm_id" 2
ok $? "vsecctl level $vm_id 2"
line=$(marker '^e2e-level2 ')
[ "$line" = "e2e-level2 2" ]
ok $? "the driver switched to level 2, reason commanded ($line)"
vm_wait 'g["level"], g["level_cmd"], g["switch_reason"]' "2 2 commanded" 30
ok $? "vsecctl shows level 2, commanded"
[ "$(qom commanded-level)" = 2 ]
ok $? "QOM commanded-level is 2"
vsecctl level "$vm_id" auto
line=$(marker '^e2e-level1 ')
[ "${line% *}" = "e2e-level1 2" ]
ok $? "back to level 1 when the host gives the decision back ($line)"
# (with a history, the driver may go to level 2 again by itself at once)
vm_wait 'g["level_cmd"], g["switches"] >= 2' "0 True" 30
ok $? "vsecctl shows the decision given back, and both switches"
vsecctl interval "$vm_id" 500
line=$(marker '^e2e-interval ')
ok $? "a commanded 500 ms interval reaches the driver ($line)"
vm_wait 'g["interval_cmd"], 400 <= g["interval_ms"] <= 700' "500 True" 30
ok $? "its reports cover about 500 ms (measured: $(vm_field 'g["interval_ms"]')), as vsecctl shows"
[ "$(qom commanded-interval-ms)" = 500 ]
ok $? "QOM commanded-interval-ms is 500"
vsecctl interval "$vm_id" default
marker '^e2e-interval-back' >/dev/null
ok $? "back to the device's 1000 ms when the host gives the interval back"

# 3. Anomaly against the history.
line=$(marker '^e2e-history ' 180)
ok $? "the module's history of the VM reached the driver ($line)"
line=$(marker '^e2e-anomaly ' 180)
read -r _ anomalies reason <<<"$line"
[ "$reason" = 1 ] && [ $((anomalies & 1)) = 1 ]
ok $? "traffic above the history: level 2 by itself, reason anomaly, tx_packets flagged ($line)"
line=$(marker '^e2e-flows ')
vm_wait 'g["level"], g["switch_reason"], "tx_packets" in g["anomalies"]' "2 anomaly True" 30
ok $? "vsecctl shows level 2 after an anomaly in tx_packets"
vm_wait '[(f["addr"], f["outside"], f["comm"], f["pid"] > 0) for f in g["flows"]][:1]' \
	"[('10.0.2.2', False, 'ping', True)]" 30
ok $? "level-2 flows: 10.0.2.2, inside the provider, sent by ping"
vsecctl show "$vm_id" | sed -n '/destination (level 2)/,$p' | sed 's/^/# /'

# 4. Hostile guest. QEMU's counters: rejected (all reasons), throttled,
# accepted, in one QMP session.
qemu_counters() {
	lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend \
		rejected-writable rejected-size rejected-version rejected-entry \
		rejected-level rejected-count rejected-value rejected-seq \
		throttled accepted |
	awk '/^rejected-/ { r += $2 } /^throttled / { t = $2 }
	     /^accepted / { a = $2 } END { print r + 0, t + 0, a + 0 }'
}
# The counters before it starts (the commanded level releases it).
read -r r0 t0 a0 <<<"$(qemu_counters)"
g0=$(vm_field 'g["reports"]')
vsecctl level "$vm_id" 2
line=$(marker '^e2e-cost2 ')
read -r _ cost2 run2 <<<"$line"
line=$(marker '^e2e-hostile ')
ok $? "the hostile driver sent 60 garbage and 100 flood reports ($line)"
# Its next regular reports arrive (e2e-hostile came two reports later).
read -r r1 t1 a1 <<<"$(qemu_counters)"
[ $((r1 - r0)) -ge 1 ] && [ $((t1 - t0)) -ge 140 ]
ok $? "QEMU rejected $((r1 - r0)) and throttled $((t1 - t0)) of them, counted"
[ $((a1 - a0)) -ge 2 ]
ok $? "QEMU kept accepting the guest's reports ($((a1 - a0)) more)"
line=$(marker '^e2e-statuses ')
read -r _ g_rej g_thr g_lost g_acc g_bad g_why _ <<<"$line"
[ "${g_rej:-0}" -ge 1 ] && [ $((${g_thr:-0} + ${g_lost:-0})) -ge 140 ] &&
	[ "${g_acc:-0}" -ge 2 ] && [ "$g_bad" = 0 ] &&
	[ -n "$g_why" ] && [ "$g_why" != none ]
ok $? "the driver learned it: $g_rej rejected, $g_thr throttled, $g_lost statuses lost (counted), last refusal '$g_why'"
vm_wait 'g["reports"] > '"${g0:-0}" True 30
ok $? "the module kept receiving them"

# 5. Epochs. QEMU: rejected-seq, all rejections, accepted, epoch; the
# module: rejected, epochs begun, reports.
epoch_state() {
	echo "$(lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend \
		rejected-seq epoch | awk '{ printf "%s ", $2 }')$(qemu_counters)" \
		"$(vm_field 'g["rejected"], g["epochs"], g["reports"]' | tr -d '(),')"
}
vsecctl level "$vm_id" 1
marker '^e2e-epochs-begin' >/dev/null
read -r seq0 ep0 r0 t0 a0 grej0 gep0 grep0 <<<"$(epoch_state)"
vsecctl level "$vm_id" 2
line=$(marker '^e2e-seqmax ')
read -r seq1 ep1 r1 t1 a1 grej1 gep1 grep1 <<<"$(epoch_state)"
[ "$seq1" = $((seq0 + 1)) ] && [ "$r1" = $((r0 + 1)) ] && [ $((a1 - a0)) -ge 2 ]
ok $? "a report numbered 2^64-1 is refused (rejected-seq $seq0 -> $seq1) and the next are accepted ($((a1 - a0)))"
vsecctl level "$vm_id" 1		# the guest reloads its driver
line=$(marker '^e2e-reloaded ')
[ "${line##* }" = 0 ]
ok $? "the guest reloaded its driver as a version-1 driver, ctrlq=0 ($line)"
vm_wait 'g["reports"] >= '"$((grep1 + 3))" True 30
read -r seq3 ep3 r3 t3 a3 grej3 gep3 grep3 <<<"$(epoch_state)"
[ "$r3" = "$r1" ] && [ "$grej3" = "$grej0" ] && [ "$ep3" -gt "$ep1" ] &&
	[ "$gep3" -gt "$gep1" ] && [ $((a3 - a1)) -ge 3 ]
ok $? "driver reload: epoch $ep1 -> $ep3 (module: $gep1 -> $gep3 begun), 0 rejected by QEMU or the module ($((a3 - a1)) accepted)"
vsecctl level "$vm_id" 2		# the guest goes on at level 2

# 6. max_report_size 1024: 8 flows fit at level 2.
line=$(marker '^e2e-trimmed ')
read -r _ flows trimmed dests <<<"$line"
read -r seq4 ep4 r4 t4 a4 grej4 gep4 grep4 <<<"$(epoch_state)"
[ "${flows:-9}" -le 8 ] && [ "${trimmed:-0}" -ge 1 ] && [ "$r4" = "$r3" ] &&
	[ "$grej4" = "$grej0" ]
ok $? "max-report-size=1024: at most 8 flows a report ($flows last), $trimmed trimmed in all, nothing rejected"
mtrim=$(vm_field 'g["loss"]["flows_trimmed"]')
[ "${mtrim:-0}" -ge "${trimmed:-1}" ]
ok $? "the module adds up the guest's LOSS entries: $mtrim flows trimmed (the driver: $trimmed since its reload)"
lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend last-report |
	grep -q '"loss":{"unstored_packets":[0-9]*,"hv_unstored":[0-9]*,"reports_dropped":[0-9]*,"flows_trimmed":[0-9]*'
ok $? "QEMU reads the driver's LOSS entry (last-report)"

vsecctl level "$vm_id" 1
line=$(marker '^e2e-cost-l1 ')
read -r _ cost_l1 run_l1 pkts_l1 <<<"$line"
vsecctl level "$vm_id" 2
line=$(marker '^e2e-cost-l2 ')
read -r _ cost_l2 run_l2 pkts_l2 <<<"$line"
line=$(marker '^e2e-cost ')
read -r _ cost run <<<"$line"
line=$(marker '^e2e-refused ')
flags=$(lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend last-report |
	sed -n 's/.*"switch_reason":[0-9]*,"flags":\([0-9]*\).*/\1/p')
[ "$line" = "e2e-refused 1 1 0" ] && [ $(( ${flags:-0} & 4 )) = 4 ]
ok $? "max_level=1: a commanded level 2 is refused, and the reports say so (LEVEL_REFUSED, flags $flags)"
vm_wait 'g["level_refused"], g["level"]' "True 1" 30 &&
	vsecctl show "$vm_id" | grep -q 'level 2 refused by the guest'
ok $? "vsecctl shows the guest's refusal"
vsecctl level "$vm_id" auto
lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend kick-max-ns \
	forward-max-ns forwarded forward-dropped | sed 's/^/# QEMU /'

# 7. A reboot of the guest (QEMU's -no-reboot lifted for it).
marker '^e2e-reboot-now' >/dev/null
read -r seq5 ep5 r5 t5 a5 grej5 gep5 grep5 <<<"$(epoch_state)"
lab/qmp "$qmp" set-action '{"reboot": "reset"}' >/dev/null &&
	lab/qmp "$qmp" system_reset >/dev/null
ok $? "the host resets the guest's machine"
marker '^e2e-after-reboot ' 300 >/dev/null
vm_wait 'g["reports"] >= '"$((grep5 + 3))" True 30
read -r seq6 ep6 r6 t6 a6 grej6 gep6 grep6 <<<"$(epoch_state)"
[ "$r6" = "$r5" ] && [ "$grej6" = "$grej0" ] && [ "$ep6" -gt "$ep5" ] &&
	[ "$gep6" -gt "$gep5" ] && [ $((a6 - a5)) -ge 3 ]
ok $? "guest reboot: epoch $ep5 -> $ep6, 0 rejected by QEMU or the module ($((a6 - a5)) accepted)"
lab/qmp "$qmp" set-action '{"reboot": "shutdown"}' >/dev/null
vsecctl level "$vm_id" 1

wait "$guest_pid"
st=$?
guest_pid=
ok "$st" "the guest finished cleanly (no kernel complaint in the guest)"
[ "$st" = 0 ] || sed 's/^/# /' "$work/guest.out" | tail -n 20

if [ -n "${run:-}" ] && [ "$run" -gt 0 ]; then
	echo "# guest driver cost, whole run: $cost ns in $run ns =" \
		"$(awk "BEGIN { printf \"%.3f\", 100 * $cost / $run }")% of one vCPU"
fi
for l in 1 2; do
	c=$(eval echo "\${cost_l$l:-}") r=$(eval echo "\${run_l$l:-}") p=$(eval echo "\${pkts_l$l:-}")
	[ -n "$r" ] && [ "$r" -gt 0 ] && [ "${p:-0}" -gt 0 ] || continue
	echo "# guest driver cost at level $l, 10 s of ping -A -s 1000 ($p packets sent):" \
		"$c ns in $r ns = $(awk "BEGIN { printf \"%.3f\", 100 * $c / $r }")% of one vCPU," \
		"$((c / p)) ns per packet"
done
vsecctl config set warm 20 >/dev/null
tap_end
