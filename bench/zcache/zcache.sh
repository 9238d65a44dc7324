#!/bin/sh
# The zcache bench (make bench-zcache), guest side.
#
# The lower disk: zcdelay0 (zcache_delay.ko, test only) over the virtio disk, a pass-through
# whose reads take at least FLASH_US + KiB * FLASH_NS_PER_KIB, phone flash latency scaled to
# this guest's speed: the guest's own lz4 decodes 4 KiB blocks (lz4 -b) some times slower than
# a phone (PHONE_LZ4_NS per 4 KiB), so the flash is made that many times slower too, keeping
# the phone's ratio of a flash read to a decompression (see bench.conf).
#
# Model: APPS "apps", each eight files of real program bytes (the guest's own libraries and
# binaries, a different cut per app), on one ext4 made once on zcdelay0. A launch reads every
# 4 KiB page of its app once, in random order with readahead off (fio), as page faults on an
# app's code and resources do; fio's runtime is the launch time. Then sha256sum checks the
# app's files (a stale or wrong byte fails the run, and no report is written). Launches go
# round-robin, ROUNDS rounds, inside a memory cgroup with room for about half the apps, next to
# a hog of shared memory that comes and goes in the same cgroup. Arms: ext4 mounted from
# zcdelay0 (plain), and from zcache0 over it with caching off, in sync mode and in async mode,
# each PASSES times, the order rotated per pass (with four passes each arm runs once in each
# position); the cache is empty and the page cache dropped at each start. Round 0 of each run
# is the cold start. "# BENCH {json}" lines go to bench/zcache/report.py.
. "$SUITE_DIR/ktap.sh"

APPS=6 APP_KIB=3072 ROUNDS=4 PASSES=4
# Phone: a 4 KiB random read from UFS takes about 120 us, sequential reads stream at about
# 3 GB/s (0.33 us per KiB), and LZ4 decodes 4 KiB in about 3 us on a mid core.
PHONE_FLASH_US=120 PHONE_NS_PER_KIB=330 PHONE_LZ4_NS=3000
# Staging slots for every page a launch evicts at once (768): under TCG the workers store a
# page many times slower than reclaim evicts one.
STAGING=1024
Z=/sys/kernel/zcache
D=/sys/block/zcache0/zcache
CG=/sys/fs/cgroup/zcbench
M=/mnt/zcb
W=/tmp/zcb
SHM=/tmp/zcb/shm
HOG_KIB=3072

bench() { echo "# BENCH $*"; }
say() { echo "# $*"; }
now_cs() { awk '{ printf "%d", $1 * 100 }' /proc/uptime; }
# Busy time of all CPUs (user, nice, system, irq, softirq) in clock ticks.
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
# Sectors read from the virtio disk under zcdelay0 (which keeps no statistics of its own).
lower_read() { awk '{ print $3 }' "/sys/block/${vd#/dev/}/stat"; }
# The first value of a key in fio's JSON output (the read side comes first).
fio_key() { awk -F' : ' -v k="\"$1\"" '$1 ~ k"$" {gsub(/[ ,"]/, "", $2); print $2; exit}' $W/fio.json; }
c() { if [ -d $D ]; then cat "$D/$1"; else echo 0; fi; }
refaults() { awk '$1 == "workingset_refault_file" { print $2 }' $CG/memory.stat; }
# CPU ticks of zcache0's worker threads.
worker_ticks() {
	for p in /proc/[0-9]*; do
		case "$(cat "$p/comm" 2>/dev/null)" in zcache0-*) awk '{ print $14 + $15 }' "$p/stat" ;; esac
	done | awk '{ s += $1 } END { print s + 0 }'
}
incg() { sh -c "echo \$\$ > $CG/cgroup.procs && $1"; }

vd=$(echo "$SUITE_DISKS" | awk '$2 == "zcbench.rw.img" { print $1 }')
ktap_plan $((3 + 4 * PASSES))

# The program bytes every app is cut from.
mkdir -p $W $M
find /usr/lib /usr/bin /usr/sbin -type f -size +16k 2>/dev/null | sort |
	xargs cat 2>/dev/null | head -c 33554432 > $W/pool
POOL_KIB=$(($(wc -c < $W/pool) / 1024))

# The guest's lz4 on 4 KiB blocks of those bytes: decompression MB/s (10^6 bytes), the last
# figure of lz4's benchmark line.
head -c 4194304 $W/pool > $W/sample
mbs=$(lz4 -b1 -B4096 -i1 $W/sample 2>&1 | tr '\r' '\n' | grep 'MB/s' | tail -n 1 |
	sed 's/.*, *\([0-9.]*\) MB\/s.*/\1/')
