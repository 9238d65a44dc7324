#!/bin/sh
# erofs_dio on corrupted images: every image either refuses to mount or mounts and lets every
# name be listed and stat'ed and every file be read (buffered and O_DIRECT), with clean errors at
# worst: a failed O_DIRECT read says EIO, EFSCORRUPTED (EUCLEAN) or EOPNOTSUPP, nothing else.
# A mounted image always unmounts. The mutations must matter: some images mount, and some are
# refused or fail reads. The harness fails the run on any oops, BUG or WARNING in the console.
# A bad magic is refused with EINVAL, a bad superblock checksum with EFSCORRUPTED (EUCLEAN),
# each with one log line.
. "$SUITE_DIR/ktap.sh"

disk() { echo "$SUITE_DISKS" | awk -v n="$1" '$2 == n {print $1}'; }
# The mutated images are files (few disk slots on arm64): each is put on a read-only loop device
# for its test ($dev) and taken off after.
DATA=$SUITE_DIR/data/erofs_dio.corrupt
attach() { dev=$(/usr/sbin/losetup -f --show -r "$DATA/$1"); }
detach() { /usr/sbin/losetup -d "$dev"; }
images=$(cd "$DATA" && ls -- *.erofs | grep -v '^zz-')
# refused IMAGE MESSAGE: mount fails with MESSAGE (strerror) and logs exactly one line.
refused() {
	dmesg -c > /dev/null
	if ! attach "$1"; then
		ktap_fail "$1: mount refused with '$2'" "no loop device"
		return
	fi
	if out=$(mount -t erofs_dio -o ro "$dev" /mnt/d 2>&1); then
		umount /mnt/d
		ktap_fail "$1: mount refused" "it mounted"
	elif ! echo "$out" | grep -q "$2"; then
		ktap_fail "$1: mount refused with '$2'" "$out"
	elif [ "$(dmesg | grep -c erofs_dio)" != 1 ]; then
		ktap_fail "$1: mount refused with one log line" "$(dmesg | grep erofs_dio | tr '\n' '|')"
	else
		ktap_pass "$1: mount refused with '$2' and one log line"
	fi
	detach
}

ktap_plan $(($(echo "$images" | grep -c .) + 9))
ktap_check "modprobe erofs_dio" modprobe erofs_dio
modprobe erofs # for the tools image
mkdir -p /mnt/tools /mnt/d
mount -t erofs -o ro "$(disk tools.img)" /mnt/tools
DIO=/mnt/tools/dioread.$(uname -m)
refused zz-badmagic.erofs "Invalid argument"
refused zz-sbcrc.erofs "Structure needs cleaning"
clean=0 failing=0 refused_n=0
for img in $images; do
	if ! attach "$img"; then
		ktap_fail "$img: put on a loop device" "losetup failed"
		continue
	fi
	if mount -t erofs_dio -o ro "$dev" /mnt/d 2>/dev/null; then
		# Few processes (TCG): ls -lR stats every name and reads symlink targets; then every
		# file buffered, then with O_DIRECT. Clean errors are fine, oopses are not.
		names=$(cd /mnt/d && find . 2>/dev/null | wc -l)
		ls -lR /mnt/d > /dev/null 2>&1
		(cd /mnt/d && find . -type f 2>/dev/null | xargs cat > /dev/null 2>&1)
		(cd /mnt/d && find . -type f 2>/dev/null | xargs "$DIO" cat 5000 1 2> /tmp/dio.err > /dev/null)
		rc=$?
		errnos=$(sed -n 's/.* errno \([0-9]*\)$/\1/p' /tmp/dio.err | sort -u | tr '\n' ' ')
		bad=$(echo "$errnos" | tr ' ' '\n' | grep -v -x -e '' -e 5 -e 117 -e 95 | tr '\n' ' ')
		if [ "$rc" = 0 ]; then clean=$((clean + 1)); else failing=$((failing + 1)); fi
		if ! umount /mnt/d; then
			ktap_fail "$img: mounted, walked and unmounted" "umount failed"
		elif [ -n "$bad" ]; then
			ktap_fail "$img: read errors are EIO, EUCLEAN or EOPNOTSUPP" "errnos: $errnos"
		else
			ktap_pass "$img: mounted, $names names walked, unmounted (O_DIRECT errnos: ${errnos:-none})"
		fi
	else
		refused_n=$((refused_n + 1))
		ktap_pass "$img: mount refused"
	fi
	detach
done
ktap_diag "mutated images: $clean read cleanly, $failing mounted with read errors, $refused_n refused"
ktap_check "some mutated images mount" test $((clean + failing)) -gt 0
ktap_check "some mutated images are refused or fail reads" test $((failing + refused_n)) -gt 0

# A request over many whole extents hands every other decode to a worker and passes them on in
# file order: where a decode fails, a 4 MiB O_DIRECT read stops at the same byte, with the
# same bytes before it, as 64 KiB reads (which decode each extent through the buffer, alone).
attach runs-flip.erofs
mount -t erofs_dio -o ro "$dev" /mnt/d
j0=$(cat /sys/kernel/debug/erofs_dio/handed_decodes 2>/dev/null || echo 0)
big=$(cd /mnt/d && "$DIO" cat 4194304 0 runs.bin 2> /tmp/big.err | sha256sum)
j1=$(cat /sys/kernel/debug/erofs_dio/handed_decodes 2>/dev/null || echo 0)
small=$(cd /mnt/d && "$DIO" cat 65536 0 runs.bin 2> /tmp/small.err | sha256sum)
umount /mnt/d
detach
at() { sed -n 's/.* failed at \([0-9]* errno [0-9]*\)$/\1/p' "$1"; }
ktap_diag "runs-flip.erofs: 4 MiB reads failed at $(at /tmp/big.err), 64 KiB reads at $(at /tmp/small.err); $((j1 - j0)) decodes handed"
ktap_check "runs-flip.erofs: the overwritten bytes make a read fail with EIO or EUCLEAN" \
	grep -q -e ' errno 5$' -e ' errno 117$' /tmp/small.err
ktap_expect_eq "runs-flip.erofs: a 4 MiB O_DIRECT read stops where 64 KiB reads do, same bytes" \
	"$small $(at /tmp/small.err)" "$big $(at /tmp/big.err)"
ktap_check "runs-flip.erofs: the 4 MiB reads handed decodes to a worker" test $((j1 - j0)) -gt 0
umount /mnt/tools
ktap_check "rmmod erofs_dio" rmmod erofs_dio
ktap_finish
