//! Property tests: nothing panics or overflows on any input, the choice is always usable (or
//! the fallback when nothing is), never deeper than the timers allow, and the tick rule holds
//! exactly; BPF choices are clamped down, never up.

mod common;

use idle_policy::policy::{
    check_choice, check_stop_tick, deepest_fitting, fallback, shallowest_usable, Config, History,
    IdleState, Input, Reason, Wakeup, MAX_STATES,
};
use proptest::prelude::*;

/// Times from tiny to huge, with the edges.
fn ns() -> impl Strategy<Value = u64> {
    prop_oneof![
        0u64..5_000,
        0u64..50_000_000,
        0u64..1_000_000_000,
        Just(u64::MAX),
        any::<u64>(),
    ]
}

fn any_state() -> impl Strategy<Value = IdleState> {
    (
        ns(),
        ns(),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.1),
    )
        .prop_map(
            |(target_residency_ns, exit_latency_ns, disabled, polling)| IdleState {
                target_residency_ns,
                exit_latency_ns,
                disabled,
                polling,
            },
        )
}

/// Any states, in any order, up to more than the kernel's maximum.
fn any_states() -> impl Strategy<Value = Vec<IdleState>> {
    proptest::collection::vec(any_state(), 0..=12)
}

/// States as drivers declare them: residency and exit latency growing with depth, exit
/// latency at most the residency, only state 0 polling.
fn driver_states() -> impl Strategy<Value = Vec<IdleState>> {
    (
        proptest::collection::vec(
            (1u64..5_000_000, 0u64..=100, prop::bool::weighted(0.15)),
            1..=10,
        ),
        any::<bool>(),
    )
        .prop_map(|(steps, poll0)| {
            let mut residency = 0;
            steps
                .iter()
                .enumerate()
                .map(|(i, &(step, pct, disabled))| {
                    residency += step;
                    IdleState {
                        target_residency_ns: residency,
                        exit_latency_ns: residency * pct / 100,
                        disabled,
                        polling: i == 0 && poll0,
                    }
                })
                .collect()
        })
}

fn inputs() -> impl Strategy<Value = Input> {
    (ns(), ns(), ns(), any::<bool>()).prop_map(|(sleep, delta, limit, tick_stopped)| Input {
        sleep_length_ns: sleep,
        delta_tick_ns: delta,
        latency_limit_ns: limit,
        tick_stopped,
    })
}

/// Inputs as the kernel gives them: the next tick within a tick period, the sleep length
/// mostly a few ms to a few hundred.
fn kernel_inputs(tick_ns: u64) -> impl Strategy<Value = Input> {
    (
        prop_oneof![0u64..20_000_000, 0u64..500_000_000],
        0..=tick_ns,
        prop_oneof![Just(u64::MAX), 0u64..5_000_000],
        prop::bool::weighted(0.3),
    )
        .prop_map(|(sleep, delta, limit, tick_stopped)| Input {
            sleep_length_ns: sleep,
            delta_tick_ns: delta,
            latency_limit_ns: limit,
            tick_stopped,
        })
}

fn wakeups() -> impl Strategy<Value = Wakeup> {
    (0usize..14, ns(), any::<bool>()).prop_map(|(state, measured_ns, cut_short)| Wakeup {
        state,
        measured_ns,
        cut_short,
    })
}

fn configs() -> impl Strategy<Value = Config> {
    prop_oneof![
        Just(Config::DEFAULT),
        (0u64..2_000).prop_map(Config::for_hz),
        ns().prop_map(|tick_ns| Config { tick_ns }),
    ]
}

