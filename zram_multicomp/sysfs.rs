// SPDX-License-Identifier: GPL-2.0

//! The per-device sysfs attributes, with zram 6.12's names, formats, semantics and errors, plus
//! `comp_policy` and `policy_stat`, and the async pool's and background recompression's knobs
//! (documented at [`Attr`]). C (shim.c) owns the attribute table and forwards each read
//! and write here by id. A bad write returns `EINVAL` with one `pr_err` naming the bad value.

use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use crate::background::MAX_RATE;
use crate::config::{AlgoConf, AVAILABLE, MAX_STAGING, MAX_WORKERS};
use crate::device::Device;
use crate::ffi;
use crate::policy::params::{
    parse_algorithm_params, parse_comp_policy, parse_idle, parse_mem_limit, parse_recomp_algorithm,
    parse_recompress, IdleArg, ParamError,
};
use crate::policy::{AlgoId, AlgoKind, Claim, RecompressConfig, MAX_ALGOS};
use crate::recompress::{self, Unlimited};
use crate::stats::get;

/// Declares [`Attr`] with each attribute's sysfs name, once. C lists the same names with their
/// modes (`ZMC_ATTRS` in shim.c) and passes the name of the attribute it serves.
macro_rules! attrs {
    ($($variant:ident = $name:literal,)*) => {
        #[derive(Clone, Copy, PartialEq, Eq)]
        enum Attr {
            $($variant,)*
        }

        impl Attr {
            const ALL: &'static [Attr] = &[$(Attr::$variant,)*];

            fn name(self) -> &'static str {
                match self {
                    $(Attr::$variant => $name,)*
                }
            }
        }
    };
}

// The attributes, by their sysfs names.
//
// Beyond zram's:
// - `async` (0/1, default 1): writes go through the staging pool; 0 compresses every write
//   synchronously, as zram does. May change at any time; pages already staged are still
//   stored by the workers.
// - `async_workers` (default: one per online CPU, counted at init; writing 0 restores that;
//   at most 256): compression workers. Only before `disksize` (EBUSY after); reads show the
//   number that runs (or would run).
// - `async_staging` (pages, default 256, 1..=16384): the preallocated staging buffers. Only
//   before `disksize` (EBUSY after).
// - `async_stat` (read-only): `staged completed pending served_from_staging sync_fallbacks
//   dropped_stale retries wakeups cpu_ns` — pages staged, stored by a worker, waiting now,
//   reads served from staging, writes compressed synchronously because staging was full (with
//   `async` on), staged pages whose slot was overwritten or discarded before the worker stored
//   them (result dropped), store failures retried, workers woken by a writer (wake-ups are
//   batched: see staging.rs), and the CPU time the workers spent, in ns.
// - `bg_recompress` (0/1, default 0): background recompression of cold pages starts by itself
//   (see background.rs for the triggers).
// - `bg_recompress_rate` (pages per second, 1..=1000000, default 256): its budget; it also
//   never uses more than a quarter of one CPU.
// - `policy_stat` also shows `bg_passes` (background passes started by a trigger),
//   `bg_finished` (passes that went over the whole device), `bg_recompressed` (pages they
//   stored smaller, also counted in `recompressed`) and `bg_ns` (time they spent reading and
//   compressing pages, wall clock), `recompress_stale` (results dropped because the page was
//   written, freed or read meanwhile) and `bg_cpu_ns` (the background worker's CPU time, the
//   scheduler's count).
// - `bg_cold_age` (seconds, default 300): pages not accessed for this long are cold (pages
//   marked idle always are); 0: only idle-marked pages. It also sets the trigger period.
// - `bg_warm_age` (seconds, default 0: off): latency tiers. Pages not accessed for this long
//   (and not yet cold) are warm, and the background pass may store them only with algorithms
//   that decode as fast as lz4 (lz4hc); cold pages then go only to the strong ones (zstd). The
//   trigger period is the smaller of the two ages.
attrs! {
    Disksize = "disksize",
    Initstate = "initstate",
    CompAlgorithm = "comp_algorithm",
    AlgorithmParams = "algorithm_params",
    RecompAlgorithm = "recomp_algorithm",
    Recompress = "recompress",
    Idle = "idle",
    MemLimit = "mem_limit",
    MemUsedMax = "mem_used_max",
    MmStat = "mm_stat",
    IoStat = "io_stat",
    DebugStat = "debug_stat",
    Compact = "compact",
    MaxCompStreams = "max_comp_streams",
    CompPolicy = "comp_policy",
    PolicyStat = "policy_stat",
    Async = "async",
    AsyncWorkers = "async_workers",
    AsyncStaging = "async_staging",
    AsyncStat = "async_stat",
    BgRecompress = "bg_recompress",
    BgRecompressRate = "bg_recompress_rate",
    BgColdAge = "bg_cold_age",
    BgWarmAge = "bg_warm_age",
}

