//! Property tests: the rules hold on random traces, nothing panics or overflows on any input,
//! validation rejects exactly the inconsistent configurations, values round-trip.

mod common;

use common::{Sim, MS, US};
use pmqos_policy::policy::params::{parse_duration, parse_freq, parse_u64, Param, Value};
use pmqos_policy::policy::{floor_hz, qos_khz, Action, Config, FreqRange, Op, Policy, MAX_HOLD_NS};
use proptest::prelude::*;

const HZ: u64 = 300_000_000;

#[derive(Clone, Copy, Debug)]
enum Event {
    Issue(u8),
    Complete,
    /// A configuration write of `enable`.
    Enable(bool),
}

fn valid_configs() -> impl Strategy<Value = Config> {
    (
        prop_oneof![Just(true), Just(true), Just(false)],
        1u32..5,
        1u32..30,
        1u64..100,
        0u64..100,
        prop_oneof![Just(0u64), 0u64..100],
    )
        .prop_map(
            |(enabled, low, extra, hold_ms, rate_pct, lead_pct)| Config {
                enabled,
                low_depth: low,
                high_depth: low + extra,
                hold_ns: hold_ms * MS,
                rate_limit_ns: hold_ms * MS * rate_pct / 100,
                boost_hz: 0,
                lead_ns: hold_ms * MS * lead_pct / 100,
            },
        )
}

fn traces() -> impl Strategy<Value = Vec<(u64, Event)>> {
    let event = prop_oneof![
        6 => any::<u8>().prop_map(Event::Issue),
        6 => Just(Event::Complete),
        1 => any::<bool>().prop_map(Event::Enable),
    ];
    // Gaps from a microsecond to well past the hold time.
    let gap = prop_oneof![0u64..50 * US, 0u64..20 * MS, 0u64..300 * MS];
    let random = proptest::collection::vec((gap, event), 0..300);
    // Lone reads at a period (2 to 60 ms) with some jitter, so that rhythms become steady.
    let periodic = (2 * MS..60 * MS, 0u64..3 * MS, 1..100usize, any::<u64>()).prop_map(
        |(period, jitter, n, seed)| {
            let mut rng = common::Rng::new(seed);
            let service = 300 * US;
            let mut trace = Vec::new();
            for _ in 0..n {
                let late = if jitter == 0 { 0 } else { rng.range(0, jitter) };
                trace.push((period - service + late, Event::Issue(Op::READ.0)));
                trace.push((service, Event::Complete));
            }
            trace
        },
    );
    prop_oneof![random, periodic]
}

