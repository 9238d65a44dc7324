//! The content hash of a page: recorded when a block is read, checked when its page is stored,
//! so that a page whose bytes differ from the disk's is never cached.
//!
//! Not cryptographic: it guards against the kernel's own paths (a page changed in memory since
//! it was read), not against an adversary, who can write the disk anyway. Four independent
//! lanes of multiply-xor over little-endian words keep the multiplier busy; every input bit
//! reaches the result through at least one multiplication and the final mix.

const K0: u64 = 0x9e37_79b9_7f4a_7c15;
const K1: u64 = 0xc2b2_ae3d_27d4_eb4f;
const K2: u64 = 0x1656_67b1_9e37_79f9;
const K3: u64 = 0xd6e8_feb8_6659_fd93;

fn mix(x: u64) -> u64 {
    let x = (x ^ (x >> 32)).wrapping_mul(K1);
    let x = (x ^ (x >> 29)).wrapping_mul(K2);
    x ^ (x >> 32)
}

fn lane(h: u64, w: u64, k: u64) -> u64 {
    (h ^ w).wrapping_mul(k).rotate_left(27)
}

fn word(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    for (d, s) in w.iter_mut().zip(b) {
        *d = *s;
    }
    u64::from_le_bytes(w)
}

/// The hash of `data` (a page, or any length).
pub fn page_hash(data: &[u8]) -> u64 {
    let mut h = [K0, K1, K2, K3];
    let mut blocks = data.chunks_exact(32);
    for b in &mut blocks {
        let mut words = b.chunks_exact(8).map(word);
        h[0] = lane(h[0], words.next().unwrap_or(0), K0);
        h[1] = lane(h[1], words.next().unwrap_or(0), K1);
        h[2] = lane(h[2], words.next().unwrap_or(0), K2);
        h[3] = lane(h[3], words.next().unwrap_or(0), K3);
    }
    let mut t = h[0] ^ h[1].rotate_left(16) ^ h[2].rotate_left(32) ^ h[3].rotate_left(48);
    for w in blocks.remainder().chunks(8).map(word) {
        t = lane(t, w, K0);
    }
    // `data.len()` fits in u64 on every target the kernel builds for.
    let len = u64::try_from(data.len()).unwrap_or(u64::MAX);
    mix(t ^ len.wrapping_mul(K3))
}
