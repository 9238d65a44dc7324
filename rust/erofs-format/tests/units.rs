//! Unit tests of the public API on hand-made inputs: errors and errnos, bounds, the
//! superblock checks, zero padding and the plain pcluster transforms.

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use erofs_format::crc32c::crc32c_update;
use erofs_format::decompress::strip_zero_padding;
use erofs_format::dir::check_name;
use erofs_format::error::*;
use erofs_format::host::HostDecompressor;
use erofs_format::map::{Extent, ExtentKind};
use erofs_format::superblock::*;
use erofs_format::{decode_extent, Algorithm, BlockSource, SliceSource, Superblock};

/// A minimal valid superblock image: 4 KiB blocks, checksummed.
fn sb_image(bits: u8, incompat: u32, checksum: bool) -> Vec<u8> {
    let bs = 1usize << bits;
    let mut img = vec![0u8; (1024 + bs).max(2 * bs)];
    let sb = &mut img[1024..1152];
    sb[0..4].copy_from_slice(&SUPER_MAGIC.to_le_bytes());
    sb[8..12].copy_from_slice(&(if checksum { COMPAT_SB_CHKSUM } else { 0 }).to_le_bytes());
    sb[12] = bits;
    sb[14..16].copy_from_slice(&36u16.to_le_bytes());
    sb[80..84].copy_from_slice(&incompat.to_le_bytes());
    if checksum {
        let len = if bs > 1024 { bs - 1024 } else { bs };
        let crc = crc32c_update(!0, &img[1024..1024 + len]);
        img[1028..1032].copy_from_slice(&crc.to_le_bytes());
    }
    img
}

#[test]
fn errnos_match_the_kernel() {
    assert_eq!(Error::Corrupted("x").errno(), 117);
    assert_eq!(EFSCORRUPTED, EUCLEAN);
    assert_eq!(Error::Unsupported("x").errno(), 95);
    assert_eq!(Error::Io.errno(), 5);
    assert_eq!(Error::InvalidArgument("x").errno(), 22);
    assert_eq!(Error::UnknownFeature(0x80).errno(), 22);
    assert_eq!(Error::BadMagic.errno(), 22);
    assert_eq!(Error::BadChecksum.errno(), 74);
    assert_eq!(Error::NotFound.errno(), 2);
    assert_eq!(Error::NotDir.errno(), 20);
    assert_eq!(Error::BadName.errno(), 36);
    assert_eq!(
        Error::UnknownFeature(0x80).to_string(),
        "unknown incompatible features 0x80"
    );
}

#[test]
fn slice_source_is_bounded() {
    let data = [1u8, 2, 3, 4];
    let mut src = SliceSource::new(&data);
    let mut buf = [0u8; 2];
    src.read(2, &mut buf).unwrap();
    assert_eq!(buf, [3, 4]);
    assert_eq!(src.read(3, &mut buf), Err(Error::Io));
    assert_eq!(src.read(u64::MAX, &mut buf), Err(Error::Io));
}

#[test]
fn superblock_block_sizes_and_checks() {
    for bits in 9..=16u8 {
        let sb = Superblock::parse(&sb_image(bits, 0, true)).unwrap();
        assert_eq!(sb.block_size(), 1 << bits);
        assert_eq!(sb.root_nid, 36);
        assert_eq!(sb.compression.algorithms, 1);
    }
    assert_eq!(
        Superblock::parse(&sb_image(8, 0, false)),
        Err(Error::Unsupported("block size"))
    );
    assert_eq!(
        Superblock::parse(&sb_image(17, 0, false)),
        Err(Error::Unsupported("block size"))
    );
    let mut bad = sb_image(12, 0, true);
    bad[2000] ^= 1;
    assert_eq!(Superblock::parse(&bad), Err(Error::BadChecksum));
    let mut magic = sb_image(12, 0, false);
    magic[1024] ^= 1;
    assert_eq!(Superblock::parse(&magic), Err(Error::BadMagic));
    assert_eq!(
        Superblock::parse(&sb_image(12, 0x100, true)),
        Err(Error::UnknownFeature(0x100))
    );
    let mut dirblk = sb_image(12, 0, false);
    dirblk[1024 + 90] = 1;
    assert!(matches!(
        Superblock::parse(&dirblk),
        Err(Error::Unsupported(_))
    ));
    // Too short for the checksummed range.
    assert_eq!(
        Superblock::parse(&sb_image(12, 0, true)[..3000]),
        Err(Error::Io)
    );
    assert_eq!(Superblock::parse(&[]), Err(Error::Io));
}

#[test]
fn compression_configs_are_parsed_and_checked() {
    let mut img = sb_image(12, INCOMPAT_COMPR_CFGS, false);
    // lz4 + lzma records after the 128-byte superblock.
    img[1024 + 84..1024 + 86].copy_from_slice(&0b11u16.to_le_bytes());
    img[1152..1154].copy_from_slice(&14u16.to_le_bytes());
    img[1154..1156].copy_from_slice(&4096u16.to_le_bytes());
    img[1156..1158].copy_from_slice(&16u16.to_le_bytes());
    img[1168..1170].copy_from_slice(&14u16.to_le_bytes());
    img[1170..1174].copy_from_slice(&(1u32 << 20).to_le_bytes());
    let sb = Superblock::parse(&img).unwrap();
    assert_eq!(sb.compression.algorithms, 3);
    assert_eq!(sb.compression.lz4_max_distance, 4096);
    assert_eq!(sb.compression.lz4_max_pclusterblks, 16);
    assert_eq!(sb.compression.lzma_dict_size, 1 << 20);
    let mut unknown = img.clone();
    unknown[1024 + 84] = 0x10;
    assert!(matches!(
        Superblock::parse(&unknown),
        Err(Error::Unsupported(_))
    ));
    let mut small_dict = img;
    small_dict[1170..1174].copy_from_slice(&100u32.to_le_bytes());
    assert!(matches!(
        Superblock::parse(&small_dict),
        Err(Error::Corrupted(_))
    ));
}

