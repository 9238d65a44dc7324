#!/bin/sh
# The zram bench, guest side: upstream zram and zram_multicomp side by side in one boot, on the
# same pages (real anonymous memory, then fio's synthetic buffers). Every measurement is printed
# as "# BENCH {json}" for bench/zram/report.py; every data check is a KTAP result, so a run
# that read back a wrong page is red and writes no report.
#
# Devices (disksize 256M each):
#   zram-lz4       zram0, lz4
#   zram-lz4+zstd  zram1, lz4 with zstd as recompression algorithm; idle pages are recompressed
#                  by writing "all" to idle and "type=idle" to recompress, as a user would
#   zmc-async      zmc0, comp_policy adaptive, async pool on, zstd level 1 for cold pages; the
#                  background recompression (bg_recompress) does the cold pages by itself
#   zmc-sync       zmc1, the same with the async pool off
#   zmc-async-sio  (swap only) zmc0 as zmc-async, declared synchronous (synchronous_io 1, as zram
#                  is): swap then reads each faulting page alone, without swap cache or readahead
#   zmc-tiers      (swap only) zmc0 as zmc-async with lz4hc as a third algorithm and latency tiers
#                  (bg_warm_age 5, bg_cold_age 300): over the cold wait pages go to lz4hc, which
#                  decodes as fast as lz4, not to zstd; the configuration README recommends
#   zmc-tiers-sio  (swap only) zmc-tiers declared synchronous
# Phases, for each page set and device (the devices take turns, chunk by chunk, so changes in
# the host's load fall on all of them alike):
#   write   every page written once with O_DIRECT, each pwrite timed (swap-out submit latency)
#   stored  mm_stat once the writes are stored
#   read    random O_DIRECT page reads, timed and checked against the source
#   recomp  the cold-page recompression (zram1 and zmc only): CPU busy time in the guest while
#           it ran, mm_stat after, then random reads again
#   contended (real pages, zram-lz4 and zmc-async only) every page written again to the reset
#           devices while a CPU hog spins on every vCPU at normal priority, as apps keep the CPUs
#           busy during a launch: the write latency when the async workers (nice 19) get no
#           idle CPU
# Then, as swap (real pages only; one device at a time: zram-lz4, zmc-async, zmc-sync):
#   a working set in a memory cgroup is pushed out with memory.reclaim, sits for a while (cold),
#   then is touched again while a hog in another cgroup keeps memory tight: each page's first
#   touch (the swap-in fault) and the whole pass (the relaunch time) are timed, and every page
#   is checked; /proc/vmstat's pswpin, swap_ra and swap_ra_hit over the relaunch are recorded
#   (the churn scenario: the store is outside every limit).
# Then the tight-memory scenario (zram-lz4 and the four zmc swap rows, three rounds):
#   the app, background apps and the store share one budget; see the section below.
. "$SUITE_DIR/ktap.sh"

