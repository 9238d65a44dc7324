// On-disk inodes: the 32-byte compact and 64-byte extended forms, and their stat fields.

use super::bytes::{add, le16, le32, le64, low_mask, shl};
use super::error::{Error, Result};
use super::source::BlockSource;
use super::superblock::{Superblock, INCOMPAT_CHUNKED_FILE};

/// Size of a compact inode.
pub const COMPACT_INODE_SIZE: u32 = 32;
/// Size of an extended inode.
pub const EXTENDED_INODE_SIZE: u32 = 64;

/// `i_format` bits this reader knows (version bit and three layout bits).
const I_FORMAT_ALL: u16 = 0xf;
/// Chunk format: the chunk size shift above the block size.
pub const CHUNK_FORMAT_BLKBITS_MASK: u16 = 0x1f;
/// Chunk format: 8-byte chunk indexes instead of a 4-byte block map.
pub const CHUNK_FORMAT_INDEXES: u16 = 0x20;
const CHUNK_FORMAT_ALL: u16 = 0x3f;

/// How an inode's data is laid out (`EROFS_INODE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DataLayout {
    /// Uncompressed, contiguous blocks from `raw_blkaddr`.
    FlatPlain,
    /// Compressed, with full (8-byte) lcluster indexes.
    CompressedFull,
    /// Uncompressed blocks, the tail packed inline after the inode.
    FlatInline,
    /// Compressed, with compact (2/4-byte) lcluster indexes.
    CompressedCompact,
    /// Chunk-based: a block map or chunk indexes after the inode.
    ChunkBased,
}

impl DataLayout {
    /// Is the data compressed (full or compact indexes)?
    pub fn is_compressed(self) -> bool {
        matches!(
            self,
            DataLayout::CompressedFull | DataLayout::CompressedCompact
        )
    }
}

/// The file type from `i_mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileType {
    /// A regular file.
    Regular,
    /// A directory.
    Directory,
    /// A symbolic link.
    Symlink,
    /// A character device.
    CharDevice,
    /// A block device.
    BlockDevice,
    /// A named pipe.
    Fifo,
    /// A socket.
    Socket,
}

impl FileType {
    /// Decodes the `S_IFMT` bits of a mode.
    pub fn from_mode(mode: u16) -> Option<Self> {
        Some(match mode & 0o170000 {
            0o100000 => FileType::Regular,
            0o040000 => FileType::Directory,
            0o120000 => FileType::Symlink,
            0o020000 => FileType::CharDevice,
            0o060000 => FileType::BlockDevice,
            0o010000 => FileType::Fifo,
            0o140000 => FileType::Socket,
            _ => return None,
        })
    }

    /// The directory entry file type (`FT_*`, as in `erofs_dirent.file_type`).
    pub fn dirent_type(self) -> u8 {
        match self {
            FileType::Regular => 1,
            FileType::Directory => 2,
            FileType::CharDevice => 3,
            FileType::BlockDevice => 4,
            FileType::Fifo => 5,
            FileType::Socket => 6,
            FileType::Symlink => 7,
        }
    }
}

/// A parsed on-disk inode with its stat fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Inode {
    /// Node id.
    pub nid: u64,
    /// Byte offset of the inode in the image.
    pub location: u64,
    /// Extended (64-byte) form?
    pub extended: bool,
    /// Data layout.
    pub layout: DataLayout,
    /// `i_mode`: type and permission bits.
    pub mode: u16,
    /// File type decoded from `mode`.
    pub file_type: FileType,
    /// Link count.
    pub nlink: u32,
    /// File size in bytes.
    pub size: u64,
    /// Owner.
    pub uid: u32,
    /// Group.
    pub gid: u32,
    /// Modification time (seconds); the build time for compact inodes.
    pub mtime: u64,
    /// Modification time, nanoseconds.
    pub mtime_nsec: u32,
    /// The 32-bit inode number for stat.
    pub ino: u32,
    /// Inline xattr count (`i_xattr_icount`).
    pub xattr_icount: u16,
    /// The raw `i_u` union: block address, compressed block count, rdev or chunk format.
    pub i_u: u32,
}

impl Inode {
    /// Reads and validates the inode `nid`.
    pub fn read<S: BlockSource + ?Sized>(sb: &Superblock, src: &mut S, nid: u64) -> Result<Self> {
        let location = sb.inode_pos(nid)?;
        let mut raw = [0u8; EXTENDED_INODE_SIZE as usize];
        let (compact, rest) = raw.split_at_mut(COMPACT_INODE_SIZE as usize);
        src.read(location, compact)?;
        if le16(compact, 0)? & 1 != 0 {
            src.read(add(location, u64::from(COMPACT_INODE_SIZE))?, rest)?;
        }
        Self::parse(sb, nid, location, &raw)
    }

