#!/bin/sh
# zram_multicomp's sysfs ABI: every attribute read and written, bad writes rejected with zram's
# errors and one pr_err naming the value, hot_add/hot_remove, reset, and busy devices refused.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
C=/sys/class/zmc-control
# w ATTR VALUE: write like `echo`, succeed or fail with the shell's status.

ktap_plan 41
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
ktap_check "/dev/zmc0 exists" test -b /dev/zmc0
ktap_expect_eq "initstate starts at 0" 0 "$(cat $S/initstate)"
ktap_expect_eq "comp_algorithm lists the algorithms, lz4 current" "[lz4] lz4hc zstd deflate" "$(cat $S/comp_algorithm | sed 's/ *$//')"
rejected "comp_algorithm rejects an unknown name" $S/comp_algorithm nosuchalgo "comp_algorithm: nosuchalgo"
ktap_check "comp_algorithm accepts zstd" w $S/comp_algorithm zstd
ktap_expect_eq "comp_algorithm shows zstd current" "lz4 lz4hc [zstd] deflate" "$(cat $S/comp_algorithm | sed 's/ *$//')"
ktap_check "comp_algorithm back to lz4" w $S/comp_algorithm lz4
ktap_check "recomp_algorithm accepts algo=lz4hc priority=2" w $S/recomp_algorithm "algo=lz4hc priority=2"
ktap_expect_eq "recomp_algorithm lists both secondaries" "#1: lz4 lz4hc [zstd] deflate #2: lz4 [lz4hc] zstd deflate" "$(cat $S/recomp_algorithm | tr '\n' ' ' | tr -s ' ' | sed 's/ *$//')"
rejected "recomp_algorithm rejects an unknown algo" $S/recomp_algorithm "algo=bogus" "bogus"
ktap_check "algorithm_params sets a zstd level" w $S/algorithm_params "algo=zstd level=5"
rejected "algorithm_params rejects an unknown key" $S/algorithm_params "speed=9" "speed=9"
ktap_check "comp_policy accepts static" w $S/comp_policy static
ktap_expect_eq "comp_policy shows static current" "[static] adaptive" "$(cat $S/comp_policy | sed 's/ *$//')"
rejected "comp_policy rejects an unknown policy" $S/comp_policy clever "clever"
ktap_check "comp_policy back to adaptive" w $S/comp_policy adaptive
ktap_expect_eq "synchronous_io starts at 0" 0 "$(cat $S/synchronous_io)"
ktap_check "synchronous_io accepts 1 and reads it back" sh -c "echo 1 > $S/synchronous_io && test \"\$(cat $S/synchronous_io)\" = 1 && echo 0 > $S/synchronous_io"
rejected "synchronous_io rejects a word" $S/synchronous_io sometimes "synchronous_io: sometimes"
rejected "disksize rejects 0" $S/disksize 0 "disksize: 0"
ktap_check_fails "idle before init is rejected" w $S/idle all
ktap_check "disksize 64M" w $S/disksize 64M
ktap_expect_eq "disksize reads back in bytes" 67108864 "$(cat $S/disksize)"
ktap_expect_eq "initstate is 1" 1 "$(cat $S/initstate)"
ktap_check_fails "disksize cannot change while initialised" w $S/disksize 32M
ktap_check_fails "comp_algorithm cannot change while initialised" w $S/comp_algorithm zstd
ktap_check "mem_limit 32M" w $S/mem_limit 32M
rejected "mem_limit rejects garbage" $S/mem_limit "lots" "lots"
ktap_expect_eq "mm_stat has 9 fields, limit shown" "9 33554432" "$(awk '{print NF, $4}' $S/mm_stat)"
ktap_expect_eq "io_stat has 4 fields" 4 "$(awk '{print NF}' $S/io_stat)"
ktap_expect_eq "debug_stat is version 1" "version: 1" "$(head -n1 $S/debug_stat)"
ktap_check "idle all" w $S/idle all
rejected "idle rejects garbage" $S/idle "soon" "soon"
ktap_check "mem_used_max 0" w $S/mem_used_max 0
ktap_expect_eq "hot_add creates zmc1" 1 "$(cat $C/hot_add)"
ktap_check "hot_remove 1" w $C/hot_remove 1
exec 3< /dev/zmc0
ktap_check_fails "hot_remove of an open device is refused" w $C/hot_remove 0
ktap_check_fails "reset of an open device is refused" w $S/reset 1
exec 3<&-
ktap_check "reset" sh -c "echo 1 > $S/reset && test \"\$(cat $S/initstate)\" = 0"
ktap_check "rmmod zram_multicomp" rmmod zram_multicomp
ktap_finish
