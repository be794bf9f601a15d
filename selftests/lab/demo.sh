#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kvm-sec demo (make demo), run in the test host: three VMs of different
# behaviour, seen by kvm-sec.ko and shown by vsecctl; HSEM judging calm VMs
# and one that floods another over a bridge (attacker and victim, with
# their reasons; the attacker limited, its vCPU capped by the agent vsecd,
# then both cleared and the limits lifted); then a Linux guest with QEMU's virtio-vsem
# (make demo builds QEMU first) whose driver reports to the host, and a
# level the host commands.
set -euo pipefail

held_fds=()
held_pids=()

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

# Start a held VM; wait (blocking read) until its guest has halted.
held() {
	local dir line fd_in fd_out
	dir=$(mktemp -d)
	mkfifo "$dir/in" "$dir/out"
	tiny-vm "$@" --hold <"$dir/in" >"$dir/out" &
	held_pids+=("$!")
	exec {fd_in}>"$dir/in" {fd_out}<"$dir/out"
	held_fds+=("$fd_in")
	while read -r line <&"$fd_out"; do
		[[ $line == ready* ]] && break
	done
}

say "kvm-sec is loaded into this test host's KVM"
lsmod | grep -E '^(kvm_sec|kvm_amd|kvm_intel|kvm) '
vsecctl config set interval-ms 500
vsecctl config

# Listen to the events group first; vsecctl says on stderr once subscribed.
mon=$(mktemp -d)
mkfifo "$mon/err"
vsecctl monitor --json --count 6 >"$mon/events.json" 2>"$mon/err" &
monitor=$!
exec {mon_fd}<"$mon/err"
read -r line <&"$mon_fd"
[[ $line == *listening* ]] || { echo "demo: vsecctl monitor: $line" >&2; exit 1; }

say "Three VMs: a hypercall caller, a serial-port writer, an MMIO flooder"
held --hypercalls 5000 --hypercall-nr 12
held --port-writes 2000 --port 0x3f8
tiny-vm --mmio-writes 1 --mmio-gpa 0xfe000 --forever &
flooder=$!

# Let the sampler see a few intervals of the flooder (demo pacing).
sleep 2
say "vsecctl list"
vsecctl list
say "vsecctl show --pid $flooder  (the flooder: note its MMIO rate)"
vsecctl show --pid "$flooder"
say "vsecctl show 1 --json  (machine-readable)"
vsecctl show --json 1

say "The flooder exits; kvm-sec announces it on the events group"
kill "$flooder"
wait "$flooder" 2>/dev/null || true
vsecctl list
vsecctl status

say "The held VMs exit too (their stdin closes); nothing is left"
for fd in "${held_fds[@]}"; do
	exec {fd}>&-
done
wait "${held_pids[@]}"
vsecctl list
vsecctl status | head -n 3
# Three VMs came and went: the monitor stops by itself after six events.
wait "$monitor"

say "Events seen by 'vsecctl monitor --json' meanwhile"
cat "$mon/events.json"

