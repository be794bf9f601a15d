#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The test host's bridge for guests on tap devices (guest.sh GUEST_NET=tap):
# BRIDGE (default br-vsem) with 10.0.3.1/24, up, created unless it exists.
# Run it in the lab (it changes the test host's network).
#
#   bridge.sh [BRIDGE]
set -euo pipefail
br=${1:-br-vsem}
if [ ! -d "/sys/class/net/$br" ]; then
	modprobe bridge 2>/dev/null || true
	# (another guest.sh may have made it in the meantime)
	ip link add "$br" type bridge 2>/dev/null || [ -d "/sys/class/net/$br" ]
	# No STP: a port forwards at once, and the lab is one bridge.
	echo 0 >"/sys/class/net/$br/bridge/stp_state"
	echo 0 >"/sys/class/net/$br/bridge/forward_delay"
	# IPv4 only: no neighbour discovery or MLD in what the guests get.
	echo 1 >"/proc/sys/net/ipv6/conf/$br/disable_ipv6"
	ip addr replace 10.0.3.1/24 dev "$br"
fi
ip link set "$br" up
