//! The policy on real anonymous memory.
//!
//! The corpus is built at test time: `page_corpus::capture_programs` starts a few real programs
//! (python3 with dicts, JSON and an in-memory sqlite database; python3 holding compressed and
//! random buffers, as apps hold images and encrypted data; node with objects, JSON, maps and
//! typed arrays) and captures their anonymous memory. Corpus files named in `ZMC_CORPUS`
//! (separated by `:`) are added. Nothing captured is written anywhere.
//!
//! Compressed sizes come from host libraries (`lz4_flex`, `zstd` level 1). As in zram, a page
//! whose compressed size reaches the huge size (3 KiB here) is counted as stored raw (4 KiB).
//! Run with `--nocapture` to see the figures.

#![cfg(target_os = "linux")]

mod common;

use common::Rng;
use page_corpus::{capture_programs, Corpus, PAGE_SIZE};
use zmc_policy::policy::{
    decide_write, estimate, is_huge, keep_new, next_algo, same_filled, AlgoId, AlgoSet, AlgoTable,
    CompPolicy, PageFeatures, RecompressConfig, RecompressDecision, Verdict, WriteDecision,
};

/// The huge size used for the simulation: 3 KiB, as in the measurements of the design sketch.
const HUGE: usize = 3072;

/// At most this many pages are taken from each program.
const PAGES_PER_PROGRAM: usize = 5000;

/// The corpus must hold at least this many pages for the figures to mean something.
const MIN_PAGES: usize = 2000;

/// The largest share of corpus pages, per mille, that the estimate may store raw although zstd
/// shrinks them below the huge size.
const MAX_FALSE_RAW_PERMILLE: usize = 10;

/// The smallest share of random pages, per mille, the estimate must call incompressible.
const MIN_RANDOM_RAW_PERMILLE: usize = 990;

/// The most that lz4 then zstd on cold pages may store, per mille of lz4 alone.
const MAX_STORED_PERMILLE: u64 = 850;

fn build_corpus() -> Vec<(String, Corpus)> {
    let mut sets = Vec::new();
    for (name, result) in capture_programs(PAGES_PER_PROGRAM) {
        match result {
            Some(corpus) => sets.push((name.to_owned(), corpus)),
            None => println!("corpus: {name}: not available, skipped"),
        }
    }
    for path in std::env::var("ZMC_CORPUS")
        .unwrap_or_default()
        .split(':')
        .filter(|p| !p.is_empty())
    {
        let file = std::fs::File::open(path).expect("ZMC_CORPUS file");
        let corpus = Corpus::read_from(std::io::BufReader::new(file)).expect("corpus file");
        sets.push((path.to_owned(), corpus));
    }
    sets
}

/// What one page costs and what the policy does with it.
struct PageResult {
    same: bool,
    raw_by_estimate: bool,
    lz4_stored: u64,
    zstd_len: usize,
    policy_stored: u64,
    recompressed: bool,
}

/// zram's accounting: a compressed size at or above the huge size is stored as a whole page.
fn stored(comp_len: usize) -> u64 {
    if is_huge(comp_len, HUGE) {
        PAGE_SIZE as u64
    } else {
        comp_len as u64
    }
}

fn simulate(page: &[u8], table: &AlgoTable, cfg: &RecompressConfig) -> PageResult {
    let lz4_len = lz4_flex::block::compress(page).len();
    let zstd_len = zstd::bulk::compress(page, 1).expect("zstd").len();
    let same = same_filled(page).is_some();
    let lz4_stored = if same { 0 } else { stored(lz4_len) };

    // Swap-out, then the page turns cold, then a background pass.
    let decision = decide_write(page, CompPolicy::Adaptive);
    let (len, huge) = match decision {
        WriteDecision::SameFilled(_) => (0, false),
        WriteDecision::Raw => (PAGE_SIZE as u32, true),
        WriteDecision::Compress(_) => (stored(lz4_len) as u32, is_huge(lz4_len, HUGE)),
    };
    let mut features = PageFeatures::written(decision, len, huge, 0).marked_idle();
    let mut tried = AlgoSet::EMPTY;
    while let RecompressDecision::Try(algo) = next_algo(&features, tried, 0, table, cfg) {
        assert_eq!(algo, AlgoId(1), "the default table has zstd only");
        let new_len = zstd_len as u32;
        if keep_new(features.stored_len, new_len, cfg, false) {
            features = PageFeatures {
                algo,
                stored_len: new_len,
                ..features
            };
        }
        tried = tried.with(algo);
    }
    PageResult {
        same,
        raw_by_estimate: decision == WriteDecision::Raw,
        lz4_stored,
        zstd_len,
        policy_stored: u64::from(features.stored_len),
        recompressed: features.algo != AlgoId::PRIMARY,
    }
}

