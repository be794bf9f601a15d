#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test host's bridge for guests on tap devices (guest.sh GUEST_NET=tap):
# BRIDGE (default br-vsem) with 10.0.3.1/24, up, created unless it exists.
# Every setting is applied on every run, under a lock, so that two guests
# started at once both find it ready and a run that failed half-way is
# repaired. Run it in the lab (it changes the test host's network).
#
#   bridge.sh [BRIDGE]
set -euo pipefail
br=${1:-br-vsem}
exec 9>"/tmp/.lab-bridge-$br.lock"
flock 9
if [ ! -d "/sys/class/net/$br" ]; then
	modprobe bridge 2>/dev/null || true
	ip link add "$br" type bridge
fi
# No STP: a port forwards at once, and the lab is one bridge.
echo 0 >"/sys/class/net/$br/bridge/stp_state"
echo 0 >"/sys/class/net/$br/bridge/forward_delay"
# IPv4 only: no neighbour discovery or MLD in what the guests get.
echo 1 >"/proc/sys/net/ipv6/conf/$br/disable_ipv6"
ip addr replace 10.0.3.1/24 dev "$br"
ip link set "$br" up
