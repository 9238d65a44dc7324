#!/usr/bin/env bash
# `make gki-check`: what the suite's arm64 modules need from an Android GKI kernel. An unsigned
# vendor module may import only symbols on the GKI's KMI symbol list; any other import fails to
# load ("Protected symbol"). For each module in MODULE_DIR this sorts its imports (less what the
# suite's own modules export) into: in the KMI, C symbols missing, Rust symbols (_R...) missing;
# and writes a vendor symbol list of the missing ones (results/gki/symbols/rfl_phone_suite).
#
# The status of every import is kept, reviewed, in android/kmi-status.txt, with the KMI build it
# was read from. The check fails when a module imports a symbol that file does not list: a new
# import must be looked up in the KMI before it lands. It needs no KMI list to run.
#
# Env: MODULE_DIR  the .ko files (default out/arm64-default, from `make ARCH=arm64`)
#      KMI_LIST    a KMI symbol list: abi_symbollist.raw of a GKI build, or the
#                  gki/aarch64/symbols folder (or one file) of an Android kernel tree. Statuses
#                  then come from it, and must equal the recorded ones.
#      GKI_UPDATE  1 (with KMI_LIST): rewrite the entries of android/kmi-status.txt from it
#                  (the header with the list's provenance is kept: update it by hand).
set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR
. "$(dirname "$0")/lib.sh"
cd "$SUITE_ROOT"

NM=llvm-nm-$LLVM_VERSION
CXXFILT=llvm-cxxfilt-$LLVM_VERSION
MODULE_DIR=${MODULE_DIR:-out/arm64-default}
STATUS=android/kmi-status.txt
OUT=results/gki
VENDOR_LIST=$OUT/symbols/rfl_phone_suite

