//! The state machine's rules, one by one.

use pmqos_policy::policy::{Action, Config, Counters, Decision, Hot, Op, Policy, Rhythm};

const MS: u64 = 1_000_000;
const HZ: u64 = 1_200_000_000;
const T0: u64 = 1_000 * MS;

fn cfg() -> Config {
    Config {
        enabled: true,
        low_depth: 2,
        high_depth: 8,
        hold_ns: 50 * MS,
        rate_limit_ns: 10 * MS,
        boost_hz: 0,
        lead_ns: 0,
    }
}

fn decision(action: Action, next_ns: Option<u64>) -> Decision {
    Decision { action, next_ns }
}

#[test]
fn qualifying_request_raises_and_hold_drops() {
    let mut p = Policy::new(cfg(), HZ);
    assert_eq!(
        p.step(T0, Some(T0), 1),
        decision(Action::SetFloor(HZ), Some(T0 + 50 * MS))
    );
    assert_eq!(p.floor_hz(), Some(HZ));
    // Before the expiry nothing changes and the expiry stays asked for.
    assert_eq!(
        p.step(T0 + 20 * MS, Some(T0), 0),
        decision(Action::None, Some(T0 + 50 * MS))
    );
    assert_eq!(
        p.step(T0 + 50 * MS, Some(T0), 0),
        decision(Action::DropFloor, None)
    );
    assert_eq!(p.floor_hz(), None);
}

#[test]
fn later_qualifying_requests_extend_the_hold_without_writes() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    // Requests at +30 ms and +70 ms: the work runs at each expiry and finds a newer one.
    assert_eq!(
        p.step(T0 + 50 * MS, Some(T0 + 30 * MS), 0),
        decision(Action::None, Some(T0 + 80 * MS))
    );
    assert_eq!(
        p.step(T0 + 80 * MS, Some(T0 + 70 * MS), 0),
        decision(Action::None, Some(T0 + 120 * MS))
    );
    assert_eq!(
        p.step(T0 + 120 * MS, Some(T0 + 70 * MS), 0).action,
        Action::DropFloor
    );
    let c = p.counters(T0 + 200 * MS, 3, 3);
    assert_eq!((c.boosts, c.updates, c.boosted_ns), (1, 2, 120 * MS));
}

#[test]
fn nothing_qualified_or_stale_means_no_floor() {
    let mut p = Policy::new(cfg(), HZ);
    assert_eq!(p.step(T0, None, 1), decision(Action::None, None));
    assert_eq!(
        p.step(T0, Some(T0 - 50 * MS), 1),
        decision(Action::None, None),
        "hold already over"
    );
}

#[test]
fn high_depth_refuses_a_raise_for_good() {
    let mut p = Policy::new(cfg(), HZ);
    // The queue filled up before the work ran.
    assert_eq!(p.step(T0, Some(T0), 8), decision(Action::None, None));
    assert_eq!(
        p.step(T0 + MS, Some(T0), 0),
        decision(Action::None, None),
        "the refused request does not raise once the queue drains"
    );
    assert_eq!(
        p.step(T0 + 2 * MS, Some(T0 + 2 * MS), 1).action,
        Action::SetFloor(HZ),
        "a new qualifying request does"
    );
}

#[test]
fn depth_between_thresholds_still_raises() {
    let mut p = Policy::new(cfg(), HZ);
    assert_eq!(p.step(T0, Some(T0), 7).action, Action::SetFloor(HZ));
}

#[test]
fn high_depth_keeps_a_raised_floor_until_its_hold_ends() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    assert_eq!(
        p.step(T0 + MS, Some(T0), 32),
        decision(Action::None, Some(T0 + 50 * MS))
    );
    // Not changed under load either.
    p.reconfigure(cfg(), HZ / 2);
    assert_eq!(p.step(T0 + 2 * MS, Some(T0), 32).action, Action::None);
    assert_eq!(p.floor_hz(), Some(HZ));
    assert_eq!(p.step(T0 + 50 * MS, Some(T0), 32).action, Action::DropFloor);
}

