//! The checks on a BPF program's choices.

mod common;

use common::{phone, x86, MS, NO_LIMIT, US};
use idle_policy::policy::{
    check_choice, check_stop_tick, deepest_fitting, fallback, ns_from_kernel, shallowest_usable,
    usable, Checked,
};

fn kept(state: usize) -> Checked {
    Checked {
        state,
        clamped: false,
    }
}

fn clamped(state: usize) -> Checked {
    Checked {
        state,
        clamped: true,
    }
}

#[test]
fn a_usable_choice_is_kept() {
    let states = phone();
    for i in 0..4 {
        assert_eq!(check_choice(&states, i, NO_LIMIT), kept(i as usize));
    }
}

#[test]
fn out_of_range_is_clamped_down() {
    let states = phone();
    assert_eq!(check_choice(&states, 4, NO_LIMIT), clamped(3));
    assert_eq!(check_choice(&states, i64::MAX, NO_LIMIT), clamped(3));
    assert_eq!(check_choice(&states, -1, NO_LIMIT), clamped(0));
    assert_eq!(check_choice(&states, i64::MIN, NO_LIMIT), clamped(0));
    assert_eq!(check_choice(&[], 3, NO_LIMIT), clamped(0));
}

#[test]
fn disabled_or_over_the_limit_goes_to_the_next_shallower_usable() {
    let mut states = phone();
    assert_eq!(check_choice(&states, 3, MS), clamped(2));
    assert_eq!(check_choice(&states, 3, 150 * US), clamped(1));
    states[2].disabled = true;
    assert_eq!(check_choice(&states, 2, NO_LIMIT), clamped(1));
    assert_eq!(check_choice(&states, 3, MS), clamped(1));
    assert_eq!(check_choice(&states, 9, MS), clamped(1));
    // Nothing usable below: the shallowest usable one, deeper than asked.
    states[0].disabled = true;
    states[1].disabled = true;
    assert_eq!(check_choice(&states, 1, NO_LIMIT), clamped(3));
    // Nothing usable at all: the fallback.
    states[3].disabled = true;
    assert_eq!(check_choice(&states, 3, NO_LIMIT), clamped(0));
    assert_eq!(check_choice(&states, 0, NO_LIMIT), kept(0));
}

#[test]
fn stop_tick_is_refused_for_a_polling_state_only() {
    let states = x86();
    assert!(!check_stop_tick(&states, 0, true));
    assert!(check_stop_tick(&states, 1, true));
    assert!(!check_stop_tick(&states, 1, false));
    assert!(check_stop_tick(&states, 99, true));
}

#[test]
fn helpers() {
    let mut states = phone();
    assert_eq!(deepest_fitting(&states, 10 * MS, NO_LIMIT), Some(2));
    assert_eq!(deepest_fitting(&states, 10 * MS, 100 * US), Some(0));
    assert_eq!(deepest_fitting(&states, 0, NO_LIMIT), None);
    assert!(usable(&states, 3, 3 * MS) && !usable(&states, 3, 3 * MS - 1));
    assert!(!usable(&states, 4, NO_LIMIT));
    states[0].disabled = true;
    assert_eq!(shallowest_usable(&states, NO_LIMIT), Some(1));
    assert_eq!(shallowest_usable(&states, 0), None);
    assert_eq!(fallback(&states), 1);
    assert_eq!(ns_from_kernel(-5), 0);
    assert_eq!(ns_from_kernel(i64::MAX), i64::MAX as u64);
}
