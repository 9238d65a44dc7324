#!/bin/sh
# zram_multicomp's background recompression: with bg_recompress on, idle pages of real program
# bytes are recompressed by themselves (no `recompress` write), under the pages-per-second
# budget; the data still reads back; turning it off stops it; reset and rmmod while it works
# are clean. Knob writes are checked like the other attributes. Latency tiers (bg_warm_age):
# with lz4, lz4hc and zstd configured, warm pages go to lz4hc only, and to zstd once cold.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
RATE=100
BURST=$((RATE / 4 + 1))
# wait_grows KEY FROM SECONDS: poll policy_stat until KEY exceeds FROM.
wait_grows() {
	_i=0
	while [ "$(pstat "$1")" -le "$2" ] && [ $_i -lt "$3" ]; do
		sleep 1
		_i=$((_i + 1))
	done
	[ "$(pstat "$1")" -gt "$2" ]
}

ktap_plan 29
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_expect_eq "defaults: off, 256 pages/s, 300 s" "0 256 300" "$(cat $S/bg_recompress) $(cat $S/bg_recompress_rate) $(cat $S/bg_cold_age)"
rejected "bg_recompress rejects 2" $S/bg_recompress 2 "bg_recompress: 2"
rejected "bg_recompress_rate rejects 0" $S/bg_recompress_rate 0 "bg_recompress_rate: 0"
rejected "bg_cold_age rejects garbage" $S/bg_cold_age soon "bg_cold_age: soon"
ktap_expect_eq "bg_warm_age is off by default" 0 "$(cat $S/bg_warm_age)"
rejected "bg_warm_age rejects garbage" $S/bg_warm_age -1 "bg_warm_age: -1"
ktap_check "disksize 64M" w $S/disksize 64M
cat /usr/lib/*-linux-gnu*/*.so* 2>/dev/null | head -c $((M << 19)) > /tmp/real.bin
SUM=$(sha256sum < /tmp/real.bin)
dd if=/tmp/real.bin of=/dev/zmc0 bs=64k oflag=direct 2>/dev/null
settle
BEFORE=$(field mm_stat 2)
ktap_check "mark all pages idle, budget $RATE pages/s, cold age 2 s" sh -c "echo all > $S/idle && echo $RATE > $S/bg_recompress_rate && echo 2 > $S/bg_cold_age"
sleep 3
ktap_expect_eq "nothing is recompressed while it is off" 0 "$(pstat recompressed)"
T0=$(date +%s)
ktap_check "bg_recompress on" w $S/bg_recompress 1
ktap_check "recompression starts by itself (within 60 s)" wait_grows recompressed 0 60
# Let it run for a while, then check the budget: at most RATE pages a second plus the burst
# (whole seconds from date: one second of slack).
sleep 5
R=$(pstat recompressed)
T=$(($(date +%s) - T0))
ktap_diag "after $T s: $R pages recompressed; bg_passes $(pstat bg_passes)"
ktap_check "the budget holds: $R <= $RATE * ($T + 1) + $BURST" test "$R" -le $((RATE * (T + 1) + BURST))
ktap_check "its time is counted (bg_ns $(pstat bg_ns) > 0)" test "$(pstat bg_ns)" -gt 0
ktap_check "compressed size dropped ($BEFORE -> $(field mm_stat 2))" test "$(field mm_stat 2)" -lt "$BEFORE"
ktap_expect_eq "the data reads back unchanged" "$SUM" "$(head -c $((M << 19)) /dev/zmc0 | sha256sum)"
ktap_check "bg_recompress off" w $S/bg_recompress 0
sleep 2
R1=$(pstat recompressed)
sleep 3
ktap_expect_eq "it stays stopped" "$R1" "$(pstat recompressed)"
# Latency tiers: nothing marked idle, cold after an hour, warm after a second.
algo_pages() { awk -v a="$1" '$1 == a {print $2}' $S/policy_stat; }
tiers() {
	echo 1 > $S/reset && echo lz4 > $S/comp_algorithm &&
		echo "algo=lz4hc priority=1" > $S/recomp_algorithm &&
		echo "algo=zstd priority=2" > $S/recomp_algorithm && echo 64M > $S/disksize &&
		dd if=/tmp/real.bin of=/dev/zmc0 bs=64k oflag=direct 2>/dev/null && settle &&
		echo 100000 > $S/bg_recompress_rate && echo 3600 > $S/bg_cold_age &&
		echo 1 > $S/bg_warm_age && sleep 2 && echo 1 > $S/bg_recompress
}
ktap_check "tiers: lz4, lz4hc, zstd; warm after 1 s, cold after 3600 s; bg_recompress on" tiers
ktap_check "warm pages are recompressed (with a whole pass within 60 s)" wait_grows bg_finished 0 60
ktap_diag "lz4hc tried $(algo_pages lz4hc), zstd tried $(algo_pages zstd), recompressed $(pstat recompressed)"
ktap_check "warm pages went to lz4hc, none was even tried with zstd" \
	test "$(pstat recompressed)" -gt 0 -a "$(algo_pages lz4hc)" -gt 0 -a "$(algo_pages zstd)" = 0
echo 1 > $S/bg_cold_age
ktap_check "once cold (bg_cold_age 1), they go on to zstd" wait_grows zstd 0 60
ktap_expect_eq "the data reads back unchanged" "$SUM" "$(head -c $((M << 19)) /dev/zmc0 | sha256sum)"
echo 0 > $S/bg_recompress
echo 0 > $S/bg_warm_age
# Reset, then rmmod, while a pass is under way (a slow budget, so the passes take long).
echo 20 > $S/bg_recompress_rate
refill() { # reset, new data, all idle, background recompression on
	echo 1 > $S/reset && echo 64M > $S/disksize &&
		dd if=/tmp/real.bin of=/dev/zmc0 bs=64k oflag=direct 2>/dev/null &&
		echo all > $S/idle && echo 1 > $S/bg_recompress
}
ktap_check "reset, new data, idle, bg_recompress on" refill
ktap_check "it recompresses again" wait_grows recompressed 0 60
ktap_check "reset during a pass" sh -c "echo 1 > $S/reset && test \"\$(cat $S/initstate)\" = 0"
ktap_check "new data again, all idle" refill
ktap_check "it recompresses after the reset" wait_grows recompressed 0 60
ktap_check "rmmod during a pass" rmmod zram_multicomp
ktap_finish
