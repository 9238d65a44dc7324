#!/bin/sh
# cpuidle_ext with its BPF policy (cpuidle_ext/bpf/audio.bpf.c, loaded with bpftool struct_ops
# register) on the simulated cpuidle driver: attach, decisions taken by the program (timers
# only, then music playing with a 10 ms period), a program returning garbage clamped, detach
# under load back to the built-in policy. Then a test-only program (tests/probe.bpf.c, every op
# counting its calls in a pinned map) for the other ops and the state-mask kfunc: init on
# attach and init refusing it, enable and disable on a governor switch, reflect after each
# selection, a state masked and unmasked, an index out of range refused, exit on detach and the
# mask gone with the program. Last, the Rust loader (tools/cpuidle-ext-audio, built for the
# host's arch only) attaches, configures and detaches the audio policy. It needs module BTF: on
# kernels without it (every kernel of make check but the btf variant, see make check-bpf) each
# test is skipped.
. "$SUITE_DIR/ktap.sh"

CPU=/sys/devices/system/cpu
CI=$CPU/cpuidle
E=/sys/kernel/cpuidle_ext
OBJ=$SUITE_DIR/bpf/audio.bpf.o
PROBE=$SUITE_DIR/data/cpuidle_ext.bpf/probe.bpf.o
PIN=/sys/fs/bpf
LOADER=$SUITE_DIR/data/cpuidle_ext.bpf/cpuidle-ext-audio.$(uname -m)
PLAN=32

say() { echo "# $*"; }

# nth N LIST: the Nth (from 1) number of a list.
nth() { echo "$2" | awk -v n="$1" '{ print $n }'; }

# delta BEFORE AFTER: the per-state differences of two lists.
delta() { printf '%s\n%s\n' "$1" "$2" | awk 'NR == 1 { split($0, a) } NR == 2 { for (i = 1; i <= NF; i++) printf "%d ", $i - a[i] }' | sed 's/ $//'; }

# bpftool 7.5 (trixie's) does two things wrong here: it names no maps (libbpf tests name
# support by loading a socket filter program, and the suite's kernels have no networking), and
# it crashes after registering a module's struct_ops (it looks the type's name up in vmlinux's
# BTF). So maps are found by type and value size, and outcomes are read from the module.
# map_id TYPE [VALUE_BYTES]: the newest map of that type (and value size).
map_id() {
	bpftool map show | awk -v t="$1" -v v="${2:-}" '
		$1 ~ /^[0-9]+:$/ { id = $1; sub(":", "", id); type = $2; next }
		type == t && (v == "" || $0 ~ ("value " v "B")) { last = id }
		END { print last }'
}

# attach: bpftool struct_ops register, judged by the module (ops audio).
attach() {
	bpftool struct_ops register "$OBJ" >/dev/null 2>&1
	[ "$(cat $E/ops)" = audio ]
}

# detach: deleting the struct_ops map's element unregisters it.
detach() { bpftool map delete id "$(map_id struct_ops)" key 0 0 0 0; }

# cfg MODE PERIOD_US GARBAGE: writes the program's audio_cfg map (little-endian u32, u32, s32).
le32() { printf '%d %d %d %d' $(($1 & 255)) $((($1 >> 8) & 255)) $((($1 >> 16) & 255)) $((($1 >> 24) & 255)); }
cfg() {
	# shellcheck disable=SC2046
	bpftool map update id "$(map_id array 16)" key 0 0 0 0 \
		value $(le32 "$1") $(le32 "$2") $(le32 "$3") 0 0 0 0
}

# window SECONDS: sets d (selected per state), nb (bpf decisions), nf (built-in ones) and nc
# (clamped) over the next SECONDS. One process reads the four files, but CPUs keep deciding
# while it does: counts compared with each other may differ by a decision or two (near).
window() {
	secs=$1
	r1=$(cat $E/selected $E/bpf $E/builtin $E/clamped)
	sleep "$secs"
	r2=$(cat $E/selected $E/bpf $E/builtin $E/clamped)
	d=$(delta "$(echo "$r1" | sed -n 1p)" "$(echo "$r2" | sed -n 1p)")
	set -- $(delta "$(echo "$r1" | sed -n '2,4p' | tr '\n' ' ')" "$(echo "$r2" | sed -n '2,4p' | tr '\n' ' ')")
	nb=$1 nf=$2 nc=$3
	say "over $secs s: selected [$d], bpf $nb, builtin $nf, clamped $nc"
}

