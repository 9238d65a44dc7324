#!/bin/sh
# zcache over a loop device (its backing file in the guest's RAM stands in for flash; arm64's
# virt machine has no virtio-mmio transport left for another scratch disk): attach, EROFS then
# ext4 on zcache0, pages evicted by memory-cgroup reclaim stored and read back from the cache
# (checksums equal, the lower device not read), drop_caches not cached, overwrite/truncate/
# unlink then reads never stale, write-zeroes and discard drop entries, sync mode, store
# failures under failslab and fail_page_alloc are misses, detach and rmmod refused while
# mounted, second-read admission without the tracepoint.
. "$SUITE_DIR/ktap.sh"

Z=/sys/kernel/zcache
D=/sys/block/zcache0/zcache
CG=/sys/fs/cgroup/zctest
M=/mnt/zc
DBG=/sys/kernel/debug

say() { echo "# $*"; }
c() { cat "$D/$1"; }
werr() { printf '%s\n' "$2" | dd of="$1" 2>&1 | sed -n "s/^dd: error writing .*': //p"; }
log_lines() { dmesg | grep -c -F -- "$1"; }
wait_for() {
	_n=$(($1 * 20))
	shift
	while ! "$@" 2>/dev/null; do
		_n=$((_n - 1))
		[ $_n -gt 0 ] || return 1
		sleep 0.05
	done
}

