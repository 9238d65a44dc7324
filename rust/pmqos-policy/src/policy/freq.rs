//! The floor's frequency: the configured boost frequency, made one the device can run at.
//!
//! Frequencies are in Hz, as devfreq shows them; only the PM-QoS request is in kHz.

/// The device's frequency range in Hz (devfreq's `scaling_min_freq` and `scaling_max_freq`).
/// A range given upside down is taken with its bounds swapped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct FreqRange {
    /// The lowest frequency.
    pub min_hz: u64,
    /// The highest frequency.
    pub max_hz: u64,
}

impl FreqRange {
    /// The range between `a` and `b`, in either order.
    pub const fn new(a: u64, b: u64) -> Self {
        if a <= b {
            Self {
                min_hz: a,
                max_hz: b,
            }
        } else {
            Self {
                min_hz: b,
                max_hz: a,
            }
        }
    }

    /// `hz` clamped into the range.
    pub fn clamp(self, hz: u64) -> u64 {
        let range = Self::new(self.min_hz, self.max_hz);
        hz.max(range.min_hz).min(range.max_hz)
    }
}

/// The floor for a configured `boost_hz` (0: the device's maximum): clamped into `range`,
/// then rounded up to the lowest of the device's `available` frequencies at or above it (any
/// order; empty: no rounding).
///
/// Rounding up matters because devfreq meets a minimum above the governor's target with the
/// greatest frequency at or below that minimum: a floor between two frequencies would give
/// the lower one.
pub fn floor_hz(boost_hz: u64, range: FreqRange, available: &[u64]) -> u64 {
    let wanted = if boost_hz == 0 {
        FreqRange::new(range.min_hz, range.max_hz).max_hz
    } else {
        range.clamp(boost_hz)
    };
    let at_or_above = available.iter().copied().filter(|&hz| hz >= wanted).min();
    match at_or_above {
        Some(hz) => range.clamp(hz),
        None => wanted,
    }
}

/// The value of a `DEV_PM_QOS_MIN_FREQUENCY` request for a floor of `hz`: kHz rounded up (so
/// devfreq's rounding down still lands on the floor's frequency), at most `i32::MAX`.
pub fn qos_khz(hz: u64) -> i32 {
    let khz = hz.div_ceil(1000);
    i32::try_from(khz).unwrap_or(i32::MAX)
}