fn ext(kind: ExtentKind, algorithm: Algorithm, length: u64, physical_len: u64) -> Extent {
    Extent {
        logical: 0,
        length,
        physical: 4096,
        physical_len,
        kind,
        algorithm,
        partial_ref: false,
        inline: false,
        device_id: 0,
    }
}

#[test]
fn zero_padding_and_plain_transforms() {
    let sb = Superblock::parse(&sb_image(12, INCOMPAT_ZERO_PADDING, false)).unwrap();
    let mut raw = vec![0u8; 4096];
    raw[4000..].fill(7);
    assert_eq!(strip_zero_padding(&sb, &raw, 0).unwrap().len(), 96);
    assert!(matches!(
        strip_zero_padding(&sb, &[0u8; 4096], 0),
        Err(Error::Corrupted(_))
    ));
    let mut dec = HostDecompressor::default();
    // Shifted: a prefix copy; an output longer than the extent is refused.
    let e = ext(ExtentKind::Compressed, Algorithm::Shifted, 100, 4096);
    let mut out = [0u8; 10];
    decode_extent(&sb, &e, &raw, &mut out, &mut dec).unwrap();
    assert_eq!(out, [0u8; 10]);
    let mut long = [0u8; 101];
    assert!(matches!(
        decode_extent(&sb, &e, &raw, &mut long, &mut dec),
        Err(Error::InvalidArgument(_))
    ));
    // The input must be the whole pcluster.
    assert!(decode_extent(&sb, &e, &raw[..100], &mut out, &mut dec).is_err());
    // Holes are zeros; fragments are not decoded here.
    let h = ext(ExtentKind::Hole, Algorithm::Shifted, 100, 0);
    let mut z = [9u8; 5];
    decode_extent(&sb, &h, &[], &mut z, &mut dec).unwrap();
    assert_eq!(z, [0; 5]);
    let f = ext(ExtentKind::Fragment, Algorithm::Shifted, 100, 100);
    assert!(decode_extent(&sb, &f, &raw, &mut z, &mut dec).is_err());
    // A corrupted lz4 pcluster is an error, not a panic.
    let c = ext(ExtentKind::Compressed, Algorithm::Lz4, 8192, 4096);
    let mut big = vec![0u8; 8192];
    assert!(decode_extent(&sb, &c, &raw, &mut big, &mut dec).is_err());
}

#[test]
fn names() {
    assert!(check_name(b"a").is_ok());
    assert!(check_name(&[b'x'; 255]).is_ok());
    assert_eq!(check_name(&[b'x'; 256]), Err(Error::BadName));
    assert_eq!(check_name(b""), Err(Error::BadName));
    assert_eq!(check_name(b"a/b"), Err(Error::BadName));
}

#[test]
fn lz4_partial_and_exact() {
    use erofs_format::host::lz4_decompress;
    // "abcabcabcabc" + "xyz": literals "abc", match offset 3 len 9, then literals "xyz".
    let block = [0x35, b'a', b'b', b'c', 3, 0, 0x30, b'x', b'y', b'z'];
    let mut out = [0u8; 15];
    assert_eq!(lz4_decompress(&block, &mut out, false).unwrap(), 15);
    assert_eq!(&out, b"abcabcabcabcxyz");
    let mut part = [0u8; 7];
    assert_eq!(lz4_decompress(&block, &mut part, true).unwrap(), 7);
    assert_eq!(&part, b"abcabca");
    assert!(lz4_decompress(&block, &mut part, false).is_err());
    // A match reaching before the output start is corruption.
    assert!(lz4_decompress(&[0x10, b'a', 5, 0, 0x00], &mut out, false).is_err());
}

#[test]
fn decode_is_shared_when_a_read_leaves_decoded_bytes_to_others() {
    let lz4 = ext(ExtentKind::Compressed, Algorithm::Lz4, 65536, 4096);
    // A read of the whole extent leaves nothing; any part of it does.
    assert!(!lz4.decode_is_shared(0, 65536));
    assert!(lz4.decode_is_shared(0, 4096));
    assert!(lz4.decode_is_shared(4096, 65536));
    assert!(lz4.decode_is_shared(100, 200));
    // A deduplicated pcluster serves other extents even when this one is read whole.
    let dedup = Extent {
        partial_ref: true,
        ..lz4
    };
    assert!(dedup.decode_is_shared(0, 65536));
    // Copied, not decoded: nothing to save.
    for (kind, alg) in [
        (ExtentKind::Compressed, Algorithm::Shifted),
        (ExtentKind::Compressed, Algorithm::Interlaced),
        (ExtentKind::Plain, Algorithm::Shifted),
        (ExtentKind::Hole, Algorithm::Shifted),
    ] {
        assert!(!ext(kind, alg, 65536, 65536).decode_is_shared(0, 4096));
    }
}
