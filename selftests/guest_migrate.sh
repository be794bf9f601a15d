#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VM's security state follows it in a live migration (TAP): two QEMUs in
# the test host, the guest with the guest driver migrated from one to the
# other over a UNIX socket (QMP "migrate", "-incoming"), kvm-sec.ko sealing
# the VM's state on the source and taking it on the destination
# (Documentation/kvm-sec/state.rst).
#
# 1. The source learns its history, floods hypercalls from the guest's
#    user space: HSEM's attacker, at level 2, its hypercalls paced, its
#    driver commanded to level 2; the admin adds a limit of his own.
# 2. Live migration: on the destination the VM has the same decision
#    (level, verdict, reasons, every feature's history), the same limits
#    (HSEM's and the admin's), and its driver the same commanded level;
#    the source's VM is gone with its QEMU. The time the state took on
#    each side is printed next to the migration's downtime.
# 3. The destination migrated again, into a file: a stream whose sealed
#    state has one byte changed loads, the VM runs with a new history, and
#    the refusal is counted by the module and the device; a stream whose
#    state claims 2 GiB is refused by QEMU before anything is allocated;
#    a state sealed under another key is refused. With no migration key,
#    or no module on either side, a VM migrates without its state, and
#    that is counted.
#
# By hand: make qemu && make lab LAB_SMP=1 CMD=selftests/guest_migrate.sh
set -u
cd "$(dirname "$0")"
. ./host-lib.sh		# status_of, wait_until (its ok is guest-lib's)
. lab/guest-lib.sh
. ./hsem-lib.sh
. ./state-lib.sh
tap_begin

guest_work guest-migrate
pids=()
backend=/machine/peripheral/vsem/virtio-backend
cleanup_migrate() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
	grep -q '^kvm_sec ' /proc/modules || insmod "$LAB_MODULE"
	vsecctl config set migration-key none >/dev/null 2>&1
	vsecctl config set interval-ms 1000 >/dev/null 2>&1
	guest_cleanup
}
trap cleanup_migrate EXIT

# The guest: up, then a hypercall flood when told, then its driver's
# levels when told (after the migration), then waits to be stopped.
cat >"$work/guest.sh" <<'GUEST'
d=$(echo /sys/bus/virtio/drivers/virtio_vsem/virtio*)
echo "mig-up"
nc -l -p 5000 </dev/null >/dev/null
echo "mig-flood $(guest_load hypercall 20 2>&1 | tail -n 1)"
nc -l -p 5000 </dev/null >/dev/null
echo "mig-after level $(cat $d/level) commanded $(cat $d/commanded_level)"
nc -l -p 5000 </dev/null >/dev/null
GUEST

# Guest NAME (its QMP socket $work/NAME.qmp, console $work/NAME.console) on
# its own tap, as a migration's destination from URI if given.
start_guest() {	# NAME [URI]
	GUEST_NET=tap GUEST_TAP="vsem-$1" GUEST_ADDR=10.0.3.21/24 \
	GUEST_MAC=52:54:00:00:03:21 GUEST_FILES="$PWD/guest_load" \
	GUEST_TIMEOUT=900 GUEST_QMP="$work/$1.qmp" GUEST_CONSOLE="$work/$1.console" \
	GUEST_INCOMING="${2:-}" \
		lab/guest.sh "$(cat "$work/guest.sh")" >"$work/$1.out" 2>&1 &
	pids+=("$!")
	wait_until "[ -S '$work/$1.qmp' ]" 120
}
qemu_pid() { pgrep -f -- "^[^ ]*qemu-system-x86_64 .*-qmp unix:$work/$1.qmp"; }	# NAME
# The VM ID of guest NAME's QEMU, once kvm-sec tracks it.
vm_of() {	# NAME
	local id= name=$1
	wait_until 'id=$(vm_id_of "$(qemu_pid "$name")") && [ -n "$id" ]' 60
	echo "$id"
}
# Read guest NAME's console from here on (marker).
follow() {	# NAME
	guest_unfollow
	console=$work/$1.console guest_pid=${pids[-1]}
	guest_follow
}
prop() { lab/qom-get "$work/$1.qmp" "$backend" "$2" | cut -d' ' -f2-; }	# NAME PROPERTY
line_of() { tr -d '\r' <"$work/$1.console" 2>/dev/null | grep -m 1 "$2"; }	# NAME REGEX
# Migrate NAME to URI and wait for the end (up to 600 s): its status.
migrate() {	# NAME URI
	local i st
	lab/qmp "$work/$1.qmp" migrate "{\"uri\": \"$2\"}" >/dev/null || return 1
	for ((i = 0; i < 600; i++)); do
		st=$(lab/qmp "$work/$1.qmp" query-migrate)
		case $st in
		*'"status": "completed"'* | *'"status": "failed"'*) break ;;
		esac
		sleep 1
	done
	printf '%s\n' "$st" >"$work/$1.migrate"
	[[ $st == *'"status": "completed"'* ]]
}
# The running state of NAME's VM (QMP query-status).
run_state() { lab/qmp "$work/$1.qmp" query-status | sed -n 's/.*"status": "\([a-z-]*\)".*/\1/p'; }
gone() { [ -z "$(vm_id_of "$1")" ]; }	# PID: its VM no longer tracked

