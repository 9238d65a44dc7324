#!/bin/sh
# cpuidle_ext on the simulated cpuidle driver (cpuidle_ext_sim: WFI, core-off, cluster-off,
# system-off): the governor switch to and from ext, decisions by the built-in policy, its
# counters against the kernel's own per-state ones, the PM QoS latency limit and a disabled
# state honoured, the driver going away and back, rmmod refused (the module pins itself).
. "$SUITE_DIR/ktap.sh"

CPU=/sys/devices/system/cpu
CI=$CPU/cpuidle
E=/sys/kernel/cpuidle_ext

say() { echo "# $*"; }

# wait_for SECONDS COMMAND...: polls every 50 ms until the command succeeds.
wait_for() {
	_n=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

is() { [ "$(cat "$1")" = "$2" ]; }

# snap: one process reads the module's selections, its per-state counters (usage, time, above,
# below), the kernel's (the same four, summed over the CPUs) and the module's again: lines 1,
# 2-5, 6-9 and 10-13. The kernel's counts at the moment it was read lie between the module's
# two readings around it, give or take the period each CPU may be between the kernel's update
# and the governor's reflect.
snap() {
	# shellcheck disable=SC2086
	cat $E/selected $E/usage $E/time $E/above $E/below $KFILES \
		$E/usage $E/time $E/above $E/below | awk -v n="$NCPU" '
		NR <= 5 || NR > 5 + 16 * n { print; next }
		{ k = NR - 6; s[int(k / (4 * n)) * 4 + k % 4] += $1 }
		NR == 5 + 16 * n { for (m = 0; m < 4; m++) printf "%d %d %d %d\n", s[m*4], s[m*4+1], s[m*4+2], s[m*4+3] }'
}

# line N SNAP: line N of a snapshot.
line() { echo "$2" | sed -n "$1p"; }

# within KERNEL BEFORE_A BEFORE_B AFTER_A AFTER_B SLACK: for each state, the kernel's change
# lies between the module's smallest (AFTER_A - BEFORE_B) and largest (AFTER_B - BEFORE_A)
# change around it, widened by SLACK.
within() {
	printf '%s\n%s\n%s\n%s\n%s\n' "$1" "$2" "$3" "$4" "$5" | awk -v slack="$6" '
		NR == 1 { split($0, k) } NR == 2 { split($0, b1) } NR == 3 { split($0, b2) }
		NR == 4 { split($0, a1) }
		NR == 5 { for (i = 1; i <= NF; i++) if (k[i] < a1[i] - b2[i] - slack || k[i] > $i - b1[i] + slack) bad = 1 }
		END { exit bad }'
}

# nth N LIST: the Nth (from 1) number of a list.
nth() { echo "$2" | awk -v n="$1" '{ print $n }'; }

# delta BEFORE AFTER: the per-state differences of two lists.
delta() { printf '%s\n%s\n' "$1" "$2" | awk 'NR == 1 { split($0, a) } NR == 2 { for (i = 1; i <= NF; i++) printf "%d ", $i - a[i] }' | sed 's/ $//'; }

sum() { echo "$1" | awk '{ for (i = 1; i <= NF; i++) n += $i } END { print n + 0 }'; }

ktap_plan 27

# An earlier suite of this boot may have left the simulator loaded (cpuidle_ext stays anyway).
rmmod cpuidle_ext_sim 2>/dev/null
ktap_expect_eq "no cpuidle driver binds under TCG" none "$(cat $CI/current_driver)"
ktap_check "modprobe cpuidle_ext_sim registers four states on every CPU" sh -c \
	"modprobe cpuidle_ext_sim && [ \$(cat $CI/current_driver) = cpuidle_ext_sim ] &&
	 [ \$(ls -d $CPU/cpu[0-9]*/cpuidle/state3 | wc -l) = \$(ls -d $CPU/cpu[0-9]* | wc -l) ]"
say "states: $(cat $CPU/cpu0/cpuidle/state*/name | tr '\n' ' ')power (mW): $(cat $CPU/cpu0/cpuidle/state*/power | tr '\n' ' ')"
before=$(cat $CI/current_governor)
ktap_check "modprobe cpuidle_ext" modprobe cpuidle_ext
ktap_expect_eq "ext is available, the current governor stays $before (lowest rating)" \
	"ext $before" "$(grep -o -w ext $CI/available_governors) $(cat $CI/current_governor)"
ktap_expect_eq "... and the module said once that it stays loaded" 1 \
	"$(dmesg | grep -c "governor ext registered; the module stays loaded")"
ops=$(cat $E/ops)
say "struct_ops: $ops"
case "$ops" in
unsupported | none) ktap_pass "ops: $ops (no program attached)" ;;
*) ktap_fail "ops: no program attached" "got '$ops'" ;;
esac