SIZE=256M
READS=${ZRAM_BENCH_READS:-4000}
CHUNKS=6
COLD_WAIT=${ZRAM_BENCH_COLD_WAIT:-20}
disk() { echo "$SUITE_DISKS" | awk -v i="$1" '$2 == i {print $1}'; }
CORPUS=$(disk corpus.img)
SYNTH=$(disk synthetic.img)
ZB=/mnt/tools/zbench.$(uname -m)
# Busy CPU time of the whole guest so far, in USER_HZ ticks (user, nice, system, irq, softirq).
busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
ticks_ms() { echo $(($1 * 1000 / $(getconf CLK_TCK 2>/dev/null || echo 100))); }
bench() { echo "# BENCH $*"; }
mm() { awk '{printf "\"orig_data_size\":%s,\"compr_data_size\":%s,\"mem_used_total\":%s,\"same_pages\":%s,\"huge_pages\":%s", $1, $2, $3, $6, $8}' "$1/mm_stat"; }
pages_of() { echo $(($(cat "/sys/class/block/${1#/dev/}/size") / 8)); }
field() { awk -v f="$2" '{print $f}' "$1"; }
pstat() { awk -v k="$2" '$1 == k {print $2}' "$1/policy_stat"; }
finished() { # zmc sysfs dir: bg_finished, read without forking
	_n=0
	while read -r _k _v _rest; do
		[ "$_k" = bg_finished ] && _n=$_v
	done < "$1/policy_stat"
	echo "$_n"
}
settle() { # zmc sysfs dir: wait (up to 60 s) until nothing is staged
	_i=0
	while [ "$(field "$1/async_stat" 3)" != 0 ] && [ $_i -lt 600 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	[ "$(field "$1/async_stat" 3)" = 0 ]
}

NAMES="zram-lz4 zram-lz4+zstd zmc-async zmc-sync"
dev_of() {
	case $1 in
	zram-lz4) echo zram0 ;; zram-lz4+zstd) echo zram1 ;; zmc-async* | zmc-tiers*) echo zmc0 ;; zmc-sync) echo zmc1 ;;
	esac
}
# setup NAME: configure the (reset) device for its role.
setup() {
	_s=/sys/block/$(dev_of "$1")
	case $1 in
	zram-*)
		echo lz4 > $_s/comp_algorithm || return 1
		if [ "$1" = zram-lz4+zstd ]; then
			echo "algo=zstd priority=1" > $_s/recomp_algorithm || return 1
		fi ;;
	zmc-*)
		echo lz4 > $_s/comp_algorithm || return 1
		if [ "${1#zmc-tiers}" != "$1" ]; then
			echo "algo=lz4hc priority=1" > $_s/recomp_algorithm || return 1
			echo "algo=zstd priority=2" > $_s/recomp_algorithm || return 1
		else
			echo "algo=zstd priority=1" > $_s/recomp_algorithm || return 1
		fi
		# zstd level 1 keeps nearly all of level 3's gain on anonymous pages at less CPU.
		echo "algo=zstd level=1" > $_s/algorithm_params || return 1
		echo adaptive > $_s/comp_policy || return 1
		if [ "$1" = zmc-sync ]; then echo 0 > $_s/async; else echo 1 > $_s/async; fi || return 1
		if [ "${1%-sio}" != "$1" ]; then echo 1; else echo 0; fi > $_s/synchronous_io || return 1 ;;
	esac
	echo $SIZE > $_s/disksize
}
reset() { echo 1 > "/sys/block/$(dev_of "$1")/reset"; }

swap_on() { # NAME
	setup "$1" && mkswap "/dev/$(dev_of "$1")" > /dev/null && swapon "/dev/$(dev_of "$1")"
}

# bg_on NAME SYSFS: the background pass of a zmc swap row: cold after 5 s to zstd, or with
# latency tiers warm after 5 s to lz4hc and cold after 300 s.
bg_on() {
	echo 4096 > "$2/bg_recompress_rate"
	if [ "${1#zmc-tiers}" != "$1" ]; then
		echo 300 > "$2/bg_cold_age"
		echo 5 > "$2/bg_warm_age"
	else
		echo 5 > "$2/bg_cold_age"
		echo 0 > "$2/bg_warm_age"
	fi
	echo 1 > "$2/bg_recompress"
}

SWAP_NAMES="zram-lz4 zmc-async zmc-async-sio zmc-tiers zmc-tiers-sio zmc-sync"
# 3 setup checks; per page set: 4 devices x (setup, write, read, reset), 3 recompressions and
# 3 reads after them; the contended writes (2 devices: write); per swap device (5): setup,
# fill, reclaim, relaunch, swapoff, reset; tight memory: 5 devices x 3 rounds x (setup, limiter,
# fill, relaunch, swapoff, reset).
ktap_plan $((3 + 2 * (4 * 4 + 3 + 3) + 2 + 6 * 6 + 5 * 3 * 6))
vmstat() { awk -v k="$1" '$1 == k {print $2}' /proc/vmstat; }
ktap_check "modprobe zram (2 devices), zram_multicomp (2 devices), erofs" \
	sh -c "modprobe zram num_devices=2 && modprobe zram_multicomp num_devices=2 && modprobe erofs"
mkdir -p /mnt/tools
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
NP=$(pages_of "$CORPUS")
ktap_check "page sets attached ($NP pages each)" sh -c "test -b '$CORPUS' && test -b '$SYNTH' && test $NP -gt 1000"
# The guest's own busy time while idle (the shell, timers), to net out of the CPU figures.
b0=$(busy) t0=$("$ZB" now)
sleep 10
b1=$(busy) t1=$("$ZB" now)
bench "{\"idle\":{\"wall_ns\":$((t1 - t0)),\"cpu_ms\":$(ticks_ms $((b1 - b0)))}}"
bench "{\"guest\":{\"kernel\":\"$(uname -r)\",\"arch\":\"$(uname -m)\",\"cpus\":$(grep -c ^processor /proc/cpuinfo),\"mem_kb\":$(awk '/MemTotal/ {print $2}' /proc/meminfo),\"pages\":$NP,\"reads\":$READS}}"

