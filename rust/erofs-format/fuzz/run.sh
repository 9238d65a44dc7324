#!/usr/bin/env bash
# Coverage-guided fuzzing of erofs-format: AFL++ through afl.rs (cargo afl, built by
# scripts/setup.sh into the cache dir) on the stable toolchain. See ../README.md.
#
#   run.sh [SECONDS [TARGET]]    default: 60 s of `image`, the whole-image target
#
# Seeds come from corpus/ (`erofs-afl seeds`); afl's output goes to target/afl/TARGET/, emptied
# first unless FUZZ_RESUME=1 (then afl resumes from its queue). A crash makes it exit 1, after
# printing the crash files and copying each to ../tests/data/fuzz-crashes/TARGET-HASH, where the
# host test tests/fuzz_regressions.rs replays it. It ends with afl's counts (execs, execs/s).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../../../scripts/lib.sh"
secs=${1:-60}
target=${2:-image}
case "$target" in image | superblock | inode | dir) ;; *) die "unknown target '$target'" ;; esac

"$SUITE_ROOT/scripts/setup.sh" > /dev/null
. "$CACHE_DIR/env.sh"
# cargo afl and its AFL++ live in the cache dir (scripts/setup.sh, CARGO_AFL_VERSION).
export PATH=$CARGO_AFL_ROOT/bin:$PATH XDG_DATA_HOME=$CARGO_AFL_ROOT/share

# On a stable rustc, afl.rs instruments with rustc's SanitizerCoverage: edges, and comparisons
# for CmpLog, whose hooks in AFL++'s runtime are empty without afl.rs's LLVM plugins (which
# need a nightly rustc). So no comparison hooks (a third less time per run on the seeds) and no
# CmpLog stage (`-c -` below undoes the `-c0` that cargo afl fuzz adds).
RUSTFLAGS="${RUSTFLAGS:-} -C llvm-args=-sanitizer-coverage-trace-compares=false" \
	cargo afl build --quiet --release -j"${CARGO_JOBS:-2}" --manifest-path "$here/Cargo.toml"
bin=$here/target/release/erofs-afl
work=$here/target/afl
out=$work/$target
crashes=$SUITE_ROOT/rust/erofs-format/tests/data/fuzz-crashes
rm -rf "$work/seeds"
"$bin" seeds "$work/seeds"

input=$work/seeds/$target
if [ "${FUZZ_RESUME:-0}" = 1 ] && [ -d "$out/default/queue" ]; then
	input=-
else
	rm -rf "$out"
fi
mkdir -p "$out"

# Non-interactive, on a shared machine: no UI, no CPU binding, no checks of the CPU governor or
# of where core dumps go (afl sees the abort of a panic by itself), a short calibration, and a
# fixed 200 ms timeout (the slowest seed, lzma, takes 10 to 15 ms here) rather than afl's
# automatic one, which a busy machine makes spuriously short.
log "fuzz: afl-fuzz on $target for $secs s (log: $out.log)"
rc=0
AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 \
	AFL_FAST_CAL=1 AFL_NO_CRASH_README=1 \
	cargo afl fuzz -c - -V "$secs" -t 200 -i "$input" -o "$out" -- "$bin" "$target" > "$out.log" 2>&1 || rc=$?
stats=$out/default/fuzzer_stats
if [ $rc -ne 0 ] || [ ! -f "$stats" ]; then
	tail -n 40 "$out.log" >&2
	die "afl-fuzz failed (exit $rc); its log: $out.log"
fi

field() { sed -n "s/^$1 *: *//p" "$stats"; }
found=()
for f in "$out"/default/crashes/id:*; do
	[ -f "$f" ] || continue
	mkdir -p "$crashes"
	copy=$crashes/$target-$(sha256sum < "$f" | cut -c1-16)
	cp "$f" "$copy"
	found+=("$f -> ${copy#"$SUITE_ROOT"/}")
done
echo "erofs-fuzz: $target: $(field execs_done) execs in $(field run_time) s," \
	"$(field execs_per_sec) execs/s; corpus $(field corpus_count), edges $(field edges_found)" \
	"($(field bitmap_cvg)), stability $(field stability); $(field saved_crashes) crashes," \
	"$(field saved_hangs) hangs"
if [ ${#found[@]} -gt 0 ]; then
	echo "erofs-fuzz: $target: crashes (replay one with: $bin $target < FILE):" >&2
	printf '  %s\n' "${found[@]}" >&2
	echo "erofs-fuzz: they are now regression inputs of tests/fuzz_regressions.rs; fix the" \
		"crate and commit them" >&2
	exit 1
fi
