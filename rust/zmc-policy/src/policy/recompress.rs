//! Recompression of cold pages with the stronger algorithms.
//!
//! A pass walks the slots. For each, the caller asks [`next_algo`] which algorithm to try,
//! compresses the page with it, and asks [`keep_new`] whether the result replaces the best one
//! so far; if so it updates `algo` and `stored_len` of its copy of the features. It adds the
//! algorithm to the set of those tried and asks again, until [`next_algo`] says
//! [`RecompressDecision::Skip`]; then it stores the best result and records the outcome with
//! [`PageFeatures::recompressed`]. Each call picks a slot strictly above the stored one and
//! not yet tried, so the loop ends after at most three attempts and the smallest result is
//! kept.
//!
//! Latency tiers (the background pass, [`Select::Cold`] with a `warm_age_s`): a page comes
//! back at an app launch through a page fault that waits for its decompression, so how a page
//! is stored should follow how likely it is to come back. Hot pages stay with the primary
//! (lz4). Warm pages, untouched for `warm_age_s`, may go only to algorithms that decode as
//! fast as lz4 ([`AlgoKind::decodes_fast`](super::algo::AlgoKind::decodes_fast): lz4hc, 8-16%
//! smaller on real pages). Cold pages, idle or untouched for `cold_age_s`, may go to any
//! (zstd, about a third smaller and 2.8 times lz4's decode time), and only to those: one
//! pass, not one per tier. A page recompressed while warm is tried again with the slower
//! algorithms once it turns cold.

use super::algo::{AlgoId, AlgoSet, AlgoTable, MAX_ALGOS};
use super::page::{PageFeatures, PageFlags};

/// Which pages a pass considers (zram's `type=`, or the background rule).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Select {
    /// Cold pages: marked idle, or not accessed for the configured age; and warm pages, when
    /// a warm age is set, for the fast-decoding algorithms only (the background pass).
    #[default]
    Cold,
    /// Pages marked idle (`type=idle`).
    Idle,
    /// Pages stored raw (`type=huge`).
    Huge,
    /// Pages stored raw and marked idle (`type=huge_idle`).
    HugeIdle,
    /// Every page (a `recompress` write without `type=`).
    All,
}

impl Select {
    /// Whether `page` is one this selection considers at `now_s`.
    pub fn selects(
        self,
        page: &PageFeatures,
        now_s: u64,
        cold_age_s: u64,
        warm_age_s: u64,
    ) -> bool {
        let idle = page.flags.contains(PageFlags::IDLE);
        let huge = page.flags.contains(PageFlags::HUGE);
        match self {
            Self::Cold => page.is_cold(now_s, cold_age_s) || page.is_warm(now_s, warm_age_s),
            Self::Idle => idle,
            Self::Huge => huge,
            Self::HugeIdle => huge && idle,
            Self::All => true,
        }
    }
}

/// The settings of a recompression pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecompressConfig {
    /// Which pages the pass considers.
    pub select: Select,
    /// Seconds without access after which a page is cold (for [`Select::Cold`]; 0 means only
    /// pages marked idle are cold).
    pub cold_age_s: u64,
    /// Seconds without access after which a page is warm (for [`Select::Cold`]; 0: no warm
    /// tier). A warm page that is not cold may only go to fast-decoding algorithms.
    pub warm_age_s: u64,
    /// The lowest slot the pass may use (zram's `priority=`; raised to 1 if 0).
    pub first: AlgoId,
    /// The highest slot the pass may use.
    pub last: AlgoId,
    /// zram's `threshold=`: only pages stored with at least this many bytes are recompressed,
    /// and a result is kept only below it (0: no threshold).
    pub threshold: u32,
    /// The huge size (zsmalloc's huge class size): a result at or above it would still take a
    /// whole page, so it is never kept (0: no limit).
    pub huge_len: u32,
    /// The fewest bytes a result must save.
    pub min_gain_bytes: u32,
    /// The smallest share of the stored size, per mille, a result must save.
    pub min_gain_permille: u16,
}

impl RecompressConfig {
    /// The background pass: cold pages (idle, or untouched for 5 minutes), every secondary,
    /// results kept when they save at least 64 bytes and 10% (a cold page read back pays
    /// zstd's decompression, about 2.8 times lz4's, so a small gain is not worth it), and a
    /// huge size of 3 KiB until the module sets the real one.
    pub const BACKGROUND: Self = Self {
        select: Select::Cold,
        cold_age_s: 300,
        warm_age_s: 0,
        first: AlgoId(1),
        last: AlgoId(3),
        threshold: 0,
        huge_len: 3072,
        min_gain_bytes: 64,
        min_gain_permille: 100,
    };
}

impl Default for RecompressConfig {
    fn default() -> Self {
        Self::BACKGROUND
    }
}

/// Why a page is not recompressed (further).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SkipReason {
    /// Same-filled: no compressed data.
    SameFilled,
    /// Not selected by the pass (for instance not cold).
    NotSelected,
    /// Flagged [`PageFlags::NO_GAIN`]: stored raw by the estimate, or every stronger algorithm
    /// already failed on it.
    NoGain,
    /// Stored smaller than the pass's threshold.
    BelowThreshold,
    /// The algorithms left are not expected to save enough on this page.
    NoExpectedGain,
    /// No configured algorithm is left above the stored one in the pass's range.
    Exhausted,
}

