//! A model of the module around the policy: the hot path on issue and completion, and a work
//! item that runs `work_latency_ns` after a kick or when the policy asked.

#![allow(dead_code)]

use pmqos_policy::policy::{Action, Config, Decision, Hot, Op, Policy};

/// One floor write as applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Write {
    pub at_ns: u64,
    pub action: Action,
    pub depth: u32,
}

pub struct Sim {
    pub cfg: Config,
    pub hot: Hot,
    pub policy: Policy,
    pub work_latency_ns: u64,
    /// When the work item runs next.
    pub work_at: Option<u64>,
    /// The floor as applied to the PM-QoS request.
    pub floor: Option<u64>,
    pub writes: Vec<Write>,
    pub steps: Vec<(u64, u32, Decision)>,
    pub qualifying_at: Vec<u64>,
    pub now_ns: u64,
    /// As the module: qualifying requests do not kick the work while this is set.
    pub armed: bool,
}

impl Sim {
    pub fn new(cfg: Config, target_hz: u64, work_latency_ns: u64) -> Self {
        Self {
            cfg,
            hot: Hot::default(),
            policy: Policy::new(cfg, target_hz),
            work_latency_ns,
            work_at: None,
            floor: None,
            writes: Vec::new(),
            steps: Vec::new(),
            qualifying_at: Vec::new(),
            now_ns: 0,
            armed: false,
        }
    }

    /// Runs the work items due up to `t`.
    pub fn run_until(&mut self, t: u64) {
        while let Some(at) = self.work_at.filter(|&at| at <= t) {
            self.work_at = None;
            self.now_ns = self.now_ns.max(at);
            let depth = self.hot.depth;
            let decision =
                self.policy
                    .step_beat(at, self.hot.last_qualifying_ns, depth, self.hot.beat());
            self.steps.push((at, depth, decision));
            match decision.action {
                Action::None => {}
                Action::SetFloor(hz) => self.floor = Some(hz),
                Action::DropFloor => self.floor = None,
            }
            if decision.action != Action::None {
                self.writes.push(Write {
                    at_ns: at,
                    action: decision.action,
                    depth,
                });
            }
            self.work_at = decision.next_ns;
            self.armed = decision.next_ns.is_some() && self.policy.may_skip_requests();
        }
        self.now_ns = self.now_ns.max(t);
    }

    fn kick(&mut self, t: u64) {
        let at = t.saturating_add(self.work_latency_ns);
        self.work_at = Some(self.work_at.map_or(at, |pending| pending.min(at)));
    }

    pub fn issue(&mut self, t: u64, op: Op) {
        self.run_until(t);
        let depth = self.hot.depth.saturating_add(1);
        if self.hot.issue(&self.cfg, op, depth, t) {
            self.qualifying_at.push(t);
            if !self.armed {
                self.kick(t);
            }
        }
    }

    pub fn complete(&mut self, t: u64) {
        self.run_until(t);
        let depth = self.hot.depth.saturating_sub(1);
        self.hot.complete(depth);
    }

    /// A configuration write at `t`: the module kicks the work item.
    pub fn reconfigure(&mut self, t: u64, cfg: Config, target_hz: u64) {
        self.run_until(t);
        self.cfg = cfg;
        self.policy.reconfigure(cfg, target_hz);
        self.kick(t);
    }

    /// Runs the work until it stops asking (a bounded number of times).
    pub fn finish(&mut self) {
        for _ in 0..10_000 {
            match self.work_at {
                Some(at) => self.run_until(at),
                None => return,
            }
        }
        panic!("the work item never stops");
    }

    pub fn boosts(&self) -> usize {
        self.writes
            .iter()
            .enumerate()
            .filter(|(i, w)| {
                matches!(w.action, Action::SetFloor(_))
                    && (*i == 0 || self.writes[i - 1].action == Action::DropFloor)
            })
            .count()
    }

    /// The (raise, drop) intervals of the floor; an open one ends at `end_ns`.
    pub fn intervals(&self, end_ns: u64) -> Vec<(u64, u64)> {
        let mut out = Vec::new();
        let mut raised = None;
        for w in &self.writes {
            match w.action {
                Action::SetFloor(_) => {
                    raised.get_or_insert(w.at_ns);
                }
                Action::DropFloor => {
                    if let Some(r) = raised.take() {
                        out.push((r, w.at_ns));
                    }
                }
                Action::None => {}
            }
        }
        if let Some(r) = raised {
            out.push((r, end_ns));
        }
        out
    }
}

pub const US: u64 = 1_000;
pub const MS: u64 = 1_000_000;

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