for set in corpus synthetic; do
	if [ $set = corpus ]; then SRC=$CORPUS; else SRC=$SYNTH; fi
	rm -f /tmp/lat.* /tmp/rd.err.*
	for name in $NAMES; do
		ktap_check "$set/$name: set up" setup "$name"
		eval "cpu_$(dev_of "$name")=0"
	done
	# The devices take turns, chunk by chunk, so a change in the host's load hits all alike.
	# The async pool drains before the next device's turn; its workers' CPU time counts.
	ok=1
	c=0
	while [ $c -lt $CHUNKS ]; do
		first=$((c * NP / CHUNKS))
		count=$(((c + 1) * NP / CHUNKS - first))
		for name in $NAMES; do
			d=$(dev_of "$name")
			b0=$(busy)
			"$ZB" wr "/dev/$d" "$SRC" $first $count /tmp/lat.wr.$d || ok=0
			[ "$name" = zmc-async ] && { settle "/sys/block/$d" || ok=0; }
			b1=$(busy)
			eval "cpu_$d=\$((cpu_$d + b1 - b0))"
		done
		c=$((c + 1))
	done
	# Random reads, the devices in turn for each round.
	r=1
	while [ $r -le 4 ]; do
		for name in $NAMES; do
			d=$(dev_of "$name")
			"$ZB" rd "/dev/$d" "$SRC" "$NP" $((READS / 4)) $r /tmp/lat.rd.$d 2>> /tmp/rd.err.$d || ok=0
		done
		r=$((r + 1))
	done
	for name in $NAMES; do
		d=$(dev_of "$name")
		S=/sys/block/$d
		if out=$("$ZB" stats /tmp/lat.wr.$d) && [ $ok = 1 ]; then
			ktap_pass "$set/$name: wrote $NP pages"
			eval "cpu=\$cpu_$d"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"write\",$out,\"cpu_ms\":$(ticks_ms "$cpu"),$(mm "$S")}"
			[ "${name#zmc}" != "$name" ] && bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"policy_stat\",\"text\":\"$(tr '\n' ';' < "$S/policy_stat")\",\"async_stat\":\"$(echo $(cat "$S/async_stat"))\"}"
		else
			ktap_fail "$set/$name: wrote $NP pages"
		fi
		if [ ! -s /tmp/rd.err.$d ] && out=$("$ZB" stats /tmp/lat.rd.$d); then
			ktap_pass "$set/$name: $READS random reads match the source"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"read\",$out}"
		else
			ktap_fail "$set/$name: $READS random reads match the source" "$(cat /tmp/rd.err.$d)"
		fi
	done

	# Cold pages: zram by hand, zram_multicomp by itself.
	S=/sys/block/zram1
	b0=$(busy) t0=$("$ZB" now)
	# zram recompresses in the writing process: its own CPU time is the pass's.
	if echo all > $S/idle && cpu=$("$ZB" cpuwrite $S/recompress type=idle); then
		t1=$("$ZB" now) b1=$(busy)
		ktap_pass "$set/zram-lz4+zstd: idle, recompress type=idle"
		bench "{\"set\":\"$set\",\"dev\":\"zram-lz4+zstd\",\"phase\":\"recomp\",\"wall_ns\":$((t1 - t0)),\"cpu_ms\":$(ticks_ms $((b1 - b0))),\"cpu_ns\":$cpu,$(mm $S)}"
	else
		ktap_fail "$set/zram-lz4+zstd: idle, recompress type=idle"
	fi
	for name in zmc-async zmc-sync; do
		S=/sys/block/$(dev_of "$name")
		echo 1000000 > $S/bg_recompress_rate
		echo 1 > $S/bg_cold_age
		b0=$(busy) t0=$("$ZB" now)
		echo all > $S/idle
		echo 1 > $S/bg_recompress
		# Poll with shell builtins only, every 2 s, so polling adds little to the busy time.
		_i=0
		while [ "$(finished $S)" -lt 1 ] && [ $_i -lt 300 ]; do
			sleep 2
			_i=$((_i + 1))
		done
		t1=$("$ZB" now) b1=$(busy)
		echo 0 > $S/bg_recompress
		# The worker adds its CPU time when it wakes (every second): let it count the pass.
		sleep 2
		if [ "$(pstat $S bg_finished)" -ge 1 ]; then
			ktap_pass "$set/$name: background recompression finished a pass"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"recomp\",\"wall_ns\":$((t1 - t0)),\"cpu_ms\":$(ticks_ms $((b1 - b0))),\"recompressed\":$(pstat $S bg_recompressed),\"bg_ns\":$(pstat $S bg_ns),\"bg_cpu_ns\":$(pstat $S bg_cpu_ns),$(mm $S)}"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"policy_stat_recomp\",\"text\":\"$(tr '\n' ';' < "$S/policy_stat")\"}"
		else
			ktap_fail "$set/$name: background recompression finished a pass" "none in 600 s"
		fi
	done
	for name in zram-lz4+zstd zmc-async zmc-sync; do
		d=$(dev_of "$name")
		rm -f /tmp/lat.rr.$d
		if "$ZB" rd "/dev/$d" "$SRC" "$NP" "$READS" 9 /tmp/lat.rr.$d > /tmp/rd.err.$d 2>&1 &&
			out=$("$ZB" stats /tmp/lat.rr.$d); then
			ktap_pass "$set/$name: random reads after recompression match the source"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"read_recomp\",$out}"
		else
			ktap_fail "$set/$name: random reads after recompression match the source" "$(cat /tmp/rd.err.$d)"
		fi
	done
	for name in $NAMES; do
		ktap_check "$set/$name: reset" reset "$name"
	done
	[ $set = corpus ] || continue
	# Contended swap-out: the same pages again, with every vCPU kept busy by a hog.
	CNAMES="zram-lz4 zmc-async"
	hogs=
	for _ in $(seq "$(grep -c ^processor /proc/cpuinfo)"); do
		sh -c 'while :; do :; done' &
		hogs="$hogs $!"
	done
	ok=1
	rm -f /tmp/lat.cw.*
	for name in $CNAMES; do setup "$name" || ok=0; done
	c=0
	while [ $c -lt $CHUNKS ]; do
		first=$((c * NP / CHUNKS))
		count=$(((c + 1) * NP / CHUNKS - first))
		for name in $CNAMES; do
			d=$(dev_of "$name")
			"$ZB" wr "/dev/$d" "$SRC" $first $count /tmp/lat.cw.$d || ok=0
			[ "$name" = zmc-async ] && { settle "/sys/block/$d" || ok=0; }
		done
		c=$((c + 1))
	done
	# shellcheck disable=SC2086
	kill $hogs
	wait $hogs 2>/dev/null
	for name in $CNAMES; do
		d=$(dev_of "$name")
		if out=$("$ZB" stats /tmp/lat.cw.$d) && [ $ok = 1 ] && reset "$name"; then
			ktap_pass "contended/$name: wrote $NP pages with a hog on every vCPU"
			bench "{\"set\":\"$set\",\"dev\":\"$name\",\"phase\":\"write_contended\",$out}"
		else
			ktap_fail "contended/$name: wrote $NP pages with a hog on every vCPU"
		fi
	done
