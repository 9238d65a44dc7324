#!/usr/bin/env bash
# `make check`: everything CI runs, cheapest first, with a line per (arch, suite) at the end and
# the closing line "N passed, N failed". Stage times go to results/timings.txt.
#
# The kernel and module builds run one after another in the background while the host tests
# and then the guests run in the foreground: each guest starts as soon as its build is done, so
# a guest's idle moments (sleeps, waits for background work) overlap the next build. Build
# output is prefixed "[build]" and kept in results/build-*.log.
#
# Env: CHECK_ARCHES (default "x86_64 arm64 riscv64"), CHECK_16K (default 1: the arm64 kernel with
# 16 KiB pages too, when arm64 is in CHECK_ARCHES), CHECK_DEBUG (default 1: x86_64 debug too),
# DEBUG_SUITES (suite patterns for the debug kernel), CHECK_PARALLEL (default 1; 0 runs the
# builds first, then the guests, for timing each stage alone).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$SUITE_ROOT"

ARCHES=${CHECK_ARCHES:-x86_64 arm64 riscv64}
DEBUG=${CHECK_DEBUG:-1}
P16K=${CHECK_16K:-1}
case " $ARCHES " in *" arm64 "*) ;; *) P16K=0 ;; esac
PARALLEL=${CHECK_PARALLEL:-1}
mkdir -p results
rm -f results/build-*.log results/build-*.done results/host.done
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

# guest ARCH VARIANT [suite patterns...]: waits for the build, boots the guest, prints its
# output and records one (arch, suite) line each, from guest-check's "suite" lines.
guest() {
	local arch=$1 variant=$2 t out rc secs
	shift 2
	out=results/guest-$arch-$variant.txt
	rm -f "$out"
	if ! built "$arch-$variant"; then
		record "guest $arch/$variant" 1 "not run: its build failed"
		return
	fi
	t=$(date +%s)
	log "check: guest tests on $arch/$variant"
	qemu/run.sh --arch "$arch" --variant "$variant" --no-build "$@" > "$out" 2>&1
	rc=$?
	secs=$(( $(date +%s) - t ))
	log "check: guest tests on $arch/$variant done (exit $rc)"
	cat "$out"
	printf '%-40s %5ds\n' "guest $arch/$variant" "$secs" >> results/timings.txt
	# The guest times each suite (a "# NAME took N s" line in its KTAP output).
	tr -d '\r' < "results/$arch-$variant/ktap.log" 2>/dev/null |
		sed -n 's/^ *# \([^ ]*\) took \([0-9]*\) s$/\1 \2/p' |
		while read -r name secs; do printf '  %-38s %5ds\n' "$name" "$secs"; done >> results/timings.txt
	local suite_failed=0
	while read -r _ name status counts; do
		[ "$status" = ok ] || suite_failed=1
		record "guest $arch/$variant $name" $([ "$status" = ok ] && echo 0 || echo 1) "$counts"
	done < <(grep '^suite ' "$out" 2>/dev/null)
	# A run can fail outside any suite (a kernel warning, no power-off, a crash, a build error):
	# that is one more failure, so a red run never sums to "0 failed".
	if [ "$rc" != 0 ]; then
		local why
		why=$(grep -E '^(console|poweroff|ktap) FAIL' "$out" 2>/dev/null | head -n1)
		if [ -n "$why" ] || [ $suite_failed = 0 ]; then
			record "guest $arch/$variant run" 1 "${why:-exit $rc, see $out}"
		fi
	fi
}

# The build chain: what to build, as "slug name arch variant action". The default kernels
# come first, cheapest after the first, so each default guest can start while the next kernel
# builds; the debug kernel, the dearest, builds last while the arm64 and riscv64 guests run.
builds=("clippy clippy-(modules) x86_64 default clippy")
for arch in $ARCHES; do
	builds+=("$arch-default build-$arch $arch default build")
