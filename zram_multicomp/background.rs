// SPDX-License-Identifier: GPL-2.0

//! Background recompression: a worker thread of the device's that, while `bg_recompress` is
//! on, starts a recompression pass by itself when the policy's [`should_start`] says so (memory
//! pressure, the device idle since its last I/O, or a period) and runs it over cold pages
//! ([`Select::Cold`]: marked idle, or not accessed for `bg_cold_age` seconds) under a budget.
//!
//! - **Budget.** Each page the pass compresses takes a token from a [`TokenBucket`] of
//!   `bg_recompress_rate` pages per second (a burst of a quarter second's worth), and the
//!   compression time is charged to a [`CpuShare`] of [`CPU_PERMILLE`] (a quarter of one CPU,
//!   over a [`CPU_WINDOW_MS`] window). When either is empty the worker sleeps.
//! - **Triggers.** From the cold age `A` (when nonzero): idle after `min(A, 120)` s without
//!   I/O, a period of `A` s, at least `min(A, 60)` s between pass starts; memory pressure is
//!   `si_mem_available()` below 1/16 of RAM. With `A` = 0 the policy's defaults apply.
//! - **Resumable.** The pass is [`recompress::pass`] itself, with a budget: when the budget says
//!   stop (recompression turned off, the store stopping) it returns where it stopped, and the
//!   next run continues from there instead of starting over.

use core::sync::atomic::Ordering::Relaxed;

use kernel::new_condvar;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::{Arc, CondVar, SpinLock};

use crate::ffi;
use crate::policy::{
    should_start, Claim, CpuShare, RecompressConfig, Select, TokenBucket, TriggerConfig,
    TriggerInputs,
};
use crate::recompress::{self, Budget, PassEnd};
use crate::stats::{self, get};
use crate::store::{now_s, Backing};

/// Default budget, in pages per second.
pub(crate) const DEFAULT_RATE: u64 = 256;
/// The highest budget accepted, in pages per second.
pub(crate) const MAX_RATE: u64 = 1_000_000;
/// The share of one CPU the pass may spend compressing, per mille.
pub(crate) const CPU_PERMILLE: u32 = 250;
/// The CPU-share window: how much unused share may be banked.
pub(crate) const CPU_WINDOW_MS: u64 = 100;
/// How often the worker looks at the triggers.
const TICK_MS: u32 = 1000;
/// The worker's nice value: the lowest priority, as the async workers have. Recompression is
/// work for idle time.
const BG_NICE: i32 = 19;
/// The longest a budget sleep lasts before the worker looks at the knobs again.
const MAX_SLEEP_MS: u64 = 100;

/// The worker's wake-up: knob writes and shutdown kick it.
#[pin_data]
pub(crate) struct Background {
    #[pin]
    lock: SpinLock<()>,
    #[pin]
    wake: CondVar,
}

impl Background {
    pub(crate) fn new() -> Result<Pin<KBox<Self>>> {
        KBox::pin_init(
            pin_init!(Self {
                lock <- new_spinlock!((), "zmc:bg"),
                wake <- new_condvar!("zmc:bg_wake"),
            }),
            GFP_KERNEL,
        )
    }

    /// Wakes the worker (a knob changed, or the store is stopping).
    pub(crate) fn kick(&self) {
        let _g = self.lock.lock();
        self.wake.notify_all();
    }

    /// Sleeps up to `ms` milliseconds or until kicked. Returns false once the store stops.
    fn sleep(&self, b: &Backing, ms: u64) -> bool {
        let mut g = self.lock.lock();
        if b.stopping() {
            return false;
        }
        let ms = u32::try_from(ms).unwrap_or(u32::MAX);
        let _ = self
            .wake
            .wait_interruptible_timeout(&mut g, ffi::msecs_to_jiffies(ms));
        !b.stopping()
    }
}

/// The trigger thresholds for a cold age of `cold_age_s` seconds (see the module doc).
pub(crate) fn trigger_config(cold_age_s: u64) -> TriggerConfig {
    let d = TriggerConfig::DEFAULT;
    if cold_age_s == 0 {
        return d;
    }
    TriggerConfig {
        psi_permille: d.psi_permille,
        idle_s: cold_age_s.min(d.idle_s),
        period_s: cold_age_s,
        min_interval_s: cold_age_s.min(d.min_interval_s),
    }
}

fn burst(rate: u64) -> u64 {
    rate / 4 + 1
}

