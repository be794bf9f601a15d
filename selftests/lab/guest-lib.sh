# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the guest tests and the demo: TAP output, and following a
# guest started in the background with guest.sh (the script sets $console,
# its GUEST_CONSOLE, $guest_pid and, if guest.sh's output goes to a file,
# $guest_log, then calls guest_follow).
#
# TAP: ok STATUS DESCRIPTION for each test, between tap_begin and tap_end.
n=0 failed=0
ok() {	# status description
	n=$((n + 1))
	if [ "$1" = 0 ]; then
		echo "ok $n $2"
	else
		echo "not ok $n $2"
		failed=$((failed + 1))
	fi
}

# The header; the whole program is skipped without a QEMU with virtio-vsem.
tap_begin() {
	echo "TAP version 13"
	if [ -z "${LAB_GUEST_QEMU:-}" ]; then
		echo "1..0 # SKIP no QEMU with virtio-vsem: run 'make qemu'"
		echo "0 passed, 0 failed"
		exit 0
	fi
}

# The plan and the totals; fails if a test failed.
tap_end() {
	echo "1..$n"
	echo "$((n - failed)) passed, $failed failed"
	[ "$failed" = 0 ]
}

# Nothing here polls: the nested guest shares the test host's CPU time
# with this script (single-threaded TCG), so a polling loop that forks
# slows the guest down. marker() blocks reading the console's stream.

# Follow the guest's console from its beginning (call once, after
# starting the guest).
guest_follow() {
	: >>"$console"
	rm -f "$console.fifo"
	mkfifo "$console.fifo"
	tail -n +1 -F "$console" >"$console.fifo" 2>/dev/null &
	console_tail=$!
	exec {console_fd}<"$console.fifo"
}

# Stop following it.
guest_unfollow() {
	[ -z "${console_tail:-}" ] || kill "$console_tail" 2>/dev/null
	[ -z "${console_fd:-}" ] || exec {console_fd}<&-
	console_tail= console_fd=
}

# Read the console until a line matches the regex $1, and print that
# line; fail after $2 seconds (120) or once the guest has ended.
marker() {	# regex [seconds]
	local deadline=$((SECONDS + ${2:-120})) line
	while [ "$SECONDS" -lt "$deadline" ]; do
		if IFS= read -r -t 5 -u "$console_fd" line; then
			line=${line%$'\r'}
			if [[ $line =~ $1 ]]; then
				echo "$line"
				return 0
			fi
		elif ! kill -0 "$guest_pid" 2>/dev/null; then
			break
		fi
	done
	echo "# no '$1' on the guest's console; its end:" >&2
	tr -d '\r' <"$console" | tail -n 15 | sed 's/^/#   /' >&2
	if [ -n "${guest_log:-}" ]; then
		echo "# guest.sh said:" >&2
		tail -n 15 "$guest_log" | sed 's/^/#   /' >&2
	fi
	return 1
}

# A work directory for one guest test, removed with the guest on exit:
# sets $work and the paths guest.sh and marker() use ($console, $qmp,
# $guest_log).
guest_work() {	# name
	work=$(mktemp -d "/tmp/$1.XXXXXX")
	console=$work/console qmp=$work/qmp guest_log=$work/guest.out
	guest_pid=
	trap guest_cleanup EXIT
}

guest_cleanup() {
	[ -z "$guest_pid" ] || kill "$guest_pid" 2>/dev/null
	guest_unfollow
	wait 2>/dev/null
	rm -rf "$work"
}

# Tell a guest on the bridge to go on: it waits with "nc -l -p 5000", which
# may not listen yet when its marker shows (bounded: 60 s).
guest_go() {	# address
	local fd i
	for ((i = 0; i < 120; i++)); do
		if exec {fd}<>"/dev/tcp/$1/5000"; then
			exec {fd}>&-
			return 0
		fi 2>/dev/null
		sleep 0.5
	done
	return 1
}

# Two guests on taps of one bridge (guest_net.sh, guest_decision.sh): guest
# $1 on tap $2 with address $3, MAC $4, its peer's address $5, and guest
# driver $6 (none if empty), running $work/common.sh then $work/$1.sh; its
# console in $work/$1.console. Run it in the background; the caller keeps
# the two PIDs in $pa and $pb for bridge_wait_line.
bridge_guest() {	# name tap address mac peer driver
	GUEST_NET=tap GUEST_TAP=$2 GUEST_ADDR=$3/24 GUEST_MAC=$4 GUEST_VHOST=on \
	GUEST_DRIVER=$6 GUEST_FILES="$PWD/net_probe $PWD/guest_load" GUEST_TIMEOUT=900 \
	GUEST_CONSOLE="$work/$1.console" \
		exec lab/guest.sh "peer=$5
$(cat "$work/common.sh" "$work/$1.sh")" \
		>"$work/$1.out" 2>&1
}

# Until guest $1's console has a line matching $2, while both run
# (bounded: 600 s).
bridge_wait_line() {	# guest regex
	local i=0
	until [ -f "$work/$1.console" ] && tr -d '\r' <"$work/$1.console" | grep -q "$2"; do
		i=$((i + 1))
		[ $i -gt 1200 ] && return 1
		kill -0 "$pa" 2>/dev/null && kill -0 "$pb" 2>/dev/null || return 1
		sleep 0.5
	done
}

# The VM (kvm-sec's ID) whose tap is $1.
vm_of_tap() {
	local id
	for id in $(vsecctl --json list | grep -o '"id":[0-9]*' | grep -o '[0-9]*$'); do
		vsecctl --json show "$id" | grep -q "\"name\":\"$1\"" && { echo "$id"; return; }
	done
}
