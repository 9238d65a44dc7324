#!/bin/sh
# `make demo`: a zmc device in use as swap and as a disk, and what the per-page policy did.
. "$SUITE_DIR/ktap.sh"

S=/sys/block/zmc0
say() { echo "# $*"; }
ktap_plan 5
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
say "algorithms: $(cat $S/comp_algorithm)"
echo "algo=zstd priority=1" > $S/recomp_algorithm
say "recompression: $(cat $S/recomp_algorithm | tr '\n' ' ')"
say "policy: $(cat $S/comp_policy)"
ktap_check "disksize 64M" sh -c "echo 64M > $S/disksize"
# A mix a phone's swap sees: zero pages, program bytes, text, random (encrypted) data.
{
	head -c 4194304 /dev/zero
	cat /usr/lib/*-linux-gnu*/*.so* 2>/dev/null | head -c 8388608
	yes "a line of text a program kept in memory" | head -c 4194304
	head -c 4194304 /dev/urandom
} > /tmp/mix
SUM=$(sha256sum < /tmp/mix)
ktap_check "write 20 MiB of mixed pages" dd if=/tmp/mix of=/dev/zmc0 bs=64k oflag=direct
# Let the async pool store what it staged, so that mm_stat counts it compressed.
i=0
while [ "$(awk '{print $3}' $S/async_stat)" != 0 ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
say "async_stat (staged completed pending served_from_staging sync_fallbacks dropped_stale retries wakeups cpu_ns): $(cat $S/async_stat)"
say "after writing (lz4 for everything compressible, raw for random, nothing for zeros):"
say "mm_stat: $(cat $S/mm_stat)"
cat $S/policy_stat | sed 's/^/# /'
echo all > $S/idle
echo type=idle > $S/recompress
say "after marking all pages idle and recompressing them with zstd:"
say "mm_stat: $(cat $S/mm_stat)"
cat $S/policy_stat | sed 's/^/# /'
ktap_expect_eq "the data reads back unchanged" "$SUM" "$(head -c 20971520 /dev/zmc0 | sha256sum)"
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
