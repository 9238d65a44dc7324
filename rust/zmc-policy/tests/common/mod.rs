//! Helpers shared by the tests.

#![allow(dead_code)]

/// A seeded PRNG (splitmix64): the same pages on every run.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A page of random bytes.
    pub fn page(&mut self) -> Vec<u8> {
        (0..512).flat_map(|_| self.next().to_le_bytes()).collect()
    }
}
