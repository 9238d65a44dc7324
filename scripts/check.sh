#!/usr/bin/env bash
# `make check`: everything CI runs, cheapest first, with a line per (arch, suite) at the end and
# the closing line "N passed, N failed". Stage times go to results/timings.txt.
#
# The kernel and module builds run one after another in the background while the host tests
# and then the guests run, in two lanes: each guest starts as soon as its build is done, so a
# guest's idle moments (sleeps, waits for background work) overlap the next build and the other
# lane's guest. Build output is prefixed "[build]" and kept in results/build-*.log; a guest's
# lines are prefixed with its arch and variant.
#
# `make check-debug` (--debug-only): the x86_64 debug kernel alone, every suite, no host tests.
#
# Env: CHECK_ARCHES (default "x86_64 arm64 riscv64"), CHECK_16K (default 1: the arm64 kernel with
# 16 KiB pages too, when arm64 is in CHECK_ARCHES), CHECK_DEBUG (default 0; 1: the x86_64 debug
# kernel too), DEBUG_SUITES (suite patterns for the debug kernel), CHECK_PARALLEL (default 1; 0
# runs the builds first, then the guests, for timing each stage alone), CHECK_LANES (default 2;
# 1 runs the guests one after another).
set -uo pipefail
. "$(dirname "$0")/lib.sh"
cd "$SUITE_ROOT"

ARCHES=${CHECK_ARCHES:-x86_64 arm64 riscv64}
DEBUG=${CHECK_DEBUG:-0}
P16K=${CHECK_16K:-1}
DEBUG_ONLY=0
if [ "${1:-}" = --debug-only ]; then
	DEBUG_ONLY=1 ARCHES= DEBUG=1
fi
case " $ARCHES " in *" arm64 "*) ;; *) P16K=0 ;; esac
PARALLEL=${CHECK_PARALLEL:-1}
mkdir -p results
rm -f results/build-*.log results/build-*.done
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

# run_guest ARCH VARIANT [suite patterns...]: waits for the build, boots the guest and prints
# its output; leaves results/guest-ARCH-VARIANT.{txt,rc,secs} for record_guest. Runs in a lane.
run_guest() {
	local arch=$1 variant=$2 t out rc
	shift 2
	out=results/guest-$arch-$variant.txt
	rm -f "$out" "${out%.txt}.rc" "${out%.txt}.secs"
	if ! built "$arch-$variant"; then
		echo "not-built" > "${out%.txt}.rc"
		return
	fi
	t=$(date +%s)
	log "check: guest tests on $arch/$variant"
	qemu/run.sh --arch "$arch" --variant "$variant" --no-build "$@" > "$out" 2>&1
	rc=$?
	echo "$(( $(date +%s) - t ))" > "${out%.txt}.secs"
	log "check: guest tests on $arch/$variant done (exit $rc)"
	sed "s|^|[$arch/$variant] |" "$out"
	echo "$rc" > "${out%.txt}.rc"
}

# record_guest ARCH VARIANT: one (arch, suite) line each, from guest-check's "suite" lines, and
# the guest's time and suite times in timings.txt.
record_guest() {
	local arch=$1 variant=$2 out rc secs=0
	out=results/guest-$arch-$variant.txt
	rc=$(cat "${out%.txt}.rc" 2>/dev/null || echo "not-run")
	case "$rc" in
	not-built) record "guest $arch/$variant" 1 "not run: its build failed"; return ;;
	not-run) record "guest $arch/$variant" 1 "not run"; return ;;
	esac
	secs=$(cat "${out%.txt}.secs" 2>/dev/null || echo 0)
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
# builds; the debug kernel (CHECK_DEBUG=1), the dearest, after them while their guests run.
builds=()
[ "$DEBUG_ONLY" = 1 ] || builds+=("clippy clippy-(modules) x86_64 default clippy")
for arch in $ARCHES; do
	builds+=("$arch-default build-$arch $arch default build")
done
[ "$DEBUG" = 1 ] && builds+=("x86_64-debug build-x86_64/debug x86_64 debug build")
# Last: its guest runs only the suites that page size changes.
[ "$P16K" = 1 ] && builds+=("arm64-16k build-arm64/16k arm64 16k build")

