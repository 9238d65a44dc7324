// CRC-32C (Castagnoli), as the kernel's crc32c(): no final inversion, the seed given by the caller.

const POLY: u32 = 0x82F6_3B78;

// Indexes below 256 into a 256-entry array, and counts loops to 8 and 256, at compile time
// only (`TABLE` is a static: any overflow or bad index would fail the build, not a read).
#[allow(clippy::indexing_slicing, clippy::arithmetic_side_effects)]
const fn make_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        table[i] = crc;
        i += 1;
    }
    table
}

static TABLE: [u32; 256] = make_table();

/// Updates the raw CRC-32C register `crc` with `data` (the kernel's `crc32c(crc, data, len)`).
pub fn crc32c_update(mut crc: u32, data: &[u8]) -> u32 {
    for &b in data {
        let idx = usize::from((crc as u8) ^ b);
        let t = TABLE.get(idx).copied().unwrap_or(0);
        crc = (crc >> 8) ^ t;
    }
    crc
}

#[cfg(test)]
mod tests {
    use super::crc32c_update;

    #[test]
    fn check_value() {
        // The standard check value of CRC-32C is 0xE3069283 (with the final inversion).
        assert_eq!(!crc32c_update(!0, b"123456789"), 0xE306_9283);
    }
}