impl Attr {
    /// The attribute C serves under `name`; `EINVAL` for one this engine does not know.
    fn from_name(name: &[u8]) -> Result<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|a| a.name().as_bytes() == name)
            .ok_or(EINVAL)
    }
}

/// Writes formatted text into sysfs's page buffer, truncating at its end.
struct Out<'a> {
    buf: &'a mut [u8],
    len: usize,
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        let n = s.len().min(room);
        if let (Some(dst), Some(src)) = (
            self.buf.get_mut(self.len..self.len + n),
            s.as_bytes().get(..n),
        ) {
            dst.copy_from_slice(src);
            self.len += n;
        }
        Ok(())
    }
}

fn list_algorithms(out: &mut Out<'_>, current: Option<AlgoKind>) -> core::fmt::Result {
    for kind in AVAILABLE {
        if Some(kind) == current {
            write!(out, "[{}] ", kind.name())?;
        } else {
            write!(out, "{} ", kind.name())?;
        }
    }
    writeln!(out)
}

/// The input as text without the trailing newline; `EINVAL` for non-UTF-8.
fn text(input: &[u8]) -> Result<&str> {
    let s = core::str::from_utf8(input).map_err(|_| EINVAL)?;
    Ok(s.strip_suffix('\n').unwrap_or(s))
}

/// A decimal number in `min..=max`; `None` otherwise.
fn number(s: &str, min: u64, max: u64) -> Option<u64> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|v| (min..=max).contains(v))
}

impl Device {
    fn bad(&self, attr: Attr, what: &dyn core::fmt::Display) -> Error {
        pr_err!("zmc{}: {}: {}\n", self.id, attr.name(), what);
        EINVAL
    }

    fn bad_param(&self, attr: Attr, e: ParamError<'_>) -> Error {
        self.bad(attr, &e)
    }

    pub(crate) fn show(&self, name: &[u8], buf: &mut [u8]) -> Result<usize> {
        let attr = Attr::from_name(name)?;
        let mut out = Out { buf, len: 0 };
        self.show_attr(attr, &mut out).map_err(|_| EINVAL)?;
        Ok(out.len)
    }

