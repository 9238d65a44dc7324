#!/bin/sh
# blk_pmqos on the simulated devfreq disk (blk_pmqos_sim: pmqsim0 with devfreq, pmqsim1 without):
# attach and detach, a floor raised by a lone read and dropped after the hold, a steady rhythm of
# reads with the floor dropped between them, none kept under sustained load, bad writes, a disk without devfreq, rmmod while attached and hot-unplug.
. "$SUITE_DIR/ktap.sh"

B=/sys/kernel/blk_pmqos
D=$B/pmqsim0
DF=/sys/class/devfreq/pmqos_sim.0
UNBIND=/sys/bus/platform/drivers/pmqos_sim
FMIN=100000000
FMAX=800000000

say() { echo "# $*"; }

# The simulated disk's service time of a request at its top frequency (us), and during the
# sustained load; the debug kernel (KASAN, lockdep) issues requests many times slower.
if [ "${SUITE_VARIANT:-default}" = debug ]; then SERVICE_US=1000 LOAD_US=20000; else
	SERVICE_US=250 LOAD_US=5000; fi
# With the sampler (every 1 ms) a lone read is seen only if it is still in flight when a sample
# runs: 40 ms at the lowest frequency, so that it outlasts the host descheduling the guest
# (under make check's load a 2 ms read was missed twice in a row).
SAMPLE_US=5000

# werr FILE VALUE: writes the value in one write; prints the error ("Invalid argument", ...), or
# nothing. (dd names the error; the shell's own redirections do not.)
werr() { printf '%s\n' "$2" | dd of="$1" 2>&1 | sed -n "s/^dd: error writing .*': //p"; }

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

# lone_reads N: N reads of 4 KiB, one at a time, with 20 ms of think time.
lone_reads() {
	_i=0
	while [ $_i -lt "$1" ]; do
		dd if=/dev/pmqsim0 of=/dev/null bs=4k count=1 skip=$((_i * 7)) iflag=direct 2>/dev/null
		sleep 0.02
		_i=$((_i + 1))
	done
}

# log_lines TEXT: kernel log lines holding TEXT.
log_lines() { dmesg | grep -c -F -- "$1"; }

# rejected FILE VALUE: the write fails with EINVAL, logs exactly one line naming the value,
# and leaves the file as it was.
rejected() {
	_before=$(cat "$D/$1")
	_n=$(log_lines "pmqsim0: $1: \`$2\`")
	_err=$(werr "$D/$1" "$2")
	_m=$(log_lines "pmqsim0: $1: \`$2\`")
	if [ "$_err" != "Invalid argument" ]; then
		ktap_fail "$1 '$2' is refused with EINVAL" "got '$_err'"
	elif [ $((_m - _n)) -ne 1 ]; then
		ktap_fail "$1 '$2' is refused with EINVAL" "$((_m - _n)) log lines name it"
	elif [ "$(cat "$D/$1")" != "$_before" ]; then
		ktap_fail "$1 '$2' is refused with EINVAL" "value changed to $(cat "$D/$1")"
	else
		ktap_pass "$1 '$2' is refused with EINVAL and one log line"
	fi
}

ktap_plan 41

ktap_check "modprobe blk_pmqos_sim plain=1 and blk_pmqos" \
	sh -c "modprobe blk_pmqos_sim plain=1 service_us=$SERVICE_US && modprobe blk_pmqos"
ktap_expect_eq "the simulated disk has devfreq with simple_ondemand" simple_ondemand \
	"$(cat $DF/governor 2>&1)"
say "frequencies: $(cat $DF/available_frequencies), now $(cat $DF/cur_freq)"

# Attach, and what attaching refuses.
ktap_check "attach pmqsim0" sh -c "echo pmqsim0 > $B/attach && [ -d $D ]"
ktap_expect_eq "devices lists it" pmqsim0 "$(cat $B/devices)"
ktap_expect_eq "its devfreq is the controller's" pmqos_sim.0 "$(cat $D/devfreq)"
say "requests are seen through: $(cat $D/source)"
ktap_expect_eq "attaching it again: EBUSY" "Device or resource busy" "$(werr $B/attach pmqsim0)"
n=$(log_lines "pmqsim1: no devfreq")
ktap_expect_eq "a disk without devfreq: ENODEV" "No such device" "$(werr $B/attach pmqsim1)"
ktap_expect_eq "... with one log line, and nothing attached" "1 pmqsim0" \
	"$(($(log_lines "pmqsim1: no devfreq") - n)) $(cat $B/devices | tr '\n' ' ' | sed 's/ $//')"
vd=$(ls /sys/block | grep -m1 '^vd')
if [ -n "$vd" ]; then
	ktap_expect_eq "a virtio disk ($vd): ENODEV" "No such device" "$(werr $B/attach "$vd")"
else
	ktap_skip "a virtio disk: ENODEV" "no virtio disk in this guest"
fi
ktap_expect_eq "a disk that does not exist: ENOENT" "No such file or directory" \
	"$(werr $B/attach nosuchdisk)"