    /// Parses an inode from its raw bytes (32 for compact, 64 for extended).
    pub fn parse(sb: &Superblock, nid: u64, location: u64, raw: &[u8]) -> Result<Self> {
        let format = le16(raw, 0)?;
        if format & !I_FORMAT_ALL != 0 {
            return Err(Error::Unsupported("inode format bits"));
        }
        let layout = match (format >> 1) & 7 {
            0 => DataLayout::FlatPlain,
            1 => DataLayout::CompressedFull,
            2 => DataLayout::FlatInline,
            3 => DataLayout::CompressedCompact,
            4 => DataLayout::ChunkBased,
            _ => return Err(Error::Unsupported("inode data layout")),
        };
        let extended = format & 1 != 0;
        let xattr_icount = le16(raw, 2)?;
        let mode = le16(raw, 4)?;
        let file_type = FileType::from_mode(mode).ok_or(Error::Corrupted("bogus i_mode"))?;
        let inode = if extended {
            let size = le64(raw, 8)?;
            if size > i64::MAX as u64 {
                return Err(Error::Corrupted("negative i_size"));
            }
            Inode {
                nid,
                location,
                extended,
                layout,
                mode,
                file_type,
                nlink: le32(raw, 44)?,
                size,
                uid: le32(raw, 24)?,
                gid: le32(raw, 28)?,
                mtime: le64(raw, 32)?,
                mtime_nsec: le32(raw, 40)?,
                ino: le32(raw, 20)?,
                xattr_icount,
                i_u: le32(raw, 16)?,
            }
        } else {
            Inode {
                nid,
                location,
                extended,
                layout,
                mode,
                file_type,
                nlink: u32::from(le16(raw, 6)?),
                size: u64::from(le32(raw, 8)?),
                uid: u32::from(le16(raw, 24)?),
                gid: u32::from(le16(raw, 26)?),
                mtime: sb.build_time,
                mtime_nsec: sb.build_time_nsec,
                ino: le32(raw, 20)?,
                xattr_icount,
                i_u: le32(raw, 16)?,
            }
        };
        inode.validate(sb)?;
        Ok(inode)
    }

    fn validate(&self, sb: &Superblock) -> Result<()> {
        let has_data = matches!(
            self.file_type,
            FileType::Regular | FileType::Directory | FileType::Symlink
        );
        if !has_data && self.size != 0 {
            return Err(Error::Corrupted("special file with data"));
        }
        if self.layout == DataLayout::ChunkBased {
            if !sb.has_incompat(INCOMPAT_CHUNKED_FILE) {
                return Err(Error::Corrupted("chunk-based inode without the sb feature"));
            }
            if self.chunk_format() & !CHUNK_FORMAT_ALL != 0 {
                return Err(Error::Unsupported("chunk format"));
            }
        }
        Ok(())
    }

    /// Size of the on-disk inode (32 or 64 bytes).
    pub fn inode_size(&self) -> u32 {
        if self.extended {
            EXTENDED_INODE_SIZE
        } else {
            COMPACT_INODE_SIZE
        }
    }

    /// Size of the inline xattr area after the inode.
    pub fn xattr_size(&self) -> u32 {
        // A 12-byte header and 4 bytes per further count: 12 + 4 * (n - 1) = 4 * (n + 2), at
        // most 262 148 for the 16-bit count, so the saturating operations never saturate.
        match self.xattr_icount {
            0 => 0,
            n => u32::from(n).saturating_add(2).saturating_mul(4),
        }
    }

    /// Byte offset just past the inode and its inline xattrs: where inline data, block maps,
    /// chunk indexes or compression indexes begin.
    pub fn data_pos(&self) -> Result<u64> {
        add(
            add(self.location, u64::from(self.inode_size()))?,
            u64::from(self.xattr_size()),
        )
    }

    /// First data block of a flat inode.
    pub fn raw_blkaddr(&self) -> u32 {
        self.i_u
    }

    /// Compressed block count of a compressed inode.
    pub fn compressed_blocks(&self) -> u32 {
        self.i_u
    }

    /// Device number of a device inode (`new_encode_dev` format).
    pub fn rdev(&self) -> u32 {
        self.i_u
    }

    /// Chunk format word of a chunk-based inode.
    pub fn chunk_format(&self) -> u16 {
        (self.i_u & 0xffff) as u16
    }

    /// Chunk size shift of a chunk-based inode.
    ///
    /// At most 16 + 31 = 47 (never saturates); mapping refuses shifts of 48 and more.
    pub fn chunk_bits(&self, sb: &Superblock) -> u32 {
        sb.blkbits()
            .saturating_add(u32::from(self.chunk_format() & CHUNK_FORMAT_BLKBITS_MASK))
    }

    /// Number of blocks the file size spans (`erofs_iblks`).
    pub fn size_blocks(&self, sb: &Superblock) -> u64 {
        let bits = sb.blkbits();
        let full = self.size >> bits;
        let tail = self.size & low_mask(bits);
        // `full` is below 2^55 (blocks are at least 512 bytes): adding 1 never saturates.
        full.saturating_add(u64::from(tail != 0))
    }

    /// Byte address of block `blk` of a flat inode's data area.
    pub(super) fn flat_pos(&self, sb: &Superblock) -> Result<u64> {
        shl(u64::from(self.raw_blkaddr()), sb.blkbits())
    }
}
