#!/usr/bin/env bash
# The suite built and tested with an older rustc than the pinned one: GKI android16-6.12 builds
# its kernel, and so every Rust module, with rustc 1.82, and the modules must not depend on
# anything newer. The oldest rustc this machine's Debian offers is bookworm's rustc-web
# (OLD_RUST_* in pin.env); its packages are unpacked into the cache, never installed.
#
# Usage: old-rustc.sh env      prints RUSTC= and SUITE_RUST_LIB_SRC= for kernel.sh and modules.sh
#        old-rustc.sh check    an arm64 kernel and the modules built with it, gki-check on them,
#                              and the arm64 guest suites (make check-old-rustc)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

ROOT=$CACHE_DIR/rustc-$OLD_RUST_DEB_VERSION

# Downloads a pinned package of the system's own Debian release and checks it.
fetch_host_deb() { # name sha256 -> path
	local name=$1 sum=$2 dir=$CACHE_DIR/debs f got
	mkdir -p "$dir"
	f=$(find "$dir" -maxdepth 1 -name "${name}_${OLD_RUST_DEB_VERSION//:/%3a}_*.deb" | head -n1)
	if [ -z "$f" ]; then
		log "old-rustc: downloading $name $OLD_RUST_DEB_VERSION"
		(cd "$dir" && apt-get -qq download "$name=$OLD_RUST_DEB_VERSION" 2>/dev/null) ||
			die "apt-get download $name=$OLD_RUST_DEB_VERSION failed (is it still in the archive?)"
		f=$(find "$dir" -maxdepth 1 -name "${name}_${OLD_RUST_DEB_VERSION//:/%3a}_*.deb" | head -n1)
	fi
	got=$(sha256sum "$f" | cut -d' ' -f1)
	[ "$got" = "$sum" ] || { rm -f "$f"; die "$f: checksum $got, pinned $sum"; }
	echo "$f"
}

unpack() {
	[ -x "$ROOT/bin/rustc" ] && return
	local tmp=$ROOT.tmp line
	rm -rf "$tmp" && mkdir -p "$tmp/bin"
	while read -r line; do
		[ -n "$line" ] || continue
		dpkg-deb -x "$(fetch_host_deb "${line%%:*}" "${line#*:}")" "$tmp"
	done <<< "$OLD_RUST_DEBS"
	# Debian's rustc finds its driver library in the system's lib dir; point it at ours.
	cat > "$tmp/bin/rustc" <<EOF
#!/bin/sh
LD_LIBRARY_PATH="$ROOT/usr/lib/$(uname -m)-linux-gnu\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}" exec "$ROOT/usr/bin/rustc" "\$@"
EOF
	chmod +x "$tmp/bin/rustc"
	rm -rf "$ROOT" && mv "$tmp" "$ROOT"
	# The wrapper names $ROOT, so it is checked from there.
	local v
	v=$("$ROOT/bin/rustc" --version) || die "the unpacked rustc does not run"
	case "$v" in "rustc $OLD_RUST_VERSION "*) ;; *) die "unpacked '$v', pinned $OLD_RUST_VERSION" ;; esac
	log "old-rustc: $v in $ROOT"
}

lib_src() {
	echo "$ROOT/usr/src/rustc-$OLD_RUST_VERSION/library"
}

case "${1:-}" in
env)
	unpack >&2
	echo "RUSTC=$ROOT/bin/rustc"
	echo "SUITE_RUST_LIB_SRC=$(lib_src)"
	;;
check)
	unpack
	export RUSTC=$ROOT/bin/rustc SUITE_RUST_LIB_SRC
	SUITE_RUST_LIB_SRC=$(lib_src)
	[ -f "$SUITE_RUST_LIB_SRC/core/src/lib.rs" ] || die "no library/core under $SUITE_RUST_LIB_SRC"
	res=$SUITE_ROOT/results/arm64-rustc-$OLD_RUST_VERSION
	# Every arm64 suite, on a kernel and modules built by this rustc (run.sh builds both).
	"$SUITE_ROOT/qemu/run.sh" --arch arm64 --results "$res"
	MODULE_DIR=out/arm64-default "$SUITE_ROOT/scripts/gki-check.sh"
	log "old-rustc: the arm64 kernel and modules built with $("$RUSTC" --version) pass"
	;;
*) die "usage: $0 env|check" ;;
esac
