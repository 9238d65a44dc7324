// The whole read path for callers that want it done for them: open a volume, read file
// ranges (any layout, fragments included), look names up and list directory blocks.
//
// Everything runs on caller-supplied buffers; nothing allocates. The kernel's O_DIRECT path
// can use `Volume::read` as is, or drive `FileMap::map` and `decode_extent` itself.

use core::cmp::Ordering;

use super::bytes::{add, add_usize, sub, sub_usize, to_usize};
use super::decompress::{decode_extent, Decompressor};
use super::dir::{check_name, DirBlock};
use super::error::{Error, Result};
use super::inode::{FileType, Inode};
use super::map::{Extent, ExtentKind, FileMap};
use super::source::BlockSource;
use super::superblock::{Superblock, INCOMPAT_FRAGMENTS};

/// Caller-owned working buffers for [`Volume::read`] and directory operations.
#[derive(Debug)]
pub struct Scratch<'a> {
    /// Holds one pcluster's compressed bytes: at least the largest pcluster (the image's
    /// `-C` size; at most 1 MiB).
    pub pcluster: &'a mut [u8],
    /// Holds decoded data when a read does not start at an extent's start: at least the
    /// largest decoded extent needed (often a few pclusters' worth; at most 12 MiB).
    pub output: &'a mut [u8],
}

/// A directory entry found by [`Volume::lookup`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Found {
    /// Node id of the entry's inode.
    pub nid: u64,
    /// Its `FT_*` file type.
    pub file_type: u8,
}

/// An opened EROFS volume: the superblock and the packed inode (for fragments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Volume {
    /// The superblock.
    pub sb: Superblock,
    /// The packed inode, when the image has fragments.
    pub packed: Option<FileMap>,
}

impl Volume {
    /// Reads the superblock and, if present, the packed inode.
    pub fn open<S: BlockSource + ?Sized>(src: &mut S) -> Result<Self> {
        let sb = Superblock::read(src)?;
        let packed = if sb.has_incompat(INCOMPAT_FRAGMENTS) && sb.packed_nid != 0 {
            let inode = Inode::read(&sb, src, sb.packed_nid)?;
            if inode.file_type != FileType::Regular {
                return Err(Error::Corrupted("packed inode is not a regular file"));
            }
            Some(FileMap::new(&sb, src, &inode)?)
        } else {
            None
        };
        Ok(Self { sb, packed })
    }

    /// Reads inode `nid`.
    pub fn inode<S: BlockSource + ?Sized>(&self, src: &mut S, nid: u64) -> Result<Inode> {
        Inode::read(&self.sb, src, nid)
    }

    /// Reads inode `nid` and prepares it for mapping.
    pub fn file<S: BlockSource + ?Sized>(&self, src: &mut S, nid: u64) -> Result<FileMap> {
        let inode = self.inode(src, nid)?;
        FileMap::new(&self.sb, src, &inode)
    }

    /// The root directory.
    pub fn root<S: BlockSource + ?Sized>(&self, src: &mut S) -> Result<FileMap> {
        self.file(src, self.sb.root_nid)
    }

    /// Reads up to `dst.len()` bytes of `file` at `offset`; returns the count (0 at EOF).
    pub fn read<S: BlockSource + ?Sized, D: Decompressor + ?Sized>(
        &self,
        src: &mut S,
        file: &FileMap,
        offset: u64,
        dst: &mut [u8],
        scratch: &mut Scratch<'_>,
        dec: &mut D,
    ) -> Result<usize> {
        self.read_inner(src, file, offset, dst, scratch, dec, true)
    }

    #[allow(clippy::too_many_arguments)]
    fn read_inner<S: BlockSource + ?Sized, D: Decompressor + ?Sized>(
        &self,
        src: &mut S,
        file: &FileMap,
        offset: u64,
        dst: &mut [u8],
        scratch: &mut Scratch<'_>,
        dec: &mut D,
        allow_fragments: bool,
    ) -> Result<usize> {
        if offset >= file.size() {
            return Ok(0);
        }
        let total = to_usize(sub(file.size(), offset)?.min(dst.len() as u64))?;
        let mut done = 0usize;
        while done < total {
            let pos = add(offset, done as u64)?;
            let ext = file.map(&self.sb, src, pos)?;
            if ext.logical > pos || ext.end() <= pos {
                return Err(Error::Corrupted("extent does not cover its offset"));
            }
            let within = sub(pos, ext.logical)?;
            let n = to_usize(sub(ext.end(), pos)?.min(sub_usize(total, done)? as u64))?;
            let out = dst
                .get_mut(done..add_usize(done, n)?)
                .ok_or(Error::InvalidArgument("destination"))?;
            if ext.kind == ExtentKind::Fragment {
                if !allow_fragments {
                    return Err(Error::Corrupted("fragment inside the packed inode"));
                }
                let packed = self
                    .packed
                    .ok_or(Error::Corrupted("fragment without packed inode"))?;
                let fpos = add(ext.physical, within)?;
                let got = self.read_inner(src, &packed, fpos, out, scratch, dec, false)?;
                if got != n {
                    return Err(Error::Corrupted("fragment beyond the packed inode"));
                }
            } else {
                self.read_extent(src, &ext, within, out, scratch, dec)?;
            }
            done = add_usize(done, n)?;
        }
        Ok(total)
    }

