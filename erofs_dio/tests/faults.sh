#!/bin/sh
# erofs_dio under allocation failures: failslab, then fail_page_alloc, aimed at the reading task
# alone (task-filter; user pages are left alone) while every file is read twice with O_DIRECT.
# A read (or the open before it: lookup and inode reads allocate too) may fail, but with ENOMEM
# only: EIO or EFSCORRUPTED would tell the user the image is bad. Each phase must have made some read fail, or it proved nothing. With injection off
# every file reads back as before. No oops, warning or leak (the harness checks the console).
. "$SUITE_DIR/ktap.sh"

disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
D=/sys/kernel/debug
IMAGES="lz4 zstd deflate"

inject() { # failslab|fail_page_alloc PROBABILITY
	echo Y > $D/$1/task-filter
	echo N > $D/$1/ignore-gfp-wait
	if [ "$1" = fail_page_alloc ]; then
		echo Y > $D/$1/ignore-gfp-highmem
		echo 0 > $D/$1/min-order
	fi
	echo 0 > $D/$1/verbose
	echo 1 > $D/$1/interval
	echo -1 > $D/$1/times
	echo "$2" > $D/$1/probability
}
# errnos: the distinct errnos the reader reported in /tmp/err (failed opens and reads).
errnos() { sed -n 's/.* errno \([0-9]*\)$/\1/p' /tmp/err | sort -u | tr '\n' ' '; }

ktap_plan $((2 + 6 * 3))
ktap_check "modprobe erofs_dio" sh -c "modprobe erofs_dio && modprobe erofs"
mkdir -p /mnt/tools /mnt/d
ktap_check "tools image mounts" mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
for img in $IMAGES; do
	mount -t erofs_dio -o ro "$(disk "$img.img")" /mnt/d
	files=$(cd /mnt/d && find . -type f | sort | tr '\n' ' ')
	all=
	ref=$(cd /mnt/d && "$DIO" cat 100003 3 $files | sha256sum)
	for kind in failslab fail_page_alloc; do
		# Up to three cold passes until one meets an injected failure: with 16 KiB pages a
		# deflate image makes few allocations, and a 3% chance each once missed them all.
		got= tries=0
		while [ -z "$got" ] && [ $tries -lt 3 ]; do
			# Cold: a fresh mount keeps no request buffers or decoded pclusters yet, and
			# without the page cache the metadata is read again, so allocations happen that
			# injection can fail (a warm mount reuses its buffers and allocates almost nothing).
			umount /mnt/d
			sync
			echo 3 > /proc/sys/vm/drop_caches
			mount -t erofs_dio -o ro "$(disk "$img.img")" /mnt/d
			inject $kind 3
			# Every file twice: block-aligned device reads allocate nothing, so injected page
			# failures meet only metadata pages, the bounce pages of random.bin (stored
			# uncompressed, read at unaligned offsets) and the reader's buffers.
			(cd /mnt/d && "$DIO" faultcat 100003 3 $files $files > /dev/null 2> /tmp/err)
			echo 0 > $D/$kind/probability
			got=$(errnos) tries=$((tries + 1))
		done
		all="$all$got"
		ktap_diag "$img, $kind: errnos ${got:-none} ($tries passes); $(head -c 160 /tmp/err | tr '\n' '|')"
		ktap_expect_eq "$img, $kind: failed reads say ENOMEM, nothing else" "" \
			"$(echo $got | tr ' ' '\n' | grep -v -x -e '' -e 12)"
	done
	ktap_check "$img: some reads met an injected failure" sh -c "echo '$all' | grep -qw 12"
	ktap_expect_eq "$img: with injection off every file reads back" "$ref" \
		"$(cd /mnt/d && "$DIO" cat 100003 3 $files | sha256sum)"
	ktap_check "$img: unmounts" umount /mnt/d
	# Stock erofs has no O_DIRECT on compressed files: it reads them buffered.
	ktap_check "$img: stock erofs reads the same bytes" sh -c \
		"mount -t erofs -o ro $(disk "$img.img") /mnt/d && cd /mnt/d && test \"\$(cat $files | sha256sum)\" = \"$ref\" && cd / && umount /mnt/d"
done
# Leave fault injection as the next suite expects it: off, for every task.
echo N > $D/failslab/task-filter
echo N > $D/fail_page_alloc/task-filter
umount /mnt/tools
ktap_finish
