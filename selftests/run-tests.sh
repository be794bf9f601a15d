#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-sec selftests, run in the test host (make check). Prints each
# program's TAP output and a closing line "N passed, N failed, N skipped".
#
#   run-tests.sh [host]   the host monitor's tests (any number of CPUs),
#                         the netlink fuzzer for NL_FUZZ_SECONDS (30)
#   run-tests.sh guest    the tests with nested Linux guests (virtio-vsem);
#                         they need a one-CPU test host (LAB_SMP=1, see
#                         lab/guest.sh); and net_test on Debian's kernel
#   run-tests.sh decisions  HSEM's scenarios 1 to 5, and vsecd acting on
#                         HSEM's and HREM's decisions (two CPUs: a hog
#                         needs one); make bench's tools at a small size
set -u
cd "$(dirname "$0")"

pass=0 fail=0 skip=0 failed=()
tally() {	# program log status
	local p f s
	p=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\).*skip:\([0-9]*\).*/\1/p' "$2")
	f=$(sed -n 's/^# Totals: pass:\([0-9]*\) fail:\([0-9]*\).*/\2/p' "$2")
	s=$(sed -n 's/^# Totals: .*skip:\([0-9]*\).*/\1/p' "$2")
	if [ -z "$p" ]; then	# plain "N passed, N failed"
		p=$(sed -n 's/^\([0-9]*\) passed, [0-9]* failed$/\1/p' "$2")
		f=$(sed -n 's/^[0-9]* passed, \([0-9]*\) failed$/\1/p' "$2")
		s=0
	fi
	if [ -z "$p" ]; then p=0; f=1; s=0; fi
	if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; fi
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	[ "$f" = 0 ] || failed+=("$1")
}

case ${1:-host} in
# agent.sh, state.sh, lifetime.sh and reload.sh unload and reload the module: they
# go last.
host) tests=(./counts_test ./lifecycle_test ./netlink_test
	     ./guest_report_test ./migrate_test ./net_test ./limit_test ./pace_test
	     "./nl_fuzz --seconds ${NL_FUZZ_SECONDS:-30}"
	     ./agent.sh ./state.sh ./lifetime.sh ./reload.sh)
	# Under KASAN and kmemleak a reload under churn takes ~11 s:
	# lifetime.sh reloads 25 times on the debug kernel (make check), 50
	# on Debian's (make check-host).
	[ "${LAB_KERNEL:-}" != debug ] || export LIFETIME_RELOADS=${LIFETIME_RELOADS:-25} ;;
# On Debian's kernel: under the debug kernel's cost decision.sh took 11
# min, its --quick mode 10 (make lab LAB_KERNEL=debug CMD=...).
# bench_smoke.sh (make bench's tools at a small size) reloads the module:
# it goes last.
decisions) tests=(./decision.sh ./scenarios.sh ./agent_hrem.sh ./bench_smoke.sh) ;;
guest)	# asked for explicitly (make check): no QEMU is a failure, not a skip
	if [ -z "${LAB_GUEST_QEMU:-}" ]; then
		echo "run-tests.sh: no QEMU with virtio-vsem for these sources: run 'make qemu'" >&2
		exit 1
	fi
	# net_test again: on Debian's own kernel as well as the debug one
	tests=(./net_test ./guest_device.sh ./guest_pm.sh ./guest_test.sh
	       ./guest_net.sh ./guest_decision.sh ./guest_migrate.sh) ;;
*) echo "usage: run-tests.sh [host|guest|decisions]" >&2; exit 2 ;;
esac

log=$(mktemp)
for t in "${tests[@]}"; do
	echo "# ---- $t"
	start=$SECONDS
	$t 2>&1 | tee "$log"
	tally "$t" "$log" "${PIPESTATUS[0]}"
	echo "# ---- $t: $((SECONDS - start)) s"
done
rm -f "$log"

[ ${#failed[@]} = 0 ] || echo "# failed: ${failed[*]}"
echo "kvm-sec selftests: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
