#!/bin/sh
# The erofs bench (guest side; bench/run.sh erofs). One synthetic model file on an lz4hc image
# with 256 KiB pclusters (erofs.disks), read whole by fio:
#   stock erofs buffered  against  erofs_dio O_DIRECT and erofs_dio buffered,
#   with 4 jobs (disjoint quarters of the file) and with 1 job,
#   under low memory (fio in a memory cgroup with memory.max = LOWMEM) and normal memory
#   (a cgroup without a limit).
# Each run starts cold (drop_caches, a fresh mount) and prints one "# BENCH {json}" line: MiB/s
# from fio, bytes read, CPU time (busy jiffies of /proc/stat over the run, and fio's usr/sys),
# page cache growth (Cached in /proc/meminfo before and after, and the "file" bytes charged to
# the run's own cgroup, that is the page cache of the file being read).
# Then the RAM-backed limit: the same image copied into tmpfs and mounted through a loop
# device (device reads are memcpys), read by erofs_dio O_DIRECT with 1 job, one job per vCPU
# and 4 jobs. And the ceilings that do not go through erofs_dio: the guest's own LZ4 (the lz4
# program's benchmark, level 12 in 256 KiB blocks, on the first LZ4_MIB of the model file, on
# one vCPU and on every vCPU at once) and a memcpy loop (dioread memcpy), once per round, right
# after erofs_dio's 4-job O_DIRECT read in normal memory, which they bound.
# The file's sha256 is checked through both read paths first, so a run that reads wrong bytes is
# red; so is any fio run that fails or reads fewer bytes than asked.
# Last, the small files: every file of a package tree (erofs.disks) on three images, read cold
# (fresh mount, drop_caches) by dioread list in one process per pass, through stock erofs
# buffered, erofs_dio buffered and erofs_dio O_DIRECT, SMALL_REPS rounds of the whole matrix,
# with erofs_dio's cost counters over each pass; and a pass per filesystem that opens and closes
# every file, reading nothing (the lookups and inodes alone). Every file's hash is checked on
# every read pass: a wrong byte fails that pass.
. "$SUITE_DIR/ktap.sh"

LOWMEM=${LOWMEM:-128M}
BS=4M
CG=/sys/fs/cgroup

disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
cached_kb() { awk '/^Cached:/ {print $2}' /proc/meminfo; }
# Busy and total jiffies of all CPUs (user nice system idle iowait irq softirq steal).
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat; }
uptime_cs() { awk '{split($1, a, "."); print a[1] * 100 + a[2]}' /proc/uptime; }
# The first value of a key in fio's JSON output (the read side comes first).
fio_key() { awk -F' : ' -v k="\"$1\"" '$1 ~ k"$" {gsub(/[ ,"]/, "", $2); print $2; exit}' /tmp/fio.json; }

# Each configuration runs REPS times, the whole matrix once per round, so drift on a shared
# host spreads over all of them; the report takes the median.
REPS=${REPS:-3}
# A round of the small files takes about 40 s under TCG (erofs_dio's passes the longest).
SMALL_REPS=${SMALL_REPS:-3}
LZ4_MIB=${LZ4_MIB:-8}
MEMCPY_MIB=${MEMCPY_MIB:-512}
NCPU=$(grep -c '^processor' /proc/cpuinfo)
LIMIT_JOBS=$(printf '%s\n' 1 "$NCPU" 4 | sort -nu | tr '\n' ' ')
nlimit=$(echo "$LIMIT_JOBS" | wc -w)
mkdir -p /mnt/tools /mnt/m
# Mounted before the plan: the number of small-file images comes from the tools image.
tools_ok=0
modprobe erofs 2>/dev/null
mount -t erofs -o ro "$(disk tools.img)" /mnt/tools && tools_ok=1
SMALL_IMAGES=$(cut -d: -f1 /mnt/tools/smallfiles.images 2>/dev/null | tr '\n' ' ')
nsmall=$(echo "$SMALL_IMAGES" | wc -w)
ktap_plan $((5 + 12 * REPS + 3 + nlimit * REPS + 1 + 3 * REPS + 5 * nsmall * SMALL_REPS + 2))
ktap_check "modprobe erofs (stock, the baseline)" modprobe erofs
ktap_check "modprobe erofs_dio" modprobe erofs_dio
ktap_expect_eq "tools image mounts" 1 "$tools_ok"
DIO=/mnt/tools/dioread.$(uname -m)
want=$(cat /mnt/tools/model.sha256)
DEV=$(disk model.img)
echo +memory > $CG/cgroup.subtree_control
ktap_diag "guest: $NCPU vCPUs, $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) KiB RAM," \
	"$(awk '/^MemAvailable:/ {print $2}' /proc/meminfo) KiB available; low-memory cgroup $LOWMEM"

