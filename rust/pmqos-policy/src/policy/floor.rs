//! The floor's state machine, and the per-request state it reads.
//!
//! The work is split in two so that the per-request path stays lock-free:
//! - **hot** ([`Hot`]): on every issue, [`qualifies`](super::qualifies) and, if so, a store of
//!   the issue time; in the module, a few atomics and per-CPU counters;
//! - **cold** ([`Policy`]): [`Policy::step`], run from a work item (one at a time), reads the
//!   last qualifying time and the depth and decides what to write to the PM-QoS request and
//!   when to run again.

use super::config::Config;
use super::op::Op;
use super::rhythm::{Beat, Rhythm, MIN_GAP_NS};

/// The per-request state. In the module each field is an atomic (the counters per CPU); this
/// struct is their reference model, used by the tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Hot {
    /// When the last qualifying request was issued (in the module, an `AtomicU64` with 0 for
    /// none; a plain store is enough, the order of nearly equal times does not matter).
    pub last_qualifying_ns: Option<u64>,
    /// Requests in flight.
    pub depth: u32,
    /// Requests issued.
    pub requests: u64,
    /// Requests issued that qualified.
    pub qualifying: u64,
    /// When the last event (a qualifying request [`MIN_GAP_NS`] or more after the one
    /// before) began.
    pub event_ns: Option<u64>,
    /// The gaps between events.
    pub rhythm: Rhythm,
}

impl Hot {
    /// A request was issued at `now_ns` with `depth` in flight, itself included. Returns
    /// whether it qualifies; the caller then makes sure that [`Policy::step`] runs soon.
    pub fn issue(&mut self, cfg: &Config, op: Op, depth: u32, now_ns: u64) -> bool {
        self.depth = depth;
        self.requests = self.requests.saturating_add(1);
        let qualifies = cfg.qualifies(op, depth);
        if qualifies {
            self.qualifying = self.qualifying.saturating_add(1);
            self.last_qualifying_ns = Some(now_ns);
            match self.event_ns {
                None => self.event_ns = Some(now_ns),
                Some(event) if now_ns.saturating_sub(event) >= MIN_GAP_NS => {
                    self.rhythm = self.rhythm.gap(now_ns.saturating_sub(event));
                    self.event_ns = Some(now_ns);
                }
                Some(_) => {}
            }
        }
        qualifies
    }

    /// The last event, if the rhythm is steady.
    pub fn beat(&self) -> Option<Beat> {
        self.event_ns.and_then(|event| self.rhythm.beat(event))
    }

    /// A request completed, leaving `depth` in flight.
    pub fn complete(&mut self, depth: u32) {
        self.depth = depth;
    }
}

/// What to do with the PM-QoS request.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// Leave it as it is.
    None,
    /// Set the floor to this many Hz (convert with [`qos_khz`](super::qos_khz)).
    SetFloor(u64),
    /// Remove the floor (the request's default value, no constraint).
    DropFloor,
}

/// The outcome of a [`Policy::step`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Decision {
    /// What to write now.
    pub action: Action,
    /// When to run [`Policy::step`] again (always after `now`), even if nothing is issued:
    /// the floor's expiry, or the end of the rate limit when a write is held back. `None`:
    /// only when a request qualifies.
    pub next_ns: Option<u64>,
}

/// The counters the module shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Counters {
    /// Requests issued.
    pub requests: u64,
    /// Requests that qualified.
    pub qualifying: u64,
    /// Floors raised where there was none.
    pub boosts: u64,
    /// Floor writes: raises, changes and drops.
    pub updates: u64,
    /// Time with a floor, in nanoseconds, the current floor included.
    pub boosted_ns: u64,
    /// The current floor in Hz (0: none).
    pub floor_hz: u64,
}

