#!/usr/bin/env bash
# Run one benchmark in one guest boot and write its report, or profile its workload.
#
# Usage: bench/run.sh NAME             (NAME is zram, erofs, ...; ARCH=x86_64 by default)
#        bench/run.sh --profile NAME   (NAME with a bench/NAME/profile.sh: erofs)
#
# The guest side is bench/NAME/NAME.sh, run as the only suite of the boot. It checks its own data
# (a red run writes no report) and prints its measurements as KTAP diagnostic lines
# "# BENCH {json}". bench/NAME/report.py turns them into bench/results/NAME-ARCH.json and a
# markdown report with plots beside it. bench/NAME/bench.conf may set QEMU_ARGS (kernel variant,
# memory, vCPUs, time limit) for qemu/run.sh.
#
# --profile runs bench/NAME/profile.sh instead, with the same disks and options, in a guest whose
# user space also has Debian's perf for the guest arch (a larger initramfs, built once and cached
# apart from the one every other run uses); its "# PROFILE" lines (the share of samples per
# symbol and per command) go to results/profile-NAME-ARCH/profile.txt. Opt-in, not a test.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

mode=bench
if [ "${1:-}" = --profile ]; then
	mode=profile
	shift
fi
name=${1:?usage: bench/run.sh [--profile] NAME}
ARCH_NAME=${ARCH:-x86_64}
dir=$SUITE_ROOT/bench/$name
suite=$name.sh
[ $mode = profile ] && suite=profile.sh
[ -f "$dir/$suite" ] || die "no $mode for $name (no bench/$name/$suite)"
QEMU_ARGS=()
# shellcheck source=/dev/null
[ -f "$dir/bench.conf" ] && . "$dir/bench.conf"

"$SUITE_ROOT/scripts/setup.sh"
res=$SUITE_ROOT/results/$mode-$name-$ARCH_NAME
rm -rf "$res"
extra=
[ $mode = profile ] && extra="linux-perf perf"
rc=0
GUEST_EXTRA_PACKAGES=$extra "$SUITE_ROOT/qemu/run.sh" --arch "$ARCH_NAME" --only --results "$res" \
	--suite-file "bench/$name/$suite" "${QEMU_ARGS[@]}" || rc=$?
if [ $rc -ne 0 ]; then
	die "the $name $mode run failed (see $res): no report written"
fi
if [ $mode = profile ]; then
	sed -n 's/^ *# PROFILE //p' "$res/ktap.log" > "$res/profile.txt"
	[ -s "$res/profile.txt" ] || die "the $name profile printed nothing (see $res/ktap.log)"
	log "profile: $res/profile.txt"
	exit 0
fi
sed -n 's/^ *# BENCH //p' "$res/ktap.log" > "$res/bench.jsonl"
[ -s "$res/bench.jsonl" ] || die "the $name bench printed no figures (see $res/ktap.log)"
# Debian's python3, which has matplotlib (setup.sh installs it).
/usr/bin/python3 "$dir/report.py" --arch "$ARCH_NAME" --accel "${QEMU_ACCEL:-tcg}" \
	--qemu-args "${QEMU_ARGS[*]}" "$res/bench.jsonl" "$SUITE_ROOT/bench/results"
