#!/usr/bin/env bash
# rustfmt for everything: the host workspace with cargo fmt, the kernel crates with the kernel's
# own rustfmt settings. --check reports instead of rewriting.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$SUITE_ROOT"
mode=()
[ "${1:-}" = --check ] && mode=(--check)
cargo fmt --all -- "${mode[@]}"
"$SUITE_ROOT/scripts/setup.sh" >/dev/null
. "$CACHE_DIR/env.sh"
# Kernel crate roots: every .rs file named in a module's Kbuild (its mod files follow).
roots=()
for kb in */Kbuild; do
	dir=$(dirname "$kb")
	for o in $(sed -n 's/.*-y[[:space:]]*[:+]=//p' "$kb"); do
		[ -f "$dir/${o%.o}.rs" ] && roots+=("$dir/${o%.o}.rs")
	done
done
[ ${#roots[@]} -eq 0 ] || rustfmt --edition 2021 --config-path "$KSRC/.rustfmt.toml" "${mode[@]}" "${roots[@]}"
