//! The selection rules, one by one.

mod common;

use common::{input, phone, x86, MS, NO_LIMIT, US};
use idle_policy::policy::{
    Config, History, IdleState, Input, Reason, Selection, Wakeup, MAX_STATES,
};

const CFG: Config = Config::DEFAULT;

fn select(history: &mut History, states: &[IdleState], input: &Input) -> Selection {
    history.select(&CFG, states, input)
}

/// Teaches `history` `n` early wakeups after `idle_ns` with the timer at `sleep_ns`.
fn teach(history: &mut History, states: &[IdleState], sleep_ns: u64, idle_ns: u64, n: usize) {
    for _ in 0..n {
        let sel = select(history, states, &input(sleep_ns));
        history.reflect(
            states,
            &Wakeup {
                state: sel.state,
                measured_ns: idle_ns,
                cut_short: false,
            },
        );
    }
}

#[test]
fn config_tick_follows_hz() {
    assert_eq!(Config::DEFAULT.tick_ns, 4 * MS);
    assert_eq!(Config::for_hz(1000).tick_ns, MS);
    assert_eq!(Config::for_hz(300).tick_ns, 3_333_333);
    assert_eq!(Config::for_hz(0).tick_ns, 1_000 * MS);
    assert_eq!(Config::default(), Config::DEFAULT);
}

#[test]
fn no_history_takes_the_deepest_state_that_fits_the_sleep_length() {
    let states = phone();
    let mut h = History::new();
    // Shorter than WFI's residency: nothing fits, the shallowest state.
    let sel = select(&mut h, &states, &input(0));
    assert_eq!(
        (sel.state, sel.reason, sel.stop_tick),
        (0, Reason::NoFit, false)
    );
    for (sleep, want) in [
        (US, 0),
        (500 * US, 0),
        (600 * US, 1),
        (2 * MS, 1),
        (3 * MS, 2),
        (19 * MS, 2),
        (20 * MS, 3),
        (u64::MAX, 3),
    ] {
        let sel = select(&mut h, &states, &input(sleep));
        assert_eq!(sel.state, want, "sleep {sleep}");
        assert_eq!(sel.reason, Reason::Timer);
        assert_eq!(sel.expected_ns, sleep);
    }
}

#[test]
fn stop_tick_follows_the_expected_duration() {
    let states = phone();
    let mut h = History::new();
    // 3.9 ms: cluster off (3 ms), shorter than the tick: keep it.
    let sel = select(&mut h, &states, &input(3_900 * US));
    assert_eq!((sel.state, sel.stop_tick), (2, false));
    // 4 ms: stop it, though the residency (3 ms) is below the tick: the sleep length says so.
    let sel = select(&mut h, &states, &input(4 * MS));
    assert_eq!((sel.state, sel.stop_tick), (2, true));
    // The tick already stopped: it stays stopped.
    let sel = select(
        &mut h,
        &states,
        &Input {
            tick_stopped: true,
            ..input(100 * US)
        },
    );
    assert_eq!((sel.state, sel.stop_tick), (0, true));
}

#[test]
fn a_polling_state_never_stops_a_running_tick() {
    let states = x86();
    let mut h = History::new();
    let only_poll = Input {
        latency_limit_ns: 0,
        ..input(100 * MS)
    };
    let sel = select(&mut h, &states, &only_poll);
    assert_eq!((sel.state, sel.stop_tick), (0, false));
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.stop_tick), (3, true));
}

#[test]
fn a_kept_tick_caps_the_state_at_the_time_to_the_tick() {
    let states = phone();
    let mut h = History::new();
    // 3.5 ms to the timer, keep the tick, which comes in 1 ms: core power-down fits.
    let sel = select(
        &mut h,
        &states,
        &Input {
            delta_tick_ns: MS,
            ..input(3_500 * US)
        },
    );
    assert_eq!(
        (sel.state, sel.stop_tick, sel.reason),
        (1, false, Reason::Tick)
    );
    // The tick in 100 us: only WFI.
    let sel = select(
        &mut h,
        &states,
        &Input {
            delta_tick_ns: 100 * US,
            ..input(3_500 * US)
        },
    );
    assert_eq!((sel.state, sel.reason), (0, Reason::Tick));
    // The tick stopped: no cap.
    let sel = select(
        &mut h,
        &states,
        &Input {
            delta_tick_ns: 100 * US,
            tick_stopped: true,
            ..input(3_500 * US)
        },
    );
    assert_eq!((sel.state, sel.reason), (2, Reason::Timer));
}

