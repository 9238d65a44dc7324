#!/usr/bin/env bash
# Boot the pinned kernel for an ARCH (and variant) in QEMU with an initramfs holding the suite's
# modules and guest tests, run the tests, collect their KTAP output, power off, and judge the run.
#
# Usage: qemu/run.sh [options] [SUITE_PATTERN...]
#   --arch A         x86_64 (default), arm64 or riscv64
#   --variant V      default, debug or 16k (arm64 with 16 KiB pages)
#   --suite-file F   run this test script too (a path in the repo; for tests outside the
#                    default discovery, such as the harness's negative tests or a bench)
#   --only           run only the --suite-file scripts, none of the discovered suites
#   --append ARGS    extra kernel command line
#   --mem SIZE       guest memory (default 1G); --smp N vCPUs (default 2)
#   --timeout S      hard limit for the whole boot (default 2700); each suite gets at most
#                    --suite-timeout S (default 900)
#   --results DIR    where console.log and ktap.log are kept (default results/ARCH-VARIANT)
#   --no-build       use the modules already in out/ARCH-VARIANT
# SUITE_PATTERN is a shell glob on suite names (MODULE.SCRIPT, e.g. 'fixture.*'); default: all
# scripts in */tests/*.sh. QEMU_ACCEL=kvm uses KVM (x86_64 on an x86_64 host with VT-x/AMD-V);
# the default is TCG. Exit status: 0 when the run passed, 1 when it failed.
set -euo pipefail
. "$(dirname "$0")/../scripts/lib.sh"

ARCH_NAME=x86_64 VARIANT=default APPEND="" MEM=1G SMP=2 TIMEOUT=2700 SUITE_TIMEOUT=900
RESULTS="" BUILD=1 ONLY=0
extra_files=() patterns=()
while [ $# -gt 0 ]; do
	case "$1" in
	--arch) ARCH_NAME=$2; shift 2 ;;
	--variant) VARIANT=$2; shift 2 ;;
	--suite-file) extra_files+=("$2"); shift 2 ;;
	--append) APPEND="$APPEND $2"; shift 2 ;;
	--mem) MEM=$2; shift 2 ;;
	--smp) SMP=$2; shift 2 ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--suite-timeout) SUITE_TIMEOUT=$2; shift 2 ;;
	--results) RESULTS=$2; shift 2 ;;
	--no-build) BUILD=0; shift ;;
	--only) ONLY=1; shift ;;
	-h|--help) sed -n '2,21p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) patterns+=("$1"); shift ;;
	esac
done
kernel_arch "$ARCH_NAME" >/dev/null
RESULTS=${RESULTS:-$SUITE_ROOT/results/$ARCH_NAME-$VARIANT}

KDIR=$("$SUITE_ROOT/scripts/kernel.sh" "$ARCH_NAME" "$VARIANT")
. "$CACHE_DIR/env.sh"
if [ "$BUILD" = 1 ]; then
	ARCH=$ARCH_NAME VARIANT=$VARIANT "$SUITE_ROOT/scripts/modules.sh" build
fi
MODS=$SUITE_ROOT/out/$ARCH_NAME-$VARIANT
[ -d "$MODS" ] || die "no modules in $MODS (run without --no-build)"
# Two guests of one arch starting at once (a bench beside make check, say) build its base image once.
mkdir -p "$CACHE_DIR/initramfs"
BASE=$(flock "$CACHE_DIR/initramfs/.lock-$ARCH_NAME" "$SUITE_ROOT/qemu/initramfs.sh" "$ARCH_NAME")

# The in-tree modules (upstream zram and erofs, the baselines), installed once per kernel build.
KVER=$(cat "$KDIR/include/config/kernel.release")
if [ ! -f "$KDIR/modroot/.done" ]; then
	rm -rf "$KDIR/modroot"
	make -s -C "$KDIR" ARCH="$(kernel_arch "$ARCH_NAME")" LLVM="$LLVM_SUFFIX" INSTALL_MOD_PATH="$KDIR/modroot" \
		DEPMOD=/bin/true modules_install >/dev/null
	touch "$KDIR/modroot/.done"
fi