head -c 32 /dev/urandom >"$work/key"
chmod 600 "$work/key"
vsecctl config set migration-key "$work/key"
vsecctl config set interval-ms 200 >/dev/null
vsecctl --json config | grep -q '"migration_key":true'
ok $? "the provider's migration key is set, and only said to be"

# 1. The source: history, then an attacker.
start_guest src
follow src
marker '^mig-up' 300 >/dev/null
ok $? "the source guest runs, with its driver"
src_pid=$(qemu_pid src)
src=$(vm_of src)
vsecctl set "$src" warm 10 k 6 >/dev/null
wait_until "learned 12 $src:hypercalls" 300
ok $? "the source VM ($src) learns its hypercall history"
guest_go 10.0.3.21
verdict_is() { [ "$(decision "$1" 'd["verdict"]')" = "$2" ]; }	# VM-ID VERDICT
paced_by_hsem() { snapshot "$1" | grep -q '"hypercalls": \["hsem"'; }
wait_until "verdict_is $src attacker" 300 && wait_until "paced_by_hsem $src" 60
ok $? "its guest floods hypercalls: HSEM's attacker, paced"
vsecctl limit "$src" tx-packets 100/1000 >/dev/null
src_cmd=$(prop src commanded-level)
[ "$src_cmd" = 2 ]
ok $? "its driver is commanded level 2 ($src_cmd)"

# 2. Live migration over a UNIX socket.
out_before=$(status_of migrations_out) in_before=$(status_of migrations_in)
start_guest dst "unix:$work/mig.sock"
wait_until "[ -S '$work/mig.sock' ]" 120
dst=$(vm_of dst)
# Nothing judged from here on, for a minute: until the destination's
# snapshot (a change of interval waits for a judge in flight).
freeze
stable_snapshot "$src" "$work/src.before"
echo "# source: $(cut -c1-300 "$work/src.before")..."
migrate src "unix:$work/mig.sock"
ok $? "the guest migrates live to the destination QEMU ($(grep -o '"total-time": [0-9]*\|"downtime": [0-9]*' "$work/src.migrate" | tr '\n' ' '))"
wait_until '[ "$(run_state dst)" = running ]' 120
stable_snapshot "$dst" "$work/dst.after"
# The rule in force apart: the source's own rule (warm 10, k 6) is its
# host admin's, and does not travel; the destination's is the global one.
vsecctl --json config >"$work/config"
python3 - "$work/src.before" "$work/dst.after" "$work/config" <<'EOF'
import json, sys
a, b, c = (json.load(open(f)) for f in sys.argv[1:4])
ra, rb = a["decision"].pop("rule"), b["decision"].pop("rule")
for s in (a, b):
    s["decision"].pop("per_interval")
if a != b:
    print("# differs:", json.dumps(a, sort_keys=True)[:400], json.dumps(b, sort_keys=True)[:400])
    sys.exit(1)
g = c["rule"]
if ra.get("k_tenths") != 60 or any(rb.get(k) != v for k, v in g.items() if k in rb):
    print("# rules: source", ra, "destination", rb, "global", g)
    sys.exit(1)
EOF
ok $? "the destination VM ($dst) has the source's decision and limits; the global rule, not the source's own"

[ "$(status_of migrations_out)" = $((out_before + 1)) ] &&
	[ "$(status_of migrations_in)" = $((in_before + 1)) ] &&
	[ "$(prop src host-states-sent)" = 1 ] && [ "$(prop dst host-states-loaded)" = 1 ]
ok $? "one state sealed, carried and taken ($(prop dst host-state-status))"
save_ns=$(prop src host-state-ns) load_ns=$(prop dst host-state-ns)
downtime=$(sed -n 's/.*"downtime": \([0-9]*\).*/\1/p' "$work/src.migrate")
echo "# the state: $(wc -c <"$work/dst.after") bytes shown; sealed and fetched in $((save_ns / 1000)) us on the source, taken in $((load_ns / 1000)) us on the destination; the migration's downtime: $downtime ms"
# The device's commanded level migrates with it: what counts is the
# destination module's answer to the driver's next report.
wait_until '[ "$(prop dst forwarded)" -ge 1 ]' 120 &&
	[ "$(prop dst commanded-level)" = "$src_cmd" ]
