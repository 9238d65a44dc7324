//! A cheap compressibility estimate, so that clearly incompressible pages are stored raw
//! without paying for a compression.
//!
//! The estimate reads a sample of the page: [`SAMPLE_CHUNKS`] runs of [`CHUNK_LEN`] contiguous
//! bytes spread evenly over it (512 bytes of a 4 KiB page; the whole input when it is not
//! longer than that). It counts the sample's zero bytes and bytes above 0x7f, and from its byte
//! histogram the distinct byte values and the order-0 entropy (with a fixed-point table of
//! n * log2(n)).
//!
//! It must be conservative: storing raw a page that a stronger algorithm would shrink wastes
//! memory for as long as the page lives, while compressing an incompressible page only wastes
//! one compression. A page that lz4 cannot shrink below zram's huge size often compresses well
//! with zstd, so "huge for lz4" is not a verdict this estimate gives. It only calls
//! incompressible what looks like random, encrypted or already compressed data: a sample with
//! few zero bytes, about half of its bytes above 0x7f, nearly every byte value present and an
//! entropy close to that of random bytes.
//!
//! [`verdict`] is what the write path calls: it first counts zero bytes and bytes above 0x7f,
//! which is a fast scan, and builds the histogram only for the pages that pass (most pages of
//! real memory do not). [`estimate`] computes every signal, for diagnostics and tests; both
//! give the same verdict.

/// Runs of contiguous bytes sampled from the page.
pub const SAMPLE_CHUNKS: usize = 16;

/// Bytes in each sampled run.
pub const CHUNK_LEN: usize = 32;

/// The most bytes a sample holds.
const MAX_SAMPLE: usize = SAMPLE_CHUNKS * CHUNK_LEN;

/// The least entropy, in millibits per byte, of a sample called incompressible.
///
/// 512 uniformly random bytes show 7.59 bits per byte on average (a sample this short cannot
/// reach 8), with a standard deviation of 0.034 and a minimum of 7.45 in 20 000 draws; 7.40
/// keeps more than 99.99% of random pages incompressible. Text, code, pointers and tables stay
/// far below it (typically 3 to 6.5 bits).
pub const INCOMPRESSIBLE_MBITS: u32 = 7_400;

/// The most zero bytes a sample called incompressible may hold: random data shows 2 in 512
/// bytes on average, while zero padding or sparse structures that zstd exploits show more.
pub const INCOMPRESSIBLE_MAX_ZEROS: u32 = 16;

/// The least number of distinct byte values in a sample called incompressible: random data
/// shows 221 in 512 bytes on average (at least 202 in 20 000 draws).
pub const INCOMPRESSIBLE_MIN_DISTINCT: u32 = 180;

/// The range of bytes above 0x7f in a sample called incompressible: random data shows
/// 256 of 512 with a standard deviation of 11.3, so 192 to 320 is more than 5.6 deviations
/// wide on each side. ASCII text and most pointers fall outside it.
pub const INCOMPRESSIBLE_HIGH: core::ops::RangeInclusive<u32> = 192..=320;

/// What the estimate concludes about a page.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Verdict {
    /// Clearly incompressible: store the page raw without compressing it.
    Incompressible,
    /// May compress: hand it to a compressor.
    Compressible,
}

/// The signals read from a page's sample.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Estimate {
    /// Bytes sampled.
    pub sampled: u32,
    /// Zero bytes in the sample.
    pub zeros: u32,
    /// Bytes above 0x7f in the sample.
    pub high: u32,
    /// Distinct byte values in the sample (0 to 256).
    pub distinct: u32,
    /// Order-0 entropy of the sample, in millibits per byte (0 to 8000).
    pub entropy_mbits: u32,
}

impl Estimate {
    /// The verdict: incompressible only when every signal agrees, that is a full sample of
    /// [`SAMPLE_CHUNKS`] times [`CHUNK_LEN`] bytes, at most [`INCOMPRESSIBLE_MAX_ZEROS`] zero
    /// bytes, a count of bytes above 0x7f in [`INCOMPRESSIBLE_HIGH`], at least
    /// [`INCOMPRESSIBLE_MIN_DISTINCT`] byte values and an entropy of at least
    /// [`INCOMPRESSIBLE_MBITS`].
    pub fn verdict(&self) -> Verdict {
        if passes_scan(self.sampled, self.zeros, self.high)
            && self.distinct >= INCOMPRESSIBLE_MIN_DISTINCT
            && self.entropy_mbits >= INCOMPRESSIBLE_MBITS
        {
            Verdict::Incompressible
        } else {
            Verdict::Compressible
        }
    }
}

/// Whether the cheap signals allow the verdict incompressible.
fn passes_scan(sampled: u32, zeros: u32, high: u32) -> bool {
    let full = usize::try_from(sampled).is_ok_and(|sampled| sampled >= MAX_SAMPLE);
    full && zeros <= INCOMPRESSIBLE_MAX_ZEROS && INCOMPRESSIBLE_HIGH.contains(&high)
}

/// The sampled runs of `page`: [`SAMPLE_CHUNKS`] runs of [`CHUNK_LEN`] bytes evenly spread, or
/// the whole input when it is not longer than [`MAX_SAMPLE`] bytes.
fn sample(page: &[u8]) -> impl Iterator<Item = &[u8]> {
    let short = page.len() <= MAX_SAMPLE;
    let (stride, run_len) = if short {
        (page.len().max(1), usize::MAX)
    } else {
        // Longer than MAX_SAMPLE, so the stride is at least CHUNK_LEN.
        let stride = page.len().checked_div(SAMPLE_CHUNKS).unwrap_or(1).max(1);
        (stride, CHUNK_LEN)
    };
    page.chunks(stride)
        .take(SAMPLE_CHUNKS)
        .map(move |run| run.get(..run_len).unwrap_or(run))
}

