#!/usr/bin/env bash
# Build the suite's modules against the pinned kernel (or KDIR=), for one ARCH.
#
# Usage: modules.sh build|clippy|rust-analyzer|clean|kdir     (env: ARCH, KDIR, VARIANT, LLVM)
#   build          the .ko files, warnings are errors (Rust and C)
#   clippy         the same with CLIPPY=1
#   rust-analyzer  writes rust-project.json at the top of the repo
#   kdir           prints the kernel build dir used
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ARCH_NAME=${ARCH:-x86_64}
VARIANT=${VARIANT:-default}
kernel_arch "$ARCH_NAME" >/dev/null

if [ -n "${KDIR:-}" ]; then
	# A user's tree: configured and built 6.12 with Rust, used as it is.
	[ -f "$KDIR/.config" ] || die "KDIR=$KDIR has no .config (configure and build the tree first)"
	[ -f "$KDIR/Module.symvers" ] || die "KDIR=$KDIR has no Module.symvers (build the tree first)"
	LLVM_ARG=${LLVM:-1}
	"$SUITE_ROOT/scripts/setup.sh" >/dev/null
	. "$CACHE_DIR/env.sh"
	# The tree's sources: beside its build (O=) or the tree itself.
	if [ -d "$KDIR/source" ]; then KSRC=$(readlink -f "$KDIR/source"); else KSRC=$KDIR; fi
else
	KDIR=$("$SUITE_ROOT/scripts/kernel.sh" "$ARCH_NAME" "$VARIANT")
	. "$CACHE_DIR/env.sh"
	LLVM_ARG=${LLVM:-$LLVM_SUFFIX}
fi
# Another Rust toolchain's library source (scripts/old-rustc.sh).
RUST_LIB_SRC=${SUITE_RUST_LIB_SRC:-$RUST_LIB_SRC}

grep -q '^CONFIG_RUST=y' "$KDIR/.config" || die "KDIR=$KDIR was built without CONFIG_RUST"
kver=$(make -s -C "$KDIR" kernelversion 2>/dev/null || true)
case "$kver" in 6.12.*) ;; *) log "modules: note: KDIR is Linux ${kver:-unknown}; the suite targets 6.12" ;; esac

# Out-of-tree Rust must be built by exactly the rustc that built the tree (else E0514).
tree_rustc=$(sed -n 's/^CONFIG_RUSTC_VERSION_TEXT="\(.*\)"$/\1/p' "$KDIR/.config")
our_rustc=$(${RUSTC:-rustc} --version)
if [ "$tree_rustc" != "$our_rustc" ]; then
	die "the kernel at $KDIR was built by '$tree_rustc' but this rustc is '$our_rustc'.
Rust modules must be built by the same rustc as the kernel (else error E0514). Put that rustc
first on PATH (or set RUSTC=), or rebuild the tree with this one."
fi

# The suite's version for modinfo: VERSION, the commit, and "-dirty" for uncommitted changes.
suite_version() {
	local v commit
	v=$(cat "$SUITE_ROOT/VERSION")
	if commit=$(git -C "$SUITE_ROOT" rev-parse --short=12 HEAD 2>/dev/null); then
		git -C "$SUITE_ROOT" diff --quiet HEAD -- 2>/dev/null || commit=$commit-dirty
		v=$v+g$commit
	fi
	echo "$v"
}
SUITE_VERSION=$(suite_version)

# The folder Kbuild builds in (M=): the repo, or clippy's private copy.
MDIR=$SUITE_ROOT
kbuild() {
	make -C "$KDIR" M="$MDIR" ARCH="$(kernel_arch "$ARCH_NAME")" LLVM="$LLVM_ARG" \
		RUSTC="${RUSTC:-rustc}" RUST_LIB_SRC="$RUST_LIB_SRC" BINDGEN="$BINDGEN" \
		LIBCLANG_PATH="$LIBCLANG_PATH" RFL_SUITE_VERSION="$SUITE_VERSION" \
		KRUSTFLAGS=-Dwarnings KCFLAGS=-Werror "$@"
}

# Builds and fails on any warning the compilers print, even one not turned into an error.
checked_build() {
	local out
	out=$(mktemp)
	if ! kbuild -j"$(( $(nproc) + 1 ))" "$@" modules >"$out" 2>&1; then
		cat "$out" >&2; rm -f "$out"
		die "module build failed for $ARCH_NAME"
	fi
	if grep -E 'warning' "$out" >&2; then
		rm -f "$out"
		die "the module build for $ARCH_NAME printed warnings"
	fi
	rm -f "$out"
}