/// The floor's state machine for one device.
///
/// Its rules, applied by [`Policy::step`]:
/// 1. a floor is wanted while enabled and less than `hold_time` has passed since the last
///    qualifying request;
/// 2. a wanted floor is raised (or changed to a new target) only while the depth is below
///    `high_depth`. A qualifying request whose floor is refused that way never raises it
///    later: the queue filled up, the governor takes over;
/// 3. a floor that is up when the depth turns high stays until its hold time ends, and is not
///    changed meanwhile. Dropping it early would hand the device back to the governor's last
///    target, computed over the quiet window before the load: the clock would fall just as
///    the load arrives, for up to a polling interval. Held, it costs nothing, since under load
///    the governor's own choice is at least as high;
/// 4. a write (raise, change or drop) comes at least `rate_limit` after the previous one. A
///    write held back is not lost: [`Decision::next_ns`] says when to run again.
///
/// So a floor is dropped at most `hold_time + rate_limit` after the last qualifying request,
/// provided the caller runs [`Policy::step`] when [`Decision::next_ns`] says. Time is a
/// monotonic clock in nanoseconds; a `now` earlier than one seen before counts as that one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Policy {
    cfg: Config,
    target_hz: u64,
    clock_ns: u64,
    floor_hz: Option<u64>,
    raised_ns: u64,
    last_write_ns: Option<u64>,
    refused_ns: Option<u64>,
    next_ns: Option<u64>,
    /// The floor is up for a rhythm's window, waiting for its request.
    awaiting: bool,
    boosts: u64,
    updates: u64,
    boosted_ns: u64,
}

impl Policy {
    /// A device with no floor, configured with `cfg`, raising floors to `target_hz` (from
    /// [`floor_hz`](super::floor_hz)).
    pub const fn new(cfg: Config, target_hz: u64) -> Self {
        Self {
            cfg,
            target_hz,
            clock_ns: 0,
            floor_hz: None,
            raised_ns: 0,
            last_write_ns: None,
            refused_ns: None,
            next_ns: None,
            awaiting: false,
            boosts: 0,
            updates: 0,
            boosted_ns: 0,
        }
    }

    /// Takes a new configuration or target; the caller then runs [`Policy::step`], which
    /// moves or drops a floor that is up.
    pub fn reconfigure(&mut self, cfg: Config, target_hz: u64) {
        self.cfg = cfg;
        self.target_hz = target_hz;
    }

    /// The configuration.
    pub const fn config(&self) -> &Config {
        &self.cfg
    }

    /// The frequency a floor is raised to.
    pub const fn target_hz(&self) -> u64 {
        self.target_hz
    }

    /// The floor that is up.
    pub const fn floor_hz(&self) -> Option<u64> {
        self.floor_hz
    }

    /// When the last [`Policy::step`] asked to run again.
    pub const fn next_ns(&self) -> Option<u64> {
        self.next_ns
    }

    /// Whether a qualifying request may go without running [`Policy::step`] until
    /// [`Policy::next_ns`]: only while a floor is up and not waiting in a rhythm's window for
    /// its request (that request ends the window early). While the floor is down every
    /// qualifying request must run the step at once.
    pub const fn may_skip_requests(&self) -> bool {
        self.floor_hz.is_some() && !self.awaiting
    }

    /// Decides at `now_ns`, given the hot state: the last qualifying request's issue time and
    /// the depth now. The caller applies the action before anything else touches the request.
    pub fn step(&mut self, now_ns: u64, last_qualifying_ns: Option<u64>, depth: u32) -> Decision {
        self.step_beat(now_ns, last_qualifying_ns, depth, None)
    }

    /// [`Policy::step`], with the last event of a steady rhythm of qualifying requests (from
    /// [`Hot::beat`]): within the hold, the floor is then wanted only around each request
    /// (see [`Policy::plan`]).
    pub fn step_beat(
        &mut self,
        now_ns: u64,
        last_qualifying_ns: Option<u64>,
        depth: u32,
        beat: Option<Beat>,
    ) -> Decision {
        let now = now_ns.max(self.clock_ns);
        self.clock_ns = now;
        let cfg = self.cfg;
        let (wanted, change, awaiting) = self.plan(now, last_qualifying_ns, beat);
        self.awaiting = awaiting;
        let desired = if !wanted {
            None
        } else if cfg.depth_high(depth) {
            if self.floor_hz.is_none() {
                self.refused_ns = last_qualifying_ns;
            }
            self.floor_hz
        } else if self.floor_hz.is_none() && last_qualifying_ns == self.refused_ns {
            None
        } else {
            Some(self.target_hz)
        };
        // While the floor is down, only a window ahead of a due request asks to run again.
        let next = match (self.floor_hz, desired) {
            (None, None) if wanted => None,
            _ => change,
        };
        if desired == self.floor_hz {
            return self.decide(Action::None, next);
        }
        let due = self
            .last_write_ns
            .map_or(0, |written| written.saturating_add(cfg.rate_limit_ns));
        if now < due {
            return self.decide(Action::None, Some(due));
        }
        let action = match desired {
            Some(hz) => {
                if self.floor_hz.is_none() {
                    self.boosts = self.boosts.saturating_add(1);
                    self.raised_ns = now;
                }
                Action::SetFloor(hz)
            }
            None => {
                self.account(now);
                Action::DropFloor
            }
        };
        self.floor_hz = desired;
        self.updates = self.updates.saturating_add(1);
        self.last_write_ns = Some(now);
        self.decide(action, change)
    }

