# SPDX-License-Identifier: GPL-2.0
#
# Shared by bench.sh and bench_tap.sh: the figures of several monitors,
# each the best of several rounds, printed against the baseline.

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
