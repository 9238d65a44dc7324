// Mapping a file offset to an extent: flat (plain and tail-packed), chunk-based, and the
// dispatch to compressed mapping (zmap.rs).

use super::bytes::{add, le16, le32, mul, round_up, shl, sub};
use super::decompress::Algorithm;
use super::error::{Error, Result};
use super::inode::{DataLayout, Inode, CHUNK_FORMAT_INDEXES};
use super::source::BlockSource;
use super::superblock::Superblock;
use super::zmap::ZInfo;

/// Chunk address meaning "a hole" (`EROFS_NULL_ADDR`).
pub const NULL_ADDR: u32 = u32::MAX;

/// What an extent's physical bytes are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtentKind {
    /// No data: the range reads as zeros (a chunk with no block).
    Hole,
    /// Uncompressed file bytes at `physical` (in the data area, or inline in the metadata).
    Plain,
    /// A pcluster of `physical_len` bytes at `physical`, decoded with `algorithm`.
    Compressed,
    /// Bytes inside the packed inode, starting at its data offset `physical`.
    Fragment,
}

/// One extent of a file: `length` logical bytes from `logical`, stored at `physical`.
///
/// Extents are whole: `logical` may be before the offset that was mapped. A compressed
/// extent's data always starts at the start of its decompressed pcluster, so reading a
/// sub-range means decoding the prefix up to the end of that sub-range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    /// First logical (file) byte.
    pub logical: u64,
    /// Number of logical bytes.
    pub length: u64,
    /// Physical byte address on the device (for fragments: offset in the packed inode).
    pub physical: u64,
    /// Physical bytes to read: the pcluster size for compressed extents.
    pub physical_len: u64,
    /// What the physical bytes are.
    pub kind: ExtentKind,
    /// How compressed extents decode (`Shifted` for every other kind).
    pub algorithm: Algorithm,
    /// The pcluster decodes to more than `length` bytes (deduplicated, partially referenced),
    /// so decoding must always be partial.
    pub partial_ref: bool,
    /// The physical bytes are inline in the metadata (tail packing) and never cross a block.
    pub inline: bool,
    /// Device index for multi-device images (0: the primary device).
    pub device_id: u16,
}

impl Extent {
    /// Logical end (exclusive).
    pub fn end(&self) -> u64 {
        self.logical.saturating_add(self.length)
    }

    /// Is this extent compressed (decoded through an [`Algorithm`])?
    pub fn is_compressed(&self) -> bool {
        self.kind == ExtentKind::Compressed
    }

    /// Is this extent stored in the packed inode?
    pub fn is_fragment(&self) -> bool {
        self.kind == ExtentKind::Fragment
    }

    /// Does a read of decoded bytes `[from, to)` of this extent leave decoded bytes that other
    /// reads need? Yes when it does not take the whole extent (a readahead window or a request
    /// ending inside it, a fragment of the packed inode) or the pcluster is shared with other
    /// extents (deduplicated): decoding the whole extent once and keeping it saves decoding it
    /// again. Never for pclusters that are copied rather than decoded.
    pub fn decode_is_shared(&self, from: u64, to: u64) -> bool {
        self.kind == ExtentKind::Compressed
            && self.algorithm.needs_decompressor()
            && (from > 0 || to < self.length || self.partial_ref)
    }

    pub(super) fn plain(logical: u64, length: u64, physical: u64, physical_len: u64) -> Self {
        Extent {
            logical,
            length,
            physical,
            physical_len,
            kind: ExtentKind::Plain,
            algorithm: Algorithm::Shifted,
            partial_ref: false,
            inline: false,
            device_id: 0,
        }
    }
}

/// The mapping state of one inode: everything needed to map offsets without re-reading the
/// inode (the kernel keeps this in its `erofs_inode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileMap {
    /// The inode.
    pub inode: Inode,
    /// Compression state, for compressed layouts.
    pub z: Option<ZInfo>,
}

impl FileMap {
    /// Prepares mapping for `inode` (reading the compression header if compressed).
    pub fn new<S: BlockSource + ?Sized>(
        sb: &Superblock,
        src: &mut S,
        inode: &Inode,
    ) -> Result<Self> {
        let z = if inode.layout.is_compressed() {
            Some(ZInfo::load(sb, src, inode)?)
        } else {
            None
        };
        Ok(Self { inode: *inode, z })
    }

    /// File size.
    pub fn size(&self) -> u64 {
        self.inode.size
    }