ok $? "the destination's module commands the driver the same level ($(prop dst forwarded) reports answered)"
follow dst
guest_go 10.0.3.21
after=$(marker '^mig-after' 120)
echo "# guest: $after"
[[ $after == "mig-after level 2 commanded 2" ]]
ok $? "the guest's driver, migrated, is at level 2 as commanded"
lab/qmp "$work/src.qmp" quit >/dev/null 2>&1
wait_until "gone $src_pid" 60 && ! vsecctl --json show "$src" >/dev/null 2>&1
ok $? "the source's VM is gone with its QEMU, and its state with it"

# 3. Streams into a file: the state's seal and size are checked.
migrate dst "exec:cat > $work/stream"
ok $? "the destination migrates again, into a file"
lab/qmp "$work/dst.qmp" quit >/dev/null 2>&1
# Offset of the sealed state in the stream: after the subsection's name,
# its version (4 bytes) and its length (4 bytes, big-endian).
python3 - "$work/stream" "$work" <<'EOF'
import struct, sys
b = open(sys.argv[1], "rb").read()
name = b"virtio-vsem-device/host-state"
at = b.find(name)
assert at > 0, "no host-state subsection"
off = at + len(name) + 4
n = struct.unpack_from(">I", b, off)[0]
state = off + 4
# One byte of the state (in its header: magic, version, length; then the
# state): the last byte before the MAC.
flip = bytearray(b)
flip[state + n - 33] ^= 0x01
open(sys.argv[2] + "/stream.flip", "wb").write(flip)
big = bytearray(b)
struct.pack_into(">I", big, off, 0x7fffffff)
open(sys.argv[2] + "/stream.big", "wb").write(big)
print("# the subsection holds %d bytes" % n)
EOF
refused_before=$(status_of migrations_refused)
start_guest flip "exec:cat $work/stream.flip"
wait_until '[ "$(run_state flip)" = running ]' 300
ok $? "a stream with one byte of the state changed loads, and the VM runs"
flip=$(vm_of flip)
[ "$(prop flip host-states-refused)" = 1 ] &&
	[ "$(status_of migrations_refused)" = $((refused_before + 1)) ] &&
	prop flip host-state-status | grep -q "seal does not verify"
ok $? "the module refused its state, counted ($(prop flip host-state-status))"
[ "$(decision "$flip" '(d["level"], d["verdict"], d["intervals"] < 5)')" = "(1, 'none', True)" ]
ok $? "that VM starts a new history: level 1, no verdict"

# Without a key, a VM migrates without its state, counted.
vsecctl config set migration-key none
unkeyed_before=$(status_of migrations_unkeyed)
migrate flip "exec:cat > $work/stream.unkeyed"
st=$?
! grep -q "virtio-vsem-device/host-state" "$work/stream.unkeyed" &&
	[ "$st" = 0 ] && [ "$(prop flip host-states-unsent)" = 1 ] &&
	[ "$(status_of migrations_unkeyed)" = $((unkeyed_before + 1)) ]
ok $? "with no migration key the VM migrates without its state, counted"
lab/qmp "$work/flip.qmp" quit >/dev/null 2>&1

# Another key on the destination: the seal does not verify.
head -c 32 /dev/urandom >"$work/key2"
chmod 600 "$work/key2"
vsecctl config set migration-key "$work/key2"
start_guest other "exec:cat $work/stream"
wait_until '[ "$(run_state other)" = running ]' 300
prop other host-state-status | grep -q "seal does not verify"
ok $? "a state sealed under another key is refused ($(prop other host-state-status))"
lab/qmp "$work/other.qmp" quit >/dev/null 2>&1

# No module on either side: the VM migrates, without its state, counted
# by the device.
rmmod kvm_sec
start_guest nomod "exec:cat $work/stream"
wait_until '[ "$(run_state nomod)" = running ]' 300 &&
	[ "$(prop nomod host-states-refused)" = 1 ] &&
	prop nomod host-state-status | grep -q "not loaded"
ok $? "with no module on the destination the VM runs, counted ($(prop nomod host-state-status))"
migrate nomod "exec:cat > $work/stream.nomod"
st=$?
[ "$st" = 0 ] && [ "$(prop nomod host-states-unsent)" = 1 ] &&
	! grep -q "virtio-vsem-device/host-state" "$work/stream.nomod"
ok $? "and it migrates out with no module on the source, counted ($(prop nomod host-state-status))"
lab/qmp "$work/nomod.qmp" quit >/dev/null 2>&1
insmod "$LAB_MODULE"

# A size from the stream is checked before it is allocated.
GUEST_NET=tap GUEST_TAP=vsem-big GUEST_ADDR=10.0.3.21/24 GUEST_MAC=52:54:00:00:03:21 \
	GUEST_TIMEOUT=300 GUEST_CONSOLE="$work/big.console" \
	GUEST_INCOMING="exec:cat $work/stream.big" \
	lab/guest.sh true >"$work/big.out" 2>&1
grep -q "host state of 1 to 8192 bytes" "$work/big.out"
ok $? "a stream whose state claims 2 GiB is refused by QEMU, naming the check"

tap_end
