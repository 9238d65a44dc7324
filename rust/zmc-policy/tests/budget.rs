//! Budgets: pages per second and CPU share.

use zmc_policy::policy::{CpuShare, TokenBucket};

const SEC: u64 = 1_000_000_000;

#[test]
fn bucket_starts_full_and_refills_at_its_rate() {
    let mut bucket = TokenBucket::new(100, 10, 0);
    assert_eq!(bucket.available(), 10);
    assert!(bucket.try_take(10));
    assert!(!bucket.try_take(1));
    bucket.refill(SEC / 100);
    assert!(bucket.try_take(1));
    assert!(!bucket.try_take(1));
    // Fractions accumulate across refills.
    bucket.refill(SEC / 100 + SEC / 200);
    assert!(!bucket.try_take(1));
    bucket.refill(2 * SEC / 100);
    assert!(bucket.try_take(1));
}

#[test]
fn bucket_never_exceeds_its_burst() {
    let mut bucket = TokenBucket::new(1000, 5, 0);
    bucket.refill(3600 * SEC);
    assert_eq!(bucket.available(), 5);
    assert!(!bucket.try_take(6));
    assert!(bucket.try_take(5));
}

#[test]
fn bucket_ignores_time_going_backwards_and_absurd_requests() {
    let mut bucket = TokenBucket::new(1, 1, 10 * SEC);
    assert!(bucket.try_take(1));
    bucket.refill(0);
    assert!(!bucket.try_take(1));
    bucket.refill(10 * SEC + SEC / 2);
    assert!(
        !bucket.try_take(1),
        "time before the last refill is not counted twice"
    );
    bucket.refill(11 * SEC);
    assert!(bucket.try_take(1));
    assert!(!bucket.try_take(u64::MAX));
    let huge = TokenBucket::new(u64::MAX, u64::MAX, 0);
    assert_eq!(huge.available(), TokenBucket::MAX_BURST);
}

#[test]
fn zero_rate_bucket_only_gives_its_burst() {
    let mut bucket = TokenBucket::new(0, 3, 0);
    bucket.refill(u64::MAX);
    assert!(bucket.try_take(3));
    assert!(!bucket.try_take(1));
}

#[test]
fn cpu_share_bounds_compression_time() {
    // 10% of wall time, 100 ms banked at most (10 ms of CPU).
    let mut cpu = CpuShare::new(100, SEC / 10, 0);
    assert_eq!(cpu.credit_ns(), 10_000_000);
    assert!(cpu.may_run(0));
    cpu.charge(25_000_000);
    assert_eq!(cpu.credit_ns(), -15_000_000);
    assert!(!cpu.may_run(SEC / 10), "10 ms earned, still 5 ms in debt");
    assert!(
        !cpu.may_run(SEC / 10 + 50_000_000),
        "credit 0 is not enough"
    );
    assert!(cpu.may_run(SEC / 10 + 50_000_010));
    // Long idle does not bank more than the window.
    assert!(cpu.may_run(3600 * SEC));
    assert_eq!(cpu.credit_ns(), 10_000_000);
}

#[test]
fn cpu_share_is_clamped_and_survives_extremes() {
    let mut cpu = CpuShare::new(5000, u64::MAX, 0);
    cpu.charge(u64::MAX);
    cpu.charge(u64::MAX);
    assert!(!cpu.may_run(0));
    cpu.refill(u64::MAX);
    let mut none = CpuShare::new(0, SEC, 0);
    assert!(!none.may_run(u64::MAX), "a zero share never runs");
}
