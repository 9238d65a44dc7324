#!/bin/sh
# zram_multicomp's asynchronous compression pool: writes are staged and completed, workers store
# them. fio verifies data with concurrent jobs at 4 KiB and 512 B and with trims; an overwrite or
# a discard that races with a worker is never lost or resurrected; async=0 is synchronous; a
# tiny staging area falls back to synchronous writes; reset and rmmod with pages still staged
# are clean. Knob writes are checked like the other attributes.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
NCPU=$(nproc)
SIZE=${M}M
PER=$((M / NCPU))M
zeros() { # MiB: the device's first MiB read back as zeros
	[ "$(head -c $(($1 * 1048576)) /dev/zmc0 | md5sum)" = "$(head -c $(($1 * 1048576)) /dev/zero | md5sum)" ]
}

ktap_plan 31
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_expect_eq "async is on by default" 1 "$(cat $S/async)"
ktap_expect_eq "async_workers defaults to the online CPUs" "$NCPU" "$(cat $S/async_workers)"
ktap_expect_eq "async_staging defaults to 256 pages" 256 "$(cat $S/async_staging)"
rejected "async rejects 2" $S/async 2 "async: 2"
rejected "async_staging rejects 0" $S/async_staging 0 "async_staging: 0"
rejected "async_workers rejects garbage" $S/async_workers many "async_workers: many"
ktap_check "disksize $SIZE" w $S/disksize $SIZE
ktap_check_fails "async_staging cannot change while initialised" w $S/async_staging 64
ktap_check "fio 4k random write, $NCPU jobs, verify" fio_run rw4k --rw=randwrite --bs=4k --numjobs=$NCPU --offset_increment=$PER --size=$PER
ktap_check "fio 512B random write, verify (read-modify-write of staged pages)" fio_run rw512 --rw=randwrite --bs=512 --size=$((M * 128))K
ktap_check "fio overwrite/discard races: randtrimwrite, $NCPU jobs, verify" fio_run trim --rw=randtrimwrite --bsrange=512-16k --numjobs=$NCPU --offset_increment=$PER --size=$PER
ktap_check "the pool drains" settle
ktap_check "pages were staged and stored by workers" sh -c "test $(field async_stat 1) -gt 0 && test $(field async_stat 2) -gt 0"
ktap_expect_eq "staged = completed + dropped_stale once drained" "$(field async_stat 1)" "$(($(field async_stat 2) + $(field async_stat 6)))"
ktap_check "writers woke a worker less often than once per staged page" \
	sh -c "test $(field async_stat 8) -gt 0 && test $(field async_stat 8) -lt $(field async_stat 1)"
ktap_diag "async_stat: $(cat $S/async_stat)"

# Races with one worker and a big backlog: a whole-device overwrite, then a whole-device
# discard, each issued while the first write's pages are still staged.
echo 1 > $S/reset
echo 1 > $S/async_workers
echo 4096 > $S/async_staging
echo ${M}M > $S/disksize
# Compressible data (random data would go raw, which the worker stores too fast to race).
yes "older data, which the newer write or the discard must replace" | head -c $((M << 20)) > /tmp/a
yes "the newer data, which must win over what was staged before" | head -c $((M << 20)) > /tmp/b
dd if=/tmp/a of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null
ktap_diag "pending before the overwrite: $(field async_stat 3)"
dd if=/tmp/b of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null
settle
ktap_expect_eq "an overwrite of staged pages wins" "$(md5sum < /tmp/b)" "$(head -c $((M << 20)) /dev/zmc0 | md5sum)"
dd if=/tmp/a of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null
ktap_diag "pending before the discard: $(field async_stat 3)"
fio --name=discard --filename=/dev/zmc0 --rw=trim --bs=1M --size=${M}M --direct=1 --ioengine=psync > /dev/null 2>&1
settle
ktap_check "a discard of staged pages is not resurrected" zeros $M
ktap_expect_eq "nothing is stored after the discard" 0 "$(field mm_stat 1)"
ktap_diag "async_stat: $(cat $S/async_stat)"

# async=0: no page is staged any more.
echo 0 > $S/async
STAGED=$(field async_stat 1)
ktap_check "async=0: fio 4k random write, verify" fio_run sync4k --rw=randwrite --bs=4k --size=$((M / 2))M
ktap_expect_eq "async=0 stages nothing" "$STAGED" "$(field async_stat 1)"
echo 1 > $S/async

# A one-page staging area with one worker: most writes find it full and compress at once.
echo 1 > $S/reset
echo 1 > $S/async_staging
echo 1 > $S/async_workers
echo ${M}M > $S/disksize
ktap_check "tiny staging: fio 4k random write, $NCPU jobs, verify" fio_run tiny --rw=randwrite --bs=4k --numjobs=$NCPU --offset_increment=$PER --size=$PER
ktap_check "tiny staging: writes fell back to synchronous compression" test "$(field async_stat 5)" -gt 0
ktap_diag "async_stat: $(cat $S/async_stat)"

# Store failures under the pool (failslab on the device's zsmalloc handle cache, as faults.sh):
# the writes already completed, so the worker retries until it can store; every write reads
# back. Staging holds all of them, so no write falls back to the synchronous path.
echo 1 > $S/reset
echo 4096 > $S/async_staging
echo ${M}M > $S/disksize
failslab_on 30
ktap_check "under failslab every staged write succeeds" dd if=/tmp/b of=/dev/zmc0 bs=4k count=$((M * 64)) oflag=direct
settle
failslab_off
settle
ktap_check "failed stores were retried" test "$(field async_stat 7)" -gt 0
ktap_expect_eq "and every page reads back" "$(head -c $((M << 18)) /tmp/b | md5sum)" "$(head -c $((M << 18)) /dev/zmc0 | md5sum)"
ktap_diag "async_stat: $(cat $S/async_stat)"

# Reset and rmmod with pages still staged (one worker, a large backlog).
echo 1 > $S/reset
echo 4096 > $S/async_staging
echo $((2 * M))M > $S/disksize
yes "compressible text line for the reset test" | head -c $((M << 20)) > /tmp/c
dd if=/tmp/c of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null
ktap_diag "pending at reset: $(field async_stat 3)"
ktap_check "reset with pages staged" w $S/reset 1
ktap_expect_eq "nothing is left after reset" "0 0" "$(field mm_stat 1) $(field async_stat 3)"
ktap_check "the device works again after reset" sh -c "echo $((2 * M))M > $S/disksize && dd if=/tmp/c of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null"
ktap_expect_eq "and reads back" "$(md5sum < /tmp/c)" "$(head -c $((M << 20)) /dev/zmc0 | md5sum)"
dd if=/tmp/a of=/dev/zmc0 bs=1M oflag=direct 2>/dev/null
ktap_diag "pending at rmmod: $(field async_stat 3)"
ktap_check "rmmod with pages staged" rmmod zram_multicomp
ktap_finish
