#!/usr/bin/env bash
# A private apt configuration for other Debian suites (trixie, trixie-backports, sid sources),
# built from the mirror the system's own apt sources name. It only downloads: nothing from it is
# ever installed on the host; .debs are unpacked with dpkg-deb.
#
# Usage: apt-private.sh update        refresh its package lists (once a day at most)
#        apt-private.sh download PKG[:ARCH][=VER]...   into the current directory
#        apt-private.sh source PKG    download a source package into the current directory
#        apt-private.sh policy PKG    show candidate versions
#        apt-private.sh fetch PKG VERSION SHA256
#                                     a pinned arch-independent .deb, downloaded once into
#                                     $CACHE_DIR/debs and checked; prints its path
set -euo pipefail
. "$(dirname "$0")/lib.sh"

APT_DIR=$CACHE_DIR/apt

system_mirror() {
	local uri=""
	# deb822 sources first, then one-line sources; take the first Debian main archive.
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -f "$f" ] || continue
		uri=$(awk '/^URIs:/{for(i=2;i<=NF;i++) if ($i !~ /security/) {print $i; exit}}' "$f")
		[ -n "$uri" ] && break
	done
	if [ -z "$uri" ]; then
		uri=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
			awk '$1=="deb" && $0 !~ /security/ {for(i=2;i<=NF;i++) if ($i ~ /^(https?|file):/) {print $i; exit}}' | head -n1)
	fi
	[ -n "$uri" ] || die "no Debian mirror found in the system's apt sources"
	echo "${uri%/}"
}

write_config() {
	local mirror
	mirror=$(system_mirror)
	mkdir -p "$APT_DIR"/{etc/preferences.d,etc/apt.conf.d,state/lists/partial,cache/archives/partial}
	cat > "$APT_DIR/etc/sources.list" <<LIST
deb $mirror trixie main
deb [arch=amd64] $mirror trixie-backports main
deb-src $mirror sid main
LIST
	cat > "$APT_DIR/etc/apt.conf" <<CONF
Dir::Etc::SourceList "$APT_DIR/etc/sources.list";
Dir::Etc::SourceParts "/nonexistent";
Dir::Etc::Preferences "/nonexistent";
Dir::Etc::PreferencesParts "$APT_DIR/etc/preferences.d";
Dir::State "$APT_DIR/state";
Dir::State::status "$APT_DIR/state/status";
Dir::Cache "$APT_DIR/cache";
APT::Architectures { "amd64"; "arm64"; "riscv64"; };
APT::Get::AllowUnauthenticated "false";
APT::Sandbox::User "root";
Acquire::Languages "none";
CONF
	touch "$APT_DIR/state/status"
}

papt() { APT_CONFIG="$APT_DIR/etc/apt.conf" "$@"; }

# Installing on the host: the system's own sources plus bookworm-backports (for a QEMU that
# matches the backported qemu-utils this kind of machine ships), with package lists kept apart
# from the system's. Used only by setup.sh for host tools.
HOST_DIR=$CACHE_DIR/apt-host
host_apt() {
	local mirror
	mirror=$(system_mirror)
	mkdir -p "$HOST_DIR/lists/partial"
	# This list stands in for /etc/apt/sources.list, so it carries that file's lines too.
	{ cat /etc/apt/sources.list 2>/dev/null || true
	  echo "deb $mirror bookworm-backports main"; } > "$HOST_DIR/backports.list"
	local opts=(-o "Dir::Etc::SourceList=$HOST_DIR/backports.list"
		-o "Dir::Etc::SourceParts=/etc/apt/sources.list.d"
		-o "Dir::State::Lists=$HOST_DIR/lists" -o "APT::Sandbox::User=root")
	local stamp=$HOST_DIR/updated
	if [ ! -f "$stamp" ] || [ -n "$(find "$stamp" -mmin +1440)" ]; then
		apt-get -qq "${opts[@]}" update
		touch "$stamp"
	fi
	DEBIAN_FRONTEND=noninteractive apt-get -y -qq --no-install-recommends "${opts[@]}" "$@"
}

update() {
	write_config
	local stamp=$APT_DIR/state/updated
	if [ -f "$stamp" ] && [ -z "$(find "$stamp" -mmin +1440)" ] && [ "${1:-}" != force ]; then
		return 0
	fi
	log "apt: refreshing the private package lists (trixie, trixie-backports, sid sources)"
	papt apt-get -qq update
	touch "$stamp"
}

# An empty SHA256 takes whatever the archive has (the first step of a re-pin).
fetch() { # name version sha256
	local name=$1 ver=$2 sum=$3 dir=$CACHE_DIR/debs file got newest
	mkdir -p "$dir"
	file=$dir/${name}_${ver//:/%3a}_all.deb
	if [ ! -f "$file" ]; then
		log "apt: downloading $name $ver"
		update
		if ! (cd "$dir" && papt apt-get -qq download "$name=$ver" >/dev/null 2>&1); then
			newest=$(papt apt-cache policy "$name" 2>/dev/null | awk '/Candidate:/{print $2}')
			die "$name $ver is no longer in the archive (newest there: ${newest:-none}).
To re-pin, change the version line for $name in scripts/pin.env to that version and its checksum line to empty, then run again."
		fi
	fi
	got=$(sha256sum "$file" | cut -d' ' -f1)
	if [ -n "$sum" ] && [ "$got" != "$sum" ]; then
		rm -f "$file"
		die "$file: checksum $got, pinned $sum"
	fi
	echo "$file"
}

cmd=${1:-}; shift || true
case "$cmd" in
host-install) host_apt install "$@" ;;
update) update "$@" ;;
download) update; papt apt-get -qq download "$@" ;;
source) update; papt apt-get -qq source --download-only "$@" ;;
policy) update; papt apt-cache policy "$@" ;;
show) update; papt apt-cache show "$@" ;;
fetch) [ $# = 3 ] || die "usage: $0 fetch PKG VERSION SHA256"; fetch "$@" ;;
*) die "usage: $0 update|download|source|policy|show|fetch ..." ;;
esac
