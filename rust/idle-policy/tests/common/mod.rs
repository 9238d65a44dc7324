//! State tables, the trace format and a replay of traces through a model of the idle loop.

#![allow(dead_code)]

use idle_policy::policy::{
    deepest_fitting, Config, History, IdleState, Input, Reason, Selection, Wakeup,
};

pub const US: u64 = 1_000;
pub const MS: u64 = 1_000_000;
pub const NO_LIMIT: u64 = u64::MAX;

/// A phone-like arm64 CPU: WFI, core power-down, cluster off, system (SoC) off.
pub fn phone() -> Vec<IdleState> {
    vec![
        IdleState::new(US, US),
        IdleState::new(600 * US, 150 * US),
        IdleState::new(3 * MS, MS),
        IdleState::new(20 * MS, 3 * MS),
    ]
}

/// An x86-like CPU: a polling state 0, then C1, C1E, C6.
pub fn x86() -> Vec<IdleState> {
    vec![
        IdleState {
            polling: true,
            ..IdleState::new(0, 0)
        },
        IdleState::new(2 * US, 2 * US),
        IdleState::new(20 * US, 10 * US),
        IdleState::new(600 * US, 170 * US),
    ]
}

pub fn input(sleep_ns: u64) -> Input {
    Input {
        sleep_length_ns: sleep_ns,
        delta_tick_ns: 4 * MS,
        latency_limit_ns: NO_LIMIT,
        tick_stopped: false,
    }
}

/// One idle period of a trace: the time to the next timer at entry and when the CPU was woken
/// (`wake_ns == timer_ns`: by the timer).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub timer_ns: u64,
    pub wake_ns: u64,
}

/// Parses a trace file (see `traces/generate.py`): `timer_us wake_us` per line, `#` comments.
pub fn parse(text: &str) -> Vec<Period> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut f = l.split_whitespace().map(|v| v.parse::<u64>().unwrap() * US);
            let timer_ns = f.next().unwrap();
            let wake_ns = f.next().unwrap().min(timer_ns);
            Period { timer_ns, wake_ns }
        })
        .collect()
}

/// A policy the replay can drive.
pub trait Governor {
    fn select(&mut self, cfg: &Config, states: &[IdleState], input: &Input) -> Selection;
    fn reflect(&mut self, states: &[IdleState], wakeup: &Wakeup);
}

impl Governor for History {
    fn select(&mut self, cfg: &Config, states: &[IdleState], input: &Input) -> Selection {
        History::select(self, cfg, states, input)
    }

    fn reflect(&mut self, states: &[IdleState], wakeup: &Wakeup) {
        History::reflect(self, states, wakeup);
    }
}

/// The timers alone: the deepest state that fits the sleep length, the tick stopped when the
/// sleep length is at least a tick period. What the policy must beat on early wakeups.
pub struct TimerOnly;

impl Governor for TimerOnly {
    fn select(&mut self, cfg: &Config, states: &[IdleState], input: &Input) -> Selection {
        let state =
            deepest_fitting(states, input.sleep_length_ns, input.latency_limit_ns).unwrap_or(0);
        Selection {
            state,
            stop_tick: input.tick_stopped || input.sleep_length_ns >= cfg.tick_ns,
            expected_ns: input.sleep_length_ns,
            reason: Reason::Timer,
        }
    }

    fn reflect(&mut self, _: &[IdleState], _: &Wakeup) {}
}

/// What a replay counted, after the warm-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    /// Idle periods.
    pub periods: u64,
    /// Selections (a tick wakeup makes the idle loop select again).
    pub selects: u64,
    /// The state's target residency was longer than the time the CPU then stayed idle.
    pub too_deep: u64,
    /// A deeper usable state would have fit the time the CPU then stayed idle.
    pub too_shallow: u64,
    /// Idle time ended by the tick before the wakeup (the tick kept when the CPU could have
    /// slept longer: a shallow choice of its own).
    pub tick_wakeups: u64,
    /// Selections per state.
    pub per_state: [u64; 10],
    /// Time idle per state (ns).
    pub time_per_state: [u64; 10],
}