    fn show_attr(&self, attr: Attr, out: &mut Out<'_>) -> core::fmt::Result {
        let backing = self.backing();
        let s = &self.shared.stats;
        match attr {
            Attr::Disksize => writeln!(out, "{}", backing.as_ref().map_or(0, |b| b.disksize)),
            Attr::Initstate => writeln!(out, "{}", u32::from(backing.is_some())),
            Attr::CompAlgorithm => {
                let conf = self.conf.lock();
                list_algorithms(out, conf.algos[0].map(|a| a.kind))
            }
            Attr::RecompAlgorithm => {
                let conf = self.conf.lock();
                for (prio, a) in conf.algos.iter().enumerate().skip(1) {
                    if let Some(a) = a {
                        write!(out, "#{}: ", prio)?;
                        list_algorithms(out, Some(a.kind))?;
                    }
                }
                Ok(())
            }
            Attr::MmStat => {
                let (used, compacted) = backing
                    .as_ref()
                    .map_or((0, 0), |b| (b.pool.total_pages(), b.pool.pages_compacted()));
                let page = PAGE_SIZE as u64;
                writeln!(
                    out,
                    "{:8} {:8} {:8} {:8} {:8} {:8} {:8} {:8} {:8}",
                    get(&s.pages_stored) * page,
                    get(&s.compr_data_size),
                    used * page,
                    self.shared.limit_pages.load(Relaxed) * page,
                    get(&s.max_used_pages) * page,
                    get(&s.same_pages),
                    compacted,
                    get(&s.huge_pages),
                    get(&s.huge_pages_since),
                )
            }
            Attr::IoStat => writeln!(
                out,
                "{:8} {:8} 0 {:8}",
                get(&s.failed_reads),
                get(&s.failed_writes),
                get(&s.notify_free)
            ),
            Attr::DebugStat => writeln!(
                out,
                "version: 1\n{:8} {:8}",
                get(&s.writestall),
                get(&s.miss_free)
            ),
            Attr::MaxCompStreams => writeln!(out, "{}", ffi::nr_cpus()),
            Attr::CompPolicy => {
                let current = self.shared.comp_policy();
                for p in [
                    crate::policy::CompPolicy::Static,
                    crate::policy::CompPolicy::Adaptive,
                ] {
                    if p == current {
                        write!(out, "[{}] ", p.name())?;
                    } else {
                        write!(out, "{} ", p.name())?;
                    }
                }
                writeln!(out)
            }
            Attr::PolicyStat => {
                writeln!(
                    out,
                    "algo pages bytes_in bytes_out comp_ns decomp_pages decomp_ns"
                )?;
                let conf = self.conf.lock();
                for (prio, a) in conf.algos.iter().enumerate() {
                    let (Some(a), Some(st)) = (a, s.algo.get(prio)) else {
                        continue;
                    };
                    writeln!(
                        out,
                        "{} {} {} {} {} {} {}",
                        a.kind.name(),
                        get(&st.pages),
                        get(&st.bytes_in),
                        get(&st.bytes_out),
                        get(&st.comp_ns),
                        get(&st.decomp_pages),
                        get(&st.decomp_ns)
                    )?;
                }
                writeln!(
                    out,
                    "same_pages {}\nraw_by_estimate {}\nrecompressed {}\nrecompress_skipped {}",
                    get(&s.same_pages),
                    get(&s.raw_by_estimate),
                    get(&s.recompressed),
                    get(&s.recompress_skipped)
                )?;
                writeln!(
                    out,
                    "bg_passes {}\nbg_finished {}\nbg_recompressed {}\nbg_ns {}\nrecompress_stale {}\n\
                     bg_cpu_ns {}",
                    get(&s.bg_passes),
                    get(&s.bg_finished),
                    get(&s.bg_recompressed),
                    get(&s.bg_ns),
                    get(&s.recompress_stale),
                    get(&s.bg_cpu_ns)
                )
            }
            Attr::Async => writeln!(out, "{}", u32::from(self.shared.async_on.load(Relaxed))),
            Attr::AsyncWorkers => match backing.as_ref() {
                Some(b) => writeln!(out, "{}", b.workers),
                None => match self.conf.lock().async_workers {
                    0 => writeln!(out, "{}", ffi::nr_cpus()),
                    n => writeln!(out, "{}", n),
                },
            },
            Attr::AsyncStaging => match backing.as_ref() {
                Some(b) => writeln!(out, "{}", b.staging.capacity()),
                None => writeln!(out, "{}", self.conf.lock().async_staging),
            },
            Attr::AsyncStat => writeln!(
                out,
                "{:8} {:8} {:8} {:8} {:8} {:8} {:8} {:8} {:8}",
                get(&s.staged),
                get(&s.completed),
                backing.as_ref().map_or(0, |b| b.staging.pending()),
                get(&s.served_from_staging),
                get(&s.sync_fallbacks),
                get(&s.dropped_stale),
                get(&s.store_retries),
                get(&s.wakeups),
                get(&s.async_cpu_ns),
            ),
            Attr::BgRecompress => writeln!(out, "{}", u32::from(self.shared.bg_on.load(Relaxed))),
            Attr::BgRecompressRate => writeln!(out, "{}", self.shared.bg_rate.load(Relaxed)),
            Attr::BgColdAge => writeln!(out, "{}", self.shared.bg_cold_age.load(Relaxed)),
            Attr::BgWarmAge => writeln!(out, "{}", self.shared.bg_warm_age.load(Relaxed)),
            // Write-only attributes have no show (sysfs never calls it).
            _ => Ok(()),
        }
    }

