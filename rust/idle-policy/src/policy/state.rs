//! The idle states as the policy sees them, and the rules on which of them may be entered.

/// At most this many states are considered (`CPUIDLE_STATE_MAX`); further entries of a slice
/// are ignored, as if the driver had not declared them.
pub const MAX_STATES: usize = 10;

/// One idle state of the driver, with the per-CPU `disable` folded in.
///
/// The module fills it from `drv->states[i]` and `dev->states_usage[i]`: negative kernel
/// values (`s64`) are passed as 0.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct IdleState {
    /// `target_residency_ns`: the shortest idle time for which entering the state saves
    /// energy.
    pub target_residency_ns: u64,
    /// `exit_latency_ns`: the worst-case time from the wakeup event to running again.
    pub exit_latency_ns: u64,
    /// Disabled for this CPU (`states_usage[i].disable != 0`, by the user or the driver).
    pub disabled: bool,
    /// `CPUIDLE_FLAG_POLLING`: the CPU spins instead of sleeping (state 0 on some drivers).
    pub polling: bool,
}

impl IdleState {
    /// An enabled, non-polling state.
    pub const fn new(target_residency_ns: u64, exit_latency_ns: u64) -> Self {
        Self {
            target_residency_ns,
            exit_latency_ns,
            disabled: false,
            polling: false,
        }
    }

    /// Whether the state may be entered under the PM QoS latency limit `latency_limit_ns`:
    /// it is enabled and its exit latency is at most the limit.
    pub const fn usable(&self, latency_limit_ns: u64) -> bool {
        !self.disabled && self.exit_latency_ns <= latency_limit_ns
    }
}

/// The states the policy considers: at most [`MAX_STATES`] of `states`.
pub(super) fn considered(states: &[IdleState]) -> &[IdleState] {
    states.get(..MAX_STATES).unwrap_or(states)
}

/// The state at `index`, if it is among the considered ones.
pub(super) fn state_at(states: &[IdleState], index: usize) -> Option<&IdleState> {
    considered(states).get(index)
}

/// Whether the state at `index` exists and is usable under `latency_limit_ns`.
pub fn usable(states: &[IdleState], index: usize, latency_limit_ns: u64) -> bool {
    state_at(states, index).is_some_and(|s| s.usable(latency_limit_ns))
}

/// The fallback when no state is usable: the enabled state with the smallest exit latency
/// (the first of equal ones), which on a driver ordered from shallow to deep is the shallowest
/// enabled state; state 0 when every state is disabled (or there is none), as the kernel's
/// governors do.
pub fn fallback(states: &[IdleState]) -> usize {
    considered(states)
        .iter()
        .enumerate()
        .filter(|(_, s)| !s.disabled)
        .min_by_key(|&(i, s)| (s.exit_latency_ns, i))
        .map_or(0, |(i, _)| i)
}

/// The shallowest usable state (the first in the driver's order), or `None`.
pub fn shallowest_usable(states: &[IdleState], latency_limit_ns: u64) -> Option<usize> {
    considered(states)
        .iter()
        .position(|s| s.usable(latency_limit_ns))
}

/// The deepest usable state (the last in the driver's order) whose target residency is at most
/// `duration_ns`, or `None` when none fits.
///
/// This is the choice for an idle period known to last `duration_ns`; the audio BPF policy
/// makes it with the time to the next expected wake-up.
pub fn deepest_fitting(
    states: &[IdleState],
    duration_ns: u64,
    latency_limit_ns: u64,
) -> Option<usize> {
    deepest_fitting_below(states, MAX_STATES, duration_ns, latency_limit_ns)
}

/// [`deepest_fitting`] among the states with an index below `end`.
pub(super) fn deepest_fitting_below(
    states: &[IdleState],
    end: usize,
    duration_ns: u64,
    latency_limit_ns: u64,
) -> Option<usize> {
    considered(states)
        .iter()
        .enumerate()
        .take(end)
        .rev()
        .find(|(_, s)| s.usable(latency_limit_ns) && s.target_residency_ns <= duration_ns)
        .map(|(i, _)| i)
}

/// The bin that an idle duration falls into: the last state (in the driver's order) whose
/// target residency is at most `duration_ns`, among all considered states, disabled or not;
/// 0 when none is. Bin `i` spans from the residency of state `i` up to that of state `i + 1`.
pub(super) fn bin_of(states: &[IdleState], duration_ns: u64) -> usize {
    considered(states)
        .iter()
        .enumerate()
        .rev()
        .find(|(_, s)| s.target_residency_ns <= duration_ns)
        .map_or(0, |(i, _)| i)
}

/// The middle of bin `bin`: half-way between the residency of state `bin` and that of the next
/// state; for the last bin, its lower bound. The typical idle duration of a wakeup counted in
/// the bin.
pub(super) fn middle_of_bin(states: &[IdleState], bin: usize) -> u64 {
    let low = state_at(states, bin).map_or(0, |s| s.target_residency_ns);
    match state_at(states, bin.saturating_add(1)) {
        Some(next) if next.target_residency_ns > low => {
            let span = next.target_residency_ns.saturating_sub(low);
            low.saturating_add(span / 2)
        }
        _ => low,
    }
}
