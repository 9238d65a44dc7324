// SPDX-License-Identifier: GPL-2.0

//! The counters: per CPU, written only by that CPU, summed when read through
//! `/sys/kernel/cpuidle_ext` (sysfs.c lists the files):
//!
//! - per state, shallow to deep, one number each: `selected` (chosen by select), and as the
//!   kernel counts them in its own `cpu*/cpuidle/state*/` files, `usage` (entered), `time`
//!   (microseconds), `above` and `below` (too deep, too shallow for the period);
//! - `builtin` and `bpf`: selections by the built-in policy and by a BPF program; `clamped`:
//!   a program's answers that were not a usable state;
//! - `reasons`: the built-in policy's selections per state, one line per reason (`timer`,
//!   `nofit`, `intercepts`, `tick`, `fallback`: the policy's `Reason`);
//! - `learnt`: what the history took from each wakeup, per bin (one bin per state): a line
//!   `hits` and a line `intercepts`, then `ignored` and the count of wakeups it did not learn
//!   from.

use core::fmt::Write;
use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kernel::prelude::*;

use crate::ffi;
use crate::policy::{Miss, Reason, Reflected, MAX_STATES};

/// A counter with a single writer, its CPU; others only read it.
pub(crate) struct Counter(AtomicU64);

impl Counter {
    fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    fn add(&self, n: u64) {
        self.0.store(self.0.load(Relaxed).wrapping_add(n), Relaxed);
    }

    fn get(&self) -> u64 {
        self.0.load(Relaxed)
    }
}

type PerState = [Counter; MAX_STATES];

fn per_state() -> PerState {
    core::array::from_fn(|_| Counter::new())
}

/// The built-in policy's reasons, in the order of the lines of `reasons`.
const REASONS: [(Reason, &str); 5] = [
    (Reason::Timer, "timer"),
    (Reason::NoFit, "nofit"),
    (Reason::Intercepts, "intercepts"),
    (Reason::Tick, "tick"),
    (Reason::Fallback, "fallback"),
];

pub(crate) struct Stats {
    selected: PerState,
    reasons: [PerState; REASONS.len()],
    hits: PerState,
    intercepts: PerState,
    ignored: Counter,
    usage: PerState,
    time_ns: PerState,
    above: PerState,
    below: PerState,
    builtin: Counter,
    bpf: Counter,
    clamped: Counter,
}

fn bump(counters: &PerState, state: usize, n: u64) {
    if let Some(c) = counters.get(state) {
        c.add(n);
    }
}

impl Stats {
    pub(crate) fn new() -> Self {
        Self {
            selected: per_state(),
            reasons: core::array::from_fn(|_| per_state()),
            hits: per_state(),
            intercepts: per_state(),
            ignored: Counter::new(),
            usage: per_state(),
            time_ns: per_state(),
            above: per_state(),
            below: per_state(),
            builtin: Counter::new(),
            bpf: Counter::new(),
            clamped: Counter::new(),
        }
    }

    pub(crate) fn builtin(&self, state: usize, reason: Reason) {
        self.builtin.add(1);
        bump(&self.selected, state, 1);
        let i = REASONS.iter().position(|(r, _)| *r == reason);
        if let Some(per) = i.and_then(|i| self.reasons.get(i)) {
            bump(per, state, 1);
        }
    }

    pub(crate) fn learnt(&self, what: Reflected) {
        match what {
            Reflected::Hit(bin) => bump(&self.hits, bin, 1),
            Reflected::Intercept(bin) => bump(&self.intercepts, bin, 1),
            Reflected::Ignored => self.ignored.add(1),
        }
    }

    pub(crate) fn bpf(&self, state: usize, clamped: bool) {
        self.bpf.add(1);
        self.clamped.add(u64::from(clamped));
        bump(&self.selected, state, 1);
    }