# near A B: A and B differ by at most 2.
near() { [ $(($1 - $2)) -le 2 ] && [ $(($2 - $1)) -le 2 ]; }

ktap_plan $PLAN

if [ ! -f /sys/kernel/btf/vmlinux ]; then
	i=0
	while [ $i -lt $PLAN ]; do
		ktap_skip "BPF test $((i + 1))" "no module BTF in this kernel (the btf variant has it: make check-bpf)"
		i=$((i + 1))
	done
	ktap_finish
fi
modprobe cpuidle_ext_sim
modprobe cpuidle_ext
before=$(cat $CI/current_governor)
echo ext > $CI/current_governor

attached=$(cat $E/attached) detached=$(cat $E/detached)
ktap_check "bpftool struct_ops register audio.bpf.o" attach
ktap_expect_eq "ops is audio, one attach counted" "audio $((attached + 1))" "$(cat $E/ops) $(cat $E/attached)"

# Playback off: the deepest state that fits the timers, decided by the program alone.
ktap_check "audio_cfg: playback off" cfg 0 0 0
window 1
ktap_check "the program decides: bpf counts up, builtin does not" sh -c "[ $nb -gt 0 ] && [ $nf -eq 0 ]"
ktap_expect_eq "its answers are all usable: nothing clamped" 0 "$nc"
ktap_check "an idle guest reaches system-off" [ "$(nth 4 "$d")" -gt 0 ]

# Playback on, a 10 ms period: cluster-off (3 ms) fits, system-off (20 ms) does not.
ktap_check "audio_cfg: playing, 10 ms period" cfg 1 10000 0
window 1
ktap_check "playing: never system-off, cluster-off taken" \
	sh -c "[ $(nth 4 "$d") -eq 0 ] && [ $(nth 3 "$d") -gt 0 ] && [ $nc -eq 0 ]"

# Garbage: 1000 is past the last state (clamped to the deepest usable), -5 is negative
# (clamped to the shallowest).
cfg 2 0 1000
window 1
all_clamped_to() { [ "$nc" -gt 0 ] && near "$nc" "$nb" && near "$(nth "$1" "$d")" "$nb"; }
ktap_check "select returning 1000: every answer clamped, to system-off" all_clamped_to 4
cfg 2 0 -5
window 1
ktap_check "select returning -5: every answer clamped, to WFI" all_clamped_to 1
cfg 1 10000 0

# Detach under load: one CPU busy, the other waking every 2 ms (a shell loop of usleep).
( while :; do :; done ) &
busy=$!
( while :; do sleep 0.002; done ) &
waker=$!
sleep 0.3
ktap_check "detach under load (the struct_ops map's element deleted)" detach
ktap_expect_eq "ops none, one detach counted" "none $((detached + 1))" "$(cat $E/ops) $(cat $E/detached)"
window 1
ktap_check "the built-in policy decides again, the program not at all" sh -c "[ $nf -gt 0 ] && [ $nb -eq 0 ]"

# Attach and detach ten times under the same load.
cycles() {
	i=0
	while [ $i -lt 10 ]; do
		attach && sleep 0.05 && detach || return 1
		i=$((i + 1))
	done
	[ "$(cat $E/attached)" -eq $((attached + 11)) ] && [ "$(cat $E/detached)" -eq $((detached + 11)) ]
}
ktap_check "ten attach/detach cycles under load, all counted" cycles
kill $busy $waker
wait $busy $waker 2>/dev/null