fn permille(part: usize, whole: usize) -> usize {
    part * 1000 / whole.max(1)
}

/// `part / whole` with three decimals, in integers.
fn ratio(part: u64, whole: u64) -> String {
    let thousandths = part * 1000 / whole.max(1);
    format!("{}.{:03}", thousandths / 1000, thousandths % 1000)
}

#[test]
fn policy_on_real_anonymous_memory() {
    let sets = build_corpus();
    let total_pages: usize = sets.iter().map(|(_, c)| c.len()).sum();
    assert!(
        total_pages >= MIN_PAGES,
        "only {total_pages} pages captured: python3 or node must be installed"
    );
    let table = AlgoTable::DEFAULT;
    let cfg = RecompressConfig {
        huge_len: HUGE as u32,
        ..RecompressConfig::BACKGROUND
    };

    println!();
    println!(
        "{:<16} {:>6} {:>6} {:>8} {:>8} {:>8} {:>8} {:>9} {:>8}",
        "corpus", "pages", "same", "lz4huge", "raw", "falseraw", "kept", "zstd/lz4", "policy"
    );
    let (mut all_pages, mut all_same, mut all_raw, mut all_false_raw, mut all_kept) =
        (0, 0, 0, 0, 0);
    let (mut all_lz4, mut all_zstd, mut all_policy) = (0u64, 0u64, 0u64);
    for (name, corpus) in &sets {
        let (mut same, mut lz4_huge, mut raw, mut false_raw, mut kept) = (0, 0, 0, 0, 0);
        let (mut lz4, mut zstd_only, mut policy) = (0u64, 0u64, 0u64);
        for page in corpus.pages() {
            // Same-filled detection is exact: it agrees with a byte-wise check.
            let naive = page.chunks(8).all(|w| w == &page[..8]);
            assert_eq!(same_filled(page).is_some(), naive);
            let result = simulate(page, &table, &cfg);
            same += usize::from(result.same);
            lz4_huge += usize::from(!result.same && result.lz4_stored == PAGE_SIZE as u64);
            raw += usize::from(result.raw_by_estimate);
            false_raw += usize::from(result.raw_by_estimate && result.zstd_len < HUGE);
            kept += usize::from(result.recompressed);
            lz4 += result.lz4_stored;
            zstd_only += if result.same {
                0
            } else {
                stored(result.zstd_len)
            };
            policy += result.policy_stored;
        }
        println!(
            "{:<16} {:>6} {:>5}‰ {:>7}‰ {:>7}‰ {:>7}‰ {:>7}‰ {:>9} {:>8}",
            name,
            corpus.len(),
            permille(same, corpus.len()),
            permille(lz4_huge, corpus.len()),
            permille(raw, corpus.len()),
            permille(false_raw, corpus.len()),
            permille(kept, corpus.len()),
            ratio(zstd_only, lz4),
            ratio(policy, lz4),
        );
        all_pages += corpus.len();
        all_same += same;
        all_raw += raw;
        all_false_raw += false_raw;
        all_kept += kept;
        all_lz4 += lz4;
        all_zstd += zstd_only;
        all_policy += policy;
    }
    println!(
        "{:<16} {:>6} {:>5}‰ {:>8} {:>7}‰ {:>7}‰ {:>7}‰ {:>9} {:>8}",
        "all",
        all_pages,
        permille(all_same, all_pages),
        "",
        permille(all_raw, all_pages),
        permille(all_false_raw, all_pages),
        permille(all_kept, all_pages),
        ratio(all_zstd, all_lz4),
        ratio(all_policy, all_lz4),
    );
    println!("  (same: same-filled; lz4huge: lz4 reaches 3 KiB; raw: the estimate stores raw;");
    println!("   falseraw: stored raw although zstd-1 gets below 3 KiB; kept: zstd result kept by");
    println!(
        "   the cold-page pass; zstd/lz4: zstd-1 on every page against lz4; policy: lz4, then"
    );
    println!("   zstd on cold pages when kept, against lz4; every page is taken as cold)");

    let mut rng = Rng::new(42);
    let random_pages = 5000;
    let random_raw = (0..random_pages)
        .filter(|_| estimate(&rng.page()).verdict() == Verdict::Incompressible)
        .count();
    println!("random pages called incompressible: {random_raw} of {random_pages}");

    assert!(
        permille(all_false_raw, all_pages) <= MAX_FALSE_RAW_PERMILLE,
        "{all_false_raw} of {all_pages} pages stored raw although zstd shrinks them"
    );
    assert!(permille(random_raw, random_pages) >= MIN_RANDOM_RAW_PERMILLE);
    assert!(
        all_policy * 1000 <= all_lz4 * MAX_STORED_PERMILLE,
        "policy stores {all_policy} bytes, lz4 alone {all_lz4}"
    );
}
