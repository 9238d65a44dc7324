#!/bin/sh
# zram_multicomp data integrity: fio writes mixed data (zeros, compressible, incompressible) with
# crc32c verification over the whole device, at 4 KiB and 512 B, with discards and concurrent
# jobs; then recompresses idle pages with the stronger algorithms and verifies everything again.
. "$SUITE_DIR/ktap.sh"

S=/sys/block/zmc0
NCPU=$(nproc)
SIZE=16M
# settle: wait (up to 30 s) until the async pool has stored every staged page, so that
# mm_stat's compressed size counts them.
settle() {
	_i=0
	while [ "$(awk '{print $3}' $S/async_stat)" != 0 ] && [ $_i -lt 300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
}
fio_run() { # name, extra args...
	_name=$1
	shift
	fio --name="$_name" --filename=/dev/zmc0 --size=$SIZE --direct=1 --ioengine=psync \
		--verify=crc32c --verify_fatal=1 --do_verify=1 --randrepeat=1 \
		--refill_buffers --buffer_compress_percentage=60 --buffer_compress_chunk=512 \
		--output=/tmp/fio-"$_name".log "$@" > /dev/null 2>&1
	_rc=$?
	[ $_rc -eq 0 ] || { grep -iE 'err|verify' /tmp/fio-"$_name".log | head -n 5; }
	return $_rc
}

ktap_plan 14
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_check "disksize $SIZE" sh -c "echo $SIZE > $S/disksize"
ktap_check "fio 4k random write, verify" fio_run rw4k --rw=randwrite --bs=4k
ktap_check "fio 512B random write, verify (read-modify-write)" fio_run rw512 --rw=randwrite --bs=512 --size=4M
ktap_check "fio mixed sizes with trims, $NCPU jobs" fio_run trim --rw=randtrimwrite --bsrange=512-16k --numjobs=$NCPU --offset_increment=4M --size=4M
ktap_check "fio zero pages" fio_run zero --rw=write --bs=64k --zero_buffers --size=4M
ktap_check "same-filled pages are counted" test "$(awk '{print $6}' $S/mm_stat)" -gt 0
ktap_check "fio full device, verify" fio_run full --rw=write --bs=64k
ktap_check "mark all pages idle, recompress" sh -c "echo all > $S/idle && echo type=idle > $S/recompress"
ktap_check "data verifies after recompression" fio_run full --rw=write --bs=64k --verify_only=1
# Real program bytes (the guest's own libraries), where zstd beats lz4: recompression must
# store them smaller and still read back the same bytes.
cat /usr/lib/*-linux-gnu*/*.so* 2>/dev/null | head -c 8388608 > /tmp/real.bin
SUM=$(sha256sum < /tmp/real.bin)
dd if=/tmp/real.bin of=/dev/zmc0 bs=64k oflag=direct 2>/dev/null
settle
BEFORE=$(awk '{print $2}' $S/mm_stat)
ktap_check "recompress real data: idle all, type=idle" sh -c "echo all > $S/idle && echo type=idle > $S/recompress"
ktap_check "real data is stored smaller after recompression" test "$(awk '{print $2}' $S/mm_stat)" -lt "$BEFORE"
ktap_expect_eq "real data reads back unchanged" "$SUM" "$(head -c 8388608 /dev/zmc0 | sha256sum)"
ktap_check "reset and rmmod" sh -c "echo 1 > $S/reset && rmmod zram_multicomp"
ktap_finish
