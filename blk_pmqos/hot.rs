// SPDX-License-Identifier: GPL-2.0

//! The per-request state: the policy crate's [`Hot`](crate::policy::Hot) as atomics, so that
//! issue and completion, which run in any context and on every CPU, take no lock.
//!
//! The ordering that loses no request (see the crate's README): the issue path stores the
//! qualifying time, issues a full barrier, then reads `armed`; the work item clears `armed`,
//! issues a full barrier, then reads the time. Either the work sees the request, or the issue
//! path sees `armed` clear and kicks the work.

use core::sync::atomic::Ordering::{Relaxed, SeqCst};
use core::sync::atomic::{fence, AtomicBool, AtomicU32, AtomicU64};

use crate::policy::{qualifies, Beat, Config, Op, Rhythm, MIN_GAP_NS};

pub(crate) struct Hot {
    /// Requests in flight.
    depth: AtomicU32,
    /// When the last qualifying request was issued; 0: none.
    last_qualifying_ns: AtomicU64,
    requests: AtomicU64,
    qualifying: AtomicU64,
    /// The work will run by itself (it armed its timer for a floor's expiry or a rate limit).
    armed: AtomicBool,
    /// The configuration's `low_depth`, 0 while disabled: what the issue path needs of it.
    low_depth: AtomicU32,
    /// When the last event of qualifying requests began; 0: none.
    event_ns: AtomicU64,
    /// The gaps between events, packed ([`Rhythm::pack`]).
    rhythm: AtomicU64,
}

impl Hot {
    pub(crate) fn new(cfg: &Config) -> Self {
        let hot = Self {
            depth: AtomicU32::new(0),
            last_qualifying_ns: AtomicU64::new(0),
            requests: AtomicU64::new(0),
            qualifying: AtomicU64::new(0),
            armed: AtomicBool::new(false),
            low_depth: AtomicU32::new(0),
            event_ns: AtomicU64::new(0),
            rhythm: AtomicU64::new(Rhythm::NONE.pack()),
        };
        hot.configure(cfg);
        hot
    }

    /// Takes the parts of a new configuration that the issue path reads.
    pub(crate) fn configure(&self, cfg: &Config) {
        let low = if cfg.enabled { cfg.low_depth } else { 0 };
        self.low_depth.store(low, Relaxed);
    }

    /// A request was issued at `now_ns` (counted in the depth). Returns whether the work
    /// must be kicked.
    pub(crate) fn issue(&self, op: Op, now_ns: u64) -> bool {
        let depth = self.depth.fetch_add(1, Relaxed).saturating_add(1);
        self.seen(op, depth, now_ns)
    }

    /// A request ended (or went back to the queue). The depth never goes below 0: requests
    /// issued before the probes were attached end without having been counted.
    pub(crate) fn complete(&self) {
        let _ = self
            .depth
            .fetch_update(Relaxed, Relaxed, |depth| depth.checked_sub(1));
    }

    /// The depth a sample found.
    pub(crate) fn set_depth(&self, depth: u32) {
        self.depth.store(depth, Relaxed);
    }

    /// A request was seen at `depth` (itself included) at `now_ns`. Returns whether the work
    /// must be kicked.
    pub(crate) fn seen(&self, op: Op, depth: u32, now_ns: u64) -> bool {
        self.requests.fetch_add(1, Relaxed);
        let low = self.low_depth.load(Relaxed);
        if low == 0 || !qualifies(op, depth, low) {
            return false;
        }
        self.qualifying.fetch_add(1, Relaxed);
        let now_ns = now_ns.max(1);
        self.last_qualifying_ns.store(now_ns, Relaxed);
        self.beat(now_ns);
        fence(SeqCst);
        !self.armed.load(Relaxed)
    }

    /// A qualifying request at `now_ns` starts a new event if it comes [`MIN_GAP_NS`] or more
    /// after the last one began; the gap then beats the rhythm. Of two CPUs starting one at
    /// the same time, one wins the exchange and the other's request joins its event; a
    /// rhythm update lost to a race costs one gap, which the smoothing absorbs.
    fn beat(&self, now_ns: u64) {
        let event = self.event_ns.load(Relaxed);
        let gap = now_ns.saturating_sub(event);
        if event != 0 && gap < MIN_GAP_NS {
            return;
        }
        if self
            .event_ns
            .compare_exchange(event, now_ns, Relaxed, Relaxed)
            .is_err()
            || event == 0
        {
            return;
        }
        let rhythm = Rhythm::unpack(self.rhythm.load(Relaxed)).gap(gap);
        self.rhythm.store(rhythm.pack(), Relaxed);
    }

    /// For the work item, before a step: clears `armed`, then reads the last qualifying time,
    /// the depth, and the last event of a steady rhythm.
    pub(crate) fn begin_step(&self) -> (Option<u64>, u32, Option<Beat>) {
        self.armed.store(false, Relaxed);
        fence(SeqCst);
        let last = self.last_qualifying_ns.load(Relaxed);
        let event = self.event_ns.load(Relaxed);
        let beat = if event == 0 {
            None
        } else {
            Rhythm::unpack(self.rhythm.load(Relaxed)).beat(event)
        };
        (
            if last == 0 { None } else { Some(last) },
            self.depth.load(Relaxed),
            beat,
        )
    }

    /// The work armed its timer to drop a floor: qualifying requests need not kick it
    /// meanwhile. Not while the floor is down (a request off a rhythm gets its floor at once)
    /// nor while it is up for a rhythm's window (its request ends the window).
    pub(crate) fn set_armed(&self) {
        self.armed.store(true, Relaxed);
    }

    /// The rhythm of qualifying requests as it stands.
    pub(crate) fn rhythm(&self) -> Rhythm {
        Rhythm::unpack(self.rhythm.load(Relaxed))
    }

    pub(crate) fn depth(&self) -> u32 {
        self.depth.load(Relaxed)
    }

    /// Requests seen and those that qualified.
    pub(crate) fn counts(&self) -> (u64, u64) {
        (self.requests.load(Relaxed), self.qualifying.load(Relaxed))
    }
}
