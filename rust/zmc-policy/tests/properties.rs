//! Property tests: no panic on any input, agreement with naive models, budget bounds,
//! termination and monotonicity of the recompression walk, determinism.

use proptest::prelude::*;
use zmc_policy::policy::params::{
    parse_algorithm_params, parse_comp_policy, parse_idle, parse_mem_limit, parse_recomp_algorithm,
    parse_recompress,
};
use zmc_policy::policy::{
    decide_write, estimate, keep_new, next_algo, same_filled, should_start, verdict, AlgoId,
    AlgoKind, AlgoSet, AlgoSpec, AlgoTable, CompPolicy, CpuShare, PageFeatures, PageFlags,
    RecompressConfig, RecompressDecision, Select, TokenBucket, TriggerConfig, TriggerInputs,
};

const SEC: u128 = 1_000_000_000;

fn naive_same_filled(page: &[u8]) -> Option<u64> {
    if page.is_empty() || page.len() % 8 != 0 {
        return None;
    }
    let words: Vec<u64> = page
        .chunks(8)
        .map(|c| u64::from_ne_bytes(c.try_into().unwrap()))
        .collect();
    words.iter().all(|&w| w == words[0]).then_some(words[0])
}

/// Pages that are same-filled, nearly so, or anything.
fn pages() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (any::<u64>(), 0usize..600).prop_map(|(w, n)| w.to_ne_bytes().repeat(n)),
        (any::<u64>(), any::<usize>(), any::<u8>()).prop_map(|(w, at, x)| {
            let mut page = w.to_ne_bytes().repeat(512);
            let len = page.len();
            page[at % len] ^= x | 1;
            page
        }),
        proptest::collection::vec(any::<u8>(), 0..9000),
        proptest::collection::vec(0u8..4, 4096..=4096),
    ]
}

fn kinds() -> impl Strategy<Value = AlgoKind> {
    proptest::sample::select(AlgoKind::ALL.to_vec())
}

fn specs() -> impl Strategy<Value = Option<AlgoSpec>> {
    proptest::option::of(
        (kinds(), 0u16..1500).prop_map(|(kind, expect_permille)| AlgoSpec {
            kind,
            expect_permille,
        }),
    )
}

fn tables() -> impl Strategy<Value = AlgoTable> {
    [specs(), specs(), specs(), specs()].prop_map(|slots| AlgoTable { slots })
}

fn features() -> impl Strategy<Value = PageFeatures> {
    (0u8..6, 0u32..5000, any::<u8>(), any::<u64>()).prop_map(|(algo, stored_len, flags, last)| {
        PageFeatures {
            algo: AlgoId(algo),
            stored_len,
            flags: PageFlags(flags),
            last_access_s: last,
        }
    })
}

fn configs() -> impl Strategy<Value = RecompressConfig> {
    let select = proptest::sample::select(vec![
        Select::Cold,
        Select::Idle,
        Select::Huge,
        Select::HugeIdle,
        Select::All,
    ]);
    (
        select,
        any::<u64>(),
        prop_oneof![Just(0u64), any::<u64>(), 0u64..1000],
        0u8..6,
        0u8..6,
        0u32..5000,
        0u32..5000,
        0u32..600,
        0u16..1200,
    )
        .prop_map(
            |(
                select,
                cold_age_s,
                warm_age_s,
                first,
                last,
                threshold,
                huge_len,
                min_gain_bytes,
                min_gain_permille,
            )| {
                RecompressConfig {
                    select,
                    cold_age_s,
                    warm_age_s,
                    first: AlgoId(first),
                    last: AlgoId(last),
                    threshold,
                    huge_len,
                    min_gain_bytes,
                    min_gain_permille,
                }
            },
        )
}

