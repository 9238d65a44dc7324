//! The kernel's above/below judgement, as the module counts it.

mod common;

use common::{phone, MS, US};
use idle_policy::policy::{miss, Miss};

#[test]
fn too_deep_only_with_an_enabled_shallower_state() {
    let mut states = phone();
    assert_eq!(miss(&states, 2, 2 * MS), Some(Miss::Above));
    assert_eq!(miss(&states, 0, 0), None);
    states[0].disabled = true;
    states[1].disabled = true;
    assert_eq!(miss(&states, 2, 2 * MS), None);
}

#[test]
fn too_shallow_against_the_next_enabled_deeper_state() {
    let mut states = phone();
    // 2 ms in core off (exit 150 us) is short of cluster off's 3 ms: no miss.
    assert_eq!(miss(&states, 1, 2 * MS), None);
    // 800 us after the exit latency of WFI passes core off's 600 us.
    assert_eq!(miss(&states, 0, 800 * US), Some(Miss::Below));
    // With core off disabled, the next enabled deeper one (cluster off, 3 ms) counts.
    states[1].disabled = true;
    assert_eq!(miss(&states, 0, 800 * US), None);
    assert_eq!(miss(&states, 0, 4 * MS), Some(Miss::Below));
    // The deepest state is never too shallow.
    assert_eq!(miss(&states, 3, 1000 * MS), None);
}

#[test]
fn exit_latency_counts_against_below() {
    let states = phone();
    // cluster off: exit 1 ms; 20.5 ms measured is 19.5 ms idle, short of system off's 20 ms.
    assert_eq!(miss(&states, 2, 20 * MS + 500 * US), None);
    assert_eq!(miss(&states, 2, 21 * MS), Some(Miss::Below));
    // Within the exit latency: neither.
    assert_eq!(miss(&states, 3, 3 * MS), Some(Miss::Above));
    assert_eq!(miss(&states, 0, US), None);
}

#[test]
fn out_of_range_is_no_miss() {
    assert_eq!(miss(&phone(), 7, MS), None);
    assert_eq!(miss(&[], 0, MS), None);
}
