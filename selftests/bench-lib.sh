# SPDX-License-Identifier: GPL-2.0
#
# Shared by bench.sh, bench_tap.sh and bench_scale.sh: the unit of their
# figures, kvm-sec's status, and the figures of several monitors, each the
# best of several rounds, printed against the baseline.

# Under "-icount shift=0" (BENCH_ICOUNT) a nanosecond of the test host is
# an instruction: $unit names the figures, $scale is bench_exit's
# calibration (nanoseconds per instruction) they are divided by.
unit=ns
scale=1
if [ -n "${BENCH_ICOUNT:-}" ]; then
	unit=instructions
	scale=$(bench_exit --calibrate)
fi

# A time in nanoseconds, in $unit.
scaled() { awk -v v="$1" -v s="$scale" 'BEGIN { printf "%.1f", v / s }'; }

# Fields of "vsecctl status --json", by name, on one line.
ksec_status() {
	vsecctl status --json | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(*(s[k] for k in sys.argv[1:]))' "$@"
}

# For an EXIT trap: a failure between rmmod and insmod must not leave
# kvm-sec out for what runs next.
ksec_reinsert() {
	[ -d /sys/module/kvm_sec ] || insmod "$LAB_MODULE" || true
}

# The smallest of a space-separated list of figures.
best() { printf '%s\n' $1 | sort -g | head -n 1; }

# The head of a table: indent, unit.
bench_head() {
	printf '%s%-32s %12s %10s %8s   %s\n' "$1" "monitor" "$2" "added" "ratio" "rounds"
}

# One row: indent, label, the rounds' figures, the baseline's best.
# Prints the row; sets $bench_best to this row's best.
bench_row() {
	bench_best=$(best "$3")
	printf '%s%-32s %12.1f %10.1f %8.3f   %s\n' "$1" "$2" "$bench_best" \
		"$(awk -v b="$bench_best" -v a="$4" 'BEGIN { print b - a }')" \
		"$(awk -v b="$bench_best" -v a="$4" 'BEGIN { print b / a }')" "$3"
}
