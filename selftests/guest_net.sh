#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Two guests on tap devices in one bridge of the test host (TAP), with
# vhost-net (selftests/lab/guest.sh GUEST_NET=tap), and what kvm-sec.ko
# sees of them on their taps, by itself:
#
#   guest A (10.0.3.11, tap vsem-a): the guest driver, test build;
#   guest B (10.0.3.12, tap vsem-b): the device, no guest driver.
#
# 1. Each pings the other 20 times; the taps carry it, vhost workers move it.
# 2. A's driver reports truthfully: its packets match its tap's (no tamper).
# 3. A then claims only 10% of its packets (test_net_percent=10) and sends
#    400 UDP datagrams to B in four bursts, 5 to an address inside the
#    provider (10.0.0.0/8), 3 outside, and one TCP SYN to a closed port of
#    B. The module counts exactly: A sent 408 UDP, B received 400, one SYN
#    each way, B's RST and ICMP unreachables as many as A received; B,
#    without a driver, is counted all the same. A's traffic to B is "this
#    host" with B's VM ID, and B's from A likewise; the others inside and
#    outside. A's short claims are flagged (tamper).
# 4. A may no longer send to this host (vsecctl limit A block-tx
#    this-host): its next 100 datagrams to B are dropped at A's tap,
#    counted by class, and B receives none; lifted (limit A off), the next
#    100 reach B.
#
# The host says go to a guest by connecting to its TCP port 5000 (busybox
# nc listens there), after reading what it needs from the module.
#
# By hand: make qemu && make lab LAB_SMP=1 CMD=selftests/guest_net.sh
set -u
cd "$(dirname "$0")"
. lab/guest-lib.sh
tap_begin

guest_work guest-net

# Both guests, first: "peer=ADDRESS" and "role=a|b" come before this.
cat >"$work/common.sh" <<'GUEST'
# the peer is up when it answers (bounded)
i=0; until ping -c 1 -W 1 $peer >/dev/null 2>&1; do i=$((i + 1)); [ $i -gt 300 ] && { echo "e2e-no-peer"; exit 1; }; done
echo "e2e-peer-up $i"
tx0=$(cat /sys/class/net/eth0/statistics/tx_packets)
ping -c 20 -i 0.2 -W 2 $peer | grep 'packets transmitted' | sed 's/^/e2e-ping /'
echo "e2e-tx $(( $(cat /sys/class/net/eth0/statistics/tx_packets) - tx0 ))"
GUEST
# A: reports while truthful, then lies and sends.
cat >"$work/a.sh" <<'GUEST'
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
p=/sys/module/virtio_vsem/parameters/test_net_percent
reports() { cat $d/reports_accepted; }
# n more reports accepted by the host (bounded)
after_reports() { local want=$(( $(reports) + $1 )) i=0; while [ "$(reports)" -lt $want ]; do i=$((i + 1)); [ $i -gt 300 ] && return 1; sleep 0.1; done; }
# truthful, over a window of reports (4) that carried traffic
ping -c 40 -i 0.2 $peer >/dev/null &
after_reports 6 && echo "e2e-truthful $(reports)"
wait
nc -l -p 5000 </dev/null >/dev/null
echo 10 >$p
ip route add default via 10.0.3.1
for k in 1 2 3 4; do
	net_probe udp $peer 9 100 100 | sed 's/^/e2e-probe /'
	after_reports 1
done
net_probe udp 10.20.0.1 9 5 10 | sed 's/^/e2e-probe /'
net_probe udp 198.51.100.1 9 3 10 | sed 's/^/e2e-probe /'
net_probe tcp $peer 7 | sed 's/^/e2e-probe /'
after_reports 3
echo "e2e-sent $(reports)"
nc -l -p 5000 </dev/null >/dev/null
net_probe udp $peer 9 100 100 | sed 's/^/e2e-blocked /'
nc -l -p 5000 </dev/null >/dev/null
net_probe udp $peer 9 100 100 | sed 's/^/e2e-unblocked /'
nc -l -p 5000 </dev/null >/dev/null
echo "e2e-done"
GUEST
cat >"$work/b.sh" <<'GUEST'
nc -l -p 5000 </dev/null >/dev/null
echo "e2e-done"
GUEST