# Kbuild rebuilds an object when its command line or a dependency's timestamp changes, not when
# KDIR does: two kernels of one arch (arm64 and arm64 16k) compile with the same command line,
# and the other tree's headers are older than the objects. So objects built against another
# tree are cleaned first (the stamp names the tree they were built against).
# Only the module folders are cleaned: Kbuild's own clean deletes every .ko below the repo, the
# copies in out/ that other arches' guests are about to use included.
STAMP=$SUITE_ROOT/.modules-kdir
# The module folders, as Kbuild lists them.
module_dirs() { sed -n 's|^obj-m += \(.*\)/$|\1|p' "$SUITE_ROOT/Kbuild"; }
# find's test for what Kbuild writes in them.
KBUILD_OUTPUT=(\( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' -o -name '.*.cmd'
	-o -name '*.d' -o -name '*.rmeta' -o -name '*.o.tmp' -o -name modules.order \))
fresh_tree() {
	local d
	if [ "$(cat "$STAMP" 2>/dev/null)" != "$KDIR" ]; then
		for d in $(module_dirs); do
			find "$SUITE_ROOT/$d" "${KBUILD_OUTPUT[@]}" -delete
		done
		rm -f "$SUITE_ROOT/modules.order" "$SUITE_ROOT/Module.symvers"
		echo "$KDIR" > "$STAMP"
	fi
}

# BPF programs shipped with a module (MODULE/bpf/NAME.bpf.c) into DEST/NAME.bpf.o, for clang's
# BPF target with libbpf's headers. One object serves every arch: the kernel structs it reads
# are relocated by libbpf (CO-RE) against the running kernel's BTF when it is loaded.
build_bpf() { # DEST
	local src
	for src in "$SUITE_ROOT"/*/bpf/*.bpf.c; do
		[ -f "$src" ] || continue
		"clang$LLVM_SUFFIX" -O2 -g -Wall -Werror -target bpf \
			-idirafter "/usr/include/$(uname -m)-linux-gnu" \
			-c "$src" -o "$1/$(basename "${src%.c}").o" || die "BPF build of $src failed"
	done
}

case "${1:-build}" in
build)
	log "modules: building for $ARCH_NAME against $KDIR"
	fresh_tree
	checked_build
	# Keep a copy per arch and variant, so several arches can be tested one after another.
	dest=$SUITE_ROOT/out/$ARCH_NAME-$VARIANT
	rm -rf "$dest" && mkdir -p "$dest"
	find "$SUITE_ROOT" -path "$SUITE_ROOT/out" -prune -o -name '*.ko' -print |
		while read -r ko; do cp "$ko" "$dest/"; done
	build_bpf "$dest"
	log "modules: $(ls "$dest" | tr '\n' ' ')-> out/$ARCH_NAME-$VARIANT/"
	;;
clippy)
	# In a private copy of the sources: a build there with CLIPPY=1 needs no clean of the
	# repo, whose Kbuild clean would delete object files anywhere below it (cargo's target/,
	# while host tests run) and every .ko (out/, while guests start).
	log "modules: clippy for $ARCH_NAME"
	MDIR=$(mktemp -d)
	trap 'rm -rf "$MDIR"' EXIT
	# shellcheck disable=SC2046 # the folders' names have no spaces
	(cd "$SUITE_ROOT" && find Kbuild rust $(module_dirs) -name target -prune -o -type f \
		! "${KBUILD_OUTPUT[@]}" -print0 | xargs -0 cp --parents -t "$MDIR")
	checked_build CLIPPY=1
	;;
rust-analyzer)
	# The tree's `make M=... rust-analyzer` trips over this repo's own rust/ folder, so call
	# its generator directly, with the arguments rust/Makefile would pass.
	python3 "$KSRC/scripts/generate_rust_analyzer.py" \
		--cfgs='core=--cfg no_fp_fmt_parse' 2024 "$KSRC" "$KDIR" \
		"$(rustc --print sysroot)" "$RUST_LIB_SRC" "$SUITE_ROOT" > "$SUITE_ROOT/rust-project.json"
	log "modules: wrote rust-project.json"
	;;
clean)
	kbuild clean
	rm -f "$STAMP"
	;;
kdir)
	echo "$KDIR"
	;;
*) die "usage: $0 build|clippy|rust-analyzer|clean|kdir" ;;
esac
