//! Host-side decompressors and helpers (feature `host`): what the kernel module provides
//! with its own libraries, done here with pure-Rust crates for tests and fuzzing.

use std::io::Read;
use std::vec::Vec;

use crate::fmt::superblock::CompressionConfig;
use crate::fmt::{Algorithm, Decompressor, Error, Result};

/// A [`Decompressor`] for every EROFS algorithm, on pure-Rust decoders: its own LZ4 block
/// decoder (with partial decoding), `miniz_oxide` (raw DEFLATE), `ruzstd` (zstd) and
/// `lzma-rust2` (MicroLZMA, as raw LZMA1).
#[derive(Debug, Clone, Default)]
pub struct HostDecompressor {
    config: CompressionConfig,
}

impl HostDecompressor {
    /// A decompressor for an image with these compression settings.
    pub fn new(config: &CompressionConfig) -> Self {
        Self { config: *config }
    }
}

const CORRUPT: Error = Error::Corrupted("compressed data");

impl Decompressor for HostDecompressor {
    fn decompress(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: &mut [u8],
        partial: bool,
    ) -> Result<usize> {
        match algorithm {
            Algorithm::Lz4 => lz4_decompress(src, dst, partial),
            Algorithm::Deflate => deflate_decompress(src, dst, partial),
            Algorithm::Zstd => zstd_decompress(src, dst, partial),
            Algorithm::Lzma => microlzma_decompress(src, dst, self.config.lzma_dict_size, partial),
            Algorithm::Shifted | Algorithm::Interlaced => Err(Error::InvalidArgument(
                "plain pclusters need no decompressor",
            )),
        }
    }
}

/// Decodes an LZ4 block. With `partial`, stops once `dst` is full; otherwise the whole input
/// must decode and fit in `dst`. Returns the bytes written.
pub fn lz4_decompress(src: &[u8], dst: &mut [u8], partial: bool) -> Result<usize> {
    let mut ip = 0usize;
    let mut op = 0usize;
    let next = |ip: &mut usize| -> Result<u8> {
        let b = src.get(*ip).copied().ok_or(CORRUPT)?;
        *ip = ip.checked_add(1).ok_or(CORRUPT)?;
        Ok(b)
    };
    let ext_len = |ip: &mut usize, mut len: usize| -> Result<usize> {
        loop {
            let b = src.get(*ip).copied().ok_or(CORRUPT)?;
            *ip = ip.checked_add(1).ok_or(CORRUPT)?;
            len = len.checked_add(usize::from(b)).ok_or(CORRUPT)?;
            if b != 255 {
                return Ok(len);
            }
        }
    };
    loop {
        let token = next(&mut ip)?;
        let mut lit = usize::from(token >> 4);
        if lit == 15 {
            lit = ext_len(&mut ip, lit)?;
        }
        let lit_end = ip.checked_add(lit).ok_or(CORRUPT)?;
        let literals = src.get(ip..lit_end).ok_or(CORRUPT)?;
        // `op` never passes `dst.len()`: every write below is bounded by `room`.
        let room = dst.len().checked_sub(op).ok_or(CORRUPT)?;
        if lit > room {
            if !partial {
                return Err(CORRUPT);
            }
            let head = literals.get(..room).ok_or(CORRUPT)?;
            dst.get_mut(op..).ok_or(CORRUPT)?.copy_from_slice(head);
            return Ok(dst.len());
        }
        let lit_op_end = op.checked_add(lit).ok_or(CORRUPT)?;
        dst.get_mut(op..lit_op_end)
            .ok_or(CORRUPT)?
            .copy_from_slice(literals);
        op = lit_op_end;
        ip = lit_end;
        if ip == src.len() {
            return Ok(op);
        }
        if partial && op == dst.len() {
            return Ok(op);
        }
        let lo = next(&mut ip)?;
        let hi = next(&mut ip)?;
        let offset = usize::from(u16::from_le_bytes([lo, hi]));
        if offset == 0 || offset > op {
            return Err(CORRUPT);
        }
        let mut mlen = usize::from(token & 15);
        if mlen == 15 {
            mlen = ext_len(&mut ip, mlen)?;
        }
        mlen = mlen.checked_add(4).ok_or(CORRUPT)?;
        let room = dst.len().checked_sub(op).ok_or(CORRUPT)?;
        if mlen > room {
            if !partial {
                return Err(CORRUPT);
            }
            mlen = room;
        }
        // Copy in runs of at most `offset` bytes, so overlapping matches repeat correctly.
        let end = op.checked_add(mlen).ok_or(CORRUPT)?;
        while op < end {
            let run = offset.min(end.checked_sub(op).ok_or(CORRUPT)?);
            let from = op.checked_sub(offset).ok_or(CORRUPT)?;
            let from_end = from.checked_add(run).ok_or(CORRUPT)?;
            dst.copy_within(from..from_end, op);
            op = op.checked_add(run).ok_or(CORRUPT)?;
        }
        if partial && op == dst.len() {
            return Ok(op);
        }
    }
}

