//! Recompression: which algorithm next, which result to keep, and the outcome.

use zmc_policy::policy::{
    keep_new, min_saving, next_algo, AlgoId, AlgoKind, AlgoSet, AlgoSpec, AlgoTable, PageFeatures,
    PageFlags, RecompressConfig, RecompressDecision, Select, SkipReason,
};

use RecompressDecision::{Skip, Try};

const CFG: RecompressConfig = RecompressConfig::BACKGROUND;

fn page(stored_len: u32, flags: PageFlags) -> PageFeatures {
    PageFeatures {
        algo: AlgoId::PRIMARY,
        stored_len,
        flags,
        last_access_s: 0,
    }
}

fn idle(stored_len: u32) -> PageFeatures {
    page(stored_len, PageFlags::IDLE)
}

fn three_secondaries() -> AlgoTable {
    AlgoTable {
        slots: [
            Some(AlgoSpec::of(AlgoKind::Lz4)),
            Some(AlgoSpec::of(AlgoKind::Lz4hc)),
            Some(AlgoSpec::of(AlgoKind::Zstd)),
            Some(AlgoSpec::of(AlgoKind::Deflate)),
        ],
    }
}

#[test]
fn cold_page_tries_zstd_by_default() {
    let table = AlgoTable::DEFAULT;
    assert_eq!(
        next_algo(&idle(1500), AlgoSet::EMPTY, 0, &table, &CFG),
        Try(AlgoId(1))
    );
    // Aged past the cold age, without the idle flag.
    assert_eq!(
        next_algo(
            &page(1500, PageFlags::NONE),
            AlgoSet::EMPTY,
            300,
            &table,
            &CFG
        ),
        Try(AlgoId(1))
    );
}

#[test]
fn skip_reasons() {
    let table = AlgoTable::DEFAULT;
    let cases = [
        (
            page(0, PageFlags::SAME.with(PageFlags::IDLE)),
            SkipReason::SameFilled,
        ),
        (page(1500, PageFlags::NONE), SkipReason::NotSelected),
        (
            page(4096, PageFlags::IDLE.with(PageFlags::NO_GAIN)),
            SkipReason::NoGain,
        ),
        (idle(100), SkipReason::NoExpectedGain),
        (
            PageFeatures {
                algo: AlgoId(1),
                ..idle(1500)
            },
            SkipReason::Exhausted,
        ),
    ];
    for (page, reason) in cases {
        assert_eq!(
            next_algo(&page, AlgoSet::EMPTY, 10, &table, &CFG),
            Skip(reason),
            "{page:?}"
        );
    }
    let tried = AlgoSet::EMPTY.with(AlgoId(1));
    assert_eq!(
        next_algo(&idle(1500), tried, 10, &table, &CFG),
        Skip(SkipReason::Exhausted)
    );
}

#[test]
fn threshold_skips_small_pages() {
    let cfg = RecompressConfig {
        threshold: 1000,
        ..CFG
    };
    let table = AlgoTable::DEFAULT;
    assert_eq!(
        next_algo(&idle(999), AlgoSet::EMPTY, 0, &table, &cfg),
        Skip(SkipReason::BelowThreshold)
    );
    assert_eq!(
        next_algo(&idle(1000), AlgoSet::EMPTY, 0, &table, &cfg),
        Try(AlgoId(1))
    );
}

#[test]
fn expected_gain_depends_on_size_and_ratio() {
    let table = three_secondaries();
    // 1500 bytes: lz4hc is expected to save 180 bytes (12%): worth it.
    assert_eq!(
        next_algo(&idle(1500), AlgoSet::EMPTY, 0, &table, &CFG),
        Try(AlgoId(1))
    );
    // 400 bytes: lz4hc would save 48 < 64 bytes; zstd 136: skip to zstd.
    assert_eq!(
        next_algo(&idle(400), AlgoSet::EMPTY, 0, &table, &CFG),
        Try(AlgoId(2))
    );
    // Stored with zstd: deflate (700) is not better than zstd (660).
    let zstd = PageFeatures {
        algo: AlgoId(2),
        ..idle(1500)
    };
    assert_eq!(
        next_algo(&zstd, AlgoSet::EMPTY, 0, &table, &CFG),
        Skip(SkipReason::NoExpectedGain)
    );
    // Stored raw: every stronger algorithm is worth a try.
    let huge = page(4096, PageFlags::HUGE.with(PageFlags::IDLE));
    let tried = AlgoSet::EMPTY.with(AlgoId(1)).with(AlgoId(2));
    assert_eq!(next_algo(&huge, tried, 0, &table, &CFG), Try(AlgoId(3)));
}

