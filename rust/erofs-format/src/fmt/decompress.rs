// Turning one extent's physical bytes into file data: zero-padding, the plain transforms
// (shifted and interlaced pclusters) and the call into a caller-supplied decompressor.

use super::bytes::{add_usize, sub, sub_usize};
use super::error::{Error, Result};
use super::map::{Extent, ExtentKind};
use super::superblock::{
    Superblock, ALG_DEFLATE, ALG_LZ4, ALG_LZMA, ALG_ZSTD, INCOMPAT_ZERO_PADDING,
};

/// How a pcluster's bytes become file data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    /// LZ4 block format (lz4 and lz4hc images).
    Lz4,
    /// MicroLZMA (the LZMA1 raw stream of xz's `lzma_microlzma_decoder`).
    Lzma,
    /// Raw DEFLATE (no zlib header).
    Deflate,
    /// A Zstandard frame.
    Zstd,
    /// Uncompressed pcluster, data starting at byte 0 of the pcluster.
    Shifted,
    /// Uncompressed pcluster rotated so each byte sits at its in-block logical offset.
    Interlaced,
}

impl Algorithm {
    /// The algorithm of on-disk number `n` (`Z_EROFS_COMPRESSION_*`).
    pub fn from_disk(n: u8) -> Option<Self> {
        Some(match n {
            ALG_LZ4 => Algorithm::Lz4,
            ALG_LZMA => Algorithm::Lzma,
            ALG_DEFLATE => Algorithm::Deflate,
            ALG_ZSTD => Algorithm::Zstd,
            _ => return None,
        })
    }

    /// Does this algorithm need a [`Decompressor`] (rather than a plain copy)?
    pub fn needs_decompressor(self) -> bool {
        !matches!(self, Algorithm::Shifted | Algorithm::Interlaced)
    }
}

/// A decompression engine for the compressed algorithms.
///
/// The kernel implements it with `LZ4_decompress_safe{,_partial}`, zstd, xz's MicroLZMA and
/// zlib inflate (raw, `-MAX_WBITS`); the host with pure-Rust decoders.
pub trait Decompressor {
    /// Decompresses `src` into `dst`.
    ///
    /// `src` is the exact compressed stream: zero padding at the head of the pcluster has
    /// been stripped. With `partial` false the stream must decode to exactly `dst.len()` bytes
    /// (for LZ4: `LZ4_decompress_safe`); with `partial` true the stream may hold more, and
    /// decoding stops once `dst` is full (`LZ4_decompress_safe_partial`, or stopping a stream
    /// decoder early). Returns the number of bytes written; anything but `dst.len()` is
    /// treated as corruption.
    fn decompress(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: &mut [u8],
        partial: bool,
    ) -> Result<usize>;
}

/// Strips the zero padding at the head of a pcluster (`z_erofs_fixup_insize`).
///
/// Only the first block (from `start`, the pcluster's in-block offset) is searched.
pub fn strip_zero_padding<'a>(sb: &Superblock, raw: &'a [u8], start: u64) -> Result<&'a [u8]> {
    let bs = u64::from(sb.block_size());
    let in_block = usize::try_from(sub(bs, sb.block_offset(start))?).unwrap_or(usize::MAX);
    let window = raw.len().min(in_block);
    let head = raw.get(..window).ok_or(Error::Corrupted("pcluster"))?;
    let skip = head
        .iter()
        .position(|&b| b != 0)
        .ok_or(Error::Corrupted("pcluster head is all zero padding"))?;
    raw.get(skip..).ok_or(Error::Corrupted("pcluster"))
}

