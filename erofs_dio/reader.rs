// SPDX-License-Identifier: GPL-2.0

//! Reading a byte range of a file, for both read paths: map the range to extents (the crate),
//! read each extent's physical bytes from the device into bounded private buffers, decode
//! compressed pclusters, and pass exactly the wanted bytes to a sink. The buffered path's sink
//! is a page-cache folio; the O_DIRECT path's sink is the caller's `iov_iter`.
//!
//! Buffers belong to one request (one [`Reader`]): nothing is shared between readers, so any
//! number of them may run on one file at once. Their size is bounded by the image's largest
//! pcluster (at most 1 MiB) and decoded extent (at most [`MAX_DECODED`]); uncompressed and hole
//! extents go through a [`CHUNK`]-sized buffer.

use kernel::alloc::flags::__GFP_NOWARN;
use kernel::alloc::KVVec;
use kernel::error::code::{EIO, ENOMEM};
use kernel::prelude::*;

use crate::decomp::KernelDecompressor;
use crate::device::{Device, MetaCache};
use crate::erofs::{self, decode_extent, BlockSource, ExtentKind, FileMap, Volume};

/// Uncompressed and hole extents are copied in chunks of this many bytes.
const CHUNK: usize = 128 * 1024;
/// Largest pcluster EROFS writes (`Z_EROFS_PCLUSTER_MAX_SIZE`).
const MAX_PCLUSTER: u64 = 1 << 20;
/// Largest decoded extent accepted; the format bounds it well below this.
const MAX_DECODED: u64 = 16 << 20;

/// Where read bytes go, in order.
pub(crate) type Sink<'a> = dyn FnMut(&[u8]) -> Result + 'a;

/// `EFSCORRUPTED` (the kernel's `EUCLEAN`), which `kernel::error::code` does not name.
pub(crate) fn corrupted() -> Error {
    Error::from_errno(-erofs::error::EFSCORRUPTED)
}

/// `EOPNOTSUPP`, which `kernel::error::code` does not name in 6.12.
pub(crate) fn eopnotsupp() -> Error {
    Error::from_errno(-erofs::error::EOPNOTSUPP)
}

/// The kernel error for an error of the read path: the image is corrupted (EFSCORRUPTED),
/// the device failed (EIO), memory ran out (ENOMEM) or the feature is unsupported (EOPNOTSUPP).
pub(crate) fn read_error(e: erofs::Error) -> Error {
    match e {
        erofs::Error::Io => EIO,
        erofs::Error::NoMemory => ENOMEM,
        erofs::Error::Unsupported(_) => eopnotsupp(),
        _ => corrupted(),
    }
}

/// One request's reading state.
pub(crate) struct Reader<'a> {
    vol: &'a Volume,
    dev: Device,
    meta: MetaCache,
    dec: KernelDecompressor,
    raw: KVVec<u8>,
    out: KVVec<u8>,
}

/// `v` as a buffer of exactly `n` bytes, reallocated (never copied) when too small. A failure
/// is the reader's ENOMEM, not a warning with a stack dump in the log.
fn grow(v: &mut KVVec<u8>, n: usize) -> Result<&mut [u8]> {
    if v.len() < n {
        *v = KVVec::new();
        let gfp = GFP_KERNEL_ACCOUNT | __GFP_NOWARN;
        let mut nv = KVVec::with_capacity(n, gfp)?;
        nv.extend_with(n, 0, gfp)?;
        *v = nv;
    }
    v.get_mut(..n).ok_or(ENOMEM)
}

fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| corrupted())
}

impl<'a> Reader<'a> {
    pub(crate) fn new(vol: &'a Volume, dev: Device) -> Self {
        Self {
            vol,
            dev,
            meta: MetaCache::new(dev),
            dec: KernelDecompressor::new(vol.sb.compression.lzma_dict_size),
            raw: KVVec::new(),
            out: KVVec::new(),
        }
    }

    /// Passes the bytes of `file` in `[pos, pos + len)`, clamped to the file size, to `sink`;
    /// returns how many were passed.
    pub(crate) fn read(
        &mut self,
        file: &FileMap,
        pos: u64,
        len: u64,
        sink: &mut Sink<'_>,
    ) -> Result<u64> {
        self.read_inner(file, pos, len, sink, true)
    }

    /// Fills `dst` from `file` at `pos`; returns the count (short only at end of file).
    pub(crate) fn read_into(&mut self, file: &FileMap, pos: u64, dst: &mut [u8]) -> Result<usize> {
        let len = dst.len() as u64;
        let mut done = 0usize;
        let mut sink = |chunk: &[u8]| -> Result {
            let to = dst.get_mut(done..done + chunk.len()).ok_or(corrupted())?;
            to.copy_from_slice(chunk);
            done += chunk.len();
            Ok(())
        };
        self.read(file, pos, len, &mut sink)?;
        Ok(done)
    }

    fn read_inner(
        &mut self,
        file: &FileMap,
        pos: u64,
        len: u64,
        sink: &mut Sink<'_>,
        allow_fragments: bool,
    ) -> Result<u64> {
        let size = file.size();
        if pos >= size {
            return Ok(0);
        }
        let end = pos.saturating_add(len).min(size);
        let sb = &self.vol.sb;
        let mut p = pos;
        while p < end {
            let ext = file.map(sb, &mut self.meta, p).map_err(read_error)?;
            if ext.logical > p || ext.end() <= p {
                return Err(read_error(erofs::Error::Corrupted("extent does not cover")));
            }
            if ext.device_id != 0 {
                return Err(eopnotsupp());
            }
            let within = p - ext.logical;
            let n = ext.end().min(end) - p;
            match ext.kind {
                ExtentKind::Hole => {
                    let mut left = n;
                    while left > 0 {
                        let c = left.min(CHUNK as u64) as usize;
                        let buf = grow(&mut self.out, c)?;
                        buf.fill(0);
                        sink(buf)?;
                        left -= c as u64;
                    }
                }
                ExtentKind::Plain => {
                    let mut off = 0u64;
                    while off < n {
                        let c = (n - off).min(CHUNK as u64) as usize;
                        let buf = grow(&mut self.out, c)?;
                        let at = ext.physical.checked_add(within + off).ok_or(corrupted())?;
                        self.dev.read(at, buf).map_err(read_error)?;
                        sink(buf)?;
                        off += c as u64;
                    }
                }
                ExtentKind::Fragment => {
                    let packed = match (allow_fragments, self.vol.packed) {
                        (true, Some(packed)) => packed,
                        _ => return Err(read_error(erofs::Error::Corrupted("fragment"))),
                    };
                    let at = ext.physical.checked_add(within).ok_or(corrupted())?;
                    if self.read_inner(&packed, at, n, sink, false)? != n {
                        return Err(read_error(erofs::Error::Corrupted("short fragment")));
                    }
                }
                ExtentKind::Compressed => {
                    let need = within + n;
                    if ext.physical_len > MAX_PCLUSTER || need > MAX_DECODED {
                        return Err(read_error(erofs::Error::Corrupted("extent too large")));
                    }
                    let raw = grow(&mut self.raw, to_usize(ext.physical_len)?)?;
                    self.dev.read(ext.physical, raw).map_err(read_error)?;
                    let out = grow(&mut self.out, to_usize(need)?)?;
                    decode_extent(sb, &ext, raw, out, &mut self.dec).map_err(read_error)?;
                    let wanted = out.get(to_usize(within)?..).ok_or(corrupted())?;
                    sink(wanted)?;
                }
            }
            p += n;
        }
        Ok(end - pos)
    }
}