impl Stats {
    /// `count` per thousand selections.
    pub fn permille(&self, count: u64) -> u64 {
        count * 1000 / self.selects.max(1)
    }

    /// The state chosen most often.
    pub fn mode(&self) -> usize {
        (0..10).max_by_key(|&i| self.per_state[i]).unwrap()
    }
}

/// A model of one CPU's idle loop around a governor.
///
/// Each idle period starts with the tick running, at a time on a global clock (ticks are at
/// multiples of the tick period). The governor selects; if it keeps the tick and the tick
/// comes before the wakeup, the CPU wakes at the tick (`cut_short`) and selects again with
/// the time left, the tick still running. Once stopped, the tick stays stopped until the
/// period ends. The measured duration includes the state's exit latency, as the kernel's does.
pub struct Replay {
    pub cfg: Config,
    pub states: Vec<IdleState>,
    pub latency_limit_ns: u64,
    pub busy_ns: u64,
    pub now_ns: u64,
    pub selections: Vec<Selection>,
}

impl Replay {
    pub fn new(states: Vec<IdleState>) -> Self {
        Self {
            cfg: Config::DEFAULT,
            states,
            latency_limit_ns: NO_LIMIT,
            busy_ns: 300 * US,
            now_ns: 1_000 * MS + 1_234 * US,
            selections: Vec::new(),
        }
    }

    /// Replays `trace`, counting from period `warmup` on.
    pub fn run(&mut self, gov: &mut dyn Governor, trace: &[Period], warmup: usize) -> Stats {
        let mut stats = Stats::default();
        for (n, p) in trace.iter().enumerate() {
            let count = n >= warmup;
            self.period(gov, *p, count.then_some(&mut stats));
        }
        stats
    }

    fn period(&mut self, gov: &mut dyn Governor, p: Period, mut stats: Option<&mut Stats>) {
        let tick = self.cfg.tick_ns;
        let start = self.now_ns;
        let timer_at = start + p.timer_ns;
        let end = start + p.wake_ns;
        let mut t = start;
        let mut tick_stopped = false;
        if let Some(s) = stats.as_deref_mut() {
            s.periods += 1;
        }
        loop {
            let next_tick = (t / tick + 1) * tick;
            let input = Input {
                sleep_length_ns: timer_at - t,
                delta_tick_ns: next_tick - t,
                latency_limit_ns: self.latency_limit_ns,
                tick_stopped,
            };
            let sel = gov.select(&self.cfg, &self.states, &input);
            self.selections.push(sel);
            tick_stopped |= sel.stop_tick;
            let wake_at = if tick_stopped {
                end
            } else {
                end.min(next_tick)
            };
            let cut_short = wake_at < end;
            let idle = wake_at - t;
            let state = self.states[sel.state];
            if let Some(s) = stats.as_deref_mut() {
                s.selects += 1;
                s.per_state[sel.state] += 1;
                s.time_per_state[sel.state] += idle;
                if state.target_residency_ns > idle {
                    s.too_deep += 1;
                }
                let best = deepest_fitting(&self.states, idle, self.latency_limit_ns);
                if best
                    .is_some_and(|b| self.states[b].target_residency_ns > state.target_residency_ns)
                {
                    s.too_shallow += 1;
                }
                if cut_short {
                    s.tick_wakeups += 1;
                }
            }
            let wakeup = Wakeup {
                state: sel.state,
                measured_ns: idle + state.exit_latency_ns,
                cut_short,
            };
            gov.reflect(&self.states, &wakeup);
            t = wake_at;
            if !cut_short {
                break;
            }
        }
        self.now_ns = end + self.busy_ns;
    }
}

/// A seeded PRNG (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `lo..hi`.
    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.next() % (hi - lo)
    }
}