# Until the condition $1 holds (bounded: 20 s): what crosses the bridge
# settles.
settle() {	# condition
	local i=0
	until eval "$1"; do
		i=$((i + 1)); [ $i -gt 40 ] && return 1; sleep 0.5
	done
}
num() {	# vm key
	vsecctl --json show "$1" | grep -o "\"$2\":[0-9]*" | head -n 1 | grep -o '[0-9]*$'
}

prefixes0=$(vsecctl --json config | sed -n 's/.*"prefixes":\[\(.*\)\].*/\1/p' | tr -d '"')
vsecctl config set prefixes 10.0.0.0/8 >/dev/null
# HSEM out of the way (see guest_test.sh); decision.sh tests it.
vsecctl config set warm 100000
# The bridge first: two guest.sh at once would both create it.
lab/bridge.sh br-vsem
ok $? "bridge br-vsem in the test host"
bridge_guest a vsem-a 10.0.3.11 52:54:00:00:03:11 10.0.3.12 \
	"$PWD/../build/guest-driver-test/guest-driver/virtio_vsem.ko" &
pa=$!
bridge_guest b vsem-b 10.0.3.12 52:54:00:00:03:12 10.0.3.11 "" &
pb=$!
trap 'kill $pa $pb 2>/dev/null; vsecctl config set prefixes "${prefixes0:-none}"; vsecctl config set warm 20; guest_cleanup' EXIT

