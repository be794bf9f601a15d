# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the tests of a VM's state moving (state.sh, guest_migrate.sh)
# after hsem-lib.sh: what moves with a VM, as vsecctl shows it, compared
# before and after.

# What moves with a VM, as vsecctl shows it: its decision (but the other
# VM of a verdict, known by an ID of the module that judged it) and the
# limits in force, without their tokens and counts. Its counts of peers
# per interval are apart ("per_interval"): learned at another interval
# than the one it is saved at, they start again.
snapshot() {	# VM-ID
	vsecctl --json show "$1" | python3 -c '
import json, sys
v = json.load(sys.stdin)
d = v["decision"]
d.pop("peer_vm", None)
d["per_interval"] = {k: d["features"].pop(k) for k in ("destinations", "sources")}
lim = {k: (x["set_by"], x["size"], x.get("refill_ms"))
       for k, x in v.get("limits", {}).items() if x.get("size")}
b = v.get("block", {})
print(json.dumps({"decision": d, "limits": lim,
                  "block": (b.get("tx"), b.get("rx"), b.get("set_by"))},
                 sort_keys=True))'
}
# A snapshot two reads in a row agree on: no interval judged under it.
stable_snapshot() {	# VM-ID FILE
	local a b
	a=$(snapshot "$1")
	while b=$(snapshot "$1") && [ "$a" != "$b" ]; do a=$b; done
	printf '%s\n' "$a" >"$2"
}
# A minute before the next interval is judged, from now: a change of
# interval waits for a judge in flight, and re-arms the sampler.
freeze() {
	vsecctl config set interval-ms 59999 >/dev/null
	vsecctl config set interval-ms 60000 >/dev/null
}
# The decision and limits of the two snapshots are the same, but the
# counts per interval.
same_but_per_interval() {	# BEFORE AFTER
	python3 -c '
import json, sys
a, b = (json.load(open(f)) for f in sys.argv[1:3])
a["decision"].pop("per_interval"), b["decision"].pop("per_interval")
if a != b:
    print("# differs:", json.dumps(a, sort_keys=True)[:400], json.dumps(b, sort_keys=True)[:400])
    sys.exit(1)' "$1" "$2"
}
# The counts per interval were learned before, and start again after.
per_interval_restarted() {	# BEFORE AFTER
	python3 -c '
import json, sys
pa, pb = (json.load(open(f))["decision"]["per_interval"] for f in sys.argv[1:3])
sys.exit(not all(x["learned"] > 0 for x in pa.values()) or
         not all(x["learned"] == 0 and x["mean"] == 0 for x in pb.values()))' "$1" "$2"
}