# The probe program. Its maps are pinned by name in bpffs, so they outlive each attach.
grep -q " $PIN bpf " /proc/mounts || mount -t bpf bpf $PIN
rm -f $PIN/probe_cfg $PIN/probe_counts
NCPU=$(ls -d $CPU/cpu[0-9]* | wc -l)
# probe_set STATE MASK_OP MASK_INDEX INIT_ERR: writes probe_cfg.
probe_set() {
	# shellcheck disable=SC2046
	bpftool map update pinned $PIN/probe_cfg key 0 0 0 0 \
		value $(le32 "$1") $(le32 "$2") $(le32 "$3") $(le32 "$4")
}
# probe_counts: the counters of probe_counts, signed, in one read: init, exit, enable, disable,
# reflect, select, the last index reflected, the mask kfunc's last answer. The map's raw bytes
# (little-endian) are bpftool's JSON's first "value" array.
probe_counts() {
	bpftool -j map lookup pinned $PIN/probe_counts key 0 0 0 0 |
		sed 's/.*"key":\[[^]]*\],"value":\[\([^]]*\)\].*/\1/' | tr -d '" ' | awk -F, '
		function byte(b) {
			sub("0x", "", b)
			return index("0123456789abcdef", substr(b, 1, 1)) * 16 + index("0123456789abcdef", substr(b, 2, 1)) - 17
		}
		{
			for (i = 0; i < NF / 8; i++) {
				neg = byte($(8 * i + 8)) >= 128
				v = 0
				for (j = 7; j >= 0; j--) { x = byte($(8 * i + j + 1)); v = v * 256 + (neg ? 255 - x : x) }
				printf "%d ", neg ? -(v + 1) : v
			}
		}'
}
# probe_count I: counter I (from 0) of probe_counts.
probe_count() { nth $(($1 + 1)) "$(probe_counts)"; }
probe_attach() {
	bpftool struct_ops register "$PROBE" >/dev/null 2>&1
	[ "$(cat $E/ops)" = probe ]
}
attached=$(cat $E/attached) detached=$(cat $E/detached)
ktap_check "probe.bpf.o registered (its maps pinned)" probe_attach
ktap_expect_eq "init called once on attach" 1 "$(probe_count 0)"

# A governor switch tells every CPU's device: disable as it leaves ext, enable as it returns.
e0=$(probe_count 2) d0=$(probe_count 3)
echo menu > $CI/current_governor
echo ext > $CI/current_governor
ktap_expect_eq "switch away and back: disable and enable once per CPU" \
	"$((d0 + NCPU)) $((e0 + NCPU))" "$(probe_count 3) $(probe_count 2)"

# select returns cluster-off: reflect follows each selection and sees that index.
probe_set 2 0 0 0
sleep 0.3
c0=$(probe_counts)
sleep 1
c1=$(probe_counts)
ns=$(($(nth 6 "$c1") - $(nth 6 "$c0"))) nr=$(($(nth 5 "$c1") - $(nth 5 "$c0")))
say "over 1 s: select $ns, reflect $nr, last index $(nth 7 "$c1")"
# A selection is not followed by a reflect when the CPU has work before it enters the state
# (the idle loop's need_resched check), and each CPU may be between the two as they are read.
reflects() {
	[ "$ns" -gt 0 ] && [ $((ns - nr)) -le $((NCPU + ns / 20)) ] && [ $((nr - ns)) -le "$NCPU" ] &&
		[ "$(nth 7 "$c1")" -eq 2 ]
}
ktap_check "reflect once per selection (a few percent aside), the index entered" reflects

# The mask kfunc: system-off masked, a select asking for it is clamped to cluster-off.
probe_set 3 1 3 0
sleep 0.3
window 1
masked() {
	[ "$(probe_count 7)" -eq 0 ] && [ "$(nth 4 "$d")" -eq 0 ] && [ "$nc" -gt 0 ] &&
		near "$nc" "$nb" && near "$(nth 3 "$d")" "$nb"
}
ktap_check "system-off masked by the kfunc: never entered, every answer clamped to cluster-off" masked
probe_set 3 2 3 0
sleep 0.3
window 1
ktap_check "system-off unmasked: taken as asked, nothing clamped" \
	sh -c "[ $(probe_count 7) -eq 0 ] && [ $nc -eq 0 ] && [ $(nth 4 "$d") -gt 0 ]"
