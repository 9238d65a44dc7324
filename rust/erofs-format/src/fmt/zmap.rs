// Mapping compressed files: the map header, full and compact lcluster indexes, big pclusters,
// tail packing (inline pclusters), fragments and deduplicated (partially referenced) pclusters.
//
// The walk follows the kernel's z_erofs_map_blocks_iter: load the lcluster holding the offset,
// look back to the HEAD lcluster that starts its extent, then find the pcluster size (big
// pclusters) and, always here, the full decompressed length by looking ahead to the next HEAD.

use super::bytes::{add, le16, le32, le64, low_mask, mul, round_up, shl, sub, u8_at};
use super::decompress::Algorithm;
use super::error::{Error, Result};
use super::inode::{DataLayout, Inode};
use super::map::{Extent, ExtentKind};
use super::source::BlockSource;
use super::superblock::{Superblock, INCOMPAT_BIG_PCLUSTER};

/// Compact indexes: use the 2-byte packs (`Z_EROFS_ADVISE_COMPACTED_2B`).
pub const ADVISE_COMPACTED_2B: u16 = 0x1;
/// HEAD1 pclusters may be bigger than one block.
pub const ADVISE_BIG_PCLUSTER_1: u16 = 0x2;
/// HEAD2 (and plain) pclusters may be bigger than one block.
pub const ADVISE_BIG_PCLUSTER_2: u16 = 0x4;
/// The tail pcluster is inline after the indexes (ztailpacking).
pub const ADVISE_INLINE_PCLUSTER: u16 = 0x8;
/// Plain (uncompressed) pclusters are interlaced rather than shifted.
pub const ADVISE_INTERLACED_PCLUSTER: u16 = 0x10;
/// The tail extent lives in the packed inode (a fragment).
pub const ADVISE_FRAGMENT_PCLUSTER: u16 = 0x20;

/// Largest encoded pcluster the kernel accepts.
pub const PCLUSTER_MAX_SIZE: u64 = 1 << 20;
/// Largest decoded extent the kernel accepts.
pub const PCLUSTER_MAX_DSIZE: u64 = 12 << 20;

const TYPE_PLAIN: u8 = 0;
const TYPE_HEAD1: u8 = 1;
const TYPE_NONHEAD: u8 = 2;
const TYPE_HEAD2: u8 = 3;
const LI_PARTIAL_REF: u16 = 1 << 15;
const LI_D0_CBLKCNT: u32 = 1 << 11;
/// A compact index pack that cannot be decoded (its walk would leave the pack).
const PACK: Error = Error::Corrupted("compact index pack");

/// Per-inode compression state, loaded once from the map header (`z_erofs_fill_inode_lazy`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ZInfo {
    /// `Z_EROFS_ADVISE_*` bits.
    advise: u16,
    /// Logical cluster size shift.
    lclusterbits: u8,
    /// On-disk algorithm numbers for HEAD1 and HEAD2 lclusters.
    algorithms: [u8; 2],
    /// Size of the inline tail pcluster (0: none).
    idata_size: u16,
    /// Byte address of the inline tail pcluster.
    inline_pos: u64,
    /// Offset of this file's fragment in the packed inode.
    fragment_off: u64,
    /// The lcluster number of the tail extent's HEAD.
    tail_head_lcn: u64,
    compact: bool,
    index_base: u64,
    size: u64,
}

/// The lcluster currently loaded, with what the walk has learnt (`z_erofs_maprecorder`).
#[derive(Debug, Default, Clone, Copy)]
struct Recorder {
    lcn: u64,
    kind: u8,
    headtype: u8,
    clusterofs: u32,
    delta: [u32; 2],
    pblk: u32,
    compressedblks: u32,
    nextpackoff: u64,
    partialref: bool,
}

/// The result of the raw walk, before the extent is completed.
struct RawMap {
    la: u64,
    rec: Recorder,
    initial_nextpackoff: u64,
}

