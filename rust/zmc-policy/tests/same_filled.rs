//! Same-filled detection, zram's rule.

use zmc_policy::policy::same_filled;

fn page_of(word: u64) -> Vec<u8> {
    word.to_ne_bytes().repeat(512)
}

#[test]
fn zero_page_is_same_filled_with_zero() {
    assert_eq!(same_filled(&[0; 4096]), Some(0));
}

#[test]
fn repeated_word_is_returned_as_read() {
    for word in [1, 0xdead_beef_0000_0001, u64::MAX, 0x0101_0101_0101_0101] {
        let page = page_of(word);
        assert_eq!(same_filled(&page), Some(word));
        // Filling a page with the word in native order gives the page back.
        assert_eq!(page_of(same_filled(&page).unwrap()), page);
    }
}

#[test]
fn one_different_byte_anywhere_breaks_it() {
    for position in [0, 7, 8, 2048, 4088, 4095] {
        let mut page = page_of(0x1234_5678_9abc_def0);
        page[position] ^= 1;
        assert_eq!(same_filled(&page), None, "byte {position}");
    }
}

#[test]
fn repeating_pattern_shorter_than_a_word_counts_but_not_longer() {
    // A 4-byte pattern repeats every word; a 16-byte one does not.
    assert!(same_filled(&[1, 2, 3, 4].repeat(1024)).is_some());
    let sixteen: Vec<u8> = (0..16).collect();
    assert_eq!(same_filled(&sixteen.repeat(256)), None);
}

#[test]
fn lengths_that_are_not_whole_words_are_never_same_filled() {
    assert_eq!(same_filled(&[]), None);
    assert_eq!(same_filled(&[0; 7]), None);
    assert_eq!(same_filled(&[0; 4095]), None);
    assert_eq!(same_filled(&[0; 8]), Some(0));
}
