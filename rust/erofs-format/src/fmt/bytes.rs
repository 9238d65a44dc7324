// Bounds-checked little-endian field reads. A short buffer is a corrupted structure.

use super::error::{Error, Result};

const SHORT: Error = Error::Corrupted("structure truncated");

/// Reads a byte at `off`.
pub(super) fn u8_at(b: &[u8], off: usize) -> Result<u8> {
    b.get(off).copied().ok_or(SHORT)
}

/// Reads a little-endian `u16` at `off`.
pub(super) fn le16(b: &[u8], off: usize) -> Result<u16> {
    let s = b.get(off..off.checked_add(2).ok_or(SHORT)?).ok_or(SHORT)?;
    let mut a = [0u8; 2];
    a.copy_from_slice(s);
    Ok(u16::from_le_bytes(a))
}

/// Reads a little-endian `u32` at `off`.
pub(super) fn le32(b: &[u8], off: usize) -> Result<u32> {
    let s = b.get(off..off.checked_add(4).ok_or(SHORT)?).ok_or(SHORT)?;
    let mut a = [0u8; 4];
    a.copy_from_slice(s);
    Ok(u32::from_le_bytes(a))
}

/// Reads a little-endian `u64` at `off`.
pub(super) fn le64(b: &[u8], off: usize) -> Result<u64> {
    let s = b.get(off..off.checked_add(8).ok_or(SHORT)?).ok_or(SHORT)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Ok(u64::from_le_bytes(a))
}

/// Converts an image-derived `u64` to `usize`, failing on 32-bit overflow.
pub(super) fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| Error::Corrupted("value does not fit in usize"))
}

/// The error of an offset or length computation that overflows: only a corrupted image (or a
/// broken invariant) gets there, never a valid one.
const OVERFLOW: Error = Error::Corrupted("address arithmetic overflow");

/// `a + b`, or a corruption error on overflow.
pub(super) fn add(a: u64, b: u64) -> Result<u64> {
    a.checked_add(b).ok_or(OVERFLOW)
}

/// `a - b`, or a corruption error when `b > a`.
pub(super) fn sub(a: u64, b: u64) -> Result<u64> {
    a.checked_sub(b).ok_or(OVERFLOW)
}

/// `a * b`, or a corruption error on overflow.
pub(super) fn mul(a: u64, b: u64) -> Result<u64> {
    a.checked_mul(b).ok_or(OVERFLOW)
}

/// `a + b` on `usize` (buffer positions), or a corruption error on overflow.
pub(super) fn add_usize(a: usize, b: usize) -> Result<usize> {
    a.checked_add(b).ok_or(OVERFLOW)
}

/// `a - b` on `usize` (buffer positions), or a corruption error when `b > a`.
pub(super) fn sub_usize(a: usize, b: usize) -> Result<usize> {
    a.checked_sub(b).ok_or(OVERFLOW)
}

/// `a << s`, or a corruption error when bits would be lost.
pub(super) fn shl(a: u64, s: u32) -> Result<u64> {
    let shifted = a
        .checked_shl(s)
        .ok_or(Error::Corrupted("shift too large"))?;
    if shifted >> s != a {
        return Err(OVERFLOW);
    }
    Ok(shifted)
}

/// Rounds `v` up to a multiple of the power of two `align`.
pub(super) fn round_up(v: u64, align: u64) -> Result<u64> {
    let mask = align
        .checked_sub(1)
        .ok_or(Error::InvalidArgument("zero alignment"))?;
    Ok(add(v, mask)? & !mask)
}

/// The mask of the low `bits` bits, for a block or cluster offset (all ones from 64 up).
pub(super) fn low_mask(bits: u32) -> u64 {
    !u64::MAX.checked_shl(bits).unwrap_or(0)
}