impl ZInfo {
    /// Reads the map header of a compressed inode and locates its tail extent.
    pub fn load<S: BlockSource + ?Sized>(
        sb: &Superblock,
        src: &mut S,
        inode: &Inode,
    ) -> Result<Self> {
        let compact = match inode.layout {
            DataLayout::CompressedCompact => true,
            DataLayout::CompressedFull => false,
            _ => return Err(Error::InvalidArgument("inode is not compressed")),
        };
        let hpos = round_up(inode.data_pos()?, 8)?;
        let mut h = [0u8; 8];
        src.read(hpos, &mut h)?;
        let mut z = ZInfo {
            advise: 0,
            lclusterbits: sb.blkbits() as u8,
            algorithms: [0; 2],
            idata_size: 0,
            inline_pos: 0,
            fragment_off: 0,
            tail_head_lcn: 0,
            compact,
            index_base: add(hpos, 8)?,
            size: inode.size,
        };
        let clusterbits = u8_at(&h, 7)?;
        if clusterbits >> 7 != 0 {
            // The whole file is a fragment; the other 63 bits are its offset.
            z.advise = ADVISE_FRAGMENT_PCLUSTER;
            z.fragment_off = le64(&h, 0)? ^ (1 << 63);
            return Ok(z);
        }
        z.advise = le16(&h, 4)?;
        // At most 16 + 15 = 31; sizes above 30 (14 for compact indexes) are refused below.
        z.lclusterbits = (sb.blkbits() as u8)
            .checked_add(clusterbits & 15)
            .ok_or(Error::Unsupported("logical cluster size"))?;
        let algtype = u8_at(&h, 6)?;
        z.algorithms = [algtype & 15, algtype >> 4];
        if z.advise & ADVISE_FRAGMENT_PCLUSTER != 0 {
            z.fragment_off = u64::from(le32(&h, 0)?);
        } else if z.advise & ADVISE_INLINE_PCLUSTER != 0 {
            z.idata_size = le16(&h, 2)?;
        }
        if z.algorithms.iter().any(|&a| a > 3) {
            return Err(Error::Unsupported("unknown compression algorithm in inode"));
        }
        let big = ADVISE_BIG_PCLUSTER_1 | ADVISE_BIG_PCLUSTER_2;
        if !sb.has_incompat(INCOMPAT_BIG_PCLUSTER) && z.advise & big != 0 {
            return Err(Error::Corrupted("big pcluster without the sb feature"));
        }
        if compact
            && (z.advise & ADVISE_BIG_PCLUSTER_1 == 0) != (z.advise & ADVISE_BIG_PCLUSTER_2 == 0)
        {
            return Err(Error::Corrupted(
                "inconsistent big pcluster bits in compact indexes",
            ));
        }
        if (compact && z.lclusterbits > 14) || z.lclusterbits > 30 {
            return Err(Error::Unsupported("logical cluster size"));
        }
        if inode.size > 0 && (z.idata_size != 0 || z.advise & ADVISE_FRAGMENT_PCLUSTER != 0) {
            let raw = z.walk(sb, src, sub(inode.size, 1)?)?;
            if z.idata_size != 0 {
                z.inline_pos = raw.initial_nextpackoff;
            }
            z.tail_head_lcn = raw.rec.lcn;
            if z.advise & ADVISE_FRAGMENT_PCLUSTER != 0 && !compact {
                z.fragment_off |= u64::from(raw.rec.pblk) << 32;
            }
        }
        Ok(z)
    }

    /// The `Z_EROFS_ADVISE_*` bits.
    pub fn advise(&self) -> u16 {
        self.advise
    }

    /// The logical cluster size shift.
    pub fn lclusterbits(&self) -> u8 {
        self.lclusterbits
    }

    /// On-disk algorithm numbers for HEAD1 and HEAD2 lclusters.
    pub fn algorithms(&self) -> [u8; 2] {
        self.algorithms
    }

    /// Offset of the file's fragment in the packed inode (with `ADVISE_FRAGMENT_PCLUSTER`).
    pub fn fragment_offset(&self) -> u64 {
        self.fragment_off
    }

    fn has(&self, bit: u16) -> bool {
        self.advise & bit != 0
    }

    fn lcluster_size(&self) -> u64 {
        1u64 << self.lclusterbits
    }

