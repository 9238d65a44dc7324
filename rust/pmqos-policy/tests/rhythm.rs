//! The rhythm of qualifying requests: when gaps count as steady, how events are told apart.

use pmqos_policy::policy::{Config, Hot, Op, Rhythm, MAX_PERIOD_NS, MIN_GAP_NS, STEADY_BEATS};

const MS: u64 = 1_000_000;
const US: u64 = 1_000;

fn after(gaps: &[u64]) -> Rhythm {
    gaps.iter().fold(Rhythm::NONE, |r, &g| r.gap(g))
}

#[test]
fn equal_gaps_become_steady_after_the_required_beats() {
    for n in 1..STEADY_BEATS {
        assert!(!after(&vec![20 * MS; n as usize]).is_steady(), "{n} gaps");
    }
    let r = after(&vec![20 * MS; STEADY_BEATS as usize]);
    assert!(r.is_steady());
    assert_eq!(r.period_ns(), Some(20 * MS));
    // The first gap's half-period jitter decays by a quarter a gap.
    assert!(r.jitter_ns() <= 2_400 * US, "{}", r.jitter_ns());
    let beat = r.beat(1_000 * MS).unwrap();
    assert_eq!(beat.event_ns, 1_000 * MS);
    let (start, stop) = beat.window(2 * MS);
    let half = 2 * MS + 2 * beat.jitter_ns;
    assert_eq!(
        (start, stop),
        (1_020 * MS - half, 1_020 * MS + half.max(5 * MS))
    );
}

#[test]
fn the_window_narrows_as_the_gaps_stay_steady() {
    let r = after(&vec![20 * MS; 40]);
    assert!(r.jitter_ns() < 10 * US, "{}", r.jitter_ns());
    let (start, stop) = r.beat(0).unwrap().window(2 * MS);
    // Lead and jitter before the due time, a quarter period after it for a late request.
    assert!(20 * MS - start < 2 * MS + 20 * US);
    assert_eq!(stop, 25 * MS);
}

#[test]
fn irregular_gaps_are_not_steady() {
    // Gaps alternating 15 and 25 ms: a mean of 20 with a deviation of 5, more than an eighth.
    let gaps: Vec<u64> = (0..50)
        .map(|i| if i % 2 == 0 { 15 * MS } else { 25 * MS })
        .collect();
    let r = after(&gaps);
    assert!(!r.is_steady(), "{r:?}");
    assert_eq!(r.beat(0), None);
}

#[test]
fn a_late_event_widens_the_window_and_a_long_pause_starts_over() {
    let steady = after(&[20 * MS; 20]);
    let late = steady.gap(30 * MS);
    assert!(late.jitter_ns() >= steady.jitter_ns() + 2 * MS);
    assert!(late.period_ns().unwrap() > steady.period_ns().unwrap());
    assert_eq!(steady.gap(MAX_PERIOD_NS + 1), Rhythm::NONE);
    // A pause of a few periods, or a request between two of the rhythm, starts over at once
    // rather than being averaged in: the rhythm is steady again after as many gaps as at first.
    for odd in [41 * MS, 9 * MS, 2_500 * MS] {
        let broken = steady.gap(odd);
        assert_eq!(broken.period_ns(), Some(odd));
        assert!(!broken.is_steady());
        let back = (0..STEADY_BEATS).fold(broken, |r, _| r.gap(20 * MS));
        assert!(back.is_steady(), "after {odd}: {back:?}");
    }
    assert!(!steady.gap(MAX_PERIOD_NS + 1).gap(20 * MS).is_steady());
}

#[test]
fn packing_keeps_microseconds() {
    for r in [
        Rhythm::NONE,
        after(&[20 * MS, 21 * MS, 19 * MS, 20 * MS, 20 * MS]),
        after(&vec![MAX_PERIOD_NS; 300]),
    ] {
        let back = Rhythm::unpack(r.pack());
        assert_eq!(
            back.period_ns().map(|p| p / US),
            r.period_ns().map(|p| p / US)
        );
        assert_eq!(back.jitter_ns() / US, r.jitter_ns() / US);
        assert_eq!(back.is_steady(), r.is_steady());
    }
}

#[test]
fn a_request_and_its_companion_are_one_event() {
    const _: () = assert!(MIN_GAP_NS > 100 * US);
    let cfg = Config::DEFAULT;
    let mut hot = Hot::default();
    let mut t = 1_000 * MS;
    for _ in 0..10 {
        hot.issue(&cfg, Op::READ, 1, t);
        hot.issue(&cfg, Op::READ, 2, t + 100 * US);
        hot.complete(1);
        hot.complete(0);
        t += 20 * MS;
    }
    let beat = hot.beat().expect("steady");
    assert_eq!(beat.event_ns, t - 20 * MS);
    assert_eq!(beat.period_ns, 20 * MS);
    assert_eq!(hot.last_qualifying_ns, Some(t - 20 * MS + 100 * US));
    // Requests that do not qualify beat nothing.
    hot.issue(&cfg, Op::READ, 5, t);
    assert_eq!(hot.beat().unwrap().event_ns, t - 20 * MS);
}