    /// Reads `out.len()` bytes of one (non-fragment) extent, starting `within` bytes into it.
    ///
    /// Compressed extents are decoded from their start up to `within + out.len()`; when
    /// `within` is 0 straight into `out`, otherwise through `scratch.output`.
    pub fn read_extent<S: BlockSource + ?Sized, D: Decompressor + ?Sized>(
        &self,
        src: &mut S,
        ext: &Extent,
        within: u64,
        out: &mut [u8],
        scratch: &mut Scratch<'_>,
        dec: &mut D,
    ) -> Result<()> {
        let need = add(within, out.len() as u64)?;
        if need > ext.length {
            return Err(Error::InvalidArgument("range beyond the extent"));
        }
        if ext.device_id != 0 {
            return Err(Error::Unsupported("multi-device images"));
        }
        match ext.kind {
            ExtentKind::Hole => {
                out.fill(0);
                Ok(())
            }
            ExtentKind::Plain => src.read(add(ext.physical, within)?, out),
            ExtentKind::Fragment => Err(Error::InvalidArgument("fragment extent")),
            ExtentKind::Compressed => {
                let plen = to_usize(ext.physical_len)?;
                let raw = scratch
                    .pcluster
                    .get_mut(..plen)
                    .ok_or(Error::InvalidArgument("pcluster scratch buffer too small"))?;
                src.read(ext.physical, raw)?;
                if within == 0 {
                    return decode_extent(&self.sb, ext, raw, out, dec);
                }
                let need = to_usize(need)?;
                let decoded = scratch
                    .output
                    .get_mut(..need)
                    .ok_or(Error::InvalidArgument("output scratch buffer too small"))?;
                decode_extent(&self.sb, ext, raw, decoded, dec)?;
                let part = decoded
                    .get(to_usize(within)?..)
                    .ok_or(Error::InvalidArgument("range"))?;
                out.copy_from_slice(part);
                Ok(())
            }
        }
    }

    /// Reads directory block `index` of `dir` into `buf` (at least one block long).
    #[allow(clippy::too_many_arguments)]
    pub fn read_dir_block<'b, S: BlockSource + ?Sized, D: Decompressor + ?Sized>(
        &self,
        src: &mut S,
        dir: &FileMap,
        index: u64,
        buf: &'b mut [u8],
        scratch: &mut Scratch<'_>,
        dec: &mut D,
    ) -> Result<DirBlock<'b>> {
        if dir.inode.file_type != FileType::Directory {
            return Err(Error::NotDir);
        }
        let bs = u64::from(self.sb.block_size());
        let start = index
            .checked_mul(bs)
            .filter(|&s| s < dir.size())
            .ok_or(Error::InvalidArgument("directory block out of range"))?;
        let len = to_usize(sub(dir.size(), start)?.min(bs))?;
        let block = buf.get_mut(..len).ok_or(Error::InvalidArgument(
            "directory buffer smaller than a block",
        ))?;
        let got = self.read(src, dir, start, block, scratch, dec)?;
        if got != len {
            return Err(Error::Corrupted("short directory block"));
        }
        DirBlock::new(block)
    }

    /// Number of directory blocks of `dir`.
    pub fn dir_blocks(&self, dir: &FileMap) -> u64 {
        dir.inode.size_blocks(&self.sb)
    }

    /// Looks `name` up in `dir` by binary search over blocks, then within the block.
    ///
    /// `block` must hold one directory block.
    #[allow(clippy::too_many_arguments)]
    pub fn lookup<S: BlockSource + ?Sized, D: Decompressor + ?Sized>(
        &self,
        src: &mut S,
        dir: &FileMap,
        name: &[u8],
        block: &mut [u8],
        scratch: &mut Scratch<'_>,
        dec: &mut D,
    ) -> Result<Found> {
        if dir.inode.file_type != FileType::Directory {
            return Err(Error::NotDir);
        }
        check_name(name)?;
        let nblocks = self.dir_blocks(dir);
        // Find the last block whose first name is <= name.
        let (mut lo, mut hi) = (0u64, nblocks);
        let mut candidate = None;
        while lo < hi {
            let mid = add(lo, sub(hi, lo)? / 2)?;
            let blk = self.read_dir_block(src, dir, mid, block, scratch, dec)?;
            match blk.cmp_first(name)? {
                Ordering::Less => hi = mid,
                Ordering::Equal => {
                    let e = blk.entry(0)?;
                    return Ok(Found {
                        nid: e.nid,
                        file_type: e.file_type,
                    });
                }
                Ordering::Greater => {
                    candidate = Some(mid);
                    lo = add(mid, 1)?;
                }
            }
        }
        let index = candidate.ok_or(Error::NotFound)?;
        let blk = self.read_dir_block(src, dir, index, block, scratch, dec)?;
        let e = blk.find(name)?.ok_or(Error::NotFound)?;
        Ok(Found {
            nid: e.nid,
            file_type: e.file_type,
        })
    }
}
