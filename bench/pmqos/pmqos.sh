#!/bin/sh
# The blk_pmqos bench (guest side; bench/run.sh pmqos). On the simulated devfreq disk
# (blk_pmqos_sim: simple_ondemand over 100-800 MHz, service time inversely proportional to the
# clock), four arms take turns on the same workloads:
#   ondemand      simple_ondemand alone
#   pmqos         simple_ondemand with blk_pmqos attached (its defaults)
#   hold          the same with lead_time 0: the plain hold, no rhythm
#   performance   the ceiling: min_freq pinned to the top frequency
#   probes        the same with blk_pmqos attached but disabled (enable 0): the cost of its
#                 per-request path (tracepoint probes, atomics) on its own
#   powersave     the floor: max_freq pinned to the bottom frequency
# (the kernels have no performance or powersave devfreq governor; pinning the range through
# devfreq's own min_freq and max_freq has the same effect). Workloads, fio on /dev/pmqsim0:
#   intermittent  4 KiB random reads at depth 1 with 20 ms of think time after each
#   sustained     64 KiB sequential reads at depth 32
#   bursty        4 KiB random reads at depth 8, 16 reads, then 100 ms of think time
# Each record: fio's JSON and the time spent at each frequency (devfreq's trans_stat) over the
# run, as "# BENCH {json}" lines for bench/pmqos/report.py. fio must report no error, else the
# run is red and no report is written.
. "$SUITE_DIR/ktap.sh"

DF=/sys/class/devfreq/pmqos_sim.0
B=/sys/kernel/blk_pmqos
RUNTIME=${PMQOS_BENCH_RUNTIME:-8}
FMIN=100000000
FMAX=800000000
ARMS="ondemand pmqos hold performance probes powersave"
WORKLOADS="intermittent sustained bursty"

bench() { echo "# BENCH $*"; }

# tstat: "freq ms" pairs of devfreq's time in state.
tstat() { awk -F: '/^[ *]*[0-9]+:/ { gsub(/[ *]/, "", $1); n = split($2, a, " "); print $1, a[n] }' $DF/trans_stat; }

# arm ARM: sets the arm up.
arm() {
	echo 0 > $DF/min_freq
	echo $FMAX > $DF/max_freq
	[ -d $B/pmqsim0 ] && echo pmqsim0 > $B/detach
	case $1 in
	pmqos) echo pmqsim0 > $B/attach ;;
	hold) echo pmqsim0 > $B/attach && echo 0 > $B/pmqsim0/lead_time ;;
	performance) echo $FMAX > $DF/min_freq ;;
	probes) echo $FMAX > $DF/min_freq && echo pmqsim0 > $B/attach && echo 0 > $B/pmqsim0/enable ;;
	powersave) echo $FMIN > $DF/max_freq ;;
	esac
}

# job WORKLOAD: fio's arguments for it.
job() {
	case $1 in
	intermittent) echo "--rw=randread --bs=4k --iodepth=1 --thinktime=20000 --thinktime_blocks=1" ;;
	sustained) echo "--rw=read --bs=64k --iodepth=32" ;;
	bursty) echo "--rw=randread --bs=4k --iodepth=8 --thinktime=100000 --thinktime_blocks=16" ;;
	esac
}

nw=$(echo $WORKLOADS | wc -w) na=$(echo $ARMS | wc -w)
ktap_plan $((1 + nw * na))
ktap_check "modprobe blk_pmqos_sim and blk_pmqos" sh -c 'modprobe blk_pmqos_sim && modprobe blk_pmqos'
bench "{\"guest\": {\"kernel\": \"$(uname -r)\", \"arch\": \"$(uname -m)\", \"cpus\": $(nproc), \"mem_kb\": $(awk '/^MemTotal:/ {print $2}' /proc/meminfo)}, \"runtime_s\": $RUNTIME}"
for w in $WORKLOADS; do
	for a in $ARMS; do
		arm $a
		sleep 1 # the governor settles: idle, at the bottom frequency (or the pinned one)
		before=$(tstat | tr '\n' ' ')
		# shellcheck disable=SC2046
		fio --name=$w --filename=/dev/pmqsim0 --direct=1 --ioengine=libaio $(job $w) \
			--time_based --runtime=$RUNTIME --output-format=json --output=/tmp/fio.json \
			>/dev/null 2>&1
		rc=$?
		after=$(tstat | tr '\n' ' ')
		counters=""
		[ -d $B/pmqsim0 ] && counters="requests=$(cat $B/pmqsim0/requests) qualifying=$(cat $B/pmqsim0/qualifying) boosts=$(cat $B/pmqsim0/boosts) boosted_ms=$(cat $B/pmqsim0/boosted_ms)"
		if [ $rc = 0 ] && grep -q '"error" : 0' /tmp/fio.json; then
			ktap_pass "$w on $a"
			bench "{\"arm\": \"$a\", \"workload\": \"$w\", \"tstat_before\": \"$before\", \"tstat_after\": \"$after\", \"pmqos\": \"$counters\", \"fio\": $(tr -d '\n' < /tmp/fio.json)}"
		else
			ktap_fail "$w on $a" "fio exit $rc"
		fi
	done
done
arm ondemand
ktap_finish