    /// Whether a floor is wanted at `now`, when that changes (`None`: not before another
    /// qualifying request), and whether it is wanted for a rhythm's window, waiting for its
    /// request.
    ///
    /// Without a usable rhythm, from the last qualifying request `q` to `q + hold_time`. With
    /// one, within that hold only around its requests: from the last event to `lead` past
    /// the last request, and over the window of the next event (`lead` plus twice the jitter
    /// before its due time, and as long or a quarter period after it), where `lead` is that
    /// half window. A rhythm is used when
    /// `lead_time` is set, its window ends within the hold, and the floor would be down
    /// between windows for at least the rate limit (and any time at all).
    fn plan(
        &self,
        now: u64,
        last_qualifying_ns: Option<u64>,
        beat: Option<Beat>,
    ) -> (bool, Option<u64>, bool) {
        let cfg = self.cfg;
        // A request stamped after `now` (another CPU read the clock later) counts as now.
        let Some(last) = last_qualifying_ns.map(|issued| issued.min(now)) else {
            return (false, None, false);
        };
        let end = last.saturating_add(cfg.hold_ns);
        if !cfg.enabled || end <= now {
            return (false, None, false);
        }
        let held = (true, Some(end), false);
        let Some(beat) = beat.filter(|_| cfg.lead_ns > 0) else {
            return held;
        };
        let half = beat.half(cfg.lead_ns);
        let (start, stop) = beat.window(cfg.lead_ns);
        let event = beat.event_ns.min(last);
        let after = last.saturating_add(half);
        let gap = start.saturating_sub(after);
        if stop > event.saturating_add(cfg.hold_ns) || gap == 0 || gap < cfg.rate_limit_ns {
            return held;
        }
        if now < after {
            (true, Some(after), false)
        } else if now < start {
            (false, Some(start), false)
        } else if now < stop {
            (true, Some(stop), true)
        } else {
            (false, None, false)
        }
    }

    /// The device goes away (detach, removal, module unload) at `now_ns`: the caller removes
    /// the PM-QoS request itself. Returns whether a floor was up; its time is counted, the
    /// removal is not counted as an update.
    pub fn release(&mut self, now_ns: u64) -> bool {
        let now = now_ns.max(self.clock_ns);
        self.clock_ns = now;
        self.next_ns = None;
        let was_up = self.floor_hz.is_some();
        if was_up {
            self.account(now);
            self.floor_hz = None;
        }
        was_up
    }

    /// The counters at `now_ns`, with the hot path's `requests` and `qualifying` (summed over
    /// CPUs by the caller).
    pub fn counters(&self, now_ns: u64, requests: u64, qualifying: u64) -> Counters {
        let running = match self.floor_hz {
            Some(_) => now_ns.max(self.clock_ns).saturating_sub(self.raised_ns),
            None => 0,
        };
        Counters {
            requests,
            qualifying,
            boosts: self.boosts,
            updates: self.updates,
            boosted_ns: self.boosted_ns.saturating_add(running),
            floor_hz: self.floor_hz.unwrap_or(0),
        }
    }

    /// Adds the current floor's time up to `now` (the floor is up).
    fn account(&mut self, now: u64) {
        let held = now.saturating_sub(self.raised_ns);
        self.boosted_ns = self.boosted_ns.saturating_add(held);
    }

    /// Records and returns a decision.
    fn decide(&mut self, action: Action, next_ns: Option<u64>) -> Decision {
        self.next_ns = next_ns;
        Decision { action, next_ns }
    }
}
