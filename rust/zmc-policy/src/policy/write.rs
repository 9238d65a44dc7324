//! The write (swap-out) decision.

use super::algo::AlgoId;
use super::estimate::{verdict, Verdict};
use super::same_filled::same_filled;

/// How the device chooses algorithms (the `comp_policy` sysfs file).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum CompPolicy {
    /// zram's behaviour: every page that is not same-filled is compressed with the primary
    /// algorithm, and recompression runs only when userspace writes `recompress`.
    Static,
    /// Clearly incompressible pages are stored raw without compressing, and cold pages are
    /// recompressed in the background by themselves.
    #[default]
    Adaptive,
}

impl CompPolicy {
    /// The name used in sysfs.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Static => "static",
            Self::Adaptive => "adaptive",
        }
    }
}

/// How to store a page being written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum WriteDecision {
    /// Every word of the page is this value: store the word, allocate nothing.
    SameFilled(u64),
    /// The estimate found the page clearly incompressible: store it raw, do not compress.
    Raw,
    /// Compress with this algorithm (always the primary, the fast one).
    Compress(AlgoId),
}

/// Decides how to store `page` on swap-out.
///
/// 1. Same-filled pages (see [`same_filled`]) are stored as their word, under either policy.
/// 2. Under [`CompPolicy::Adaptive`], a page the estimate ([`verdict`]) calls
///    [`Verdict::Incompressible`] is stored raw.
/// 3. Every other page is compressed with the primary algorithm (slot 0, lz4 by default):
///    swap-out is on the path of the task that needs memory, so it takes the fast algorithm.
pub fn decide_write(page: &[u8], policy: CompPolicy) -> WriteDecision {
    if let Some(word) = same_filled(page) {
        return WriteDecision::SameFilled(word);
    }
    if policy == CompPolicy::Adaptive && verdict(page) == Verdict::Incompressible {
        return WriteDecision::Raw;
    }
    WriteDecision::Compress(AlgoId::PRIMARY)
}

/// zram's huge rule: a compressed size at or above `huge_len` (zsmalloc's huge class size,
/// about 3.2 KiB on 4 KiB pages) saves nothing, so the page is stored raw and flagged huge.
pub fn is_huge(comp_len: usize, huge_len: usize) -> bool {
    comp_len >= huge_len
}
