#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VM's security state across a reload of the module (run in the lab as
# root): vsecctl save, rmmod, insmod, vsecctl restore.
#
#   A  tiny-vm paced, then flooding hypercalls: HSEM's attacker, its
#      hypercalls paced by HSEM
#   B  tiny-vm paced, held at level 2 by the admin (cleared), with the
#      admin's limits and destination-class rule and a rule of its own
#
# 1. save writes every VM's state into a file of the admin's alone; an
#    unprivileged user can neither save nor restore.
# 2. After the reload both VMs are found again (B blank: level 1, a young
#    history, no limit). A file damaged, cut, from another boot, or forged
#    with a value the module could not have written (a level 3; a verdict
#    at level 1; a mean out of range) is refused with the reason, and
#    nothing changes, also for the records before the forged one; restore
#    --check changes nothing either.
# 3. restore gives each VM what it had: level, reason, verdict, reasons,
#    every feature's history, its own rule, the admin's limits and rule,
#    and HSEM's limits derived again, equal to before the reload; its
#    counts of peers per interval, learned at another interval than the
#    one saved at, start again. A record of a VM that is gone is counted,
#    not applied.
# The sampling interval is a minute around the comparisons (a change of
# interval waits for a judge in flight), so that no interval is judged
# between a snapshot and what it is compared with.
set -euo pipefail

ko=${LAB_MODULE:?run this in the lab (make lab CMD=selftests/state.sh)}
. "$(dirname "$0")/host-lib.sh"
. "$(dirname "$0")/hsem-lib.sh"
. "$(dirname "$0")/state-lib.sh"

pids=()
work=$(mktemp -d)
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	grep -q '^kvm_sec ' /proc/modules || insmod "$ko" || true
	vsecctl config set interval-ms 1000 >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

# The value of NAME in enum ENUM of the UAPI header.
uapi_enum() {	# ENUM NAME
	python3 - "$1" "$2" "$(dirname "$0")/../kvm-sec/uapi/linux/kvm_sec.h" <<'EOF'
import re, sys
enum, name, path = sys.argv[1:4]
body = re.search(r"enum %s \{(.*?)\};" % enum, open(path).read(), re.S).group(1)
body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
names = [n.strip().split("=")[0].strip() for n in body.split(",")]
print([n for n in names if n].index(name))
EOF
}
LEVEL=$(uapi_enum kvm_sec_state KVM_SEC_STATE_LEVEL)
HISTORY=$(uapi_enum kvm_sec_state KVM_SEC_STATE_HISTORY)
MEAN=$(uapi_enum kvm_sec_state_feature KVM_SEC_STATE_FEATURE_MEAN)

# Change record N of a state file the way a forger would (the hash made
# to match): attribute TYPE of its state (enum kvm_sec_state) to VALUE;
# with TYPE HISTORY, the mean of its first feature; or the boot ID.
forge() {	# IN OUT boot | IN OUT N TYPE VALUE
	python3 - "$@" "$HISTORY" "$MEAN" <<'EOF'
import struct, sys
args = sys.argv[1:]
src, dst = args[0], args[1]
b = bytearray(open(src, "rb").read())

def attrs(off, end):
    while off < end:
        alen, atype = struct.unpack_from("=HH", b, off)
        yield off, alen, atype & 0x3fff
        off += (alen + 3) & ~3

def put(off, alen, val):
    struct.pack_into({5: "=B", 8: "=I", 12: "=Q"}[alen], b, off + 4, val)

if args[2] == "boot":
    b[24:60] = b"00000000-0000-0000-0000-000000000000"
else:
    n, typ, val, history, mean = map(int, args[2:7])
    off = 64
    for _ in range(n - 1):
        off += 32 + ((struct.unpack_from("=I", b, off + 4)[0] + 3) & ~3)
    start = off + 32
    end = start + struct.unpack_from("=I", b, off + 4)[0]
    for a, alen, t in attrs(start, end):
        if t == typ == history:
            f, flen, _ = next(attrs(a + 4, a + alen))
            m = next(x for x in attrs(f + 4, f + flen) if x[2] == mean)
            put(m[0], m[1], val)
            break
        if t == typ:
            put(a, alen, val)
            break
    else:
        sys.exit("attribute %d not found" % typ)
h = 0xcbf29ce484222325
for c in b[:-8]:
    h = ((h ^ c) * 0x100000001b3) & 0xffffffffffffffff
struct.pack_into("=Q", b, len(b) - 8, h)
open(dst, "wb").write(b)
EOF
}