# Which suites: MODULE/tests/NAME.sh is the suite MODULE.NAME.
suites=()
discovered=("$SUITE_ROOT"/*/tests/*.sh)
[ "$ONLY" = 1 ] && discovered=()
for f in "${discovered[@]}" "${extra_files[@]/#/$SUITE_ROOT/}"; do
	[ -f "$f" ] || continue
	rel=${f#"$SUITE_ROOT/"}
	mod=${rel%%/*}
	name=$mod.$(basename "$f" .sh)
	if [ ${#patterns[@]} -gt 0 ] && [[ " ${extra_files[*]} " != *" $rel "* ]]; then
		keep=0
		for p in "${patterns[@]}"; do
			# shellcheck disable=SC2053
			[[ $name == $p ]] && keep=1
		done
		[ $keep = 1 ] || continue
	fi
	suites+=("$name $rel")
done
[ ${#suites[@]} -gt 0 ] || die "no guest test matches ${patterns[*]:-anything}"

mkdir -p "$RESULTS"
# The overlay: init, KTAP helper, tests, and /lib/modules with ours in extra/.
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
O=$WORK/overlay
mkdir -p "$O/suite/tests" "$O/usr/lib/modules"
install -m 0755 "$SUITE_ROOT/qemu/guest/init" "$O/init"
install -m 0644 "$SUITE_ROOT/qemu/guest/ktap.sh" "$O/suite/ktap.sh"
cp -a "$KDIR/modroot/lib/modules/$KVER" "$O/usr/lib/modules/"
mkdir -p "$O/usr/lib/modules/$KVER/extra"
cp "$MODS"/*.ko "$O/usr/lib/modules/$KVER/extra/" 2>/dev/null || true
# BPF programs (MODULE/bpf/*.bpf.c, built with the modules) in /suite/bpf.
mkdir -p "$O/suite/bpf"
cp "$MODS"/*.bpf.o "$O/suite/bpf/" 2>/dev/null || true
depmod -b "$O/usr" "$KVER"
: > "$O/suite/suites"
for s in "${suites[@]}"; do
	rel=${s#* }
	mkdir -p "$O/suite/tests/$(dirname "$rel")"
	cp "$SUITE_ROOT/$rel" "$O/suite/tests/$rel"
	# Files a test script needs beside it (data, helpers) come along with its folder.
	cp -r "$SUITE_ROOT/$(dirname "$rel")/." "$O/suite/tests/$(dirname "$rel")/"
	echo "$s" >> "$O/suite/suites"
done
# Scratch disks: a suite MODULE/tests/NAME.sh may have an executable MODULE/tests/NAME.disks,
# run here with an empty folder to fill with disk images (*.img, attached in name order as
# read-only virtio-blk disks; *.rw.img writable, for suites that write, never shared). The guest
# finds them by serial; the suite sees their device paths in $SUITE_DISKS. An image identical
# to one already attached (suites that build the same tools image) is attached once and named
# for both. Other files the hook writes (data made by host tools, for a suite that needs no
# disk of its own: arm64 has few virtio-mmio transports) are copied into the guest, in
# $SUITE_DIR/data/NAME/.
DISK_ARGS=()
ndisk=0
declare -A disk_of=()
mkdir -p "$O/suite/disks"
for s in "${suites[@]}"; do
	name=${s%% *} rel=${s#* }
	hook=$SUITE_ROOT/${rel%.sh}.disks
	[ -x "$hook" ] || continue
	dir=$RESULTS/disks/$name
	rm -rf "$dir" && mkdir -p "$dir"
	log "qemu: making scratch disks for $name"
	# The kernel variant too, for images that scale their data to its speed (as suites do).
	SUITE_VARIANT=$VARIANT "$hook" "$dir" >&2 || die "$hook failed"
	for img in "$dir"/*.img; do
		[ -f "$img" ] || continue
		ro=",readonly=on"
		case "$img" in *.rw.img) ro="" ;; esac
		sum=$(sha256sum < "$img")
		[ -n "$ro" ] || sum="rw $img"
		if [ -n "${disk_of[$sum]:-}" ]; then
			echo "${disk_of[$sum]} $(basename "$img")" >> "$O/suite/disks/$name"
			continue
		fi
		disk_of[$sum]=d$ndisk
		# On PCI, eight disks share a slot as functions, from slot 0x10 up (a bus has 32
		# slots, fewer than the suites' disks); virtio-mmio has 32 transports, used in turn.
		addr=$(printf ',addr=0x%x.%d' $((0x10 + ndisk / 8)) $((ndisk % 8)))
		[ $((ndisk % 8)) = 0 ] && addr="$addr,multifunction=on"
		DISK_ARGS+=(-drive "file=$img,if=none,format=raw$ro,id=d$ndisk"
			-device "virtio-blk-@BUS@,drive=d$ndisk,serial=d$ndisk@ADDR@$addr")
		echo "d$ndisk $(basename "$img")" >> "$O/suite/disks/$name"
		ndisk=$((ndisk + 1))
	done
	for f in "$dir"/*; do
		case "$f" in *.img) continue ;; esac
		[ -f "$f" ] || continue
		mkdir -p "$O/suite/data/$name"
		cp "$f" "$O/suite/data/$name/"
	done
done
(cd "$O" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0 | gzip -1 > "$WORK/overlay.cpio.gz")
cat "$BASE" "$WORK/overlay.cpio.gz" > "$WORK/initrd"

rm -f "$RESULTS/console.log" "$RESULTS/ktap.log"
# slab_nomerge keeps every slab cache apart, so fault tests can aim failslab at one cache.
CMDLINE="panic=-1 oops=panic softlockup_panic=0 slab_nomerge rfl_suite.timeout=$SUITE_TIMEOUT rfl_suite.variant=$VARIANT $APPEND"
ACCEL=${QEMU_ACCEL:-tcg}
# Under TCG a guest CPU runs tens of times slower than hardware (the debug kernel's KASAN many
# times more), and a busy host can pause it: a CI run saw the debug kernel spend over 21 s
# (the RCU stall limit) unpacking the initramfs at boot. RCU stalls still fail the run, after
# 100 s, as syzbot does under emulation.
[ "$ACCEL" = tcg ] && CMDLINE="$CMDLINE rcupdate.rcu_cpu_stall_timeout=100"
case "$ARCH_NAME" in
x86_64)
	QEMU=(qemu-system-x86_64 -M q35 -cpu max -kernel "$KDIR/arch/x86/boot/bzImage")
	CMDLINE="console=ttyS0 $CMDLINE"; BUS=pci ;;
arm64)
	QEMU=(qemu-system-aarch64 -M virt -cpu max,pauth-impdef=on -kernel "$KDIR/arch/arm64/boot/Image")
	CMDLINE="console=ttyAMA0 $CMDLINE"; BUS=device ;;
riscv64)
	QEMU=(qemu-system-riscv64 -M virt -bios default -kernel "$KDIR/arch/riscv/boot/Image")
	CMDLINE="console=ttyS0 $CMDLINE"; BUS=pci ;;
esac
# virtio-mmio (arm64's virt machine) has 32 transports; the console takes one.
if [ "$BUS" = device ] && [ "$ndisk" -gt 31 ]; then
	die "$ndisk scratch disks, but arm64's virt machine has 31 virtio-mmio transports for them: share images between suites or run fewer suites at once"
fi
DISK_ARGS=("${DISK_ARGS[@]//@BUS@/$BUS}")
if [ "$BUS" = pci ]; then
	DISK_ARGS=("${DISK_ARGS[@]//@ADDR@/}")
else
	DISK_ARGS=("${DISK_ARGS[@]//@ADDR@*/}")
