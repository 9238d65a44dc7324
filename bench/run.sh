#!/usr/bin/env bash
# Run one benchmark in one guest boot and write its report.
#
# Usage: bench/run.sh NAME     (NAME is zram or erofs; ARCH=x86_64 by default)
#
# The guest side is bench/NAME/NAME.sh, run as the only suite of the boot. It checks its own data
# (a red run writes no report) and prints its measurements as KTAP diagnostic lines
# "# BENCH {json}". bench/NAME/report.py turns them into bench/results/NAME-ARCH.json and a
# markdown report with plots beside it. bench/NAME/bench.conf may set QEMU_ARGS (kernel variant,
# memory, vCPUs, time limit) for qemu/run.sh.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

name=${1:?usage: bench/run.sh NAME}
ARCH_NAME=${ARCH:-x86_64}
dir=$SUITE_ROOT/bench/$name
[ -f "$dir/$name.sh" ] || die "no benchmark named $name (no bench/$name/$name.sh)"
QEMU_ARGS=()
# shellcheck source=/dev/null
[ -f "$dir/bench.conf" ] && . "$dir/bench.conf"

"$SUITE_ROOT/scripts/setup.sh"
res=$SUITE_ROOT/results/bench-$name-$ARCH_NAME
rm -rf "$res"
rc=0
"$SUITE_ROOT/qemu/run.sh" --arch "$ARCH_NAME" --only --results "$res" \
	--suite-file "bench/$name/$name.sh" "${QEMU_ARGS[@]}" || rc=$?
if [ $rc -ne 0 ]; then
	die "the $name bench run failed (see $res): no report written"
fi
sed -n 's/^ *# BENCH //p' "$res/ktap.log" > "$res/bench.jsonl"
[ -s "$res/bench.jsonl" ] || die "the $name bench printed no figures (see $res/ktap.log)"
# Debian's python3, which has matplotlib (setup.sh installs it).
/usr/bin/python3 "$dir/report.py" --arch "$ARCH_NAME" --accel "${QEMU_ACCEL:-tcg}" \
	--qemu-args "${QEMU_ARGS[*]}" "$res/bench.jsonl" "$SUITE_ROOT/bench/results"