#[test]
fn walks_priority_order_and_never_goes_back() {
    let table = three_secondaries();
    let mut tried = AlgoSet::EMPTY;
    let mut seen = Vec::new();
    let huge = page(4096, PageFlags::HUGE.with(PageFlags::IDLE));
    while let Try(algo) = next_algo(&huge, tried, 0, &table, &CFG) {
        seen.push(algo.0);
        tried = tried.with(algo);
    }
    assert_eq!(seen, [1, 2, 3]);
}

#[test]
fn range_limits_the_slots() {
    let table = three_secondaries();
    let huge = page(4096, PageFlags::HUGE);
    let cfg = RecompressConfig {
        select: Select::Huge,
        first: AlgoId(3),
        last: AlgoId(3),
        ..CFG
    };
    assert_eq!(
        next_algo(&huge, AlgoSet::EMPTY, 0, &table, &cfg),
        Try(AlgoId(3))
    );
    let cfg = RecompressConfig {
        first: AlgoId(0),
        last: AlgoId(9),
        ..cfg
    };
    assert_eq!(
        next_algo(&huge, AlgoSet::EMPTY, 0, &table, &cfg),
        Try(AlgoId(1)),
        "slot 0 is never a target"
    );
}

#[test]
fn selections() {
    let now = 0;
    let plain = page(1000, PageFlags::NONE);
    let idle = page(1000, PageFlags::IDLE);
    let huge = page(4096, PageFlags::HUGE);
    let huge_idle = page(4096, PageFlags::HUGE.with(PageFlags::IDLE));
    let expect = [
        (Select::Idle, [false, true, false, true]),
        (Select::Huge, [false, false, true, true]),
        (Select::HugeIdle, [false, false, false, true]),
        (Select::All, [true, true, true, true]),
        (Select::Cold, [false, true, false, true]),
    ];
    for (select, wanted) in expect {
        let got = [plain, idle, huge, huge_idle].map(|p| select.selects(&p, now, 300, 0));
        assert_eq!(got, wanted, "{select:?}");
    }
}

#[test]
fn keep_needs_a_real_gain_below_huge_and_threshold() {
    assert_eq!(min_saving(1000, &CFG, false), 100);
    assert_eq!(min_saving(300, &CFG, false), 64);
    assert!(keep_new(1000, 900, &CFG, false));
    assert!(!keep_new(1000, 901, &CFG, false));
    assert!(!keep_new(300, 237, &CFG, false));
    assert!(keep_new(300, 236, &CFG, false));
    assert!(!keep_new(100, 200, &CFG, false));
    // Raw pages: the result must fall below the huge size.
    assert!(keep_new(4096, 3071, &CFG, false));
    assert!(!keep_new(4096, 3072, &CFG, false));
    let cfg = RecompressConfig {
        threshold: 2000,
        ..CFG
    };
    assert!(!keep_new(4096, 2000, &cfg, false));
    assert!(keep_new(4096, 1999, &cfg, false));
    let zero = RecompressConfig {
        min_gain_bytes: 0,
        min_gain_permille: 0,
        huge_len: 0,
        ..CFG
    };
    assert!(!keep_new(100, 100, &zero, false), "equal is never kept");
    assert!(keep_new(100, 99, &zero, false));
}

#[test]
fn a_fast_decoding_result_needs_only_the_bytes_rule() {
    // 5% smaller: not enough for zstd (10%), enough for lz4hc (64 bytes).
    assert_eq!(min_saving(2000, &CFG, true), 64);
    assert!(!keep_new(2000, 1900, &CFG, false));
    assert!(keep_new(2000, 1900, &CFG, true));
    assert!(!keep_new(2000, 1937, &CFG, true));
    // The huge size and the threshold still hold.
    assert!(!keep_new(4096, 3072, &CFG, true));
}

