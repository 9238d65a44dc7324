#!/bin/sh
# erofs_dio's device reads, by the counters in debugfs: on the lz4 image (no ztailpacking, so
# every pcluster is whole device blocks) O_DIRECT reads of the compressed files reach the device
# only through bios into the engine's own buffers (direct_reads, direct_bytes), never through
# bounce pages (bounce_reads), and consecutive pclusters share a read; a request over more than
# one run of them reads the next run while the first decodes (ahead_used); whole extents decode
# straight into the destination (mapped_decodes): the caller's pages with O_DIRECT, the folios
# of readahead, large ones where the kernel has THP (large_folios); over every file, only a
# last partial block (a file's short last read) may bounce, once per file. On the lz4hc image
# with fragments, files kept whole in the packed inode are slices of a few pclusters, decoded
# once and then served by the mount's cache
# (cache_hits), and every other large extent of a request is handed to a worker
# (handed_decodes); where a request cuts an extent, the cut part (64 KiB or more) goes into the
# caller's pinned pages in one copy (mapped_copies). Every file's bytes equal stock erofs's.
. "$SUITE_DIR/ktap.sh"

disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
D=/sys/kernel/debug/erofs_dio
count() { cat "$D/$1" 2>/dev/null; }
# delta BEFORE AFTER: AFTER - BEFORE, or "none" without a counter.
delta() { if [ -n "$1" ] && [ -n "$2" ]; then echo $(($2 - $1)); else echo none; fi; }
# at_least WHAT N MIN: passes when N is a number and N >= MIN.
at_least() {
	if [ "$2" != none ] && [ "$2" -ge "$3" ]; then
		ktap_pass "$1 ($2, at least $3)"
	else
		ktap_fail "$1" "got $2, want at least $3"
	fi
}

ktap_plan 30
ktap_check "modprobe erofs_dio" sh -c "modprobe erofs_dio && modprobe erofs"
mkdir -p /mnt/tools /mnt/d
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
dev=$(disk lz4.img)
ktap_check "stock erofs mounts lz4" mount -t erofs -o ro "$dev" /mnt/d
ref=$(cd /mnt/d && find . -type f | sort | xargs cat | sha256sum)
runs_ref=$(sha256sum < /mnt/d/big/runs.bin)
umount /mnt/d
ktap_check "erofs_dio mounts lz4" mount -t erofs_dio -o ro "$dev" /mnt/d
ktap_check "the counters are in debugfs" test -r $D/direct_reads -a -r $D/bounce_reads
# Every name looked up first: inodes are read (32 or 64 bytes, bounced) before counting starts.
# NAME SIZE BLOCKS of each file; the compressed ones take fewer 512-byte blocks than bytes.
(cd /mnt/d && find . -type f | sort | xargs stat -c '%n %s %b') > /tmp/files
awk '$3 * 512 < $2 {print $1}' /tmp/files > /tmp/packed
blocks=$(awk '$3 * 512 < $2 {b += $3 / 8} END {print b + 0}' /tmp/files)
tails=$(awk '$2 % 4096 {n++} END {print n + 0}' /tmp/files)
ktap_diag "$(wc -l < /tmp/packed) compressed files in $blocks blocks;" \
	"$tails files end in a partial block"

d0=$(count direct_reads) b0=$(count bounce_reads) y0=$(count direct_bytes)
(cd /mnt/d && xargs "$DIO" cat 65536 0 < /tmp/packed > /dev/null)
d1=$(count direct_reads) b1=$(count bounce_reads) y1=$(count direct_bytes)
ktap_expect_eq "compressed files: no read bounced" 0 "$(delta "$b0" "$b1")"
at_least "compressed files: every compressed block read directly (bytes)" "$(delta "$y0" "$y1")" \
	"$((blocks > 0 ? blocks * 4096 : 1))"
reads=$(delta "$d0" "$d1")
what="compressed files: consecutive pclusters share a device read"
if [ "$reads" != none ] && [ "$reads" -gt 0 ] && [ "$reads" -lt "$blocks" ]; then
	ktap_pass "$what ($reads reads for $blocks blocks)"
else
	ktap_fail "$what" "$reads reads for $blocks blocks"
fi

# Extents whole inside a request decode straight into the caller's pages, also when the
# caller's buffer starts 3 bytes into a page and requests start and end inside extents.
m0=$(count mapped_decodes) t0=$(count ns_map)
got=$(cd /mnt/d && xargs "$DIO" cat 100003 3 < /tmp/packed | sha256sum)
m1=$(count mapped_decodes) t1=$(count ns_map)
want=$(cd /mnt/d && xargs cat < /tmp/packed | sha256sum)
ktap_expect_eq "compressed files: O_DIRECT, odd sizes, misaligned buffer, matches buffered" \
	"$want" "$got"
at_least "compressed files: O_DIRECT decodes into the caller's pages" "$(delta "$m0" "$m1")" 1
at_least "compressed files: pinning and mapping the caller's pages is timed (ns_map)" \
	"$(delta "$t0" "$t1")" 1
umount /mnt/d
mount -t erofs_dio -o ro "$dev" /mnt/d
sync
echo 3 > /proc/sys/vm/drop_caches
m0=$(count mapped_decodes) l0=$(count large_folios)
got=$(cd /mnt/d && xargs cat < /tmp/packed | sha256sum)
m1=$(count mapped_decodes) l1=$(count large_folios)
ktap_expect_eq "compressed files: buffered, after dropping caches, matches" "$want" "$got"
at_least "compressed files: readahead decodes into the page cache's folios" \
	"$(delta "$m0" "$m1")" 1
