//! Builds images of a generated tree with the freshly built mkfs.erofs, for many option sets,
//! and reads every file back through the crate (readdir, lookup, full and partial reads),
//! comparing with the source tree and with `fsck.erofs --extract`.

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use common::{fsck_extract, mkfs, source_tree, verify_against_tree, verify_tree, Reader, Seen};
use erofs_format::{Error, SliceSource, Volume};

/// Builds, verifies against the source tree and the fsck extraction; returns what was seen.
fn check(name: &str, opts: &[&str]) -> Seen {
    let src = source_tree();
    let (image, path) = mkfs(name, opts, src);
    let mut r = Reader::new(&image).unwrap_or_else(|e| panic!("{name}: open: {e}"));
    let seen = verify_against_tree(&mut r, src);
    let extracted = fsck_extract(name, &path);
    let mut r2 = Reader::new(&image).unwrap();
    let _ = verify_tree(&mut r2, &extracted, false);
    eprintln!("{name}: {seen:?}");
    assert!(seen.files > 700 && seen.symlinks == 4, "{name}: {seen:?}");
    seen
}

#[test]
fn uncompressed_default() {
    let s = check("plain", &[]);
    assert!(s.count("plain") > 0 && s.count("plain-inline") > 0);
}

#[test]
fn uncompressed_noinline() {
    let s = check("noinline", &["-Enoinline_data"]);
    assert_eq!(s.count("plain-inline"), 0);
}

#[test]
fn block_size_512() {
    check("b512", &["-b", "512"]);
}

#[test]
fn block_size_1024_lz4() {
    check("b1024", &["-b", "1024", "-zlz4"]);
}

#[test]
fn block_size_2048_lz4hc() {
    check("b2048", &["-b", "2048", "-zlz4hc", "-C8192"]);
}

#[test]
fn chunked_blockmap() {
    let s = check(
        "chunk-map",
        &["--chunksize=65536", "-Eforce-inode-blockmap"],
    );
    assert!(s.count("plain") > 0);
}

#[test]
fn chunked_indexes() {
    let s = check("chunk-idx", &["--chunksize=4096", "-Eforce-chunk-indexes"]);
    assert!(s.count("plain") > 0);
}

#[test]
fn inode_compact_forced() {
    check("icompact", &["-Eforce-inode-compact", "-zlz4"]);
}

#[test]
fn inode_extended_forced() {
    check("iextended", &["-Eforce-inode-extended", "-zlz4"]);
}

#[test]
fn lz4() {
    let s = check("lz4", &["-zlz4"]);
    assert!(s.count("lz4") > 0, "{s:?}");
}

#[test]
fn lz4hc_big_pclusters() {
    let s = check("lz4hc-big", &["-zlz4hc,12", "-C65536"]);
    assert!(s.count("big-pcluster") > 0, "{s:?}");
}

#[test]
fn lz4hc_all_features() {
    let s = check(
        "lz4hc-all",
        &["-zlz4hc,12", "-C65536", "-Eztailpacking,fragments,dedupe"],
    );
    assert!(s.count("fragment") > 0, "{s:?}");
}

#[test]
fn lz4_ztailpacking() {
    let s = check("lz4-tail", &["-zlz4", "-Eztailpacking"]);
    assert!(
        s.count("lz4-inline") + s.count("shifted-inline") > 0,
        "{s:?}"
    );
}

#[test]
fn lz4_fragments_interlaced() {
    let s = check("lz4-frag", &["-zlz4hc", "-C16384", "-Efragments"]);
    assert!(s.count("fragment") > 0, "{s:?}");
}

#[test]
fn lz4_all_fragments() {
    let s = check("lz4-allfrag", &["-zlz4hc", "-C16384", "-Eall-fragments"]);
    assert!(s.count("fragment") > 0, "{s:?}");
}

#[test]
fn lz4_dedupe() {
    let s = check("lz4-dedupe", &["-zlz4hc", "-C16384", "-Ededupe"]);
    assert!(s.count("partial-ref") > 0 || s.count("lz4") > 0, "{s:?}");
}

