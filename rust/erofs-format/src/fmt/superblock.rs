// The superblock at byte 1024: magic, checksum, features, geometry and compression configs.

use super::bytes::{add, le16, le32, le64, low_mask, mul, round_up, shl, sub, to_usize, u8_at};
use super::crc32c::crc32c_update;
use super::error::{Error, Result};
use super::source::BlockSource;

/// Byte offset of the superblock in the image.
pub const SUPER_OFFSET: u64 = 1024;
/// The superblock magic number (`EROFS_SUPER_MAGIC_V1`).
pub const SUPER_MAGIC: u32 = 0xE0F5_E1E2;
/// Size of the fixed part of the superblock.
pub const SUPER_SIZE: usize = 128;

/// Compatible feature: the superblock carries a crc32c checksum.
pub const COMPAT_SB_CHKSUM: u32 = 0x1;
/// Compatible feature: extended inodes carry their own mtime.
pub const COMPAT_MTIME: u32 = 0x2;
/// Compatible feature: xattr name bloom filter.
pub const COMPAT_XATTR_FILTER: u32 = 0x4;

/// Incompatible feature: compressed data is zero-padded at the head of its pcluster.
pub const INCOMPAT_ZERO_PADDING: u32 = 0x1;
/// Incompatible feature: per-algorithm compression configs follow the superblock.
pub const INCOMPAT_COMPR_CFGS: u32 = 0x2;
/// Incompatible feature: pclusters larger than one block (same bit as `COMPR_CFGS`).
pub const INCOMPAT_BIG_PCLUSTER: u32 = 0x2;
/// Incompatible feature: chunk-based files.
pub const INCOMPAT_CHUNKED_FILE: u32 = 0x4;
/// Incompatible feature: a device table for multi-device images.
pub const INCOMPAT_DEVICE_TABLE: u32 = 0x8;
/// Incompatible feature: a second compression algorithm (HEAD2, same bit as `DEVICE_TABLE`).
pub const INCOMPAT_COMPR_HEAD2: u32 = 0x8;
/// Incompatible feature: compressed tail data inline in the metadata.
pub const INCOMPAT_ZTAILPACKING: u32 = 0x10;
/// Incompatible feature: fragments in the packed inode.
pub const INCOMPAT_FRAGMENTS: u32 = 0x20;
/// Incompatible feature: deduplicated pclusters (same bit as `FRAGMENTS`).
pub const INCOMPAT_DEDUPE: u32 = 0x20;
/// Incompatible feature: long xattr name prefixes.
pub const INCOMPAT_XATTR_PREFIXES: u32 = 0x40;
/// Every incompatible feature this reader (like Linux 6.12) understands.
pub const SUPPORTED_INCOMPAT: u32 = 0x7f;

/// Smallest block size shift (512 bytes).
pub const MIN_BLKSZBITS: u8 = 9;
/// Largest block size shift this crate accepts (64 KiB); the kernel also caps it at PAGE_SHIFT.
pub const MAX_BLKSZBITS: u8 = 16;

/// Compression algorithm numbers as stored on disk.
pub const ALG_LZ4: u8 = 0;
/// MicroLZMA.
pub const ALG_LZMA: u8 = 1;
/// Raw DEFLATE.
pub const ALG_DEFLATE: u8 = 2;
/// Zstandard.
pub const ALG_ZSTD: u8 = 3;
/// Mask of every algorithm number this reader knows.
pub const ALL_ALGS: u16 = 0xf;

/// Per-algorithm settings from the superblock (the `z_erofs_*_cfgs` records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompressionConfig {
    /// Bitmap of algorithms the image may use (bit n = algorithm n).
    pub algorithms: u16,
    /// LZ4 maximum match distance (0 = the LZ4 default of 64 KiB).
    pub lz4_max_distance: u16,
    /// Largest LZ4 pcluster in blocks (1 without big pclusters).
    pub lz4_max_pclusterblks: u16,
    /// MicroLZMA dictionary size in bytes.
    pub lzma_dict_size: u32,
    /// DEFLATE window bits (8..=15).
    pub deflate_windowbits: u8,
    /// Zstandard window log, already offset by 10 as on disk (`windowlog - 10`).
    pub zstd_windowlog: u8,
}

