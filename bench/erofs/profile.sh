#!/bin/sh
# Where the erofs bench's CPU time goes (guest side of bench/profile.sh erofs; needs perf in the
# guest, which bench/profile.sh adds). For each read path, fio reads the model file over and
# over (time based, 4 MiB reads) and perf samples every vCPU for a few seconds once the reads
# are under way, so fio's start and exit stay out; then the share of samples per kernel or user
# symbol (self time) and per command, printed as "# PROFILE" lines.
. "$SUITE_DIR/ktap.sh"

BS=4M
# Seconds fio runs, seconds before sampling starts, seconds sampled.
RUNTIME=${PROFILE_RUNTIME:-9}
WARMUP=${PROFILE_WARMUP:-3}
SAMPLE=${PROFILE_SAMPLE:-3}
TOP=${PROFILE_TOP:-25}
disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
fio_key() { awk -F' : ' -v k="\"$1\"" '$1 ~ k"$" {gsub(/[ ,"]/, "", $2); print $2; exit}' /tmp/fio.json; }

# name fstype direct jobs
CONFIGS="dio-4jobs:erofs_dio:1:4 dio-1job:erofs_dio:1:1 dio-buffered-4jobs:erofs_dio:0:4 stock-buffered-4jobs:erofs:0:4"
ktap_plan $((1 + $(echo "$CONFIGS" | wc -w)))
ktap_check "perf, erofs and erofs_dio" sh -c "perf --version && modprobe erofs && modprobe erofs_dio"
DEV=$(disk model.img)
mkdir -p /mnt/m
mount -t erofs -o ro "$DEV" /mnt/m
SIZE=$(stat -c %s /mnt/m/model.bin)
umount /mnt/m
for c in $CONFIGS; do
	# shellcheck disable=SC2046
	set -- $(echo "$c" | tr ':' ' ')
	name=$1 fstype=$2 direct=$3 jobs=$4
	part=$((SIZE / jobs))
	mount -t "$fstype" -o ro "$DEV" /mnt/m
	sync
	echo 3 > /proc/sys/vm/drop_caches
	fio --name=read --filename=/mnt/m/model.bin --rw=read --bs=$BS --ioengine=psync \
		--readonly --allow_file_create=0 --direct="$direct" --numjobs="$jobs" --size="$part" \
		--offset_increment="$part" --time_based --runtime="$RUNTIME" --group_reporting \
		--output-format=json > /tmp/fio.json 2> /tmp/fio.err &
	fio=$!
	sleep "$WARMUP"
	perf record -q -a -g -e cpu-clock -F 1000 -o /tmp/perf.data -- sleep "$SAMPLE" 2> /tmp/perf.err
	prc=$?
	rc=0
	wait "$fio" || rc=$?
	umount /mnt/m
	if [ "$rc" != 0 ] || [ "$prc" != 0 ]; then
		ktap_fail "$name" "fio exit $rc, perf exit $prc: $(tail -n 1 /tmp/fio.err /tmp/perf.err)"
		continue
	fi
	echo "# PROFILE == $name: $fstype, O_DIRECT $direct, $jobs jobs," \
		"$(( $(fio_key bw_bytes) / 1048576 )) MiB/s over fio's ${RUNTIME} s"
	perf report -q -i /tmp/perf.data --stdio --no-children --sort sym -g none 2> /dev/null |
		awk 'NF' | head -n "$TOP" | sed 's/^ */# PROFILE sym  /'
	perf report -q -i /tmp/perf.data --stdio --no-children --sort comm -g none 2> /dev/null |
		awk 'NF' | head -n 8 | sed 's/^ */# PROFILE comm /'
	n=$(perf report -q -i /tmp/perf.data --stdio --sort sym -g none 2> /dev/null | awk 'NF' | wc -l)
	if [ "$n" -gt 0 ]; then
		ktap_pass "$name: $n symbols sampled"
	else
		ktap_fail "$name" "perf recorded no samples"
	fi
	rm -f /tmp/perf.data
done
ktap_finish