# Runs the builds in order; each leaves results/build-SLUG.done holding "STATUS SECONDS".
build_chain() {
	local b slug name arch variant action t rc
	# No step cleans the repo (clippy builds in a copy), so the builds run beside the host
	# tests: the first guests start as soon as those end.
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
# Cargo's build of the host crates outlives a clone, as the kernels do: a run that starts with no
# target/ (CI's clean clone) takes the cached one, whose dependencies need no rebuild (the
# workspace's own crates rebuild where the clone's path differs), and hands it back at the end.
cargo_cache=$CACHE_DIR/cargo-target took_target=0
if [ ! -e target ]; then
	took_target=1
	[ -d "$cargo_cache" ] && mv "$cargo_cache" target
fi
chain_pid=
if [ "$PARALLEL" = 1 ]; then
	build_chain 2>&1 | sed -u 's/^/[build] /' >&2 &
	chain_pid=$!
fi
if [ "$DEBUG_ONLY" = 0 ]; then
	stage "host: cargo test" cargo test --workspace --quiet
	stage "host: cargo clippy" cargo clippy --workspace --all-targets --quiet -- -D warnings
	stage "host: erofs-format afl fuzz (60 s)" rust/erofs-format/fuzz/run.sh 60
	stage "fmt" scripts/fmt.sh --check
fi
[ "$PARALLEL" = 1 ] || build_chain
# The guests, in two lanes side by side: a TCG guest leaves much of a core idle (sleeps, waits
# for background work). No two guests of one arch run at once (they share its initramfs):
# lane 1 has x86_64 and riscv64, lane 2 arm64 and arm64 16k; with the debug kernel, that one
# (the longest) takes lane 2 after arm64 and arm64 16k moves to lane 1. Each guest still starts
# only once its build is done. CHECK_LANES=1 runs them one after another.
guests=()
for arch in $ARCHES; do
	guests+=("$arch default")
done
# The debug kernel (KASAN, lockdep, kmemleak) is many times slower under TCG. It runs every
# suite (zram_multicomp's move a quarter of their data there, see zmc.lib; erofs_dio.data reads
# two of its six images), then a kmemleak scan. DEBUG_SUITES changes the set.
[ "$DEBUG" = 1 ] && guests+=("x86_64 debug ${DEBUG_SUITES:-fixture.* zram_multicomp.* erofs_dio.* blk_pmqos.* zcache.* cpuidle_ext.*}")
# Android's 16 KiB-page kernels: the suites whose data layout follows the page size (zram slots
# of 16 KiB, EROFS images with 4 KiB blocks on 16 KiB pages).
[ "$P16K" = 1 ] && guests+=("arm64 16k zram_multicomp.* erofs_dio.*")
# arm64 16k's lane: beside arm64's (one after the other), or lane 1 when the debug kernel takes 2.
lane_16k=$([ "$DEBUG" = 1 ] && echo 1 || echo 2)
lane() { # N: runs the guests of lane N (of 2) in order
	local g
	set -f # the patterns are for the harness, not for the shell
	for g in "${guests[@]}"; do
		case "${LANES:-2}:$1:$g" in
		1:*) ;;
		2:1:"x86_64 default"* | 2:1:"riscv64 default"* | 2:$lane_16k:"arm64 16k"*) ;;
		2:2:"arm64 default"* | 2:2:"x86_64 debug"*) ;;
		*) continue ;;
		esac
		# shellcheck disable=SC2086
		run_guest $g
	done
	set +f
}
LANES=${CHECK_LANES:-2}
if [ "$LANES" = 1 ]; then
	lane 1
else
	lane 1 &
	lane1=$!
	lane 2 &
	lane2=$!
	wait "$lane1" "$lane2"
fi
for g in "${guests[@]}"; do
	set -f
	# shellcheck disable=SC2086
	record_guest $g
	set +f
done
[ -n "$chain_pid" ] && wait "$chain_pid"
record_builds
# Android GKI: the arm64 modules' imports against the KMI status list. Host-only and quick; it
# reads the .ko files of this run's arm64 build.
case " $ARCHES " in
*" arm64 "*)
	if built arm64-default; then
		stage "gki: KMI symbol check (arm64)" scripts/gki-check.sh
	else
		record "gki: KMI symbol check (arm64)" 1 "not run: the arm64 build failed"
	fi ;;
esac
[ "$DEBUG_ONLY" = 1 ] || stage "harness: red runs are red" qemu/selftest.sh
if [ "$took_target" = 1 ] && [ -d target ]; then
	rm -rf "$cargo_cache"
	mv target "$cargo_cache"
fi

echo
echo "=== make check summary ==="
printf '%s\n' "${summary[@]}"
echo "--- stage times (s) ---"
cat results/timings.txt
# The failed checks themselves, each with the diagnostic lines after it: CI keeps only the end
# of a long log.
if [ "$failed" -ne 0 ]; then
	echo "--- failed checks ---"
	for g in "${guests[@]}"; do
		read -r arch variant _ <<< "$g"
		tr -d '\r' < "results/$arch-$variant/ktap.log" 2>/dev/null |
			awk -v tag="$arch/$variant" '
				/^ *not ok / { n = 4; print tag ": " $0; next }
				n > 0 && /^ *#/ { n--; print tag ": " $0; next }
				{ n = 0 }'
	done
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