/// Replays `trace` from time 1 s and returns the model after the work stopped asking.
fn replay(cfg: Config, latency: u64, trace: &[(u64, Event)]) -> Sim {
    let mut sim = Sim::new(cfg, HZ, latency);
    let mut t = 1_000 * MS;
    for &(gap, event) in trace {
        t += gap;
        match event {
            Event::Issue(bits) => sim.issue(t, Op(bits & 0x7f)),
            Event::Complete => sim.complete(t),
            Event::Enable(enabled) => {
                let next = Config { enabled, ..sim.cfg };
                sim.reconfigure(t, next, HZ);
            }
        }
    }
    sim.finish();
    sim
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn rules_hold_on_random_traces(
        cfg in valid_configs(),
        latency in prop_oneof![Just(0u64), 0u64..200 * US],
        trace in traces(),
    ) {
        let sim = replay(cfg, latency, &trace);
        let (hold, rl) = (cfg.hold_ns, cfg.rate_limit_ns);

        // No floor is ever set while the depth is high, and it is always the target.
        for w in &sim.writes {
            if let Action::SetFloor(hz) = w.action {
                prop_assert!(w.depth < cfg.high_depth, "{w:?}");
                prop_assert_eq!(hz, HZ);
            }
        }
        // Writes are at least the rate limit apart.
        for pair in sim.writes.windows(2) {
            prop_assert!(pair[1].at_ns - pair[0].at_ns >= rl, "{:?}", pair);
        }
        // Every step asks to run again in the future, and always while a floor is up.
        let mut up = false;
        for &(at, _, d) in &sim.steps {
            if let Some(next) = d.next_ns {
                prop_assert!(next > at);
            }
            match d.action {
                Action::SetFloor(_) => up = true,
                Action::DropFloor => up = false,
                Action::None => {}
            }
            prop_assert!(!up || d.next_ns.is_some(), "a floor up with no re-evaluation");
        }
        prop_assert_eq!(sim.floor, None, "the work stopped with a floor up");

        // A floor is up only within hold + rate limit of a qualifying request: walk each
        // interval through the qualifying requests inside it.
        let intervals = sim.intervals(u64::MAX);
        for &(raised, dropped) in &intervals {
            let before = sim.qualifying_at.iter().rev().find(|&&q| q <= raised);
            prop_assert!(before.is_some(), "raised with no qualifying request");
            let mut mark = *before.unwrap();
            for &q in sim.qualifying_at.iter().filter(|&&q| q > raised && q <= dropped) {
                prop_assert!(q - mark <= hold + rl, "gap {mark}..{q} in {raised}..{dropped}");
                mark = q;
            }
            prop_assert!(dropped - mark <= hold + rl, "dropped {} after", dropped - mark);
        }

        // The counters agree with the writes.
        let c = sim.policy.counters(u64::MAX, 0, 0);
        prop_assert_eq!(c.boosted_ns, intervals.iter().map(|&(a, b)| b - a).sum::<u64>());
        prop_assert_eq!(c.boosts as usize, intervals.len());
        prop_assert_eq!(c.updates as usize, sim.writes.len());
        prop_assert_eq!(c.floor_hz, 0);
        prop_assert_eq!(sim.hot.qualifying as usize, sim.qualifying_at.len());
    }

    #[test]
    fn a_qualifying_request_gets_a_floor_when_the_queue_stays_low(
        cfg in valid_configs(),
        trace in traces(),
        gap in 0u64..1_000 * MS,
    ) {
        // Whatever came before, a lone read on an idle queue (after a pause longer than the
        // hold) raises a floor within the rate limit, unless disabled.
        let mut sim = replay(cfg, 0, &trace);
        let mut t = sim.now_ns + gap;
        let cfg = Config { enabled: true, ..cfg };
        sim.reconfigure(t, cfg, HZ);
        while sim.hot.depth > 0 {
            t += US;
            sim.complete(t);
        }
        let t = t + cfg.hold_ns + cfg.rate_limit_ns;
        sim.issue(t, Op::READ);
        sim.run_until(t + cfg.rate_limit_ns);
        prop_assert_eq!(sim.floor, Some(HZ));
    }

    #[test]
    fn no_panic_on_any_input(
        cfg in (any::<bool>(), any::<u32>(), any::<u32>(), any::<u64>(), any::<u64>(), any::<u64>(), any::<u64>())
            .prop_map(|(enabled, low_depth, high_depth, hold_ns, rate_limit_ns, boost_hz, lead_ns)| Config {
                enabled, low_depth, high_depth, hold_ns, rate_limit_ns, boost_hz, lead_ns,
            }),
        target in any::<u64>(),
        calls in proptest::collection::vec(
            (0u8..8, any::<u64>(), proptest::option::of(any::<u64>()), any::<u32>()),
            0..64,
        ),
    ) {
        let mut p = Policy::new(cfg, target);
        let mut clock = 0u64;
        let mut last_write: Option<u64> = None;
        for (kind, now, last, depth) in calls {
            match kind {
                0 => {
                    p.release(now);
                    clock = clock.max(now);
                }
                1 => {
                    let _ = p.counters(now, now, now);
                }
                2 => p.reconfigure(cfg, now),
                _ => {
                    let d = p.step(now, last, depth);
                    clock = clock.max(now);
                    if let Some(next) = d.next_ns {
                        prop_assert!(next > clock);
                    }
                    if d.action != Action::None {
                        if let Some(w) = last_write {
                            prop_assert!(clock - w >= cfg.rate_limit_ns);
                        }
                        last_write = Some(clock);
                    }
                    if matches!(d.action, Action::SetFloor(_)) {
                        prop_assert!(depth < cfg.high_depth && cfg.enabled);
                    }
                    if p.floor_hz().is_some() {
                        prop_assert!(d.next_ns.is_some(), "a floor up with no re-evaluation");
                    }
                }
            }
        }
        let _ = (floor_hz(cfg.boost_hz, FreqRange::new(target, cfg.hold_ns), &[target, 0, u64::MAX]), qos_khz(target));
    }

    #[test]
    fn validation_rejects_exactly_the_inconsistent(
        low_depth in 0u32..6,
        high_depth in 0u32..8,
        hold_ns in prop_oneof![0u64..4, MAX_HOLD_NS - 2..MAX_HOLD_NS + 2, any::<u64>()],
        rate_limit_ns in prop_oneof![0u64..6, MAX_HOLD_NS - 2..MAX_HOLD_NS + 2, any::<u64>()],
        enabled in any::<bool>(),
        boost_hz in any::<u64>(),
        lead_ns in prop_oneof![0u64..6, MAX_HOLD_NS - 2..MAX_HOLD_NS + 2, any::<u64>()],
    ) {
        let cfg = Config { enabled, low_depth, high_depth, hold_ns, rate_limit_ns, boost_hz, lead_ns };
        let consistent = low_depth >= 1
            && high_depth > low_depth
            && (1..=MAX_HOLD_NS).contains(&hold_ns)
            && rate_limit_ns <= hold_ns
            && lead_ns <= hold_ns;
        prop_assert_eq!(cfg.validate().is_ok(), consistent);
    }

    #[test]
    fn sysfs_writes_never_panic_and_keep_the_config_valid(
        cfg in valid_configs(),
        param in proptest::sample::select(Param::ALL.to_vec()),
        input in prop_oneof![
            "[0-9]{0,22}(ns|us|ms|s|Hz|kHz|MHz|GHz|min|x|)\n?",
            "[+0-9a-zA-Z \n.-]{0,12}",
            any::<String>(),
        ],
    ) {
        match cfg.set(param, &input) {
            Ok(next) => {
                prop_assert_eq!(next.validate(), Ok(()));
                let mut same = next;
                match param {
                    Param::Enable => same.enabled = cfg.enabled,
                    Param::LowDepth => same.low_depth = cfg.low_depth,
                    Param::HighDepth => same.high_depth = cfg.high_depth,
                    Param::HoldTime => same.hold_ns = cfg.hold_ns,
                    Param::RateLimit => same.rate_limit_ns = cfg.rate_limit_ns,
                    Param::BoostFreq => same.boost_hz = cfg.boost_hz,
                    Param::LeadTime => same.lead_ns = cfg.lead_ns,
                }
                prop_assert_eq!(same, cfg, "only {} changed", param);
            }
            Err(e) => {
                prop_assert_eq!(e.param, param);
                prop_assert!(!e.to_string().is_empty());
            }
        }
    }

    #[test]
    fn shown_values_are_accepted_back(cfg in valid_configs(), boost_hz in any::<u64>()) {
        let cfg = Config { boost_hz, ..cfg };
        for param in Param::ALL {
            let shown = format!("{}\n", cfg.value(param));
            prop_assert_eq!(cfg.set(param, &shown), Ok(cfg));
        }
    }

    #[test]
    fn durations_round_trip(ns in prop_oneof![any::<u64>(), (0u64..1_000_000).prop_map(|n| n * 1_000)]) {
        prop_assert_eq!(parse_duration(&Value::Time(ns).to_string()), Ok(ns));
    }

    #[test]
    fn numbers_agree_with_std(s in "[+]?[0-9]{1,22}") {
        prop_assert_eq!(parse_u64(&s).ok(), s.parse::<u64>().ok());
        prop_assert_eq!(parse_freq(&s).ok(), s.parse::<u64>().ok());
    }
}
