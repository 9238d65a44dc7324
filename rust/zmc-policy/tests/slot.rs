//! The slot word: every field round-trips for every page size the kernel builds with.

use proptest::prelude::*;
use zmc_policy::policy::{AlgoId, Claim, PageFeatures, PageFlags, SlotMeta};

fn roundtrip<const SHIFT: u32>(len: u32, algo: u8, flags: u8, access: u64) {
    let f = PageFeatures {
        algo: AlgoId(algo),
        stored_len: len,
        flags: PageFlags(flags),
        last_access_s: access,
    };
    let m = SlotMeta::<SHIFT>::pack(&f, PageFlags(flags));
    let back = SlotMeta::<SHIFT>::from_raw(m.raw()).features();
    assert_eq!(back.stored_len, len, "length, page shift {SHIFT}");
    assert_eq!(back.algo, AlgoId(algo));
    assert_eq!(back.flags, PageFlags(flags));
    assert_eq!(back.last_access_s, access & 0xffff_ffff);
}

#[test]
fn a_raw_page_keeps_its_length_on_every_page_size() {
    // A raw page is stored with the page size as its length: with 16 KiB pages that is 16384,
    // which a 13-bit field stores as 0.
    roundtrip::<12>(4096, 0, 0xff, 7);
    roundtrip::<14>(16384, 0, 0xff, 7);
    roundtrip::<16>(65536, 3, 0xff, u64::MAX);
    assert_eq!(SlotMeta::<14>::MAX_LEN, 16384);
}

#[test]
fn compressed_lengths_above_8k_survive_on_16k_pages() {
    for len in [8191, 8192, 8193, 12000, 16383] {
        roundtrip::<14>(len, 1, 0, 0);
    }
}

#[test]
fn with_flags_changes_only_the_flags() {
    let f = PageFeatures {
        algo: AlgoId(2),
        stored_len: 16384,
        flags: PageFlags(0),
        last_access_s: 123,
    };
    let m = SlotMeta::<14>::pack(&f, PageFlags(0x41));
    let n = m.with_flags(PageFlags(0xc1));
    assert_eq!(n.flags(), PageFlags(0xc1));
    let (a, b) = (m.features(), n.features());
    assert_eq!(
        (a.algo, a.stored_len, a.last_access_s),
        (b.algo, b.stored_len, b.last_access_s)
    );
}

proptest! {
    #[test]
    fn every_field_roundtrips(len in 0u32..=65536, algo in 0u8..4, flags: u8, access: u64) {
        roundtrip::<16>(len, algo, flags, access);
        roundtrip::<14>(len.min(16384), algo, flags, access);
        roundtrip::<12>(len.min(4096), algo, flags, access);
    }
}

#[test]
fn a_claim_survives_only_until_the_word_is_packed_again() {
    let f = PageFeatures {
        algo: AlgoId(0),
        stored_len: 1000,
        flags: PageFlags(0x40),
        last_access_s: 5,
    };
    let m = SlotMeta::<12>::pack(&f, f.flags);
    let bg = m.claimed(Claim::Background);
    assert!(bg.is_claimed(Claim::Background) && !bg.is_claimed(Claim::Manual));
    assert_eq!(bg.features(), m.features(), "a claim is not a feature");
    assert!(bg.with_flags(PageFlags(0x41)).is_claimed(Claim::Background));
    // The same page written again into the same handle in the same second packs to the word
    // the pass read, but without its claim: the pass must see the difference.
    let rewritten = SlotMeta::<12>::pack(&f, f.flags);
    assert_ne!(rewritten, bg);
    // The other pass claiming the slot changes the word too.
    assert_ne!(bg.claimed(Claim::Manual), bg);
}

proptest! {
    #[test]
    fn claims_never_leak_into_other_fields(len in 0u32..=16384, algo in 0u8..4, flags: u8, access: u64) {
        let f = PageFeatures { algo: AlgoId(algo), stored_len: len, flags: PageFlags(flags), last_access_s: access };
        let m = SlotMeta::<14>::pack(&f, PageFlags(flags));
        let c = m.claimed(Claim::Manual).claimed(Claim::Background);
        prop_assert_eq!(c.features(), m.features());
        prop_assert!(!m.is_claimed(Claim::Manual) && !m.is_claimed(Claim::Background));
    }
}
