//! When a background pass starts by itself.

use zmc_policy::policy::{should_start, TriggerConfig, TriggerInputs, TriggerReason};

const CFG: TriggerConfig = TriggerConfig::DEFAULT;

fn quiet(now_s: u64) -> TriggerInputs {
    TriggerInputs {
        now_s,
        last_run_s: 1000,
        last_io_s: 990,
        psi_some_permille: 0,
        free_pages: 100_000,
        low_watermark_pages: 10_000,
        stored_pages: 5000,
    }
}

#[test]
fn nothing_happens_on_a_quiet_recent_device() {
    assert_eq!(should_start(&quiet(1100), &CFG), None);
}

#[test]
fn pressure_starts_a_pass() {
    let psi = TriggerInputs {
        psi_some_permille: 100,
        ..quiet(1100)
    };
    assert_eq!(should_start(&psi, &CFG), Some(TriggerReason::Pressure));
    let low = TriggerInputs {
        free_pages: 9_999,
        ..quiet(1100)
    };
    assert_eq!(should_start(&low, &CFG), Some(TriggerReason::Pressure));
    let below = TriggerInputs {
        psi_some_permille: 99,
        ..quiet(1100)
    };
    assert_eq!(should_start(&below, &CFG), None);
}

#[test]
fn but_not_too_often_nor_with_nothing_stored() {
    let soon = TriggerInputs {
        psi_some_permille: 900,
        ..quiet(1059)
    };
    assert_eq!(should_start(&soon, &CFG), None);
    let empty = TriggerInputs {
        psi_some_permille: 900,
        stored_pages: 0,
        ..quiet(5000)
    };
    assert_eq!(should_start(&empty, &CFG), None);
}

#[test]
fn idle_starts_once_after_io() {
    let after_io = TriggerInputs {
        last_io_s: 1010,
        ..quiet(1130)
    };
    assert_eq!(should_start(&after_io, &CFG), Some(TriggerReason::Idle));
    let not_yet = TriggerInputs {
        last_io_s: 1010,
        ..quiet(1129)
    };
    assert_eq!(should_start(&not_yet, &CFG), None);
    // No I/O since the last pass: no new work for the idle trigger.
    assert_eq!(should_start(&quiet(1500), &CFG), None);
}

#[test]
fn period_starts_a_pass() {
    assert_eq!(
        should_start(&quiet(2800), &CFG),
        Some(TriggerReason::Period)
    );
    assert_eq!(should_start(&quiet(2799), &CFG), None);
}

#[test]
fn first_pass_needs_no_interval() {
    let first = TriggerInputs {
        last_run_s: 0,
        last_io_s: 10,
        ..quiet(130)
    };
    assert_eq!(should_start(&first, &CFG), Some(TriggerReason::Idle));
}

#[test]
fn zero_disables_each_trigger() {
    let off = TriggerConfig {
        psi_permille: 0,
        idle_s: 0,
        period_s: 0,
        min_interval_s: 0,
    };
    let inputs = TriggerInputs {
        psi_some_permille: 1000,
        last_io_s: 0,
        low_watermark_pages: 0,
        ..quiet(100_000)
    };
    assert_eq!(should_start(&inputs, &off), None);
}