# The whole file, read once through each path, against the host's checksum.
mount -t erofs -o ro "$DEV" /mnt/m
SIZE=$(stat -c %s /mnt/m/model.bin)
ktap_expect_eq "stock erofs buffered read of model.bin ($SIZE bytes) has the host's sha256" \
	"$want" "$(sha256sum < /mnt/m/model.bin | cut -d' ' -f1)"
umount /mnt/m
mount -t erofs_dio -o ro "$DEV" /mnt/m
ktap_expect_eq "erofs_dio O_DIRECT read of model.bin has the host's sha256" \
	"$want" "$("$DIO" cat 4194304 0 /mnt/m/model.bin | sha256sum | cut -d' ' -f1)"
umount /mnt/m
IMG=$(awk -v d="${DEV#/dev/}" '$4 == d {print $3 * 1024}' /proc/partitions)
# Large page-cache folios (erofs's and erofs_dio's) need a kernel with transparent huge pages,
# whatever its setting for anonymous memory (which guests under 512 MiB default to never).
THP=$([ -d /sys/kernel/mm/transparent_hugepage ] && echo y)
echo "# BENCH {\"run\":\"info\",\"thp\":\"${THP:-none}\",\"ncpu\":$NCPU,\"memtotal_kb\":$(awk '/^MemTotal:/ {print $2}' /proc/meminfo),\"lowmem\":\"$LOWMEM\",\"bs\":\"$BS\",\"reps\":$REPS,\"file_bytes\":$SIZE,\"image_bytes\":$IMG}"

# costs FSTYPE: erofs_dio's cost counters (debugfs; ns summed over readers), for erofs_dio.
COSTS="ns_device ns_meta ns_decode ns_copy ns_map ns_lookup ns_iget cache_hits mapped_decodes handed_decodes helper_decodes"
costs() {
	[ "$1" = erofs_dio ] || return 0
	out=
	for c in $COSTS; do
		v=$(cat "/sys/kernel/debug/erofs_dio/$c" 2>/dev/null) || return 0
		out="$out$v "
	done
	echo "$out"
}
# cost_fields BEFORE AFTER: ,"ns_device":N,... for the counters both snapshots have.
cost_fields() {
	[ -n "$1" ] && [ -n "$2" ] || return 0
	echo "$COSTS $1 $2" | awk '{n = NF / 3; for (i = 1; i <= n; i++)
		printf ",\"%s\":%.0f", $i, $(2 * n + i) - $(n + i)}'
}

