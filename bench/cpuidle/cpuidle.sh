#!/bin/sh
# The cpuidle_ext bench (guest side; bench/run.sh cpuidle). On the simulated cpuidle driver
# (cpuidle_ext_sim: WFI, core-off, cluster-off, system-off, each with an exit latency, a target
# residency and a power figure), the same music-playback workload runs under each arm, the arms
# taking turns round by round (each round in another order):
#   menu       the kernel's menu governor
#   teo        the kernel's teo governor
#   ext        cpuidle_ext with its built-in policy
#   ext-audio  cpuidle_ext with the audio BPF policy attached (bpftool struct_ops register),
#              told through its audio_cfg map that music plays with the workload's period.
#              Only where the kernel has module BTF (the x86_64 btf variant); elsewhere the
#              arm is reported absent, its runs skipped.
# The workload (audiosim, built by cpuidle.disks): a "DSP" on CPU 1 whose timer expires every
# PERIOD_US and wakes the player on CPU 0 by futex, the player works WORK_US and must be done
# DEADLINE_US after the expiry; otherwise the guest is idle. Each run records the kernel's own
# per-state usage, time, above and below of every CPU and the simulator's exit wait per CPU and
# state, before and after (one read each), the wall time between them, every CPU's busy and
# idle time from /proc/stat, the workload's figures and, for ext, the governor's decision
# counters, as "# BENCH {json}" lines for bench/cpuidle/report.py. A run whose workload failed,
# or an ext arm whose decisions were not taken by the policy it names, is red.
. "$SUITE_DIR/ktap.sh"

CPU=/sys/devices/system/cpu
CI=$CPU/cpuidle
E=/sys/kernel/cpuidle_ext
P=/sys/module/cpuidle_ext_sim/parameters
OBJ=$SUITE_DIR/bpf/audio.bpf.o
TOOL=$SUITE_DIR/data/bench.cpuidle/audiosim.$(uname -m)
ROUNDS=${CPUIDLE_BENCH_ROUNDS:-10}
SECONDS_=${CPUIDLE_BENCH_SECONDS:-8}
PERIOD_US=${CPUIDLE_BENCH_PERIOD_US:-5000}
WORK_US=${CPUIDLE_BENCH_WORK_US:-400}
DEADLINE_US=${CPUIDLE_BENCH_DEADLINE_US:-4000}

bench() { echo "# BENCH $*"; }

# The newest BPF map of a type (and value size). bpftool 7.5 names no maps on these kernels
# (see cpuidle_ext/tests/bpf.sh), so maps are found this way.
map_id() {
	bpftool map show | awk -v t="$1" -v v="${2:-}" '
		$1 ~ /^[0-9]+:$/ { id = $1; sub(":", "", id); type = $2; next }
		type == t && (v == "" || $0 ~ ("value " v "B")) { last = id }
		END { print last }'
}
le32() { printf '%d %d %d %d' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
# attach: the audio policy registered (judged by the module) and told music plays.
attach() {
	bpftool struct_ops register "$OBJ" >/dev/null 2>&1
	[ "$(cat $E/ops)" = audio ] || return 1
	# shellcheck disable=SC2046
	bpftool map update id "$(map_id array 16)" key 0 0 0 0 \
		value $(le32 1) $(le32 "$PERIOD_US") $(le32 0) 0 0 0 0
}
detach() {
	case "$(cat $E/ops)" in none | unsupported) return 0 ;; esac
	bpftool map delete id "$(map_id struct_ops)" key 0 0 0 0 && [ "$(cat $E/ops)" = none ]
}

# arm ARM: the governor (and policy) of that arm in place.
arm() {
	detach || return 1
	case $1 in
	menu | teo) echo "$1" > $CI/current_governor ;;
	ext) echo ext > $CI/current_governor ;;
	ext-audio) echo ext > $CI/current_governor && attach ;;
	esac
}

# snap: uptime, then every CPU's usage, time (us), above and below of every state, then the
# simulator's exit wait (us) and its waking interrupts' handler time (us) of every CPU and
# state, one line (FILES is listed once the driver is loaded).
# shellcheck disable=SC2086
snap() { { cat /proc/uptime $FILES | awk '{ printf "%s ", $1 }'; cat $P/exit_wait_us $P/irq_us | tr '\n' ' '; } | sed 's/ *$//'; }
# cpustat: every CPU's user, nice, system, idle, iowait, irq and softirq time from /proc/stat
# (USER_HZ ticks), one line: what the kernel counts as busy, against the states' own time.
cpustat() { awk '/^cpu[0-9]/ { printf "%s %s %s %s %s %s %s ", $2, $3, $4, $5, $6, $7, $8 }' /proc/stat | sed 's/ *$//'; }
# counters: the governor's decision counters (bpf, builtin, clamped).
counters() { cat $E/bpf $E/builtin $E/clamped | tr '\n' ' '; }
# why: the built-in policy's selections per reason and state, and what its history learnt.
why() { cat $E/reasons $E/learnt | tr '\n' ' '; }

