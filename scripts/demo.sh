#!/usr/bin/env bash
# `make demo`: boot the default x86_64 guest, load the suite's modules and show them at work.
# Every module's demo suite (MODULE/tests/demo.sh) in that one boot; ARCH= picks another guest.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

suites=()
for d in "$SUITE_ROOT"/*/tests/demo.sh; do
	[ -f "$d" ] && suites+=("$(basename "$(dirname "$(dirname "$d")")").demo")
done
[ ${#suites[@]} -gt 0 ] || suites=(fixture.basic)
res=$SUITE_ROOT/results/demo
rc=0
"$SUITE_ROOT/qemu/run.sh" --arch "${ARCH:-x86_64}" --results "$res" "${suites[@]}" || rc=$?
echo
echo "=== what the guest printed (KTAP, from $res/ktap.log) ==="
cat "$res/ktap.log"
echo
echo "=== the modules' kernel messages (from $res/console.log) ==="
grep -E 'rfl_|zram_multicomp|erofs_dio|zmc|zcache' "$res/console.log" | sed 's/\r$//' || true
exit $rc
