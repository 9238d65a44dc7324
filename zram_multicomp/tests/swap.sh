#!/bin/sh
# zram_multicomp as swap: a memory cgroup with a limit well under what it writes to tmpfs, so
# shmem pages swap out to zmc0. Every file's checksum, taken before, is checked after swap-in.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
CG=/sys/fs/cgroup/zmc-swap
# 4 MiB files, twice the memory limit in all; half as much on the debug kernel. The limit leaves
# room for the shell and its tools while reclaim waits for swap-out, which the nice-19 workers
# do late when the host deschedules the guest: 16 MiB and then 24 MiB saw the cgroup's OOM
# killer under make check's load.
if [ "$M" -ge 16 ]; then FILES=16 LIMIT=32; else FILES=6 LIMIT=12; fi
ktap_plan 10
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_check "disksize 256M, mkswap, swapon with discard" sh -c "echo 256M > $S/disksize && mkswap /dev/zmc0 >/dev/null && swapon -d /dev/zmc0"
mkdir -p /tmp/swapfs && mount -t tmpfs -o size=200M tmpfs /tmp/swapfs
echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p $CG
echo ${LIMIT}M > $CG/memory.max
# From here on this script runs inside the limited cgroup.
echo $$ > $CG/cgroup.procs
# Write the files: half random, half text-like.
fill() {
	i=0
	while [ $i -lt $FILES ]; do
		if [ $((i % 2)) -eq 0 ]; then
			head -c 4194304 /dev/urandom > /tmp/swapfs/f$i
		else
			yes "page $i of the swap test, compressible line $(date +%s)" | head -c 4194304 > /tmp/swapfs/f$i
		fi
		sha256sum /tmp/swapfs/f$i >> /tmp/sums
		i=$((i + 1))
	done
}
rm -f /tmp/sums
ktap_check "write $((FILES * 4)) MiB of files under a $LIMIT MiB memory limit" fill
ktap_check "pages went to zmc0" test "$(awk '{print $1}' $S/mm_stat)" -gt $(((FILES * 4 - LIMIT) << 19))
ktap_check "every file reads back with its checksum" sh -c "sha256sum -c /tmp/sums > /dev/null"
ktap_check "rmmod is refused while swapping on it" sh -c "! rmmod zram_multicomp 2>/dev/null"
# Deleting the files frees their swap slots: swap_slot_free_notify drops the pages at once.
rm -f /tmp/swapfs/f*
echo $$ > /sys/fs/cgroup/cgroup.procs
# (a few slots may wait in the kernel's per-CPU swap slot caches)
ktap_check "deleted files' pages are freed at once" test "$(awk '{print $1}' $S/mm_stat)" -lt 2097152
ktap_check "swapoff" swapoff /dev/zmc0
ktap_expect_eq "only the swap header page is left after swapoff" "$(cat $S/queue/physical_block_size)" "$(awk '{print $1}' $S/mm_stat)"
umount /tmp/swapfs
rmdir $CG
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