done
[ "$DEBUG" = 1 ] && builds+=("x86_64-debug build-x86_64/debug x86_64 debug build")
# Last: its guest runs only the suites that page size changes, while the debug guest runs.
[ "$P16K" = 1 ] && builds+=("arm64-16k build-arm64/16k arm64 16k build")

# Runs the builds in order; each leaves results/build-SLUG.done holding "STATUS SECONDS".
build_chain() {
	local b slug name arch variant action t rc
	# Kbuild's clean (the clippy step) deletes object files anywhere below the repo, cargo's
	# target/ included: build the first kernel now, but touch the repo only once the host
	# tests are done.
	scripts/kernel.sh x86_64 default > /dev/null
	while [ ! -f results/host.done ]; do sleep 2; done
	for b in "${builds[@]}"; do
		read -r slug name arch variant action <<< "$b"
		t=$(date +%s)
		log "check: ${name//-/ }"
		env ARCH="$arch" VARIANT="$variant" scripts/modules.sh "$action" 2>&1 |
			tee "results/build-$slug.log"
		rc=${PIPESTATUS[0]}
		if [ $rc -ne 0 ]; then
			log "check: ${name//-/ } FAILED; the end of results/build-$slug.log:"
			tail -n 40 "results/build-$slug.log" >&2
		fi
		echo "$rc $(( $(date +%s) - t ))" > "results/build-$slug.done"
	done
}

# Waits for build SLUG; true when it passed.
built() {
	local st
	while [ ! -f "results/build-$1.done" ]; do
		if [ -n "${chain_pid:-}" ] && ! kill -0 "$chain_pid" 2>/dev/null &&
			[ ! -f "results/build-$1.done" ]; then
			return 1
		fi
		sleep 5
	done
	read -r st _ < "results/build-$1.done"
	[ "$st" = 0 ]
}

# The builds' lines in the summary and the stage times, once they are all done.
record_builds() {
	local b slug name st secs
	for b in "${builds[@]}"; do
		read -r slug name _ <<< "$b"
		st=1 secs=0
		[ -f "results/build-$slug.done" ] && read -r st secs < "results/build-$slug.done"
		printf '%-40s %5ds\n' "${name//-/ }" "$secs" >> results/timings.txt
		record "${name//-/ }" $((st != 0))
	done
}

stage "setup" scripts/setup.sh
chain_pid=
if [ "$PARALLEL" = 1 ]; then
	build_chain 2>&1 | sed -u 's/^/[build] /' >&2 &
	chain_pid=$!
fi
stage "host: cargo test" cargo test --workspace --quiet
stage "host: cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
stage "host: erofs-format afl fuzz (60 s)" rust/erofs-format/fuzz/run.sh 60
stage "fmt" scripts/fmt.sh --check
touch results/host.done
[ "$PARALLEL" = 1 ] || build_chain
for arch in $ARCHES; do
	guest "$arch" default
done
if [ "$DEBUG" = 1 ]; then
	# The debug kernel (KASAN, lockdep, kmemleak) is many times slower under TCG. It runs every
	# suite (zram_multicomp's move a quarter of their data there, see zmc.lib; erofs_dio.data
	# reads three of its six images), then a kmemleak scan. DEBUG_SUITES changes the set.
	set -f # the patterns are for the harness, not for the shell
	# shellcheck disable=SC2086
	guest x86_64 debug ${DEBUG_SUITES:-fixture.* zram_multicomp.* erofs_dio.*}
	set +f
fi
if [ "$P16K" = 1 ]; then
	# Android's 16 KiB-page kernels: the suites whose data layout follows the page size (zram
	# slots of 16 KiB, EROFS images with 4 KiB blocks on 16 KiB pages).
	set -f
	guest arm64 16k zram_multicomp.* erofs_dio.*
	set +f
fi
[ -n "$chain_pid" ] && wait "$chain_pid"
record_builds
stage "harness: red runs are red" qemu/selftest.sh

echo
echo "=== make check summary ==="
printf '%s\n' "${summary[@]}"
echo "--- stage times (s) ---"
cat results/timings.txt
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
