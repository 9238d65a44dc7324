//! Corruption tests: real images with bytes flipped and truncated at fixed-seed positions.
//! Every API call must return Ok or Err, never panic; a flipped byte in the checksummed
//! superblock block must always be refused.

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{mkfs, small_tree, Reader, Rng};
use erofs_format::host::{exercise_image, ExerciseLimits};
use erofs_format::superblock::{COMPAT_SB_CHKSUM, SUPER_OFFSET};
use erofs_format::{Error, Volume};

const OPTION_SETS: &[(&str, &[&str])] = &[
    ("c-plain", &[]),
    (
        "c-lz4",
        &["-zlz4hc", "-C16384", "-Eztailpacking,fragments,dedupe"],
    ),
    ("c-lz4-compact", &["-zlz4", "-Eztailpacking"]),
    ("c-chunk", &["--chunksize=8192", "-Eforce-chunk-indexes"]),
    ("c-zstd", &["-zzstd", "-b", "1024"]),
    ("c-deflate", &["-zdeflate", "-Eall-fragments"]),
    ("c-lzma", &["-zlzma", "-C8192"]),
];

fn limits() -> ExerciseLimits {
    ExerciseLimits {
        max_inodes: 96,
        max_dir_blocks: 16,
        max_read: 160 * 1024,
    }
}

#[test]
fn clean_images_read_without_errors() {
    for (name, opts) in OPTION_SETS {
        let (image, _) = mkfs(name, opts, small_tree());
        let st = exercise_image(&image, limits());
        // The only errors: one lookup of a missing name per directory.
        assert_eq!(st.errors, st.dirs, "{name}: {st:?}");
        assert!(st.inodes > 60 && st.bytes > 300_000, "{name}: {st:?}");
    }
}

#[test]
fn flipped_and_truncated_images_never_panic() {
    for (name, opts) in OPTION_SETS {
        let (image, _) = mkfs(name, opts, small_tree());
        let mut rng = Rng(0xC0FF_EE00 ^ image.len() as u64);
        // Metadata lives in the first blocks and right after the data: bias flips there.
        for round in 0..90 {
            let mut img = image.clone();
            let flips = 1 + rng.below(8);
            for _ in 0..flips {
                let pos = if round % 2 == 0 {
                    rng.below(img.len().min(16384) as u64)
                } else {
                    rng.below(img.len() as u64)
                } as usize;
                img[pos] ^= 1 << rng.below(8);
            }
            // Skip the superblock checksum for half of the rounds, so the rest is reached.
            if round % 4 != 0 {
                fix_checksum(&mut img);
            }
            let _ = exercise_image(&img, limits());
        }
        for _ in 0..20 {
            let cut = rng.below(image.len() as u64) as usize;
            let _ = exercise_image(&image[..cut], limits());
        }
    }
}

/// Recomputes the superblock checksum after a mutation (so flips past it are exercised).
fn fix_checksum(img: &mut [u8]) {
    if img.len() < 1024 + 128 {
        return;
    }
    let compat = u32::from_le_bytes(img[1032..1036].try_into().unwrap());
    if compat & COMPAT_SB_CHKSUM == 0 {
        return;
    }
    let bits = img[1024 + 12];
    if !(9..=16).contains(&bits) {
        return;
    }
    let bs = 1usize << bits;
    let len = if bs > 1024 { bs - 1024 } else { bs };
    if img.len() < 1024 + len {
        return;
    }
    img[1028..1032].fill(0);
    let crc = erofs_format::crc32c::crc32c_update(!0, &img[1024..1024 + len]);
    img[1028..1032].copy_from_slice(&crc.to_le_bytes());
}

#[test]
fn superblock_checksum_catches_every_flip() {
    let (image, _) = mkfs("c-crc", &["-zlz4"], small_tree());
    let vol = Volume::open(&mut erofs_format::SliceSource::new(&image)).unwrap();
    assert!(
        vol.sb.has_compat(COMPAT_SB_CHKSUM),
        "mkfs.erofs sets the checksum by default"
    );
    let bs = vol.sb.block_size() as usize;
    let len = if bs > 1024 { bs - 1024 } else { bs };
    let mut rng = Rng(7);
    for i in 0..400 {
        let mut img = image.clone();
        // Every byte of the first 160, then random ones across the checksummed range.
        let off = if i < 160 {
            i
        } else {
            rng.below(len as u64) as usize
        };
        let pos = SUPER_OFFSET as usize + off;
        let bit = rng.below(8);
        img[pos] ^= 1 << bit;
        let opened = Volume::open(&mut erofs_format::SliceSource::new(&img));
        if pos == SUPER_OFFSET as usize + 8 && bit == 0 {
            // Clearing the checksum flag itself turns the check off (as in the kernel): the
            // result must then be the same superblock apart from that flag.
            let v = opened.unwrap();
            assert_eq!(
                v.sb.feature_compat | COMPAT_SB_CHKSUM,
                vol.sb.feature_compat
            );
            continue;
        }
        match opened {
            Err(Error::BadChecksum) | Err(Error::BadMagic) => {}
            // A changed block size moves the checked range; it must still be refused.
            Err(_) => {}
            Ok(v) => panic!("flip at {pos} accepted: {v:?}"),
        }
    }
    // The unflipped image still opens, and a Reader reads it.
    let r = Reader::new(&image).unwrap();
    assert_eq!(r.vol.sb, vol.sb);
}

#[test]
fn nosbcrc_images_open() {
    let (image, _) = mkfs("c-nocrc", &["-Enosbcrc"], small_tree());
    let vol = Volume::open(&mut erofs_format::SliceSource::new(&image)).unwrap();
    assert!(!vol.sb.has_compat(COMPAT_SB_CHKSUM));
}

#[test]
fn unknown_incompat_feature_is_refused() {
    let (mut image, _) = mkfs("c-incompat", &["-Enosbcrc"], small_tree());
    let at = SUPER_OFFSET as usize + 80;
    let v = u32::from_le_bytes(image[at..at + 4].try_into().unwrap()) | 0x80;
    image[at..at + 4].copy_from_slice(&v.to_le_bytes());
    let err = Volume::open(&mut erofs_format::SliceSource::new(&image)).unwrap_err();
    assert_eq!(err, Error::UnknownFeature(0x80));
    assert_eq!(err.errno(), erofs_format::error::EINVAL);
}
