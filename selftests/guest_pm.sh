#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# virtio-vsem across hibernation (TAP), in the test host: a guest with the
# device and its driver hibernates with /sys/power/pm_test at "devices"
# (every device frozen and restored, no image written). The driver's
# freeze resets the device and takes its queue down, restore sets it up
# again: reports flow again, numbered from 1 in a new epoch, and neither
# QEMU nor the module rejects one. Without freeze/restore the driver kept
# kicking a queue the reset device no longer had: no report arrived.
#   make qemu && make lab LAB_SMP=1 CMD=selftests/guest_pm.sh
set -u
cd "$(dirname "$0")"
PATH=$PWD/../userspace:$PATH
. lab/guest-lib.sh
tap_begin

guest_work guest-pm

cat >"$work/guest.sh" <<'GUEST'
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
waitseq() { t=$(( $(cat $d/seq) + $1 )); i=0; while [ $(cat $d/seq) -lt $t ]; do i=$((i + 1)); [ $i -gt 200 ] && { echo "pm-timeout seq"; exit 1; }; sleep 0.3; done; }
waitfor() { i=0; while [ "$(cat $1)" != "$2" ]; do i=$((i + 1)); [ $i -gt 600 ] && { echo "pm-timeout $1 $2"; exit 1; }; sleep 0.3; done; }
waitseq 3
echo "pm-before $(cat $d/seq)"
waitfor $d/commanded_level 1
s0=$(cat $d/seq)
echo devices >/sys/power/pm_test
echo disk >/sys/power/state
echo none >/sys/power/pm_test
dmesg | grep -q 'hibernation: debug: Waiting' || dmesg | grep 'PM: ' | tail -n 5 | sed 's/^/pm-log /'
# the first report after restore (seq starts again: below the last one)
i=0; while [ $(cat $d/seq) -ge $s0 ] && [ $i -lt 100 ]; do i=$((i + 1)); sleep 0.3; done
s=$(cat $d/seq)
waitseq 2
echo "pm-after $s $(cat $d/seq)"
waitfor $d/commanded_level 2
GUEST

qemu_state() {	# epoch, rejections, accepted
	lab/qom-get "$qmp" /machine/peripheral/vsem/virtio-backend epoch \
		rejected-writable rejected-size rejected-version rejected-entry \
		rejected-level rejected-count rejected-value rejected-seq accepted |
	awk '/^epoch / { e = $2 } /^rejected-/ { r += $2 } /^accepted / { a = $2 }
	     END { print e + 0, r + 0, a + 0 }'
}

GUEST_CONSOLE=$console GUEST_QMP=$qmp GUEST_TIMEOUT=300 \
	lab/guest.sh --device virtio-vsem-pci,id=vsem \
	"$(cat "$work/guest.sh")" >"$guest_log" 2>&1 &
guest_pid=$!
guest_follow

line=$(marker '^pm-before ' 180)
ok $? "the driver reports ($line)"
vm_id=$(vsecctl --json list | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"] if len(l) == 1 else "")')
module_rejected() {
	vsecctl --json show "$vm_id" |
		python3 -c 'import json,sys; print(json.load(sys.stdin).get("guest",{}).get("rejected",0))'
}
read -r ep0 r0 a0 <<<"$(qemu_state)"
grej0=$(module_rejected)
vsecctl level "$vm_id" 1		# the guest hibernates
line=$(marker '^pm-after ' 120)
st=$?
read -r _ s_restored s_after <<<"$line"
ok $st "reports flow again after the hibernation ($line)"
[ "$st" = 0 ] && [ "${s_restored:-99}" -le 2 ]
ok $? "the driver numbered them from 1 again (seq ${s_restored:-?} right after restore)"
read -r ep1 r1 a1 <<<"$(qemu_state)"
grej1=$(module_rejected)
vsecctl level "$vm_id" 2		# the guest ends
[ "$ep1" -gt "$ep0" ] && [ "$r1" = "$r0" ] && [ $((a1 - a0)) -ge 3 ] &&
	[ "$grej1" = "$grej0" ]
ok $? "a new epoch ($ep0 -> $ep1), $((a1 - a0)) accepted, 0 rejected by QEMU ($r0 -> $r1) or the module ($grej0 -> $grej1)"
wait "$guest_pid"
st=$?
guest_pid=
ok "$st" "the guest finished cleanly (no kernel complaint in the guest)"
[ "$st" = 0 ] || sed 's/^/# /' "$guest_log" | tail -n 20
tap_end