#[test]
fn rate_limit_holds_writes_back_without_losing_them() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    assert_eq!(p.step(T0 + 50 * MS, Some(T0), 0).action, Action::DropFloor);
    // A request 1 ms after the drop: the raise waits for the limit.
    let q = T0 + 51 * MS;
    assert_eq!(
        p.step(q, Some(q), 1),
        decision(Action::None, Some(T0 + 60 * MS))
    );
    assert_eq!(p.next_ns(), Some(T0 + 60 * MS));
    assert_eq!(
        p.step(T0 + 60 * MS, Some(q), 0),
        decision(Action::SetFloor(HZ), Some(q + 50 * MS))
    );
}

#[test]
fn a_drop_held_back_by_the_limit_comes_at_its_end() {
    let c = Config {
        hold_ns: 10 * MS,
        rate_limit_ns: 10 * MS,
        ..cfg()
    };
    let mut p = Policy::new(c, HZ);
    p.step(T0 + 5 * MS, Some(T0), 1);
    // Expiry at T0 + 10 ms, but the raise was at T0 + 5 ms.
    assert_eq!(
        p.step(T0 + 10 * MS, Some(T0), 0),
        decision(Action::None, Some(T0 + 15 * MS))
    );
    assert_eq!(
        p.step(T0 + 15 * MS, Some(T0), 0),
        decision(Action::DropFloor, None)
    );
}

#[test]
fn a_new_target_moves_the_floor_and_counts_as_an_update_only() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    p.reconfigure(cfg(), HZ / 2);
    assert_eq!(
        p.step(T0 + 5 * MS, Some(T0), 1),
        decision(Action::None, Some(T0 + 10 * MS)),
        "rate-limited"
    );
    assert_eq!(
        p.step(T0 + 10 * MS, Some(T0), 1).action,
        Action::SetFloor(HZ / 2)
    );
    let c = p.counters(T0 + 10 * MS, 0, 0);
    assert_eq!((c.boosts, c.updates, c.floor_hz), (1, 2, HZ / 2));
}

#[test]
fn disabling_drops_the_floor_and_stops_raising() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    let off = Config {
        enabled: false,
        ..cfg()
    };
    p.reconfigure(off, HZ);
    assert_eq!(p.step(T0 + 20 * MS, Some(T0), 1).action, Action::DropFloor);
    assert_eq!(
        p.step(T0 + 40 * MS, Some(T0 + 40 * MS), 1),
        decision(Action::None, None)
    );
    let mut hot = Hot::default();
    assert!(!hot.issue(&off, Op::READ, 1, T0), "the hot path stops too");
}

#[test]
fn time_going_backwards_counts_as_no_time() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    assert_eq!(
        p.step(0, Some(T0), 1),
        decision(Action::None, Some(T0 + 50 * MS)),
        "now is taken as T0"
    );
    // A request stamped after now (another CPU's later clock read) counts as now.
    assert_eq!(
        p.step(T0 + MS, Some(T0 + 3 * MS), 1).next_ns,
        Some(T0 + 51 * MS)
    );
    assert_eq!(p.counters(0, 0, 0).boosted_ns, MS);
}

#[test]
fn counters_include_the_running_floor_and_release_stops_it() {
    let mut p = Policy::new(cfg(), HZ);
    p.step(T0, Some(T0), 1);
    assert_eq!(
        p.counters(T0 + 7 * MS, 10, 4),
        Counters {
            requests: 10,
            qualifying: 4,
            boosts: 1,
            updates: 1,
            boosted_ns: 7 * MS,
            floor_hz: HZ,
        }
    );
    assert!(p.release(T0 + 9 * MS));
    assert!(!p.release(T0 + 10 * MS));
    let c = p.counters(T0 + 100 * MS, 0, 0);
    assert_eq!((c.boosted_ns, c.floor_hz, c.updates), (9 * MS, 0, 1));
    assert_eq!(p.next_ns(), None);
}

#[test]
fn hot_path_counts_and_stamps_only_qualifying_requests() {
    let mut hot = Hot::default();
    assert!(hot.issue(&cfg(), Op::READ, 1, 5));
    assert!(!hot.issue(&cfg(), Op::READ, 3, 6), "too deep");
    assert!(!hot.issue(&cfg(), Op::WRITE, 1, 7), "async write");
    hot.complete(0);
    assert_eq!(
        hot,
        Hot {
            last_qualifying_ns: Some(5),
            depth: 0,
            requests: 3,
            qualifying: 1,
            event_ns: Some(5),
            rhythm: Rhythm::NONE,
        }
    );
}