/// Text built from the words the parsers know, plus noise.
fn sysfs_text() -> impl Strategy<Value = String> {
    let word = proptest::sample::select(vec![
        "algo",
        "priority",
        "level",
        "dict",
        "type",
        "threshold",
        "max_pages",
        "idle",
        "huge",
        "huge_idle",
        "all",
        "zstd",
        "lz4",
        "=",
        "\"",
        " ",
        "\n",
        "0x",
        "-",
        "+",
        "1",
        "99",
        "4294967296",
        "18446744073709551616",
        "K",
        "G",
        "E",
        "static",
        "adaptive",
        "é",
    ]);
    prop_oneof![
        proptest::collection::vec(word, 0..12).prop_map(|words| words.concat()),
        any::<String>(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn same_filled_agrees_with_naive_check(page in pages()) {
        prop_assert_eq!(same_filled(&page), naive_same_filled(&page));
    }

    #[test]
    fn estimate_is_bounded_and_deterministic(page in pages()) {
        let e = estimate(&page);
        prop_assert_eq!(e, estimate(&page));
        prop_assert!(e.entropy_mbits <= 8000);
        prop_assert!(e.distinct <= 256 && e.distinct <= e.sampled);
        prop_assert!(e.zeros <= e.sampled && e.sampled <= 512);
        prop_assert!(e.high <= e.sampled);
        prop_assert!(e.sampled as usize == page.len().min(512) || page.len() > 512);
        // The write path's shortcut gives the same verdict.
        prop_assert_eq!(verdict(&page), e.verdict());
    }

    #[test]
    fn write_decision_is_deterministic_and_consistent(page in pages()) {
        for policy in [CompPolicy::Static, CompPolicy::Adaptive] {
            let decision = decide_write(&page, policy);
            prop_assert_eq!(decision, decide_write(&page, policy));
            match decision {
                zmc_policy::policy::WriteDecision::SameFilled(word) => {
                    prop_assert_eq!(Some(word), naive_same_filled(&page));
                }
                zmc_policy::policy::WriteDecision::Raw => prop_assert_eq!(policy, CompPolicy::Adaptive),
                zmc_policy::policy::WriteDecision::Compress(algo) => prop_assert_eq!(algo, AlgoId::PRIMARY),
            }
        }
    }

    #[test]
    fn token_bucket_never_exceeds_burst_nor_rate(
        rate in 0u64..100_000,
        burst in 0u64..1000,
        start in any::<u32>(),
        steps in proptest::collection::vec((0u64..2 * SEC as u64, 0u64..50), 1..200),
    ) {
        let start = u64::from(start);
        let mut bucket = TokenBucket::new(rate, burst, start);
        let (mut now, mut granted) = (start, 0u128);
        for (dt, n) in steps {
            now += dt;
            bucket.refill(now);
            prop_assert!(bucket.available() <= burst);
            if bucket.try_take(n) {
                granted += u128::from(n);
            }
            let elapsed = u128::from(now - start);
            prop_assert!(granted * SEC <= u128::from(rate) * elapsed + u128::from(burst) * SEC);
        }
    }

    #[test]
    fn cpu_share_bounds_charged_time(
        share in 0u32..1200,
        window in 0u64..SEC as u64,
        steps in proptest::collection::vec((0u64..SEC as u64 / 10, 0u64..20_000_000), 1..200),
    ) {
        let mut cpu = CpuShare::new(share, window, 0);
        let share = u128::from(share.min(1000));
        let (mut now, mut charged, mut largest) = (0u64, 0u128, 0u128);
        for (dt, cost) in steps {
            now += dt;
            if cpu.may_run(now) {
                cpu.charge(cost);
                charged += u128::from(cost);
                largest = largest.max(u128::from(cost));
            }
            let allowed = u128::from(now) * share / 1000 + u128::from(window) * share / 1000 + largest;
            prop_assert!(charged <= allowed, "{} > {}", charged, allowed);
        }
    }

    #[test]
    fn recompress_walk_moves_up_and_ends(
        table in tables(),
        start in features(),
        cfg in configs(),
        now in any::<u64>(),
        results in proptest::collection::vec(0u32..5000, 4),
    ) {
        let mut page = start;
        let mut tried = AlgoSet::EMPTY;
        let mut steps = 0;
        while let RecompressDecision::Try(algo) = next_algo(&page, tried, now, &table, &cfg) {
            // Deterministic.
            prop_assert_eq!(next_algo(&page, tried, now, &table, &cfg), RecompressDecision::Try(algo));
            prop_assert!(algo > page.algo, "{:?} not above {:?}", algo, page.algo);
            prop_assert!(algo.0 >= 1 && algo.index() < 4);
            prop_assert!(!tried.contains(algo));
            prop_assert!(table.get(algo).is_some());
            prop_assert!(algo >= cfg.first && algo <= cfg.last);
            let fast = table.decodes_fast(algo);
            if cfg.select == Select::Cold && cfg.warm_age_s != 0 {
                // Latency tiers: a warm page only decodes fast, a cold one only goes slow.
                prop_assert_eq!(fast, !page.is_cold(now, cfg.cold_age_s));
            }
            let new_len = results[steps];
            if keep_new(page.stored_len, new_len, &cfg, fast) {
                prop_assert!(new_len < page.stored_len);
                page = PageFeatures { algo, stored_len: new_len, ..page };
            }
            tried = tried.with(algo);
            steps += 1;
            prop_assert!(steps <= 3);
        }
        prop_assert!(page.stored_len <= start.stored_len);
    }

    #[test]
    fn trigger_is_deterministic_and_needs_stored_pages(
        now_s in any::<u64>(), last_run_s in any::<u64>(), last_io_s in any::<u64>(),
        psi in any::<u32>(), free in any::<u64>(), watermark in any::<u64>(), stored in 0u64..3,
        period in any::<u64>(), idle in any::<u64>(), psi_permille in any::<u32>(), min_interval in any::<u64>(),
    ) {
        let inputs = TriggerInputs {
            now_s, last_run_s, last_io_s, psi_some_permille: psi, free_pages: free,
            low_watermark_pages: watermark, stored_pages: stored,
        };
        let cfg = TriggerConfig { psi_permille, idle_s: idle, period_s: period, min_interval_s: min_interval };
        let reason = should_start(&inputs, &cfg);
        prop_assert_eq!(reason, should_start(&inputs, &cfg));
        if stored == 0 {
            prop_assert_eq!(reason, None);
        }
    }

    #[test]
    fn parsers_never_panic(text in sysfs_text(), huge in any::<u32>()) {
        let _ = parse_algorithm_params(&text);
        let _ = parse_recomp_algorithm(&text);
        if let Ok(params) = parse_recompress(&text, huge) {
            prop_assert!(params.threshold < huge);
            let _ = params.config(&AlgoTable::DEFAULT, &RecompressConfig::BACKGROUND);
        }
        let _ = parse_idle(&text);
        let _ = parse_mem_limit(&text);
        let _ = parse_comp_policy(&text);
        // Errors always name text that was written.
        if let Err(e) = parse_algorithm_params(&text) {
            prop_assert!(text.contains(e.token));
        }
    }

    #[test]
    fn numbers_round_trip(n in any::<u64>(), shift in 0u32..7) {
        let (decimal, hex) = (format!("{n}\n"), format!("{n:#x}"));
        prop_assert_eq!(parse_mem_limit(&decimal), Ok(n));
        prop_assert_eq!(parse_mem_limit(&hex), Ok(n));
        let suffix = ["", "K", "M", "G", "T", "P", "E"][shift as usize];
        let expected = n.checked_mul(1 << (10 * shift));
        let with_suffix = format!("{n}{suffix}");
        prop_assert_eq!(parse_mem_limit(&with_suffix).ok(), expected);
        let plain = n.to_string();
        prop_assert_eq!(parse_idle(&plain).ok(), Some(zmc_policy::policy::params::IdleArg::OlderThan(n)));
    }
}
