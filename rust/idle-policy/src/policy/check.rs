//! Checks on a choice made by a BPF program, and small helpers for the kfuncs.
//!
//! The module never enters a state because a program said so: it passes the program's
//! `select` result through [`check_choice`] and its `set_stop_tick` answer through
//! [`check_stop_tick`], and counts the clamps.

use super::state::{considered, deepest_fitting_below, fallback, shallowest_usable, IdleState};

/// A program's choice after [`check_choice`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Checked {
    /// The state to enter.
    pub state: usize,
    /// Whether it differs from the request (the module counts it).
    pub clamped: bool,
}

/// Turns the state index a BPF program returned from `select` into one that may be entered.
///
/// - An index of a usable state (it exists, is enabled for this CPU and its exit latency is
///   within `latency_limit_ns`) is kept.
/// - Otherwise (negative, past the last state, disabled, or over the latency limit) it is
///   clamped **down**: the deepest usable state shallower than the request (for an index past
///   the last state, the deepest usable state). A wrong or hostile answer so costs energy,
///   never latency, and a program that asks for a state just disabled by the user gets the
///   next shallower one.
/// - When no usable state is shallower than the request (or it is negative): the shallowest
///   usable state; when no state is usable at all: the [`fallback`](super::fallback), as the
///   built-in policy does.
pub fn check_choice(states: &[IdleState], requested: i64, latency_limit_ns: u64) -> Checked {
    let count = considered(states).len();
    let index = usize::try_from(requested).ok();
    if let Some(i) = index.filter(|&i| i < count) {
        if super::state::usable(states, i, latency_limit_ns) {
            return Checked {
                state: i,
                clamped: false,
            };
        }
    }
    let below = index.and_then(|i| deepest_fitting_below(states, i, u64::MAX, latency_limit_ns));
    let state = below
        .or_else(|| shallowest_usable(states, latency_limit_ns))
        .unwrap_or_else(|| fallback(states));
    Checked {
        state,
        clamped: index != Some(state),
    }
}

/// Turns a program's `set_stop_tick` answer for `state` into the value passed back to the
/// cpuidle core: the answer, except that a polling state never stops the tick (it spins with
/// interrupts enabled and ends by a time limit, as menu and teo assume). Stopping the tick
/// before a sleeping state is always safe, timers still fire: a wrong answer costs energy.
pub fn check_stop_tick(states: &[IdleState], state: usize, stop_tick: bool) -> bool {
    stop_tick && !considered(states).get(state).is_some_and(|s| s.polling)
}

/// A kernel time or latency (`s64`, `ktime_t`) as the policy takes it: negative is 0.
pub fn ns_from_kernel(ns: i64) -> u64 {
    u64::try_from(ns).unwrap_or(0)
}
