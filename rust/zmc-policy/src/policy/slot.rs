//! The packed second word of a slot: a page's [`PageFeatures`] in one `u64`, with every field
//! sized from the page size.
//!
//! Layout, from bit 0: the stored length (`PAGE_SHIFT + 1` bits, so a raw page's length, the
//! page size itself, fits), the algorithm (3 bits), the flags (8 bits), the recompression
//! claims (2 bits), and from bit 32 the last access in seconds (its low 32 bits). A page size
//! the layout cannot hold is a build error, not a truncated length.
//!
//! A claim is how a recompression pass knows its result is still wanted: it sets its claim
//! when it reads the page and installs its result only if the word is unchanged when it comes
//! back. [`SlotMeta::pack`] never sets a claim, so any write, free or touch of the slot in
//! between drops it, even when zsmalloc hands the same handle out again and the rest of the
//! word comes out equal.

use super::algo::{AlgoId, MAX_ALGOS};
use super::page::{PageFeatures, PageFlags};

/// Who claims a slot for recompression: at most one pass of each kind runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Claim {
    /// The budgeted background pass.
    Background,
    /// A pass asked for through the `recompress` attribute.
    Manual,
}

impl Claim {
    const fn bit(self) -> u64 {
        match self {
            Claim::Background => 1,
            Claim::Manual => 2,
        }
    }
}

/// The packed features of a page of `1 << PAGE_SHIFT` bytes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SlotMeta<const PAGE_SHIFT: u32>(u64);

impl<const PAGE_SHIFT: u32> SlotMeta<PAGE_SHIFT> {
    /// Bits of the stored length: lengths run from 0 to the page size, inclusive.
    pub const LEN_BITS: u32 = PAGE_SHIFT + 1;
    const ALGO_BITS: u32 = 3;
    const ALGO_SHIFT: u32 = Self::LEN_BITS;
    const FLAGS_SHIFT: u32 = Self::ALGO_SHIFT + Self::ALGO_BITS;
    const CLAIM_SHIFT: u32 = Self::FLAGS_SHIFT + u8::BITS;
    const CLAIM_BITS: u32 = 2;
    const ACCESS_SHIFT: u32 = 32;
    const LEN_MASK: u64 = (1 << Self::LEN_BITS) - 1;
    const ALGO_MASK: u64 = (1 << Self::ALGO_BITS) - 1;

    /// Evaluated by every packing: fails the build for a layout that does not fit.
    const LAYOUT_FITS: () = {
        assert!(PAGE_SHIFT >= 9, "pages are at least a sector");
        assert!(
            Self::CLAIM_SHIFT + Self::CLAIM_BITS <= Self::ACCESS_SHIFT,
            "length, algorithm, flags and claims must fit below the access time"
        );
        assert!(MAX_ALGOS <= 1 << Self::ALGO_BITS, "algorithm ids must fit");
    };

    /// The largest length the word holds: the page size.
    pub const MAX_LEN: u32 = 1 << PAGE_SHIFT;

    /// The word as stored in the table.
    pub const fn raw(self) -> u64 {
        self.0
    }

    /// A word read back from the table.
    pub const fn from_raw(raw: u64) -> Self {
        Self(raw)
    }

    /// Packs `f` with `flags` in place of its own, with no claim. `f.stored_len` is at most the page size
    /// (a store never makes more): a larger one is recorded as the page size.
    pub fn pack(f: &PageFeatures, flags: PageFlags) -> Self {
        #[allow(clippy::let_unit_value)]
        let () = Self::LAYOUT_FITS;
        let len = u64::from(f.stored_len.min(Self::MAX_LEN));
        let algo = (u64::from(f.algo.0) & Self::ALGO_MASK) << Self::ALGO_SHIFT;
        let flags = u64::from(flags.0) << Self::FLAGS_SHIFT;
        let access = (f.last_access_s & 0xffff_ffff) << Self::ACCESS_SHIFT;
        Self(len | algo | flags | access)
    }

    /// The flags.
    pub fn flags(self) -> PageFlags {
        PageFlags(u8::try_from((self.0 >> Self::FLAGS_SHIFT) & 0xff).unwrap_or(0))
    }

    /// The same word with other flags.
    #[must_use]
    pub fn with_flags(self, flags: PageFlags) -> Self {
        let cleared = self.0 & !(0xff << Self::FLAGS_SHIFT);
        Self(cleared | u64::from(flags.0) << Self::FLAGS_SHIFT)
    }

    /// The same word claimed by `who` too.
    #[must_use]
    pub fn claimed(self, who: Claim) -> Self {
        Self(self.0 | who.bit() << Self::CLAIM_SHIFT)
    }

    /// Whether `who` claims the slot.
    pub fn is_claimed(self, who: Claim) -> bool {
        self.0 & who.bit() << Self::CLAIM_SHIFT != 0
    }

    /// The page's features, as the policy sees them (claims are not features).
    pub fn features(self) -> PageFeatures {
        PageFeatures {
            algo: AlgoId(u8::try_from((self.0 >> Self::ALGO_SHIFT) & Self::ALGO_MASK).unwrap_or(0)),
            stored_len: u32::try_from(self.0 & Self::LEN_MASK).unwrap_or(0),
            flags: self.flags(),
            last_access_s: self.0 >> Self::ACCESS_SHIFT,
        }
    }
}
