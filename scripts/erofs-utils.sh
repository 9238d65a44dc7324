#!/usr/bin/env bash
# Builds a current erofs-utils (mkfs.erofs, fsck.erofs, dump.erofs) on the host, once.
#
# Debian bookworm ships erofs-utils 1.5, which lacks fragments and dedupe. This takes Debian sid's
# *source* package through the private apt config (scripts/apt-private.sh), builds it with every
# compressor the kernel's EROFS can read (lz4, lzma, deflate, zstd), and keeps the result in
# $CACHE_DIR/erofs-utils-<version>/. A finished build is reused; nothing is installed system-wide
# except the build packages (apt-get, only when missing).
#
# Usage: erofs-utils.sh        prints the directory holding mkfs.erofs, fsck.erofs and dump.erofs
# Logs go to stderr; stdout carries only that directory.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

# The oldest version with everything the tests use (fragments, dedupe, -zdeflate/-zzstd).
MIN_VERSION=1.8.9
BUILD_PACKAGES=(
	libdeflate-dev liblz4-dev liblzma-dev libzstd-dev libxxhash-dev uuid-dev zlib1g-dev
	pkgconf autoconf automake libtool make gcc
)
SRC_DIR=$CACHE_DIR/erofs-utils-src
TOOLS=(mkfs/mkfs.erofs fsck/fsck.erofs dump/dump.erofs)

# Echo the newest finished build directory, if any (one whose three tools all exist).
finished_build() {
	local d best=""
	for d in "$CACHE_DIR"/erofs-utils-[0-9]*/; do
		[ -d "$d" ] || continue
		d=${d%/}
		[ -x "$d/mkfs.erofs" ] && [ -x "$d/fsck.erofs" ] && [ -x "$d/dump.erofs" ] || continue
		if [ -z "$best" ] || version_ge "${d##*/erofs-utils-}" "${best##*/erofs-utils-}"; then
			best=$d
		fi
	done
	[ -n "$best" ] && echo "$best"
}

version_ge() { # a b: is a >= b?
	[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]
}

install_build_packages() {
	local missing=() p
	for p in "${BUILD_PACKAGES[@]}"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	[ "$(id -u)" -eq 0 ] || die "missing build packages: ${missing[*]} (run this script as root once)"
	log "erofs-utils: installing build packages: ${missing[*]}"
	apt-get -qq update
	DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends install "${missing[@]}" >&2
}

# Download sid's source package into $SRC_DIR (kept: a second run finds it there).
download_source() {
	mkdir -p "$SRC_DIR"
	if ! ls "$SRC_DIR"/erofs-utils_*.orig.tar.* >/dev/null 2>&1; then
		log "erofs-utils: downloading the source package from sid"
		(cd "$SRC_DIR" && "$SUITE_ROOT/scripts/apt-private.sh" source erofs-utils >&2) ||
			die "could not download the erofs-utils source package"
	fi
}

# The upstream version of the newest downloaded tarball, e.g. 1.9.4.
source_version() {
	local f v best=""
	for f in "$SRC_DIR"/erofs-utils_*.orig.tar.*; do
		[ -f "$f" ] || continue
		v=${f##*/erofs-utils_}
		v=${v%%.orig.tar.*}
		if [ -z "$best" ] || version_ge "$v" "$best"; then best=$v; fi
	done
	[ -n "$best" ] || die "no erofs-utils source tarball in $SRC_DIR"
	echo "$best"
}

build() { # version
	local ver=$1 out=$CACHE_DIR/erofs-utils-$1
	local tarball work
	tarball=$(ls "$SRC_DIR"/erofs-utils_"$ver".orig.tar.* | head -n1)
	work=$CACHE_DIR/erofs-utils-build-$ver
	log "erofs-utils: building $ver (about a minute)"
	rm -rf "$work" && mkdir -p "$work"
	tar -xf "$tarball" -C "$work" --strip-components=1
	(
		cd "$work"
		./autogen.sh
		./configure --enable-lz4 --enable-lzma --with-libdeflate --with-libzstd --disable-fuse
		make -j2
	) >"$work.log" 2>&1 || { tail -n 30 "$work.log" >&2; die "erofs-utils $ver failed to build (log: $work.log)"; }
	rm -rf "$out.tmp" && mkdir -p "$out.tmp"
	local t
	for t in "${TOOLS[@]}"; do
		cp "$work/$t" "$out.tmp/" || die "the build did not produce $t"
	done
	"$out.tmp/mkfs.erofs" --version >&2 || die "the freshly built mkfs.erofs does not run"
	rm -rf "$out" && mv "$out.tmp" "$out"
	rm -rf "$work" "$work.log"
}

main() {
	local dir
	if dir=$(finished_build) && version_ge "${dir##*/erofs-utils-}" "$MIN_VERSION"; then
		echo "$dir"
		return 0
	fi
	install_build_packages
	download_source
	local ver
	ver=$(source_version)
	version_ge "$ver" "$MIN_VERSION" ||
		die "sid has erofs-utils $ver; the suite needs $MIN_VERSION or newer"
	build "$ver"
	echo "$CACHE_DIR/erofs-utils-$ver"
}

main "$@"