#[test]
fn the_latency_limit_caps_the_state() {
    let states = phone();
    let mut h = History::new();
    for (limit, want) in [
        (NO_LIMIT, 3),
        (3 * MS, 3),
        (3 * MS - 1, 2),
        (MS, 2),
        (150 * US, 1),
        (US, 0),
    ] {
        let sel = select(
            &mut h,
            &states,
            &Input {
                latency_limit_ns: limit,
                ..input(100 * MS)
            },
        );
        assert_eq!(
            (sel.state, sel.reason),
            (want, Reason::Timer),
            "limit {limit}"
        );
        assert!(sel.stop_tick);
    }
}

#[test]
fn disabled_states_are_skipped() {
    let mut states = phone();
    states[3].disabled = true;
    states[1].disabled = true;
    let mut h = History::new();
    assert_eq!(select(&mut h, &states, &input(100 * MS)).state, 2);
    assert_eq!(select(&mut h, &states, &input(2 * MS)).state, 0);
    states[0].disabled = true;
    // Nothing fits 2 ms: the shallowest usable state.
    let sel = select(&mut h, &states, &input(2 * MS));
    assert_eq!((sel.state, sel.reason), (2, Reason::NoFit));
}

#[test]
fn nothing_usable_falls_back() {
    let mut states = phone();
    for s in &mut states {
        s.disabled = true;
    }
    let mut h = History::new();
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (0, Reason::Fallback));
    // Enabled states all over the limit: the one with the least exit latency.
    states[2].disabled = false;
    states[3].disabled = false;
    let sel = select(
        &mut h,
        &states,
        &Input {
            latency_limit_ns: 10 * US,
            ..input(100 * MS)
        },
    );
    assert_eq!((sel.state, sel.reason), (2, Reason::Fallback));
    // No states at all.
    let sel = select(&mut h, &[], &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (0, Reason::Fallback));
}

#[test]
fn states_past_the_maximum_are_ignored() {
    let mut states: Vec<IdleState> = (0..12).map(|i| IdleState::new(i * MS, i * US)).collect();
    states.truncate(12);
    let mut h = History::new();
    let sel = select(&mut h, &states, &input(u64::MAX));
    assert_eq!(sel.state, MAX_STATES - 1);
}

#[test]
fn early_wakeups_pick_the_state_that_fits_them() {
    let states = phone();
    let mut h = History::new();
    // The timer says 100 ms, the CPU wakes after 10 ms.
    teach(&mut h, &states, 100 * MS, 10 * MS, 3);
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (2, Reason::Intercepts));
    // The middle of the bin from 3 ms to 20 ms: the tick is stopped.
    assert_eq!((sel.expected_ns, sel.stop_tick), (11_500 * US, true));
    // A timer before the early wakeups would come: they do not matter.
    let sel = select(&mut h, &states, &input(5 * MS));
    assert_eq!((sel.state, sel.reason), (2, Reason::Timer));
}

#[test]
fn early_wakeups_shorter_than_the_tick_keep_it() {
    let states = phone();
    let mut h = History::new();
    teach(&mut h, &states, 100 * MS, MS, 3);
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!(
        (sel.state, sel.reason, sel.stop_tick),
        (1, Reason::Intercepts, false)
    );
    assert_eq!(sel.expected_ns, 1_800 * US);
}

#[test]
fn the_median_early_wakeup_decides() {
    let states = phone();
    let mut h = History::new();
    // Interleaved: after 1 ms, 10 ms, 10 ms, ... the median is in the 3-20 ms bin.
    for _ in 0..6 {
        teach(&mut h, &states, 100 * MS, MS, 1);
        teach(&mut h, &states, 100 * MS, 10 * MS, 2);
    }
    assert_eq!(select(&mut h, &states, &input(100 * MS)).state, 2);
    // Mostly 1 ms now.
    teach(&mut h, &states, 100 * MS, MS, 8);
    assert_eq!(select(&mut h, &states, &input(100 * MS)).state, 1);
}