/// A parsed and validated EROFS superblock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Superblock {
    /// Block size shift (block size = `1 << blkszbits`).
    pub blkszbits: u8,
    /// Compatible feature bits.
    pub feature_compat: u32,
    /// Incompatible feature bits (all in [`SUPPORTED_INCOMPAT`]).
    pub feature_incompat: u32,
    /// Superblock size in bytes: 128 plus 16 per extension slot.
    pub sb_size: u32,
    /// Node id of the root directory.
    pub root_nid: u64,
    /// Total number of inodes.
    pub inos: u64,
    /// Build time, the timestamp of compact inodes (seconds).
    pub build_time: u64,
    /// Build time, nanoseconds.
    pub build_time_nsec: u32,
    /// Total blocks of the primary device.
    pub blocks: u32,
    /// First block of the metadata (inode) area.
    pub meta_blkaddr: u32,
    /// First block of the shared xattr area.
    pub xattr_blkaddr: u32,
    /// Volume UUID.
    pub uuid: [u8; 16],
    /// Volume label, NUL-padded.
    pub volume_name: [u8; 16],
    /// Number of devices besides the primary one.
    pub extra_devices: u16,
    /// Node id of the packed inode holding fragments (0: none).
    pub packed_nid: u64,
    /// Compression settings.
    pub compression: CompressionConfig,
}

impl Superblock {
    /// Reads and validates the superblock (and its compression configs) from `src`.
    pub fn read<S: BlockSource + ?Sized>(src: &mut S) -> Result<Self> {
        let mut raw = [0u8; SUPER_SIZE];
        src.read(SUPER_OFFSET, &mut raw)?;
        let mut sb = Self::parse_fixed(&raw)?;
        if sb.feature_compat & COMPAT_SB_CHKSUM != 0 {
            sb.verify_checksum(src, &raw)?;
        }
        sb.read_compression_configs(src, &raw)?;
        Ok(sb)
    }

    /// Reads the superblock from an in-memory image prefix (at least up to the end of block 0
    /// or byte 1024 + block size, whichever the checksum needs).
    pub fn parse(image: &[u8]) -> Result<Self> {
        Self::read(&mut super::source::SliceSource::new(image))
    }