    pub(crate) fn store(&self, name: &[u8], input: &[u8]) -> Result {
        let attr = Attr::from_name(name)?;
        let s = text(input).map_err(|e| self.bad(attr, &"input is not text").min_errno(e))?;
        match attr {
            Attr::Disksize => {
                let size = parse_mem_limit(s).map_err(|e| self.bad_param(attr, e))?;
                if size == 0 {
                    return Err(self.bad(attr, &"0"));
                }
                self.init(size)
            }
            Attr::CompAlgorithm => self.set_algorithm(attr, AlgoId(0), s),
            Attr::RecompAlgorithm => {
                let r = parse_recomp_algorithm(s).map_err(|e| self.bad_param(attr, e))?;
                self.set_algorithm(attr, r.priority, r.algo.name())
            }
            Attr::AlgorithmParams => {
                let p = parse_algorithm_params(s).map_err(|e| self.bad_param(attr, e))?;
                if p.dict.is_some() {
                    return Err(self.bad(attr, &"dict= is not supported"));
                }
                let mut conf = self.conf.lock();
                let prio = match (p.algo, p.priority) {
                    (Some(name), _) => conf
                        .algos
                        .iter()
                        .position(|a| a.is_some_and(|a| a.kind.name() == name)),
                    (None, Some(prio)) => Some(prio.index()),
                    (None, None) => Some(0),
                };
                let slot = prio
                    .and_then(|i| conf.algos.get_mut(i))
                    .and_then(|a| a.as_mut())
                    .ok_or_else(|| self.bad(attr, &s))?;
                slot.level = p.level;
                Ok(())
            }
            Attr::Recompress => {
                let b = self.backing().ok_or(EINVAL)?;
                let huge = u32::try_from(PAGE_SIZE).unwrap_or(u32::MAX);
                let p = parse_recompress(s, huge).map_err(|e| self.bad_param(attr, e))?;
                let cfg = p
                    .config(&b.algos, &RecompressConfig::default())
                    .map_err(|e| self.bad_param(attr, e))?;
                // Staged pages are not stored yet: let the workers finish them first.
                b.staging.wait_drained(10_000);
                let mut page = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
                let _one_at_a_time = self.manual_pass.lock();
                let mut budget = Unlimited(&b);
                recompress::pass(
                    &b,
                    Claim::Manual,
                    &cfg,
                    p.max_pages,
                    0,
                    &mut budget,
                    &mut page,
                )
                .map(|_| ())
            }
            Attr::Idle => {
                let arg = parse_idle(s).map_err(|e| self.bad_param(attr, e))?;
                self.mark_idle(match arg {
                    IdleArg::All => None,
                    IdleArg::OlderThan(age) => Some(age),
                })
            }
            Attr::MemLimit => {
                let limit = parse_mem_limit(s).map_err(|e| self.bad_param(attr, e))?;
                let page = PAGE_SIZE as u64;
                self.shared.limit_pages.store(limit.div_ceil(page), Relaxed);
                Ok(())
            }
            Attr::MemUsedMax => {
                if s.trim() != "0" {
                    return Err(self.bad(attr, &s));
                }
                if let Some(b) = self.backing() {
                    self.shared
                        .stats
                        .max_used_pages
                        .store(b.pool.total_pages(), Relaxed);
                }
                Ok(())
            }
            Attr::Compact => {
                if let Some(b) = self.backing() {
                    b.pool.compact();
                }
                Ok(())
            }
            Attr::MaxCompStreams => Ok(()),
            Attr::CompPolicy => {
                let p = parse_comp_policy(s).map_err(|e| self.bad_param(attr, e))?;
                self.shared.policy.store(p as u8, Relaxed);
                Ok(())
            }
            Attr::Async => {
                let v = number(s, 0, 1).ok_or_else(|| self.bad(attr, &s))?;
                self.shared.async_on.store(v == 1, Relaxed);
                Ok(())
            }
            Attr::AsyncWorkers | Attr::AsyncStaging => {
                let (min, max) = match attr {
                    Attr::AsyncWorkers => (0, MAX_WORKERS),
                    _ => (1, MAX_STAGING),
                };
                let v = number(s, min, max as u64).ok_or_else(|| self.bad(attr, &s))?;
                let v = usize::try_from(v).map_err(|_| self.bad(attr, &s))?;
                let mut conf = self.conf.lock();
                if self.backing().is_some() {
                    pr_info!("Can't change {} for initialized device\n", attr.name());
                    return Err(EBUSY);
                }
                match attr {
                    Attr::AsyncWorkers => conf.async_workers = v,
                    _ => conf.async_staging = v,
                }
                Ok(())
            }
            Attr::BgRecompress => {
                let v = number(s, 0, 1).ok_or_else(|| self.bad(attr, &s))?;
                self.shared.bg_on.store(v == 1, Relaxed);
                self.kick_background();
                Ok(())
            }
            Attr::BgRecompressRate => {
                let v = number(s, 1, MAX_RATE).ok_or_else(|| self.bad(attr, &s))?;
                self.shared.bg_rate.store(v, Relaxed);
                self.kick_background();
                Ok(())
            }
            Attr::BgColdAge => {
                let v = number(s, 0, u64::from(u32::MAX)).ok_or_else(|| self.bad(attr, &s))?;
                self.shared.bg_cold_age.store(v, Relaxed);
                self.kick_background();
                Ok(())
            }
            Attr::BgWarmAge => {
                let v = number(s, 0, u64::from(u32::MAX)).ok_or_else(|| self.bad(attr, &s))?;
                self.shared.bg_warm_age.store(v, Relaxed);
                self.kick_background();
                Ok(())
            }
            _ => Err(EINVAL),
        }
    }

    fn kick_background(&self) {
        if let Some(b) = self.backing() {
            b.bg.kick();
        }
    }

    fn set_algorithm(&self, attr: Attr, prio: AlgoId, name: &str) -> Result {
        let name = name.trim();
        if name.len() >= 128 {
            return Err(E2BIG);
        }
        let kind = AlgoKind::from_name(name)
            .filter(|k| AVAILABLE.contains(k))
            .ok_or_else(|| self.bad(attr, &name))?;
        let mut conf = self.conf.lock();
        if self.backing().is_some() {
            pr_info!("Can't change algorithm for initialized device\n");
            return Err(EBUSY);
        }
        if prio.index() >= MAX_ALGOS || prio.index() == 0 && attr == Attr::RecompAlgorithm {
            return Err(self.bad(attr, &name));
        }
        let slot = conf.algos.get_mut(prio.index()).ok_or(EINVAL)?;
        *slot = Some(AlgoConf::new(kind));
        Ok(())
    }
}

trait MinErrno {
    fn min_errno(self, other: Error) -> Error;
}

impl MinErrno for Error {
    fn min_errno(self, _other: Error) -> Error {
        self
    }
}