probe_set 1 1 99 0
sleep 0.3
ktap_expect_eq "the mask kfunc refuses index 99 (-EINVAL)" -22 "$(probe_count 7)"

# Detach with system-off masked: exit is called, and the mask goes with the program.
probe_set 1 1 3 0
sleep 0.3
ktap_check "detach the probe" detach
ktap_expect_eq "exit called once, one detach counted" "1 $((detached + 1))" "$(probe_count 1) $(cat $E/detached)"
window 2
ktap_check "after detach the built-in policy reaches system-off again (mask cleared)" \
	sh -c "[ $nb -eq 0 ] && [ $(nth 4 "$d") -gt 0 ]"

# init refusing: the attach fails, nothing attached or counted.
probe_set 1 0 0 1
i0=$(probe_count 0)
bpftool struct_ops register "$PROBE" >/dev/null 2>&1
ktap_expect_eq "init returning -EINVAL refuses the attach: ops none, no attach counted, init called" \
	"none $((attached + 1)) $((i0 + 1))" "$(cat $E/ops) $(cat $E/attached) $(probe_count 0)"
rm -f $PIN/probe_cfg $PIN/probe_counts

# The Rust loader: attach (its maps pinned in its own folder), playback on and off, a second
# attach and a bad period refused, detach back to the built-in policy.
if [ ! -x "$LOADER" ]; then
	for t in attach playing refusals status detach built-in stale; do
		ktap_skip "cpuidle-ext-audio: $t" "the loader is built for the host's arch only, not $(uname -m)"
	done
else
	attached=$(cat $E/attached) detached=$(cat $E/detached)
	ktap_expect_eq "cpuidle-ext-audio attach: ops audio, one attach counted" \
		"attached: audio|audio $((attached + 1))" "$("$LOADER" attach "$OBJ")|$(cat $E/ops) $(cat $E/attached)"
	"$LOADER" play 10000 >/dev/null
	window 1
	ktap_check "cpuidle-ext-audio play 10000: the program decides, never system-off" \
		sh -c "[ $nb -gt 0 ] && [ $nf -eq 0 ] && [ $nc -eq 0 ] && [ $(nth 4 "$d") -eq 0 ]"
	refusals() {
		"$LOADER" attach "$OBJ" 2>/dev/null
		again=$?
		"$LOADER" play 0 2>/dev/null
		bad_period=$?
		say "second attach exit $again, period 0 exit $bad_period"
		[ $again = 1 ] && [ $bad_period = 2 ] && [ "$(cat $E/ops) $(cat $E/attached)" = "audio $((attached + 1))" ]
	}
	ktap_check "a second attach (exit 1) and period 0 (exit 2) refused, nothing changed" refusals
	"$LOADER" stop >/dev/null
	ktap_expect_eq "cpuidle-ext-audio status after stop" \
		"governor ops: audio|audio policy: stopped (timers only)" "$("$LOADER" status | tr '\n' '|' | sed 's/|$//')"
	ktap_expect_eq "cpuidle-ext-audio detach: ops none, one detach counted, pins gone" \
		"detached: governor ops none|none $((detached + 1))|1" \
		"$("$LOADER" detach)|$(cat $E/ops) $(cat $E/detached)|$("$LOADER" status >/dev/null 2>&1; echo $?)"
	window 1
	ktap_check "after the loader's detach the built-in policy decides" sh -c "[ $nf -gt 0 ] && [ $nb -eq 0 ]"
	# Unregistered behind the loader's back (bpftool): its detach still clears its pins.
	"$LOADER" attach "$OBJ" >/dev/null
	detach
	ktap_expect_eq "cpuidle-ext-audio detach after bpftool's: pins cleared, ops none" \
		"detached (it was no longer registered): governor ops none|1" \
		"$("$LOADER" detach)|$("$LOADER" status >/dev/null 2>&1; echo $?)"
fi
echo "$before" > $CI/current_governor
rmmod cpuidle_ext_sim
ktap_finish
