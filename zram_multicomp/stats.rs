// SPDX-License-Identifier: GPL-2.0

//! Device counters, as zram keeps them (mm_stat, io_stat, debug_stat), plus per-algorithm
//! figures for policy_stat. All are relaxed atomics: they are statistics, not synchronisation.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use crate::policy::MAX_ALGOS;

#[derive(Default)]
pub(crate) struct AlgoStats {
    pub(crate) pages: AtomicU64,
    pub(crate) bytes_in: AtomicU64,
    pub(crate) bytes_out: AtomicU64,
    pub(crate) comp_ns: AtomicU64,
    pub(crate) decomp_ns: AtomicU64,
    pub(crate) decomp_pages: AtomicU64,
}

#[derive(Default)]
pub(crate) struct Stats {
    pub(crate) pages_stored: AtomicU64,
    pub(crate) compr_data_size: AtomicU64,
    pub(crate) same_pages: AtomicU64,
    pub(crate) huge_pages: AtomicU64,
    pub(crate) huge_pages_since: AtomicU64,
    pub(crate) max_used_pages: AtomicU64,
    pub(crate) failed_reads: AtomicU64,
    pub(crate) failed_writes: AtomicU64,
    pub(crate) notify_free: AtomicU64,
    pub(crate) writestall: AtomicU64,
    pub(crate) miss_free: AtomicU64,
    pub(crate) raw_by_estimate: AtomicU64,
    pub(crate) recompressed: AtomicU64,
    pub(crate) recompress_skipped: AtomicU64,
    /// Recompression results dropped because their slot changed while the pass worked on it.
    pub(crate) recompress_stale: AtomicU64,
    /// Async pool: pages staged, stored by a worker, read from staging, written synchronously
    /// because staging was full, dropped because their slot changed meanwhile, store retries,
    /// workers woken by a writer.
    pub(crate) staged: AtomicU64,
    pub(crate) completed: AtomicU64,
    pub(crate) served_from_staging: AtomicU64,
    pub(crate) sync_fallbacks: AtomicU64,
    pub(crate) dropped_stale: AtomicU64,
    pub(crate) store_retries: AtomicU64,
    pub(crate) wakeups: AtomicU64,
    /// CPU time of the async workers and of the background worker, in ns (the scheduler's
    /// count, the clock a process's own CPU time is measured with).
    pub(crate) async_cpu_ns: AtomicU64,
    pub(crate) bg_cpu_ns: AtomicU64,
    /// Background recompression: passes started by a trigger, passes that went over the whole
    /// device, pages it stored smaller, nanoseconds it spent reading and compressing pages.
    pub(crate) bg_passes: AtomicU64,
    pub(crate) bg_finished: AtomicU64,
    pub(crate) bg_recompressed: AtomicU64,
    pub(crate) bg_ns: AtomicU64,
    pub(crate) algo: [AlgoStats; MAX_ALGOS],
}

pub(crate) fn add(c: &AtomicU64, v: u64) {
    c.fetch_add(v, Relaxed);
}

pub(crate) fn sub(c: &AtomicU64, v: u64) {
    // Counters never go below zero, even if a bug made them try.
    let _ = c.fetch_update(Relaxed, Relaxed, |x| Some(x.saturating_sub(v)));
}

pub(crate) fn get(c: &AtomicU64) -> u64 {
    c.load(Relaxed)
}

impl Stats {
    /// Back to zero, as after a reset.
    pub(crate) fn clear(&self) {
        for c in [
            &self.pages_stored,
            &self.compr_data_size,
            &self.same_pages,
            &self.huge_pages,
            &self.huge_pages_since,
            &self.max_used_pages,
            &self.failed_reads,
            &self.failed_writes,
            &self.notify_free,
            &self.writestall,
            &self.miss_free,
            &self.raw_by_estimate,
            &self.recompressed,
            &self.recompress_skipped,
            &self.recompress_stale,
            &self.staged,
            &self.completed,
            &self.served_from_staging,
            &self.sync_fallbacks,
            &self.dropped_stale,
            &self.store_retries,
            &self.wakeups,
            &self.async_cpu_ns,
            &self.bg_cpu_ns,
            &self.bg_passes,
            &self.bg_finished,
            &self.bg_recompressed,
            &self.bg_ns,
        ] {
            c.store(0, Relaxed);
        }
        for a in &self.algo {
            for c in [
                &a.pages,
                &a.bytes_in,
                &a.bytes_out,
                &a.comp_ns,
                &a.decomp_ns,
                &a.decomp_pages,
            ] {
                c.store(0, Relaxed);
            }
        }
    }
}
