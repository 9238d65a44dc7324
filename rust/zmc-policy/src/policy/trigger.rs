//! When a background recompression pass starts by itself.

/// What the kernel side measures, as plain numbers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct TriggerInputs {
    /// Now, in seconds of boot time.
    pub now_s: u64,
    /// When the last pass started, in seconds of boot time (0 if none has).
    pub last_run_s: u64,
    /// When the device last served a read or write, in seconds of boot time.
    pub last_io_s: u64,
    /// Memory pressure: PSI `some avg10` of memory, in per mille (2.5% is 25).
    pub psi_some_permille: u32,
    /// Free pages in the system.
    pub free_pages: u64,
    /// The watermark below which free memory counts as pressure (0: not used).
    pub low_watermark_pages: u64,
    /// Pages holding compressed data in the device (not same-filled).
    pub stored_pages: u64,
}

/// The thresholds of the triggers; 0 disables a trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TriggerConfig {
    /// Start when memory pressure (PSI some avg10) reaches this, in per mille.
    pub psi_permille: u32,
    /// Start when the device has had no I/O for this many seconds, once after each burst of
    /// I/O.
    pub idle_s: u64,
    /// Start when this many seconds passed since the last pass.
    pub period_s: u64,
    /// Never start sooner than this many seconds after the last pass.
    pub min_interval_s: u64,
}

impl TriggerConfig {
    /// The defaults: pressure at 10% of time stalled on memory, 2 minutes of device idleness,
    /// every 30 minutes otherwise, and at least one minute between passes.
    pub const DEFAULT: Self = Self {
        psi_permille: 100,
        idle_s: 120,
        period_s: 1800,
        min_interval_s: 60,
    };
}

impl Default for TriggerConfig {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Why a pass starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TriggerReason {
    /// Memory pressure: PSI or free pages below the watermark (recompression frees memory).
    Pressure,
    /// The device has been idle long enough since its last I/O.
    Idle,
    /// The period elapsed.
    Period,
}

/// Whether a background pass should start now, and why. The rules, in order:
///
/// 1. never when the device stores no compressed page, nor within `min_interval_s` of the last
///    pass (a pass that has started is not restarted by these rules);
/// 2. [`TriggerReason::Pressure`] when `psi_some_permille` reaches `psi_permille`, or free
///    pages are below a nonzero watermark;
/// 3. [`TriggerReason::Idle`] when there was I/O since the last pass and none for `idle_s`
///    seconds (so an idle device is not walked again and again);
/// 4. [`TriggerReason::Period`] when `period_s` passed since the last pass (pages also turn
///    cold by age alone).
pub fn should_start(inputs: &TriggerInputs, cfg: &TriggerConfig) -> Option<TriggerReason> {
    let since_run = inputs.now_s.saturating_sub(inputs.last_run_s);
    let ran_before = inputs.last_run_s != 0;
    if inputs.stored_pages == 0 || (ran_before && since_run < cfg.min_interval_s) {
        return None;
    }
    let psi = cfg.psi_permille != 0 && inputs.psi_some_permille >= cfg.psi_permille;
    let low_free =
        inputs.low_watermark_pages != 0 && inputs.free_pages < inputs.low_watermark_pages;
    if psi || low_free {
        return Some(TriggerReason::Pressure);
    }
    let io_since_run = !ran_before || inputs.last_io_s > inputs.last_run_s;
    let idle_for = inputs.now_s.saturating_sub(inputs.last_io_s);
    if cfg.idle_s != 0 && io_since_run && idle_for >= cfg.idle_s {
        return Some(TriggerReason::Idle);
    }
    if cfg.period_s != 0 && since_run >= cfg.period_s {
        return Some(TriggerReason::Period);
    }
    None
}
