// SPDX-License-Identifier: GPL-2.0

//! The per-device sysfs attributes, with zram 6.12's names, formats, semantics and errors, plus
//! `comp_policy` and `policy_stat`. C (shim.c) owns the attribute table and forwards each read
//! and write here by id. A bad write returns `EINVAL` with one `pr_err` naming the bad value.

use core::fmt::Write;
use core::sync::atomic::Ordering::Relaxed;

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use crate::device::{AlgoConf, Device, AVAILABLE};
use crate::ffi;
use crate::policy::params::{
    parse_algorithm_params, parse_comp_policy, parse_idle, parse_mem_limit, parse_recomp_algorithm,
    parse_recompress, IdleArg, ParamError,
};
use crate::policy::{AlgoId, AlgoKind, RecompressConfig, MAX_ALGOS};
use crate::recompress;
use crate::stats::get;

/// Attribute ids; the same order as `enum zmc_attr` in shim.h.
#[derive(Clone, Copy, PartialEq, Eq)]
#[repr(i32)]
enum Attr {
    Disksize,
    Initstate,
    CompAlgorithm,
    AlgorithmParams,
    RecompAlgorithm,
    Recompress,
    Idle,
    MemLimit,
    MemUsedMax,
    MmStat,
    IoStat,
    DebugStat,
    Compact,
    MaxCompStreams,
    CompPolicy,
    PolicyStat,
}

impl Attr {
    const ALL: [Attr; 16] = [
        Attr::Disksize,
        Attr::Initstate,
        Attr::CompAlgorithm,
        Attr::AlgorithmParams,
        Attr::RecompAlgorithm,
        Attr::Recompress,
        Attr::Idle,
        Attr::MemLimit,
        Attr::MemUsedMax,
        Attr::MmStat,
        Attr::IoStat,
        Attr::DebugStat,
        Attr::Compact,
        Attr::MaxCompStreams,
        Attr::CompPolicy,
        Attr::PolicyStat,
    ];

    fn from_id(id: i32) -> Result<Self> {
        usize::try_from(id)
            .ok()
            .and_then(|i| Self::ALL.get(i).copied())
            .ok_or(EINVAL)
    }

    fn name(self) -> &'static str {
        match self {
            Attr::Disksize => "disksize",
            Attr::Initstate => "initstate",
            Attr::CompAlgorithm => "comp_algorithm",
            Attr::AlgorithmParams => "algorithm_params",
            Attr::RecompAlgorithm => "recomp_algorithm",
            Attr::Recompress => "recompress",
            Attr::Idle => "idle",
            Attr::MemLimit => "mem_limit",
            Attr::MemUsedMax => "mem_used_max",
            Attr::MmStat => "mm_stat",
            Attr::IoStat => "io_stat",
            Attr::DebugStat => "debug_stat",
            Attr::Compact => "compact",
            Attr::MaxCompStreams => "max_comp_streams",
            Attr::CompPolicy => "comp_policy",
            Attr::PolicyStat => "policy_stat",
        }
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
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..self.len + n), s.as_bytes().get(..n)) {
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

impl Device {
    fn bad(&self, attr: Attr, what: &dyn core::fmt::Display) -> Error {
        pr_err!("zmc{}: {}: {}\n", self.id, attr.name(), what);
        EINVAL
    }

    fn bad_param(&self, attr: Attr, e: ParamError<'_>) -> Error {
        self.bad(attr, &e)
    }

    pub(crate) fn show(&self, id: i32, buf: &mut [u8]) -> Result<usize> {
        let attr = Attr::from_id(id)?;
        let mut out = Out { buf, len: 0 };
        self.show_attr(attr, &mut out).map_err(|_| EINVAL)?;
        Ok(out.len)
    }

    fn show_attr(&self, attr: Attr, out: &mut Out<'_>) -> core::fmt::Result {
        let backing = self.backing();
        let s = &self.stats;
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
                    self.limit_pages.load(Relaxed) * page,
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
                let current = self.comp_policy();
                for p in [crate::policy::CompPolicy::Static, crate::policy::CompPolicy::Adaptive] {
                    if p == current {
                        write!(out, "[{}] ", p.name())?;
                    } else {
                        write!(out, "{} ", p.name())?;
                    }
                }
                writeln!(out)
            }
            Attr::PolicyStat => {
                writeln!(out, "algo pages bytes_in bytes_out comp_ns decomp_pages decomp_ns")?;
                let conf = self.conf.lock();
                for (prio, a) in conf.algos.iter().enumerate() {
                    let (Some(a), Some(st)) = (a, s.algo.get(prio)) else { continue };
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
                )
            }
            // Write-only attributes have no show (sysfs never calls it).
            _ => Ok(()),
        }
    }

    pub(crate) fn store(&self, id: i32, input: &[u8]) -> Result {
        let attr = Attr::from_id(id)?;
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
                recompress::pass(self, &b, &cfg, p.max_pages).map(|_| ())
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
                self.limit_pages
                    .store(limit.div_ceil(page), Relaxed);
                Ok(())
            }
            Attr::MemUsedMax => {
                if s.trim() != "0" {
                    return Err(self.bad(attr, &s));
                }
                if let Some(b) = self.backing() {
                    self.stats.max_used_pages.store(b.pool.total_pages(), Relaxed);
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
                self.policy.store(p as u8, Relaxed);
                Ok(())
            }
            _ => Err(EINVAL),
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