    /// Maps the extent containing `offset` (which must be below the file size).
    pub fn map<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        offset: u64,
    ) -> Result<Extent> {
        if offset >= self.inode.size {
            return Err(Error::InvalidArgument("offset past end of file"));
        }
        match (self.inode.layout, &self.z) {
            (DataLayout::FlatPlain | DataLayout::FlatInline, _) => self.map_flat(sb, offset),
            (DataLayout::ChunkBased, _) => self.map_chunk(sb, src, offset),
            (_, Some(z)) => z.map(sb, src, &self.inode, offset),
            (_, None) => Err(Error::InvalidArgument(
                "compressed inode without compression state",
            )),
        }
    }

    /// Iterates over the extents covering `[offset, offset + len)` (clamped to the file size).
    pub fn extents<'a, S: BlockSource + ?Sized>(
        &'a self,
        sb: &'a Superblock,
        src: &'a mut S,
        offset: u64,
        len: u64,
    ) -> Extents<'a, S> {
        let end = offset.saturating_add(len).min(self.inode.size);
        Extents {
            map: self,
            sb,
            src,
            pos: offset,
            end,
            failed: false,
        }
    }

    fn map_flat(&self, sb: &Superblock, offset: u64) -> Result<Extent> {
        let inode = &self.inode;
        let tail_packed = inode.layout == DataLayout::FlatInline;
        let blocks = inode.size_blocks(sb);
        // All blocks but the tail-packed last one (none of an empty file).
        let last = if tail_packed {
            blocks.saturating_sub(1)
        } else {
            blocks
        };
        let body = shl(last, sb.blkbits())?.min(inode.size);
        if offset < body {
            let physical = inode.flat_pos(sb)?;
            add(physical, body)?;
            return Ok(Extent::plain(0, body, physical, body));
        }
        let length = sub(inode.size, body)?;
        let physical = add(inode.data_pos()?, sb.block_offset(body))?;
        if add(sb.block_offset(physical), length)? > u64::from(sb.block_size()) {
            return Err(Error::Corrupted("inline data crosses a block boundary"));
        }
        let mut ext = Extent::plain(body, length, physical, length);
        ext.inline = true;
        Ok(ext)
    }

    fn map_chunk<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        offset: u64,
    ) -> Result<Extent> {
        let inode = &self.inode;
        let bits = inode.chunk_bits(sb);
        if bits >= 48 {
            return Err(Error::Corrupted("chunk size too large"));
        }
        let indexes = inode.chunk_format() & CHUNK_FORMAT_INDEXES != 0;
        let unit: u64 = if indexes { 8 } else { 4 };
        let chunknr = offset >> bits;
        let pos = add(round_up(inode.data_pos()?, unit)?, mul(unit, chunknr)?)?;
        let mut raw = [0u8; 8];
        let raw = raw.get_mut(..unit as usize).ok_or(Error::Io)?;
        src.read(pos, raw)?;
        let logical = chunknr << bits;
        let length = (1u64 << bits).min(sub(inode.size, logical)?);
        let (blkaddr, device) = if indexes {
            (le32(raw, 4)?, le16(raw, 2)?)
        } else {
            (le32(raw, 0)?, 0)
        };
        if blkaddr == NULL_ADDR {
            let mut ext = Extent::plain(logical, length, 0, 0);
            ext.kind = ExtentKind::Hole;
            return Ok(ext);
        }
        let physical = sb.block_pos(u64::from(blkaddr))?;
        let physical_len = sb.round_up_block(length)?;
        add(physical, physical_len)?;
        let mut ext = Extent::plain(logical, length, physical, physical_len);
        ext.device_id = device & device_id_mask(sb.extra_devices);
        Ok(ext)
    }
}

/// `roundup_pow_of_two(extra_devices + 1) - 1`, as the kernel masks chunk device ids: every bit
/// up to the highest set bit of `extra_devices` (0 for none).
fn device_id_mask(extra_devices: u16) -> u16 {
    u16::MAX
        .checked_shr(extra_devices.leading_zeros())
        .unwrap_or(0)
}

/// An iterator over the extents of a file range, from [`FileMap::extents`].
///
/// It stops after the first error.
pub struct Extents<'a, S: BlockSource + ?Sized> {
    map: &'a FileMap,
    sb: &'a Superblock,
    src: &'a mut S,
    pos: u64,
    end: u64,
    failed: bool,
}

impl<S: BlockSource + ?Sized> Iterator for Extents<'_, S> {
    type Item = Result<Extent>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed || self.pos >= self.end {
            return None;
        }
        match self.map.map(self.sb, self.src, self.pos) {
            Ok(ext) => {
                if ext.end() <= self.pos || ext.logical > self.pos {
                    self.failed = true;
                    return Some(Err(Error::Corrupted("extent does not cover its offset")));
                }
                self.pos = ext.end();
                Some(Ok(ext))
            }
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}
