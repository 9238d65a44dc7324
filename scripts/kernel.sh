#!/usr/bin/env bash
# Configure and build the pinned kernel for one ARCH and variant, out of tree, into a cache dir
# keyed by kernel version, patches, config and toolchain. Reuses a finished build.
#
# Usage: kernel.sh ARCH [VARIANT]      VARIANT is "default" (the default), "debug", "btf"
#                                      (default plus DWARF and BTF for vmlinux and modules) or
#                                      "16k" (arm64 only: default with 16 KiB pages)
# Prints the build dir (the KDIR for module builds) on stdout.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ARCH_NAME=${1:-x86_64}
VARIANT=${2:-default}
kernel_arch "$ARCH_NAME" >/dev/null
"$SUITE_ROOT/scripts/setup.sh"
. "$CACHE_DIR/env.sh"
# Another Rust toolchain (scripts/old-rustc.sh): RUSTC= and its library source.
RUSTC=${RUSTC:-rustc}
RUST_LIB_SRC=${SUITE_RUST_LIB_SRC:-$RUST_LIB_SRC}

CONF=$SUITE_ROOT/scripts/configs
fragments=("$CONF/common.config" "$CONF/$ARCH_NAME.config")
case "$VARIANT" in
default) ;;
debug) fragments+=("$CONF/debug.config") ;;
btf) fragments+=("$CONF/btf.config") ;;
16k)
	[ "$ARCH_NAME" = arm64 ] || die "the 16k variant is arm64 only"
	fragments+=("$CONF/16k.config") ;;
*) die "unknown variant '$VARIANT' (default, debug, btf or 16k)" ;;
esac

toolchain_id() {
	"$RUSTC" --version
	"clang$LLVM_SUFFIX" --version | head -n1
	"$BINDGEN" --version
	echo "$RUST_LIB_SRC"
}
# The source and rust-src paths are part of the key on purpose: a build dir refers to both by
# absolute path, so a cache moved elsewhere must build again rather than reuse a stale dir.
key=$( { echo "$KSRC"; cat "${fragments[@]}"; toolchain_id; } | sha256sum | cut -c1-12)
OUT=$CACHE_DIR/build/$KERNEL_VERSION-$ARCH_NAME-$VARIANT-$key

image_path() {
	case "$ARCH_NAME" in
	x86_64) echo "$OUT/arch/x86/boot/bzImage" ;;
	arm64) echo "$OUT/arch/arm64/boot/Image" ;;
	riscv64) echo "$OUT/arch/riscv/boot/Image" ;;
	esac
}

# Two callers of one build (a second clone of the repo, say) wait for each other.
mkdir -p "$(dirname "$OUT")"
exec 9>"$OUT.lock"
flock 9
if [ -f "$OUT/.suite-built" ]; then
	log "kernel: $ARCH_NAME/$VARIANT is cached ($(basename "$OUT"))"
	echo "$OUT"
	exit 0
fi

kmake() {
	make -C "$KSRC" O="$OUT" ARCH="$(kernel_arch "$ARCH_NAME")" LLVM="$LLVM_SUFFIX" \
		RUSTC="$RUSTC" HOSTRUSTC="$RUSTC" RUST_LIB_SRC="$RUST_LIB_SRC" BINDGEN="$BINDGEN" \
		LIBCLANG_PATH="$LIBCLANG_PATH" "$@"
}

mkdir -p "$OUT"
log "kernel: configuring $ARCH_NAME/$VARIANT (tinyconfig + ${fragments[*]##*/})"
kmake -s rustavailable >/dev/null 2>"$OUT/rustavailable.log" ||
	die "the kernel cannot use this Rust toolchain: $(cat "$OUT/rustavailable.log")"
cat "${fragments[@]}" > "$OUT/suite.config"
kmake -s KCONFIG_ALLCONFIG="$OUT/suite.config" tinyconfig >/dev/null
kmake -s olddefconfig >/dev/null

# Every requested option must have survived olddefconfig.
dropped=()
while IFS= read -r line; do
	case "$line" in CONFIG_*=*) ;; *) continue ;; esac
	grep -qxF "$line" "$OUT/.config" || dropped+=("$line")
done < "$OUT/suite.config"
if [ ${#dropped[@]} -gt 0 ]; then
	printf 'error: these options were dropped by the kernel config (a dependency is missing):\n' >&2
	printf '  %s\n' "${dropped[@]}" >&2
	exit 1
fi

log "kernel: building $ARCH_NAME/$VARIANT on $(nproc) cores (log: $OUT/build.log)"
start=$(date +%s)
jobs=$(( $(nproc) + 1 ))
# A progress line a minute with elapsed time, not the compiler's output (that goes to the log).
( while sleep 60; do
	log "kernel: $ARCH_NAME/$VARIANT: $(grep -c '^  [A-Z]' "$OUT/build.log" 2>/dev/null) steps done"
  done ) &
ticker=$!
trap 'kill $ticker 2>/dev/null || true' EXIT
if ! kmake -j"$jobs" >"$OUT/build.log" 2>&1; then
	tail -n 40 "$OUT/build.log" >&2
	die "kernel build failed for $ARCH_NAME/$VARIANT (full log: $OUT/build.log)"
fi
kill $ticker 2>/dev/null || true
[ -f "$(image_path)" ] || die "kernel build produced no $(image_path)"
log "kernel: $ARCH_NAME/$VARIANT image built in $(( $(date +%s) - start ))s"
kmake -j"$jobs" modules_prepare >>"$OUT/build.log" 2>&1
if grep -E '^(warning|.*: warning:)' "$OUT/build.log" | grep -v 'objtool' > "$OUT/warnings.log"; then
	log "kernel: $(wc -l < "$OUT/warnings.log") warnings in the kernel build (see $OUT/warnings.log)"
fi
touch "$OUT/.suite-built"
echo "$OUT"