fi
QEMU+=("${DISK_ARGS[@]}")
QEMU+=(-accel "$ACCEL" -smp "$SMP" -m "$MEM" -initrd "$WORK/initrd" -append "$CMDLINE"
	-display none -monitor none -no-reboot -serial "file:$RESULTS/console.log"
	-device "virtio-serial-$BUS" -chardev "file,id=ktap,path=$RESULTS/ktap.log"
	-device "virtconsole,chardev=ktap")

# An emulator that aborts on one of its own assertions (SIGABRT, exit 134) before the guest
# wrote any result is a fault of QEMU's TCG, not a test result: that boot is made once more,
# and the second stands as it is. Its log is kept as qemu.log.aborted.
boot=1
while :; do
	log "qemu: booting $ARCH_NAME/$VARIANT ($ACCEL, $SMP vCPUs, $MEM) for ${#suites[@]} suites"
	start=$(date +%s)
	rc=0
	rm -f "$RESULTS/ktap.log"
	timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null >"$RESULTS/qemu.log" 2>&1 || rc=$?
	log "qemu: $ARCH_NAME/$VARIANT guest ran $(( $(date +%s) - start ))s (qemu exit $rc)"
	if [ $boot = 1 ] && [ $rc -eq 134 ] && grep -q 'Assertion' "$RESULTS/qemu.log" &&
		[ ! -s "$RESULTS/ktap.log" ]; then
		log "qemu: QEMU itself aborted before the guest wrote a result: $(grep -m1 'Assertion' "$RESULTS/qemu.log"); booting once more"
		mv "$RESULTS/qemu.log" "$RESULTS/qemu.log.aborted"
		boot=2
		continue
	fi
	break
done
[ $rc -eq 124 ] && log "qemu: the guest hit the ${TIMEOUT}s limit and was killed"
touch "$RESULTS/ktap.log"

CHECK=$SUITE_ROOT/target/release/guest-check
cargo build --quiet --release -p guest-check --manifest-path "$SUITE_ROOT/Cargo.toml"
"$CHECK" --console "$RESULTS/console.log" --ktap "$RESULTS/ktap.log"
