#!/usr/bin/env bash
# The harness's own live negative test: one x86_64 boot with the fixture's passing suite and two
# negative suites (a failing KTAP case, a WARN_ON at module load). The run must come out red, for
# exactly those reasons, while the passing suite stays green.
set -uo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

out=$SUITE_ROOT/results/selftest.txt
mkdir -p "$(dirname "$out")"
"$SUITE_ROOT/qemu/run.sh" --arch x86_64 --no-build --results "$SUITE_ROOT/results/selftest" \
	--suite-file fixture/tests/negative/failing.sh --suite-file fixture/tests/negative/warn.sh \
	'fixture.basic' > "$out" 2>&1
rc=$?
bad=0
expect() { # description, grep pattern
	if grep -qE "$2" "$out"; then echo "ok: $1"; else echo "MISSING: $1"; bad=1; fi
}
[ $rc -eq 1 ] && echo "ok: the run exited 1" || { echo "MISSING: exit 1 (got $rc)"; bad=1; }
expect "the passing suite stays green" '^suite fixture\.basic ok '
expect "the failing case turns its suite red" '^suite fixture\.failing FAIL '
expect "the WARN_ON is reported from the console" '^console FAIL .*WARNING:.*rfl_fixture'
expect "the closing line counts failures" '^guest: [0-9]+ passed, [1-9][0-9]* failed'
if [ $bad -ne 0 ]; then
	echo "--- run output ---"; cat "$out"
fi
exit $bad
