//! The compressibility estimate.

mod common;

use common::Rng;
use zmc_policy::policy::{estimate, verdict, Verdict};

#[test]
fn random_pages_are_incompressible() {
    let mut rng = Rng::new(1);
    let mut incompressible = 0;
    for _ in 0..2000 {
        if estimate(&rng.page()).verdict() == Verdict::Incompressible {
            incompressible += 1;
        }
    }
    assert!(incompressible >= 1995, "{incompressible} of 2000");
}

#[test]
fn entropy_of_known_distributions() {
    // One value: 0 bits. Two values evenly: 1 bit. 256 values evenly: 8 bits.
    assert_eq!(estimate(&[7; 4096]).entropy_mbits, 0);
    let two: Vec<u8> = (0..4096).map(|i| (i % 2) as u8).collect();
    assert_eq!(estimate(&two).entropy_mbits, 1000);
    let all: Vec<u8> = (0..512).map(|i| (i % 256) as u8).collect();
    let e = estimate(&all);
    assert_eq!((e.sampled, e.distinct, e.zeros, e.high), (512, 256, 2, 256));
    assert!(
        (7_999..=8_000).contains(&e.entropy_mbits),
        "{}",
        e.entropy_mbits
    );
}

#[test]
fn samples_512_bytes_of_a_page_and_all_of_short_input() {
    assert_eq!(estimate(&[1; 4096]).sampled, 512);
    assert_eq!(estimate(&[1; 16384]).sampled, 512);
    assert_eq!(estimate(&[1; 100]).sampled, 100);
    assert_eq!(estimate(&[]).sampled, 0);
}

#[test]
fn structured_pages_are_compressible() {
    let mut rng = Rng::new(2);
    // Text.
    let text = "the quick brown fox jumps over the lazy dog; ".repeat(100);
    assert_eq!(
        estimate(&text.as_bytes()[..4096]).verdict(),
        Verdict::Compressible
    );
    // Pointers: random low bits, constant high bytes.
    let pointers: Vec<u8> = (0..512)
        .flat_map(|_| (0x7f00_0000_0000u64 | (rng.next() & 0xff_fff8)).to_le_bytes())
        .collect();
    assert_eq!(estimate(&pointers).verdict(), Verdict::Compressible);
    // Half random, half zero.
    let mut half = rng.page();
    half[2048..].fill(0);
    assert_eq!(estimate(&half).verdict(), Verdict::Compressible);
    // Hex text of random data: 16 symbols, 4 bits.
    let hex: Vec<u8> = rng
        .page()
        .iter()
        .map(|b| b"0123456789abcdef"[usize::from(b & 15)])
        .collect();
    assert_eq!(estimate(&hex).verdict(), Verdict::Compressible);
}

#[test]
fn random_with_sparse_zeros_is_compressible() {
    // More zero bytes than random data shows: conservative.
    let mut page = Rng::new(3).page();
    for i in (0..4096).step_by(16) {
        page[i] = 0;
    }
    assert_eq!(estimate(&page).verdict(), Verdict::Compressible);
}

#[test]
fn short_input_is_never_incompressible() {
    let page = Rng::new(4).page();
    assert_eq!(estimate(&page[..511]).verdict(), Verdict::Compressible);
    assert_eq!(estimate(&page[..512]).verdict(), Verdict::Incompressible);
}

#[test]
fn bytes_above_0x7f_must_be_about_half() {
    // Random bytes with the top bit set three times in four: high entropy, yet outside the band.
    let mut rng = Rng::new(5);
    let page: Vec<u8> = rng
        .page()
        .iter()
        .enumerate()
        .map(|(i, &b)| if i % 4 == 0 { b } else { b | 0x80 })
        .collect();
    let e = estimate(&page);
    assert!(e.high > 320 && e.entropy_mbits >= 7_000, "{e:?}");
    assert_eq!(e.verdict(), Verdict::Compressible);
    assert_eq!(verdict(&page), Verdict::Compressible);
    assert_eq!(verdict(&rng.page()), Verdict::Incompressible);
}
