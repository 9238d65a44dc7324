//! The choice of an idle state and of whether to stop the tick.

use super::config::Config;
use super::history::History;
use super::state::{
    considered, deepest_fitting, deepest_fitting_below, fallback, middle_of_bin, shallowest_usable,
    state_at, IdleState,
};

/// What the module passes to [`History::select`] besides the states.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Input {
    /// `tick_nohz_get_sleep_length(&delta_tick)`: the time to the next timer event (negative:
    /// 0). Unless something else wakes the CPU, it sleeps this long.
    pub sleep_length_ns: u64,
    /// Its `delta_tick`: the time to the next tick if the tick keeps running.
    pub delta_tick_ns: u64,
    /// `cpuidle_governor_latency_req(cpu)`: the PM QoS resume latency limit (negative: 0; no
    /// limit: `u64::MAX` or any large value).
    pub latency_limit_ns: u64,
    /// `tick_nohz_tick_stopped()`: the tick is already stopped (it stays stopped until the CPU
    /// leaves the idle loop, whatever the selection says).
    pub tick_stopped: bool,
}

/// Why a state was chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    /// The deepest usable state that fits the sleep length: no early wakeup expected.
    Timer,
    /// No usable state fits the sleep length: the shallowest usable one.
    NoFit,
    /// The history predicts a wakeup before the sleep length: a shallower state that fits the
    /// typical early idle duration.
    Intercepts,
    /// The tick keeps running and comes first: the deepest usable state that fits before it.
    Tick,
    /// No state is usable (all disabled, or all over the latency limit): the fallback.
    Fallback,
}

/// The outcome of [`History::select`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Selection {
    /// The state to enter.
    pub state: usize,
    /// Whether to stop the tick (`*stop_tick`): exactly when the tick is already stopped, or
    /// the state is not a polling one and `expected_ns` is at least the tick period; never
    /// with [`Reason::Tick`] (the state was capped because the tick stays).
    pub stop_tick: bool,
    /// The idle duration the choice expects: the sleep length, or with [`Reason::Intercepts`]
    /// the middle of the bin of the typical early wakeup. Never more than the sleep length.
    pub expected_ns: u64,
    /// Why.
    pub reason: Reason,
}

impl History {
    /// Chooses the state for the next idle period of this CPU (the governor's `select`, with
    /// its `stop_tick`), and notes the sleep length for the next [`History::reflect`].
    ///
    /// 1. **Usable** states are enabled and within the latency limit. None usable: the
    ///    [`fallback`](super::fallback) state ([`Reason::Fallback`]).
    /// 2. **Candidate:** the deepest usable state whose target residency is at most the sleep
    ///    length ([`Reason::Timer`]); none fits: the shallowest usable one ([`Reason::NoFit`]).
    /// 3. **Early wakeups** (when a state fits the sleep length): if the intercepts of the bins below the candidate outweigh every
    ///    hit and intercept of the candidate's bin and deeper ones, the CPU is likely to wake
    ///    before its timer. Walking down from the candidate, the first bin at which the
    ///    intercepts counted so far pass half of those below the candidate holds the median
    ///    early idle duration; the deepest usable state not deeper than that bin is chosen
    ///    ([`Reason::Intercepts`]), expecting the middle of the bin. With the tick already
    ///    stopped nothing would cut a wrong guess short, so only a bin whose middle is at least
    ///    a tick period counts (the shallowest such between the median and the candidate), else
    ///    the candidate stays.
    /// 4. **Tick:** stop it unless the state polls or the expected duration is shorter than
    ///    the tick period. If the tick keeps running and the state's residency is longer than
    ///    the time to the next tick, the deepest usable state that fits before the tick is
    ///    taken instead (the shallowest usable when none does) ([`Reason::Tick`]).
    ///
    /// The choice is never deeper than the candidate, and is usable unless nothing is.
    pub fn select(&mut self, cfg: &Config, states: &[IdleState], input: &Input) -> Selection {
        self.begin(input.sleep_length_ns);
        let limit = input.latency_limit_ns;
        let sleep_ns = input.sleep_length_ns;
        let Some(shallowest) = shallowest_usable(states, limit) else {
            let state = fallback(states);
            self.expect(sleep_ns);
            return Selection {
                state,
                stop_tick: stop_tick(cfg, states, state, sleep_ns, input.tick_stopped),
                expected_ns: sleep_ns,
                reason: Reason::Fallback,
            };
        };
        let (candidate, mut reason) = match deepest_fitting(states, sleep_ns, limit) {
            Some(i) => (i, Reason::Timer),
            None => (shallowest, Reason::NoFit),
        };
        let mut state = candidate;
        let mut expected_ns = sleep_ns;
        let early = match reason {
            Reason::Timer => self.early_bin(cfg, states, candidate, input.tick_stopped),
            _ => None,
        };
        if let Some(bin) = early {
            state = deepest_fitting_below(states, bin.saturating_add(1), u64::MAX, limit)
                .unwrap_or(shallowest);
            expected_ns = middle_of_bin(states, bin).min(sleep_ns);
            reason = Reason::Intercepts;
        }
        let stop = stop_tick(cfg, states, state, expected_ns, input.tick_stopped);
        if !stop && state != shallowest && residency(states, state) > input.delta_tick_ns {
            state = deepest_fitting_below(states, state, input.delta_tick_ns, limit)
                .unwrap_or(shallowest);
            reason = Reason::Tick;
        }
        self.expect(expected_ns);
        Selection {
            state,
            stop_tick: stop,
            expected_ns,
            reason,
        }
    }

    /// Notes the idle duration the selection expects, for [`History::reflect`].
    fn expect(&mut self, expected_ns: u64) {
        if let Some(pending) = &mut self.pending {
            pending.expected_ns = expected_ns;
        }
    }

    /// Step 3 of [`History::select`]: the bin of the typical early wakeup, if early wakeups
    /// outweigh the rest for `candidate`.
    fn early_bin(
        &self,
        cfg: &Config,
        states: &[IdleState],
        candidate: usize,
        tick_stopped: bool,
    ) -> Option<usize> {
        let count = considered(states).len();
        let bins = self.bins.iter().take(count);
        let below = bins
            .clone()
            .take(candidate)
            .fold(0u32, |sum, b| sum.saturating_add(b.intercepts));
        let rest = bins.skip(candidate).fold(0u32, |sum, b| {
            sum.saturating_add(b.hits).saturating_add(b.intercepts)
        });
        if below <= rest {
            return None;
        }
        let mut seen = 0u32;
        let median = self
            .bins
            .iter()
            .enumerate()
            .take(candidate)
            .rev()
            .find(|(_, b)| {
                seen = seen.saturating_add(b.intercepts);
                seen.saturating_mul(2) > below
            })
            .map(|(i, _)| i)?;
        if !tick_stopped {
            return Some(median);
        }
        (median..candidate).find(|&bin| middle_of_bin(states, bin) >= cfg.tick_ns)
    }
}

/// The tick rule of [`Selection::stop_tick`].
fn stop_tick(
    cfg: &Config,
    states: &[IdleState],
    state: usize,
    expected_ns: u64,
    tick_stopped: bool,
) -> bool {
    let polling = state_at(states, state).is_some_and(|s| s.polling);
    tick_stopped || (!polling && expected_ns >= cfg.tick_ns)
}

fn residency(states: &[IdleState], state: usize) -> u64 {
    state_at(states, state).map_or(0, |s| s.target_residency_ns)
}
