#!/bin/sh
# `make demo`: zcache at work. ext4 on zcache0 over a loop device; files read inside a memory
# cgroup, evicted by its reclaim, read again: where the second read came from (the cache's hits,
# the lower device's reads), what the cache holds, and its counters.
. "$SUITE_DIR/ktap.sh"

Z=/sys/kernel/zcache
D=/sys/block/zcache0/zcache
CG=/sys/fs/cgroup/zcdemo
M=/mnt/zcdemo

say() { echo "# $*"; }
c() { cat "$D/$1"; }
incg() { sh -c "echo \$\$ > $CG/cgroup.procs && $1"; }
settled() {
	[ "$(c staged)" -eq $(($(c stores) + $(c store_failures) + $(c changed) + $(c stale))) ]
}
wait_for() {
	_n=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}
lower_read() { awk '{ print $3 }' /sys/block/loop0/stat; }

ktap_plan 4
truncate -s 32M /tmp/zcdemo.img
setup() {
	losetup /dev/loop0 /tmp/zcdemo.img && modprobe zcache && echo /dev/loop0 > $Z/attach &&
		/usr/sbin/mke2fs -q -F -t ext4 -b 4096 /dev/zcache0 && mkdir -p $M &&
		mount -t ext4 /dev/zcache0 $M
}
ktap_check "zcache0 over loop0 (a file in RAM standing in for flash), ext4 mounted" setup
say "zcache0 learns of evictions through: $(c source); mode $(c mode); cap $(c max_percent)% of RAM"
cp /usr/bin/busybox /usr/sbin/mke2fs $M/
seq 1 50000 > $M/numbers.txt
sync
(cd $M && sha256sum busybox mke2fs numbers.txt) > /tmp/zcdemo.sums
echo 3 > /proc/sys/vm/drop_caches
mkdir -p $CG
echo +memory > /sys/fs/cgroup/cgroup.subtree_control

r0=$(lower_read)
incg "cat $M/busybox $M/mke2fs $M/numbers.txt > /dev/null"
r1=$(lower_read)
say "first read: $(((r1 - r0) / 8)) pages from loop0"
echo 64M > $CG/memory.reclaim 2>/dev/null
wait_for 20 settled
say "memory.reclaim evicted $(c evictions) pages of zcache0's files; stored $(c stores)," \
	"$(c original_bytes) bytes in $(c compressed_bytes) compressed ($(c pool_bytes) in zsmalloc)"
h0=$(c hits)
ktap_check "second read: the same bytes" incg "cd $M && sha256sum -c /tmp/zcdemo.sums >/dev/null"
r2=$(lower_read)
say "second read: $(($(c hits) - h0)) pages from the cache, $(((r2 - r1) / 8)) from loop0"
ktap_check "the cache served the second read" test $(($(c hits) - h0)) -gt 0
for k in stores staging_drops hits misses invalidations shrinker_frees unknown stale changed; do
	printf '%s=%s ' $k "$(c $k)"
done | sed 's/^/# counters: /'
echo
teardown() {
	umount $M && echo zcache0 > $Z/detach && rmmod zcache && losetup -d /dev/loop0
}
ktap_check "umount, detach, rmmod" teardown
ktap_finish
