#!/bin/sh
# erofs_dio against stock erofs on the same images (plain, lz4, lz4hc with big pclusters,
# ztailpacking, fragments and dedupe, zstd, deflate, lzma): same names, stat fields and symlink
# targets; every file's sha256 equal across stock buffered, erofs_dio O_DIRECT (odd read size, over
# pcluster edges, into a misaligned buffer) and erofs_dio buffered; O_DIRECT reads leave the page cache alone;
# pseudo-random unaligned O_DIRECT preads compared byte for byte; concurrent readers of one file.
. "$SUITE_DIR/ktap.sh"

IMAGES="plain lz4 lz4hc zstd deflate lzma"
# The debug kernel (KASAN, lockdep, kmemleak) runs many times slower under TCG: there two
# images cover the flat and inline layouts, and lz4 with big pclusters, ztailpacking, fragments
# and dedupe; erofs_dio.faults reads lz4, zstd and deflate there too.
[ "${SUITE_VARIANT:-default}" = debug ] && IMAGES="plain lz4hc"
disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
cached_kb() { awk '/^Cached:/ {print $2}' /proc/meminfo; }
# Few processes per check (TCG): one stat, one ls and one reader over all names at once.
# meta DIR: every name with its stat fields, and symlinks with their targets.
meta() {
	(cd "$1" && find . | sort | xargs stat -c '%n %s %a %F %h %u %g %Y' &&
		find . -type l | sort | xargs ls -ld | awk '{print $(NF-2), $NF}')
}
# files DIR: the regular files, sorted.
files() { (cd "$1" && find . -type f | sort); }
# hash DIR READER...: sha256 of every regular file's bytes in name order, read by READER.
# Equal hashes with equal sizes (compared by meta) mean equal files.
hash() {
	d=$1
	shift
	(cd "$d" && files . | xargs "$@" | sha256sum)
}

n=0
for _ in $IMAGES; do n=$((n + 11)); done
ktap_plan $((n + 6))
ktap_check "modprobe erofs (stock, the reference)" modprobe erofs
ktap_check "modprobe erofs_dio" modprobe erofs_dio
mkdir -p /mnt/tools /mnt/s /mnt/d
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
"$DIO" cat 4096 0 "$DIO" > /dev/null 2>&1 # warm the reader's own pages before any measurement

CMP_FILES="big/mixed.bin big/text.txt big/zeros.bin edge/s65537 edge/s4097 edge/s1"
for img in $IMAGES; do
	dev=$(disk "$img.img")
	# One filesystem type at a time may hold the device: the stock reference first.
	ktap_check "$img: stock erofs mounts" mount -t erofs -o ro "$dev" /mnt/s
	names=$(cd /mnt/s && find . | sort | sha256sum)
	stats=$(meta /mnt/s | sha256sum)
	ref=$(hash /mnt/s cat)
	rm -rf /tmp/ref && mkdir -p /tmp/ref/big /tmp/ref/edge
	for f in $CMP_FILES; do cp "/mnt/s/$f" "/tmp/ref/$f"; done
	umount /mnt/s
	ktap_check "$img: erofs_dio mounts" mount -t erofs_dio -o ro "$dev" /mnt/d
	ktap_expect_eq "$img: same names" "$names" "$(cd /mnt/d && find . | sort | sha256sum)"
	ktap_expect_eq "$img: same stat fields and symlink targets" "$stats" "$(meta /mnt/d | sha256sum)"
	# O_DIRECT first, on a cold erofs_dio mount: the reads must not fill the page cache.
	sync
	echo 3 > /proc/sys/vm/drop_caches 2>/dev/null
	before=$(cached_kb)
	dio=$(hash /mnt/d "$DIO" cat 100003 3)
	after=$(cached_kb)
	ktap_expect_eq "$img: O_DIRECT (100003-byte reads, misaligned buffer) matches stock" "$ref" "$dio"
	grew=$((after - before))
	# About 5 MiB were read; allow 1 MiB of unrelated growth.
	if [ "$grew" -lt 1024 ]; then
		ktap_pass "$img: O_DIRECT left the page cache alone (Cached ${grew} KiB)"
	else
		ktap_fail "$img: O_DIRECT left the page cache alone" "Cached grew by ${grew} KiB"
	fi
	ktap_expect_eq "$img: buffered reads match stock" "$ref" "$(hash /mnt/d cat)"
	bad=""
	for f in $CMP_FILES; do
		out=$("$DIO" cmp "/tmp/ref/$f" "/mnt/d/$f" 7 100 2>&1) || bad="$bad $f: $out;"
	done
	ktap_expect_eq "$img: unaligned O_DIRECT preads match stock" "" "$bad"
	ktap_expect_eq "$img: dd iflag=direct matches stock" \
		"$(sha256sum < /tmp/ref/big/mixed.bin)" \
		"$(dd if=/mnt/d/big/mixed.bin iflag=direct bs=65536 2>/dev/null | sha256sum)"
	pids=""
	for seed in 1 2 3 4; do
		"$DIO" cmp /tmp/ref/big/mixed.bin /mnt/d/big/mixed.bin "$seed" 40 > /dev/null 2>&1 &
		pids="$pids $!"
	done
	cat /mnt/d/big/mixed.bin > /dev/null &
	pids="$pids $!"
	ok=0
	for p in $pids; do wait "$p" || ok=1; done
	ktap_expect_eq "$img: 4 O_DIRECT readers and a buffered reader at once" 0 "$ok"
	ktap_check "$img: erofs_dio unmounts" umount /mnt/d
done
rm -rf /tmp/ref
# Read-only for good, as stock erofs: a remount asking for rw succeeds but the mount stays ro.
first=$(disk "$(echo $IMAGES | cut -d' ' -f1).img")
mount -t erofs_dio -o ro "$first" /mnt/d
mount -o remount,rw /mnt/d 2>/dev/null
ktap_expect_eq "remount,rw leaves the mount read-only" ro \
	"$(awk '$2 == "/mnt/d" {split($4, o, ","); print o[1]}' /proc/mounts)"
ktap_check "nothing can be created after remount,rw" sh -c "! touch /mnt/d/new 2>/dev/null"
umount /mnt/d
umount /mnt/tools
ktap_check "rmmod erofs_dio" rmmod erofs_dio
ktap_finish