/// Inflates raw DEFLATE into `dst`.
pub fn deflate_decompress(src: &[u8], dst: &mut [u8], partial: bool) -> Result<usize> {
    use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;
    let mut state = DecompressorOxide::new();
    let flags = inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, _, written) = decompress(&mut state, src, dst, 0, flags);
    match status {
        TINFLStatus::Done => Ok(written),
        TINFLStatus::HasMoreOutput if partial => Ok(written),
        _ => Err(CORRUPT),
    }
}

/// Decodes a zstd frame into `dst`.
pub fn zstd_decompress(src: &[u8], dst: &mut [u8], partial: bool) -> Result<usize> {
    let mut input = src;
    let mut dec = ruzstd::decoding::StreamingDecoder::new(&mut input).map_err(|_| CORRUPT)?;
    let mut done = 0usize;
    while done < dst.len() {
        let buf = dst.get_mut(done..).ok_or(CORRUPT)?;
        match dec.read(buf) {
            Ok(0) => break,
            Ok(n) => done = done.checked_add(n).ok_or(CORRUPT)?,
            Err(_) => return Err(CORRUPT),
        }
    }
    if !partial && done == dst.len() {
        let mut extra = [0u8; 1];
        if !matches!(dec.read(&mut extra), Ok(0)) {
            return Err(CORRUPT);
        }
    }
    Ok(done)
}

/// Decodes MicroLZMA (xz's format for EROFS: the first byte is the inverted lc/lp/pb
/// properties byte, standing in for the range coder's always-zero first byte) into `dst`.
pub fn microlzma_decompress(
    src: &[u8],
    dst: &mut [u8],
    dict_size: u32,
    partial: bool,
) -> Result<usize> {
    let (&first, rest) = src.split_first().ok_or(CORRUPT)?;
    let props = !first;
    if props >= 9 * 5 * 5 {
        return Err(CORRUPT);
    }
    let (lc, lp, pb) = (
        u32::from(props % 9),
        u32::from(props / 9 % 5),
        u32::from(props / 45),
    );
    let mut stream = Vec::with_capacity(src.len());
    stream.push(0u8);
    stream.extend_from_slice(rest);
    let dict = dict_size.clamp(4096, 8 << 20);
    // Partial decoding reads a prefix of a longer stream: declare the size unknown, or the
    // reader refuses to stop inside a match.
    let size = if partial { u64::MAX } else { dst.len() as u64 };
    let mut reader = lzma_rust2::LzmaReader::new(stream.as_slice(), size, lc, lp, pb, dict, None)
        .map_err(|_| CORRUPT)?;
    reader.set_relaxed_end_condition(false);
    reader.read_exact(dst).map_err(|_| CORRUPT)?;
    Ok(dst.len())
}

/// Limits for [`exercise_image`], so corrupted images cannot make it run long.
#[derive(Debug, Clone, Copy)]
pub struct ExerciseLimits {
    /// Most inodes to visit.
    pub max_inodes: usize,
    /// Most directory blocks to read per directory.
    pub max_dir_blocks: u64,
    /// Most bytes to read per file.
    pub max_read: usize,
}

impl Default for ExerciseLimits {
    fn default() -> Self {
        Self {
            max_inodes: 256,
            max_dir_blocks: 64,
            max_read: 256 * 1024,
        }
    }
}

