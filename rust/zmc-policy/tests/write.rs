//! The write decision and the features of a written, read or idle page.

mod common;

use common::Rng;
use zmc_policy::policy::{
    decide_write, is_huge, AlgoId, CompPolicy, PageFeatures, PageFlags, WriteDecision,
};

#[test]
fn same_filled_pages_are_stored_as_their_word_under_both_policies() {
    let page = 42u64.to_ne_bytes().repeat(512);
    for policy in [CompPolicy::Static, CompPolicy::Adaptive] {
        assert_eq!(decide_write(&page, policy), WriteDecision::SameFilled(42));
    }
}

#[test]
fn incompressible_pages_are_raw_only_under_adaptive() {
    let page = Rng::new(10).page();
    assert_eq!(
        decide_write(&page, CompPolicy::Adaptive),
        WriteDecision::Raw
    );
    assert_eq!(
        decide_write(&page, CompPolicy::Static),
        WriteDecision::Compress(AlgoId::PRIMARY)
    );
}

#[test]
fn other_pages_take_the_primary_algorithm() {
    let page = b"some text, some more text. ".repeat(152);
    assert_eq!(
        decide_write(&page[..4096], CompPolicy::Adaptive),
        WriteDecision::Compress(AlgoId::PRIMARY)
    );
}

#[test]
fn huge_rule_is_at_or_above_the_huge_size() {
    assert!(!is_huge(3263, 3264));
    assert!(is_huge(3264, 3264));
    assert!(is_huge(4096, 3264));
}

#[test]
fn written_features_follow_the_decision() {
    let same = PageFeatures::written(WriteDecision::SameFilled(0), 0, false, 5);
    assert_eq!((same.stored_len, same.flags), (0, PageFlags::SAME));

    let raw = PageFeatures::written(WriteDecision::Raw, 4096, true, 5);
    assert!(raw.flags.contains(PageFlags::HUGE.with(PageFlags::NO_GAIN)));

    let huge = PageFeatures::written(WriteDecision::Compress(AlgoId::PRIMARY), 4096, true, 5);
    assert_eq!(
        huge.flags,
        PageFlags::HUGE,
        "huge for lz4 is still worth recompressing"
    );

    let small = PageFeatures::written(WriteDecision::Compress(AlgoId::PRIMARY), 900, false, 5);
    assert_eq!(
        small,
        PageFeatures {
            algo: AlgoId::PRIMARY,
            stored_len: 900,
            flags: PageFlags::NONE,
            last_access_s: 5
        }
    );
}

#[test]
fn a_read_page_is_hot_again() {
    let page = PageFeatures::written(WriteDecision::Compress(AlgoId::PRIMARY), 900, false, 10)
        .marked_idle();
    assert!(page.is_cold(11, 300));
    let read = page.touched(1000);
    assert!(!read.flags.contains(PageFlags::IDLE));
    assert_eq!(read.last_access_s, 1000);
    assert!(!read.is_cold(1299, 300));
    assert!(read.is_cold(1300, 300));
    // A clock going backwards does not make the page older.
    assert_eq!(read.touched(500).last_access_s, 1000);
}

#[test]
fn cold_means_idle_or_aged_and_never_same_filled() {
    let page = PageFeatures::written(WriteDecision::Compress(AlgoId::PRIMARY), 900, false, 100);
    assert!(!page.is_cold(399, 300));
    assert!(page.is_cold(400, 300));
    assert!(!page.is_cold(10_000, 0), "age 0 disables the age rule");
    assert!(page.marked_idle().is_cold(100, 0));
    let same = PageFeatures::written(WriteDecision::SameFilled(1), 0, false, 0);
    assert!(!same.marked_idle().is_cold(10_000, 300));
}