# run NAME MEM JOBS FSTYPE DIRECT DEVICE: one fio run in a fresh cgroup, printed as BENCH.
run() {
	name=$1 mem=$2 jobs=$3 fstype=$4 direct=$5 dev=$6
	part=$((SIZE / jobs))
	cg=$CG/bench-$name-$mem-$jobs
	mkdir "$cg"
	[ "$mem" = low ] && echo "$LOWMEM" > "$cg/memory.max"
	if ! mount -t "$fstype" -o ro "$dev" /mnt/m; then
		ktap_fail "$name, $mem memory, $jobs jobs, round $rep: fio" "$fstype does not mount $dev"
		rmdir "$cg"
		return
	fi
	sync
	echo 3 > /proc/sys/vm/drop_caches
	k0=$(costs "$fstype") c0=$(cached_kb) b0=$(busy) t0=$(uptime_cs)
	rc=0
	# shellcheck disable=SC2016
	sh -c 'echo $$ > "$1/cgroup.procs"; shift; exec "$@"' sh "$cg" \
		fio --name=read --filename=/mnt/m/model.bin --rw=read --bs=$BS --ioengine=psync \
		--readonly --allow_file_create=0 --direct="$direct" --numjobs="$jobs" --size="$part" \
		--offset_increment="$part" \
		--group_reporting --output-format=json > /tmp/fio.json 2> /tmp/fio.err || rc=$?
	t1=$(uptime_cs) b1=$(busy) c1=$(cached_kb) k1=$(costs "$fstype")
	file=$(awk '$1 == "file" {print $2}' "$cg/memory.stat")
	peak=$(cat "$cg/memory.peak" 2>/dev/null || echo null)
	umount /mnt/m
	rmdir "$cg"
	bytes=$(fio_key io_bytes)
	expect=$((part * jobs))
	if [ "$rc" = 0 ] && [ "$bytes" = "$expect" ]; then
		ktap_pass "$name, $mem memory, $jobs jobs, round $rep: fio read $bytes bytes"
	else
		ktap_fail "$name, $mem memory, $jobs jobs, round $rep: fio" \
			"exit $rc, read ${bytes:-?} of $expect bytes: $(tail -n 1 /tmp/fio.err)"
		return
	fi
	echo "# BENCH {\"run\":\"$name\",\"rep\":$rep,\"fs\":\"$fstype\",\"direct\":$direct,\"mem\":\"$mem\"," \
		"\"jobs\":$jobs,\"bs\":\"$BS\",\"bytes\":$bytes,\"bw_bytes\":$(fio_key bw_bytes)," \
		"\"runtime_ms\":$(fio_key runtime),\"job_runtime_ms\":$(fio_key job_runtime | grep . || echo null),\"wall_cs\":$((t1 - t0)),\"busy_jiffies\":$((b1 - b0))," \
		"\"hz\":100,\"ncpu\":$NCPU,\"fio_usr_pct\":$(fio_key usr_cpu)," \
		"\"fio_sys_pct\":$(fio_key sys_cpu),\"cached_kb_before\":$c0,\"cached_kb_after\":$c1," \
		"\"cgroup_file_bytes\":$file,\"cgroup_peak_bytes\":$peak,\"file_bytes\":$SIZE" \
		"$(cost_fields "$k0" "$k1")}" |
		tr -d '\n' | sed 's/, "/,"/g'
	echo
}

# Ceilings that do not go through erofs_dio. The lz4 program decodes what lz4hc level 12 makes
# of the model file's bytes in independent 256 KiB blocks (erofs's pclusters hold 256 KiB of
# compressed bytes, about 2.25 times that decoded: larger blocks, the same kind of stream); its
# benchmark also compresses first, slow at level 12, hence a slice. And memcpy: the rate at
# which a vCPU moves bytes at all. Each round measures them right after erofs_dio's 4-job
# O_DIRECT read in normal memory, the read `fraction_of_decompress_limit` divides by them: under
# emulation the vCPUs' speed drifts by tens of percent over minutes, so a ceiling taken beside
# the read bounds it better than one from another part of the boot.
mount -t erofs -o ro "$DEV" /mnt/m
ktap_check "first $LZ4_MIB MiB of model.bin in tmpfs for lz4" \
	dd if=/mnt/m/model.bin of=/dev/shm/lz4.bin bs=1M count="$LZ4_MIB"
