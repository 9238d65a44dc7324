#!/bin/sh
# zram_multicomp: recompression racing rewrites of the same page. racer (racer.c) discards and
# rewrites one page with new contents round after round and checks every read, while a loop
# asks for recompression of huge pages again and again. A pass that installs the copy it read
# before a rewrite shows up as stale data, even when zsmalloc gave the rewrite the old handle
# back within the same second. The results passes dropped (recompress_stale in policy_stat)
# show that passes and rewrites did overlap.
# Then O_DIRECT writes from pages another process keeps changing, synchronous and staged: each
# write and read back must succeed, and once the pages hold still they read back exactly.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
if [ "${SUITE_VARIANT:-default}" = debug ]; then ROUNDS=3000; else ROUNDS=20000; fi
disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
stat_of() { awk -v k="$1" '$1 == k {print $2}' $S/policy_stat; }

ktap_plan 7
ktap_check "modprobe zram_multicomp, async 0, disksize 1M" sh -c "modprobe zram_multicomp && echo 0 > $S/async && echo 1M > $S/disksize"
mkdir -p /mnt/tools
ktap_check "mount the tools image" sh -c "modprobe erofs && mount -t erofs -o ro $(disk tools.img) /mnt/tools"
PAGE=$(cat $S/queue/physical_block_size)
rm -f /tmp/race-done
(while [ ! -f /tmp/race-done ]; do echo type=huge > $S/recompress 2>/dev/null; done) &
loop=$!
start=$(date +%s)
/mnt/tools/racer.$(uname -m) /dev/zmc0 "$PAGE" $ROUNDS > /tmp/racer.out 2>&1
rc=$?
touch /tmp/race-done
wait $loop
sed 's/^/# /' /tmp/racer.out
echo "# $ROUNDS rounds in $(($(date +%s) - start)) s; recompressed $(stat_of recompressed), stale $(stat_of recompress_stale)"
ktap_expect_eq "every read returned the last write ($ROUNDS rounds of $PAGE bytes)" 0 "$rc"
ktap_check "passes overlapped rewrites and dropped their results" test "$(stat_of recompress_stale)" -gt 0
for mode in 0 1; do
	echo 1 > $S/reset && echo $mode > $S/async && echo 1M > $S/disksize
	out=$(/mnt/tools/racer.$(uname -m) /dev/zmc0 "$PAGE" $((ROUNDS / 4)) scribble 2>&1)
	rc=$?
	echo "# async $mode: $out"
	ktap_expect_eq "async $mode: writes from changing pages succeed, still pages read back" 0 "$rc"
done
umount /mnt/tools
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