#[test]
fn lz4_legacy_compress() {
    check("lz4-legacy", &["-zlz4", "-Elegacy-compress"]);
}

#[test]
fn lz4_compressed_dirs() {
    // `--zD` alone: mkfs.erofs 1.9.4 reads `--zD=1` as "disable".
    let s = check("lz4-zd", &["-zlz4", "--zD"]);
    assert!(s.count("compressed-dir") > 0, "{s:?}");
}

#[test]
fn zstd() {
    let s = check("zstd", &["-zzstd", "-C65536"]);
    assert!(s.count("zstd") > 0, "{s:?}");
}

#[test]
fn deflate() {
    let s = check("deflate", &["-zdeflate", "-C32768", "-Eztailpacking"]);
    assert!(s.count("deflate") > 0, "{s:?}");
}

#[test]
fn libdeflate() {
    let s = check("libdeflate", &["-zlibdeflate", "-b", "1024"]);
    assert!(s.count("deflate") > 0, "{s:?}");
}

#[test]
fn lzma() {
    let s = check("lzma", &["-zlzma", "-C65536", "-Eztailpacking,fragments"]);
    assert!(s.count("lzma") > 0, "{s:?}");
}

#[test]
fn two_algorithms_configured() {
    // Two algorithms in the superblock configs (HEAD2 stays unused without compress hints,
    // which crash mkfs.erofs 1.9.4).
    let s = check("lz4-zstd", &["-zlz4hc:zstd", "-C16384"]);
    assert!(s.count("lz4") > 0, "{s:?}");
}

#[test]
fn lz4_ztailpacking_dedupe() {
    let s = check(
        "lz4-tail-dedupe",
        &["-zlz4hc", "-C32768", "-Eztailpacking,dedupe"],
    );
    assert!(
        s.count("lz4-inline") > 0 && s.count("partial-ref") > 0,
        "{s:?}"
    );
}

#[test]
fn lz4_small_blocks_big_pclusters() {
    let s = check(
        "lz4-b512",
        &["-b", "512", "-zlz4hc", "-C4096", "-Eztailpacking"],
    );
    assert!(s.count("big-pcluster") > 0, "{s:?}");
}

#[test]
fn zstd_megabyte_pclusters() {
    let s = check("zstd-1m", &["-zzstd,level=9", "-C1048576"]);
    assert!(s.count("big-pcluster") > 0, "{s:?}");
}

#[test]
fn lzma_default_blocks() {
    let s = check("lzma-4k", &["-zlzma,level=1", "-Ededupe"]);
    assert!(s.count("lzma") > 0, "{s:?}");
}

#[test]
fn long_extents() {
    let s = check(
        "lz4-long",
        &["-zlz4hc", "-C65536", "--max-extent-bytes=262144"],
    );
    assert!(s.count("lz4") > 0, "{s:?}");
}

#[test]
fn root_inline_xattr_area() {
    // An inline xattr area on the root moves its inline dirents.
    check(
        "xattr-root",
        &["--root-xattr-isize=100", "-zlz4", "-Eztailpacking"],
    );
}

#[test]
fn features_newer_than_linux_6_12_are_refused() {
    let (image, _) = mkfs("f-48bit", &["-zlz4", "-E48bit"], source_tree());
    let err = Volume::open(&mut SliceSource::new(&image)).unwrap_err();
    assert!(
        matches!(err, Error::UnknownFeature(b) if b & 0x80 != 0),
        "{err:?}"
    );

    // Omitted "." entries need 48-bit layouts in mkfs.erofs 1.9.4: refused the same way.
    let (image, _) = mkfs("f-dot", &["-Edot-omitted"], source_tree());
    let err = Volume::open(&mut SliceSource::new(&image)).unwrap_err();
    assert!(matches!(err, Error::UnknownFeature(_)), "{err:?}");
    assert_eq!(err.errno(), erofs_format::error::EINVAL);
}
