//! Synthetic traces replayed through a model of the module: intermittent depth-1 reads with
//! think time boost; sustained depth-32 reads do not.

mod common;

use common::{Rng, Sim, MS, US};
use pmqos_policy::policy::{Action, Config, Op};

const HZ: u64 = 300_000_000;
const WORK_LATENCY: u64 = 20 * US;

/// Reads at depth 1: each waits `service` then its think time (1 to 10 ms), `n` of them.
/// Returns when the last one was issued.
fn intermittent(sim: &mut Sim, rng: &mut Rng, start: u64, n: usize) -> u64 {
    let mut t = start;
    let mut last = t;
    for _ in 0..n {
        last = t;
        sim.issue(t, Op::READ);
        t += 200 * US;
        sim.complete(t);
        t += rng.range(MS, 10 * MS);
    }
    last
}

/// Reads kept at depth 32 for `duration`: 32 issued 1 us apart, each completion reissues.
/// Returns when the load ended.
fn sustained(sim: &mut Sim, start: u64, duration: u64) -> u64 {
    let service = 400 * US;
    let mut due: Vec<u64> = (0..32).map(|i| start + i * US).collect();
    for &t in &due {
        sim.issue(t, Op::READ);
    }
    for d in &mut due {
        *d += service;
    }
    let end = start + duration;
    loop {
        let (i, &t) = due.iter().enumerate().min_by_key(|&(_, &t)| t).unwrap();
        sim.complete(t);
        if t >= end {
            due.remove(i);
            if due.is_empty() {
                return t;
            }
            continue;
        }
        sim.issue(t, Op::READ);
        due[i] = t + service;
    }
}

#[test]
fn intermittent_reads_raise_one_floor_held_through_the_burst() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let start = 1_000 * MS;
    let last = intermittent(&mut sim, &mut Rng::new(1), start, 200);
    sim.finish();
    assert_eq!(sim.boosts(), 1);
    assert_eq!(sim.writes.len(), 2, "{:?}", sim.writes);
    assert_eq!(sim.writes[0].at_ns, start + WORK_LATENCY);
    assert_eq!(sim.writes[0].action, Action::SetFloor(HZ));
    assert_eq!(sim.writes[1].action, Action::DropFloor);
    assert_eq!(sim.writes[1].at_ns, last + cfg.hold_ns);
    let c = sim
        .policy
        .counters(last + 1_000 * MS, sim.hot.requests, sim.hot.qualifying);
    assert_eq!(
        (c.requests, c.qualifying, c.boosts, c.updates),
        (200, 200, 1, 2)
    );
    assert_eq!(c.boosted_ns, last + cfg.hold_ns - start - WORK_LATENCY);
}

#[test]
fn reads_further_apart_than_the_hold_raise_a_floor_each() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    for i in 0..10 {
        let t = 1_000 * MS + i * 100 * MS;
        sim.issue(t, Op::READ | Op::SYNC);
        sim.complete(t + 200 * US);
    }
    sim.finish();
    assert_eq!(sim.boosts(), 10);
    assert_eq!(
        sim.policy.counters(0, 0, 0).boosted_ns,
        10 * (cfg.hold_ns - WORK_LATENCY)
    );
}

#[test]
fn sustained_reads_raise_no_floor() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    sustained(&mut sim, 1_000 * MS, 1_000 * MS);
    sim.finish();
    assert!(sim.writes.is_empty(), "{:?}", sim.writes);
    // Only the first requests of the ramp qualified, and the queue was full before the work
    // item ran.
    assert_eq!(sim.hot.qualifying, u64::from(cfg.low_depth));
    assert!(sim.hot.requests > 10_000);
}

#[test]
fn sustained_reads_with_an_instant_work_item_raise_one_short_floor() {
    // If the work runs before the queue fills, the ramp's first request raises a floor; it
    // ends after the hold time although the load goes on.
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, 0);
    let start = 1_000 * MS;
    sustained(&mut sim, start, 1_000 * MS);
    sim.finish();
    assert_eq!(sim.boosts(), 1);
    assert_eq!(sim.intervals(u64::MAX), [(start, start + US + cfg.hold_ns)]);
}

#[test]
fn bursty_mix_boosts_only_in_the_quiet_phases() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let mut rng = Rng::new(7);
    let mut t = 1_000 * MS;
    let mut quiet = Vec::new();
    let mut busy = Vec::new();
    for _ in 0..3 {
        let end = sustained(&mut sim, t, 300 * MS);
        busy.push((t, end));
        t = end + 200 * MS;
        let last = intermittent(&mut sim, &mut rng, t, 30);
        quiet.push((t, last + cfg.hold_ns + cfg.rate_limit_ns));
        t = last + 200 * MS;
    }
    sim.finish();
    assert_eq!(sim.boosts(), 3);
    for (raised, dropped) in sim.intervals(u64::MAX) {
        assert!(
            quiet.iter().any(|&(a, b)| a <= raised && dropped <= b),
            "floor {raised}..{dropped} outside the quiet phases"
        );
        assert!(busy.iter().all(|&(a, b)| dropped <= a || b <= raised));
    }
}

/// Reads at depth 1 every `period` (issue to issue), each served in `service`, plus up to
/// `jitter` of random lateness; `n` of them from `start`. Returns the issue times.
fn periodic(
    sim: &mut Sim,
    rng: &mut Rng,
    start: u64,
    n: usize,
    period: u64,
    jitter: u64,
) -> Vec<u64> {
    let service = 400 * US;
    let mut issued = Vec::new();
    for i in 0..n as u64 {
        let t = start + i * period + if jitter == 0 { 0 } else { rng.range(0, jitter) };
        sim.issue(t, Op::READ);
        issued.push(t);
        sim.complete(t + service);
    }
    issued
}

