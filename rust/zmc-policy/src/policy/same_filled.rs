//! Same-filled pages: stored as their repeating word, with no allocation.

/// The bytes of the machine word that zram compares (`unsigned long`, 64 bits on every arch
/// the suite builds for).
const WORD: usize = 8;

/// The repeating word of `page` when every machine word in it is equal, else `None`.
///
/// This is zram's rule: the page is read as native-endian `u64` words and is same-filled when
/// all of them equal the first one; the word is returned as read, so filling a page with it
/// (in native byte order) gives the page back. The last word is compared first, which rejects
/// most pages after two loads. An empty slice, or one whose length is not a multiple of 8, is
/// never same-filled.
pub fn same_filled(page: &[u8]) -> Option<u64> {
    if page.is_empty() || page.len().checked_rem(WORD) != Some(0) {
        return None;
    }
    let first = page.chunks_exact(WORD).next().map(word)?;
    let last = page.rchunks_exact(WORD).next().map(word)?;
    if first != last {
        return None;
    }
    page.chunks_exact(WORD)
        .all(|chunk| word(chunk) == first)
        .then_some(first)
}

/// The native-endian word in `chunk` (which is `WORD` bytes long).
fn word(chunk: &[u8]) -> u64 {
    <[u8; WORD]>::try_from(chunk).map_or(0, u64::from_ne_bytes)
}
