#!/bin/sh
# `make demo`: a model file on a compressed EROFS image (demo.disks: lz4hc, 256 KiB pclusters,
# ztailpacking), read whole from a cold mount by stock erofs (buffered; it refuses O_DIRECT on
# compressed files) and by erofs_dio (O_DIRECT, then buffered), in one boot. For each read: its
# MiB/s, the page cache before and after (Cached in /proc/meminfo, and the page cache charged to
# the reader's own memory cgroup, which holds nothing but what the read brought in), its sha256
# against the host's, and erofs_dio's device reads (debugfs).
. "$SUITE_DIR/ktap.sh"

disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
D=/sys/kernel/debug/erofs_dio
CG=/sys/fs/cgroup/erofs-demo
BS=4194304 # 4 MiB reads, as the erofs bench (and a model loader) makes them
M=/mnt/model
cached_kb() { awk '/^Cached:/ {print $2}' /proc/meminfo; }
cg_file_kb() { awk '$1 == "file" {print int($2 / 1024)}' "$CG/memory.stat"; }
uptime_cs() { awk '{split($1, a, "."); print a[1] * 100 + a[2]}' /proc/uptime; }
counter() { cat "$D/$1" 2>/dev/null || echo 0; }
mib() { awk -v k="$1" 'BEGIN {printf "%.1f", k / 1024}'; }
signed() { case $1 in -*) echo "$1" ;; *) echo "+$1" ;; esac; }
# incg COMMAND...: COMMAND in the readers' cgroup, so its page cache is charged there.
# shellcheck disable=SC2016
incg() { sh -c 'echo $$ > "$0/cgroup.procs" && exec "$@"' "$CG" "$@"; }

# read_cold LABEL FSTYPE COMMAND...: on a fresh FSTYPE mount at $M, with no page cache but
# dioread's own, COMMAND reads the whole file to /dev/null in the readers' cgroup. Appends
# LABEL's row to ROWS; sets C0 C1 (Cached KiB), F0 F1 (the cgroup's page cache KiB), DR BR.
ROWS=""
read_cold() {
	label=$1 fstype=$2
	shift 2
	sync
	echo 3 > /proc/sys/vm/drop_caches
	"$DIO" > /dev/null 2>&1 # its text back in (it prints its usage), outside the readers' cgroup
	C0=$(cached_kb) F0=$(cg_file_kb) d0=$(counter direct_reads) b0=$(counter bounce_reads)
	t0=$(uptime_cs)
	# Its messages by a pipe, not a file in /tmp: tmpfs is page cache too.
	err=$(incg "$@" 2>&1 > /dev/null)
	rc=$?
	t1=$(uptime_cs)
	C1=$(cached_kb) F1=$(cg_file_kb)
	DR=$(($(counter direct_reads) - d0)) BR=$(($(counter bounce_reads) - b0))
	dev="-"
	[ "$fstype" = erofs_dio ] && dev="+$DR / +$BR"
	[ "$rc" = 0 ] || dev="$dev  (the read failed: exit $rc, $(echo "$err" | tail -n 1))"
	ROWS="$ROWS$(awk -v l="$label" -v s="$SIZE" -v cs=$((t1 - t0)) -v c0="$C0" -v c1="$C1" \
		-v f0="$F0" -v f1="$F1" -v dev="$dev" 'BEGIN {
		if (cs < 1) cs = 1
		printf "%-22s %7.1f %6.2f %20s %20s   %s\n", l, s / 1048576 / (cs / 100), cs / 100,
			sprintf("%.1f > %.1f", c0 / 1024, c1 / 1024),
			sprintf("%.1f > %.1f", f0 / 1024, f1 / 1024), dev }')
"
}
# sha LABEL SUM: the read path's sha256 against the host's.
sha() { ktap_expect_eq "$1: sha256 is the host's ($(echo "$2" | cut -c1-16)...)" "$WANT" "$2"; }
# filled LABEL: a buffered read must have put the file in the reader's page cache (at least 90%
# of it): the figure the O_DIRECT read is compared with.
filled() {
	if [ $((F1 - F0)) -ge $((SIZE * 9 / 10240)) ]; then
		ktap_pass "$1: filled the page cache (reader's cgroup +$(mib $((F1 - F0))) MiB)"
	else
		ktap_fail "$1: filled the page cache" "reader's cgroup grew by $((F1 - F0)) KiB"
	fi
}

