#!/bin/sh
# `make demo`: cpuidle_ext on the simulated cpuidle driver (WFI, core-off, cluster-off,
# system-off). A "music" loop (a process waking every 10 ms) runs for two seconds under menu,
# then under ext with its built-in policy: the kernel's per-state entries and residency for
# each, an energy estimate from the states' power figures, and the governor's counters. Where
# the kernel has module BTF (the btf variant), the same under the audio BPF policy told that
# music plays with a 10 ms period. TCG guest: the shares are what to look at, not the times.
. "$SUITE_DIR/ktap.sh"

CPU=/sys/devices/system/cpu
CI=$CPU/cpuidle
E=/sys/kernel/cpuidle_ext

say() { echo "# $*"; }

# per_state FILE: the kernel's per-state FILE summed over the CPUs.
per_state() {
	for s in 0 1 2 3; do
		cat $CPU/cpu[0-9]*/cpuidle/state$s/"$1" | awk '{ n += $1 } END { printf "%d ", n }'
	done
}

# run GOVERNOR LABEL: two seconds of the music loop under GOVERNOR; prints entries, residency
# and energy (mW x ms, from each state's power file) per state.
run() {
	echo "$1" > $CI/current_governor
	u1=$(per_state usage) t1=$(per_state time)
	( end=$(($(date +%s) + 2)); while [ "$(date +%s)" -lt $end ]; do sleep 0.01; done )
	u2=$(per_state usage) t2=$(per_state time)
	power=$(cat $CPU/cpu0/cpuidle/state[0-3]/power | tr '\n' ' ')
	printf '%s\n%s\n%s\n%s\n%s\n' "$u1" "$u2" "$t1" "$t2" "$power" | awk -v label="$2" '
		NR == 1 { split($0, u1) } NR == 2 { split($0, u2) } NR == 3 { split($0, t1) }
		NR == 4 { split($0, t2) }
		NR == 5 { for (i = 1; i <= 4; i++) { e += (t2[i] - t1[i]) / 1000 * $i; ms += (t2[i] - t1[i]) / 1000 }
			printf "# %-22s entries %5d %5d %5d %5d   idle ms %6d %6d %6d %6d   energy %d mW.ms (%d ms idle)\n",
				label, u2[1]-u1[1], u2[2]-u1[2], u2[3]-u1[3], u2[4]-u1[4],
				(t2[1]-t1[1])/1000, (t2[2]-t1[2])/1000, (t2[3]-t1[3])/1000, (t2[4]-t1[4])/1000, e, ms }'
}

ktap_plan 1
rmmod cpuidle_ext_sim 2>/dev/null
modprobe cpuidle_ext_sim && modprobe cpuidle_ext
say "states: $(cat $CPU/cpu0/cpuidle/state[0-3]/name | tr '\n' ' ')"
say "exit latency (us): $(cat $CPU/cpu0/cpuidle/state[0-3]/latency | tr '\n' ' ')residency (us): $(cat $CPU/cpu0/cpuidle/state[0-3]/residency | tr '\n' ' ')power (mW): $(cat $CPU/cpu0/cpuidle/state[0-3]/power | tr '\n' ' ')"
say "governors: $(cat $CI/available_governors)"
before=$(cat $CI/current_governor)
say "music loop, 2 s each:              WFI  core cluster system"
run menu menu
run teo teo
run ext "ext (built-in policy)"
if [ "$(cat $E/ops)" != unsupported ] && [ -f "$SUITE_DIR/bpf/audio.bpf.o" ]; then
	# bpftool 7.5 names no maps here and crashes after registering a module's struct_ops
	# (see bpf.sh): the maps are found by type.
	bpftool struct_ops register "$SUITE_DIR/bpf/audio.bpf.o" >/dev/null 2>&1
	ids() { bpftool map show | awk -v t="$1" '$1 ~ /^[0-9]+:$/ && $2 == t { id = $1 } END { sub(":", "", id); print id }'; }
	# mode 1 (playing), period 10000 us (0x2710)
	bpftool map update id "$(ids array)" key 0 0 0 0 value 1 0 0 0 0x10 0x27 0 0 0 0 0 0 0 0 0 0
	run ext "ext + audio BPF"
	bpftool map delete id "$(ids struct_ops)" key 0 0 0 0
else
	say "(no module BTF in this kernel: the audio BPF policy needs the btf variant)"
fi
say "cpuidle_ext counters: selected [$(cat $E/selected)] builtin $(cat $E/builtin) bpf $(cat $E/bpf) clamped $(cat $E/clamped)"
say "struct_ops: ops $(cat $E/ops), attached $(cat $E/attached), detached $(cat $E/detached)"
echo "$before" > $CI/current_governor
rmmod cpuidle_ext_sim
ktap_check "rmmod cpuidle_ext is refused (the governor cannot be unregistered)" sh -c "! rmmod cpuidle_ext 2>/dev/null"
ktap_finish