# A lone read raises the floor to the top frequency; it is dropped after the hold. The hold is
# long enough for a slow guest (the debug kernel beside another guest) to read devfreq's
# frequencies while the floor is still up.
ktap_check "the device idles at its lowest frequency" wait_for 5 is $DF/cur_freq $FMIN
set_hold() { echo 5s > $D/hold_time && echo 10ms > $D/rate_limit && is $D/hold_time 5s; }
ktap_check "hold_time 5s and rate_limit 10ms are taken" set_hold
lone_reads 3
ktap_check "lone reads raise the floor (floor_khz 800000)" wait_for 3 is $D/floor_khz 800000
ktap_expect_eq "devfreq's min_freq and cur_freq follow" "$FMAX $FMAX" \
	"$(cat $DF/min_freq) $(cat $DF/cur_freq)"
say "requests $(cat $D/requests) qualifying $(cat $D/qualifying) boosts $(cat $D/boosts) updates $(cat $D/updates)"
ktap_check "the floor is dropped after the hold" wait_for 10 is $D/floor_khz 0
ktap_expect_eq "min_freq is the lowest again; one boost, two updates" "$FMIN 1 2" \
	"$(cat $DF/min_freq) $(cat $D/boosts) $(cat $D/updates)"
b=$(cat $D/boosted_ms)
ktap_check "boosted_ms ($b) covers the hold" sh -c "[ $b -ge 4900 ] && [ $b -le 8000 ]"

# A steady rhythm of lone reads (fio, one every 200 ms for 6 s) within a 500 ms hold: the floor
# drops between the reads and is up when each arrives. A plain hold would raise it once and keep
# it for the whole run and its hold (about 6500 ms). The reads' jitter widens the windows (make
# check's load gave 10 ms at a 100 ms period, up half the time then) and a rhythm is steady
# while its jitter is under an eighth of the period: 200 ms leaves room for a slower host. A
# host busy enough to push the jitter past that (22 ms at 219 ms with two guests and a cargo
# build on two cores) leaves no steady rhythm and so a plain hold: such a run is made again, up
# to three in all; a policy that never drops the floor fails all three.
# The simulator counts the requests it served at each frequency.
SERVED=/sys/module/blk_pmqos_sim/parameters/served
echo 500ms > $D/hold_time
echo 10ms > $D/lead_time
drops() { [ $((b1 - b0)) -ge 8 ] && [ $((m1 - m0)) -lt 5400 ]; }
run=1
while :; do
	b0=$(cat $D/boosts) m0=$(cat $D/boosted_ms) s0=$(cat $SERVED)
	fio --name=rhythm --filename=/dev/pmqsim0 --direct=1 --ioengine=psync --rw=randread --bs=4k \
		--thinktime=200000 --thinktime_blocks=1 --time_based --runtime=6 >/tmp/rhythm.txt 2>&1
	wait_for 3 is $D/floor_khz 0
	b1=$(cat $D/boosts) m1=$(cat $D/boosted_ms) s1=$(cat $SERVED)
	say "rhythm run $run: boosts $b0 -> $b1, boosted_ms $m0 -> $m1, served per frequency $s0 -> $s1; period, jitter: $(cat $D/rhythm)"
	drops || [ $run -ge 3 ] && break
	run=$((run + 1))