LZ4_NS=$(awk -v m="$mbs" 'BEGIN { if (m > 0) printf "%d", 4096 * 1000 / m }')
FLASH_US=$((PHONE_FLASH_US * LZ4_NS / PHONE_LZ4_NS))
FLASH_NS_PER_KIB=$((PHONE_NS_PER_KIB * LZ4_NS / PHONE_LZ4_NS))
say "guest lz4: $mbs MB/s decoding 4 KiB blocks, $LZ4_NS ns each; flash read: $FLASH_US us + $FLASH_NS_PER_KIB ns/KiB"
bench "{\"guest\":{\"kernel\":\"$(uname -r)\",\"arch\":\"$(uname -m)\",\"cpus\":$(nproc),\"mem_kb\":$(awk '/MemTotal/ { print $2 }' /proc/meminfo)},\"apps\":$APPS,\"app_kib\":$APP_KIB,\"rounds\":$ROUNDS,\"passes\":$PASSES,\"lz4_decode_mbs\":$mbs,\"lz4_4k_ns\":$LZ4_NS,\"phone\":{\"flash_us\":$PHONE_FLASH_US,\"ns_per_kib\":$PHONE_NS_PER_KIB,\"lz4_4k_ns\":$PHONE_LZ4_NS},\"flash_us\":$FLASH_US,\"flash_ns_per_kib\":$FLASH_NS_PER_KIB,\"staging_pages\":$STAGING}"

setup() {
	[ -n "$vd" ] && [ "$LZ4_NS" -gt 0 ] || return 1
	modprobe zcache_delay lower="$vd" read_us=$FLASH_US read_ns_per_kib=$FLASH_NS_PER_KIB &&
		modprobe zcache staging_pages=$STAGING || return 1
	/usr/sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 \
		/dev/zcdelay0 && mount -t ext4 /dev/zcdelay0 $M || return 1
	a=0
	while [ $a -lt $APPS ]; do
		mkdir -p $M/app$a
		f=0
		while [ $f -lt 8 ]; do
			skip=$((((a * 8 + f) * APP_KIB / 8 * 7) % (POOL_KIB - APP_KIB / 8)))
			dd if=$W/pool of=$M/app$a/f$f bs=1024 skip=$skip count=$((APP_KIB / 8)) 2>/dev/null
			f=$((f + 1))
		done
		(cd $M/app$a && sha256sum f*) > $W/app$a.sums
		a=$((a + 1))
	done
	mkdir -p $CG $SHM
	mount -t tmpfs tmpfs $SHM || return 1
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	# The cgroup's limit: what a launch needs besides the app's pages (fio's own memory, read
	# from one launch without a limit), the hog, and room for half the apps' pages.
	sync
	echo 3 > /proc/sys/vm/drop_caches
	launch 0 || return 1
	FIO_KIB=$(($(cat $CG/memory.peak) / 1024 - APP_KIB))
	LIMIT_KIB=$((FIO_KIB + HOG_KIB + APP_KIB * APPS / 2))
	echo $((LIMIT_KIB * 1024)) > $CG/memory.max
	bench "{\"cgroup\":{\"limit_kib\":$LIMIT_KIB,\"launcher_kib\":$FIO_KIB,\"hog_kib\":$HOG_KIB,\"room_kib\":$((APP_KIB * APPS / 2))}}"
	umount $M
}

# mount_arm ARM: ext4 of the arm's device at $M, the page cache dropped.
mount_arm() {
	dev=/dev/zcdelay0
	if [ "$1" != plain ]; then
		echo /dev/zcdelay0 > $Z/attach || return 1
		dev=/dev/zcache0
		case $1 in
		off) echo 0 > $D/enabled ;;
		sync) echo sync > $D/mode ;;
		esac
	fi
	sync
	echo 3 > /proc/sys/vm/drop_caches
	mount -t ext4 -o ro "$dev" $M
}

unmount_arm() {
	umount $M
	[ -d $D ] && echo zcache0 > $Z/detach
	return 0
}

# The hog: shared memory (which the cgroup cannot reclaim, there is no swap) that comes and
# goes, as other apps' memory does, so that reclaim evicts the apps' pages in bursts.
hog_start() {
	incg "while :; do dd if=/dev/zero of=$SHM/hog bs=64k count=$((HOG_KIB / 64)) 2>/dev/null;
		sleep 1; rm -f $SHM/hog; sleep 1; done" &
	hog=$!
}
# Everything left in the cgroup (the hog) goes, and its memory with it.
stop_hog() {
	echo 1 > $CG/cgroup.kill
	wait $hog 2>/dev/null
	while [ -s $CG/cgroup.procs ]; do sleep 0.1; done
	rm -f $SHM/hog
}

# launch APP: reads every 4 KiB page of the app's files once, in random order, as page faults
# on its code and resources do (readahead off: fadvise random); fio's own start is not timed.
launch() {
	files=$(echo $M/app$1/f* | tr ' ' ':')
	incg "exec fio --name=launch --filename=$files --rw=randread --bs=4k --ioengine=psync \
		--invalidate=0 --readonly --output-format=json > $W/fio.json 2> $W/fio.err" &&
		[ "$(fio_key io_bytes)" = $((APP_KIB * 1024)) ]
}

