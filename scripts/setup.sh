#!/usr/bin/env bash
# Installs everything the suite needs on a fresh Debian 12 machine, and nothing twice.
# Every other entry point calls it. It writes $CACHE_DIR/env.sh, which the others source.
#
#   host packages  clang/lld/llvm, QEMU, OpenSBI and kernel build tools (apt)
#   rust-src       Debian's rust-src of the pinned rustc version, unpacked (RUST_LIB_SRC)
#   bindgen        bindgen-cli from crates.io, built into the cache dir
#   cargo-afl      afl.rs's cargo afl from crates.io and its bundled AFL++, built into the cache dir
#   kernel source  Debian's linux-source-6.12 at the pinned version, unpacked and patched
#   erofs-utils    a current mkfs.erofs/fsck.erofs, built from Debian's source (scripts/erofs-utils.sh)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

HOST_PACKAGES=(
	"clang-$LLVM_VERSION" "lld-$LLVM_VERSION" "llvm-$LLVM_VERSION" "libclang-$LLVM_VERSION-dev"
	bc bison flex libelf-dev libssl-dev cpio xz-utils zstd dwarves rsync kmod make python3
	fio python3-matplotlib python3-numpy python3-lz4 python3-zstandard libbpf-dev
	zlib1g-dev pkg-config
)
# QEMU comes whole from bookworm-backports: this kind of machine ships backported qemu-utils 10,
# which Breaks bookworm's qemu-system 7.2, and apt's resolver does not find the mix by itself.
QEMU_PACKAGES=(qemu-system-x86 qemu-system-arm qemu-system-riscv opensbi)

missing_of() {
	local p
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || echo "$p"
	done
}