/// The floor as applied at `t` (the writes are in time order).
fn floor_at(sim: &Sim, t: u64) -> bool {
    sim.intervals(u64::MAX)
        .iter()
        .any(|&(a, b)| a <= t && t < b)
}

#[test]
fn a_steady_rhythm_finds_the_floor_up_and_drops_it_between_requests() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let start = 1_000 * MS;
    let period = 20 * MS + 400 * US;
    let issued = periodic(&mut sim, &mut Rng::new(3), start, 300, period, 200 * US);
    let end = *issued.last().unwrap() + 400 * US;
    sim.finish();
    // Once the rhythm is steady, every read finds the floor up.
    let late: Vec<u64> = issued[10..]
        .iter()
        .copied()
        .filter(|&t| !floor_at(&sim, t))
        .collect();
    assert!(
        late.is_empty(),
        "{} reads at a low clock: {late:?}",
        late.len()
    );
    // And between reads the floor is down: a floor per read, up about a quarter of the time.
    assert!(sim.boosts() >= 280, "{} boosts", sim.boosts());
    let up: u64 = sim
        .intervals(u64::MAX)
        .iter()
        .map(|&(a, b)| b.min(end) - a.min(end))
        .sum();
    assert!(
        up * 100 < (end - start) * 35,
        "floor up {}% of the time",
        up * 100 / (end - start)
    );
    // Writes keep the rate limit and the floor is gone after the last read.
    for pair in sim.writes.windows(2) {
        assert!(pair[1].at_ns - pair[0].at_ns >= cfg.rate_limit_ns);
    }
    assert_eq!(sim.floor, None);
    let last_drop = sim.writes.last().unwrap();
    assert_eq!(last_drop.action, Action::DropFloor);
    // The rhythm expected one more read: its window came and went.
    assert!(last_drop.at_ns <= end + period + period / 4 + cfg.rate_limit_ns);
}

#[test]
fn without_lead_time_the_rhythm_is_held_without_a_break() {
    let cfg = Config {
        lead_ns: 0,
        ..Config::DEFAULT
    };
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let issued = periodic(&mut sim, &mut Rng::new(3), 1_000 * MS, 100, 20 * MS, 0);
    sim.finish();
    assert_eq!(sim.boosts(), 1);
    assert_eq!(
        sim.intervals(u64::MAX),
        [(issued[0] + WORK_LATENCY, issued[99] + cfg.hold_ns)]
    );
}

#[test]
fn an_irregular_or_slow_rhythm_is_held_as_before() {
    let cfg = Config::DEFAULT;
    // Gaps from 10 to 30 ms: not steady.
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let mut rng = Rng::new(9);
    let mut t = 1_000 * MS;
    for _ in 0..100 {
        sim.issue(t, Op::READ);
        sim.complete(t + 400 * US);
        t += rng.range(10 * MS, 30 * MS);
    }
    sim.finish();
    assert_eq!(sim.boosts(), 1);
    // Steady at 49 ms: the window would end past the hold, so the hold keeps the floor.
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    periodic(&mut sim, &mut Rng::new(1), 1_000 * MS, 50, 49 * MS, 0);
    sim.finish();
    assert_eq!(sim.boosts(), 1);
}

#[test]
fn a_lone_read_off_the_rhythm_still_raises_the_floor_at_once() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let issued = periodic(&mut sim, &mut Rng::new(3), 1_000 * MS, 50, 20 * MS, 0);
    // Halfway between two reads of the rhythm, with the floor down, another task reads.
    let t = issued[49] + 10 * MS;
    sim.run_until(t - US);
    assert_eq!(sim.floor, None);
    sim.issue(t, Op::READ);
    sim.complete(t + 2 * MS);
    sim.run_until(t + WORK_LATENCY + cfg.rate_limit_ns);
    assert_eq!(sim.floor, Some(HZ));
    sim.finish();
}

#[test]
fn a_late_read_within_a_quarter_period_still_finds_the_floor_and_ends_its_window() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let period = 20 * MS;
    let issued = periodic(&mut sim, &mut Rng::new(3), 1_000 * MS, 50, period, 0);
    // The next read is 4 ms late: past lead and jitter, within a quarter period.
    let t = issued[49] + period + 4 * MS;
    sim.issue(t, Op::READ);
    assert_eq!(sim.floor, Some(HZ), "the late read found the floor down");
    sim.complete(t + 400 * US);
    // It ran the step at once: the floor drops lead and (the now larger) jitter after it.
    sim.run_until(t + 6 * MS);
    assert_eq!(sim.floor, None);
    sim.finish();
}

#[test]
fn a_read_on_time_ends_its_window_early() {
    let cfg = Config::DEFAULT;
    let mut sim = Sim::new(cfg, HZ, WORK_LATENCY);
    let period = 20 * MS;
    let issued = periodic(&mut sim, &mut Rng::new(3), 1_000 * MS, 50, period, 0);
    let t = issued[49] + period;
    sim.issue(t, Op::READ);
    assert_eq!(sim.floor, Some(HZ));
    sim.complete(t + 400 * US);
    // The window would stay until a quarter period past the due time (5 ms); the read ends
    // it at lead and jitter (about 2 ms) after itself.
    sim.run_until(t + 3 * MS);
    assert_eq!(sim.floor, None);
    sim.finish();
}
