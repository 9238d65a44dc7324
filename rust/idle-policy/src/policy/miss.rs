//! The kernel's own judgement of an idle period against the state entered, as it counts it in
//! each state's `above` and `below` files, so that the module can count the same.

use super::state::{considered, IdleState};

/// An idle period the kernel counts as a miss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Miss {
    /// Shorter than the state's target residency, with an enabled shallower state: too deep.
    Above,
    /// Long enough, after the exit latency, for the next enabled deeper state: too shallow.
    Below,
}

/// The kernel's rule (`cpuidle_enter_state`) for a period of `measured_ns` in state
/// `entered`: disabled states are skipped, only the next enabled deeper state counts for
/// [`Miss::Below`], and a period within the exit latency is neither.
pub fn miss(states: &[IdleState], entered: usize, measured_ns: u64) -> Option<Miss> {
    let states = considered(states);
    let state = states.get(entered)?;
    if measured_ns < state.target_residency_ns {
        let shallower = states.iter().take(entered).any(|s| !s.disabled);
        return shallower.then_some(Miss::Above);
    }
    if measured_ns <= state.exit_latency_ns {
        return None;
    }
    let deeper = states
        .iter()
        .skip(entered.saturating_add(1))
        .find(|s| !s.disabled)?;
    let idle_ns = measured_ns.saturating_sub(state.exit_latency_ns);
    (idle_ns >= deeper.target_residency_ns).then_some(Miss::Below)
}