# run_arm ARM PASS: ROUNDS rounds of launching every app in turn, with the hog running.
run_arm() {
	arm=$1 pass=$2
	hog_start
	rf0=$(refaults) h0=$(c hits) l0=$(lower_read) cpu0=$(cpu_ticks) wk0=$(worker_ticks) t0=$(now_cs)
	r=0
	while [ $r -lt $ROUNDS ]; do
		a=0
		while [ $a -lt $APPS ]; do
			h=$(c hits) m=$(c misses) l=$(lower_read) cpu=$(cpu_ticks) rf=$(refaults)
			if ! launch $a; then
				say "$arm pass $pass: app$a round $r: fio failed: $(tail -n 1 $W/fio.err)"
				stop_hog
				return 1
			fi
			bench "{\"arm\":\"$arm\",\"pass\":$pass,\"app\":$a,\"round\":$r,\"ms\":$(fio_key runtime),\"hits\":$(($(c hits) - h)),\"misses\":$(($(c misses) - m)),\"lower_sectors\":$(($(lower_read) - l)),\"refaults\":$(($(refaults) - rf)),\"cpu_ticks\":$(($(cpu_ticks) - cpu))}"
			if ! incg "cd $M/app$a && sha256sum -c -s $W/app$a.sums"; then
				say "$arm pass $pass: app$a round $r read wrong bytes"
				stop_hog
				return 1
			fi
			a=$((a + 1))
		done
		r=$((r + 1))
	done
	stop_hog
	# Worker threads go with the disk: their time is read before the detach.
	bench "{\"arm\":\"$arm\",\"pass\":$pass,\"summary\":true,\"wall_cs\":$(($(now_cs) - t0)),\"cpu_ticks\":$(($(cpu_ticks) - cpu0)),\"worker_ticks\":$(($(worker_ticks) - wk0)),\"hz\":100,\"refaults\":$(($(refaults) - rf0)),\"hits\":$(($(c hits) - h0)),\"lower_sectors\":$(($(lower_read) - l0)),\"compressed_bytes\":$(c compressed_bytes),\"original_bytes\":$(c original_bytes),\"stores\":$(c stores),\"evictions\":$(c evictions),\"staging_drops\":$(c staging_drops),\"misses\":$(c misses),\"changed\":$(c changed),\"stale\":$(c stale),\"corrupt\":$(c corrupt),\"store_failures\":$(c store_failures)}"
	say "$arm pass $pass: evictions $(c evictions) stores $(c stores) drops $(c staging_drops) hits $(c hits) misses $(c misses) refaults $(($(refaults) - rf0))"
	# The model holds only if relaunches refault (at least half their pages) and, with caching
	# on, the cache serves at least half of those: else the figures would compare nothing.
	rf=$(($(refaults) - rf0)) hits=$(($(c hits) - h0))
	want=$(((ROUNDS - 1) * APPS * APP_KIB / 4 / 2))
	if [ $rf -lt $want ]; then
		say "$arm pass $pass: $rf file refaults, fewer than $want: the cgroup holds the apps"
		return 1
	fi
	case $arm in sync | async)
		if [ $((hits * 2)) -lt $rf ]; then
			say "$arm pass $pass: $hits hits for $rf refaults: the cache does not serve them"
			return 1
		fi
		;;
	esac
}

# Not ktap_check: setup prints a BENCH line.
if setup; then
	ktap_pass "zcdelay0 over $vd, ext4 with $APPS apps of $APP_KIB KiB on it, the cgroup sized"
else
	ktap_fail "setup" "zcdelay0, ext4, the apps or the first launch failed"
fi
ktap_check "zcache0 attaches over zcdelay0" sh -c "echo /dev/zcdelay0 > $Z/attach && echo zcache0 > $Z/detach"
ARMS="plain off sync async"
p=0
while [ $p -lt $PASSES ]; do
	# The arms in turn, starting one further each pass.
	order=$(echo $ARMS $ARMS | awk -v k=$((p % 4)) '{ for (i = 1; i <= 4; i++) printf "%s ", $(i + k) }')
	for arm in $order; do
		if mount_arm $arm && run_arm $arm $p && unmount_arm; then
			ktap_pass "$arm, pass $p: every launch read the right bytes, relaunches refaulted"
		else
			ktap_fail "$arm, pass $p" "a launch read wrong bytes, too few refaults or hits, or no setup"
			unmount_arm
		fi
	done
	p=$((p + 1))
done
ktap_check "zcache and zcache_delay unload" sh -c "rmmod zcache && rmmod zcache_delay"
ktap_finish