done

# Swap: relaunch of a working set under pressure.
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
CGW=/sys/fs/cgroup/bench-ws CGH=/sys/fs/cgroup/bench-hog
mkdir -p $CGW $CGH
HOG_PAGES=$NP
echo $((HOG_PAGES * 4096 / 2)) > $CGH/memory.max
for name in $SWAP_NAMES; do
	d=$(dev_of "$name")
	S=/sys/block/$d
	ktap_check "swap/$name: set up, mkswap, swapon" swap_on "$name"
	[ "${name#zmc}" != "$name" ] && bg_on "$name" "$S"
	rm -f /tmp/ws.in /tmp/ws.out
	mkfifo /tmp/ws.in
	# The working set runs in its cgroup; its stdin is the fifo that says "go".
	sh -c "echo \$\$ > $CGW/cgroup.procs && exec $ZB ws $CORPUS $NP" < /tmp/ws.in > /tmp/ws.out 2>&1 &
	ws=$!
	exec 3> /tmp/ws.in
	_i=0
	while ! grep -q ready /tmp/ws.out 2>/dev/null && [ $_i -lt 600 ]; do sleep 0.5; _i=$((_i + 1)); done
	ktap_check "swap/$name: the working set is filled ($NP pages)" grep -q ready /tmp/ws.out
	t0=$("$ZB" now)
	echo $((NP * 4096)) > $CGW/memory.reclaim 2>/dev/null
	[ "$name" != zmc-sync ] && [ "${name#zmc}" != "$name" ] && settle "$S"
	t1=$("$ZB" now)
	swapped=$(awk '/^SwapTotal/ {t=$2} /^SwapFree/ {f=$2} END {print t - f}' /proc/meminfo)
	ktap_check "swap/$name: memory.reclaim pushed most of it to swap (${swapped} KiB)" test "$swapped" -gt $((NP * 4 * 3 / 4))
	sleep "$COLD_WAIT"
	stored=$(mm "$S")
	# The hog keeps memory tight in its own cgroup while the working set comes back.
	sh -c "echo \$\$ > $CGH/cgroup.procs && exec $ZB hog $SYNTH $HOG_PAGES 600" > /dev/null 2>&1 &
	hog=$!
	sleep 3
	in0=$(vmstat pswpin) ra0=$(vmstat swap_ra) hit0=$(vmstat swap_ra_hit)
	# zmc's own counters over the relaunch: each algorithm's work and the async workers' CPU.
	zs0='' zs1=''
	[ "${name#zmc}" != "$name" ] && zs0="$(tr '\n' ';' < $S/policy_stat)async $(cat $S/async_stat);"
	b0=$(busy)
	echo go >&3
	wait $ws
	rc=$?
	b1=$(busy)
	[ "${name#zmc}" != "$name" ] && zs1="$(tr '\n' ';' < $S/policy_stat)async $(cat $S/async_stat);"
	vm="\"pswpin\":$(($(vmstat pswpin) - in0)),\"swap_ra\":$(($(vmstat swap_ra) - ra0)),\"swap_ra_hit\":$(($(vmstat swap_ra_hit) - hit0)),\"policy_stat_before\":\"$zs0\",\"policy_stat_after\":\"$zs1\""
	exec 3>&-
	kill $hog 2>/dev/null
	wait $hog 2>/dev/null
	out=$(grep '"n"' /tmp/ws.out)
	if [ $rc = 0 ] && [ -n "$out" ]; then
		ktap_pass "swap/$name: relaunch touched every page and each matches the source"
		bench "{\"set\":\"corpus\",\"dev\":\"$name\",\"phase\":\"relaunch\",$out,\"swapout_ns\":$((t1 - t0)),\"swapped_kb\":$swapped,\"cpu_ms\":$(ticks_ms $((b1 - b0))),$vm,$stored}"
	else
		ktap_fail "swap/$name: relaunch touched every page and each matches the source" "exit $rc: $(tail -n 1 /tmp/ws.out)"
	fi
	[ "${name#zmc}" != "$name" ] && echo 0 > $S/bg_recompress
	ktap_check "swap/$name: swapoff" swapoff "/dev/$d"
	ktap_check "swap/$name: reset" reset "$name"
