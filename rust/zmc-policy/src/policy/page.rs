//! The per-page features that the policy decides on, as the slot table keeps them.

use super::algo::{AlgoId, AlgoSet, AlgoTable};
use super::write::WriteDecision;

/// Flags of a stored page (a bit set, as the slot table packs them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PageFlags(pub u8);

impl PageFlags {
    /// No flag.
    pub const NONE: Self = Self(0);
    /// Marked idle (through the `idle` sysfs file, or by the device); cleared when the page is
    /// read or recompressed.
    pub const IDLE: Self = Self(1 << 0);
    /// Stored raw (uncompressed), because the compressed size reached the huge size or the
    /// estimate found the page incompressible.
    pub const HUGE: Self = Self(1 << 1);
    /// Stored by a secondary algorithm after recompression.
    pub const RECOMPRESSED: Self = Self(1 << 2);
    /// Not worth recompressing: the estimate found it incompressible when written, or every
    /// stronger algorithm failed to gain on it. Cleared only by a new write.
    pub const NO_GAIN: Self = Self(1 << 3);
    /// Same-filled: stored as a word, with no compressed data.
    pub const SAME: Self = Self(1 << 4);

    /// Whether every flag of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags and those of `other`.
    #[must_use]
    pub fn with(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    /// These flags without those of `other`.
    #[must_use]
    pub fn without(self, other: Self) -> Self {
        Self(self.0 & !other.0)
    }
}

/// What the policy knows about a stored page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct PageFeatures {
    /// The algorithm slot the page is stored with (the primary for raw and same-filled pages).
    pub algo: AlgoId,
    /// Bytes the page takes in the pool: the compressed size, the page size when stored raw,
    /// 0 when same-filled.
    pub stored_len: u32,
    /// The page's flags.
    pub flags: PageFlags,
    /// When the page was last written or read, in seconds of boot time.
    pub last_access_s: u64,
}

impl PageFeatures {
    /// The features of a page just written at `now_s`.
    ///
    /// `decision` is what [`decide_write`](super::write::decide_write) returned and `stored_len`
    /// the bytes stored: the compressed size, or the page size when the page went raw (from
    /// the estimate, or because the compressed size was huge: pass `huge = true`). A page the
    /// estimate stored raw is also marked [`PageFlags::NO_GAIN`], so recompression skips it;
    /// a page that was only huge for the primary algorithm is not, so recompression tries it.
    pub fn written(decision: WriteDecision, stored_len: u32, huge: bool, now_s: u64) -> Self {
        let (algo, stored_len, flags) = match decision {
            WriteDecision::SameFilled(_) => (AlgoId::PRIMARY, 0, PageFlags::SAME),
            WriteDecision::Raw => (
                AlgoId::PRIMARY,
                stored_len,
                PageFlags::HUGE.with(PageFlags::NO_GAIN),
            ),
            WriteDecision::Compress(algo) if huge => (algo, stored_len, PageFlags::HUGE),
            WriteDecision::Compress(algo) => (algo, stored_len, PageFlags::NONE),
        };
        Self {
            algo,
            stored_len,
            flags,
            last_access_s: now_s,
        }
    }

    /// The features after the page was read at `now_s`: it is hot again, its age restarts and
    /// it is no longer idle.
    #[must_use]
    pub fn touched(self, now_s: u64) -> Self {
        Self {
            flags: self.flags.without(PageFlags::IDLE),
            last_access_s: now_s.max(self.last_access_s),
            ..self
        }
    }

    /// The features after the page was marked idle.
    #[must_use]
    pub fn marked_idle(self) -> Self {
        Self {
            flags: self.flags.with(PageFlags::IDLE),
            ..self
        }
    }

    /// Whether the page is cold at `now_s`: marked idle, or not accessed for `cold_age_s`
    /// seconds or more (0 disables the age rule). Same-filled pages are never cold: there is
    /// nothing to recompress.
    pub fn is_cold(&self, now_s: u64, cold_age_s: u64) -> bool {
        if self.flags.contains(PageFlags::SAME) {
            return false;
        }
        let aged = cold_age_s != 0 && now_s.saturating_sub(self.last_access_s) >= cold_age_s;
        aged || self.flags.contains(PageFlags::IDLE)
    }

    /// Whether the page is warm at `now_s`: not accessed for `warm_age_s` seconds or more (0
    /// disables the warm tier). Same-filled pages are never warm.
    pub fn is_warm(&self, now_s: u64, warm_age_s: u64) -> bool {
        !self.flags.contains(PageFlags::SAME)
            && warm_age_s != 0
            && now_s.saturating_sub(self.last_access_s) >= warm_age_s
    }

    /// The features after a recompression pass over the page.
    ///
    /// `kept` is the algorithm and size of the result that replaced the stored data, if one
    /// did; `tried` the algorithms tried in the pass. Like zram, the pass clears
    /// [`PageFlags::IDLE`] (the page was read) but keeps its age. A kept result sets
    /// [`PageFlags::RECOMPRESSED`] and clears [`PageFlags::HUGE`]. When nothing was kept and
    /// every secondary above the stored algorithm in `table` has been tried, the page is marked
    /// [`PageFlags::NO_GAIN`] so that later passes skip it.
    #[must_use]
    pub fn recompressed(
        self,
        kept: Option<(AlgoId, u32)>,
        tried: AlgoSet,
        table: &AlgoTable,
    ) -> Self {
        let flags = self.flags.without(PageFlags::IDLE);
        match kept {
            Some((algo, stored_len)) => Self {
                algo,
                stored_len,
                flags: flags.without(PageFlags::HUGE).with(PageFlags::RECOMPRESSED),
                ..self
            },
            None => {
                let left = table.secondaries().0 & !tried.0 & above(self.algo);
                let flags = if left == 0 && !tried.is_empty() {
                    flags.with(PageFlags::NO_GAIN)
                } else {
                    flags
                };
                Self { flags, ..self }
            }
        }
    }
}

/// The bits of the slots above `algo` in an [`AlgoSet`].
fn above(algo: AlgoId) -> u8 {
    u8::MAX
        .checked_shl(u32::from(algo.0).saturating_add(1))
        .unwrap_or(0)
}