/// Decodes the first `out.len()` bytes of `extent`'s data from its physical bytes `raw`.
///
/// `raw` must be exactly the `extent.physical_len` bytes at `extent.physical` (for
/// [`ExtentKind::Plain`] any prefix that covers `out` will do). `out.len()` may be shorter
/// than `extent.length`: decoding is then partial, as when reading the start of an extent.
/// Holes fill `out` with zeros. Fragment extents cannot be decoded here: their bytes live in
/// the packed inode and are read through it.
pub fn decode_extent<D: Decompressor + ?Sized>(
    sb: &Superblock,
    extent: &Extent,
    raw: &[u8],
    out: &mut [u8],
    dec: &mut D,
) -> Result<()> {
    if out.len() as u64 > extent.length {
        return Err(Error::InvalidArgument("output longer than the extent"));
    }
    match extent.kind {
        ExtentKind::Hole => {
            out.fill(0);
            Ok(())
        }
        ExtentKind::Plain => {
            let src = raw
                .get(..out.len())
                .ok_or(Error::InvalidArgument("short input"))?;
            out.copy_from_slice(src);
            Ok(())
        }
        ExtentKind::Fragment => Err(Error::InvalidArgument(
            "fragment extents read the packed inode",
        )),
        ExtentKind::Compressed => {
            if raw.len() as u64 != extent.physical_len {
                return Err(Error::InvalidArgument("input is not the whole pcluster"));
            }
            match extent.algorithm {
                Algorithm::Shifted => {
                    let src = raw
                        .get(..out.len())
                        .ok_or(Error::Corrupted("plain pcluster shorter than its extent"))?;
                    out.copy_from_slice(src);
                    Ok(())
                }
                Algorithm::Interlaced => decode_interlaced(sb, extent.logical, raw, out),
                _ => {
                    let (algorithm, src, partial) = decode_input(sb, extent, raw, out.len())?;
                    let n = dec.decompress(algorithm, src, out, partial)?;
                    if n != out.len() {
                        return Err(Error::Corrupted("decompressed size mismatch"));
                    }
                    Ok(())
                }
            }
        }
    }
}

/// What a decompressor gets to decode the first `out_len` bytes of the compressed `extent`
/// from its whole pcluster `raw`: the algorithm, the exact compressed stream (zero padding
/// stripped) and whether decoding is partial. For callers whose output is not a Rust slice
/// (the kernel decoding straight into a caller's pages); [`decode_extent`] uses it too.
pub fn decode_input<'a>(
    sb: &Superblock,
    extent: &Extent,
    raw: &'a [u8],
    out_len: usize,
) -> Result<(Algorithm, &'a [u8], bool)> {
    let algorithm = extent.algorithm;
    if extent.kind != ExtentKind::Compressed || !algorithm.needs_decompressor() {
        return Err(Error::InvalidArgument("not a compressed pcluster"));
    }
    if raw.len() as u64 != extent.physical_len {
        return Err(Error::InvalidArgument("input is not the whole pcluster"));
    }
    if out_len as u64 > extent.length {
        return Err(Error::InvalidArgument("output longer than the extent"));
    }
    let zero_padding = algorithm != Algorithm::Lz4 || sb.has_incompat(INCOMPAT_ZERO_PADDING);
    let src = if zero_padding {
        strip_zero_padding(sb, raw, extent.physical)?
    } else {
        raw
    };
    let partial = extent.partial_ref
        || (out_len as u64) < extent.length
        || (algorithm == Algorithm::Lz4 && !zero_padding);
    Ok((algorithm, src, partial))
}

/// Undoes the rotation of an interlaced plain pcluster.
///
/// The first `bs - logical % bs` output bytes come from the tail of the pcluster, the rest from
/// its head (the kernel's `z_erofs_transform_plain`).
fn decode_interlaced(sb: &Superblock, logical: u64, raw: &[u8], out: &mut [u8]) -> Result<()> {
    if out.len() > raw.len() {
        return Err(Error::Corrupted("plain pcluster shorter than its extent"));
    }
    let bs = u64::from(sb.block_size());
    let cur = usize::try_from(sub(bs, sb.block_offset(logical))?).unwrap_or(usize::MAX);
    let cur = cur.min(raw.len());
    let first = cur.min(out.len());
    let tail_start = sub_usize(raw.len(), cur)?;
    let (head_out, rest_out) = out.split_at_mut(first);
    let tail = raw
        .get(tail_start..add_usize(tail_start, first)?)
        .ok_or(Error::Corrupted("interlaced pcluster"))?;
    head_out.copy_from_slice(tail);
    let rest = raw
        .get(..rest_out.len())
        .ok_or(Error::Corrupted("interlaced pcluster"))?;
    rest_out.copy_from_slice(rest);
    Ok(())
}