ktap_plan 13
ktap_check "modprobe erofs_dio, and stock erofs (the baseline)" \
	sh -c "modprobe erofs && modprobe erofs_dio && grep -q '^erofs_dio ' /proc/modules"
mkdir -p /mnt/tools $M "$CG"
echo +memory > /sys/fs/cgroup/cgroup.subtree_control
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
DEV=$(disk model.img)
IMG_KB=$(awk -v d="${DEV#/dev/}" '$4 == d {print $3}' /proc/partitions)

ktap_check "stock erofs mounts model.img" mount -t erofs -o ro "$DEV" $M
SIZE=$(stat -c %s $M/model.bin)
WANT=$(cat $M/model.sha256)
out=$(dd if=$M/model.bin of=/dev/null bs=$BS count=1 iflag=direct 2>&1)
case "$?:$out" in
0:*) ktap_fail "stock erofs refuses O_DIRECT on the compressed file" "dd read it" ;;
*"Invalid argument"*) ktap_pass "stock erofs refuses O_DIRECT on the compressed file (EINVAL)" ;;
*) ktap_fail "stock erofs refuses O_DIRECT on the compressed file" "$out" ;;
esac
umount $M
ktap_diag "model.bin: $(mib $((SIZE / 1024))) MiB (sha256 $(echo "$WANT" | cut -c1-16)...)" \
	"in a $(mib "$IMG_KB") MiB image: lz4hc level 12, 256 KiB pclusters, ztailpacking"

mount -t erofs -o ro "$DEV" $M
read_cold "stock erofs, buffered" erofs dd if=$M/model.bin of=/dev/null bs=$BS
sha "stock erofs, buffered" "$(incg sha256sum < $M/model.bin | cut -d' ' -f1)"
filled "stock erofs, buffered"
umount $M

ktap_check "erofs_dio mounts model.img" mount -t erofs_dio -o ro "$DEV" $M
read_cold "erofs_dio, O_DIRECT" erofs_dio "$DIO" cat $BS 0 $M/model.bin
DIO_C=$((C1 - C0)) DIO_F=$((F1 - F0)) DIO_DR=$DR
sha "erofs_dio, O_DIRECT" "$(incg "$DIO" cat $BS 0 $M/model.bin | sha256sum | cut -d' ' -f1)"
# Nothing of the file may stay behind: allow 1 MiB of unrelated growth (logs, other tasks).
what="erofs_dio, O_DIRECT: left the page cache alone"
if [ "$DIO_C" -lt 1024 ] && [ "$DIO_F" -lt 1024 ]; then
	ktap_pass "$what (Cached $(signed "$DIO_C") KiB, reader's cgroup $(signed "$DIO_F") KiB)"
else
	ktap_fail "$what" "Cached grew by $DIO_C KiB, the reader's cgroup by $DIO_F KiB"
fi
if [ "$DIO_DR" -gt 0 ]; then
	ktap_pass "erofs_dio, O_DIRECT: read the device with its own bios (direct_reads +$DIO_DR)"
else
	ktap_fail "erofs_dio, O_DIRECT: read the device with its own bios" "direct_reads +$DIO_DR"
fi
umount $M

mount -t erofs_dio -o ro "$DEV" $M
read_cold "erofs_dio, buffered" erofs_dio dd if=$M/model.bin of=/dev/null bs=$BS
sha "erofs_dio, buffered" "$(incg sha256sum < $M/model.bin | cut -d' ' -f1)"
filled "erofs_dio, buffered"
umount $M

ktap_diag "each read: the whole file, cold (fresh mount, caches dropped), 4 MiB reads, one task"
ktap_diag "page cache, before > after each read: Cached in /proc/meminfo, and the reader's" \
	"cgroup (memory.stat file); stock erofs may also keep compressed pclusters there" \
	"(its managed cache)"
ktap_diag "erofs_dio device reads: debugfs direct_reads / bounce_reads (bounced: byte-granular," \
	"e.g. a tail packed inline)"
printf '%-22s %7s %6s %20s %20s   %s\n' "read" "MiB/s" "s" "Cached MiB" "reader's cache MiB" \
	"erofs_dio device reads" | sed 's/^/# /'
printf '%s' "$ROWS" | sed 's/^/# /'
ktap_diag "erofs_dio counters now: direct_reads $(counter direct_reads)," \
	"bounce_reads $(counter bounce_reads)"
umount /mnt/tools
rmdir "$CG"
ktap_check "rmmod erofs_dio" rmmod erofs_dio
ktap_finish