umount /mnt/m
LZ4_VERSION=$(lz4 -V 2>&1 | sed -n 's/.* v\([0-9.]*\) .*/\1/p')
# lz4_speeds FILE: "C D", the compression and decompression speeds of lz4's benchmark output.
# The last line with both speeds, "... (ratio), C MB/s, D MB/s" (1.10) or
# "... (ratio), C MB/s ,D MB/s" (1.9), in MB of 10^6 bytes of decoded data.
lz4_speeds() {
	tr '\r' '\n' < "$1" | awk '
		function last(s) { return match(s, /[0-9.]+ *$/) ? substr(s, RSTART, RLENGTH) + 0 : 0 }
		{ n = split($0, a, "MB/s") }
		n == 3 { c = last(a[1]); d = last(a[2]) }
		END { print c + 0, d + 0 }'
}
# ceilings: one round of the ceilings (uses $rep).
ceilings() {
	lz4 -b12 -B262144 -i1 /dev/shm/lz4.bin > /tmp/lz4.out 2>&1
	rc=$?
	lz4_speeds /tmp/lz4.out > /tmp/lz4.speeds
	read -r cspeed dspeed < /tmp/lz4.speeds
	if [ "$rc" = 0 ] && [ "$dspeed" != 0 ]; then
		ktap_pass "lz4 -b12 -B262144 (lz4 $LZ4_VERSION), round $rep: decompression $dspeed MB/s"
		echo "# BENCH {\"run\":\"lz4\",\"rep\":$rep,\"version\":\"$LZ4_VERSION\",\"level\":12,\"block\":262144,\"bytes\":$((LZ4_MIB << 20)),\"compress_mb_s\":$cspeed,\"decompress_mb_s\":$dspeed}"
	else
		ktap_fail "lz4 benchmark, round $rep" "exit $rc: $(tr '\r' '\n' < /tmp/lz4.out | tail -n 1)"
	fi
	# The same on every vCPU at once, one lz4 pinned to each: under emulation the vCPUs share
	# the host with each other and with QEMU's own threads, so N of them need not decode N
	# times as fast as one.
	pids=
	cpu=0
	while [ $cpu -lt "$NCPU" ]; do
		taskset -c $cpu lz4 -b12 -B262144 -i1 /dev/shm/lz4.bin > /tmp/lz4.all.$cpu 2>&1 &
		pids="$pids $!"
		cpu=$((cpu + 1))
	done
	rc=0
	for p in $pids; do wait "$p" || rc=1; done
	speeds=
	cpu=0
	while [ $cpu -lt "$NCPU" ]; do
		d=$(lz4_speeds /tmp/lz4.all.$cpu | awk '{print $2}')
		[ "$d" = 0 ] && rc=1
		speeds="$speeds${speeds:+,}$d"
		cpu=$((cpu + 1))
	done
	if [ "$rc" = 0 ]; then
		ktap_pass "lz4 -b12 -B262144 on all $NCPU vCPUs at once, round $rep: decompression $speeds MB/s"
		echo "# BENCH {\"run\":\"lz4_all\",\"rep\":$rep,\"decompress_mb_s\":[$speeds]}"
	else
		ktap_fail "lz4 benchmark on all $NCPU vCPUs at once, round $rep" "$(tr '\r' '\n' < /tmp/lz4.all.0 | tail -n 1)"
	fi
	rc=0
	"$DIO" memcpy "$MEMCPY_MIB" > /tmp/memcpy.out 2>&1 || rc=$?
	# "bytes N ns N"
	read -r _ mbytes _ mns < /tmp/memcpy.out
	if [ "$rc" = 0 ] && [ "${mns:-0}" -gt 0 ]; then
		ktap_pass "memcpy of $MEMCPY_MIB MiB, round $rep"
		echo "# BENCH {\"run\":\"memcpy\",\"rep\":$rep,\"bytes\":$mbytes,\"ns\":$mns}"
	else
		ktap_fail "memcpy, round $rep" "exit $rc: $(head -n 1 /tmp/memcpy.out)"
	fi
}

rep=1
while [ "$rep" -le "$REPS" ]; do
	for mem in low normal; do
		for jobs in 4 1; do
			run buffered "$mem" "$jobs" erofs 0 "$DEV"
			run dio-buffered "$mem" "$jobs" erofs_dio 0 "$DEV"
			run dio "$mem" "$jobs" erofs_dio 1 "$DEV"
			if [ "$mem" = normal ] && [ "$jobs" = 4 ]; then
				ceilings
			fi
		done
	done
	rep=$((rep + 1))
done

