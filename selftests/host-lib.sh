# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the host shell tests (reload.sh, lifetime.sh, decision.sh,
# scenarios.sh): TAP lines, the module's status, wait_until.
pass=0 fail=0
ok() { echo "ok $((pass + fail + 1)) $1"; pass=$((pass + 1)); }
bad() { echo "not ok $((pass + fail + 1)) $1"; fail=$((fail + 1)); }
check() { if eval "$2"; then ok "$1"; else bad "$1"; fi; }

status_of() {	# KEY: a number from "vsecctl --json status"
	vsecctl --json status | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}

# Poll a condition the module reaches by itself (its sampler, a reload), up to $2 seconds.
wait_until() {
	local deadline=$((SECONDS + ${2:-60}))
	while [ "$SECONDS" -lt "$deadline" ]; do
		eval "$1" && return 0
		sleep 0.2
	done
	return 1
}
