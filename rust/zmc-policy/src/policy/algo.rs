//! Compression algorithms, named by their slot in the device's priority order.

/// The number of algorithm slots: the primary and up to three secondaries, like zram's
/// `ZRAM_MAX_COMPS`.
pub const MAX_ALGOS: usize = 4;

/// An algorithm of the device, named by its slot in the priority order, with zram's numbering:
/// 0 is the primary (used on swap-out), 1 to 3 are the secondaries that recompression tries in
/// increasing order. A higher slot is a later, normally stronger, choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlgoId(pub u8);

impl AlgoId {
    /// The primary algorithm, used on swap-out.
    pub const PRIMARY: Self = Self(0);

    /// The slot as an index into a table of [`MAX_ALGOS`] entries.
    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    /// The slot for `index`, if it is below [`MAX_ALGOS`].
    pub fn from_index(index: usize) -> Option<Self> {
        if index < MAX_ALGOS {
            u8::try_from(index).ok().map(Self)
        } else {
            None
        }
    }
}

/// A set of algorithm slots (for instance those already tried on a page in one pass).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AlgoSet(pub u8);

impl AlgoSet {
    /// The empty set.
    pub const EMPTY: Self = Self(0);

    /// The set with `algo` added.
    #[must_use]
    pub fn with(self, algo: AlgoId) -> Self {
        Self(self.0 | bit(algo))
    }

    /// Whether `algo` is in the set.
    pub fn contains(self, algo: AlgoId) -> bool {
        self.0 & bit(algo) != 0
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// The bit of `algo` in an [`AlgoSet`]; slots past 7 have none.
fn bit(algo: AlgoId) -> u8 {
    1u8.checked_shl(u32::from(algo.0)).unwrap_or(0)
}

/// The compressor families the device knows, with the kernel's crypto names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum AlgoKind {
    /// `lz4`: the fast default for swap-out.
    Lz4,
    /// `lz4hc`: lz4's format with a slower, stronger compressor.
    Lz4hc,
    /// `zstd`: the strong default for cold pages.
    Zstd,
    /// `deflate`.
    Deflate,
    /// `lzo`.
    Lzo,
    /// `lzo-rle`.
    LzoRle,
    /// `842`.
    Sw842,
}

impl AlgoKind {
    /// Every kind, in declaration order.
    pub const ALL: [Self; 7] = [
        Self::Lz4,
        Self::Lz4hc,
        Self::Zstd,
        Self::Deflate,
        Self::Lzo,
        Self::LzoRle,
        Self::Sw842,
    ];

    /// The kernel crypto name, as written to `comp_algorithm` and `recomp_algorithm`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Lz4 => "lz4",
            Self::Lz4hc => "lz4hc",
            Self::Zstd => "zstd",
            Self::Deflate => "deflate",
            Self::Lzo => "lzo",
            Self::LzoRle => "lzo-rle",
            Self::Sw842 => "842",
        }
    }

    /// The kind with crypto name `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// Whether pages stored with this algorithm decode about as fast as lz4's (lz4hc writes
    /// lz4's format; lzo is close). zstd, deflate and 842 take several times as long, which a
    /// page that comes back at an app launch pays in its fault.
    pub const fn decodes_fast(self) -> bool {
        matches!(self, Self::Lz4 | Self::Lz4hc | Self::Lzo | Self::LzoRle)
    }

    /// The bytes this algorithm is expected to store for what lz4 stores in 1000, on real
    /// anonymous memory (counting a page lz4 cannot shrink below the huge size as raw).
    ///
    /// Measured with host libraries on python, node and clang processes: zstd level 1 stores
    /// 640 to 680 (660 is used), lz4hc 840 to 920 (880). deflate is taken as 700 (between
    /// zstd and lz4hc); lzo, lzo-rle and 842 as 1000 (no better than lz4). Recompression uses
    /// these ratios only to skip attempts that cannot pay off, never to keep a result.
    pub const fn expected_permille(self) -> u16 {
        match self {
            Self::Lz4 | Self::Lzo | Self::LzoRle | Self::Sw842 => 1000,
            Self::Lz4hc => 880,
            Self::Zstd => 660,
            Self::Deflate => 700,
        }
    }
}

/// A configured algorithm: its kind and the ratio recompression expects from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlgoSpec {
    /// The compressor.
    pub kind: AlgoKind,
    /// Expected stored bytes per 1000 bytes of lz4 output; see [`AlgoKind::expected_permille`].
    pub expect_permille: u16,
}

impl AlgoSpec {
    /// `kind` with its default expected ratio.
    pub const fn of(kind: AlgoKind) -> Self {
        Self {
            kind,
            expect_permille: kind.expected_permille(),
        }
    }
}

/// The device's algorithms in priority order: slot 0 is the primary, slots 1 to 3 the
/// secondaries (`None` when not configured).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AlgoTable {
    /// The slots, indexed by [`AlgoId::index`].
    pub slots: [Option<AlgoSpec>; MAX_ALGOS],
}

impl AlgoTable {
    /// The default: lz4 on swap-out, zstd for cold pages.
    ///
    /// lz4hc is not configured by default: on real anonymous memory it stores more than zstd
    /// (880 against 660 per 1000 of lz4) at 4 to 9 times lz4's CPU, more than zstd takes, so on
    /// cold pages it loses on both counts. Its one advantage is lz4's decompression speed.
    pub const DEFAULT: Self = Self {
        slots: [
            Some(AlgoSpec::of(AlgoKind::Lz4)),
            Some(AlgoSpec::of(AlgoKind::Zstd)),
            None,
            None,
        ],
    };

    /// The algorithm in slot `algo`, if configured.
    pub fn get(&self, algo: AlgoId) -> Option<AlgoSpec> {
        self.slots.get(algo.index()).copied().flatten()
    }

    /// The slot configured with the algorithm named `name`, searching from slot `from` up.
    pub fn find(&self, name: &str, from: AlgoId) -> Option<AlgoId> {
        self.slots
            .iter()
            .enumerate()
            .skip(from.index())
            .find(|(_, spec)| spec.is_some_and(|spec| spec.kind.name() == name))
            .and_then(|(index, _)| AlgoId::from_index(index))
    }

    /// Whether the algorithm in slot `algo` is configured and decodes about as fast as lz4
    /// ([`AlgoKind::decodes_fast`]).
    pub fn decodes_fast(&self, algo: AlgoId) -> bool {
        self.get(algo).is_some_and(|spec| spec.kind.decodes_fast())
    }

    /// The configured secondaries (slots 1 and up).
    pub fn secondaries(&self) -> AlgoSet {
        (1..MAX_ALGOS)
            .filter_map(AlgoId::from_index)
            .filter(|&algo| self.get(algo).is_some())
            .fold(AlgoSet::EMPTY, AlgoSet::with)
    }
}

impl Default for AlgoTable {
    fn default() -> Self {
        Self::DEFAULT
    }
}
