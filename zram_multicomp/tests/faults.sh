#!/bin/sh
# zram_multicomp under allocation failures, during writes:
# 1. failslab aimed at this device's zsmalloc handle cache (cache-filter; the guest boots with
#    slab_nomerge) while 4 KiB blocks are overwritten one by one: a write that reported success
#    reads back as the new data, one that failed as the old data; failures are counted.
# 2. fail_page_alloc in the writing task (task-filter) during one large write: every block
#    reads back as old or new data, never anything else.
# 3. failslab on the handle cache for allocations that cannot reclaim directly: writes still
#    succeed (a store that gives its stream back may reclaim, as zram's does), recompression
#    never reclaims directly and fails with ENOMEM, leaving every page as it was.
# No oops or warning either way (the harness checks the console).
# Both phases test how the write path reports failures, so they run with the async pool off
# (async.sh covers failures under the pool, where the worker retries).
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
D=/sys/kernel/debug
N=192
# blocks_ok RESULTS: each line "i ok|fail|any"; ok blocks must read back as the new data, fail
# blocks as the old data, any blocks as either. One read of the device, compared with cmp.
blocks_ok() {
	dd if=/dev/zmc0 of=/tmp/dev bs=$B count=$N iflag=direct 2>/dev/null || return 1
	cmp -l /tmp/dev /tmp/new 2>/dev/null | awk -v b=$B '{print int(($1 - 1) / b)}' | uniq > /tmp/not-new
	cmp -l /tmp/dev /tmp/old 2>/dev/null | awk -v b=$B '{print int(($1 - 1) / b)}' | uniq > /tmp/not-old
	awk 'FILENAME == "/tmp/not-new" { nn[$1] = 1; next }
	     FILENAME == "/tmp/not-old" { no[$1] = 1; next }
	     $2 == "ok" && nn[$1] { print "# block " $1 ": write succeeded, reads back wrong"; bad = 1 }
	     $2 == "fail" && no[$1] { print "# block " $1 ": write failed, data changed"; bad = 1 }
	     nn[$1] && no[$1] { print "# block " $1 ": neither old nor new"; bad = 1 }
	     END { exit bad }' /tmp/not-new /tmp/not-old "$1"
}

ktap_plan 15
ktap_check "modprobe zram_multicomp, async 0, disksize 4M" sh -c "modprobe zram_multicomp && echo 0 > $S/async && echo 4M > $S/disksize"
# A block is a page: with 16 KiB pages a 4 KiB O_DIRECT write was seen to go through the page
# cache instead, where a failed write is only a lost async page write.
B=$(cat $S/queue/physical_block_size)
# Old and new data: compressible pages that differ only in a stamp at the head of each block,
# so the one-pass comparison in blocks_ok stays small.
gen() { # generation
	awk -v n=$N -v g="$1" -v b=$B 'BEGIN {
		for (i = 0; i < n; i++) {
			s = sprintf("%-32s", g " data, block " i)
			while (length(s) < b) s = s "text of a page that compresses well, block " i "\n"
			printf "%s", substr(s, 1, b)
		}
	}'
}
gen old > /tmp/old
gen new > /tmp/new
ktap_check "write the old data" dd if=/tmp/old of=/dev/zmc0 bs=$B oflag=direct
ktap_check "aim failslab at the device's handle cache" failslab_on 30
: > /tmp/results
i=0
while [ $i -lt $N ]; do
	if dd if=/tmp/new of=/dev/zmc0 bs=$B count=1 skip=$i seek=$i oflag=direct conv=notrunc 2>/dev/null; then
		echo "$i ok" >> /tmp/results
	else
		echo "$i fail" >> /tmp/results
	fi
	i=$((i + 1))
done
failslab_off
ktap_check "some writes failed under failslab" grep -q ' fail$' /tmp/results
ktap_check "some writes succeeded under failslab" grep -q ' ok$' /tmp/results
ktap_check "the device counted the failed writes" test "$(awk '{print $2}' $S/io_stat)" -eq "$(grep -c ' fail$' /tmp/results)"
ktap_check "each block reads back as what its write reported" blocks_ok /tmp/results

# Phase 2: page allocation failures in the writing task.
dd if=/tmp/old of=/dev/zmc0 bs=$B oflag=direct 2>/dev/null
echo Y > $D/fail_page_alloc/task-filter
echo N > $D/fail_page_alloc/ignore-gfp-wait
echo N > $D/fail_page_alloc/ignore-gfp-highmem
echo 0 > $D/fail_page_alloc/verbose
echo 1 > $D/fail_page_alloc/interval
echo 40 > $D/fail_page_alloc/times
echo 20 > $D/fail_page_alloc/probability
sh -c "echo 1 > /proc/self/make-it-fail && exec dd if=/tmp/new of=/dev/zmc0 bs=$B oflag=direct" 2>/dev/null
echo 0 > $D/fail_page_alloc/probability
i=0
: > /tmp/any
while [ $i -lt $N ]; do echo "$i any" >> /tmp/any; i=$((i + 1)); done
ktap_check "after page allocation failures every block is old or new" blocks_ok /tmp/any
dd if=/tmp/new of=/dev/zmc0 bs=$B oflag=direct 2>/dev/null
ktap_expect_eq "the device still works: a full rewrite reads back" "$(md5sum < /tmp/new)" "$(head -c $((N * B)) /dev/zmc0 | md5sum)"

# Phase 3: only allocations without direct reclaim fail (failslab's ignore-gfp-wait).
# Random hex digits: lz4 stores them raw (huge), zstd halves them, so a recompression pass
# has a result to store for every page.
awk 'BEGIN { srand(3); for (i = 0; i < 16 * 4096; i++) printf "%x", int(rand() * 16) }' > /tmp/hex
dd if=/tmp/hex of=/dev/zmc0 bs=$B oflag=direct 2>/dev/null
STALL=$(awk 'NR == 2 {print $1}' $S/debug_stat)
failslab_on 100
echo Y > $D/failslab/ignore-gfp-wait
ktap_check "writes succeed when only non-reclaiming allocations fail" dd if=/tmp/hex of=/dev/zmc0 bs=$B seek=32 oflag=direct
ktap_check "the failed first tries were counted as write stalls" test "$(awk 'NR == 2 {print $1}' $S/debug_stat)" -gt "$STALL"
ktap_check "recompression fails with ENOMEM rather than reclaim" sh -c "! echo type=huge > $S/recompress"
failslab_off
ktap_expect_eq "nothing was recompressed" 0 "$(awk '$1 == "recompressed" {print $2}' $S/policy_stat)"
ktap_expect_eq "the pages read back unchanged" "$(md5sum < /tmp/hex)" "$(head -c $((16 * 4096)) /dev/zmc0 | md5sum)"
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