install_host_packages() {
	local missing qemu
	mapfile -t missing < <(missing_of "${HOST_PACKAGES[@]}")
	mapfile -t qemu < <(missing_of "${QEMU_PACKAGES[@]}")
	[ ${#missing[@]} -eq 0 ] && [ ${#qemu[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] ||
		die "missing packages: ${missing[*]} ${qemu[*]} (run this script as root once)"
	log "setup: installing Debian packages: ${missing[*]} ${qemu[*]}"
	apt-get -qq update
	[ ${#missing[@]} -eq 0 ] || "$SUITE_ROOT/scripts/apt-private.sh" host-install "${missing[@]}"
	[ ${#qemu[@]} -eq 0 ] ||
		"$SUITE_ROOT/scripts/apt-private.sh" host-install -t bookworm-backports "${qemu[@]}"
}

# Fetch a .deb through the private apt config, checking the pinned checksum.
fetch_deb() { # name version sha256 -> path
	"$SUITE_ROOT/scripts/apt-private.sh" fetch "$@"
}

check_rustc() {
	command -v rustc >/dev/null || die "no rustc on PATH (the pinned version is $RUST_VERSION)"
	local v
	v=$(rustc --version | awk '{print $2}')
	[ "$v" = "$RUST_VERSION" ] || die "rustc is $v; the suite pins $RUST_VERSION (scripts/pin.env)"
	rustup component list --installed 2>/dev/null | grep -q '^clippy' ||
		log "setup: note: clippy is not installed for this toolchain; make clippy will fail"
}

setup_rust_src() {
	local sysroot
	sysroot=$(rustc --print sysroot)
	if [ -f "$sysroot/lib/rustlib/src/rust/library/core/src/lib.rs" ]; then
		RUST_LIB_SRC=$sysroot/lib/rustlib/src/rust/library
		return
	fi
	local dest=$CACHE_DIR/rust-src-$RUST_SRC_DEB_VERSION
	RUST_LIB_SRC=$dest/usr/src/rustc-$RUST_VERSION/library
	[ -f "$RUST_LIB_SRC/core/src/lib.rs" ] && return
	local deb
	deb=$(fetch_deb rust-src "$RUST_SRC_DEB_VERSION" "$RUST_SRC_DEB_SHA256")
	log "setup: unpacking rust-src $RUST_SRC_DEB_VERSION"
	rm -rf "$dest.tmp" && mkdir -p "$dest.tmp"
	dpkg-deb -x "$deb" "$dest.tmp"
	rm -rf "$dest" && mv "$dest.tmp" "$dest"
	[ -f "$RUST_LIB_SRC/core/src/lib.rs" ] || die "rust-src has no library/core at $RUST_LIB_SRC"
}

setup_bindgen() {
	local root=$CACHE_DIR/bindgen-$BINDGEN_VERSION
	BINDGEN=$root/bin/bindgen
	[ -x "$BINDGEN" ] && return
	log "setup: building bindgen-cli $BINDGEN_VERSION from crates.io (a few minutes, once)"
	cargo install --quiet --locked bindgen-cli --version "$BINDGEN_VERSION" --root "$root" ||
		die "cargo install bindgen-cli $BINDGEN_VERSION failed"
}

# cargo-afl with its AFL++ (afl-fuzz and the runtime object; no LLVM plugins on a stable rustc)
# under $CARGO_AFL_ROOT/share: run it with that as XDG_DATA_HOME (rust/erofs-format/fuzz/run.sh).
cargo_afl_ready() {
	local rt=("$CARGO_AFL_ROOT/share/afl.rs/rustc-$RUST_VERSION"*/"afl.rs-$CARGO_AFL_VERSION")
	[ -x "$CARGO_AFL_ROOT/bin/cargo-afl" ] && [ -x "${rt[0]}/afl/bin/afl-fuzz" ] &&
		[ -f "${rt[0]}/afl-llvm/afl-compiler-rt.o" ]
}

setup_cargo_afl() {
	CARGO_AFL_ROOT=$CACHE_DIR/cargo-afl-$CARGO_AFL_VERSION
	cargo_afl_ready && return
	log "setup: building cargo-afl $CARGO_AFL_VERSION and its AFL++ from crates.io (a minute or two, once)"
	# Its install step builds AFL++ from the source in the crate (and only warns if that fails:
	# `config --build` then does it). LLVM_CONFIG picks Debian's clang for the runtime object.
	local env=(env "XDG_DATA_HOME=$CARGO_AFL_ROOT/share" "LLVM_CONFIG=llvm-config-$LLVM_VERSION"
		"PATH=$CARGO_AFL_ROOT/bin:$PATH")
	if [ ! -x "$CARGO_AFL_ROOT/bin/cargo-afl" ]; then
		"${env[@]}" cargo install --quiet --locked cargo-afl --version "$CARGO_AFL_VERSION" \
			--root "$CARGO_AFL_ROOT" || die "cargo install cargo-afl $CARGO_AFL_VERSION failed"
	fi
	cargo_afl_ready || "${env[@]}" cargo afl config --build --force ||
		die "cargo afl config --build (cargo-afl $CARGO_AFL_VERSION) failed"
	cargo_afl_ready || die "cargo-afl $CARGO_AFL_VERSION: no afl-fuzz or runtime under $CARGO_AFL_ROOT/share"
}

patch_series_hash() {
	local series=$SUITE_ROOT/scripts/patches/series
	if [ -s "$series" ]; then
		(cd "$SUITE_ROOT/scripts/patches" && cat series $(grep -v '^#' series)) | sha256sum | cut -c1-12
	else
		echo nopatch
	fi
}

setup_kernel_source() {
	KSRC=$CACHE_DIR/src/linux-$KERNEL_VERSION-$(patch_series_hash)
	[ -f "$KSRC/.suite-ready" ] && return
	mkdir -p "$CACHE_DIR/src"
	exec 8>"$CACHE_DIR/src/.lock"
	flock 8
	[ -f "$KSRC/.suite-ready" ] && { exec 8>&-; return; }
	local deb
	deb=$(fetch_deb linux-source-6.12 "$KERNEL_DEB_VERSION" "$KERNEL_DEB_SHA256")
	log "setup: unpacking Linux $KERNEL_VERSION source"
	local tmp=$CACHE_DIR/src/tmp.$$
	rm -rf "$tmp" && mkdir -p "$tmp"
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/linux-source-6.12.tar.xz
	tar -xJf "$tmp/usr/src/linux-source-6.12.tar.xz" -C "$tmp"
	local tree=$tmp/linux-source-6.12
	local v
	v=$(make -s -C "$tree" kernelversion)
	[ "$v" = "$KERNEL_VERSION" ] || die "the source says $v, pinned $KERNEL_VERSION"
	local series=$SUITE_ROOT/scripts/patches/series
	if [ -s "$series" ]; then
		grep -v '^#' "$series" | while read -r p; do
			[ -n "$p" ] || continue
			log "setup: applying patch $p"
			patch -d "$tree" -p1 --quiet --forward < "$SUITE_ROOT/scripts/patches/$p" ||
				die "patch $p does not apply to $KERNEL_VERSION"
		done
	fi
	touch "$tree/.suite-ready"
	rm -rf "$KSRC" && mv "$tree" "$KSRC"
	rm -rf "$tmp"
	exec 8>&-
}

install_host_packages
check_rustc
setup_rust_src
setup_bindgen
setup_cargo_afl
setup_kernel_source
EROFS_UTILS=$("$SUITE_ROOT/scripts/erofs-utils.sh")

cat > "$CACHE_DIR/env.sh.tmp.$$" <<ENV
# Written by scripts/setup.sh.
KSRC=$KSRC
RUST_LIB_SRC=$RUST_LIB_SRC
BINDGEN=$BINDGEN
CARGO_AFL_ROOT=$CARGO_AFL_ROOT
LIBCLANG_PATH=/usr/lib/llvm-$LLVM_VERSION/lib
LLVM_SUFFIX=-$LLVM_VERSION
EROFS_UTILS=$EROFS_UTILS
ENV
mv "$CACHE_DIR/env.sh.tmp.$$" "$CACHE_DIR/env.sh"