blank() {	# VM-ID: level 1, no verdict, no limit
	[ "$(vsecctl --json show "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)
d = v["decision"]
print(d["level"] == 1 and d["verdict"] == "none" and
      not any(x.get("size") for x in v.get("limits", {}).values()))')" = True ]
}

echo "TAP version 13"
echo "1..19"
vsecctl config set interval-ms 200 >/dev/null

start_paced_vm a --hypercalls 20 --pace 100
a_pid=$vm_pid
start_paced_vm b --hypercalls 20 --pace 100
b_pid=$vm_pid
a=$(vm_id_of "$a_pid") b=$(vm_id_of "$b_pid")
vsecctl set "$a" warm 10 k 6 >/dev/null
vsecctl set "$b" warm 10 k 7 calm 9 >/dev/null
check "two paced VMs learn their histories (A $a, B $b)" \
	'wait_until "learned 12 $a:hypercalls $b:hypercalls" 180'

verdict_is() { [ "$(decision "$1" 'd["verdict"]')" = "$2" ]; }	# VM-ID VERDICT
paced_by_hsem() { snapshot "$a" | grep -q '"hypercalls": \["hsem"'; }
kill -USR1 "$a_pid"
check "A floods hypercalls: HSEM's attacker, its hypercalls paced by HSEM" \
	'wait_until "verdict_is $a attacker" 120 && wait_until paced_by_hsem 60'
vsecctl level "$b" 2 >/dev/null
vsecctl limit "$b" tx-packets 100/1000 pio 5000/1000+20 block-tx outside,this-host >/dev/null
check "B held at level 2 by the admin, cleared, with the admin's limits" \
	'wait_until "verdict_is $b clear" 60'

freeze
stable_snapshot "$a" "$work/a.before"
stable_snapshot "$b" "$work/b.before"
echo "# A before: $(cut -c1-300 "$work/a.before")..."
t0=$EPOCHREALTIME
vsecctl save "$work/state" >"$work/save.out"
t1=$EPOCHREALTIME
check "save: both VMs into a file of mode 0600 ($(cat "$work/save.out"), $(stat -c %s "$work/state") bytes)" \
	'grep -q "saved the state of 2 VMs" "$work/save.out" &&
	 [ "$(stat -c %a "$work/state")" = 600 ]'
size=$(stat -c %s "$work/state")
echo "# the state of a VM: $(( (size - 72) / 2 )) bytes on average in the file (its 32-byte key included)"
st=0
setpriv --reuid 65534 --regid 65534 --clear-groups vsecctl save /tmp/x.state \
	>/dev/null 2>&1 || st=$?
install -m 0644 "$work/state" /tmp/state.pub
st2=0
setpriv --reuid 65534 --regid 65534 --clear-groups vsecctl restore /tmp/state.pub \
	>/dev/null 2>&1 || st2=$?
rm -f /tmp/state.pub
check "an unprivileged user can neither save (exit $st) nor restore (exit $st2)" \
	'[ "$st" = 5 ] && [ "$st2" = 5 ] && [ ! -e /tmp/x.state ]'

wait_until 'rmmod kvm_sec 2>/dev/null' 30
insmod "$ko"
freeze
found_again() { [ -n "$(vm_id_of "$a_pid")" ] && [ -n "$(vm_id_of "$b_pid")" ]; }
check "both VMs found again after the reload: B blank, A not judged an attacker" \
	'wait_until found_again 30 && a=$(vm_id_of "$a_pid") b=$(vm_id_of "$b_pid") &&
	 blank "$b" && ! verdict_is "$a" attacker'
