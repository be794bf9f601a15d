#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The guest driver's cost on the network path, with several flows on
# several vCPUs (make bench-guest). In the test host: a guest with
# GUEST_SMP (2) vCPUs runs udp_flood, one thread per vCPU sending 64-byte
# UDP datagrams round-robin to 16 destinations (static ARP entries to
# QEMU's gateway, so every datagram leaves through virtio-net), for
# BENCH_SECONDS (5) at a time: without the driver, with it at level 1 and
# at level 2 (commanded), BENCH_ROUNDS (3) times in turn. Prints the
# datagrams per second of each, the ratio to the rounds without the
# driver, and the hook's cost per packet (sysfs hook_cost_ns, sampled one
# packet in 64, over hook_packets). Figures, not a test: under nested TCG
# they are noisy, compare them within one run.
set -u
cd "$(dirname "$0")"
PATH=$PWD/../userspace:$PATH
. lab/guest-lib.sh
tap_begin

secs=${BENCH_SECONDS:-5} rounds=${BENCH_ROUNDS:-3}
guest_work guest-bench

cat >"$work/guest.sh" <<GUEST
secs=$secs rounds=$rounds
GUEST
cat >>"$work/guest.sh" <<'GUEST'
drv=/sys/bus/virtio/drivers/virtio_vsem
waitfor() { i=0; while [ "$(cat $1 2>/dev/null)" != "$2" ]; do i=$((i + 1)); [ $i -gt 600 ] && { echo "bench-timeout $1 $2"; exit 1; }; sleep 0.3; done; }
i=100; while [ $i -lt 116 ]; do arp -i eth0 -s 10.0.2.$i 52:55:0a:00:02:02; i=$((i + 1)); done
echo "bench-vcpus $(nproc)"
run() {	# label: datagrams, failures, per second; hook ns and packets
	d=$(echo $drv/virtio*)
	c0=$(cat $d/hook_cost_ns 2>/dev/null || echo 0) p0=$(cat $d/hook_packets 2>/dev/null || echo 0)
	out=$(udp_flood 10.0.2.100 16 $secs)
	c1=$(cat $d/hook_cost_ns 2>/dev/null || echo 0) p1=$(cat $d/hook_packets 2>/dev/null || echo 0)
	echo "bench $1 $out $((c1 - c0)) $((p1 - p0))"
}
r=0
while [ $r -lt $rounds ]; do
	rmmod virtio_vsem
	run none
	insmod /modules/99-virtio_vsem.ko
	waitfor "$(echo $drv/virtio*)/commanded_level" 1
	run level1
	echo "bench-want-level2"
	waitfor "$(echo $drv/virtio*)/level" 2
	run level2
	echo "bench-round-done"
	waitfor "$(echo $drv/virtio*)/commanded_level" 1
	r=$((r + 1))
done
GUEST

GUEST_CONSOLE=$console GUEST_QMP=$qmp GUEST_TIMEOUT=1800 \
GUEST_SMP=${GUEST_SMP:-2} GUEST_FILES=$PWD/udp_flood \
	lab/guest.sh --device virtio-vsem-pci,id=vsem \
	"$(cat "$work/guest.sh")" >"$guest_log" 2>&1 &
guest_pid=$!
guest_follow

line=$(marker '^bench-vcpus ' 300)
ok $? "the guest runs ($line)"
vm_id=$(vsecctl --json list | python3 -c 'import json,sys; l=json.load(sys.stdin); print(l[0]["id"] if len(l) == 1 else "")')
[ -n "$vm_id" ] || { echo "Bail out! no VM"; exit 1; }
results=$work/results
for _ in $(seq "$rounds"); do
	vsecctl level "$vm_id" 1
	for phase in none level1; do
		marker "^bench $phase " 300 >>"$results"
	done
	marker '^bench-want-level2' 300 >/dev/null
	vsecctl level "$vm_id" 2
	marker '^bench level2 ' 300 >>"$results"
	marker '^bench-round-done' 300 >/dev/null
done
vsecctl level "$vm_id" 1
wait "$guest_pid"
st=$?
guest_pid=
ok "$st" "the guest finished cleanly"
sed 's/^/# /' "$results"
awk -v secs="$secs" '
	{ pps[$2] += $5; n[$2]++; ns[$2] += $6; pk[$2] += $7 }
	END {
		base = pps["none"] / n["none"]
		printf "# datagrams/s, mean of %d rounds of %d s, 16 destinations:\n", n["none"], secs
		for (i = 1; i <= 3; i++) {
			p = i == 1 ? "none" : i == 2 ? "level1" : "level2"
			printf "#   %-8s %10.0f /s  ratio %.3f", p, pps[p] / n[p], pps[p] / n[p] / base
			if (pk[p] > 0)
				printf "  hook %.0f ns/packet (%d packets)", ns[p] / pk[p], pk[p]
			printf "\n"
		}
	}' "$results"
tap_end
