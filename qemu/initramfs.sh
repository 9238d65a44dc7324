#!/usr/bin/env bash
# Build (once, cached) the base initramfs for a guest arch from Debian packages: busybox, fio and
# the other programs listed in qemu/guest-packages, with the shared libraries they need.
#
# Usage: initramfs.sh ARCH      prints the path of base.cpio.gz
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

ARCH_NAME=${1:-x86_64}
DARCH=$(deb_arch "$ARCH_NAME")
LIST=$SUITE_ROOT/qemu/guest-packages
# GUEST_EXTRA_PACKAGES adds lines to that list ("package program...", ';' between lines): an
# opt-in user space (make profile-erofs adds Debian's perf), built and cached under its own key.
EXTRA=${GUEST_EXTRA_PACKAGES:-}
key=$( { cat "$LIST" "$0"; echo "$GUEST_SUITE $DARCH"; [ -z "$EXTRA" ] || echo "$EXTRA"; } |
	sha256sum | cut -c1-12)
FINAL=$CACHE_DIR/initramfs/$ARCH_NAME-$key
OUT=$FINAL/base.cpio.gz
# Touched when used, so the pruning below sees how long a build has gone unused.
if [ -f "$OUT" ]; then touch "$FINAL"; echo "$OUT"; exit 0; fi

"$SUITE_ROOT/scripts/setup.sh"
. "$CACHE_DIR/env.sh"
READELF=llvm-readelf$LLVM_SUFFIX
APT=$SUITE_ROOT/scripts/apt-private.sh

# Builds for this arch under other keys are stale once unused for a day; younger ones may be
# another checkout's, with another package list, running guests now.
mkdir -p "$CACHE_DIR/initramfs"
find "$CACHE_DIR/initramfs" -maxdepth 1 -name "$ARCH_NAME-*" -mmin +1440 -exec rm -rf {} +
# Built aside and renamed when complete, so a build that fails or is cut short leaves nothing
# that looks finished.
DIR=$CACHE_DIR/initramfs/.build-$ARCH_NAME-$key.$$
trap 'rm -rf "$DIR"' EXIT
log "initramfs: building the $ARCH_NAME guest user space from $GUEST_SUITE packages"
mkdir -p "$DIR/debs" "$DIR/stage" "$DIR/root"
if [ -n "$EXTRA" ]; then
	{ cat "$LIST"; tr ';' '\n' <<< "$EXTRA"; } > "$DIR/packages"
	LIST=$DIR/packages
fi

# The packages, and the shared-library packages they depend on (recursively). Programs are
# taken by name below, so anything else a package brings is simply left out.
mapfile -t pkgs < <(grep -v '^#' "$LIST" | awk 'NF {print $1}')
want=("${pkgs[@]}" libc6)
while read -r dep; do
	case "$dep" in lib*|zlib*) want+=("$dep") ;; esac
done < <("$APT" update && APT_CONFIG="$CACHE_DIR/apt/etc/apt.conf" apt-cache depends --recurse \
	-o APT::Architecture="$DARCH" --no-recommends --no-suggests --no-conflicts --no-breaks \
	--no-replaces --no-enhances "${pkgs[@]}" 2>/dev/null | awk '/^[a-z0-9]/ {sub(":.*", ""); print}' | sort -u)
mapfile -t want < <(printf '%s\n' "${want[@]}" | sort -u)
log "initramfs: downloading ${#want[@]} packages for $DARCH"
(cd "$DIR/debs" && "$APT" download -o APT::Architecture="$DARCH" "${want[@]}" >/dev/null)
for deb in "$DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$DIR/stage"; done

R=$DIR/root
mkdir -p "$R"/usr/{bin,sbin,lib,lib64} "$R"/{dev,proc,sys,tmp,mnt,run,etc,root}
ln -s usr/bin "$R/bin"; ln -s usr/sbin "$R/sbin"; ln -s usr/lib "$R/lib"; ln -s usr/lib64 "$R/lib64"

# Copy a file from the stage to the same place under usr/ in the root, following links.
put() { # stage-relative path
	local rel=${1#./} dst
	case "$rel" in usr/*) dst=$rel ;; *) dst=usr/$rel ;; esac
	mkdir -p "$R/$(dirname "$dst")"
	cp -L "$DIR/stage/$rel" "$R/$dst"
}

libdirs=()
for d in "$DIR"/stage/{usr/lib/*-linux-gnu*,lib/*-linux-gnu*,usr/lib,lib,usr/lib64,lib64}; do
	if [ -d "$d" ]; then libdirs+=("${d#"$DIR/stage/"}"); fi
done

declare -A seen=()
add_elf() { # stage-relative path of an ELF file
	local f=$1 need interp
	interp=$("$READELF" -l "$DIR/stage/$f" 2>/dev/null | sed -n 's/.*Requesting program interpreter: \(.*\)]/\1/p')
	if [ -n "$interp" ] && [ -z "${seen[$interp]:-}" ]; then
		seen[$interp]=1
		local ip=${interp#/}
		[ -e "$DIR/stage/$ip" ] || ip=usr/$ip
		[ -e "$DIR/stage/$ip" ] || die "initramfs: no program interpreter $interp in the packages"
		put "$ip"
	fi
	for need in $("$READELF" -d "$DIR/stage/$f" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'); do
		if [ -n "${seen[$need]:-}" ]; then continue; fi
		seen[$need]=1
		local found=""
		for d in "${libdirs[@]}"; do
			if [ -e "$DIR/stage/$d/$need" ]; then found=$d/$need; break; fi
		done
		# Private library dirs (reached through RUNPATH), such as ceph's.
		if [ -z "$found" ]; then
			found=$(cd "$DIR/stage" && find usr/lib lib -name "$need" 2>/dev/null | head -n1 || true)
		fi
		[ -n "$found" ] || die "initramfs: $f needs $need, which no package provides"
		put "$found"
		add_elf "$found"
	done
}

while read -r pkg progs; do
	for p in $progs; do
		f=$(cd "$DIR/stage" && find usr/bin usr/sbin bin sbin -maxdepth 1 -name "$p" \( -type f -o -type l \) 2>/dev/null | head -n1 || true)
		[ -n "$f" ] || die "initramfs: $pkg has no program $p"
		put "$f"
		add_elf "$f"
	done
done < <(grep -v '^#' "$LIST" | awk 'NF')

# busybox provides the rest (sh, mount, insmod, ...) as links made at boot by the init script.
ln -sf busybox "$R/usr/bin/sh"
(cd "$R" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -6 > "$DIR/base.cpio.gz")
nfiles=$(cd "$R" && find . -type f | wc -l)
rm -rf "$DIR/stage" "$DIR/debs" "$FINAL"
mv "$DIR" "$FINAL"
log "initramfs: $ARCH_NAME base is $(du -h "$OUT" | cut -f1) ($nfiles files)"
echo "$OUT"
