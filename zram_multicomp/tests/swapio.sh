#!/bin/sh
# zram_multicomp's synchronous_io as swap sees it. Anonymous pages of a process in a memory
# cgroup are pushed to zmc0 with memory.reclaim, then read back in order. With 0 they come back
# through the swap cache with readahead (/proc/vmstat swap_ra grows); with 1, as zram declares
# itself, each faulting page is read alone (swap_ra stays put). Every page must come back intact.
. "$SUITE_DIR/ktap.sh"
. "$(dirname "$0")/zmc.lib"

S=/sys/block/zmc0
CG=/sys/fs/cgroup/zmc-swapio
disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }

ktap_plan 9
ktap_check "modprobe zram_multicomp" modprobe zram_multicomp
mkdir -p /mnt/tools
ktap_check "mount the tools image" sh -c "modprobe erofs && mount -t erofs -o ro $(disk tools.img) /mnt/tools"
PAGE=$(cat $S/queue/physical_block_size)
N=$(((8 << 20) / PAGE))
echo +memory > /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null
mkdir -p $CG
for sio in 0 1; do
	ktap_check "synchronous_io $sio: disksize 64M, mkswap, swapon" sh -c \
		"echo $sio > $S/synchronous_io && echo 64M > $S/disksize && mkswap /dev/zmc0 > /dev/null && swapon /dev/zmc0"
	rm -f /tmp/sio.in /tmp/sio.out
	mkfifo /tmp/sio.in
	sh -c "echo \$\$ > $CG/cgroup.procs && exec /mnt/tools/racer.$(uname -m) - $PAGE $N anon" \
		< /tmp/sio.in > /tmp/sio.out 2>&1 &
	pid=$!
	exec 3> /tmp/sio.in
	i=0
	while ! grep -q ready /tmp/sio.out 2>/dev/null && [ $i -lt 300 ]; do sleep 0.2; i=$((i + 1)); done
	echo $((N * PAGE)) > $CG/memory.reclaim 2>/dev/null
	swapped=$(awk '/^SwapTotal/ {t=$2} /^SwapFree/ {f=$2} END {print t - f}' /proc/meminfo)
	ra0=$(vmstat swap_ra) in0=$(vmstat pswpin)
	echo go >&3
	wait $pid
	rc=$?
	exec 3>&-
	ra=$(($(vmstat swap_ra) - ra0)) in=$(($(vmstat pswpin) - in0))
	ktap_diag "synchronous_io $sio: $(tail -n 1 /tmp/sio.out); swapped ${swapped} KiB of $((N * PAGE >> 10)); pswpin +$in, swap_ra +$ra"
	ktap_check "synchronous_io $sio: most pages went to swap and every page came back intact" \
		test "$rc" = 0 -a "$swapped" -gt $((N * PAGE / 1024 / 2))
	# Other tasks (the shell, tmpfs) may swap a few pages of their own meanwhile.
	if [ $sio = 0 ]; then
		ktap_check "synchronous_io 0: swap read ahead (swap_ra +$ra of $N pages)" test "$ra" -gt $((N / 4))
	else
		ktap_check "synchronous_io 1: no readahead, each fault read its page alone (swap_ra +$ra of $N pages)" \
			test "$ra" -lt $((N / 100))
	fi
	swapoff /dev/zmc0 && echo 1 > $S/reset
done
rmdir $CG
umount /mnt/tools
ktap_check "rmmod" rmmod zram_multicomp
ktap_finish