NCPU=$(ls -d $CPU/cpu[0-9]*/cpuidle | wc -l)
KFILES=$(for f in usage time above below; do echo $CPU/cpu[0-9]*/cpuidle/state[0-3]/$f; done)

# Switch to ext; the built-in policy decides.
ktap_check "switch to ext" sh -c "echo ext > $CI/current_governor && [ \$(cat $CI/current_governor) = ext ]"
sleep 1
# The counters go on from an earlier suite of this boot (the BPF one): changes are compared.
b1=$(cat $E/builtin) bpf1=$(cat $E/bpf) clamped1=$(cat $E/clamped)
sleep 1
b2=$(cat $E/builtin) bpf=$(($(cat $E/bpf) - bpf1)) clamped=$(($(cat $E/clamped) - clamped1))
say "builtin $b1 -> $b2, bpf +$bpf, clamped +$clamped; selected $(cat $E/selected)"
ktap_check "the built-in policy decides (builtin counts up)" [ "$b2" -gt "$b1" ]
ktap_expect_eq "no BPF decisions, nothing clamped" "0 0" "$bpf $clamped"

# The module's counters against the kernel's, over two seconds of a mostly idle guest.
s1=$(snap)
sleep 2
s2=$(snap)
d() { delta "$(line "$1" "$s1")" "$(line "$1" "$s2")"; }
ms=$(d 1) mu=$(d 2) mt=$(d 3) ma=$(d 4) mb=$(d 5) ku=$(d 6) kt=$(d 7) ka=$(d 8) kb=$(d 9)
say "per state over 2 s: usage kernel [$ku] module [$mu]; time (us) kernel [$kt] module [$mt]"
say "above kernel [$ka] module [$ma]; below kernel [$kb] module [$mb]; selected [$ms]"
# matches N SLACK: the kernel's counter N (1 usage, 2 time, 3 above, 4 below) against the module's.
matches() {
	within "$(d $(($1 + 5)))" "$(line $(($1 + 1)) "$s1")" "$(line $(($1 + 9)) "$s1")" \
		"$(line $(($1 + 1)) "$s2")" "$(line $(($1 + 9)) "$s2")" "$2"
}
ktap_check "usage per state matches the kernel's" matches 1 "$NCPU"
# The kernel's time is per CPU in microseconds (rounded down), the module's a sum.
ktap_check "time per state matches the kernel's" matches 2 $((NCPU * 50000))
misses_match() { matches 3 "$NCPU" && matches 4 "$NCPU"; }
ktap_check "above and below per state match the kernel's" misses_match
# Selections the core did not enter (a wakeup already pending) are not entered, never the
# other way round; selections are read just before entries, so a CPU may have one more entry.
fewer() { [ "$(sum "$mu")" -le $(($(sum "$ms") + 2 * NCPU)) ] && [ "$(sum "$mu")" -gt 0 ]; }
ktap_check "entries are at most the selections" fewer
# On a loaded host the guest's timers may leave no 20 ms gap in those two seconds: up to two
# more two-second looks, each counting only the entries it saw.
deep_usage() { cat $CPU/cpu[0-9]*/cpuidle/state3/usage | awk '{ t += $1 } END { print t + 0 }'; }
reaches_deepest() {
	local u0 look
	[ "$(nth 4 "$ku")" -gt 0 ] && return 0
	for look in 2 3; do
		u0=$(deep_usage)
		sleep 2
		[ $(($(deep_usage) - u0)) -gt 0 ] && say "system-off reached in look $look" && return 0
	done
	return 1
}
ktap_check "an idle guest reaches the deepest state (system-off)" reaches_deepest

# The built-in policy's reasons add up to its selections, per state, and what its history
# learnt (hits, intercepts, ignored) to the entries; the files are read one after another, so
# the CPUs may have decided a few times between them (a slow guest: a few percent).
why() { cat $E/selected $E/reasons $E/learnt $E/usage; }
w1=$(why)
sleep 1
w2=$(why)
say "reasons and learnt after: $(echo "$w2" | sed -n 2,9p | tr '\n' ';')"
adds_up() {
	printf '%s\n%s\n' "$w1" "$w2" | awk -v n="$NCPU" '
		{ r = (NR - 1) % 10 + 1; sign = NR <= 10 ? -1 : 1 }
		r == 1 { for (i = 1; i <= NF; i++) sel[i] += sign * $i }
		r >= 2 && r <= 6 { for (i = 2; i <= NF; i++) why[i - 1] += sign * $i }
		r == 7 || r == 8 { for (i = 2; i <= NF; i++) learnt += sign * $i }
		r == 9 { learnt += sign * $2 }
		r == 10 { for (i = 1; i <= NF; i++) used += sign * $i }
		END {
			for (i in sel) {
				d = sel[i] - why[i]; lim = 2 * n + sel[i] / 20
				if (d > lim || d < -lim) bad = 1
			}
			d = used - learnt; lim = 2 * n + used / 20
			exit (bad || used <= 0 || d > lim || d < -lim)
		}'
}
ktap_check "reasons add up to the selections, what was learnt to the entries" adds_up