shopt -s nullglob
kos=("$MODULE_DIR"/*.ko)
shopt -u nullglob
[ ${#kos[@]} -gt 0 ] || die "no modules in $MODULE_DIR (build them: make ARCH=arm64)"
[ -f "$STATUS" ] || die "$STATUS is missing"
if [ "${GKI_UPDATE:-0}" = 1 ] && [ -z "${KMI_LIST:-}" ]; then
	die "GKI_UPDATE=1 needs KMI_LIST= (the statuses come from it)"
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$OUT/symbols"

# What the suite's modules export themselves (each export has a __ksymtab_NAME entry).
for ko in "${kos[@]}"; do
	"$NM" --defined-only "$ko" | awk '$NF ~ /^__ksymtab_/ { print substr($NF, 11) }'
done | LC_ALL=C sort -u > "$tmp/exports"

# Imports as "module TAB symbol TAB name": Rust symbols are keyed by their demangled name,
# which has no crate hash (the hash changes with every kernel build and rustc).
for ko in "${kos[@]}"; do
	mod=$(basename "$ko" .ko)
	"$NM" -u "$ko" | awk '{ print $NF }' | LC_ALL=C sort -u > "$tmp/raw"
	LC_ALL=C comm -23 "$tmp/raw" "$tmp/exports" > "$tmp/needed"
	"$CXXFILT" -n < "$tmp/needed" > "$tmp/names"
	paste "$tmp/needed" "$tmp/names" | sed "s/^/$mod\t/"
done > "$tmp/imports"

# The KMI list, one name a line, from either format (the folder's files are its union).
kmi=/dev/null
if [ -n "${KMI_LIST:-}" ]; then
	[ -e "$KMI_LIST" ] || die "KMI_LIST=$KMI_LIST does not exist"
	if [ -d "$KMI_LIST" ]; then
		find "$KMI_LIST" -maxdepth 1 -type f -exec cat {} +
	else
		cat "$KMI_LIST"
	fi | sed -n 's/^[[:space:]]*\([^#[[:space:]][^[:space:]]*\).*/\1/p' | grep -v '^\[' |
		LC_ALL=C sort -u > "$tmp/kmi"
	[ -s "$tmp/kmi" ] || die "KMI_LIST=$KMI_LIST holds no symbols"
	kmi=$tmp/kmi
fi

# "module TAB status TAB symbol TAB name TAB note": the status from the KMI list when given, else
# the recorded one; the note is "new" (not recorded) or "was:STATUS" (KMI differs from record).
awk -F'\t' -v OFS='\t' -v have_kmi="$([ "$kmi" = /dev/null ] && echo 0 || echo 1)" '
	FILENAME == ARGV[1] { if ($0 !~ /^#/ && NF == 3) rec[$1 FS $3] = $2; next }
	FILENAME == ARGV[2] { inkmi[$1] = 1; next }
	{
		key = $1 FS $3
		if (have_kmi)
			st = ($2 in inkmi) ? "present" : ($2 ~ /^_R/ ? "missing-rust" : "missing-c")
		else
			st = (key in rec) ? rec[key] : "unknown"
		note = ""
		if (!(key in rec)) note = "new"
		else if (rec[key] != st) note = "was:" rec[key]
		print $1, st, $2, $3, note
	}' "$STATUS" "$kmi" "$tmp/imports" > "$tmp/table"

if [ "${GKI_UPDATE:-0}" = 1 ]; then
	{
		sed -n '/^#/!q; p' "$STATUS"
		cut -f1,2,4 "$tmp/table" | LC_ALL=C sort -u
	} > "$tmp/status"
	mv "$tmp/status" "$STATUS"
	log "gki-check: rewrote $STATUS from $KMI_LIST"
	awk -F'\t' -v OFS='\t' '{ $5 = ""; print }' "$tmp/table" > "$tmp/t2" && mv "$tmp/t2" "$tmp/table"
fi

source_line=$(sed -n 's/^# kmi: //p' "$STATUS" | head -n1)
if [ "$kmi" = /dev/null ]; then
	echo "gki-check: KMI statuses as recorded in $STATUS (${source_line:-no provenance line})"
else
	echo "gki-check: KMI statuses from KMI_LIST=$KMI_LIST"
fi
printf '  %-18s %8s %8s %10s %13s\n' module imports "in KMI" "C missing" "Rust missing"
for ko in "${kos[@]}"; do
	mod=$(basename "$ko" .ko)
	awk -F'\t' -v m="$mod" '$1 == m { n++; c[$2]++ }
		END { printf "  %-18s %8d %8d %10d %13d\n", m, n, c["present"], c["missing-c"], c["missing-rust"] }' \
		"$tmp/table"
	# The details, a section per status, for the reader and for diffing two builds.
	awk -F'\t' -v m="$mod" '$1 == m { print $2 "\t" $4 }' "$tmp/table" | LC_ALL=C sort > "$OUT/$mod.txt"
done
for ko in "${kos[@]}"; do
	mod=$(basename "$ko" .ko)
	missing=$(awk -F'\t' -v m="$mod" '$1 == m && $2 == "missing-c" { printf " %s", $3 }' "$tmp/table")
	[ -z "$missing" ] || echo "  $mod: C symbols not in the KMI:$missing"
done

# The vendor symbol list: the missing symbols (mangled, as the loader sees them), each under the
# first module that needs it, in the gki/aarch64/symbols format. The harness's fixture module is
# checked but left out: it is never shipped.
{
	echo "[abi_symbol_list]"
	echo "# rfl-phone-suite modules: symbols missing from the KMI (make gki-check)."
	echo "# Rust names carry the kernel crate's hash: generate this from modules built against"
	echo "# the GKI tree you submit to, or they will not match its symbols."
	# Sorted as Android's lists are: by name, case and leading underscores aside.
	awk -F'\t' '$2 ~ /^missing/ && $1 != "rfl_fixture" && !seen[$3]++ { k = tolower($3); sub(/^_+/, "", k); print $1 "\t" k "\t" $3 }' \
		"$tmp/table" | LC_ALL=C sort -t "$(printf '\t')" -k1,1 -k2,2 -k3,3 |
		awk -F'\t' '$1 != prev { print "\n# required by " $1 ".ko"; prev = $1 } { print "  " $3 }'
} > "$VENDOR_LIST"
echo "  details in $OUT/<module>.txt; vendor symbol list: $VENDOR_LIST"

rc=0
if awk -F'\t' '$5 == "new" { exit 1 }' "$tmp/table"; then :; else
	echo "error: modules import symbols $STATUS does not list (nobody checked them against the KMI):" >&2
	awk -F'\t' '$5 == "new" { print "  " $1 ": " $4 }' "$tmp/table" >&2
	echo "Look each up in the KMI symbol list and add a line for it (or run with KMI_LIST=... GKI_UPDATE=1)." >&2
	rc=1
fi
if awk -F'\t' '$5 ~ /^was:/ { exit 1 }' "$tmp/table"; then :; else
	echo "error: KMI_LIST gives other statuses than $STATUS records (a different KMI build?):" >&2
	awk -F'\t' '$5 ~ /^was:/ { print "  " $1 ": " $4 " is " $2 ", recorded " substr($5, 5) }' "$tmp/table" >&2
	echo "Run with GKI_UPDATE=1 to take them, and update the file's provenance lines." >&2
	rc=1
fi
# Recorded entries no module imports any more: harmless, but worth dropping.
awk -F'\t' 'FILENAME == ARGV[1] { if ($0 !~ /^#/ && NF == 3) rec[$1 FS $3] = 1; next }
	{ delete rec[$1 FS $4] }
	END { for (k in rec) { n++ } if (n) printf "note: %d entries of %s are no longer imported\n", n, ARGV[1] }' \
	"$STATUS" "$tmp/table"
exit $rc