    /// Parses the fixed 128-byte part, without checksum and compression configs.
    fn parse_fixed(raw: &[u8; SUPER_SIZE]) -> Result<Self> {
        if le32(raw, 0)? != SUPER_MAGIC {
            return Err(Error::BadMagic);
        }
        let blkszbits = u8_at(raw, 12)?;
        if !(MIN_BLKSZBITS..=MAX_BLKSZBITS).contains(&blkszbits) {
            return Err(Error::Unsupported("block size"));
        }
        let dirblkbits = u8_at(raw, 90)?;
        if dirblkbits != 0 {
            return Err(Error::Unsupported("directory block size"));
        }
        let feature_incompat = le32(raw, 80)?;
        let unknown = feature_incompat & !SUPPORTED_INCOMPAT;
        if unknown != 0 {
            return Err(Error::UnknownFeature(unknown));
        }
        // 128 bytes plus 16 per extension slot: at most 4208 for the 8-bit slot count.
        let sb_size = u32::from(u8_at(raw, 13)?)
            .checked_mul(16)
            .and_then(|ext| ext.checked_add(128))
            .ok_or(Error::Corrupted("superblock extension slots"))?;
        if sb_size > 4096 - 1024 {
            return Err(Error::Corrupted(
                "superblock extension slots exceed a block",
            ));
        }
        let mut uuid = [0u8; 16];
        uuid.copy_from_slice(raw.get(48..64).ok_or(Error::Corrupted("sb"))?);
        let mut volume_name = [0u8; 16];
        volume_name.copy_from_slice(raw.get(64..80).ok_or(Error::Corrupted("sb"))?);
        if !volume_name.contains(&0) {
            return Err(Error::Corrupted("volume name without NUL terminator"));
        }
        let extra_devices = if feature_incompat & INCOMPAT_DEVICE_TABLE != 0 {
            le16(raw, 86)?
        } else {
            0
        };
        Ok(Self {
            blkszbits,
            feature_compat: le32(raw, 8)?,
            feature_incompat,
            sb_size,
            root_nid: u64::from(le16(raw, 14)?),
            inos: le64(raw, 16)?,
            build_time: le64(raw, 24)?,
            build_time_nsec: le32(raw, 32)?,
            blocks: le32(raw, 36)?,
            meta_blkaddr: le32(raw, 40)?,
            xattr_blkaddr: le32(raw, 44)?,
            uuid,
            volume_name,
            extra_devices,
            packed_nid: le64(raw, 96)?,
            compression: CompressionConfig {
                algorithms: 1 << ALG_LZ4,
                lz4_max_distance: le16(raw, 84)?,
                lz4_max_pclusterblks: 1,
                lzma_dict_size: 0,
                deflate_windowbits: 0,
                zstd_windowlog: 0,
            },
        })
    }

    /// Checks the crc32c of the superblock block (from byte 1024, checksum field zeroed).
    fn verify_checksum<S: BlockSource + ?Sized>(
        &self,
        src: &mut S,
        raw: &[u8; SUPER_SIZE],
    ) -> Result<()> {
        let bs = u64::from(self.block_size());
        // From byte 1024 to the end of the block holding it (the kernel's `len -= 1024` when
        // the block is larger than 1024 bytes), or one whole block otherwise.
        let len = match bs.checked_sub(SUPER_OFFSET) {
            Some(rest) if rest > 0 => rest,
            _ => bs,
        };
        let expected = le32(raw, 4)?;
        let mut head = *raw;
        head.get_mut(4..8).ok_or(Error::Corrupted("sb"))?.fill(0);
        let mut crc = crc32c_update(!0, &head);
        let mut pos = add(SUPER_OFFSET, SUPER_SIZE as u64)?;
        let end = add(SUPER_OFFSET, len)?;
        let mut chunk = [0u8; 256];
        while pos < end {
            let n = to_usize(sub(end, pos)?.min(chunk.len() as u64))?;
            let buf = chunk.get_mut(..n).ok_or(Error::Io)?;
            src.read(pos, buf)?;
            crc = crc32c_update(crc, buf);
            pos = add(pos, n as u64)?;
        }
        if crc != expected {
            return Err(Error::BadChecksum);
        }
        Ok(())
    }