echo "# after the reload: A is VM $a, B is VM $b"

refused() {	# FILE EXPECTED-MESSAGE EXPECTED-STATUS: refused, and nothing changed
	local st=0 out
	out=$(vsecctl restore "$1" 2>&1) || st=$?
	echo "# restore $(basename "$1"): exit $st: $out"
	[ "$st" = "$3" ] && [[ $out == *"$2"* ]] && blank "$b" &&
		! verdict_is "$a" attacker
}
cp "$work/state" "$work/damaged"
printf '\x7f' | dd of="$work/damaged" bs=1 seek=200 conv=notrunc status=none
check "a damaged file is refused whole" 'refused "$work/damaged" "damaged" 2'
head -c 100 "$work/state" >"$work/cut"
check "a truncated file is refused" 'refused "$work/cut" "truncated" 2'
forge "$work/state" "$work/boot" boot
check "a file of another boot is refused" 'refused "$work/boot" "another boot" 2'
# Record 2 (B) forged: record 1 (A, an attacker) is not applied either.
forge "$work/state" "$work/level3" 2 "$LEVEL" 3
check "a forged level 3 (record 2) is refused by the module; record 1 not applied" \
	'refused "$work/level3" "record 2 (VM $b): invalid value: integer out of range" 2'
forge "$work/state" "$work/l1" 1 "$LEVEL" 1
check "a verdict at level 1 is refused by the module, with its reason" \
	'refused "$work/l1" "level 1 has no verdict" 2'
forge "$work/state" "$work/mean" 2 "$HISTORY" $((1 << 62))
check "a mean out of range (record 2) is refused by the module; record 1 not applied" \
	'refused "$work/mean" "record 2 (VM $b): invalid value: integer out of range" 2'
out=$(vsecctl restore --check "$work/state")
check "restore --check: valid, and nothing changed ($out)" \
	'[ "$out" = "checked 2 of 2 VMs (0 not running, 0 ambiguous)" ] && blank "$b"'

freeze
t2=$EPOCHREALTIME
out=$(vsecctl restore "$work/state")
t3=$EPOCHREALTIME
echo "# vsecctl save took $(( (${t1/./} - ${t0/./}) / 1000 )) ms, restore (check, then apply) $(( (${t3/./} - ${t2/./}) / 1000 )) ms, for 2 VMs (TCG)"
stable_snapshot "$a" "$work/a.after"
stable_snapshot "$b" "$work/b.after"
check "restore: $out" '[ "$out" = "restored 2 of 2 VMs (0 not running, 0 ambiguous)" ]'
check "A: the same level, verdict, reasons, history, rule and HSEM's limits as before" \
	'same_but_per_interval "$work/a.before" "$work/a.after"'
check "B: the same level, verdict, history, own rule, admin's limits and rule" \
	'same_but_per_interval "$work/b.before" "$work/b.after"'
check "A and B: their counts of peers per interval, learned at 200 ms, start again at 60000" \
	'per_interval_restarted "$work/a.before" "$work/a.after" &&
	 per_interval_restarted "$work/b.before" "$work/b.after"'
block_back() {
	python3 -c '
import json, sys
tx, rx, by = json.load(open(sys.argv[1]))["block"]
sys.exit(not (sorted(tx) == ["outside", "this-host"] and not rx and by == "admin"))' "$work/b.after"
}
check "B's destination-class rule is back: the admin's, outside and this host" block_back

kill "$b_pid"
wait "$b_pid" 2>/dev/null || true
out=$(vsecctl restore "$work/state")
check "a record of a VM that is gone is counted, not applied ($out)" \
	'[ "$out" = "restored 1 of 2 VMs (1 not running, 0 ambiguous)" ]'

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
