//! Property tests: parsers never panic on arbitrary bytes, and round trips hold.

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::OnceLock;

use common::{mkfs, small_tree};
use erofs_format::dir::{DirBlock, DIRENT_SIZE};
use erofs_format::host::{exercise_image, lz4_decompress, ExerciseLimits};
use erofs_format::map::{Extent, ExtentKind};
use erofs_format::{decode_extent, Algorithm, Inode, SliceSource, Superblock, Volume};
use proptest::prelude::*;

fn lz4_image() -> &'static [u8] {
    static IMG: OnceLock<Vec<u8>> = OnceLock::new();
    IMG.get_or_init(|| {
        mkfs(
            "p-lz4",
            &["-zlz4hc", "-C16384", "-Eztailpacking,fragments"],
            small_tree(),
        )
        .0
    })
}

fn any_sb() -> Superblock {
    Volume::open(&mut SliceSource::new(lz4_image())).unwrap().sb
}

/// Builds a directory block from sorted names.
fn dir_block(names: &[Vec<u8>], bs: usize) -> Option<Vec<u8>> {
    let mut blk = vec![0u8; bs];
    let mut nameoff = names.len() * DIRENT_SIZE;
    for (i, n) in names.iter().enumerate() {
        let d = &mut blk[i * DIRENT_SIZE..(i + 1) * DIRENT_SIZE];
        d[..8].copy_from_slice(&(1000 + i as u64).to_le_bytes());
        d[8..10].copy_from_slice(&(nameoff as u16).to_le_bytes());
        d[10] = 1;
        if nameoff + n.len() > bs {
            return None;
        }
        blk[nameoff..nameoff + n.len()].copy_from_slice(n);
        nameoff += n.len();
    }
    blk.truncate(nameoff);
    Some(blk)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, .. ProptestConfig::default() })]

    #[test]
    fn superblock_parse_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..6000)) {
        let _ = Superblock::parse(&bytes);
    }

    #[test]
    fn superblock_with_magic_never_panics(mut bytes in proptest::collection::vec(any::<u8>(), 1152..5200),
                                          bits in 9u8..=16, extslots in any::<u8>()) {
        bytes[1024..1028].copy_from_slice(&0xE0F5_E1E2u32.to_le_bytes());
        bytes[1024 + 12] = bits;
        bytes[1024 + 13] = extslots % 8;
        bytes[1032] &= !1; // no checksum, so the rest is parsed
        let _ = Superblock::parse(&bytes);
    }

    #[test]
    fn inode_parse_never_panics(raw in proptest::collection::vec(any::<u8>(), 0..80), nid in any::<u64>()) {
        let sb = any_sb();
        let _ = Inode::parse(&sb, nid, 0, &raw);
        let _ = Inode::read(&sb, &mut SliceSource::new(&raw), nid);
    }

    #[test]
    fn compact_inode_round_trip(mode_type in 0usize..3, perm in 0u16..0o7777, size in any::<u32>(),
                                 uid in any::<u16>(), gid in any::<u16>(), nlink in any::<u16>(),
                                 blk in any::<u32>(), ino in any::<u32>()) {
        let sb = any_sb();
        let ty = [0o100000u16, 0o040000, 0o120000][mode_type];
        let mut raw = [0u8; 32];
        raw[0..2].copy_from_slice(&(2u16 << 1).to_le_bytes()); // compact, flat inline
        raw[4..6].copy_from_slice(&(ty | perm).to_le_bytes());
        raw[6..8].copy_from_slice(&nlink.to_le_bytes());
        raw[8..12].copy_from_slice(&size.to_le_bytes());
        raw[16..20].copy_from_slice(&blk.to_le_bytes());
        raw[20..24].copy_from_slice(&ino.to_le_bytes());
        raw[24..26].copy_from_slice(&uid.to_le_bytes());
        raw[26..28].copy_from_slice(&gid.to_le_bytes());
        let i = Inode::parse(&sb, 5, 4096, &raw).unwrap();
        prop_assert_eq!(i.mode, ty | perm);
        prop_assert_eq!(i.size, u64::from(size));
        prop_assert_eq!((i.uid, i.gid, i.nlink), (u32::from(uid), u32::from(gid), u32::from(nlink)));
        prop_assert_eq!((i.raw_blkaddr(), i.ino), (blk, ino));
        prop_assert_eq!(i.data_pos().unwrap(), 4096 + 32);
        prop_assert_eq!(i.mtime, sb.build_time);
    }

    #[test]
    fn dir_block_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..600),
                              name in proptest::collection::vec(any::<u8>(), 1..20)) {
        if let Ok(b) = DirBlock::new(&bytes) {
            for e in b.iter() { let _ = e; }
            let _ = b.find(&name);
            let _ = b.cmp_first(&name);
            let _ = b.entry(usize::MAX);
        }
    }

    #[test]
    fn dir_block_round_trip(set in proptest::collection::btree_set(
                                proptest::collection::vec(1u8..=255, 1..40), 1..40),
                            probe in proptest::collection::vec(1u8..=255, 1..40)) {
        let names: Vec<Vec<u8>> = set.iter().cloned().collect();
        if let Some(blk) = dir_block(&names, 4096) {
            let b = DirBlock::new(&blk).unwrap();
            let got: Vec<Vec<u8>> = b.iter().map(|e| e.unwrap().name.to_vec()).collect();
            prop_assert_eq!(&got, &names);
            for (i, n) in names.iter().enumerate() {
                let e = b.find(n).unwrap().unwrap();
                prop_assert_eq!(e.nid, 1000 + i as u64);
            }
            prop_assert_eq!(b.find(&probe).unwrap().is_some(), set.contains(&probe));
        }
    }

    #[test]
    fn lz4_decoder_never_panics(src in proptest::collection::vec(any::<u8>(), 0..300),
                                out in 0usize..2000, partial in any::<bool>()) {
        let mut dst = vec![0u8; out];
        if let Ok(n) = lz4_decompress(&src, &mut dst, partial) {
            prop_assert!(n <= out);
        }
    }

    #[test]
    fn interlaced_round_trip(data in proptest::collection::vec(any::<u8>(), 1..=512),
                             la in any::<u32>(), take in 0usize..=512) {
        // Encode as mkfs does for a 512-byte block: bytes rotated to their in-block offset.
        let sb = Superblock { blkszbits: 9, ..any_sb() };
        let bs = 512usize;
        let o = la as usize % bs;
        let mut raw = vec![0u8; bs];
        let right = (bs - o).min(data.len());
        raw[o..o + right].copy_from_slice(&data[..right]);
        raw[..data.len() - right].copy_from_slice(&data[right..]);
        let ext = Extent {
            logical: u64::from(la),
            length: data.len() as u64,
            physical: 0,
            physical_len: bs as u64,
            kind: ExtentKind::Compressed,
            algorithm: Algorithm::Interlaced,
            partial_ref: false,
            inline: false,
            device_id: 0,
        };
        let n = take.min(data.len());
        let mut out = vec![0u8; n];
        let mut dec = erofs_format::host::HostDecompressor::default();
        decode_extent(&sb, &ext, &raw, &mut out, &mut dec).unwrap();
        prop_assert_eq!(&out[..], &data[..n]);
    }

    #[test]
    fn mutated_image_never_panics(muts in proptest::collection::vec((any::<usize>(), any::<u8>()), 1..12)) {
        let mut img = lz4_image().to_vec();
        let meta_end = img.len().min(12288);
        for (pos, val) in muts {
            let p = pos % meta_end;
            img[p] = val;
        }
        let _ = exercise_image(&img, ExerciseLimits { max_inodes: 32, max_dir_blocks: 8, max_read: 70_000 });
    }
}
