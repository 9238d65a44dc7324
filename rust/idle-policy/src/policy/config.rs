//! The governor's configuration: the tick period, fixed when the kernel is built.

/// Nanoseconds per microsecond.
pub const NSEC_PER_USEC: u64 = 1_000;
/// Nanoseconds per millisecond.
pub const NSEC_PER_MSEC: u64 = 1_000_000;
/// Nanoseconds per second.
pub const NSEC_PER_SEC: u64 = 1_000_000_000;

/// What the policy needs to know about the kernel it runs in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// The scheduler tick's period, `TICK_NSEC`. An idle period expected to be shorter than
    /// this keeps the tick running: stopping and restarting it costs more than it saves, and
    /// the running tick bounds the time spent in a state chosen on a wrong guess.
    pub tick_ns: u64,
}

impl Config {
    /// `HZ=250`, the Android GKI kernels' setting: a 4 ms tick.
    pub const DEFAULT: Self = Self::for_hz(250);

    /// The configuration for a kernel built with `hz` (`CONFIG_HZ`), with the kernel's
    /// rounding of `TICK_NSEC`: `(NSEC_PER_SEC + HZ / 2) / HZ`. `hz` 0 gives a 1 s tick.
    pub const fn for_hz(hz: u64) -> Self {
        let tick_ns = match NSEC_PER_SEC.saturating_add(hz / 2).checked_div(hz) {
            Some(ns) => ns,
            None => NSEC_PER_SEC,
        };
        Self { tick_ns }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}
