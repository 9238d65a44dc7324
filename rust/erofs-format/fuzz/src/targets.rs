//! The fuzz targets, shared by the afl.rs harness (`main.rs`) and the host regression test
//! (`tests/fuzz_regressions.rs` includes this file by path), so that a saved crash replays
//! through exactly the code that found it. Every target is deterministic (no clock, no
//! randomness, no state kept between inputs), and any panic is a crash: the crate must return
//! `Ok` or `Err` on every input.

use erofs_format::dir::DirBlock;
use erofs_format::host::{exercise_image, ExerciseLimits};
use erofs_format::superblock::{INCOMPAT_COMPR_CFGS, SUPPORTED_INCOMPAT};
use erofs_format::{FileMap, Inode, SliceSource, Superblock};

/// A fuzz target: runs one input.
pub(crate) type Target = fn(&[u8]);

/// The targets by name, the main one first. Crash files are named `TARGET-...`.
pub(crate) const TARGETS: &[(&str, Target)] = &[
    ("image", image),
    ("superblock", superblock),
    ("inode", inode),
    ("dir", dir),
];

/// The target called `name`.
pub(crate) fn by_name(name: &str) -> Option<Target> {
    TARGETS.iter().find(|(n, _)| *n == name).map(|(_, f)| *f)
}

/// The limits of the whole-image walk: small enough for thousands of runs a second, large
/// enough to reach every layout of the seed images.
pub(crate) const IMAGE_LIMITS: ExerciseLimits = ExerciseLimits {
    max_inodes: 48,
    max_dir_blocks: 8,
    max_read: 96 * 1024,
};

/// The main target: a whole image through `exercise_image` (open, readdir, lookup, map,
/// decompress and read every reachable file).
pub(crate) fn image(data: &[u8]) {
    let _ = exercise_image(data, IMAGE_LIMITS);
}

/// Superblock parsing (magic, checksum, features, compression configs).
pub(crate) fn superblock(data: &[u8]) {
    let _ = Superblock::parse(data);
}

/// Directory blocks: validation, iteration and binary search.
pub(crate) fn dir(data: &[u8]) {
    if let Ok(b) = DirBlock::new(data) {
        for e in b.iter() {
            let _ = e;
        }
        let _ = b.find(b"hello");
        let _ = b.find(b"\xff");
    }
}

/// Bytes of the header of an `inode` input, before the metadata.
pub(crate) const INODE_HEADER: usize = 2;

/// Inode parsing and (compressed-index) mapping on arbitrary metadata. The input is a 2-byte
/// header, `[blkszbits - 9, feature_incompat]`, then the metadata area (nid 0 at its start).
pub(crate) fn inode(data: &[u8]) {
    let (Some(header), Some(meta)) = (data.get(..INODE_HEADER), data.get(INODE_HEADER..)) else {
        return;
    };
    let Some(sb) = header_superblock(header) else {
        return;
    };
    let _ = Inode::parse(&sb, 0, 0, meta);
    let mut src = SliceSource::new(meta);
    for nid in 0..4 {
        let Ok(inode) = Inode::read(&sb, &mut src, nid) else {
            continue;
        };
        let Ok(map) = FileMap::new(&sb, &mut src, &inode) else {
            continue;
        };
        let size = map.size();
        for off in [0, 1, 4095, 4096, 65537, size / 2, size.saturating_sub(1)] {
            let _ = map.map(&sb, &mut src, off);
        }
        for e in map.extents(&sb, &mut src, 0, 1 << 20).take(64) {
            let _ = e;
        }
    }
}

/// The superblock an `inode` input runs against: block size and incompatible features from
/// the header, metadata at block 0, and (with `COMPR_CFGS`) every algorithm enabled. It is
/// built as bytes and parsed, so it is one the parser accepts.
fn header_superblock(header: &[u8]) -> Option<Superblock> {
    let blkszbits = 9 + header.first()? % 8;
    let incompat = u32::from(*header.get(1)?) & SUPPORTED_INCOMPAT;
    let mut raw = vec![0u8; 4096];
    raw.get_mut(1024..1028)?
        .copy_from_slice(&0xE0F5_E1E2u32.to_le_bytes());
    *raw.get_mut(1024 + 12)? = blkszbits;
    raw.get_mut(1024 + 80..1024 + 84)?
        .copy_from_slice(&incompat.to_le_bytes());
    if incompat & INCOMPAT_COMPR_CFGS != 0 {
        raw.get_mut(1024 + 84..1024 + 86)?
            .copy_from_slice(&0x0fu16.to_le_bytes());
        // The records after the 128-byte superblock, each 4-byte aligned: lz4 (distance,
        // largest pcluster in blocks), lzma (dictionary size), deflate (window bits), zstd
        // (format, window log - 10).
        let lz4_blks = 16u16.min(((1u32 << 20) >> blkszbits) as u16);
        let mut lz4 = [0u8; 14];
        lz4.get_mut(2..4)?.copy_from_slice(&lz4_blks.to_le_bytes());
        let mut lzma = [0u8; 14];
        lzma.get_mut(..4)?
            .copy_from_slice(&(1u32 << 20).to_le_bytes());
        let records: [&[u8]; 4] = [&lz4, &lzma, &[15, 0, 0, 0, 0, 0], &[0, 7, 0, 0, 0, 0]];
        let mut at = 1024 + 128;
        for rec in records {
            at = (at + 3) & !3;
            raw.get_mut(at..at + 2)?
                .copy_from_slice(&(rec.len() as u16).to_le_bytes());
            raw.get_mut(at + 2..at + 2 + rec.len())?
                .copy_from_slice(rec);
            at += 2 + rec.len();
        }
    }
    Superblock::parse(&raw).ok()
}
