# Shared helpers for the suite's shell scripts. Source it; do not run it.
# shellcheck shell=bash

SUITE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=pin.env
. "$SUITE_ROOT/scripts/pin.env"

# Everything downloaded or built lives outside the clone, so a fresh clone reuses it.
CACHE_DIR=${SUITE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/rfl-phone-suite}
mkdir -p "$CACHE_DIR"

_t0=${_t0:-$(date +%s)}
export _t0

log() { printf '[%4ds] %s\n' "$(( $(date +%s) - _t0 ))" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Map our arch names to the ARCH the kernel's make takes, and to Debian's.
kernel_arch() {
	case "$1" in
	x86_64) echo x86_64 ;; arm64) echo arm64 ;; riscv64) echo riscv ;;
	*) die "unknown ARCH '$1' (x86_64, arm64 or riscv64)" ;;
	esac
}
deb_arch() {
	case "$1" in
	x86_64) echo amd64 ;; arm64) echo arm64 ;; riscv64) echo riscv64 ;;
	*) die "unknown ARCH '$1' (x86_64, arm64 or riscv64)" ;;
	esac
}