    pub(crate) fn entered(&self, state: usize, measured_ns: u64, miss: Option<Miss>) {
        bump(&self.usage, state, 1);
        bump(&self.time_ns, state, measured_ns);
        match miss {
            Some(Miss::Above) => bump(&self.above, state, 1),
            Some(Miss::Below) => bump(&self.below, state, 1),
            None => {}
        }
    }
}

/// Writes formatted text into sysfs's page buffer, truncating at its end.
pub(crate) struct Out<'a> {
    buf: &'a mut [u8],
    pub(crate) len: usize,
}

impl<'a> Out<'a> {
    pub(crate) fn new(buf: &'a mut [u8]) -> Self {
        Self { buf, len: 0 }
    }
}

impl Write for Out<'_> {
    fn write_str(&mut self, s: &str) -> core::fmt::Result {
        let room = self.buf.len().saturating_sub(self.len);
        let n = s.len().min(room);
        let end = self.len.saturating_add(n);
        if let (Some(dst), Some(src)) = (self.buf.get_mut(self.len..end), s.as_bytes().get(..n)) {
            dst.copy_from_slice(src);
            self.len = end;
        }
        Ok(())
    }
}

/// The sum over CPUs of one counter.
fn total(counter: impl Fn(&Stats) -> &Counter) -> u64 {
    let mut sum = 0u64;
    ffi::for_each_cpu(|cpu| sum = sum.wrapping_add(counter(&cpu.stats).get()));
    sum
}

/// Shows the file `name` (see the module documentation).
pub(crate) fn show(name: &[u8], out: &mut Out<'_>) -> Result {
    let per: fn(&Stats) -> &PerState = match name {
        b"selected" => |s| &s.selected,
        b"usage" => |s| &s.usage,
        b"time" => |s| &s.time_ns,
        b"above" => |s| &s.above,
        b"below" => |s| &s.below,
        b"reasons" => {
            for (i, (_, label)) in REASONS.iter().enumerate() {
                write!(out, "{label} ").map_err(|_| EINVAL)?;
                states_line(out, |s| s.reasons.get(i), 1)?;
            }
            return Ok(());
        }
        b"learnt" => {
            write!(out, "hits ").map_err(|_| EINVAL)?;
            states_line(out, |s| Some(&s.hits), 1)?;
            write!(out, "intercepts ").map_err(|_| EINVAL)?;
            states_line(out, |s| Some(&s.intercepts), 1)?;
            return writeln!(out, "ignored {}", total(|s| &s.ignored)).map_err(|_| EINVAL);
        }
        _ => {
            let one: fn(&Stats) -> &Counter = match name {
                b"builtin" => |s| &s.builtin,
                b"bpf" => |s| &s.bpf,
                b"clamped" => |s| &s.clamped,
                _ => return Err(EINVAL),
            };
            return writeln!(out, "{}", total(one)).map_err(|_| EINVAL);
        }
    };
    let scale = if name == b"time" { 1000 } else { 1 };
    states_line(out, |s| Some(per(s)), scale)
}

/// One line: a per-state counter summed over the CPUs, divided by `scale`, shallow to deep.
fn states_line(out: &mut Out<'_>, per: impl Fn(&Stats) -> Option<&PerState>, scale: u64) -> Result {
    let mut sums = [0u64; MAX_STATES];
    ffi::for_each_cpu(|cpu| {
        for (sum, c) in sums.iter_mut().zip(per(&cpu.stats).into_iter().flatten()) {
            *sum = sum.wrapping_add(c.get());
        }
    });
    // The driver's states, and any later one counted under an earlier driver.
    let used = sums
        .iter()
        .rposition(|&n| n != 0)
        .map_or(0, |i| i.saturating_add(1));
    let count = ffi::state_count().max(used).min(MAX_STATES);
    for (i, sum) in sums.iter().take(count).enumerate() {
        let sep = if i == 0 { "" } else { " " };
        write!(out, "{sep}{}", sum.checked_div(scale).unwrap_or(*sum)).map_err(|_| EINVAL)?;
    }
    writeln!(out).map_err(|_| EINVAL)
}