done
# Reads served at the top frequency, and in all, during the last run.
top=$((${s1##*,} - ${s0##*,}))
all=$(($(echo $s1 | tr ',' '+') - ($(echo $s0 | tr ',' '+'))))
ktap_check "fio ran the rhythm" grep -q "rhythm: (groupid" /tmp/rhythm.txt
ktap_check "a steady rhythm: the floor drops between reads (boosts $b0 -> $b1, up $((m1 - m0)) of 6000 ms, run $run)" drops
ktap_check "... and is up when the reads arrive ($top of $all at the top frequency)" \
	sh -c "[ $all -ge 20 ] && [ $((top * 10)) -ge $((all * 8)) ]"
echo 2ms > $D/lead_time

# Sustained load at depth 32 keeps no floor: the governor scales up by itself. Requests take
# longer meanwhile (32 of them take 160 ms at the top frequency), so that the queue stays full
# while the guest's CPU is slow (the debug kernel) or descheduled by the host (make check runs
# two guests on two cores). The first requests of the load are issued at a low depth and may
# raise a floor (more than one on a slow guest), held for the 50 ms hold: boosts and the floor
# are read once the load is established and that hold is over. A guest stopped by the host for
# longer than the queue takes to drain lets fio issue a truly lone request when it runs again,
# which rightly qualifies: a window with one is measured again, up to three windows in all. A
# policy that lets requests qualify at depth, or raises a floor there, fails every window.
echo 50ms > $D/hold_time
echo $LOAD_US > /sys/module/blk_pmqos_sim/parameters/service_us
boosts=$(cat $D/boosts)
fio --name=sustained --filename=/dev/pmqsim0 --direct=1 --ioengine=libaio --iodepth=32 \
	--rw=randread --bs=4k --time_based --runtime=60 --output=/tmp/fio.txt >/dev/null 2>&1 &
fio_pid=$!
deep() { [ "$(cat $D/depth)" -ge 16 ]; }
wait_for 20 deep
window=1
while :; do
	d1=$(cat $D/depth) q1=$(cat $D/qualifying) b1=$(cat $D/boosts)
	sleep 0.5
	f1=$(cat $D/floor_khz)
	sleep 0.5
	f2=$(cat $D/floor_khz) c2=$(cat $DF/cur_freq) d2=$(cat $D/depth) q2=$(cat $D/qualifying)
	b2=$(cat $D/boosts)
	[ "$q1 $b1 $f1 $f2" = "$q2 $b2 0 0" ] || [ $window -ge 3 ] && break
	say "load window $window: qualifying $q1 -> $q2, boosts $b1 -> $b2, floor_khz $f1 then $f2 (depth $d1 and $d2): measuring again"
	window=$((window + 1))
done
kill -INT $fio_pid 2>/dev/null
wait $fio_pid
echo $SERVICE_US > /sys/module/blk_pmqos_sim/parameters/service_us
say "under load: depth $d1 and $d2, floor_khz $f1 then $f2, cur_freq $c2; boosts $boosts -> $(cat $D/boosts)"
[ "$d1" -ge 16 ] && [ "$d2" -ge 16 ] || sed 's/^/# fio: /' /tmp/fio.txt | head -20
ktap_check "fio keeps depth 16 or more" sh -c "[ $d1 -ge 16 ] && [ $d2 -ge 16 ]"
ktap_expect_eq "no request qualifies at that depth" "$q1" "$q2"
ktap_expect_eq "sustained load at depth 32 holds no floor" "0 0" "$f1 $f2"
ktap_expect_eq "no boost while the load holds that depth" "$b1" "$b2"
ktap_expect_eq "simple_ondemand scaled the device up by itself" $FMAX "$c2"

# Bad writes.
rejected low_depth abc
rejected hold_time 5min
rejected high_depth 1
rejected boost_freq fast
rejected lead_time 60ms
set_boost() { echo 300MHz > $D/boost_freq && echo 2s > $D/hold_time && is $D/boost_freq 300000000; }
ktap_check "boost_freq 300MHz is taken" set_boost
lone_reads 2
ktap_check "... the floor is the next frequency up (floor_khz 400000)" wait_for 3 is $D/floor_khz 400000

# Detach drops the floor and the directory.
detached() { echo pmqsim0 > $B/detach && [ ! -d $D ] && is $DF/min_freq $FMIN; }
ktap_check "detach pmqsim0 while boosted: floor and directory gone" detached
ktap_expect_eq "detaching it again: ENOENT" "No such file or directory" "$(werr $B/detach pmqsim0)"

# boosted: attach pmqsim0 with a 5 s hold and raise its floor with lone reads.
boosted() {
	{ [ -d $D ] || echo pmqsim0 > $B/attach; } && echo 5s > $D/hold_time && lone_reads 2 &&
		wait_for 3 is $D/floor_khz 800000
}

# rmmod while attached, with a floor up.
boosted
unloaded() { rmmod blk_pmqos && is $DF/min_freq $FMIN; }
ktap_check "rmmod blk_pmqos while boosted drops the floor" unloaded

# Hot-unplug of the disk's controller (driver unbind) while boosted, then bound again.
modprobe blk_pmqos && boosted
n=$(log_lines "pmqsim0: disk went away, detached")
unplugged() {
	echo pmqos_sim.0 > $UNBIND/unbind && wait_for 3 test ! -d $D && [ -z "$(cat $B/devices)" ] &&
		[ "$(log_lines "pmqsim0: disk went away, detached")" -eq $((n + 1)) ]
}
ktap_check "unbinding the controller while boosted detaches the disk" unplugged
replugged() { echo pmqos_sim.0 > $UNBIND/bind && wait_for 3 test -b /dev/pmqsim0 && boosted; }
ktap_check "bound again, pmqsim0 attaches and boosts again" replugged
simgone() { rmmod blk_pmqos_sim && wait_for 3 test ! -d $D; }
ktap_check "unloading the simulator while attached detaches the disk" simgone

# The sampler where the kernel has tracepoints too (the debug kernel checks it with KASAN and
# lockdep): a floor, and the controller unbound while it samples the disk's tags.
echo 1 > /sys/module/blk_pmqos/parameters/sample_only
modprobe blk_pmqos_sim service_us=$SAMPLE_US && wait_for 3 test -b /dev/pmqsim0 && boosted
ktap_expect_eq "sample_only: the sampler raises the floor" "sampling 800000" \
	"$(cat $D/source) $(cat $D/floor_khz)"
n=$(log_lines "pmqsim0: disk went away, detached")
ktap_check "... and stops before the controller's driver frees the disk" unplugged
ktap_check "rmmod blk_pmqos_sim and blk_pmqos" sh -c "rmmod blk_pmqos_sim && rmmod blk_pmqos"
ktap_finish
