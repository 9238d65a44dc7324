#!/usr/bin/env bash
# A bounded fuzz run of erofs-format on the stable toolchain: erofs-fuzz SECONDS [TARGET...].
# Exits non-zero on a crash (the input is saved under fuzz/crashes/). See ../README.md.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-60}
shift || true
cargo build --quiet --release -j"${CARGO_JOBS:-2}" --manifest-path "$here/Cargo.toml"
exec "$here/target/release/erofs-fuzz" "$secs" "$@"
