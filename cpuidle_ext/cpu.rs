// SPDX-License-Identifier: GPL-2.0

//! One CPU's governor state: the built-in policy's wakeup history, what the last selection saw
//! of the tick, and the CPU's counters. `select` takes a BPF program's answer through the
//! policy crate's checks, or lets the built-in policy choose; `reflect` learns from the
//! wakeup and counts the idle period.

use core::cell::UnsafeCell;

use crate::policy::{
    check_choice, check_stop_tick, miss, ns_from_kernel, Config, History, IdleState, Input, Wakeup,
};
use crate::stats::Stats;

/// What the tick and PM QoS say as select starts (kernel values: negative is possible).
pub(crate) struct Seen {
    /// `tick_nohz_get_sleep_length()`: the time to the next timer event.
    pub(crate) sleep_length_ns: i64,
    /// Its `delta_next`: the time to the next event of the tick's clock device.
    pub(crate) delta_tick_ns: i64,
    /// `cpuidle_governor_latency_req()`.
    pub(crate) latency_req_ns: i64,
}

/// A BPF program's answer to select.
pub(crate) struct Answer {
    /// What its `select` returned.
    pub(crate) state: i64,
    /// What its `set_stop_tick` returned, if it has one.
    pub(crate) stop_tick: Option<bool>,
}

/// What the last selection saw of the tick, for reflect.
#[derive(Clone, Copy, Default)]
struct TickSeen {
    sleep_ns: u64,
    delta_tick_ns: u64,
    /// The tick runs through the idle period: it was running and the selection kept it.
    running: bool,
}

struct Own {
    history: History,
    tick: TickSeen,
}

pub(crate) struct Cpu {
    /// Used only by the CPU itself in its idle path (select with interrupts off, reflect
    /// with preemption off), and by `enable` while the cpuidle core runs no governor callback
    /// for the CPU.
    own: UnsafeCell<Own>,
    pub(crate) stats: Stats,
}

impl Cpu {
    pub(crate) fn new() -> Self {
        Self {
            own: UnsafeCell::new(Own {
                history: History::new(),
                tick: TickSeen::default(),
            }),
            stats: Stats::new(),
        }
    }

    /// # Safety
    ///
    /// The caller is one of the users named on `own`, and holds no other reference to it.
    #[allow(clippy::mut_from_ref)]
    unsafe fn own(&self) -> &mut Own {
        // SAFETY: by the function's contract, nothing else reaches `own` meanwhile.
        unsafe { &mut *self.own.get() }
    }

    /// The governor starts on this CPU: the history starts empty (the counters go on).
    ///
    /// # Safety
    ///
    /// Called from the governor's `enable`, with no select or reflect running for this CPU.
    pub(crate) unsafe fn enable(&self) {
        // SAFETY: by the function's contract.
        let own = unsafe { self.own() };
        own.history = History::new();
        own.tick = TickSeen::default();
    }

    /// The state to enter and whether to stop the tick.
    ///
    /// # Safety
    ///
    /// Called on this CPU, from the governor's `select`.
    pub(crate) unsafe fn select(
        &self,
        cfg: &Config,
        states: &[IdleState],
        seen: &Seen,
        answer: Option<Answer>,
    ) -> (usize, bool) {
        // SAFETY: by the function's contract.
        let own = unsafe { self.own() };
        let sleep_ns = ns_from_kernel(seen.sleep_length_ns);
        let delta_tick_ns = ns_from_kernel(seen.delta_tick_ns);
        let latency_limit_ns = ns_from_kernel(seen.latency_req_ns);
        // tick_nohz_tick_stopped() is not exported; a running tick is at most a period away,
        // a stopped one leaves the clock device programmed for the next timer.
        let running = delta_tick_ns <= cfg.tick_ns;
        let (state, stop) = match answer {
            Some(answer) => {
                let checked = check_choice(states, answer.state, latency_limit_ns);
                // Without set_stop_tick: stop it only for a state worth a tick period.
                let want = answer.stop_tick.unwrap_or_else(|| {
                    states
                        .get(checked.state)
                        .is_some_and(|s| s.target_residency_ns >= cfg.tick_ns)
                });
                // Keeps the history current for when the program goes.
                own.history.begin(sleep_ns);
                self.stats.bpf(checked.state, checked.clamped);
                (checked.state, check_stop_tick(states, checked.state, want))
            }
            None => {
                let input = Input {
                    sleep_length_ns: sleep_ns,
                    delta_tick_ns,
                    latency_limit_ns,
                    tick_stopped: !running,
                };
                let sel = own.history.select(cfg, states, &input);
                self.stats.builtin(sel.state, sel.reason);
                (sel.state, sel.stop_tick)
            }
        };
        // A tick stopped now cannot end this idle period: a wakeup past its due time is then
        // the real event (an interrupt, an IPI), to be learnt, not a tick's cut.
        own.tick = TickSeen {
            sleep_ns,
            delta_tick_ns,
            running: running && !stop,
        };
        (state, stop)
    }

    /// The CPU woke after `measured_ns` in state `index`; `poll_limit`: a polling state ended
    /// by its time limit.
    ///
    /// # Safety
    ///
    /// Called on this CPU, from the governor's `reflect`.
    pub(crate) unsafe fn reflect(
        &self,
        states: &[IdleState],
        index: usize,
        measured_ns: u64,
        poll_limit: bool,
    ) {
        // SAFETY: by the function's contract.
        let own = unsafe { self.own() };
        let tick = own.tick;
        // tick_nohz_idle_got_tick() is not exported: the tick cut the period short when it
        // was running, was due before the next timer, and the CPU slept until it was due.
        let by_tick =
            tick.running && tick.delta_tick_ns < tick.sleep_ns && measured_ns >= tick.delta_tick_ns;
        let wakeup = Wakeup {
            state: index,
            measured_ns,
            cut_short: poll_limit || by_tick,
        };
        let learnt = own.history.reflect(states, &wakeup);
        self.stats.learnt(learnt);
        self.stats
            .entered(index, measured_ns, miss(states, index, measured_ns));
    }
}