/// Checks every rule that holds for any states and input.
fn check_rules(
    cfg: &Config,
    states: &[IdleState],
    input: &Input,
    sel: &idle_policy::policy::Selection,
) -> Result<(), TestCaseError> {
    let considered = &states[..states.len().min(MAX_STATES)];
    let limit = input.latency_limit_ns;
    prop_assert!(sel.state < considered.len().max(1));
    match shallowest_usable(states, limit) {
        Some(shallowest) => {
            let s = considered[sel.state];
            prop_assert!(!s.disabled && s.exit_latency_ns <= limit, "{sel:?}");
            prop_assert_ne!(sel.reason, Reason::Fallback);
            // Never deeper than the deepest usable state that fits the sleep length.
            if let Some(candidate) = deepest_fitting(states, input.sleep_length_ns, limit) {
                prop_assert!(sel.state <= candidate, "{sel:?} candidate {candidate}");
            }
            // A running tick that stays: the state fits before it, unless none does.
            if !sel.stop_tick && s.target_residency_ns > input.delta_tick_ns {
                prop_assert!(
                    deepest_fitting(states, input.delta_tick_ns, limit).is_none()
                        || sel.state == shallowest
                        || sel.state < deepest_fitting(states, input.delta_tick_ns, limit).unwrap(),
                    "{sel:?}"
                );
            }
        }
        None => {
            prop_assert_eq!(sel.reason, Reason::Fallback);
            prop_assert_eq!(sel.state, fallback(states));
        }
    }
    // The tick rule, exactly.
    let polling = considered.get(sel.state).is_some_and(|s| s.polling);
    prop_assert!(sel.expected_ns <= input.sleep_length_ns);
    if sel.reason == Reason::Tick {
        prop_assert!(!sel.stop_tick && !input.tick_stopped);
    } else {
        prop_assert_eq!(
            sel.stop_tick,
            input.tick_stopped || (!polling && sel.expected_ns >= cfg.tick_ns)
        );
    }
    // So a running tick is stopped only when the sleep length is at least a tick period.
    if sel.stop_tick && !input.tick_stopped {
        prop_assert!(input.sleep_length_ns >= cfg.tick_ns && !polling);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1024))]

    #[test]
    fn any_inputs_any_history(
        cfg in configs(),
        states in any_states(),
        steps in proptest::collection::vec((inputs(), wakeups(), any::<bool>()), 1..40),
    ) {
        let mut h = History::new();
        for (input, wakeup, reflect) in steps {
            let sel = h.select(&cfg, &states, &input);
            check_rules(&cfg, &states, &input, &sel)?;
            if reflect {
                h.reflect(&states, &wakeup);
            }
            prop_assert!(h.bins().iter().all(|b| b.hits <= 8199 && b.intercepts <= 8199));
        }
    }

    #[test]
    fn driver_states_learnt_history(
        states in driver_states(),
        steps in proptest::collection::vec(
            (kernel_inputs(Config::DEFAULT.tick_ns), 0u64..300_000_000, prop::bool::weighted(0.2)),
            1..60,
        ),
    ) {
        let cfg = Config::DEFAULT;
        let mut h = History::new();
        for (input, idle, cut_short) in steps {
            let sel = h.select(&cfg, &states, &input);
            check_rules(&cfg, &states, &input, &sel)?;
            let s = states[sel.state];
            // On an ordered driver, a state of a tick's residency or more stops a running tick
            // unless it was taken because nothing usable fits the sleep length or is shallower.
            let shallowest = shallowest_usable(&states, input.latency_limit_ns);
            if !input.tick_stopped
                && !s.polling
                && s.target_residency_ns >= cfg.tick_ns
                && matches!(sel.reason, Reason::Timer | Reason::Intercepts)
                && Some(sel.state) != shallowest
            {
                prop_assert!(sel.stop_tick, "{sel:?}");
            }
            // With the tick stopped, a guess from the history expects at least a tick.
            if input.tick_stopped && sel.reason == Reason::Intercepts {
                prop_assert!(sel.expected_ns >= cfg.tick_ns, "{sel:?}");
            }
            let measured_ns = idle.min(input.sleep_length_ns.saturating_add(1_000));
            h.reflect(&states, &Wakeup { state: sel.state, measured_ns, cut_short });
        }
    }

    #[test]
    fn bpf_choices_are_clamped_down(
        states in any_states(),
        requested in prop_oneof![-3i64..14, any::<i64>()],
        limit in ns(),
    ) {
        let considered = &states[..states.len().min(MAX_STATES)];
        let c = check_choice(&states, requested, limit);
        prop_assert!(c.state < considered.len().max(1));
        let usable = |i: usize| considered.get(i).is_some_and(|s| s.usable(limit));
        let requested_index = usize::try_from(requested).ok();
        if requested_index.is_some_and(usable) {
            prop_assert_eq!(Some(c.state), requested_index);
            prop_assert!(!c.clamped);
        } else {
            prop_assert_eq!(c.clamped, requested_index != Some(c.state));
        }
        if shallowest_usable(&states, limit).is_some() {
            prop_assert!(usable(c.state));
            // Never deeper than asked when a usable state at or below the request exists.
            if let Some(r) = requested_index {
                if (0..=r.min(considered.len().saturating_sub(1))).any(usable) {
                    prop_assert!(c.state <= r);
                }
            }
        } else {
            prop_assert_eq!(c.state, fallback(&states));
        }
    }

    #[test]
    fn stop_tick_is_never_kept_for_polling(
        states in any_states(),
        state in 0usize..14,
        stop in any::<bool>(),
    ) {
        let polling = states.get(state).is_some_and(|s| s.polling) && state < MAX_STATES;
        prop_assert_eq!(check_stop_tick(&states, state, stop), stop && !polling);
    }

    #[test]
    fn any_hz_gives_a_tick(hz in any::<u64>()) {
        let cfg = Config::for_hz(hz);
        prop_assert!(cfg.tick_ns <= 1_000_000_000);
    }
}