/// Counts the sampled bytes, the zero bytes and the bytes above 0x7f.
fn scan(page: &[u8]) -> (u32, u32, u32) {
    let (mut sampled, mut zeros, mut high) = (0u32, 0u32, 0u32);
    for run in sample(page) {
        // Per-run sums vectorize; a run holds at most 512 bytes, so they do not overflow.
        let run_zeros: u32 = run.iter().map(|&byte| u32::from(byte == 0)).sum();
        let run_high: u32 = run.iter().map(|&byte| u32::from(byte >> 7)).sum();
        sampled = sampled.saturating_add(u32::try_from(run.len()).unwrap_or(u32::MAX));
        zeros = zeros.saturating_add(run_zeros);
        high = high.saturating_add(run_high);
    }
    (sampled, zeros, high)
}

/// Samples `page` and returns all its signals (see the module docs). Any length is accepted.
pub fn estimate(page: &[u8]) -> Estimate {
    let mut histogram = [0u16; 256];
    let mut sampled = 0u32;
    for run in sample(page) {
        for &byte in run {
            if let Some(slot) = histogram.get_mut(usize::from(byte)) {
                *slot = slot.saturating_add(1);
            }
        }
        sampled = sampled.saturating_add(u32::try_from(run.len()).unwrap_or(u32::MAX));
    }
    let count = |counts: &[u16]| counts.iter().map(|&n| u32::from(n)).sum::<u32>();
    Estimate {
        sampled,
        zeros: histogram.first().map_or(0, |&n| u32::from(n)),
        high: histogram.get(0x80..).map_or(0, count),
        distinct: histogram.iter().map(|&n| u32::from(n != 0)).sum(),
        entropy_mbits: entropy_mbits(&histogram, sampled),
    }
}

/// The verdict on `page`, as `estimate(page).verdict()` but cheaper: the histogram is built
/// only when the fast scan of zero bytes and bytes above 0x7f allows incompressible.
pub fn verdict(page: &[u8]) -> Verdict {
    let (sampled, zeros, high) = scan(page);
    if passes_scan(sampled, zeros, high) {
        estimate(page).verdict()
    } else {
        Verdict::Compressible
    }
}

/// Order-0 entropy of a histogram of `total` bytes, in millibits per byte.
///
/// N * H = N * log2(N) - sum(c * log2(c)), both terms read from [`NLOG2N_Q16`]. Totals above
/// [`MAX_SAMPLE`] are outside the table and give 0.
fn entropy_mbits(histogram: &[u16; 256], total: u32) -> u32 {
    let nlog2n = |n: usize| NLOG2N_Q16.get(n).copied().map_or(0, u64::from);
    let Some(total_term) = usize::try_from(total)
        .ok()
        .and_then(|total| NLOG2N_Q16.get(total))
    else {
        return 0;
    };
    // At most 256 terms below 2^29 each: no overflow.
    let sum: u64 = histogram.iter().map(|&n| nlog2n(usize::from(n))).sum();
    let bits_q16 = u64::from(*total_term).saturating_sub(sum);
    let scale = u64::from(total).saturating_mul(1 << 16);
    bits_q16
        .saturating_mul(1000)
        .checked_div(scale)
        .and_then(|mbits| u32::try_from(mbits).ok())
        .unwrap_or(0)
}

/// `NLOG2N_Q16[n]` is n * log2(n) with 16 fractional bits, for n in 0..=512 (below 2^29).
/// Built at compile time with integers only.
const NLOG2N_Q16: [u32; MAX_SAMPLE + 1] = nlog2n_table();

/// Builds [`NLOG2N_Q16`].
///
/// For n with integer part k = floor(log2(n)), y = n / 2^k is in [1, 2); squaring y gives the
/// fraction bits of log2(n) one at a time, most significant first (a bit is 1 when the square
/// reaches 2, which is then halved); the result, rounded down, is multiplied by n. Indexing
/// and arithmetic are safe here: the loop bound is the array length, the values are bounded as
/// commented, and the function only runs in the compiler, where any overflow or out-of-range
/// index fails the build.
#[allow(
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    clippy::as_conversions
)]
const fn nlog2n_table() -> [u32; MAX_SAMPLE + 1] {
    const ONE: u64 = 1 << 30;
    let mut table = [0u32; MAX_SAMPLE + 1];
    let mut n = 1;
    while n < table.len() {
        let value = n as u64;
        let int_part = 63 - value.leading_zeros() as u64;
        // y = n / 2^k with 30 fractional bits, in [1, 2): its square stays below 2^62.
        let mut y = (value << 30) >> int_part;
        let mut fraction = 0u64;
        let mut bit = 1u64 << 15;
        while bit != 0 {
            y = (y * y) >> 30;
            if y >= 2 * ONE {
                y >>= 1;
                fraction |= bit;
            }
            bit >>= 1;
        }
        // log2(n) < 10 in Q16 is below 2^20, and n <= 512: the product is below 2^29.
        table[n] = (value * ((int_part << 16) | fraction)) as u32;
        n += 1;
    }
    table
}
