# Entry points of the suite. They are thin: the work is in scripts/ and qemu/.
#   make                   build every module for ARCH (x86_64) against the pinned 6.12 tree
#   make ARCH=arm64        ... for arm64 (or riscv64)
#   make KDIR=/path/tree   ... against your own configured and built 6.12 tree with Rust
#   make check             everything CI runs (host tests, builds, guests on 3 arches, lint)
#   make check-debug       every suite on the x86_64 debug kernel (KASAN, lockdep, kmemleak)
#   make check-bpf         cpuidle_ext's suites, BPF ones included, on the x86_64 btf kernel
#   make demo              boot the default x86_64 guest and show the modules at work
#   make bench-zram        the zram bench: zram_multicomp against upstream zram, one boot
#   make bench-erofs       the erofs bench: erofs_dio O_DIRECT against stock erofs, one boot
#   make bench-pmqos       the blk_pmqos bench: simple_ondemand with and without it, one boot
#   make bench-zcache      the zcache bench: app relaunches over flash latency, plain disk and zcache arms
#   make bench-cpuidle     the cpuidle_ext bench: music playback under menu, teo, ext and ext with
#                          the audio BPF policy, one boot (x86_64: the btf kernel, for the BPF arm)
#   make gki-check         the arm64 modules' imports against Android's GKI KMI symbol list
#   make clippy            clippy on the modules (warnings are errors)
#   make fmt / fmt-check   rustfmt on everything
#   make rust-analyzer     write rust-project.json for editors
#   make kernel            just build (or find cached) the pinned kernel for ARCH
#   make setup             install what the suite needs (idempotent; every target calls it)
#   make clean
#
# Kleaf (Android's Bazel kernel build, see BUILD.bazel) runs `make -C <this folder> M=... O=...
# KERNEL_SRC=<kernel source>`, then the same with modules_install: both go to the Kbuild, for the
# phone modules only (RFL_KLEAF=1 leaves the test fixture out). Not run here: see README.
ifneq ($(KERNEL_SRC),)
.PHONY: modules modules_install clean
modules modules_install clean:
	$(MAKE) -C $(KERNEL_SRC) M=$(M) RFL_KLEAF=1 RFL_SUITE_VERSION=$(shell cat VERSION) $@
else
ARCH ?= x86_64
VARIANT ?= default
export ARCH VARIANT
ifneq ($(KDIR),)
export KDIR
endif

.PHONY: all modules check check-debug check-bpf demo bench-zram bench-erofs profile-erofs bench-pmqos bench-zcache bench-cpuidle gki-check check-old-rustc clippy fmt fmt-check rust-analyzer kernel setup clean

all modules:
	scripts/modules.sh build

check:
	scripts/check.sh

# Not in `make check`: under TCG the debug kernel's guest alone takes over 20 minutes, past the
# 15 a warm make check may take (see README). Run it before landing changes to module code.
check-debug:
	scripts/check.sh --debug-only

# Not in `make check`: the btf kernel (DWARF and BTF) costs a build of its own (see README).
check-bpf:
	qemu/run.sh --arch x86_64 --variant btf 'cpuidle_ext.*'

demo:
	scripts/demo.sh

bench-zram:
	bench/run.sh zram

bench-erofs:
	bench/run.sh erofs

# Opt-in: perf in the guest (a larger initramfs of its own) around the erofs bench's reads.
profile-erofs:
	bench/run.sh --profile erofs

bench-pmqos:
	bench/run.sh pmqos

bench-zcache:
	bench/run.sh zcache

# bench/cpuidle/bench.conf picks the kernel variant (CPUIDLE_BENCH_VARIANT= to override).
bench-cpuidle:
	bench/run.sh cpuidle

# Builds the arm64 modules first (quick once the kernel is cached). KMI_LIST=, GKI_UPDATE=1: see
# scripts/gki-check.sh.
gki-check:
	ARCH=arm64 VARIANT=default scripts/modules.sh build
	scripts/gki-check.sh

# The arm64 kernel and modules built by an older rustc (pin.env OLD_RUST_*), gki-check and every
# arm64 suite on them; its own kernel build (about 8 minutes once), so not part of make check.
check-old-rustc:
	scripts/old-rustc.sh check

clippy:
	scripts/modules.sh clippy

fmt:
	scripts/fmt.sh

fmt-check:
	scripts/fmt.sh --check

rust-analyzer:
	scripts/modules.sh rust-analyzer

kernel:
	scripts/kernel.sh $(ARCH) $(VARIANT)

setup:
	scripts/setup.sh

clean:
	scripts/modules.sh clean
	rm -rf out results target
endif
