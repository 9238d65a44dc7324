//! The floor's frequency.

use pmqos_policy::policy::{floor_hz, qos_khz, FreqRange};

const OPP: [u64; 4] = [37_500_000, 75_000_000, 150_000_000, 300_000_000];

#[test]
fn zero_means_the_maximum() {
    let range = FreqRange::new(OPP[0], OPP[3]);
    assert_eq!(floor_hz(0, range, &OPP), OPP[3]);
    assert_eq!(floor_hz(0, range, &[]), OPP[3]);
}

#[test]
fn boost_is_clamped_and_rounded_up_to_a_frequency() {
    let range = FreqRange::new(OPP[0], OPP[3]);
    assert_eq!(floor_hz(100_000_000, range, &OPP), OPP[2]);
    assert_eq!(floor_hz(OPP[1], range, &OPP), OPP[1]);
    assert_eq!(floor_hz(1, range, &OPP), OPP[0]);
    assert_eq!(floor_hz(u64::MAX, range, &OPP), OPP[3]);
    let descending = [OPP[3], OPP[2], OPP[1], OPP[0]];
    assert_eq!(floor_hz(100_000_000, range, &descending), OPP[2]);
    assert_eq!(floor_hz(100_000_000, range, &[]), 100_000_000);
    // A range narrowed by the user's max_freq wins over the table.
    let narrow = FreqRange::new(OPP[0], OPP[1]);
    assert_eq!(floor_hz(100_000_000, narrow, &OPP), OPP[1]);
    assert_eq!(floor_hz(0, narrow, &OPP), OPP[1]);
}

#[test]
fn upside_down_range_is_swapped() {
    let range = FreqRange {
        min_hz: OPP[3],
        max_hz: OPP[0],
    };
    assert_eq!(range.clamp(1), OPP[0]);
    assert_eq!(floor_hz(0, range, &OPP), OPP[3]);
    assert_eq!(FreqRange::new(5, 2), FreqRange::new(2, 5));
}

#[test]
fn qos_value_rounds_up_to_khz() {
    assert_eq!(qos_khz(300_000_000), 300_000);
    assert_eq!(qos_khz(300_000_001), 300_001);
    assert_eq!(qos_khz(0), 0);
    assert_eq!(qos_khz(u64::MAX), i32::MAX);
}
