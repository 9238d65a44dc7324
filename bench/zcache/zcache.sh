#!/bin/sh
# The zcache bench (make bench-zcache), guest side. A skeleton: the app-launch model runs and
# checks its data, the disk is not throttled yet (see bench.conf).
#
# Model: APPS "apps", each a directory of real program bytes (the guest's own binaries and
# modules, cut differently per app), on ext4. A launch reads all of an app's files and checks
# their checksums (a stale or wrong byte fails the run). Launches go round-robin inside a
# memory cgroup too small to hold every app, next to a background hog that reads a file of its
# own in a loop. Arms: ext4 on the plain disk, on zcache0 with caching off, sync mode, async
# mode. Per launch: its time, the cache's hits and misses, the lower disk's sectors read, the
# CPU time; per arm, the cache's compressed and original bytes. "# BENCH {json}" lines go to
# bench/zcache/report.py.
. "$SUITE_DIR/ktap.sh"

APPS=${ZCB_APPS:-6}
APP_KIB=${ZCB_APP_KIB:-3072}
ROUNDS=${ZCB_ROUNDS:-5}
Z=/sys/kernel/zcache
D=/sys/block/zcache0/zcache
CG=/sys/fs/cgroup/zcbench
M=/mnt/zcb

bench() { echo "# BENCH $*"; }
ms() { awk '{ printf "%d", $1 * 1000 }' /proc/uptime; }
cpu_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
vd=$(echo "$SUITE_DISKS" | awk '$2 == "zcbench.rw.img" { print $1 }')
vdn=${vd#/dev/}
lower_read() { awk '{ print $3 }' "/sys/block/$vdn/stat"; }
c() { if [ -d $D ]; then cat "$D/$1"; else echo 0; fi; }

# The program bytes every app is cut from.
mkdir -p /tmp/zcb
find /usr/lib/modules /usr/bin /usr/sbin -type f -size +16k 2>/dev/null | sort |
	xargs cat > /tmp/zcb/pool 2>/dev/null
POOL_KIB=$(($(wc -c < /tmp/zcb/pool) / 1024))

# setup ARM: ext4 on the arm's device, the apps copied in, checksums taken.
setup() {
	case $1 in
	plain) dev=$vd ;;
	*) modprobe zcache && echo "$vd" > $Z/attach && dev=/dev/zcache0 ;;
	esac
	case $1 in
	off) echo 0 > $D/enabled ;;
	sync) echo sync > $D/mode ;;
	esac
	/usr/sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 "$dev" &&
		mkdir -p $M && mount -t ext4 "$dev" $M || return 1
	a=0
	while [ $a -lt "$APPS" ]; do
		mkdir -p $M/app$a
		# Eight files per app, from offsets of the pool that differ per app.
		f=0
		while [ $f -lt 8 ]; do
			skip=$((((a * 8 + f) * APP_KIB / 8 * 7) % (POOL_KIB - APP_KIB / 8)))
			dd if=/tmp/zcb/pool of=$M/app$a/f$f bs=1024 skip=$skip count=$((APP_KIB / 8)) 2>/dev/null
			f=$((f + 1))
		done
		(cd $M/app$a && sha256sum f*) > /tmp/zcb/app$a.sums
		a=$((a + 1))
	done
	dd if=/tmp/zcb/pool of=$M/hog bs=1024 count=$((APP_KIB * 2)) 2>/dev/null
	sync
	echo 3 > /proc/sys/vm/drop_caches
	mkdir -p $CG
	echo +memory > /sys/fs/cgroup/cgroup.subtree_control
	# Room for about half the apps.
	echo $((APP_KIB * APPS / 2 * 1024)) > $CG/memory.max
}

teardown() {
	umount $M
	[ -d $D ] && echo zcache0 > $Z/detach && rmmod zcache
	rmdir $CG 2>/dev/null
	return 0
}

# run_arm ARM: ROUNDS rounds of launching every app in turn, with the hog running.
run_arm() {
	arm=$1
	sh -c "echo \$\$ > $CG/cgroup.procs; while :; do cat $M/hog > /dev/null; done" &
	hog=$!
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		a=0
		while [ $a -lt "$APPS" ]; do
			h0=$(c hits) m0=$(c misses) l0=$(lower_read) c0=$(cpu_ticks) t0=$(ms)
			if ! sh -c "echo \$\$ > $CG/cgroup.procs && cd $M/app$a && sha256sum -c -s /tmp/zcb/app$a.sums"; then
				kill $hog
				return 1
			fi
			t1=$(ms)
			bench "{\"arm\":\"$arm\",\"app\":$a,\"round\":$r,\"ms\":$((t1 - t0)),\"hits\":$(($(c hits) - h0)),\"misses\":$(($(c misses) - m0)),\"lower_sectors\":$(($(lower_read) - l0)),\"cpu_ticks\":$(($(cpu_ticks) - c0))}"
			a=$((a + 1))
		done
		r=$((r + 1))
	done
	kill $hog
	wait $hog 2>/dev/null
	bench "{\"arm\":\"$arm\",\"summary\":true,\"compressed_bytes\":$(c compressed_bytes),\"original_bytes\":$(c original_bytes),\"stores\":$(c stores),\"staging_drops\":$(c staging_drops),\"refaults\":$(awk '/^workingset_refault_file/ { print $2 }' /proc/vmstat)}"
}

ARMS="plain off sync async"
ktap_plan 4
bench "{\"guest\":{\"kernel\":\"$(uname -r)\",\"arch\":\"$(uname -m)\",\"cpus\":$(nproc),\"mem_kb\":$(awk '/MemTotal/ { print $2 }' /proc/meminfo)},\"apps\":$APPS,\"app_kib\":$APP_KIB,\"rounds\":$ROUNDS}"
for arm in $ARMS; do
	if setup $arm && run_arm $arm && teardown; then
		ktap_pass "arm $arm: every launch read the right bytes"
	else
		ktap_fail "arm $arm" "a launch read wrong bytes, or the arm could not be set up"
		teardown
	fi
done
ktap_finish