done
rmdir $CGW $CGH 2>/dev/null

# Tight memory, as on a phone: the app, the background apps and the compressed store share one
# budget. The apps run in one memory cgroup whose memory.max a limiter keeps at the budget less
# the store's mem_used_total (and zmc's staging buffers), so a smaller store leaves more of the
# app resident; the guest's own files (tmpfs) stay out of it. The app fills its pages and goes
# to the background; four background apps start one after another, 5 s apart, each writing a
# quarter of its pages every second (the part in use), pushing the idle app out bit by bit
# while the store recompresses what went cold. Then the background apps are frozen (as Android
# freezes cached apps) and the app comes back: its relaunch time, faults and major faults are
# timed as above.
TIGHT_NAMES="zram-lz4 zmc-async zmc-async-sio zmc-tiers zmc-tiers-sio"
TIGHT_ROUNDS=3
BUDGET_KB=$((NP * 4 * 2))
BG_APPS=4
BG_PAGES=$((NP * 35 / 100))
bench "{\"tight\":{\"budget_kb\":$BUDGET_KB,\"app_pages\":$NP,\"bg_apps\":$BG_APPS,\"bg_pages\":$BG_PAGES,\"rounds\":$TIGHT_ROUNDS}}"
meminfo() { awk -v k="$1:" '$1 == k {print $2}' /proc/meminfo; }
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
CGP=/sys/fs/cgroup/bench-phone
mkdir -p $CGP
round=1
while [ $round -le $TIGHT_ROUNDS ]; do
	for name in $TIGHT_NAMES; do
		d=$(dev_of "$name")
		S=/sys/block/$d
		tag="tight/$name/$round"
		ktap_check "$tag: set up, mkswap, swapon" swap_on "$name"
		extra=0
		if [ "${name#zmc}" != "$name" ]; then
			extra=$(($(cat $S/async_staging) * 4))
			bg_on "$name" "$S"
		fi
		echo max > $CGP/memory.max
		"$ZB" limit $CGP/memory.max $S/mm_stat $BUDGET_KB $extra 200 3600 > /tmp/limit.out 2>&1 &
		limiter=$!
		sleep 1
		ktap_check "$tag: memory.max is the budget less the store ($(cat $CGP/memory.max) bytes)" \
			sh -c "kill -0 $limiter && test \$(cat $CGP/memory.max) -le $((BUDGET_KB * 1024))"
		rm -f /tmp/ws.in /tmp/ws.out
		mkfifo /tmp/ws.in
		sh -c "echo \$\$ > $CGP/cgroup.procs && exec $ZB ws $CORPUS $NP" < /tmp/ws.in > /tmp/ws.out 2>&1 &
		ws=$!
		exec 3> /tmp/ws.in
		_i=0
		while ! grep -q ready /tmp/ws.out 2>/dev/null && [ $_i -lt 600 ]; do sleep 0.5; _i=$((_i + 1)); done
		ktap_check "$tag: the app is filled ($NP pages)" grep -q ready /tmp/ws.out
		bgs=
		k=0
		while [ $k -lt $BG_APPS ]; do
			sh -c "echo \$\$ > $CGP/cgroup.procs && exec $ZB bgapp $CORPUS $((k * NP / BG_APPS)) $BG_PAGES 4 1000 3600" > /dev/null 2>&1 &
			bgs="$bgs $!"
			sleep 5
			k=$((k + 1))
		done
		sleep 10
		# shellcheck disable=SC2086
		kill -STOP $bgs
		sleep 1
		app_swap=$(awk '/^VmSwap/ {print $2}' /proc/$ws/status)
		# shellcheck disable=SC2086
		bg_swap=$(for p in $bgs; do cat /proc/$p/status; done | awk '/^VmSwap/ {s += $2} END {print s + 0}')
		swapped=$(($(meminfo SwapTotal) - $(meminfo SwapFree)))
		stored=$(mm "$S")
		limit_kb=$(($(cat $CGP/memory.max) / 1024))
		ps0=
		[ "${name#zmc}" != "$name" ] && ps0=$(tr '\n' ';' < $S/policy_stat)
		in0=$(vmstat pswpin) ra0=$(vmstat swap_ra) hit0=$(vmstat swap_ra_hit) out0=$(vmstat pswpout)
		b0=$(busy)
		echo go >&3
		wait $ws
		rc=$?
		b1=$(busy)
		ps1=
		[ "${name#zmc}" != "$name" ] && ps1=$(tr '\n' ';' < $S/policy_stat)
		vm="\"pswpin\":$(($(vmstat pswpin) - in0)),\"pswpout\":$(($(vmstat pswpout) - out0)),\"swap_ra\":$(($(vmstat swap_ra) - ra0)),\"swap_ra_hit\":$(($(vmstat swap_ra_hit) - hit0))"
		exec 3>&-
		# shellcheck disable=SC2086
		kill -KILL $bgs $limiter 2>/dev/null
		# shellcheck disable=SC2086
		wait $bgs $limiter 2>/dev/null
		out=$(grep '"n"' /tmp/ws.out)
		if [ $rc = 0 ] && [ -n "$out" ] && [ -n "$app_swap" ]; then
			ktap_pass "$tag: relaunch touched every page and each matches the source"
			bench "{\"set\":\"corpus\",\"dev\":\"$name\",\"phase\":\"relaunch_tight\",\"round\":$round,$out,\"app_swap_kb\":$app_swap,\"bg_swap_kb\":$bg_swap,\"swapped_kb\":$swapped,\"limit_kb\":$limit_kb,\"cpu_ms\":$(ticks_ms $((b1 - b0))),$vm,$stored,\"policy_stat_before\":\"$ps0\",\"policy_stat_after\":\"$ps1\"}"
		else
			ktap_fail "$tag: relaunch touched every page and each matches the source" "exit $rc: $(tail -n 1 /tmp/ws.out)"
		fi
		[ "${name#zmc}" != "$name" ] && echo 0 > $S/bg_recompress
		ktap_check "$tag: swapoff" swapoff "/dev/$d"
		ktap_check "$tag: reset" reset "$name"
	done
	round=$((round + 1))
done
rmdir $CGP
umount /mnt/tools
ktap_finish