    /// Maps the extent holding `offset` (below the file size).
    pub(super) fn map<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        inode: &Inode,
        offset: u64,
    ) -> Result<Extent> {
        let fragment = self.has(ADVISE_FRAGMENT_PCLUSTER);
        if fragment && self.tail_head_lcn == 0 {
            return Ok(Extent {
                logical: 0,
                length: inode.size,
                physical: self.fragment_off,
                physical_len: inode.size,
                kind: ExtentKind::Fragment,
                algorithm: Algorithm::Shifted,
                partial_ref: false,
                inline: false,
                device_id: 0,
            });
        }
        let raw = self.walk(sb, src, offset)?;
        let mut rec = raw.rec;
        let head_lcn = rec.lcn;
        let headtype = rec.headtype;
        let partial_ref = rec.partialref;
        let pblk = rec.pblk;
        let la = raw.la;
        let length = self.decompressed_len(sb, src, head_lcn, la)?;
        let is_tail = head_lcn == self.tail_head_lcn;
        let mut ext = Extent {
            logical: la,
            length,
            physical: 0,
            physical_len: 0,
            kind: ExtentKind::Compressed,
            algorithm: Algorithm::Shifted,
            partial_ref,
            inline: false,
            device_id: 0,
        };
        if self.idata_size != 0 && is_tail {
            ext.physical = self.inline_pos;
            ext.physical_len = u64::from(self.idata_size);
            ext.inline = true;
            if add(sb.block_offset(ext.physical), ext.physical_len)? > u64::from(sb.block_size()) {
                return Err(Error::Corrupted("inline pcluster crosses a block boundary"));
            }
        } else if fragment && is_tail {
            ext.kind = ExtentKind::Fragment;
            ext.physical = self.fragment_off;
            ext.physical_len = length;
            return Ok(ext);
        } else {
            ext.physical = sb.block_pos(u64::from(pblk))?;
            let blks = self.compressed_blocks(sb, src, &mut rec, head_lcn)?;
            ext.physical_len = sb.block_pos(u64::from(blks))?;
            add(ext.physical, ext.physical_len)?;
        }
        if headtype == TYPE_PLAIN {
            if ext.length > ext.physical_len {
                return Err(Error::Corrupted("plain pcluster shorter than its extent"));
            }
            ext.algorithm = if self.has(ADVISE_INTERLACED_PCLUSTER) {
                Algorithm::Interlaced
            } else {
                Algorithm::Shifted
            };
        } else {
            let n = if headtype == TYPE_HEAD2 {
                self.algorithms[1]
            } else {
                self.algorithms[0]
            };
            if sb.compression.algorithms & (1 << n) == 0 {
                return Err(Error::Corrupted("algorithm not enabled in the superblock"));
            }
            ext.algorithm = Algorithm::from_disk(n).ok_or(Error::Unsupported("algorithm"))?;
        }
        if ext.physical_len > PCLUSTER_MAX_SIZE || ext.length > PCLUSTER_MAX_DSIZE {
            return Err(Error::Unsupported("pcluster too large"));
        }
        Ok(ext)
    }

    /// Finds the HEAD lcluster of the extent holding `ofs` (`z_erofs_do_map_blocks`).
    fn walk<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        ofs: u64,
    ) -> Result<RawMap> {
        let bits = u32::from(self.lclusterbits);
        let initial_lcn = ofs >> bits;
        let endoff = (ofs & low_mask(bits)) as u32;
        let mut m = Recorder::default();
        self.load_lcluster(sb, src, &mut m, initial_lcn, false)?;
        let initial_nextpackoff = m.nextpackoff;
        let la;
        if m.kind != TYPE_NONHEAD && endoff >= m.clusterofs {
            m.headtype = m.kind;
            la = shl(m.lcn, bits)? | u64::from(m.clusterofs);
        } else {
            if m.kind != TYPE_NONHEAD {
                if m.lcn == 0 {
                    return Err(Error::Corrupted(
                        "logical cluster 0 starts after its offset",
                    ));
                }
                m.delta[0] = 1;
            }
            la = self.lookback(sb, src, &mut m, initial_lcn)?;
        }
        Ok(RawMap {
            la,
            rec: m,
            initial_nextpackoff,
        })
    }

    /// Walks back along NONHEAD deltas to the HEAD lcluster; returns its logical start.
    fn lookback<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        m: &mut Recorder,
        initial_lcn: u64,
    ) -> Result<u64> {
        let bits = u32::from(self.lclusterbits);
        let max_back = add(PCLUSTER_MAX_DSIZE >> bits, 2)?;
        let mut dist = u64::from(m.delta[0]);
        while dist != 0 && m.lcn >= dist {
            let lcn = sub(m.lcn, dist)?;
            if sub(initial_lcn, lcn)? > max_back {
                return Err(Error::Corrupted("lookback distance too long"));
            }
            self.load_lcluster(sb, src, m, lcn, false)?;
            if m.kind == TYPE_NONHEAD {
                dist = u64::from(m.delta[0]);
                continue;
            }
            m.headtype = m.kind;
            return Ok(shl(lcn, bits)? | u64::from(m.clusterofs));
        }
        Err(Error::Corrupted("bogus lookback distance"))
    }

    /// The pcluster size in blocks (`z_erofs_get_extent_compressedlen`).
    fn compressed_blocks<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        m: &mut Recorder,
        head_lcn: u64,
    ) -> Result<u32> {
        let bits = u32::from(self.lclusterbits);
        let lcn = add(head_lcn, 1)?;
        let big1 = self.has(ADVISE_BIG_PCLUSTER_1);
        let big2 = self.has(ADVISE_BIG_PCLUSTER_2);
        let single = (m.headtype == TYPE_HEAD1 && !big1)
            || ((m.headtype == TYPE_PLAIN || m.headtype == TYPE_HEAD2) && !big2)
            // Not `is_none_or` (Rust 1.82): the kernel's clippy holds 6.12's MSRV, 1.78.
            || !matches!(lcn.checked_shl(bits), Some(v) if v >> bits == lcn && v < self.size);
        if single {
            return Ok(1);
        }
        if m.compressedblks != 0 {
            return Ok(m.compressedblks);
        }
        self.load_lcluster(sb, src, m, lcn, false)?;
        if m.kind == TYPE_NONHEAD && m.delta[0] != 1 {
            return Err(Error::Corrupted("bogus CBLKCNT"));
        }
        if m.kind != TYPE_NONHEAD || m.compressedblks == 0 {
            return Ok(1);
        }
        Ok(m.compressedblks)
    }

    /// The decompressed length of the extent headed at `head_lcn` (the FIEMAP walk).
    fn decompressed_len<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        head_lcn: u64,
        la: u64,
    ) -> Result<u64> {
        let bits = u32::from(self.lclusterbits);
        let mut m = Recorder::default();
        let mut lcn = head_lcn;
        loop {
            let start = match lcn.checked_shl(bits) {
                Some(v) if v >> bits == lcn => v,
                _ => u64::MAX,
            };
            if start >= self.size {
                return sub(self.size, la);
            }
            if start.saturating_sub(la) > PCLUSTER_MAX_DSIZE {
                return Err(Error::Unsupported("decompressed extent too large"));
            }
            self.load_lcluster(sb, src, &mut m, lcn, true)?;
            if m.kind == TYPE_NONHEAD {
                lcn = add(lcn, u64::from(m.delta[1].max(1)))?;
            } else {
                if lcn != head_lcn {
                    let end = start | u64::from(m.clusterofs);
                    if end <= la {
                        return Err(Error::Corrupted("extent ends before it starts"));
                    }
                    return sub(end, la);
                }
                lcn = add(lcn, 1)?;
            }
        }
    }

    /// Loads lcluster `lcn` into `m` from the full or compact index.
    fn load_lcluster<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        m: &mut Recorder,
        lcn: u64,
        lookahead: bool,
    ) -> Result<()> {
        if self.compact {
            self.load_compact(sb, src, m, lcn, lookahead)?;
        } else {
            self.load_full(src, m, lcn)?;
        }
        if m.kind != TYPE_NONHEAD && u64::from(m.clusterofs) >= self.lcluster_size() {
            return Err(Error::Corrupted("clusterofs beyond its lcluster"));
        }
        Ok(())
    }

    fn load_full<S: BlockSource + ?Sized>(
        &self,
        src: &mut S,
        m: &mut Recorder,
        lcn: u64,
    ) -> Result<()> {
        // Full indexes start 8 bytes past the map header (a legacy reserved slot).
        let pos = add(
            add(self.index_base, 8)?,
            lcn.checked_mul(8).ok_or(Error::Corrupted("lcn"))?,
        )?;
        let mut di = [0u8; 8];
        src.read(pos, &mut di)?;
        m.lcn = lcn;
        m.nextpackoff = add(pos, 8)?;
        let advise = le16(&di, 0)?;
        m.kind = (advise & 3) as u8;
        if m.kind == TYPE_NONHEAD {
            m.clusterofs = 1 << self.lclusterbits;
            m.delta[0] = u32::from(le16(&di, 4)?);
            if m.delta[0] & LI_D0_CBLKCNT != 0 {
                if !self.has(ADVISE_BIG_PCLUSTER_1 | ADVISE_BIG_PCLUSTER_2) {
                    return Err(Error::Corrupted("CBLKCNT without big pclusters"));
                }
                m.compressedblks = m.delta[0] & !LI_D0_CBLKCNT;
                m.delta[0] = 1;
            }
            m.delta[1] = u32::from(le16(&di, 6)?);
        } else {
            m.partialref = advise & LI_PARTIAL_REF != 0;
            m.clusterofs = u32::from(le16(&di, 2)?);
            m.pblk = le32(&di, 4)?;
        }
        Ok(())
    }

    fn load_compact<S: BlockSource + ?Sized>(
        &self,
        sb: &Superblock,
        src: &mut S,
        m: &mut Recorder,
        lcn: u64,
        lookahead: bool,
    ) -> Result<()> {
        let bits = u32::from(self.lclusterbits);
        let ebase = self.index_base;
        let totalidx = {
            let b = sb.blkbits();
            add(self.size >> b, u64::from(self.size & low_mask(b) != 0))?
        };
        if lcn >= totalidx || bits > 14 {
            return Err(Error::Corrupted("lcluster index out of range"));
        }
        m.lcn = lcn;
        let initial_4b = (sub(32, ebase % 32)? / 4) & 7;
        let compacted_2b = if self.has(ADVISE_COMPACTED_2B) && initial_4b < totalidx {
            sub(totalidx, initial_4b)? & !15
        } else {
            0
        };
        let mut pos = ebase;
        let mut shift = 2u32;
        let mut l = lcn;
        if l >= initial_4b {
            pos = add(pos, mul(initial_4b, 4)?)?;
            l = sub(l, initial_4b)?;
            if l < compacted_2b {
                shift = 1;
            } else {
                pos = add(pos, mul(compacted_2b, 2)?)?;
                l = sub(l, compacted_2b)?;
            }
        }
        pos = add(pos, shl(l, shift)?)?;
        let vcnt: usize = if shift == 2 && bits <= 14 {
            2
        } else if shift == 1 && bits <= 12 {
            16
        } else {
            return Err(Error::Unsupported("compact index for this lcluster size"));
        };
        let packsize = (vcnt as u64) << shift;
        let packstart = pos & !sub(packsize, 1)?;
        m.nextpackoff = add(packstart, packsize)?;
        let mut pack = [0u8; 32];
        let pack = pack.get_mut(..packsize as usize).ok_or(Error::Io)?;
        src.read(packstart, pack)?;
        let pack: &[u8] = pack;
        let lobits = bits.max(12);
        // checked_div: a plain `/` by a non-constant emits a call to `panic_const_div_by_zero`,
        // which 6.12's objtool does not know as noreturn (a warning, so an error, in the module).
        let encodebits = mul(sub(packsize, 4)?, 8)?
            .checked_div(vcnt as u64)
            .ok_or(PACK)?;
        let mut i = (sub(pos, packstart)? >> shift) as i64;
        let decode = |i: i64| -> Result<(u32, u8)> {
            if !(0..vcnt as i64).contains(&i) {
                return Err(Error::Corrupted("compact index walks out of its pack"));
            }
            let bitpos = mul(encodebits, i as u64)?;
            let v = le32(pack, (bitpos / 8) as usize)? >> (bitpos & 7);
            Ok((v & low_mask(lobits) as u32, ((v >> lobits) & 3) as u8))
        };
        let (lo, kind) = decode(i)?;
        m.kind = kind;
        if kind == TYPE_NONHEAD {
            m.clusterofs = 1 << bits;
            if lookahead {
                m.delta[1] = la_distance(&decode, vcnt as i64, i)?;
            }
            if lo & LI_D0_CBLKCNT != 0 {
                if !self.has(ADVISE_BIG_PCLUSTER_1) {
                    return Err(Error::Corrupted("CBLKCNT without big pclusters"));
                }
                m.compressedblks = lo & !LI_D0_CBLKCNT;
                m.delta[0] = 1;
                return Ok(());
            } else if i.checked_add(1).ok_or(PACK)? != vcnt as i64 {
                m.delta[0] = lo;
                return Ok(());
            }
            // The last lcluster of a pack stores delta[1]; derive delta[0] from the previous.
            let (plo, pkind) = decode(i.checked_sub(1).ok_or(PACK)?)?;
            let lo = if pkind != TYPE_NONHEAD {
                0
            } else if plo & LI_D0_CBLKCNT != 0 {
                1
            } else {
                plo
            };
            m.delta[0] = lo.checked_add(1).ok_or(PACK)?;
            return Ok(());
        }
        m.clusterofs = lo;
        m.delta[0] = 0;
        let mut nblk: u64 = 0;
        // `i` stays within a pack (at most 16 lclusters) and steps back by 14-bit deltas, and
        // `nblk` sums at most 16 of them: the checks below never fail, they only keep the
        // walk free of overflow paths.
        if !self.has(ADVISE_BIG_PCLUSTER_1) {
            nblk = 1;
            while i > 0 {
                i = i.checked_sub(1).ok_or(PACK)?;
                let (lo, kind) = decode(i)?;
                if kind == TYPE_NONHEAD {
                    i = i.checked_sub(i64::from(lo)).ok_or(PACK)?;
                }
                if i >= 0 {
                    nblk = add(nblk, 1)?;
                }
            }
        } else {
            while i > 0 {
                i = i.checked_sub(1).ok_or(PACK)?;
                let (lo, kind) = decode(i)?;
                if kind == TYPE_NONHEAD {
                    if lo & LI_D0_CBLKCNT != 0 {
                        i = i.checked_sub(1).ok_or(PACK)?;
                        nblk = add(nblk, u64::from(lo & !LI_D0_CBLKCNT))?;
                        continue;
                    }
                    if lo <= 1 {
                        return Err(Error::Corrupted("plain d0 of 1 in a big pcluster"));
                    }
                    // `lo - 2` lclusters back: `lo` is at least 2 here.
                    i = i.checked_sub(i64::from(lo)).ok_or(PACK)?;
                    i = i.checked_add(2).ok_or(PACK)?;
                    continue;
                }
                nblk = add(nblk, 1)?;
            }
        }
        let base = le32(pack, sub(packsize, 4)? as usize)?;
        let pblk = add(u64::from(base), nblk)?;
        m.pblk = u32::try_from(pblk).map_err(|_| Error::Corrupted("block address overflow"))?;
        Ok(())
    }
}

/// delta[1] of a NONHEAD lcluster in a compact pack: the distance to the next HEAD
/// (`get_compacted_la_distance`).
fn la_distance<F: Fn(i64) -> Result<(u32, u8)>>(decode: &F, vcnt: i64, mut i: i64) -> Result<u32> {
    let mut d1: u32 = 0;
    let mut lo;
    loop {
        let (l, kind) = decode(i)?;
        lo = l;
        if kind != TYPE_NONHEAD {
            return Ok(d1);
        }
        // At most `vcnt` (16) steps: neither overflows.
        d1 = d1.checked_add(1).ok_or(PACK)?;
        i = i.checked_add(1).ok_or(PACK)?;
        if i >= vcnt {
            break;
        }
    }
    if lo & LI_D0_CBLKCNT == 0 {
        // `d1 += lo - 1` with `d1` at least 1 here (the kernel's unsigned sum never wraps
        // either): add first, then subtract.
        d1 = d1
            .checked_add(lo)
            .and_then(|d| d.checked_sub(1))
            .ok_or(PACK)?;
    }
    // The kernel keeps delta[1] in 16 bits.
    Ok(d1 & 0xffff)
}
