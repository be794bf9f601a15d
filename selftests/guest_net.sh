#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two guests on tap devices in one bridge of the test host (TAP): the lab's
# tap mode (selftests/lab/guest.sh GUEST_NET=tap), with vhost-net. Each
# guest waits until the other answers, pings it 20 times, and stays until
# it has answered the other's 20: the two talk to each other through their
# taps, with vhost workers moving the packets, and the test host's taps saw
# every echo request. What the host monitor will count on these taps is the
# subject of the tap issue; this is the lab it needs.
#
# By hand: make qemu && make lab LAB_SMP=1 CMD=selftests/guest_net.sh
set -u
cd "$(dirname "$0")"
. lab/guest-lib.sh
tap_begin

guest_work guest-net

# The guest's side, after "peer=ADDRESS".
cat >"$work/guest.sh" <<'GUEST'
# the peer is up when it answers (bounded)
i=0; until ping -c 1 -W 1 $peer >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 300 ] && { echo "e2e-no-peer"; exit 1; }; done
echo "e2e-peer-up $i"
tx0=$(cat /sys/class/net/eth0/statistics/tx_packets)
ping -c 20 -i 0.2 -W 2 $peer | grep 'packets transmitted' | sed 's/^/e2e-ping /'
echo "e2e-tx $(( $(cat /sys/class/net/eth0/statistics/tx_packets) - tx0 ))"
# answer the peer's 20 before going (its probes are answered too)
i=0; while [ "$(awk '/^Icmp:/ { n++ } n == 2 && /^Icmp:/ { print $10; exit }' /proc/net/snmp)" -lt 20 ]; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "e2e-peer-silent"; exit 1; }; sleep 0.2
done
echo "e2e-done"
GUEST

start() {	# name tap address mac peer
	GUEST_NET=tap GUEST_TAP=$2 GUEST_ADDR=$3/24 GUEST_MAC=$4 GUEST_VHOST=on \
	GUEST_DRIVER= GUEST_TIMEOUT=600 GUEST_CONSOLE="$work/$1.console" \
		exec lab/guest.sh --device none "peer=$5
$(cat "$work/guest.sh")" \
		>"$work/$1.out" 2>&1
}
# The bridge first: two guest.sh at once would both create it.
lab/bridge.sh br-vsem
ok $? "bridge br-vsem in the test host"
start a vsem-a 10.0.3.11 52:54:00:00:03:11 10.0.3.12 &
pa=$!
start b vsem-b 10.0.3.12 52:54:00:00:03:12 10.0.3.11 &
pb=$!
trap 'kill $pa $pb 2>/dev/null; guest_cleanup' EXIT

# While they run: both taps in the bridge, a vhost worker for each QEMU.
i=0
until [ -d /sys/class/net/vsem-a ] && [ -d /sys/class/net/vsem-b ] &&
      grep -q 'e2e-peer-up' "$work/a.console" "$work/b.console" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 1200 ] && break
	kill -0 $pa 2>/dev/null && kill -0 $pb 2>/dev/null || break
	sleep 0.5
done
[ "$(cat /sys/class/net/vsem-a/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ] &&
	[ "$(cat /sys/class/net/vsem-b/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ]
ok $? "two guests on taps vsem-a and vsem-b in bridge br-vsem"
workers=$(ps -e -o comm= | grep -c '^vhost-')
[ "$workers" -ge 2 ]
ok $? "vhost-net moves their packets ($workers vhost workers)"

wait $pa; sa=$?
wait $pb; sb=$?
for g in a b; do sed 's/^/# '"$g"': /' "$work/$g.out" | grep -v '^# .: $' | tail -n 8; done
ok $((sa || sb)) "both guests finished cleanly"
for g in a b; do
	grep -q '^e2e-ping 20 packets transmitted, 20 packets received' "$work/$g.out"
	ok $? "guest $g pinged the other through the bridge: 20 of 20 answered"
done
[ ! -d /sys/class/net/vsem-a ] && [ ! -d /sys/class/net/vsem-b ]
ok $? "the taps went away with QEMU"

tap_end