# HSEM decides. Three VMs with a steady load learn their histories: A and
# B exchange a few frames over a bridge, C makes hypercalls. A floods B:
# A is called an attacker naming B, B a victim naming A, with the reasons,
# and HSEM limits what A sends (its tap drops the excess); A calms down,
# both are cleared and A's limits lifted. C is left alone.
paced() {	# NAME TINY-VM-ARGS...: prints nothing; sets paced_pid
	local dir line
	dir=$(mktemp -d)
	mkfifo "$dir/out"
	tiny-vm --pace 100 "$@" >"$dir/out" &
	exec {paced_fd}<"$dir/out"
	read -r line <&"$paced_fd"
	paced_pid=${line#ready pid }
}
id_of() { vsecctl --json list | python3 -c 'import json,sys; print(next(v["id"] for v in json.load(sys.stdin) if v["pid"] == int(sys.argv[1])))' "$1"; }
learned() { vsecctl --json show "$1" | python3 -c 'import json,sys; sys.exit(json.load(sys.stdin)["decision"]["features"][sys.argv[1]]["learned"] < 12)' "$2"; }
verdict() { vsecctl --json show "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["decision"]["verdict"])'; }
# HSEM's limit on what the VM sends, and what it dropped: "hsem 12"; "none 12".
tx_limit() { vsecctl --json show "$1" | python3 -c '
import json,sys
l = json.load(sys.stdin).get("limits", {}).get("tx_packets", {})
print(l.get("set_by", "none"), l.get("drops", 0))'; }
until_true() { local i; for ((i = 0; i < 400; i++)); do "$@" && return 0; sleep 0.3; done; return 1; }

# The agent, with a hook that logs what it is given.
agent_capped() { vsecctl --json show "$1" | python3 -c '
import json,sys
a = json.load(sys.stdin).get("agent", {})
sys.exit(not a.get("cpu_quota_us"))'; }
grep -q " /sys/fs/cgroup cgroup2 " /proc/mounts || mount -t cgroup2 none /sys/fs/cgroup
printf '#!/bin/sh\ncat >>%s/hook.log\n' "$mon" >"$mon/hook"
chmod +x "$mon/hook"
printf 'state_dir = %s/vsecd\nhook = %s/hook\n' "$mon" "$mon" >"$mon/vsecd.conf"
say "vsecd, the agent: applies CPU limits as cgroup cpu.max, runs a hook"
vsecd --config "$mon/vsecd.conf" 2>"$mon/vsecd.log" &
vsecd_pid=$!
until_true grep -q "^vsecd: running" "$mon/vsecd.log"
cat "$mon/vsecd.log"

say "HSEM: VMs A and B talk over bridge ksdemo0, VM C makes hypercalls; they learn their histories"
[ -c /dev/net/tun ] || modprobe tun
ip link add ksdemo0 type bridge
ip link set ksdemo0 up
paced --tap ksda0 --hypercalls 10 --frames 10 --flood-frames 100 \
	--src 10.77.0.1 --dst 10.77.0.2; a_pid=$paced_pid
paced --tap ksdb0 --hypercalls 10 --frames 10 --src 10.77.0.2 \
	--dst 10.77.0.1; b_pid=$paced_pid
paced --hypercalls 20; c_pid=$paced_pid
ip link set ksda0 master ksdemo0
ip link set ksdb0 master ksdemo0
a_vm=$(id_of "$a_pid") b_vm=$(id_of "$b_pid") c_vm=$(id_of "$c_pid")
# A short warm-up for the demo (default 20 intervals); K 6 for the lab's
# coarse timers.
for v in "$a_vm" "$b_vm" "$c_vm"; do vsecctl set "$v" warm 10 k 6; done
vsecctl monitor >"$mon/hsem.txt" 2>/dev/null &
hsem_mon=$!
until_true learned "$a_vm" tx_packets
until_true learned "$b_vm" rx_packets
until_true learned "$c_vm" hypercalls
vsecctl list

say "VM $a_vm (A) floods VM $b_vm (B): A attacker naming B, B victim naming A, with the reasons"
kill -USR1 "$a_pid"
until_true eval '[ "$(verdict "$a_vm")" = attacker ] && [ "$(verdict "$b_vm")" = victim ]'
vsecctl list
vsecctl show "$a_vm" | sed -n '/HSEM/,$p'
vsecctl show "$b_vm" | sed -n '/HSEM/,/reasons/p'

say "HSEM limits A, an attacker, to what its history allows; A's tap drops the rest, vsecd caps its vCPU"
until_true eval '[[ $(tx_limit "$a_vm") == hsem\ [1-9]* ]]'
until_true agent_capped "$a_vm"
vsecctl show "$a_vm" | sed -n '/Limits/,$p'

say "A calms down: both cleared, back at level 1, A's limits lifted; C was never touched"
kill -USR2 "$a_pid"
until_true eval '[ "$(verdict "$a_vm")" = none ] && [ "$(verdict "$b_vm")" = none ] &&
	[[ $(tx_limit "$a_vm") == none\ * ]]'
until_true eval '! agent_capped "$a_vm"'
vsecctl list
vsecctl show "$a_vm" | sed -n '/Limits/,$p'
say "What vsecd did, and gave its hook"
kill "$vsecd_pid"
wait "$vsecd_pid" || true
cat "$mon/vsecd.log"
cat "$mon/hook.log"
say "vsecctl stats --prometheus  (levels and verdicts, for a collector)"
vsecctl stats --prometheus >"$mon/prom"
grep -E "^kvmsec_vm_(level|near_capacity)|^kvmsec_vm_verdict.* 1$" "$mon/prom"
kill "$hsem_mon" "$a_pid" "$b_pid" "$c_pid"
wait "$hsem_mon" "$a_pid" "$b_pid" "$c_pid" 2>/dev/null || true
ip link del ksdemo0

say "What 'vsecctl monitor' printed meanwhile"
cat "$mon/hsem.txt"

if [ -z "${LAB_GUEST_QEMU:-}" ]; then
	say "No QEMU with virtio-vsem ('make qemu'): no guest driver part"
	exit 0
fi

say "A Linux guest with -device virtio-vsem-pci and its driver (virtio_vsem.ko)"
vsecctl config set prefixes 10.0.2.0/24
vsecctl config
here=$(cd "$(dirname "$0")" && pwd)
. "$here/guest-lib.sh"
console=$(mktemp)
GUEST_CONSOLE=$console "$here/guest.sh" '
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
waitseq() { t=$(( $(cat $d/seq) + $1 )); while [ $(cat $d/seq) -lt $t ]; do sleep 0.3; done; }
ping -i 0.2 -w 300 10.0.2.2 >/dev/null &
p=$!
waitseq 3
echo "demo-reported"
while [ "$(cat $d/level)" != 2 ]; do sleep 0.3; done
waitseq 1
echo "demo-level2 $(cat $d/flows) flows"
while [ "$(cat $d/commanded_level)" != 1 ]; do sleep 0.3; done
kill $p 2>/dev/null
echo "guest: driver state in sysfs:"
for f in level interval_ms seq reports_sent switches cost_ns running_ns; do
	echo "  $f $(cat $d/$f)"
done
' &
guest_pid=$!
guest_follow
marker '^demo-reported' >/dev/null
vm=$(vsecctl --json list | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
say "vsecctl show $vm  (the guest is pinging 10.0.2.2; its driver reports every second)"
vsecctl show "$vm" | sed -n '/guest driver/,$p'
say "vsecctl level $vm 2  (the host commands level 2: flows with their processes)"
vsecctl level "$vm" 2
marker '^demo-level2' >/dev/null
vsecctl show "$vm" | sed -n '/guest driver/,$p'
say "vsecctl level $vm 1; the guest stops"
vsecctl level "$vm" 1
wait "$guest_pid"
guest_unfollow

say "Two guests on taps in a bridge (vhost-net), no guest driver: the host's own network view"
vsecctl config set prefixes 10.0.0.0/8
"$here/bridge.sh" br-vsem
ca=$(mktemp) cb=$(mktemp)
common='
until ping -c 1 -W 1 $peer >/dev/null 2>&1; do :; done
echo demo-peer-up'
GUEST_NET=tap GUEST_TAP=vsem-a GUEST_ADDR=10.0.3.11/24 GUEST_MAC=52:54:00:00:03:11 \
GUEST_DRIVER= GUEST_FILES="$here/../net_probe" GUEST_CONSOLE=$ca GUEST_TIMEOUT=600 \
	"$here/guest.sh" --device none "peer=10.0.3.12
$common
ip route add default via 10.0.3.1
ping -c 10 -i 0.2 \$peer >/dev/null
net_probe udp \$peer 9 300 200
net_probe tcp \$peer 7
net_probe udp 10.20.0.1 9 20 100
net_probe udp 198.51.100.1 9 10 100
echo demo-sent
nc -l -p 5000 </dev/null >/dev/null" >/dev/null &
ga=$!
GUEST_NET=tap GUEST_TAP=vsem-b GUEST_ADDR=10.0.3.12/24 GUEST_MAC=52:54:00:00:03:12 \
GUEST_DRIVER= GUEST_CONSOLE=$cb GUEST_TIMEOUT=600 \
	"$here/guest.sh" --device none "peer=10.0.3.11
$common
nc -l -p 5000 </dev/null >/dev/null" >/dev/null &
gb=$!
console=$ca guest_pid=$ga
guest_follow
marker '^demo-sent' 600 >/dev/null
guest_unfollow
for tap in vsem-a vsem-b; do
	for id in $(vsecctl --json list | grep -o '"id":[0-9]*' | grep -o '[0-9]*$'); do
		vsecctl --json show "$id" | grep -q "\"name\":\"$tap\"" || continue
		say "vsecctl show $id  (the VM on $tap: its network section)"
		vsecctl show "$id" | sed -n '/^  network/,$p'
	done
done
guest_go 10.0.3.11
guest_go 10.0.3.12
wait "$ga" "$gb" || true
vsecctl status | tail -n 4