# The simulator counts its exit wait (the bench charges it apart), a line per possible CPU: for
# each power-down state, at least the entries times the exit latency, at most the kernel's time
# in the state (which holds it).
# sim [after]: the simulator's file, then the kernel's usage and time per state; with
# "after", the simulator's file last (its lines first all the same). An entry's wait is counted
# before the kernel counts the entry, so every entry counted between a first snapshot (file
# first) and a second (file last) has its wait between the two file reads.
sim() {
	[ "${1:-}" = after ] && k=$(kernel_states)
	cat /sys/module/cpuidle_ext_sim/parameters/exit_wait_us
	[ "${1:-}" = after ] && echo "$k" || kernel_states
}
kernel_states() {
	for s in 0 1 2 3; do
		echo "$(cat $CPU/cpu0/cpuidle/state$s/latency) $(cat $CPU/cpu[0-9]*/cpuidle/state$s/usage $CPU/cpu[0-9]*/cpuidle/state$s/time | tr '\n' ' ')"
	done
}
# The simulator's handler time (checked below) over the same second: the kernel's time is read
# first at the start and last at the end (the simulator counts an entry before the kernel).
IRQ=/sys/module/cpuidle_ext_sim/parameters/irq_us
kernel_time() { for s in 0 1 2 3; do cat $CPU/cpu[0-9]*/cpuidle/state$s/time | awk '{ t += $1 } END { print t + 0 }'; done; }
k1=$(kernel_time) q1=$(cat $IRQ)
x1=$(sim)
# Wakeups every 50 ms for a second: deep states entered and left.
i=0
while [ $i -lt 20 ]; do sleep 0.05; i=$((i + 1)); done
x2=$(sim after)
q2=$(cat $IRQ) k2=$(kernel_time)
say "exit wait per CPU and state (us): $(echo "$x2" | head -n "$NCPU" | tr '\n' ';')"
exit_counted() {
	printf '%s\n%s\n' "$x1" "$x2" | awk -v n="$NCPU" -v m="$(wc -l < /sys/module/cpuidle_ext_sim/parameters/exit_wait_us)" '
		{ r = (NR - 1) % (m + 4) + 1; sign = NR <= m + 4 ? -1 : 1 }
		r <= m { for (i = 1; i <= NF; i++) wait[i] += sign * $i }
		r > m { s = r - m; lat[s] = $1
			for (i = 2; i <= n + 1; i++) use[s] += sign * $i
			for (i = n + 2; i <= 2 * n + 1; i++) tm[s] += sign * $i }
		END {
			# The kernel counts time after the wait: a CPU may leave states between
			# the reads, a few times (WFI, whose wait is a microsecond, many: not checked).
			for (s = 2; s <= 4; s++) {
				lo = use[s] * lat[s] - n
				if (wait[s] < lo || wait[s] > tm[s] + 2 * n * lat[s]) bad = 1
			}
			for (s = 1; s <= 4; s++) {
				printf "state %d: %d entries, exit wait %d us, time %d us\n", s - 1, use[s], wait[s], tm[s]
			}
			exit (bad || wait[2] + wait[3] + wait[4] <= 0)
		}'
}
exit_counted > /tmp/exit_counted
ok=$?
sed 's/^/# /' /tmp/exit_counted
if [ $ok = 0 ]; then
	ktap_pass "the simulator's exit wait is its entries' exit latency, within the kernel's time"
else
	ktap_fail "the simulator's exit wait is its entries' exit latency, within the kernel's time" \
		"$(printf '%s | %s' "$x1" "$x2" | tr '\n' ' ')"
fi