#[test]
fn hits_outweighing_intercepts_keep_the_candidate() {
    let states = phone();
    let mut h = History::new();
    for _ in 0..8 {
        teach(&mut h, &states, 100 * MS, 10 * MS, 1);
        teach(&mut h, &states, 100 * MS, 100 * MS, 2);
    }
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (3, Reason::Timer));
}

#[test]
fn with_the_tick_stopped_early_wakeups_must_be_a_tick_away() {
    let states = phone();
    let mut h = History::new();
    teach(&mut h, &states, 100 * MS, MS, 4);
    let stopped = Input {
        tick_stopped: true,
        ..input(100 * MS)
    };
    // The 0.6-3 ms bin's middle (1.8 ms) is below the tick: the next bin (3-20 ms) whose
    // middle is above it.
    let sel = select(&mut h, &states, &stopped);
    assert_eq!((sel.state, sel.reason), (2, Reason::Intercepts));
    assert_eq!(sel.expected_ns, 11_500 * US);
    // With the tick running, the 1 ms wakeups win.
    assert_eq!(select(&mut h, &states, &input(100 * MS)).state, 1);
    // No bin between the median and the candidate is a tick long: the candidate.
    let short = [
        IdleState::new(US, US),
        IdleState::new(100 * US, 50 * US),
        IdleState::new(MS, 500 * US),
    ];
    let mut h = History::new();
    teach(&mut h, &short, 100 * MS, 200 * US, 4);
    assert_eq!(select(&mut h, &short, &input(100 * MS)).state, 1);
    let sel = select(
        &mut h,
        &short,
        &Input {
            tick_stopped: true,
            ..input(100 * MS)
        },
    );
    assert_eq!((sel.state, sel.reason), (2, Reason::Timer));
}

#[test]
fn early_wakeups_into_a_disabled_state_pick_the_next_shallower() {
    let mut states = phone();
    let mut h = History::new();
    teach(&mut h, &states, 100 * MS, 10 * MS, 4);
    states[2].disabled = true;
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (1, Reason::Intercepts));
    // Nothing usable at or below the bin: the shallowest usable state.
    states[0].disabled = true;
    states[1].disabled = true;
    let sel = select(&mut h, &states, &input(100 * MS));
    assert_eq!((sel.state, sel.reason), (3, Reason::Intercepts));
}

#[test]
fn the_history_is_a_small_plain_value() {
    assert!(core::mem::size_of::<History>() <= 104);
    assert_eq!(History::new(), History::default());
}

/// Found by the property tests: a capped state keeps the tick, even when the state it was
/// capped from polled.
#[test]
fn a_state_capped_for_the_tick_keeps_it() {
    let states = [
        IdleState::new(0, 0),
        IdleState {
            polling: true,
            ..IdleState::new(5 * MS, 0)
        },
    ];
    let mut h = History::new();
    let sel = select(
        &mut h,
        &states,
        &Input {
            delta_tick_ns: 0,
            ..input(5 * MS)
        },
    );
    assert_eq!(
        (sel.state, sel.reason, sel.stop_tick),
        (0, Reason::Tick, false)
    );
}

/// Found by the property tests: when nothing fits the sleep length the history is not asked,
/// and the expected duration stays the sleep length.
#[test]
fn no_fit_ignores_the_history() {
    let mut states = [IdleState::new(3 * MS, 0), IdleState::new(5 * MS, 0)];
    let mut h = History::new();
    h.begin(5 * MS);
    h.reflect(
        &states,
        &Wakeup {
            state: 1,
            measured_ns: 0,
            cut_short: false,
        },
    );
    states[0].disabled = true;
    let sel = select(
        &mut h,
        &states,
        &Input {
            tick_stopped: true,
            ..input(0)
        },
    );
    assert_eq!(
        (sel.state, sel.reason, sel.expected_ns),
        (1, Reason::NoFit, 0)
    );
}