/// What [`exercise_image`] managed to do.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExerciseStats {
    /// Inodes opened.
    pub inodes: usize,
    /// Directory entries listed.
    pub entries: usize,
    /// Bytes read from files.
    pub bytes: u64,
    /// Directories listed.
    pub dirs: usize,
    /// Calls that returned an error (each directory gets one expected miss: a lookup of a
    /// name that is not there).
    pub errors: usize,
}

/// Walks a (possibly corrupted) image through every API: open, inodes, readdir, lookup,
/// extents, reads at several offsets. Never panics for any input (that is what the fuzzers
/// and the corruption tests check); errors are counted, not returned.
pub fn exercise_image(image: &[u8], limits: ExerciseLimits) -> ExerciseStats {
    use crate::fmt::{FileType, Scratch, SliceSource, Volume};
    use std::collections::{BTreeSet, VecDeque};
    use std::vec;

    // The counters saturate: they are statistics, bounded by `limits` long before overflow.
    let mut st = ExerciseStats::default();
    let mut src = SliceSource::new(image);
    let vol = match Volume::open(&mut src) {
        Ok(v) => v,
        Err(_) => {
            st.errors = st.errors.saturating_add(1);
            return st;
        }
    };
    let mut dec = HostDecompressor::new(&vol.sb.compression);
    let mut pcluster = vec![0u8; 1 << 20];
    let mut output = vec![0u8; 12 << 20];
    let mut block = vec![0u8; 1 << 16];
    let mut data = vec![0u8; limits.max_read];
    let mut seen = BTreeSet::new();
    let mut queue = VecDeque::from([vol.sb.root_nid]);
    while let Some(nid) = queue.pop_front() {
        if st.inodes >= limits.max_inodes || !seen.insert(nid) {
            continue;
        }
        let file = match vol.file(&mut src, nid) {
            Ok(f) => f,
            Err(_) => {
                st.errors = st.errors.saturating_add(1);
                continue;
            }
        };
        st.inodes = st.inodes.saturating_add(1);
        let mut scratch = Scratch {
            pcluster: &mut pcluster,
            output: &mut output,
        };
        // Extents of the first part of the file.
        for ext in file
            .extents(&vol.sb, &mut src, 0, limits.max_read as u64)
            .take(1000)
        {
            if ext.is_err() {
                st.errors = st.errors.saturating_add(1);
            }
        }
        // Reads at a few offsets, whatever the type.
        let size = file.size();
        for off in [0, 1, 4095, size / 2, size.saturating_sub(1)] {
            // A bound, clamped to the buffer at once.
            let len = data.len().min((off as usize % 7000).saturating_add(4096));
            let buf = data.get_mut(..len).unwrap_or_default();
            match vol.read(&mut src, &file, off, buf, &mut scratch, &mut dec) {
                Ok(n) => st.bytes = st.bytes.saturating_add(n as u64),
                Err(_) => st.errors = st.errors.saturating_add(1),
            }
        }
        if file.inode.file_type != FileType::Directory {
            match vol.read(&mut src, &file, 0, &mut data, &mut scratch, &mut dec) {
                Ok(n) => st.bytes = st.bytes.saturating_add(n as u64),
                Err(_) => st.errors = st.errors.saturating_add(1),
            }
            continue;
        }
        st.dirs = st.dirs.saturating_add(1);
        let mut names = std::vec::Vec::new();
        for i in 0..vol.dir_blocks(&file).min(limits.max_dir_blocks) {
            match vol.read_dir_block(&mut src, &file, i, &mut block, &mut scratch, &mut dec) {
                Ok(blk) => {
                    for e in blk.iter() {
                        match e {
                            Ok(e) => {
                                st.entries = st.entries.saturating_add(1);
                                queue.push_back(e.nid);
                                if names.len() < 16 {
                                    names.push(e.name.to_vec());
                                }
                            }
                            Err(_) => st.errors = st.errors.saturating_add(1),
                        }
                    }
                }
                Err(_) => st.errors = st.errors.saturating_add(1),
            }
        }
        names.push(b"no-such-name".to_vec());
        for name in names {
            if vol
                .lookup(&mut src, &file, &name, &mut block, &mut scratch, &mut dec)
                .is_err()
            {
                st.errors = st.errors.saturating_add(1);
            }
        }
    }
    st
}