/// What to do next with a page in a recompression pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecompressDecision {
    /// Leave the page as it is stored.
    Skip(SkipReason),
    /// Compress the page with this algorithm and compare with [`keep_new`].
    Try(AlgoId),
}

/// The next algorithm to try on `page` at `now_s`, given the algorithms already `tried` in this
/// pass, or why there is none. The rules, in order:
///
/// 1. same-filled pages, pages the pass does not select and pages flagged
///    [`PageFlags::NO_GAIN`] are skipped;
/// 2. with a threshold, pages stored with fewer bytes are skipped (zram's rule);
/// 3. the candidates are the configured slots strictly above the stored one, within
///    `cfg.first..=cfg.last`, not yet tried, in priority order;
/// 4. a candidate is skipped when it is not expected to save [`min_saving`]: its expected size
///    is `stored_len * expect(candidate) / expect(stored)` with the per-mille ratios of the
///    table (an algorithm expected no better than the stored one never qualifies). Pages stored
///    raw (huge) are always worth a try: lz4 failing on a page says little about zstd.
pub fn next_algo(
    page: &PageFeatures,
    tried: AlgoSet,
    now_s: u64,
    table: &AlgoTable,
    cfg: &RecompressConfig,
) -> RecompressDecision {
    use RecompressDecision::{Skip, Try};

    if page.flags.contains(PageFlags::SAME) {
        return Skip(SkipReason::SameFilled);
    }
    if !cfg
        .select
        .selects(page, now_s, cfg.cold_age_s, cfg.warm_age_s)
    {
        return Skip(SkipReason::NotSelected);
    }
    // With latency tiers, a warm page may only decode fast, and a cold one goes straight to
    // the slow, strong tier (one pass, not one per tier).
    let want_fast = if cfg.select == Select::Cold && cfg.warm_age_s != 0 {
        Some(!page.is_cold(now_s, cfg.cold_age_s))
    } else {
        None
    };
    if page.flags.contains(PageFlags::NO_GAIN) {
        return Skip(SkipReason::NoGain);
    }
    if cfg.threshold != 0 && page.stored_len < cfg.threshold {
        return Skip(SkipReason::BelowThreshold);
    }
    let first = cfg
        .first
        .index()
        .max(page.algo.index().saturating_add(1))
        .max(1);
    let last = cfg.last.index().min(MAX_ALGOS.saturating_sub(1));
    let mut not_worth_it = false;
    for algo in (first..=last).filter_map(AlgoId::from_index) {
        let Some(spec) = table.get(algo) else {
            continue;
        };
        if tried.contains(algo) || want_fast.is_some_and(|fast| fast != spec.kind.decodes_fast()) {
            continue;
        }
        if expects_gain(page, algo, table, cfg) {
            return Try(algo);
        }
        not_worth_it = true;
    }
    Skip(if not_worth_it {
        SkipReason::NoExpectedGain
    } else {
        SkipReason::Exhausted
    })
}

/// Whether `algo` is expected to save at least [`min_saving`] on `page` (rule 4 of
/// [`next_algo`]).
fn expects_gain(
    page: &PageFeatures,
    algo: AlgoId,
    table: &AlgoTable,
    cfg: &RecompressConfig,
) -> bool {
    if page.flags.contains(PageFlags::HUGE) {
        return true;
    }
    let expect = |algo| table.get(algo).map_or(1000, |spec| spec.expect_permille);
    let (old, new) = (expect(page.algo), expect(algo));
    if new >= old {
        return false;
    }
    let expected_len = u64::from(page.stored_len)
        .saturating_mul(u64::from(new))
        .checked_div(u64::from(old))
        .unwrap_or(u64::MAX);
    let saving = u64::from(page.stored_len).saturating_sub(expected_len);
    saving >= u64::from(min_saving(page.stored_len, cfg, table.decodes_fast(algo)))
}

/// The fewest bytes a result must save on a page stored with `old_len` bytes: the larger of
/// `cfg.min_gain_bytes` and `cfg.min_gain_permille` of `old_len`. The share rule is there
/// because a page read back pays a slower decode (zstd's is about 2.8 times lz4's); a result of
/// an algorithm that decodes as fast as lz4 (`fast_decode`) costs nothing more to read, so for
/// it only the bytes rule holds.
pub fn min_saving(old_len: u32, cfg: &RecompressConfig, fast_decode: bool) -> u32 {
    if fast_decode {
        return cfg.min_gain_bytes;
    }
    let share = u64::from(old_len)
        .saturating_mul(u64::from(cfg.min_gain_permille))
        .checked_div(1000)
        .and_then(|share| u32::try_from(share).ok())
        .unwrap_or(u32::MAX);
    share.max(cfg.min_gain_bytes)
}

/// Whether a recompressed result of `new_len` bytes replaces data stored with `old_len` bytes:
/// it must be smaller by at least [`min_saving`] (and smaller at all), below the huge size
/// (else it would take a whole page anyway) and below the threshold, when those are set.
/// `fast_decode`: the new algorithm decodes as fast as lz4 (see [`min_saving`]).
pub fn keep_new(old_len: u32, new_len: u32, cfg: &RecompressConfig, fast_decode: bool) -> bool {
    let saving = old_len.saturating_sub(new_len);
    new_len < old_len
        && saving >= min_saving(old_len, cfg, fast_decode)
        && (cfg.huge_len == 0 || new_len < cfg.huge_len)
        && (cfg.threshold == 0 || new_len < cfg.threshold)
}
