#!/bin/sh
# zram_multicomp's drop-in mode (zram_names=1): the devices are /dev/zramN and the control class
# is zram-control, so util-linux zramctl and a zram-generator-style sysfs sequence work on it
# unchanged. Loading it so while the in-tree zram holds those names is refused.
. "$SUITE_DIR/ktap.sh"

C=/sys/class/zram-control
ktap_plan 18
ktap_check "the in-tree zram is not loaded" sh -c "! grep -q '^zram ' /proc/modules"
ktap_check "modprobe zram_multicomp zram_names=1" modprobe zram_multicomp zram_names=1
ktap_check "/dev/zram0 and zram-control are ours (comp_policy is there)" \
	sh -c "test -b /dev/zram0 && test -w $C/hot_add && test -r /sys/block/zram0/comp_policy && ! test -e /sys/class/zmc-control"

# zramctl: find a free device and set it up, list it, reset it.
ktap_expect_eq "zramctl --find --size 64M --algorithm zstd" /dev/zram0 \
	"$(zramctl --find --size 64M --algorithm zstd 2>&1)"
ktap_expect_eq "zramctl lists it with its size and algorithm" "/dev/zram0 67108864 zstd" \
	"$(zramctl --noheadings --bytes --output NAME,DISKSIZE,ALGORITHM /dev/zram0 2>&1 | tr -s ' ')"
yes "drop-in mode test line" | head -c 8388608 > /tmp/dropin.bin
ktap_check "8 MiB written to /dev/zram0" dd if=/tmp/dropin.bin of=/dev/zram0 bs=1M oflag=direct
ktap_expect_eq "zramctl DATA is 8 MiB and COMPR smaller" "8388608 yes" \
	"$(zramctl --noheadings --bytes --output DATA,COMPR /dev/zram0 | awk '{print $1, ($2 < $1 ? "yes" : "no")}')"
ktap_expect_eq "the data reads back" "$(sha256sum < /tmp/dropin.bin)" \
	"$(head -c 8388608 /dev/zram0 | sha256sum)"
# With zram0 in use, --find hot-adds zram1 through zram-control.
ktap_expect_eq "zramctl --find --size 32M hot-adds /dev/zram1" /dev/zram1 \
	"$(zramctl --find --size 32M 2>&1)"
ktap_check "zramctl --reset both" zramctl --reset /dev/zram0 /dev/zram1
# zramctl resets a device, then removes it through zram-control's hot_remove.
gone_or_empty() {
	for d in "$@"; do
		[ ! -e /sys/block/$d ] || [ "$(cat /sys/block/$d/disksize)" = 0 ] || return 1
	done
}
ktap_check "both are reset (disksize 0) or removed" gone_or_empty zram0 zram1

# What zram-generator does for "compression-algorithm = lz4 zstd(level=3) (type=idle)" and
# "zram-size = 64M": hot_add, algorithms and parameters, size, mkswap, swapon (the generator's
# swap unit also sets a priority; the guest's busybox swapon has no -p).
generator() {
	id=$(cat $C/hot_add) || return 1
	s=/sys/block/zram$id
	echo lz4 > $s/comp_algorithm &&
		echo "algo=zstd priority=1" > $s/recomp_algorithm &&
		echo "algo=zstd level=3" > $s/algorithm_params &&
		echo 64M > $s/disksize &&
		mkswap /dev/zram$id > /dev/null &&
		swapon /dev/zram$id &&
		echo "$id" > /tmp/genid
}
ktap_check "zram-generator sequence: hot_add, algorithms, disksize, mkswap, swapon" generator
id=$(cat /tmp/genid 2>/dev/null)
ktap_check "zram$id is in use as swap" sh -c "awk '\$1 == \"/dev/zram$id\"' /proc/swaps | grep -q ."
ktap_expect_eq "comp_algorithm shows lz4 selected" "[lz4]" \
	"$(tr ' ' '\n' < /sys/block/zram$id/comp_algorithm | grep '^\[')"
ktap_check "swapoff, reset, rmmod" sh -c \
	"swapoff /dev/zram$id && for d in /sys/block/zram*; do echo 1 > \$d/reset; done && rmmod zram_multicomp"

# The in-tree zram first: the drop-in load is refused with a message naming the clash.
modprobe zram num_devices=1
dmesg -c > /dev/null
ktap_check_fails "with zram loaded, modprobe zram_multicomp zram_names=1 fails" modprobe zram_multicomp zram_names=1
ktap_check "it says why" sh -c "dmesg | grep -q 'zram_names: the zram-control class exists'"
ktap_check "zram still works, zram_multicomp loads without zram_names" sh -c \
	"echo 16M > /sys/block/zram0/disksize && modprobe zram_multicomp && test -b /dev/zmc0 &&
	 rmmod zram_multicomp && echo 1 > /sys/block/zram0/reset && rmmod zram"
ktap_finish