# The waking interrupts' handler time the simulator counts inside each state (the bench charges
# it as running): a line per possible CPU, within the kernel's time in the state; none without
# IRQ time accounting (the kernel's irq fields then move in whole ticks), some on x86 with it
# (hlt runs the handler before the state returns; arm64's and riscv64's wait returns first).
# Read over the exit wait's second, above.
irq_counted() {
	printf '%s\n%s\n%s\n%s\n' "$q1" "$q2" "$k1" "$k2" | awk -v m="$(wc -l < $IRQ)" \
		-v exact="$(cat /sys/module/cpuidle_ext_sim/parameters/irq_exact)" -v x86="$([ "$(uname -m)" = x86_64 ] && echo 1)" '
		NR <= m { if (NF != 4) bad = 1; for (i = 1; i <= NF; i++) q[i] -= $i; next }
		NR <= 2 * m { if (NF != 4) bad = 1; for (i = 1; i <= NF; i++) q[i] += $i; next }
		NR <= 2 * m + 4 { k[NR - 2 * m] -= $1; next }
		{ k[NR - 2 * m - 4] += $1 }
		END {
			for (s = 1; s <= 4; s++) {
				sum += q[s]
				if (q[s] < 0 || q[s] > k[s]) bad = 1
				printf "state %d: handlers %d us, time in it %d us\n", s - 1, q[s], k[s]
			}
			if (exact != "Y" && sum != 0) bad = 1
			if (exact == "Y" && x86 && sum <= 0) bad = 1
			exit bad
		}'
}
irq_counted > /tmp/irq_counted
ok=$?
sed 's/^/# /' /tmp/irq_counted
say "handler time counted: $(cat /sys/module/cpuidle_ext_sim/parameters/irq_exact)"
if [ $ok = 0 ]; then
	ktap_pass "the simulator's handler time in each state is within the kernel's time, counted only when exact"
else
	ktap_fail "the simulator's handler time in each state is within the kernel's time, counted only when exact" \
		"$(printf '%s | %s | %s | %s' "$q1" "$q2" "$k1" "$k2" | tr '\n' ' ')"
fi

# A state disabled through the kernel's file is never selected.
for f in $CPU/cpu[0-9]*/cpuidle/state3/disable; do echo 1 > "$f"; done
s1=$(cat $E/selected)
sleep 1
s2=$(cat $E/selected)
for f in $CPU/cpu[0-9]*/cpuidle/state3/disable; do echo 0 > "$f"; done
d=$(delta "$s1" "$s2")
say "selected with state3 disabled: [$d]"
ktap_check "a disabled state is not selected, a shallower one is" \
	sh -c "[ $(nth 4 "$d") -eq 0 ] && [ $(nth 3 "$d") -gt 0 ]"

# A PM QoS resume latency limit of 200 us leaves WFI and core-off (exit 1 and 150 us).
if [ -c /dev/cpu_dma_latency ]; then
	exec 3>/dev/cpu_dma_latency
	printf c8 >&3
	s1=$(cat $E/selected)
	sleep 1
	s2=$(cat $E/selected)
	exec 3>&-
	d=$(delta "$s1" "$s2")
	say "selected under a 200 us latency limit: [$d]"
	ktap_check "the PM QoS latency limit is honoured" \
		sh -c "[ $(nth 3 "$d") -eq 0 ] && [ $(nth 4 "$d") -eq 0 ] && [ $(nth 2 "$d") -gt 0 ]"
else
	ktap_skip "the PM QoS latency limit is honoured" "no /dev/cpu_dma_latency"
fi

# Away from ext: its counters stop.
ktap_check "switch back to $before" sh -c "echo $before > $CI/current_governor && [ \$(cat $CI/current_governor) = $before ]"
b1=$(cat $E/builtin)
sleep 1
ktap_expect_eq "ext decides nothing under $before" "$b1" "$(cat $E/builtin)"

# Back and forth under load: a CPU busy, another idling, the governor switched 20 times.
( while :; do :; done ) &
busy=$!
flip() {
	i=0
	while [ $i -lt 10 ]; do
		echo ext > $CI/current_governor && echo $before > $CI/current_governor || return 1
		i=$((i + 1))
	done
	echo ext > $CI/current_governor
}
ktap_check "20 switches under load" flip
kill $busy
wait $busy 2>/dev/null
b1=$(cat $E/builtin)
sleep 0.5
ktap_check "ext decides again after them" [ "$(cat $E/builtin)" -gt "$b1" ]

# The driver goes away while ext is the governor, and comes back.
gone() { rmmod cpuidle_ext_sim && is $CI/current_driver none; }
ktap_check "rmmod cpuidle_ext_sim while ext governs" gone
back() {
	modprobe cpuidle_ext_sim && is $CI/current_driver cpuidle_ext_sim &&
		is $CI/current_governor ext && b1=$(cat $E/builtin) && sleep 0.5 &&
		[ "$(cat $E/builtin)" -gt "$b1" ]
}
ktap_check "... loaded again, ext decides for it" back

# The module cannot go: cpuidle has no governor unregister.
ktap_check_fails "rmmod cpuidle_ext is refused" rmmod cpuidle_ext
governs() { [ -d $E ] && is $CI/current_governor ext && lsmod | grep -q '^cpuidle_ext '; }
ktap_check "... it stays, and ext still governs" governs
echo $before > $CI/current_governor
rmmod cpuidle_ext_sim
ktap_finish
