#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two guests on tap devices in one bridge of the test host (TAP): the lab's
# tap mode (selftests/lab/guest.sh GUEST_NET=tap), with vhost-net. Each
# guest waits until the other answers, pings it 20 times, and stays until
# the test host, having seen both finish, says go (a UDP datagram to a
# closed port): the two talk to each other through their taps, with vhost
# workers moving the packets, and the test host's taps saw at least every
# packet each guest sent. What the host monitor will count on these taps is the
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
# stay, answering the peer, until the test host says go: UDP NoPorts
i=0; while [ "$(awk '/^Udp:/ { n++ } n == 2 { print $3; exit }' /proc/net/snmp)" -lt 1 ]; do
	i=$((i + 1)); [ $i -gt 600 ] && { echo "e2e-no-go"; exit 1; }; sleep 0.2
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

# While they run: both taps in the bridge, a vhost worker for each QEMU
# (threads: since Linux 6.4 they are QEMU's own).
i=0
until grep -q 'e2e-peer-up' "$work/a.console" 2>/dev/null &&
      grep -q 'e2e-peer-up' "$work/b.console" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 1200 ] && break
	kill -0 $pa 2>/dev/null && kill -0 $pb 2>/dev/null || break
	sleep 0.5
done
[ "$(cat /sys/class/net/vsem-a/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ] &&
	[ "$(cat /sys/class/net/vsem-b/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ]
ok $? "two guests on taps vsem-a and vsem-b in bridge br-vsem"
workers=$(ps -eT -o comm= | grep -c '^vhost-')
[ "$workers" -ge 2 ]
ok $? "vhost-net moves their packets ($workers vhost workers)"

# Both have pinged: the taps saw what each guest sent, then go.
i=0
until grep -q '^e2e-tx ' "$work/a.console" 2>/dev/null &&
      grep -q '^e2e-tx ' "$work/b.console" 2>/dev/null; do
	i=$((i + 1))
	[ $i -gt 600 ] && break
	kill -0 $pa 2>/dev/null && kill -0 $pb 2>/dev/null || break
	sleep 0.5
done
for g in a b; do
	case $g in a) addr=10.0.3.11 ;; b) addr=10.0.3.12 ;; esac
	sent=$(tr -d '\r' <"$work/$g.console" | sed -n 's/^e2e-tx //p')
	seen=$(cat /sys/class/net/vsem-$g/statistics/rx_packets 2>/dev/null)
	[ -n "$sent" ] && [ "${seen:-0}" -ge "$sent" ] && [ "$sent" -ge 20 ]
	ok $? "tap vsem-$g received ${seen:-nothing} frames from guest $g, at least the $sent it sent while pinging"
	echo go >"/dev/udp/$addr/9"
done

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