#[test]
fn outcome_of_a_pass() {
    let table = AlgoTable::DEFAULT;
    let huge = page(4096, PageFlags::HUGE.with(PageFlags::IDLE));
    let tried = AlgoSet::EMPTY.with(AlgoId(1));

    let kept = huge.recompressed(Some((AlgoId(1), 1200)), tried, &table);
    assert_eq!((kept.algo, kept.stored_len), (AlgoId(1), 1200));
    assert_eq!(kept.flags, PageFlags::RECOMPRESSED);

    let failed = huge.recompressed(None, tried, &table);
    assert_eq!(failed.flags, PageFlags::HUGE.with(PageFlags::NO_GAIN));

    // Nothing tried (skipped for expected gain): no verdict.
    let untried = idle(100).recompressed(None, AlgoSet::EMPTY, &table);
    assert_eq!(untried.flags, PageFlags::NONE);

    // Only some secondaries tried: later passes may still try the others.
    let table = three_secondaries();
    let partial = huge.recompressed(None, tried, &table);
    assert!(!partial.flags.contains(PageFlags::NO_GAIN));
}

/// Latency tiers: lz4, lz4hc, zstd in priority order, warm after 30 s, cold after 300 s.
fn tiered() -> (AlgoTable, RecompressConfig) {
    let table = AlgoTable {
        slots: [
            Some(AlgoSpec::of(AlgoKind::Lz4)),
            Some(AlgoSpec::of(AlgoKind::Lz4hc)),
            Some(AlgoSpec::of(AlgoKind::Zstd)),
            None,
        ],
    };
    let cfg = RecompressConfig {
        warm_age_s: 30,
        ..CFG
    };
    (table, cfg)
}

#[test]
fn hot_pages_stay_warm_pages_decode_fast_cold_pages_go_strong() {
    let (table, cfg) = tiered();
    // Last touched at 1000 s.
    let p = PageFeatures {
        last_access_s: 1000,
        ..page(2000, PageFlags::NONE)
    };
    let next = |p: &PageFeatures, now: u64, tried| next_algo(p, tried, now, &table, &cfg);
    // Hot: not selected.
    assert_eq!(
        next(&p, 1029, AlgoSet::EMPTY),
        Skip(SkipReason::NotSelected)
    );
    // Warm: lz4hc only, never zstd, even after lz4hc was tried.
    assert_eq!(next(&p, 1030, AlgoSet::EMPTY), Try(AlgoId(1)));
    assert_eq!(
        next(&p, 1299, AlgoSet::EMPTY.with(AlgoId(1))),
        Skip(SkipReason::Exhausted)
    );
    // Cold by age, or idle: straight to zstd.
    assert_eq!(next(&p, 1300, AlgoSet::EMPTY), Try(AlgoId(2)));
    assert_eq!(
        next(&page(2000, PageFlags::IDLE), 0, AlgoSet::EMPTY),
        Try(AlgoId(2))
    );
    // A page kept in lz4hc while warm goes on to zstd once cold.
    let lz4hc = PageFeatures {
        algo: AlgoId(1),
        stored_len: 1760,
        ..p
    };
    assert_eq!(
        next(&lz4hc, 1100, AlgoSet::EMPTY),
        Skip(SkipReason::Exhausted)
    );
    assert_eq!(next(&lz4hc, 1300, AlgoSet::EMPTY), Try(AlgoId(2)));
    // A warm page whose lz4hc attempt gained nothing is not marked NO_GAIN: zstd is left.
    let after = p.recompressed(None, AlgoSet::EMPTY.with(AlgoId(1)), &table);
    assert!(!after.flags.contains(PageFlags::NO_GAIN));
}

#[test]
fn without_a_warm_age_cold_pages_try_every_tier_in_priority_order() {
    let (table, cfg) = tiered();
    let cfg = RecompressConfig {
        warm_age_s: 0,
        ..cfg
    };
    let p = page(2000, PageFlags::IDLE);
    assert_eq!(
        next_algo(&p, AlgoSet::EMPTY, 0, &table, &cfg),
        Try(AlgoId(1))
    );
    assert_eq!(
        next_algo(&p, AlgoSet::EMPTY.with(AlgoId(1)), 0, &table, &cfg),
        Try(AlgoId(2))
    );
}