ktap_plan 2
ktap_check "modprobe cpuidle_ext_sim and cpuidle_ext" sh -c 'modprobe cpuidle_ext_sim && modprobe cpuidle_ext'
[ -x "$TOOL" ] || { ktap_fail "audiosim built for $(uname -m)" "no $TOOL"; ktap_finish; }
ARMS="menu teo ext ext-audio"
FILES=""
for c in $CPU/cpu[0-9]*; do
	for s in $c/cpuidle/state[0-9]*; do
		FILES="$FILES $s/usage $s/time $s/above $s/below"
	done
done
echo "# module BTF: $(ls /sys/kernel/btf 2>&1 | tr '\n' ' ')"
btf=0
if [ -f /sys/kernel/btf/vmlinux ]; then
	btf=1
fi
ncpu=$(ls -d $CPU/cpu[0-9]* | wc -l)
names=$(cat $CPU/cpu0/cpuidle/state*/name | tr '\n' ' ')
bench "{\"guest\": {\"kernel\": \"$(uname -r)\", \"arch\": \"$(uname -m)\", \"cpus\": $ncpu, \"mem_kb\": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo), \"variant\": \"$SUITE_VARIANT\", \"module_btf\": $btf}, \"driver\": \"$(cat $CI/current_driver)\", \"states\": \"$names\", \"latency_us\": \"$(cat $CPU/cpu0/cpuidle/state*/latency | tr '\n' ' ')\", \"residency_us\": \"$(cat $CPU/cpu0/cpuidle/state*/residency | tr '\n' ' ')\", \"power_mw\": \"$(cat $CPU/cpu0/cpuidle/state*/power | tr '\n' ' ')\", \"active_mw\": $(cat $P/active_mw), \"wake_mw\": $(cat $P/wake_mw), \"rounds\": $ROUNDS, \"seconds\": $SECONDS_, \"period_us\": $PERIOD_US, \"work_us\": $WORK_US, \"deadline_us\": $DEADLINE_US, \"arms\": \"$ARMS\"}"
[ $btf = 1 ] || bench "{\"absent\": \"ext-audio\", \"reason\": \"no module BTF in this kernel: the BPF policy cannot load (the x86_64 btf variant has it)\"}"

before=$(cat $CI/current_governor)
bad=""
r=1
while [ $r -le "$ROUNDS" ]; do
	# Each round starts one arm further on: menu teo ext ext-audio, teo ext ext-audio menu, ...
	order=$(echo $ARMS | awk -v r=$r '{ for (i = 0; i < NF; i++) printf "%s ", $((i + r - 1) % NF + 1) }')
	for a in $order; do
		[ $a = ext-audio ] && [ $btf = 0 ] && continue
		if ! arm $a; then
			bad="$bad $a/$r:arm"
			continue
		fi
		sleep 1 # the governor's history fills on the idle guest
		c1=$(counters) w1=$(why)
		s1=$(snap) t1=$(cpustat)
		out=$("$TOOL" "$SECONDS_" "$PERIOD_US" "$WORK_US" "$DEADLINE_US" 0 1)
		rc=$?
		s2=$(snap) t2=$(cpustat)
		c2=$(counters) w2=$(why)
		gov=$(cat $CI/current_governor) ops=$(cat $E/ops)
		if [ $rc != 0 ] || [ -z "$out" ]; then
			bad="$bad $a/$r:audiosim-exit-$rc"
			continue
		fi
		# Who decided: for ext, the built-in policy alone; for ext-audio, the program alone.
		dec=$(printf '%s\n%s\n' "$c1" "$c2" | awk 'NR == 1 { split($0, a) } NR == 2 { printf "%d %d %d", $1 - a[1], $2 - a[2], $3 - a[3] }')
		set -- $dec
		case $a in
		ext) { [ "$gov $ops" = "ext none" ] || [ "$gov $ops" = "ext unsupported" ]; } && [ "$1" = 0 ] && [ "$2" -gt 0 ] || bad="$bad $a/$r:decided-by-$dec-$gov-$ops" ;;
		ext-audio) [ "$gov $ops" = "ext audio" ] && [ "$1" -gt 0 ] && [ "$2" = 0 ] || bad="$bad $a/$r:decided-by-$dec-$gov-$ops" ;;
		*) [ "$gov" = $a ] || bad="$bad $a/$r:governor-$gov" ;;
		esac
		bench "{\"arm\": \"$a\", \"round\": $r, \"governor\": \"$gov\", \"ops\": \"$ops\", \"decisions\": \"$dec\", \"why_before\": \"$w1\", \"why_after\": \"$w2\", \"before\": \"$s1\", \"after\": \"$s2\", \"cpustat_before\": \"$t1\", \"cpustat_after\": \"$t2\", \"workload\": $out}"
	done
	r=$((r + 1))
done
detach
echo "$before" > $CI/current_governor
ktap_expect_eq "every run measured, each arm's decisions by its own policy" "" "$bad"
ktap_finish