# As stock erofs, files are cached in large folios where the kernel has them (THP).
what="compressed files: readahead fills large folios"
if [ -e /sys/kernel/mm/transparent_hugepage/enabled ]; then
	at_least "$what" "$(delta "$l0" "$l1")" 1
else
	ktap_skip "$what" "the kernel has no transparent huge pages"
fi

got=$(cd /mnt/d && awk '{print $1}' /tmp/files | xargs "$DIO" cat 65536 0 | sha256sum)
d2=$(count direct_reads) b2=$(count bounce_reads)
ktap_expect_eq "every file: O_DIRECT (64 KiB reads) matches stock" "$ref" "$got"
bounced=$(delta "$b1" "$b2")
what="every file: at most one bounced read per partial last block"
if [ "$bounced" != none ] && [ "$bounced" -le "$tails" ]; then
	ktap_pass "$what ($bounced bounced, $(delta "$d1" "$d2") direct)"
else
	ktap_fail "$what" "$bounced bounced, $tails such files"
fi
# One request over more than a run of pclusters: the next run is read while the first decodes.
a0=$(count ahead_used)
got=$(cd /mnt/d && "$DIO" cat 4194304 0 big/runs.bin | sha256sum)
a1=$(count ahead_used)
ktap_expect_eq "big/runs.bin: one 4 MiB O_DIRECT read matches stock" "$runs_ref" "$got"
at_least "big/runs.bin: the second run of pclusters was read ahead and decoded" "$(delta "$a0" "$a1")" 1
# Reads racing with umount: while a file is open and being read, umount is refused (EBUSY) and
# leaves the mount whole; the reads finish intact, and the mount goes once the file is closed.
big=$(sort -k2 -n /tmp/files | tail -1 | cut -d' ' -f1)
exec 3< "/mnt/d/$big"
(cd /mnt/d && "$DIO" cat 4096 0 "$big" "$big" "$big" | sha256sum > /tmp/racing) &
reader=$!
what="umount while a file is read is refused with EBUSY"
if umount /mnt/d 2> /tmp/umount.err; then
	ktap_fail "$what" "umount succeeded"
elif grep -qi busy /tmp/umount.err; then
	ktap_pass "$what"
else
	ktap_fail "$what" "$(cat /tmp/umount.err)"
fi
wait $reader
exec 3<&-
thrice=$( (cd /mnt/d && cat "$big" "$big" "$big") | sha256sum)
ktap_expect_eq "the reads racing with umount are intact" "$thrice" "$(cat /tmp/racing)"
ktap_check "erofs_dio unmounts" umount /mnt/d

# Files with no block of their own (st_blocks 0 as erofs_dio counts, the compressed blocks;
# stock erofs rounds the size up) live in the packed inode: each is a slice of one of its few
# pclusters, which stock erofs decodes once into the packed inode's page cache.
dev=$(disk lz4hc.img)
mount -t erofs_dio -o ro "$dev" /mnt/d
(cd /mnt/d && find . -type f -size +0 | sort | xargs stat -c '%b %n' | awk '$1 == 0 {print $2}') \
	> /tmp/frags
umount /mnt/d
mount -t erofs -o ro "$dev" /mnt/d
ref=$(cd /mnt/d && xargs cat < /tmp/frags | sha256sum)
umount /mnt/d
nfrag=$(wc -l < /tmp/frags)
ktap_check "erofs_dio mounts lz4hc with fragments" mount -t erofs_dio -o ro "$dev" /mnt/d
h0=$(count cache_hits)
got=$(cd /mnt/d && xargs "$DIO" cat 65536 0 < /tmp/frags | sha256sum)
h1=$(count cache_hits)
ktap_expect_eq "fragments: $nfrag files read with O_DIRECT match stock" "$ref" "$got"
at_least "fragments: decoded once, then served by the mount's cache" "$(delta "$h0" "$h1")" \
	"$((nfrag / 2 > 0 ? nfrag / 2 : 1))"
# One request over many extents each decoded straight into it: every other decode is handed
# to a worker (run on a free CPU, or taken back by the reader), all passed on in file order.
j0=$(count handed_decodes) w0=$(count helper_decodes)
got=$(cd /mnt/d && "$DIO" cat 4194304 0 big/runs.bin | sha256sum)
j1=$(count handed_decodes) w1=$(count helper_decodes)
ktap_expect_eq "big/runs.bin on lz4hc: one 4 MiB O_DIRECT read matches stock" "$runs_ref" "$got"
if [ "$(nproc)" -gt 1 ]; then
	at_least "big/runs.bin on lz4hc: decodes handed to a worker ($(delta "$w0" "$w1") run by one)" \
		"$(delta "$j0" "$j1")" 1
else
	ktap_expect_eq "big/runs.bin on lz4hc: one CPU, no decode handed to a worker" 0 "$(delta "$j0" "$j1")"
fi
# Requests that cut extents: the cut part comes from the request's buffer or the mount's
# cache, and where it is at least 64 KiB goes into the caller's pinned pages in one copy.
c0=$(count mapped_copies)
got=$(cd /mnt/d && "$DIO" cat 196608 0 big/runs.bin | sha256sum)
c1=$(count mapped_copies)
ktap_expect_eq "big/runs.bin on lz4hc: 192 KiB O_DIRECT reads match stock" "$runs_ref" "$got"
at_least "big/runs.bin on lz4hc: cut extents copied once into the caller's pinned pages" \
	"$(delta "$c0" "$c1")" 1
ktap_check "erofs_dio unmounts lz4hc" umount /mnt/d
umount /mnt/tools
ktap_check "rmmod erofs_dio takes the counters away" sh -c "rmmod erofs_dio && test ! -e $D"
rm -f /tmp/files /tmp/packed /tmp/frags /tmp/racing /tmp/umount.err
ktap_finish
