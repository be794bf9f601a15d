#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# HSEM's detection latency and false positives (make bench): runs the
# decision tests (decision.sh: scenario 1; scenarios.sh: 2 to 5) in the lab
# and prints, per scenario and VM, the time from the signal that starts a
# flood to the verdict event's arrival at a vsecctl monitor (the test
# host's clock; intervals are 500 ms), and the level changes of the calm
# VMs over their VM-intervals. Figures, not a test: the scripts' own checks
# are in make check; a script's failures are shown with its output.
set -euo pipefail
dir=$(dirname "$0")
out=$(mktemp)
trap 'rm -f "$out"' EXIT

st=0
for t in decision.sh scenarios.sh; do
	echo "bench: running $t" >&2
	s=0
	"$dir/$t" >"$out.$t" 2>&1 || s=$?
	grep -E "^(not ok|# (latency|false positives|A's limits applied))" "$out.$t" |
		sed "s/^/$t: /" >>"$out" || true
	if [ "$s" != 0 ]; then
		st=$s
		echo "bench: $t failed; its output:" >&2
		cut -c 1-400 "$out.$t" >&2
	fi
	rm -f "$out.$t"
done

declare -A what=(
	[decision.sh:A]="1 hypercall flood"	[decision.sh:C]="1 port I/O flood"
	[decision.sh:D]="1 MMIO flood"		[scenarios.sh:A]="2 floods B (attacker)"
	[scenarios.sh:B]="2 flooded by A (victim)" [scenarios.sh:S]="3 SYN scan"
	[scenarios.sh:H]="4 CPU and memory hog"
)
echo
echo "HSEM detection latency (500 ms intervals, rule K 6 M 2 N 3; lab, Debian kernel)"
printf '%-28s %s\n' "scenario" "flood start to verdict event"
sed -n 's/^\([a-z.]*\): # latency \([A-Z]\) \([0-9.]*\) s$/\1 \2 \3/p' "$out" |
	while read -r t vm n; do
		printf '%-28s %5.1f s (%.1f intervals)\n' "${what[$t:$vm]:-$t $vm}" \
			"$n" "$(awk -v n="$n" 'BEGIN { print n / 0.5 }')"
	done
sed -n "s/^scenarios.sh: # A's limits applied \([0-9.]*\) ms .*/HSEM's limits applied \1 ms after the attacker verdict event (scenario 2, A)/p" "$out"
awk '/# false positives/ { fp += $5; n += $7 }
     END { printf "false positives: %d level changes in %d calm VM-intervals (%.2f per 1,000)\n",
		  fp, n, n ? fp * 1000 / n : 0 }' "$out"
if grep -q '^[a-z.]*: not ok' "$out"; then
	echo "(some checks failed, see:)"
	grep '^[a-z.]*: not ok' "$out"
fi
exit "$st"