# The lower device: a loop device over a 64 MiB file starting with the host's EROFS image.
mkdir -p /tmp/zc
truncate -s 64M /tmp/zc/lower.img
dd if="$SUITE_DIR/data/zcache.zcache/erofs.part" of=/tmp/zc/lower.img conv=notrunc 2>/dev/null
vd=$(/usr/sbin/losetup -f --show /tmp/zc/lower.img)
vdn=${vd#/dev/}
# Sectors the lower disk has read (the third field of its stat).
lower_read() { awk '{ print $3 }' "/sys/block/$vdn/stat"; }

# incg COMMAND: runs it in the test's memory cgroup, so that its page cache is charged there.
incg() { sh -c "echo \$\$ > $CG/cgroup.procs && $1"; }
# reclaim: evicts the cgroup's page cache (reclaim proper, not invalidation), then waits until
# the workers have dealt with every staged page.
settled() {
	[ "$(c staged)" -eq $(($(c stores) + $(c store_failures) + $(c changed) + $(c stale))) ]
}
reclaim() {
	echo 64M > $CG/memory.reclaim 2>/dev/null
	wait_for 20 settled
}
# The files' checksums, read in the cgroup (so that its reclaim evicts them again).
sums_ok() { incg "cd $M && sha256sum -c /tmp/zc/sums"; }
# Pages of N bytes.
pages() { echo $((($1 + 4095) / 4096)); }

ktap_plan 51

if [ -z "$vd" ]; then
	ktap_fail "a loop device over the lower image" "losetup failed"
	ktap_finish
fi

# Data: a binary (compresses some), text (compresses well), random (does not); half as much on
# the debug kernel (KASAN under TCG stores a page many times slower).
SZ=393216 RZ=262144
[ "${SUITE_VARIANT:-default}" = debug ] && SZ=196608 RZ=131072
mkdir -p /tmp/zc $M
head -c $SZ /usr/bin/busybox > /tmp/zc/bin
seq 1 70000 | head -c $SZ > /tmp/zc/text
head -c $RZ /dev/urandom > /tmp/zc/rand
tail -c $SZ /usr/bin/busybox > /tmp/zc/bin2
seq 500000 570000 | head -c $SZ > /tmp/zc/text2
FILE_PAGES=$(($(pages $SZ) * 3 + $(pages $RZ)))

# Staging for every page the test evicts at once: under TCG the workers store a page many
# times slower than reclaim evicts one (a full staging drops pages; counted, not tested here).
ktap_check "modprobe zcache" modprobe zcache staging_pages=1024
attach() { echo "$vd" > $Z/attach && [ -b /dev/zcache0 ] && [ -d $D ]; }
ktap_check "attach $vd: zcache0" attach
ktap_expect_eq "evictions come from the tracepoint; lower is $vdn" "tracepoint $vdn" \
	"$(c source) $(c lower)"
ktap_expect_eq "attaching $vd again: EBUSY (held exclusively)" "Device or resource busy" \
	"$(werr $Z/attach "$vd")"
writes_refused() { ! dd if=/dev/zero of="$vd" bs=4096 count=1 seek=100 oflag=direct 2>/dev/null; }
ktap_check "writing to $vdn around zcache0 is refused" writes_refused
ktap_expect_eq "attaching a missing path: ENOENT" "No such file or directory" \
	"$(werr $Z/attach /dev/nosuchdisk)"
ktap_expect_eq "attaching '$vdn' (not a path): EINVAL" "Invalid argument" "$(werr $Z/attach "$vdn")"
n=$(log_lines "zcache0: mode: \`fast\`")
ktap_expect_eq "mode 'fast': EINVAL" "Invalid argument" "$(werr $D/mode fast)"
ktap_expect_eq "... one log line names it, mode stays async" "1 async" \
	"$(($(log_lines "zcache0: mode: \`fast\`") - n)) $(c mode)"

# EROFS (read-only, large folios): the image at the start of the disk.
mkdir -p $CG
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
ktap_check "erofs image on zcache0, mounted" sh -c "modprobe erofs && mount -t erofs -o ro /dev/zcache0 $M"
incg "find $M -type f -exec sha256sum {} +" > /tmp/zc/esums
EPAGES=$(($(find $M -type f -exec cat {} + | wc -c) / 4096))
s0=$(c stores)
reclaim
say "erofs: $EPAGES file pages; evictions $(c evictions) stores $(c stores) unknown $(c unknown) drops $(c staging_drops)"
h0=$(c hits) r0=$(lower_read)
ktap_check "erofs: read back after reclaim, checksums equal" incg "sha256sum -c /tmp/zc/esums"
h1=$(c hits) r1=$(lower_read)
say "erofs: hits $h0 -> $h1, lower sectors read $r0 -> $r1"
ktap_check "erofs: most pages come from the cache ($((h1 - h0)) of $EPAGES)" \
	test $((h1 - h0)) -ge $((EPAGES / 2))
ktap_check "erofs: umount" umount $M

mkfs_mount() {
	/usr/sbin/mke2fs -q -F -t ext4 -b 4096 -E lazy_itable_init=0,lazy_journal_init=0 /dev/zcache0 &&
		mount -t ext4 /dev/zcache0 $M
}
ktap_check "ext4 on zcache0, mounted" mkfs_mount
cp /tmp/zc/bin /tmp/zc/text /tmp/zc/rand /tmp/zc/text2 $M/ && sync
(cd $M && sha256sum bin text rand text2) > /tmp/zc/sums

# drop_caches evicts by invalidation: nothing may be cached from it.
incg "find $M -type f -exec cat {} + > /dev/null"
g0=$(c staged) e0=$(c evictions)
echo 3 > /proc/sys/vm/drop_caches
sleep 0.3
ktap_expect_eq "drop_caches: no eviction counted, nothing staged" "$e0 $g0" "$(c evictions) $(c staged)"

# Read in the cgroup, evicted by its reclaim: stored.
incg "find $M -type f -exec cat {} + > /dev/null"
reclaim
say "evictions $(c evictions) staged $(c staged) stores $(c stores) drops $(c staging_drops) unknown $(c unknown) stale $(c stale) changed $(c changed) failures $(c store_failures)"
say "entries $(c entries) compressed $(c compressed_bytes) original $(c original_bytes) pool $(c pool_bytes)"
st=$(c stores)
ktap_check "reclaim stores the files' pages ($st stores of $FILE_PAGES file pages)" \
	test "$st" -ge $((FILE_PAGES * 3 / 4))
ktap_check "pages are compressed: compressed_bytes < 9/10 of original_bytes" \
	test "$(c compressed_bytes)" -lt $(($(c original_bytes) * 9 / 10))

h0=$(c hits) r0=$(lower_read)
ktap_check "read back: checksums equal" sums_ok
h1=$(c hits) r1=$(lower_read)
say "hits $h0 -> $h1, lower sectors read $r0 -> $r1, misses $(c misses)"
ktap_check "hits counted for the files' pages ($((h1 - h0)))" \
	test $((h1 - h0)) -ge $((FILE_PAGES * 3 / 4))
ktap_check "the lower disk read under a tenth of the files ($((r1 - r0)) sectors)" \
	test $((r1 - r0)) -lt $((FILE_PAGES * 8 / 10))
ktap_expect_eq "hits leave the cache (exclusive): no entry of the files left" 0 \
	"$(($(c entries) > FILE_PAGES / 4 ? 1 : 0))"

# Overwrite, truncate, unlink while the old pages are cached, then read: never stale.
incg "find $M -type f -exec cat {} + > /dev/null"
reclaim
i0=$(c invalidations) en=$(c entries)
dd if=/tmp/zc/bin2 of=$M/bin bs=4096 conv=notrunc 2>/dev/null
truncate -s 0 $M/text && cat /tmp/zc/text2 > $M/text
rm $M/rand && cp /tmp/zc/bin2 $M/new
sync
echo 3 > /proc/sys/vm/drop_caches
say "entries $en, invalidations $i0 -> $(c invalidations)"
# The overwrite covers every page of bin; a few may not have been cached.
ktap_check "the overwrite invalidated the cached pages it hit" \
	test "$(c invalidations)" -ge $((i0 + $(pages $SZ) * 5 / 6))
stale_ok() {
	[ "$(sha256sum < $M/bin)" = "$(sha256sum < /tmp/zc/bin2)" ] &&
		[ "$(sha256sum < $M/text)" = "$(sha256sum < /tmp/zc/text2)" ] &&
		[ "$(sha256sum < $M/new)" = "$(sha256sum < /tmp/zc/bin2)" ] &&
		[ "$(sha256sum < $M/text2)" = "$(sha256sum < /tmp/zc/text2)" ]
}
ktap_check "overwritten, truncated and new files read back their new bytes" stale_ok
(cd $M && sha256sum bin text new text2) > /tmp/zc/sums

# Sync mode: the probe compresses.
ktap_expect_eq "async mode: the probe compresses nothing" 0 "$(c probe_compressed)"
echo sync > $D/mode
s0=$(c stores) h0=$(c hits)
echo 3 > /proc/sys/vm/drop_caches
incg "find $M -type f -exec cat {} + > /dev/null"
reclaim
ktap_check "sync mode: the probe compresses, the pages are stored ($(c probe_compressed), $(($(c stores) - s0)))" \
	sh -c "[ $(c probe_compressed) -ge $((FILE_PAGES / 2)) ] && [ $(($(c stores) - s0)) -ge $((FILE_PAGES / 2)) ]"
ktap_check "... and reads them back intact" sums_ok
ktap_check "... from the cache ($(($(c hits) - h0)) hits)" test $(($(c hits) - h0)) -ge $((FILE_PAGES / 2))
echo async > $D/mode

# Store failures: allocations of the workers fail (failslab, then fail_page_alloc): misses,
# never wrong data.
workers=$(grep -l '^zcache0-' /proc/[0-9]*/comm 2>/dev/null | sed 's|/comm$||')
inject() { # FAULT(failslab|fail_page_alloc) on|off
	_on=0 _p=0
	[ "$2" = on ] && _on=1 _p=100
	for w in $workers; do echo $_on > "$w/make-it-fail"; done
	echo Y > "$DBG/$1/task-filter"
	echo 0 > "$DBG/$1/verbose"
	echo 1 > "$DBG/$1/interval"
	echo -1 > "$DBG/$1/times"
	echo $_p > "$DBG/$1/probability"
}
for fault in failslab fail_page_alloc; do
	if [ ! -d $DBG/$fault ] || [ -z "$workers" ]; then
		ktap_skip "$fault: store failures are misses" "no $DBG/$fault or no workers"
		ktap_skip "... data intact" "as above"
		continue
	fi
	# zsmalloc asks for order-0 highmem pages without direct reclaim.
	if [ $fault = fail_page_alloc ]; then
		echo 0 > $DBG/$fault/min-order
		echo N > $DBG/$fault/ignore-gfp-highmem
	fi
	f0=$(c store_failures) s0=$(c stores)
	echo 3 > /proc/sys/vm/drop_caches
	inject $fault on
	incg "find $M -type f -exec cat {} + > /dev/null"
	reclaim
	inject $fault off
	say "$fault: failures $f0 -> $(c store_failures), stores $s0 -> $(c stores)"
	ktap_check "$fault: stores fail and are counted ($(($(c store_failures) - f0)))" \
		test $(($(c store_failures) - f0)) -ge $((FILE_PAGES / 2))
	ktap_check "... data intact" sums_ok
done

# The size cap: mem_limit far below what the files need; entries make room for new ones.
echo 256K > $D/mem_limit
f0=$(c cap_frees)
echo 3 > /proc/sys/vm/drop_caches
incg "find $M -type f -exec cat {} + > /dev/null"
reclaim
say "mem_limit $(c mem_limit): compressed_bytes $(c compressed_bytes), cap_frees $f0 -> $(c cap_frees)"
ktap_check "mem_limit 256K: the cache stays under it and frees entries for room" \
	sh -c "[ $(c compressed_bytes) -le 262144 ] && [ $(c cap_frees) -gt $f0 ]"
ktap_check "... data intact" sums_ok
echo 0 > $D/mem_limit

# Busy: detach and rmmod refused while mounted.
ktap_expect_eq "detach while mounted: EBUSY" "Device or resource busy" "$(werr $Z/detach zcache0)"
ktap_check_fails "rmmod while mounted fails" rmmod zcache
ktap_check "umount" umount $M

# Raw sectors: the disk's own page cache is cached too; write-zeroes and discard drop entries.
# The last close of a block device truncates its page cache: the shell holds it open.
exec 3< /dev/zcache0
head -c 262144 /usr/bin/busybox > /tmp/zc/pat
dd if=/tmp/zc/pat of=/dev/zcache0 bs=4096 seek=8192 oflag=direct 2>/dev/null
dd if=/tmp/zc/pat of=/dev/zcache0 bs=4096 seek=9216 oflag=direct 2>/dev/null
# (With 16 KiB pages the writes leave the range in the disk's page cache: read it afresh.)
echo 1 > /proc/sys/vm/drop_caches
s0=$(c stores)
incg "dd if=/dev/zcache0 of=/dev/null bs=4096 skip=8192 count=64 2>/dev/null; dd if=/dev/zcache0 of=/dev/null bs=4096 skip=9216 count=64 2>/dev/null"
reclaim
say "evictions $(c evictions) staged $(c staged) stores $(c stores) drops $(c staging_drops) unknown $(c unknown) stale $(c stale) changed $(c changed) failures $(c store_failures)"
ktap_check "raw pages of zcache0 are stored ($(($(c stores) - s0)))" test $(($(c stores) - s0)) -ge 96
i0=$(c invalidations)
/usr/sbin/blkdiscard -f -z -o $((8192 * 4096)) -l 262144 /dev/zcache0
zeroed() {
	[ "$(dd if=/dev/zcache0 bs=4096 skip=8192 count=64 iflag=direct 2>/dev/null | sha256sum)" = \
		"$(head -c 262144 /dev/zero | sha256sum)" ]
}
ktap_check "write-zeroes drops the entries ($(($(c invalidations) - i0)))" test $(($(c invalidations) - i0)) -ge 48
ktap_check "... reads after it return zeros" zeroed
i0=$(c invalidations)
/usr/sbin/blkdiscard -f -o $((9216 * 4096)) -l 262144 /dev/zcache0
ktap_check "discard drops the entries ($(($(c invalidations) - i0)))" test $(($(c invalidations) - i0)) -ge 48

# The shrinker: entries given back under memory pressure (drop_caches runs every shrinker).
incg "dd if=/dev/zcache0 of=/dev/null bs=4096 skip=1 count=256 2>/dev/null"
reclaim
e1=$(c entries) f0=$(c shrinker_frees)
echo 2 > /proc/sys/vm/drop_caches
ktap_check "the shrinker frees entries ($e1 entries, $(($(c shrinker_frees) - f0)) freed)" \
	test "$(c shrinker_frees)" -gt "$f0"

# enabled 0: the cache is emptied and stores nothing more.
incg "dd if=/dev/zcache0 of=/dev/null bs=4096 skip=300 count=64 2>/dev/null"
reclaim
e1=$(c entries)
echo 0 > $D/enabled
s0=$(c stores)
incg "dd if=/dev/zcache0 of=/dev/null bs=4096 skip=600 count=64 2>/dev/null"
reclaim
ktap_expect_eq "enabled 0 empties the cache ($e1 entries before) and stores nothing" "1 0 $s0" \
	"$((e1 > 0)) $(c entries) $(c stores)"
echo 1 > $D/enabled
exec 3<&-
detach() { echo zcache0 > $Z/detach && wait_for 3 test ! -b /dev/zcache0; }
ktap_check "detach once unmounted" detach
ktap_check "rmmod zcache" rmmod zcache

# Without the tracepoint: a block read twice is admitted, and the third read hits.
ktap_check "modprobe zcache tracepoint=0, attach" \
	sh -c "modprobe zcache tracepoint=0 staging_pages=1024 && echo $vd > $Z/attach && [ -d $D ]"
ktap_expect_eq "source: second-read" second-read "$(c source)"
# The range was discarded above: its bytes are the lower device's to choose; write them again.
dd if=/tmp/zc/pat of=/dev/zcache0 bs=4096 seek=9216 oflag=direct 2>/dev/null
rd() { dd if=/dev/zcache0 of=/dev/null bs=4096 skip=9216 count=64 2>/dev/null; }
rd && echo 1 > /proc/sys/vm/drop_caches && rd && wait_for 10 settled
st=$(c stores)
echo 1 > /proc/sys/vm/drop_caches
r0=$(lower_read)
same() {
	[ "$(dd if=/dev/zcache0 bs=4096 skip=9216 count=64 2>/dev/null | sha256sum)" = \
		"$(sha256sum < /tmp/zc/pat)" ]
}
ktap_check "the second read stores the blocks ($st)" test "$st" -ge 64
same_ok=0
same && same_ok=1
r1=$(lower_read)
say "hits $(c hits), lower sectors read $r0 -> $r1"
ktap_expect_eq "the third read hits them, right bytes, the lower disk not read" "1 1" \
	"$same_ok $(($(c hits) >= 64 && r1 - r0 < 128 ? 1 : 0))"
ktap_check "detach and rmmod" sh -c "echo zcache0 > $Z/detach && rmmod zcache"

# The bench's flash-latency disk (zcache_delay, test only): the lower device's bytes through
# it unchanged, then a clean unload.
delay_same() {
	modprobe zcache_delay lower="$vd" read_us=500 read_ns_per_kib=100 &&
		[ "$(dd if=/dev/zcdelay0 bs=4096 skip=9216 count=64 iflag=direct 2>/dev/null | sha256sum)" = \
			"$(sha256sum < /tmp/zc/pat)" ]
}
ktap_check "zcache_delay over $vdn: zcdelay0 reads the same bytes" delay_same
ktap_check "rmmod zcache_delay" rmmod zcache_delay
/usr/sbin/losetup -d "$vd"
ktap_finish
