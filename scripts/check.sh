#!/usr/bin/env bash
# `make check`: everything CI runs, cheapest first, with a line per (arch, suite) at the end and
# the closing line "N passed, N failed". Stage times go to results/timings.txt.
#
# Env: CHECK_ARCHES (default "x86_64 arm64 riscv64"), CHECK_DEBUG (default 1: x86_64 debug too),
# DEBUG_SUITES (suite patterns for the debug kernel).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$SUITE_ROOT"

ARCHES=${CHECK_ARCHES:-x86_64 arm64 riscv64}
DEBUG=${CHECK_DEBUG:-1}
mkdir -p results
: > results/timings.txt
summary=()
passed=0 failed=0

record() { # name status(0/1) [detail]
	if [ "$2" = 0 ]; then
		passed=$((passed + 1)); summary+=("ok      $1${3:+  ($3)}")
	else
		failed=$((failed + 1)); summary+=("FAILED  $1${3:+  ($3)}")
	fi
}

# stage NAME COMMAND...: runs it, times it, records it.
stage() {
	local name=$1 t rc
	shift
	t=$(date +%s)
	log "check: $name"
	"$@"
	rc=$?
	printf '%-40s %5ds\n' "$name" "$(( $(date +%s) - t ))" >> results/timings.txt
	record "$name" $((rc != 0))
	return $rc
}

# A guest run: one (arch, suite) line each, from guest-check's "suite" lines.
guest() { # arch variant [suite patterns...]
	local arch=$1 variant=$2 t out rc
	shift 2
	t=$(date +%s)
	out=results/guest-$arch-$variant.txt
	log "check: guest tests on $arch/$variant"
	qemu/run.sh --arch "$arch" --variant "$variant" --no-build "$@" > "$out" 2>&1
	rc=$?
	cat "$out"
	printf '%-40s %5ds\n' "guest $arch/$variant" "$(( $(date +%s) - t ))" >> results/timings.txt
	local suite_failed=0
	while read -r _ name status counts; do
		[ "$status" = ok ] || suite_failed=1
		record "guest $arch/$variant $name" $([ "$status" = ok ] && echo 0 || echo 1) "$counts"
	done < <(grep '^suite ' "$out")
	# A run can fail outside any suite (a kernel warning, no power-off, a crash, a build error):
	# that is one more failure, so a red run never sums to "0 failed".
	if [ $rc -ne 0 ]; then
		local why
		why=$(grep -E '^(console|poweroff|ktap) FAIL' "$out" | head -n1)
		if [ -n "$why" ] || [ $suite_failed = 0 ]; then
			record "guest $arch/$variant run" 1 "${why:-exit $rc, see $out}"
		fi
	fi
}

stage "setup" scripts/setup.sh
stage "host: cargo test" cargo test --workspace --quiet
stage "host: cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
stage "host: erofs-format fuzz (60 s)" rust/erofs-format/fuzz/run.sh 60
stage "fmt" scripts/fmt.sh --check
# Clippy first: its clean step removes every .ko below the repo, builds included.
stage "clippy (modules)" env ARCH=x86_64 scripts/modules.sh clippy
for arch in $ARCHES; do
	stage "build $arch" env ARCH="$arch" scripts/modules.sh build
done
if [ "$DEBUG" = 1 ]; then
	stage "build x86_64/debug" env ARCH=x86_64 VARIANT=debug scripts/modules.sh build
fi
for arch in $ARCHES; do
	guest "$arch" default
done
if [ "$DEBUG" = 1 ]; then
	# The debug kernel (KASAN, lockdep, kmemleak) is many times slower under TCG: erofs_dio's
	# corrupt suite alone takes about 5-9 minutes there. To stay within CI's time it runs the
	# suites in DEBUG_SUITES (default: the fixture's; zram_multicomp's ABI suite, which loads,
	# initialises, resets, hot-adds and removes devices, and its drop-in suite, which loads and
	# unloads it beside zram; erofs_dio's mutated images; then a kmemleak scan).
	set -f # the patterns are for the harness, not for the shell
	# shellcheck disable=SC2086
	guest x86_64 debug ${DEBUG_SUITES:-fixture.* zram_multicomp.abi zram_multicomp.dropin erofs_dio.corrupt}
	set +f
fi
stage "harness: red runs are red" qemu/selftest.sh

echo
echo "=== make check summary ==="
printf '%s\n' "${summary[@]}"
echo "--- stage times (s) ---"
cat results/timings.txt
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
