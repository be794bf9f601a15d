# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the agent's tests (agent.sh, agent_hrem.sh) after host-lib.sh:
# the cgroup v2 mount and machine.slice, vsecd's configuration with a hook
# that logs what it is given, and the CPU time of cgroups. The caller sets
# $work (a directory).

cg=/sys/fs/cgroup

# cgroup v2 mounted, machine.slice made; $work/vsecd.conf with the hook.
agent_setup() {
	grep -q " $cg cgroup2 " /proc/mounts || mount -t cgroup2 none "$cg"
	mkdir -p "$cg/machine.slice"
	cat >"$work/hook" <<HOOK
#!/bin/sh
cat >>"$work/hook.log"
HOOK
	chmod +x "$work/hook"
	printf 'state_dir = %s\nhook = %s\nresync_s = 2\n' "$work/state" \
		"$work/hook" >"$work/vsecd.conf"
}

# What the tests left in machine.slice (for their cleanup).
agent_cleanup_cgroups() {
	local d
	for d in "$cg"/machine.slice/*/kvm-sec-vcpus-* "$cg"/machine.slice/*.scope; do
		[ -d "$d" ] && rmdir "$d" 2>/dev/null || true
	done
	rmdir "$cg/machine.slice" 2>/dev/null || true
}

# The hook was given ACTION for VM ID.
hooked() { grep -q "\"action\":\"$1\",.*\"id\":$2," "$work/hook.log" 2>/dev/null; }

usage_us() { sed -n 's/^usage_usec //p' "$1/cpu.stat"; }
share() {	# CGROUP...: CPU time a second of each, over 3 windows of 1 s
	local i c t0 t1
	local -a u0 u1
	for i in 1 2 3; do
		u0=() u1=()
		for c in "$@"; do u0+=("$(usage_us "$c")"); done
		t0=$EPOCHREALTIME
		sleep 1
		for c in "$@"; do u1+=("$(usage_us "$c")"); done
		t1=$EPOCHREALTIME
		python3 -c "
import sys
n = len(sys.argv) // 2
print(' '.join('%.3f' % ((int(b) - int(a)) / 1e6 / ($t1 - $t0))
      for a, b in zip(sys.argv[1:n + 1], sys.argv[n + 1:])))" "${u0[@]}" "${u1[@]}"
	done
}