# The decompression limit: the image in RAM (tmpfs) behind a loop device, so device reads cost
# a memcpy; erofs_dio O_DIRECT with one job per vCPU, and the loop device's raw O_DIRECT read
# rate for the device's share of the cost.
ktap_check "image copied into tmpfs" dd if="$DEV" of=/dev/shm/model.img bs=1M iflag=direct
losetup -r -f /dev/shm/model.img
LOOP=""
for l in /sys/block/loop*; do
	[ "$(cat "$l/loop/backing_file" 2>/dev/null)" = /dev/shm/model.img ] && LOOP=/dev/${l##*/}
done
ktap_expect_eq "loop device on the tmpfs copy" "yes" "$([ -b "$LOOP" ] && echo yes)"
sync
echo 3 > /proc/sys/vm/drop_caches
# Whole blocks of BS only, as fio reads them.
LSIZE=$(($(stat -c %s /dev/shm/model.img) / 4194304 * 4194304))
rc=0
fio --name=raw --filename="$LOOP" --rw=read --bs=$BS --ioengine=psync --direct=1 --readonly \
	--size="$LSIZE" --output-format=json > /tmp/fio.json 2> /tmp/fio.err || rc=$?
ktap_expect_eq "raw O_DIRECT read of the loop device" "0 $LSIZE" "$rc $(fio_key io_bytes)"
[ "$rc" = 0 ] &&
	echo "# BENCH {\"run\":\"loopraw\",\"jobs\":1,\"bytes\":$(fio_key io_bytes),\"bw_bytes\":$(fio_key bw_bytes),\"runtime_ms\":$(fio_key runtime)}"
rep=1
while [ "$rep" -le "$REPS" ]; do
	for jobs in $LIMIT_JOBS; do
		run limit normal "$jobs" erofs_dio 1 "$LOOP"
	done
	rep=$((rep + 1))
done
ktap_check "loop device detached" losetup -d "$LOOP"
rm -f /dev/shm/model.img

rm -f /dev/shm/lz4.bin

# The small files. One pass: a fresh mount, drop_caches, then one dioread process that opens,
# reads whole (1 MiB reads) and closes every file in the list's order, and checks its hash.
SUMS=/mnt/tools/smallfiles.sums
NFILES=$(wc -l < "$SUMS")
for img in $SMALL_IMAGES; do
	dev=$(disk "small-$img.img")
	echo "# BENCH {\"run\":\"smallinfo\",\"image\":\"$img\",\"mkfs\":\"$(sed -n "s/^$img://p" /mnt/tools/smallfiles.images)\",\"image_bytes\":$(awk -v d="${dev#/dev/}" '$4 == d {print $3 * 1024}' /proc/partitions),\"files\":$NFILES,\"package\":\"$(cat /mnt/tools/smallfiles.pkg)\"}"
done

# small IMAGE PATH FSTYPE DIRECT: one cold pass over every file, printed as BENCH.
small() {
	img=$1 path=$2 fstype=$3 direct=$4
	what="small files, $img image, $path, round $rep"
	if ! mount -t "$fstype" -o ro "$(disk "small-$img.img")" /mnt/m; then
		ktap_fail "$what" "$fstype does not mount small-$img.img"
		return
	fi
	sync
	echo 3 > /proc/sys/vm/drop_caches
	st=/sys/block/$(basename "$(disk "small-$img.img")")/stat
	read -r d0 _ s0 _ < "$st"
	c0=$(costs "$fstype") b0=$(busy) t0=$(uptime_cs)
	rc=0
	case $path in
	*opens) "$DIO" opens /mnt/m "$SUMS" > /tmp/small.out 2> /tmp/small.err || rc=$? ;;
	*) "$DIO" list 1048576 "$direct" /mnt/m "$SUMS" > /tmp/small.out 2> /tmp/small.err || rc=$? ;;
	esac
	t1=$(uptime_cs) b1=$(busy) c1=$(costs "$fstype")
	read -r d1 _ s1 _ < "$st"
	umount /mnt/m
	files="" errors=""
	read -r _ files _ bytes _ io_ns _ wall_ns _ errors < /tmp/small.out
	if [ "$rc" != 0 ] || [ "$files" != "$NFILES" ] || [ "$errors" != 0 ]; then
		ktap_fail "$what" "exit $rc, ${files:-?} of $NFILES files, ${errors:-?} errors: $(head -n 1 /tmp/small.err)"
		return
	fi
	case $path in
	*opens) ktap_pass "$what: $files files opened and closed" ;;
	*) ktap_pass "$what: $files files, $bytes bytes, hashes match" ;;
	esac
	echo "# BENCH {\"run\":\"small\",\"rep\":$rep,\"image\":\"$img\",\"path\":\"$path\",\"fs\":\"$fstype\",\"direct\":$direct,\"files\":$files,\"bytes\":$bytes,\"io_ns\":$io_ns,\"wall_ns\":$wall_ns,\"wall_cs\":$((t1 - t0)),\"busy_jiffies\":$((b1 - b0)),\"hz\":100,\"ncpu\":$NCPU,\"dev_reads\":$((d1 - d0)),\"dev_sectors\":$((s1 - s0))$(cost_fields "$c0" "$c1")}"
}

rep=1
while [ "$rep" -le "$SMALL_REPS" ]; do
	for img in $SMALL_IMAGES; do
		small "$img" buffered erofs 0
		small "$img" dio-buffered erofs_dio 0
		small "$img" dio erofs_dio 1
		# Lookups and inodes alone: every file opened and closed, nothing read.
		small "$img" opens erofs 0
		small "$img" dio-opens erofs_dio 0
	done
	rep=$((rep + 1))
done
umount /mnt/tools
ktap_check "rmmod erofs_dio" rmmod erofs_dio
ktap_finish
