#!/bin/sh
# zram_multicomp data integrity: fio writes mixed data (zeros, compressible, incompressible) with
# crc32c verification over the whole device, at 4 KiB and 512 B, with discards and concurrent
# jobs; then recompresses idle pages with the stronger algorithms and verifies everything again;
# then ext4 on the device, files written and read back after a remount.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
NCPU=$(nproc)
SIZE=${M}M
Q=$((M / 4))M

ktap_plan 17
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_check "disksize $SIZE" sh -c "echo $SIZE > $S/disksize"
ktap_check "fio 4k random write, verify" fio_run rw4k --rw=randwrite --bs=4k
ktap_check "fio 512B random write, verify (read-modify-write)" fio_run rw512 --rw=randwrite --bs=512 --size=$Q
ktap_check "fio mixed sizes with trims, $NCPU jobs" fio_run trim --rw=randtrimwrite --bsrange=512-16k --numjobs=$NCPU --offset_increment=$Q --size=$Q
ktap_check "fio zero pages" fio_run zero --rw=write --bs=64k --zero_buffers --size=$Q
ktap_check "same-filled pages are counted" test "$(awk '{print $6}' $S/mm_stat)" -gt 0
ktap_check "fio full device, verify" fio_run full --rw=write --bs=64k
ktap_check "mark all pages idle, recompress" sh -c "echo all > $S/idle && echo type=idle > $S/recompress"
ktap_check "data verifies after recompression" fio_run full --rw=write --bs=64k --verify_only=1
# Real program bytes (the guest's own libraries), where zstd beats lz4: recompression must
# store them smaller and still read back the same bytes.
cat /usr/lib/*-linux-gnu*/*.so* 2>/dev/null | head -c $((M << 19)) > /tmp/real.bin
SUM=$(sha256sum < /tmp/real.bin)
dd if=/tmp/real.bin of=/dev/zmc0 bs=64k oflag=direct 2>/dev/null
settle
BEFORE=$(awk '{print $2}' $S/mm_stat)
ktap_check "recompress real data: idle all, type=idle" sh -c "echo all > $S/idle && echo type=idle > $S/recompress"
ktap_check "real data is stored smaller after recompression" test "$(awk '{print $2}' $S/mm_stat)" -lt "$BEFORE"
ktap_expect_eq "real data reads back unchanged" "$SUM" "$(head -c $((M << 19)) /dev/zmc0 | sha256sum)"
# As a plain disk: ext4 made on the device (e2fsprogs by full path: busybox sh prefers its own
# ext2-only applet), files written, the file system mounted again
# from a cold cache, and every file read back.
mkdir -p /mnt/e
ktap_check "mkfs.ext4 on a fresh 64M zmc0 and mount" sh -c "echo 1 > $S/reset && echo 64M > $S/disksize && /usr/sbin/mke2fs -q -F -t ext4 /dev/zmc0 && mount -t ext4 /dev/zmc0 /mnt/e"
ktap_check "write files to ext4" sh -c "cp /tmp/real.bin /mnt/e/real.bin && mkdir /mnt/e/d && head -c 300000 /tmp/real.bin > /mnt/e/d/part && sync"
umount /mnt/e
echo 3 > /proc/sys/vm/drop_caches
ktap_check "ext4 mounts again and its files read back" sh -c "mount -t ext4 /dev/zmc0 /mnt/e && test \"\$(sha256sum < /mnt/e/real.bin)\" = \"$SUM\" && head -c 300000 /tmp/real.bin | cmp - /mnt/e/d/part && umount /mnt/e"
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