# While they run: both taps in the bridge, a vhost worker for each QEMU
# (threads: since Linux 6.4 they are QEMU's own).
bridge_wait_line a 'e2e-peer-up' && bridge_wait_line b 'e2e-peer-up'
[ "$(cat /sys/class/net/vsem-a/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ] &&
	[ "$(cat /sys/class/net/vsem-b/master/uevent 2>/dev/null | sed -n 's/^INTERFACE=//p')" = br-vsem ]
ok $? "two guests on taps vsem-a and vsem-b in bridge br-vsem"
workers=$(ps -eT -o comm= | grep -c '^vhost-')
[ "$workers" -ge 2 ]
ok $? "vhost-net moves their packets ($workers vhost workers)"
va=$(vm_of_tap vsem-a) vb=$(vm_of_tap vsem-b)
[ -n "$va" ] && [ -n "$vb" ] && [ "$va" != "$vb" ] &&
	vsecctl --json show "$va" | grep -q '"name":"vsem-a","ifindex":[0-9]*,"how":"tun"'
ok $? "kvm-sec found each VM's tap by itself (VM ${va:-?}: vsem-a, VM ${vb:-?}: vsem-b, through the tun file)"

# Both have pinged: the taps saw what each guest sent.
bridge_wait_line a '^e2e-tx ' && bridge_wait_line b '^e2e-tx '
for g in a b; do
	sent=$(tr -d '\r' <"$work/$g.console" | sed -n 's/^e2e-tx //p')
	seen=$(cat /sys/class/net/vsem-$g/statistics/rx_packets 2>/dev/null)
	[ -n "$sent" ] && [ "${seen:-0}" -ge "$sent" ] && [ "$sent" -ge 20 ]
	ok $? "tap vsem-$g received ${seen:-nothing} frames from guest $g, at least the $sent it sent while pinging"
done

bridge_wait_line a '^e2e-truthful'
short=$(num "$va" reports_short) claimed=$(num "$va" claimed_tx) seen=$(num "$va" seen_tx)
[ "$short" = 0 ] && [ "${seen:-0}" -gt 0 ] && [ "${claimed:-0}" -ge "$seen" ]
ok $? "A's truthful reports match its tap: sent ${claimed:-?} claimed, ${seen:-?} seen, none short"
guest_go 10.0.3.11
bridge_wait_line a '^e2e-sent'

# Counted by the module, exactly; what crosses the bridge settles first.
settle '[ "$(num "$vb" rx_udp)" = 400 ] && [ "$(num "$va" rx_rst)" = 1 ] &&
	[ "$(num "$va" rx_unreach)" -ge "$(num "$vb" tx_unreach)" ]'
a_tx_udp=$(num "$va" tx_udp) b_rx_udp=$(num "$vb" rx_udp)
[ "$a_tx_udp" = 408 ] && [ "$b_rx_udp" = 400 ]
ok $? "UDP counted exactly: A sent ${a_tx_udp:-?} (400 + 5 + 3), B (no driver) received ${b_rx_udp:-?} (400)"
[ "$(num "$va" tx_syn)" = 1 ] && [ "$(num "$vb" rx_syn)" = 1 ] &&
	[ "$(num "$vb" tx_rst)" = 1 ] && [ "$(num "$va" rx_rst)" = 1 ]
ok $? "SYN to B's closed port: one SYN sent by A and received by B, one RST back"
unr=$(num "$vb" tx_unreach)
[ "${unr:-0}" -ge 1 ] && [ "$(num "$va" rx_unreach)" -ge "$unr" ]
ok $? "B's ICMP port unreachables (${unr:-?}, rate-limited by B) all counted at A"
ja=$(vsecctl --json show "$va") jb=$(vsecctl --json show "$vb")
echo "$ja" | grep -q "\"addr\":\"10.0.3.12\",\"packets\":[0-9]*,\"error\":[0-9]*,\"where\":\"this-host\",\"vm\":$vb}" &&
	echo "$jb" | grep -q "\"addr\":\"10.0.3.11\",\"packets\":[0-9]*,\"error\":[0-9]*,\"where\":\"this-host\",\"vm\":$va}"
ok $? "A's traffic to B is 'this host, VM $vb', and B's from A 'this host, VM $va'"
echo "$ja" | grep -q '"addr":"10.20.0.1","packets":5,"error":0,"where":"inside"' &&
	echo "$ja" | grep -q '"addr":"198.51.100.1","packets":3,"error":0,"where":"outside"'
ok $? "A's other destinations: 10.20.0.1 inside the provider, 198.51.100.1 outside"
echo "$ja" | grep -q '"addresses":\["52:54:00:00:03:11","10.0.3.11"\]'
ok $? "A's own addresses learned from its tap: its MAC and 10.0.3.11"
short=$(num "$va" reports_short)
[ "${short:-0}" -ge 1 ]
ok $? "A's driver claiming 10% of its packets is flagged tamper (${short:-0} reports short)"
vsecctl show "$va" | sed -n '/against its taps/p;/network/,/^$/p' | head -n 8 | sed 's/^/# /'

# 4. A kept away from this host's VMs, then let go.
block_drops() {	# vm class
	vsecctl --json show "$1" | grep -o "\"tx_drops\":{[^}]*}" |
		grep -o "\"$2\":[0-9]*" | grep -o '[0-9]*$'
}
vsecctl limit "$va" block-tx this-host
ok $? "vsecctl limit $va block-tx this-host"
guest_go 10.0.3.11
bridge_wait_line a '^e2e-blocked '
settle '[ "$(block_drops "$va" this-host)" = 100 ]'
drops=$(block_drops "$va" this-host) b_rx_udp=$(num "$vb" rx_udp)
[ "$drops" = 100 ] && [ "$b_rx_udp" = 400 ] && [ "$(num "$va" tx_udp)" = 508 ]
ok $? "A's 100 datagrams to B dropped at its tap as 'this-host' (${drops:-none}), counted as sent; B received none (${b_rx_udp:-?} in all)"
vsecctl show "$va" | grep 'block_' | sed 's/^/# /'
vsecctl limit "$va" off
ok $? "vsecctl limit $va off"
guest_go 10.0.3.11
bridge_wait_line a '^e2e-unblocked '
settle '[ "$(num "$vb" rx_udp)" = 500 ]'
b_rx_udp=$(num "$vb" rx_udp) drops=$(block_drops "$va" this-host)
[ "$b_rx_udp" = 500 ] && [ "$drops" = 100 ]
ok $? "lifted: the next 100 reach B (${b_rx_udp:-?} in all), no more dropped (${drops:-?})"

guest_go 10.0.3.11
guest_go 10.0.3.12
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
[ "$(vsecctl --json status | grep -o '"netdevs":[0-9]*')" = '"netdevs":0' ]
ok $? "and kvm-sec let go of them"

tap_end
