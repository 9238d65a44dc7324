// The EROFS on-disk format and read path, in `core` only.
//
// This tree is shared by the host crate (src/lib.rs) and the erofs_dio kernel module, which
// includes it with `#[path = ".../src/fmt/mod.rs"] pub mod erofs;`. So: no inner attributes,
// no `crate::` paths, no allocation, no floats, no unsafe, no panics on any input.
//
// Layers, from the bottom: bytes (bounded LE reads) and crc32c; source (the caller's reads);
// superblock; inode; map (flat and chunked) and zmap (compressed); decompress (one extent's
// bytes to file data through a caller's decompressor); dir (dirent blocks); read (the whole
// path on caller buffers).

mod bytes;
/// CRC-32C, as the kernel's `crc32c()`.
pub mod crc32c;
/// Turning an extent's physical bytes into file data; the [`Decompressor`] trait.
pub mod decompress;
/// Directory blocks and entries.
pub mod dir;
/// Errors and their kernel errnos.
pub mod error;
/// On-disk inodes.
pub mod inode;
/// Mapping file offsets to extents.
pub mod map;
/// The whole read path on caller-supplied buffers.
pub mod read;
/// The [`BlockSource`] trait through which all image bytes are read.
pub mod source;
/// The superblock.
pub mod superblock;
/// Mapping compressed files.
pub mod zmap;

pub use self::decompress::{decode_extent, decode_input, Algorithm, Decompressor};
pub use self::dir::{DirBlock, DirEntry};
pub use self::error::{Error, Result};
pub use self::inode::{DataLayout, FileType, Inode};
pub use self::map::{Extent, ExtentKind, Extents, FileMap};
pub use self::read::{Found, Scratch, Volume};
pub use self::source::{BlockSource, SliceSource};
pub use self::superblock::{CompressionConfig, Superblock};
pub use self::zmap::ZInfo;
