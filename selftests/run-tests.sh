#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Every kvm-sec selftest, run in the test host (make check). Prints each
# program's TAP output and a closing line "N passed, N failed, N skipped".
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

log=$(mktemp)
# reload.sh unloads and reloads the module: it goes last.
for t in ./counts_test ./lifecycle_test ./netlink_test ./reload.sh; do
	echo "# ---- $t"
	"$t" 2>&1 | tee "$log"
	tally "$t" "$log" "${PIPESTATUS[0]}"
done
rm -f "$log"

[ ${#failed[@]} = 0 ] || echo "# failed: ${failed[*]}"
echo "kvm-sec selftests: $pass passed, $fail failed, $skip skipped"
[ "$fail" = 0 ]
