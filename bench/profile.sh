#!/usr/bin/env bash
# Profile a benchmark's workload in one guest boot with perf (opt-in, not part of make check).
#
# Usage: bench/profile.sh NAME     (NAME is erofs; ARCH=x86_64 by default)
#
# The guest side is bench/NAME/profile.sh, run as the only suite of the boot, with the disks and
# qemu/run.sh options of bench NAME. The guest gets Debian's perf (linux-perf, for the guest
# arch) on top of qemu/guest-packages: a larger initramfs, built once and cached apart from the
# one every other run uses. Writes results/profile-NAME-ARCH/profile.txt: per read path, the
# share of samples per symbol (self time) and per command while the reads run.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

name=${1:?usage: bench/profile.sh NAME}
ARCH_NAME=${ARCH:-x86_64}
dir=$SUITE_ROOT/bench/$name
[ -f "$dir/profile.sh" ] || die "no profile for $name (no bench/$name/profile.sh)"
QEMU_ARGS=()
# shellcheck source=/dev/null
[ -f "$dir/bench.conf" ] && . "$dir/bench.conf"

"$SUITE_ROOT/scripts/setup.sh"
res=$SUITE_ROOT/results/profile-$name-$ARCH_NAME
rm -rf "$res"
rc=0
GUEST_EXTRA_PACKAGES="linux-perf perf" "$SUITE_ROOT/qemu/run.sh" --arch "$ARCH_NAME" --only \
	--results "$res" --suite-file "bench/$name/profile.sh" "${QEMU_ARGS[@]}" || rc=$?
[ $rc -eq 0 ] || die "the $name profile run failed (see $res)"
sed -n 's/^ *# PROFILE //p' "$res/ktap.log" > "$res/profile.txt"
[ -s "$res/profile.txt" ] || die "the $name profile printed nothing (see $res/ktap.log)"
log "profile: $res/profile.txt"
