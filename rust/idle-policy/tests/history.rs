//! What a wakeup teaches the history.

mod common;

use common::{input, phone, MS, US};
use idle_policy::policy::{Bin, Config, History, Reflected, Wakeup, PULSE};

fn wake(state: usize, measured_ns: u64) -> Wakeup {
    Wakeup {
        state,
        measured_ns,
        cut_short: false,
    }
}

fn tick(state: usize, measured_ns: u64) -> Wakeup {
    Wakeup {
        cut_short: true,
        ..wake(state, measured_ns)
    }
}

#[test]
fn reflect_without_select_is_ignored() {
    let states = phone();
    let mut h = History::new();
    assert_eq!(h.reflect(&states, &wake(0, MS)), Reflected::Ignored);
    h.begin(100 * MS);
    assert_eq!(
        h.reflect(&states, &wake(3, 10 * MS)),
        Reflected::Intercept(2)
    );
    // Only once per selection.
    assert_eq!(h.reflect(&states, &wake(3, 10 * MS)), Reflected::Ignored);
    assert_eq!(h.bins()[2].intercepts, PULSE);
}

#[test]
fn waking_at_the_timer_is_a_hit_in_the_sleep_length_bin() {
    let states = phone();
    let mut h = History::new();
    for (sleep, measured, bin) in [
        (100 * MS, 100 * MS, 3),
        (100 * MS, 150 * MS, 3),
        (5 * MS, 5 * MS, 2),
        (10 * MS, 4 * MS, 2),
        (700 * US, 650 * US, 1),
        (100 * US, 10 * US, 0),
    ] {
        h.begin(sleep);
        // Woken in the same bin as the timer's, if not at the timer: still a hit.
        assert_eq!(
            h.reflect(&states, &wake(0, measured)),
            Reflected::Hit(bin),
            "{sleep} {measured}"
        );
    }
}

#[test]
fn waking_early_is_an_intercept_in_the_idle_duration_bin() {
    let states = phone();
    let mut h = History::new();
    for (measured, bin) in [(10 * MS, 2), (MS, 1), (100 * US, 0), (0, 0)] {
        h.begin(100 * MS);
        assert_eq!(
            h.reflect(&states, &wake(0, measured)),
            Reflected::Intercept(bin)
        );
    }
}

#[test]
fn half_the_exit_latency_is_taken_off() {
    let states = phone();
    let mut h = History::new();
    // 3.4 ms measured from system off (3 ms exit latency): 1.9 ms idle, the 0.6-3 ms bin.
    h.begin(100 * MS);
    assert_eq!(
        h.reflect(&states, &wake(3, 3_400 * US)),
        Reflected::Intercept(1)
    );
    // Shorter than the exit latency: half of it.
    h.begin(100 * MS);
    assert_eq!(
        h.reflect(&states, &wake(3, 2 * MS)),
        Reflected::Intercept(1)
    );
    // An unknown state has no exit latency.
    h.begin(100 * MS);
    assert_eq!(
        h.reflect(&states, &wake(42, 3_400 * US)),
        Reflected::Intercept(2)
    );
}

#[test]
fn the_tick_after_the_expected_wakeup_teaches_what_was_reached_before_it_nothing() {
    let states = phone();
    let cfg = Config::DEFAULT;
    let mut h = History::new();
    for _ in 0..3 {
        h.begin(100 * MS);
        h.reflect(&states, &wake(0, MS));
    }
    let before = *h.bins();
    let sel = h.select(&cfg, &states, &input(100 * MS));
    assert_eq!(sel.expected_ns, 1_800 * US);
    // The tick 1 ms in: too soon to say.
    assert_eq!(h.reflect(&states, &tick(sel.state, MS)), Reflected::Ignored);
    assert_eq!(*h.bins(), before);
    // The tick 2.5 ms in, after the expected 1.8 ms but in its bin (core-off's): no news.
    h.select(&cfg, &states, &input(100 * MS));
    assert_eq!(
        h.reflect(&states, &tick(sel.state, 2_500 * US)),
        Reflected::Ignored
    );
    assert_eq!(*h.bins(), before);
    // 3.5 ms in: the CPU reached cluster-off's bin, no more is known (the timer's bin,
    // system-off's, starts at 20 ms).
    h.select(&cfg, &states, &input(100 * MS));
    assert_eq!(
        h.reflect(&states, &tick(sel.state, 3_500 * US)),
        Reflected::Intercept(2)
    );
    // The tick 4 ms in with the timer 5 ms away: the timer's bin reached, a hit.
    h.select(&cfg, &states, &input(5 * MS));
    assert_eq!(h.reflect(&states, &tick(0, 4 * MS)), Reflected::Hit(2));
    // After begin (a BPF selection) there is no expectation: what was reached past WFI's bin.
    h.begin(100 * MS);
    assert_eq!(h.reflect(&states, &tick(0, 10 * US)), Reflected::Ignored);
    h.begin(100 * MS);
    assert_eq!(
        h.reflect(&states, &tick(0, 2 * MS)),
        Reflected::Intercept(1)
    );
    h.begin(100 * MS);
    assert_eq!(h.reflect(&states, &tick(0, 25 * MS)), Reflected::Hit(3));
}

#[test]
fn metrics_decay_by_an_eighth_and_stay_bounded() {
    let states = phone();
    let mut h = History::new();
    h.begin(100 * MS);
    h.reflect(&states, &wake(0, 10 * MS));
    h.begin(100 * MS);
    h.reflect(&states, &wake(0, 100 * MS));
    assert_eq!(
        h.bins()[2..4],
        [
            Bin {
                hits: 0,
                intercepts: PULSE - PULSE / 8
            },
            Bin {
                hits: PULSE,
                intercepts: 0
            },
        ]
    );
    for _ in 0..1000 {
        h.begin(100 * MS);
        h.reflect(&states, &wake(0, 100 * MS));
    }
    // The fixed point of x - x / 8 + 1024 from below.
    assert_eq!(h.bins()[3].hits, 8 * PULSE);
    assert_eq!(h.bins()[2].intercepts, 7);
}
