//! The per-CPU wakeup history: for each bin of idle durations, how often the CPU woke up on
//! time ("hits") and how often earlier than its next timer ("intercepts"), with decay.
//!
//! Bin `i` spans idle durations from the target residency of state `i` up to that of state
//! `i + 1` (bin 0 from 0, the last bin to infinity), as in the kernel's teo governor. After each
//! wakeup, [`History::reflect`] decays every bin by 1/8 and adds [`PULSE`] to one of them:
//! - a **hit** in the bin of the sleep length when the CPU slept until its timer (or longer);
//! - an **intercept** in the bin of the measured idle duration when a non-timer event (an
//!   interrupt, an IPI) woke it in a shallower bin than the sleep length's;
//! - when the tick (or the polling state's time limit) cut the idle period short, the event
//!   that would have ended it is unknown; the CPU would have stayed idle at least as long as
//!   it did. If that was shorter than the selection expected, nothing is learnt and nothing
//!   decays (the tick says nothing about the predicted early wakeup). Else the early wakeup it
//!   predicted did not come, and what the CPU reached is learnt: a hit in the sleep length's
//!   bin when the idle time reached that bin, else an intercept in the bin it reached when
//!   that is deeper than the expected duration's (nothing otherwise: no news). Only
//!   that much is known: a steady early wakeup just after the tick period (an audio DSP's every
//!   5 ms against a 4 ms tick) must not pass for a timer wakeup, or the next choice is the
//!   deepest state and its exit latency lands on the wakeup. A CPU whose early wakeups stopped
//!   still moves back to deep states: the bin it reached expects an idle period past the tick,
//!   so the tick is stopped, and the timer's wakeup is then seen as a hit.
//!
//! With the 1/8 decay the last ~8 wakeups weigh most: each bin stays below `8 * PULSE + 8`
//! (about 8200), so the sums over 10 bins fit `u32` with room to spare.

use super::state::{bin_of, state_at, IdleState, MAX_STATES};

/// What one wakeup adds to its bin.
pub const PULSE: u32 = 1024;

/// Each update keeps `x - (x >> DECAY_SHIFT)` of every metric: 7/8.
pub const DECAY_SHIFT: u32 = 3;

/// The two metrics of one bin.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Bin {
    /// Wakeups at the time the timers predicted, with the sleep length in this bin.
    pub hits: u32,
    /// Early wakeups whose idle duration fell in this bin.
    pub intercepts: u32,
}

impl Bin {
    fn decay(&mut self) {
        self.hits = self.hits.saturating_sub(self.hits >> DECAY_SHIFT);
        self.intercepts = self
            .intercepts
            .saturating_sub(self.intercepts >> DECAY_SHIFT);
    }
}

/// How the CPU's idle period ended, as the module reports it in `reflect`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Wakeup {
    /// The state entered (`reflect`'s `index`; it may differ from the one selected).
    pub state: usize,
    /// `dev->last_residency_ns`: from entering the state to running again, exit latency
    /// included (negative: 0).
    pub measured_ns: u64,
    /// The idle period was cut short by a safety net rather than by the event that would have
    /// ended it: the scheduler tick (`tick_nohz_idle_got_tick()`) or the polling state's time
    /// limit (`dev->poll_time_limit`). See the module documentation for what is learnt.
    pub cut_short: bool,
}

/// What [`History::reflect`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Reflected {
    /// Nothing learnt: there was no selection to compare with (reflect without select, or
    /// twice), or the tick cut the idle period short before the expected wakeup.
    Ignored,
    /// The CPU woke up on time; the bin of the sleep length.
    Hit(usize),
    /// The CPU woke up early; the bin of the idle duration.
    Intercept(usize),
}

/// What [`History::reflect`] compares the wakeup with.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub(super) struct Pending {
    /// The time to the next timer when the state was chosen.
    pub(super) sleep_ns: u64,
    /// The idle duration the choice expected (0: none).
    pub(super) expected_ns: u64,
}

/// The governor's state for one CPU: a plain value that the module keeps per CPU (104 bytes
/// on 64-bit targets) and passes to [`History::select`] and [`History::reflect`]. Its initial
/// value is [`History::new`] (equal to `Default`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct History {
    pub(super) bins: [Bin; MAX_STATES],
    /// The selection that [`History::reflect`] has not seen yet.
    pub(super) pending: Option<Pending>,
}

impl History {
    /// An empty history: every choice follows the timers until wakeups are seen.
    pub const fn new() -> Self {
        Self {
            bins: [Bin {
                hits: 0,
                intercepts: 0,
            }; MAX_STATES],
            pending: None,
        }
    }

    /// The metrics, one bin per state.
    pub const fn bins(&self) -> &[Bin; MAX_STATES] {
        &self.bins
    }

    /// Notes that a state is about to be entered with `sleep_length_ns` to the next timer, so
    /// that the next [`History::reflect`] can tell hits from intercepts. [`History::select`]
    /// does it; the module calls it itself when a BPF program selected, so that the history
    /// stays current for when the program detaches. With no expected duration, a wakeup by the
    /// tick counts as a hit.
    pub fn begin(&mut self, sleep_length_ns: u64) {
        self.pending = Some(Pending {
            sleep_ns: sleep_length_ns,
            expected_ns: 0,
        });
    }

    /// Learns from a wakeup after the last [`History::begin`] (or select).
    ///
    /// The measured duration includes the state's exit latency, which is seldom the worst
    /// case: half of it is taken off (half the duration when it is shorter), as teo does.
    pub fn reflect(&mut self, states: &[IdleState], wakeup: &Wakeup) -> Reflected {
        let Some(Pending {
            sleep_ns,
            expected_ns,
        }) = self.pending.take()
        else {
            return Reflected::Ignored;
        };
        if wakeup.cut_short && wakeup.measured_ns < expected_ns.min(sleep_ns) {
            return Reflected::Ignored;
        }
        let timer_bin = bin_of(states, sleep_ns);
        // Cut short: idle at least this long, which may already reach the timer's bin.
        let early = wakeup.cut_short || wakeup.measured_ns < sleep_ns;
        let duration_bin = if early {
            let latency = state_at(states, wakeup.state).map_or(0, |s| s.exit_latency_ns);
            let idle_ns = if wakeup.measured_ns >= latency {
                wakeup.measured_ns.saturating_sub(latency / 2)
            } else {
                wakeup.measured_ns / 2
            };
            bin_of(states, idle_ns).min(timer_bin)
        } else {
            timer_bin
        };
        // A cut that reached no further than the expected bin tells nothing new.
        if wakeup.cut_short
            && duration_bin < timer_bin
            && duration_bin <= bin_of(states, expected_ns)
        {
            return Reflected::Ignored;
        }
        for bin in &mut self.bins {
            bin.decay();
        }
        if duration_bin == timer_bin {
            if let Some(bin) = self.bins.get_mut(timer_bin) {
                bin.hits = bin.hits.saturating_add(PULSE);
            }
            Reflected::Hit(timer_bin)
        } else {
            if let Some(bin) = self.bins.get_mut(duration_bin) {
                bin.intercepts = bin.intercepts.saturating_add(PULSE);
            }
            Reflected::Intercept(duration_bin)
        }
    }
}
