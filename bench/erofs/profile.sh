#!/bin/sh
# Where the erofs bench's CPU time goes (guest side of bench/run.sh --profile erofs; needs perf
# in the guest, which that adds). For each read path of the model file, fio reads it over
# and over (time based, 4 MiB reads) and perf samples every vCPU for a few seconds once the
# reads are under way, so fio's start and exit stay out. For the small files, perf samples cold
# passes over every file of the lz4 image (4 KiB pclusters) as the bench reads them (a fresh
# mount, drop_caches, then dioread list: open, read whole, close, file after file). Printed as
# "# PROFILE" lines: the share of samples per kernel or user symbol (self time) and per command.
. "$SUITE_DIR/ktap.sh"

BS=4M
# Seconds fio runs, seconds before sampling starts, seconds sampled; cold small-file passes.
RUNTIME=${PROFILE_RUNTIME:-9}
WARMUP=${PROFILE_WARMUP:-3}
SAMPLE=${PROFILE_SAMPLE:-3}
PASSES=${PROFILE_PASSES:-4}
TOP=${PROFILE_TOP:-25}
disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
fio_key() { awk -F' : ' -v k="\"$1\"" '$1 ~ k"$" {gsub(/[ ,"]/, "", $2); print $2; exit}' /tmp/fio.json; }

# name:fstype:O_DIRECT:jobs over the model file; name:fstype:O_DIRECT over the small files.
CONFIGS="dio-4jobs:erofs_dio:1:4 dio-1job:erofs_dio:1:1 dio-buffered-4jobs:erofs_dio:0:4 stock-buffered-4jobs:erofs:0:4"
SMALL="small-lz4-stock-buffered:erofs:0 small-lz4-dio-buffered:erofs_dio:0 small-lz4-dio-odirect:erofs_dio:1"
ktap_plan $((2 + $(echo "$CONFIGS $SMALL" | wc -w)))
ktap_check "perf, erofs and erofs_dio" sh -c "perf --version && modprobe erofs && modprobe erofs_dio"
mkdir -p /mnt/m /mnt/tools
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
SUMS=/mnt/tools/smallfiles.sums
DEV=$(disk model.img)
SDEV=$(disk small-lz4.img)
mount -t erofs -o ro "$DEV" /mnt/m
SIZE=$(stat -c %s /mnt/m/model.bin)
umount /mnt/m

# report NAME WHAT...: the perf report of /tmp/perf.data as PROFILE lines, and the result.
report() {
	name=$1
	shift
	echo "# PROFILE == $name: $*"
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
}

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
	prc=0
	perf record -q -a -g -e cpu-clock -F 1000 -o /tmp/perf.data -- sleep "$SAMPLE" \
		2> /tmp/perf.err || prc=$?
	rc=0
	wait "$fio" || rc=$?
	umount /mnt/m
	if [ "$rc" != 0 ] || [ "$prc" != 0 ]; then
		ktap_fail "$name" "fio exit $rc, perf exit $prc: $(tail -n 1 /tmp/fio.err /tmp/perf.err)"
		continue
	fi
	report "$name" "$fstype, O_DIRECT $direct, $jobs jobs," \
		"$(($(fio_key bw_bytes) / 1048576)) MiB/s over fio's $RUNTIME s"
done

cat > /tmp/passes.sh <<P
#!/bin/sh
i=0
while [ \$i -lt $PASSES ]; do
	mount -t "\$1" -o ro $SDEV /mnt/m || exit 1
	echo 3 > /proc/sys/vm/drop_caches
	$DIO list 1048576 "\$2" /mnt/m $SUMS > /tmp/small.out || { umount /mnt/m; exit 1; }
	umount /mnt/m
	i=\$((i + 1))
done
P
chmod +x /tmp/passes.sh
for c in $SMALL; do
	# shellcheck disable=SC2046
	set -- $(echo "$c" | tr ':' ' ')
	name=$1 fstype=$2 direct=$3
	if perf record -q -a -g -e cpu-clock -F 1000 -o /tmp/perf.data -- \
		/tmp/passes.sh "$fstype" "$direct" 2> /tmp/perf.err; then
		report "$name" "$fstype, O_DIRECT $direct, $PASSES cold passes: $(cat /tmp/small.out)"
	else
		ktap_fail "$name" "$(tail -n 1 /tmp/perf.err)"
	fi
done
umount /mnt/tools
ktap_finish
