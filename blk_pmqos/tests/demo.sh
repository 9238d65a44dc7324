#!/bin/sh
# `make demo`: blk_pmqos on the simulated devfreq disk (blk_pmqos_sim's pmqsim0, simple_ondemand
# over 100-800 MHz). The same lone 4 KiB reads (20 ms of think time each) without and with
# blk_pmqos attached: their time, the frequency they were served at, the floor blk_pmqos raised
# and dropped, and its counters. The times include dd's own start-up (a new process per read)
# and are a TCG guest's: the frequency and the counters are what to look at.
. "$SUITE_DIR/ktap.sh"

B=/sys/kernel/blk_pmqos
D=$B/pmqsim0
DF=/sys/class/devfreq/pmqos_sim.0
READS=20
if [ "${SUITE_VARIANT:-default}" = debug ]; then SERVICE_US=1000; else SERVICE_US=250; fi

say() { echo "# $*"; }
uptime_cs() { awk '{split($1, a, "."); print a[1] * 100 + a[2]}' /proc/uptime; }
is() { [ "$(cat "$1")" = "$2" ]; }
wait_for() { # SECONDS COMMAND...: polls every 50 ms until the command succeeds
	_n=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

# lone_reads LABEL: READS reads of 4 KiB, one at a time; prints their time and the frequency
# each was issued at (devfreq's cur_freq just before), and sets SEEN to those frequencies.
lone_reads() {
	SEEN=""
	_i=0
	_t0=$(uptime_cs)
	while [ $_i -lt $READS ]; do
		SEEN="$SEEN $(($(cat $DF/cur_freq) / 1000000))"
		dd if=/dev/pmqsim0 of=/dev/null bs=4k count=1 skip=$((_i * 13)) iflag=direct 2>/dev/null
		sleep 0.02
		_i=$((_i + 1))
	done
	_t1=$(uptime_cs)
	say "$1: $READS lone reads in $(((_t1 - _t0) * 10)) ms; MHz at each issue:$SEEN"
}

ktap_plan 5
ktap_check "modprobe blk_pmqos_sim, blk_pmqos" \
	sh -c "modprobe blk_pmqos_sim service_us=$SERVICE_US && modprobe blk_pmqos"
say "simulated disk pmqsim0: governor $(cat $DF/governor), frequencies (Hz) $(cat $DF/available_frequencies)"
say "a request takes ${SERVICE_US} us plus 2 us per KiB at 800 MHz, 8 times as long at 100 MHz"
sleep 1

lone_reads "without blk_pmqos (simple_ondemand alone)"
say "devfreq's trans_stat (transitions, and time at each frequency in ms):"
sed 's/^/#   /' $DF/trans_stat

attach() { echo pmqsim0 > $B/attach && echo 500ms > $D/hold_time && is $D/hold_time 500ms; }
ktap_check "attach pmqsim0 (hold_time 500ms)" attach
say "attached: devfreq $(cat $D/devfreq), requests seen by $(cat $D/source)"
lone_reads "with blk_pmqos"
ktap_check "the reads raised a floor on devfreq (boosts > 0)" test "$(cat $D/boosts)" -gt 0
say "counters: requests $(cat $D/requests), qualifying $(cat $D/qualifying), boosts $(cat $D/boosts), updates $(cat $D/updates), boosted_ms $(cat $D/boosted_ms)"
dropped() { is $D/floor_khz 0 && is $DF/min_freq 100000000; }
ktap_check "the floor is dropped once the reads stop (floor_khz 0, min_freq the lowest)" \
	wait_for 5 dropped
say "after the hold: floor_khz $(cat $D/floor_khz), devfreq min_freq $(cat $DF/min_freq), cur_freq $(cat $DF/cur_freq)"
ktap_check "detach, rmmod blk_pmqos and blk_pmqos_sim" \
	sh -c "echo pmqsim0 > $B/detach && rmmod blk_pmqos && rmmod blk_pmqos_sim"
ktap_finish
