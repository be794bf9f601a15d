#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unit test of the bash completion (no module needed: VM IDs come from
# "vsecctl --json list", which fails quietly here).
set -u
. "$(dirname "$0")/../completion/vsecctl.bash"
pass=0 fail=0
expect() {
	local want=$1; shift
	COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=()
	_vsecctl
	if [ "${COMPREPLY[*]}" = "$want" ]; then
		pass=$((pass + 1))
	else
		echo "FAIL: [$*] -> '${COMPREPLY[*]}', want '$want'"
		fail=$((fail + 1))
	fi
}
expect "list show config status monitor level interval netdev set limit stats save restore --json --help --version" vsecctl ""
expect "--check" vsecctl restore --c
expect "show status set stats save" vsecctl --json s
expect "tx-packets rx-packets tx-bytes rx-bytes tx-syn rx-syn hypercalls pio mmio cpu block-tx block-rx off" vsecctl limit 3 ""
expect "outside inside this-host link off" vsecctl limit 3 block-tx ""
expect "off" vsecctl limit 3 tx-syn ""
expect "add del" vsecctl netdev 3 ""
expect "config" vsecctl con
expect "set --json" vsecctl config ""
expect "interval-ms prefixes migration-key k m n warm decide calm limit-level2 limit-attack" vsecctl config set ""
expect "k m n warm decide calm limit-level2 limit-attack" vsecctl set 3 ""
expect "global" vsecctl set 3 k ""
expect "k m n warm decide calm limit-level2 limit-attack" vsecctl set 3 k 4 ""
expect "auto 1 2" vsecctl level 3 ""
expect "default" vsecctl interval 3 ""
expect "--pid" vsecctl show --p
expect "--count" vsecctl monitor --c
expect "--prometheus" vsecctl stats ""
expect "--json" vsecctl list ""
expect "" vsecctl monitor --count ""
echo "test_completion: $pass passed, $fail failed"
[ "$fail" = 0 ]