/// The pages-per-second and CPU-share budget of the background pass.
struct BgBudget<'a> {
    b: &'a Backing,
    rate: u64,
    bucket: TokenBucket,
    cpu: CpuShare,
}

impl<'a> BgBudget<'a> {
    fn new(b: &'a Backing) -> Self {
        let now = ffi::now_ns();
        let rate = b.shared.bg_rate.load(Relaxed);
        Self {
            b,
            rate,
            bucket: TokenBucket::new(rate, burst(rate), now),
            cpu: CpuShare::new(CPU_PERMILLE, CPU_WINDOW_MS * 1_000_000, now),
        }
    }
}

impl Budget for BgBudget<'_> {
    fn admit(&mut self) -> bool {
        loop {
            if self.b.stopping() || !self.b.shared.bg_on.load(Relaxed) {
                return false;
            }
            let rate = self.b.shared.bg_rate.load(Relaxed).max(1);
            let now = ffi::now_ns();
            if rate != self.rate {
                self.rate = rate;
                self.bucket = TokenBucket::new(rate, burst(rate), now);
            }
            self.bucket.refill(now);
            if self.cpu.may_run(now) && self.bucket.try_take(1) {
                return true;
            }
            let ms = (1000 / rate).clamp(1, MAX_SLEEP_MS);
            if !self.b.bg.sleep(self.b, ms) {
                return false;
            }
        }
    }

    fn charge(&mut self, spent_ns: u64) {
        self.cpu.charge(spent_ns);
        stats::add(&self.b.shared.stats.bg_ns, spent_ns);
    }
}

/// The background recompression worker of a store; returns when the store stops. `page` is
/// its scratch page, allocated at init.
pub(crate) fn worker(b: Arc<Backing>, mut page: KVec<u8>) {
    ffi::set_nice(BG_NICE);
    let sh = &b.shared;
    let mut budget = BgBudget::new(&b);
    // Where the pass under way stopped, if one is under way.
    let mut resume: Option<usize> = None;
    let mut last_run_s = 0u64;
    let mut cpu = ffi::thread_cpu_ns();
    while b.bg.sleep(&b, u64::from(TICK_MS)) {
        // Counted after each sleep, when the scheduler's count is exact.
        let now = ffi::thread_cpu_ns();
        stats::add(&sh.stats.bg_cpu_ns, now.saturating_sub(cpu));
        cpu = now;
        if !sh.bg_on.load(Relaxed) {
            continue;
        }
        let cold_age_s = sh.bg_cold_age.load(Relaxed);
        let warm_age_s = sh.bg_warm_age.load(Relaxed);
        // Passes come as often as the youngest tier needs them.
        let period_s = match (warm_age_s, cold_age_s) {
            (0, c) => c,
            (w, 0) => w,
            (w, c) => w.min(c),
        };
        let from = match resume {
            Some(at) => at,
            None => {
                let now = now_s();
                let total = ffi::total_ram_pages();
                let inputs = TriggerInputs {
                    now_s: now,
                    last_run_s,
                    last_io_s: sh.last_io_s.load(Relaxed),
                    psi_some_permille: 0,
                    free_pages: ffi::available_pages(),
                    low_watermark_pages: total / 16,
                    stored_pages: get(&sh.stats.pages_stored)
                        .saturating_sub(get(&sh.stats.same_pages)),
                };
                if should_start(&inputs, &trigger_config(period_s)).is_none() {
                    continue;
                }
                last_run_s = now.max(1);
                stats::add(&sh.stats.bg_passes, 1);
                0
            }
        };
        let cfg = RecompressConfig {
            select: Select::Cold,
            cold_age_s,
            warm_age_s,
            huge_len: u32::try_from(b.huge_size).unwrap_or(u32::MAX),
            ..RecompressConfig::BACKGROUND
        };
        resume = match recompress::pass(
            &b,
            Claim::Background,
            &cfg,
            None,
            from,
            &mut budget,
            &mut page,
        ) {
            Ok((PassEnd::Finished, done)) => {
                stats::add(&sh.stats.bg_recompressed, done);
                stats::add(&sh.stats.bg_finished, 1);
                // Objects moved to other size classes leave zspages half empty: give them back.
                if done > 0 {
                    b.pool.compact();
                }
                None
            }
            Ok((PassEnd::Paused(at), done)) => {
                stats::add(&sh.stats.bg_recompressed, done);
                Some(at)
            }
            // Out of memory or a codec error: start over at the next trigger.
            Err(_) => None,
        };
    }
}
