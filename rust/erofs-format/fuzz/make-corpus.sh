#!/usr/bin/env bash
# Regenerates the seed images in corpus/ with the suite's mkfs.erofs (scripts/erofs-utils.sh).
# They are small on purpose (the whole corpus stays well under 2 MiB).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$("$here/../../../scripts/erofs-utils.sh")
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mkdir -p "$tree/d/e" "$here/corpus"
printf 'hello, erofs\n' > "$tree/hello"
for i in $(seq 1 40); do printf 'entry %d %0*d\n' "$i" "$i" 0 > "$tree/d/file-$i"; done
seq 1 3000 > "$tree/numbers"
head -c 9000 /dev/zero | tr '\0' 'z' > "$tree/d/e/zzz"
# Fixed pseudo-random bytes (no /dev/urandom: the corpus must be reproducible).
awk 'BEGIN { srand(7); for (i = 0; i < 12000; i++) printf "%c", int(rand() * 256) }' > "$tree/rand"
cp "$tree/numbers" "$tree/d/numbers-copy"
ln -s hello "$tree/link"
mk() { "$tools/mkfs.erofs" --quiet -T0 --workers=1 "$@"; }
mk -b 512 "$here/corpus/plain-512.img" "$tree"
mk -b 4096 --chunksize=4096 -Eforce-chunk-indexes "$here/corpus/chunk.img" "$tree"
mk -b 1024 -zlz4hc -C4096 -Eztailpacking,fragments,dedupe "$here/corpus/lz4-features.img" "$tree"
mk -b 4096 -zlz4 "$here/corpus/lz4.img" "$tree"
mk -b 2048 -zlz4hc -C8192 -Eall-fragments "$here/corpus/lz4-allfrag.img" "$tree"
mk -b 1024 -zzstd "$here/corpus/zstd.img" "$tree"
mk -b 1024 -zdeflate -Eztailpacking "$here/corpus/deflate.img" "$tree"
mk -b 1024 -zlzma -C4096 "$here/corpus/lzma.img" "$tree"
du -sh "$here/corpus"
