//! Budgets that keep background recompression from competing with foreground work.
//!
//! Both are token buckets fed by the time that passes (passed in, in nanoseconds): the caller
//! starts a page only while both allow it. [`TokenBucket`] bounds pages per second;
//! [`CpuShare`] bounds compression time to a share of wall time.

/// Nanoseconds per second.
const NSEC_PER_SEC: u64 = 1_000_000_000;

/// A token bucket: `rate_per_s` tokens a second, at most `burst` banked.
///
/// Over any interval of T nanoseconds it grants at most `rate_per_s * T / 10^9 + burst`
/// tokens. Credit is kept in token-nanoseconds, so no fraction of a token is lost between
/// refills. It starts full. Time going backwards is ignored (no credit, no debt).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TokenBucket {
    rate_per_s: u64,
    capacity: u64,
    credit: u64,
    last_ns: u64,
}

impl TokenBucket {
    /// The most tokens a bucket can bank (so that its credit fits in 64 bits).
    pub const MAX_BURST: u64 = u64::MAX / NSEC_PER_SEC;

    /// A full bucket at `now_ns`; `burst` is clamped to [`Self::MAX_BURST`].
    pub fn new(rate_per_s: u64, burst: u64, now_ns: u64) -> Self {
        let capacity = burst.min(Self::MAX_BURST).saturating_mul(NSEC_PER_SEC);
        Self {
            rate_per_s,
            capacity,
            credit: capacity,
            last_ns: now_ns,
        }
    }

    /// Adds the credit earned since the last refill, up to the burst.
    pub fn refill(&mut self, now_ns: u64) {
        let elapsed = now_ns.saturating_sub(self.last_ns);
        self.last_ns = self.last_ns.max(now_ns);
        let earned = elapsed.saturating_mul(self.rate_per_s);
        self.credit = self.credit.saturating_add(earned).min(self.capacity);
    }

    /// Takes `n` tokens if that many are banked.
    pub fn try_take(&mut self, n: u64) -> bool {
        match n.checked_mul(NSEC_PER_SEC) {
            Some(cost) if cost <= self.credit => {
                self.credit = self.credit.saturating_sub(cost);
                true
            }
            _ => false,
        }
    }

    /// Whole tokens banked.
    pub fn available(&self) -> u64 {
        self.credit.checked_div(NSEC_PER_SEC).unwrap_or(0)
    }
}

/// A CPU-share budget: compression may use `share_permille` of wall time, with at most
/// `window_ns` of wall time's worth banked.
///
/// Work is charged after it ran ([`CpuShare::charge`]), so the credit may go negative; work
/// may start while it is positive. Over any interval of T nanoseconds the time charged is at
/// most `T * share_permille / 1000` plus the banked maximum plus the last charge. It starts
/// full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CpuShare {
    share_permille: u32,
    capacity: i64,
    credit: i64,
    last_ns: u64,
}

impl CpuShare {
    /// A full budget at `now_ns` (a share above 1000 per mille is taken as 1000).
    pub fn new(share_permille: u32, window_ns: u64, now_ns: u64) -> Self {
        let share_permille = share_permille.min(1000);
        let capacity = scale(window_ns, share_permille);
        Self {
            share_permille,
            capacity,
            credit: capacity,
            last_ns: now_ns,
        }
    }

    /// Adds the credit earned since the last refill, up to the banked maximum.
    pub fn refill(&mut self, now_ns: u64) {
        let elapsed = now_ns.saturating_sub(self.last_ns);
        self.last_ns = self.last_ns.max(now_ns);
        let earned = scale(elapsed, self.share_permille);
        self.credit = self.credit.saturating_add(earned).min(self.capacity);
    }

    /// Refills at `now_ns`, then tells whether work may start.
    pub fn may_run(&mut self, now_ns: u64) -> bool {
        self.refill(now_ns);
        self.credit > 0
    }

    /// Charges `spent_ns` of compression time.
    pub fn charge(&mut self, spent_ns: u64) {
        let spent = i64::try_from(spent_ns).unwrap_or(i64::MAX);
        self.credit = self.credit.saturating_sub(spent);
    }

    /// The banked credit in nanoseconds (negative while in debt).
    pub fn credit_ns(&self) -> i64 {
        self.credit
    }
}

/// `ns * permille / 1000` as an i64, rounded down, saturating.
fn scale(ns: u64, permille: u32) -> i64 {
    let scaled = ns
        .saturating_mul(u64::from(permille))
        .checked_div(1000)
        .unwrap_or(0);
    i64::try_from(scaled).unwrap_or(i64::MAX)
}
