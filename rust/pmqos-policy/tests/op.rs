//! Which requests qualify.

use pmqos_policy::policy::{qualifies, Config, Op};

#[test]
fn latency_bound_requests() {
    for op in [
        Op::READ,
        Op::READ | Op::SYNC,
        Op::WRITE | Op::SYNC,
        Op::WRITE | Op::FUA,
        Op::WRITE | Op::PREFLUSH,
        Op::FLUSH,
    ] {
        assert!(op.latency_bound(), "{op:?}");
    }
    for op in [
        Op::WRITE,
        Op::DISCARD,
        Op::DISCARD | Op::SYNC,
        Op::empty(),
        Op::empty() | Op::SYNC | Op::DISCARD,
    ] {
        assert!(!op.latency_bound(), "{op:?}");
    }
}

#[test]
fn depth_rule_is_inclusive() {
    assert!(qualifies(Op::READ, 2, 2));
    assert!(!qualifies(Op::READ, 3, 2));
    assert!(qualifies(Op::READ, 0, 1), "a depth count that slipped to 0");
    assert!(!qualifies(Op::WRITE, 1, 2));
}

#[test]
fn config_rule_adds_enable() {
    let on = Config::DEFAULT;
    let off = Config {
        enabled: false,
        ..on
    };
    assert!(on.qualifies(Op::READ, 1));
    assert!(!off.qualifies(Op::READ, 1));
    assert!(on.depth_high(8));
    assert!(!on.depth_high(7));
}