    /// Loads the per-algorithm records that follow the superblock (`COMPR_CFGS`).
    fn read_compression_configs<S: BlockSource + ?Sized>(
        &mut self,
        src: &mut S,
        raw: &[u8; SUPER_SIZE],
    ) -> Result<()> {
        if !self.has_incompat(INCOMPAT_COMPR_CFGS) {
            return Ok(());
        }
        let algorithms = le16(raw, 84)?;
        if algorithms & !ALL_ALGS != 0 {
            return Err(Error::Unsupported("unknown compression algorithm"));
        }
        let mut cfg = CompressionConfig {
            algorithms,
            lz4_max_distance: 0,
            lz4_max_pclusterblks: 1,
            ..CompressionConfig::default()
        };
        let mut offset = SUPER_OFFSET + u64::from(self.sb_size);
        for alg in 0..4u8 {
            if algorithms & (1 << alg) == 0 {
                continue;
            }
            offset = round_up(offset, 4)?;
            let mut len_raw = [0u8; 2];
            src.read(offset, &mut len_raw)?;
            let len = match u16::from_le_bytes(len_raw) {
                0 => 65536u64,
                n => u64::from(n),
            };
            offset = add(offset, 2)?;
            let mut rec = [0u8; 16];
            let n = to_usize(len.min(rec.len() as u64))?;
            let rec_buf = rec.get_mut(..n).ok_or(Error::Io)?;
            src.read(offset, rec_buf)?;
            offset = add(offset, len)?;
            match alg {
                ALG_LZ4 => {
                    if len < 14 {
                        return Err(Error::Corrupted("short lz4 config"));
                    }
                    cfg.lz4_max_distance = le16(&rec, 0)?;
                    let blks = le16(&rec, 2)?;
                    let max = (1u32 << 20) >> self.blkbits();
                    cfg.lz4_max_pclusterblks = match blks {
                        0 => 1,
                        b if u32::from(b) > max => {
                            return Err(Error::Corrupted("lz4 pcluster too large"))
                        }
                        b => b,
                    };
                }
                ALG_LZMA => {
                    if len < 14 {
                        return Err(Error::Corrupted("short lzma config"));
                    }
                    if le16(&rec, 4)? != 0 {
                        return Err(Error::Unsupported("lzma format"));
                    }
                    let dict = le32(&rec, 0)?;
                    if !(4096..=8 << 20).contains(&dict) {
                        return Err(Error::Corrupted("lzma dictionary size"));
                    }
                    cfg.lzma_dict_size = dict;
                }
                ALG_DEFLATE => {
                    if len < 6 {
                        return Err(Error::Corrupted("short deflate config"));
                    }
                    let wbits = u8_at(&rec, 0)?;
                    if wbits > 15 {
                        return Err(Error::Unsupported("deflate window bits"));
                    }
                    cfg.deflate_windowbits = wbits;
                }
                _ => {
                    if len < 6 {
                        return Err(Error::Corrupted("short zstd config"));
                    }
                    if u8_at(&rec, 0)? != 0 {
                        return Err(Error::Unsupported("zstd format"));
                    }
                    let wlog = u8_at(&rec, 1)?;
                    if wlog > 10 {
                        return Err(Error::Unsupported("zstd window log"));
                    }
                    cfg.zstd_windowlog = wlog;
                }
            }
        }
        self.compression = cfg;
        Ok(())
    }

    /// Is the incompatible feature `bit` set?
    pub fn has_incompat(&self, bit: u32) -> bool {
        self.feature_incompat & bit != 0
    }

    /// Is the compatible feature `bit` set?
    pub fn has_compat(&self, bit: u32) -> bool {
        self.feature_compat & bit != 0
    }

    /// Block size shift, clamped to the supported range (a parsed superblock is always in
    /// range; the clamp keeps hand-built ones from overflowing shifts).
    pub fn blkbits(&self) -> u32 {
        u32::from(self.blkszbits.clamp(MIN_BLKSZBITS, MAX_BLKSZBITS))
    }

    /// Block size in bytes.
    pub fn block_size(&self) -> u32 {
        1u32 << self.blkbits()
    }

    /// Byte address of block `blkaddr`.
    pub fn block_pos(&self, blkaddr: u64) -> Result<u64> {
        shl(blkaddr, self.blkbits())
    }

    /// Byte offset of the inode with node id `nid` (32-byte slots from `meta_blkaddr`).
    pub fn inode_pos(&self, nid: u64) -> Result<u64> {
        add(self.block_pos(u64::from(self.meta_blkaddr))?, mul(nid, 32)?)
    }

    /// Offset of `pos` inside its block.
    pub fn block_offset(&self, pos: u64) -> u64 {
        pos & low_mask(self.blkbits())
    }

    /// Rounds `v` up to a block multiple.
    pub fn round_up_block(&self, v: u64) -> Result<u64> {
        round_up(v, u64::from(self.block_size()))
    }
}
