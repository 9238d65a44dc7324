// SPDX-License-Identifier: GPL-2.0

//! Reading a byte range of a file, for both read paths: map the range to extents (the crate,
//! through the metadata cache), read each extent's physical bytes from the device into bounded
//! buffers, decode compressed pclusters, and pass exactly the wanted bytes to a sink. The
//! buffered path's sink is a page-cache folio; the O_DIRECT path's sink is the caller's
//! `iov_iter`.
//!
//! A [`Reader`] serves one request with buffers of its own, taken from the mount's idle ones
//! and given back when it ends, so any number of readers may run on one file at once. Their
//! size is bounded by the image's largest pcluster (at most 1 MiB) and decoded extent (at most
//! [`MAX_DECODED`]); uncompressed and hole extents go through a [`CHUNK`]-sized buffer. A
//! pcluster whose decoded bytes other reads need (`Extent::decode_is_shared`) is looked up in
//! the mount's decoded cache first, and decoded whole and offered to it on a miss.
//!
//! Compressed extents are read from the device a run of consecutive pclusters at a time, and
//! while one run decodes the request's next run is already being read into a second buffer:
//! at most one run (up to [`MAX_RUN`] bytes) is in flight per request.
//!
//! Extents decoded straight into the destination are decoded two at a time: the first handed
//! to a kworker ([`Handed`]), which a free CPU runs while the reader decodes the second, so one
//! large request uses more than one CPU. The sink is told of both in file order, after both,
//! so bytes past a failed extent are never counted as read.

use core::ops::Range;
use kernel::alloc::flags::__GFP_NOWARN;

use kernel::alloc::KVVec;
use kernel::error::code::{EIO, ENOMEM};
use kernel::prelude::*;

use crate::cache::{Buffers, Key};
use crate::decomp::{self, KernelDecompressor};
use crate::device::{Device, Meta};
use crate::erofs::{
    self, decode_extent, decode_input, BlockSource, Extent, ExtentKind, FileMap, FileType,
};
use crate::ffi::{self, Active, Dest, Event, Handed, IterSink, PendingRead};
use crate::mount::Mount;

/// Uncompressed and hole extents are copied in chunks of this many bytes.
const CHUNK: usize = 128 * 1024;
/// Largest pcluster EROFS writes (`Z_EROFS_PCLUSTER_MAX_SIZE`).
const MAX_PCLUSTER: u64 = 1 << 20;
/// Readahead windows of compressed files grow to at least this, then to a whole extent.
const MIN_WINDOW: u64 = 1 << 20;
/// Largest readahead window grown so.
const MAX_SPAN: u64 = 4 << 20;
/// Largest run of consecutive pclusters read from the device at once.
const MAX_RUN: u64 = MAX_PCLUSTER;
/// Largest decoded extent accepted; the format bounds it well below this.
const MAX_DECODED: u64 = 16 << 20;
/// Smallest decoded extent worth handing to another CPU: a worker's wake-up costs about what
/// decoding a few pages does.
const MIN_HANDED: usize = 64 * 1024;
/// Smallest user destination of decoded bytes pinned and mapped to take them in one copy
/// (smaller ones, mostly small files, go through the request's buffer).
const MIN_MAPPED_COPY: usize = 64 * 1024;

/// Where read bytes go, in order.
pub(crate) trait Sink {
    /// Takes the next bytes.
    fn put(&mut self, chunk: &[u8]) -> Result;

    /// The next `len` bytes mapped for decoding straight into them, when this sink can.
    fn map(&mut self, _len: usize) -> Option<Dest> {
        None
    }

    /// The bytes of a [`Dest`] from [`Sink::map`] were written.
    fn filled(&mut self, _dest: Dest) {}

    /// The sink's own next `len` bytes, when it is plain kernel memory, to be read into
    /// directly and then taken with [`Sink::advance`].
    fn slot(&mut self, _len: usize) -> Option<&mut [u8]> {
        None
    }

    /// Takes the `len` bytes just written into [`Sink::slot`].
    fn advance(&mut self, _len: usize) {}

    /// Whether [`Sink::put`] writes kernel memory only, so it cannot fault (and through the
    /// fault read a file of this mount): then the mount's cache copies straight into it.
    fn is_kernel(&self) -> bool {
        false
    }
}

/// A read's `iov_iter`: the caller's memory (O_DIRECT) or a readahead window's folios.
impl Sink for IterSink {
    fn put(&mut self, chunk: &[u8]) -> Result {
        self.copy(chunk)
    }

    fn map(&mut self, len: usize) -> Option<Dest> {
        IterSink::map(self, len)
    }

    fn filled(&mut self, dest: Dest) {
        IterSink::filled(self, dest)
    }

    fn is_kernel(&self) -> bool {
        IterSink::is_kernel(self)
    }
}

/// A kernel buffer (a directory block, a symlink).
struct SliceSink<'a> {
    dst: &'a mut [u8],
    done: usize,
}

impl Sink for SliceSink<'_> {
    fn put(&mut self, chunk: &[u8]) -> Result {
        let end = self.done.checked_add(chunk.len()).ok_or(corrupted())?;
        let to = self.dst.get_mut(self.done..end).ok_or(corrupted())?;
        to.copy_from_slice(chunk);
        self.done = end;
        Ok(())
    }

    fn slot(&mut self, len: usize) -> Option<&mut [u8]> {
        let end = self.done.checked_add(len)?;
        self.dst.get_mut(self.done..end)
    }

    fn advance(&mut self, len: usize) {
        self.done = self.done.saturating_add(len).min(self.dst.len());
    }

    fn is_kernel(&self) -> bool {
        true
    }
}

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
    mnt: &'a Mount,
    dev: Device,
    meta: Meta,
    dec: KernelDecompressor,
    bufs: Buffers,
    /// The device range (start, length) whose bytes `bufs.raw` holds.
    held: Option<(u64, usize)>,
    /// The request's next run, being read into what was `bufs.next`.
    ahead: Option<Ahead>,
    /// An extent's decode handed to a worker, reading `bufs.raw`, not yet passed to the sink.
    handed: Option<HandedDecode>,
    _active: Active,
}

/// A decode handed to a worker: running, or finished (before `bufs.raw` changed) and waiting
/// for its turn at the sink.
enum HandedDecode {
    Running(Handed),
    Done(Dest, core::result::Result<usize, kernel::ffi::c_int>),
}

/// A run of pclusters read ahead: the device range (start, length), the file offset where
/// its last extent ends, and the read.
struct Ahead {
    start: u64,
    len: usize,
    end: u64,
    io: PendingRead,
}

impl Drop for Reader<'_> {
    fn drop(&mut self) {
        // A handed decode reads `bufs.raw`: finished before the buffers go.
        self.handed = None;
        self.drop_ahead();
        let bufs = core::mem::take(&mut self.bufs);
        self.mnt.spare.lock().give(bufs);
    }
}

/// Where a readahead window `[pos, pos + len)` of a compressed file should end: at the end
/// of the extent holding its last byte, the window first grown to [`MIN_WINDOW`]. Every
/// extent inside then decodes straight into the folios; only the one cut at the window's
/// start (extents end mid-page) goes through the decoded cache, so the larger the window
/// the fewer bytes are copied. `None` when there is nothing to gain: not compressed, or
/// the window would end in a fragment or tail, or grow past [`MAX_SPAN`].
pub(crate) fn window_end(mnt: &Mount, file: &FileMap, pos: u64, len: u64) -> Option<u64> {
    let size = file.size();
    let want = pos.checked_add(len.max(MIN_WINDOW))?.min(size);
    let last = want.checked_sub(1)?;
    if file.z.is_none() || pos > last {
        return None;
    }
    // Metadata only: no request buffers are taken for it.
    let tail = file.map(&mnt.vol.sb, &mut mnt.dev.meta(), last).ok()?;
    let end = tail.end().min(size);
    if tail.kind != ExtentKind::Compressed || end.saturating_sub(pos) > MAX_SPAN {
        return None;
    }
    Some(end)
}

/// `v` as a buffer of exactly `n` bytes, reallocated (never copied) when too small; zero
/// filled only when allocated, so a kept buffer costs nothing. A failure is the reader's
/// ENOMEM, not a warning with a stack dump in the log.
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

/// Passes `bytes` to the sink: copied into `dest`, the sink's pinned and mapped next bytes,
/// when there is one, which is returned written, for [`give`] once any lock held on `bytes` is
/// released (handing it over unmaps and unpins it); else put through the sink.
fn put_bytes(sink: &mut dyn Sink, dest: Option<Dest>, bytes: &[u8]) -> Result<Option<Dest>> {
    match dest {
        Some(mut dest) => {
            dest.write(bytes)?;
            Ok(Some(dest))
        }
        None => {
            sink.put(bytes)?;
            Ok(None)
        }
    }
}

/// Hands a destination [`put_bytes`] wrote to its sink.
fn give(sink: &mut dyn Sink, written: Option<Dest>) {
    if let Some(dest) = written {
        sink.filled(dest);
        ffi::count(Event::MappedCopy);
    }
}

/// Whether `ext` is a compressed pcluster of the primary device, outside the inode, starting at
/// file offset `q`: one that a run of device reads may hold.
fn is_pcluster_at(ext: &Extent, q: u64) -> bool {
    ext.kind == ExtentKind::Compressed && !ext.inline && ext.device_id == 0 && ext.logical == q
}

fn to_usize(v: u64) -> Result<usize> {
    usize::try_from(v).map_err(|_| corrupted())
}

impl<'a> Reader<'a> {
    pub(crate) fn new(mnt: &'a Mount) -> Self {
        Self {
            mnt,
            dev: mnt.dev,
            meta: mnt.dev.meta(),
            dec: KernelDecompressor::new(mnt.vol.sb.compression.lzma_dict_size),
            bufs: mnt.spare.lock().take(),
            held: None,
            ahead: None,
            handed: None,
            _active: Active::new(),
        }
    }

    /// Passes the bytes of `file` in `[pos, pos + len)`, clamped to the file size, to `sink`;
    /// returns how many were passed.
    pub(crate) fn read(
        &mut self,
        file: &FileMap,
        pos: u64,
        len: u64,
        sink: &mut dyn Sink,
    ) -> Result<u64> {
        self.read_inner(file, pos, len, sink, true)
    }

    /// A buffer of at least `n` bytes to read blocks into, kept among the reader's buffers, so
    /// a directory lookup allocates nothing once the mount has served one. Give it back with
    /// [`Reader::give_block`].
    pub(crate) fn take_block(&mut self, n: usize) -> Result<KVVec<u8>> {
        let mut v = core::mem::replace(&mut self.bufs.blk, KVVec::new());
        grow(&mut v, n)?;
        Ok(v)
    }

    /// Returns a buffer from [`Reader::take_block`].
    pub(crate) fn give_block(&mut self, v: KVVec<u8>) {
        self.bufs.blk = v;
    }

    /// Fills `dst` from `file` at `pos`; returns the count (short only at end of file).
    pub(crate) fn read_into(&mut self, file: &FileMap, pos: u64, dst: &mut [u8]) -> Result<usize> {
        let len = dst.len() as u64;
        let mut sink = SliceSink { dst, done: 0 };
        self.read(file, pos, len, &mut sink)?;
        Ok(sink.done)
    }

    fn read_inner(
        &mut self,
        file: &FileMap,
        pos: u64,
        len: u64,
        sink: &mut dyn Sink,
        allow_fragments: bool,
    ) -> Result<u64> {
        let size = file.size();
        if pos >= size {
            return Ok(0);
        }
        let end = pos.saturating_add(len).min(size);
        let read = self.read_extents(file, pos, end, sink, allow_fragments);
        // The decode handed last lies before whatever failed: its bytes count, or its error
        // is the first in file order.
        self.settle(sink)?;
        read?;
        Ok(end - pos)
    }

    /// [`Self::read_inner`]'s loop over the extents of `[pos, end)`.
    fn read_extents(
        &mut self,
        file: &FileMap,
        pos: u64,
        end: u64,
        sink: &mut dyn Sink,
        allow_fragments: bool,
    ) -> Result {
        let sb = &self.mnt.vol.sb;
        // Directory blocks are metadata: every lookup of a path reads them again.
        let is_dir = FileType::from_mode(file.inode.mode) == Some(FileType::Directory);
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
            // Whatever is not decoded into a mapped destination goes to the sink now, after
            // the decode handed before it (`settle`).
            match ext.kind {
                ExtentKind::Hole => {
                    self.settle(sink)?;
                    let mut left = n;
                    while left > 0 {
                        let c = left.min(CHUNK as u64) as usize;
                        let buf = grow(&mut self.bufs.out, c)?;
                        buf.fill(0);
                        sink.put(buf)?;
                        left -= c as u64;
                    }
                }
                ExtentKind::Plain => {
                    self.settle(sink)?;
                    let mut off = 0u64;
                    while off < n {
                        let c = (n - off).min(CHUNK as u64) as usize;
                        let at = ext.physical.checked_add(within + off).ok_or(corrupted())?;
                        // Straight into a kernel buffer sink (a directory block, a symlink);
                        // through the request's buffer into anything else.
                        let (to, direct) = match sink.slot(c) {
                            Some(to) => (to, true),
                            None => (grow(&mut self.bufs.out, c)?, false),
                        };
                        if ext.inline || is_dir {
                            self.meta.read(at, to).map_err(read_error)?;
                        } else {
                            self.dev.read(at, to).map_err(read_error)?;
                        }
                        if direct {
                            sink.advance(c);
                        } else {
                            sink.put(self.bufs.out.get(..c).ok_or(ENOMEM)?)?;
                        }
                        off += c as u64;
                    }
                }
                ExtentKind::Fragment => {
                    self.settle(sink)?;
                    let packed = match (allow_fragments, self.mnt.vol.packed) {
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
                    let (within, need) = (to_usize(within)?, to_usize(need)?);
                    let cache = ext.decode_is_shared(within as u64, need as u64);
                    // A whole extent inside the request decodes straight into the destination
                    // when it maps; anything else through the buffer.
                    let dest = match (cache, ext.algorithm.needs_decompressor()) {
                        (false, true) => sink.map(need),
                        _ => None,
                    };
                    if let Some(dest) = dest {
                        self.decode_mapped(file, &ext, end, dest, sink)?;
                    } else {
                        self.settle(sink)?;
                        self.put_decoded(file, &ext, end, (within, need), cache, sink)?;
                    }
                }
            }
            p += n;
        }
        Ok(())
    }
}

/// The decoder's input for the whole of `ext` into `dest`, from `raw` of the raw buffer.
fn input<'r>(
    sb: &erofs::Superblock,
    ext: &Extent,
    buf: &'r [u8],
    raw: Range<usize>,
    dest: &Dest,
) -> Result<(erofs::Algorithm, &'r [u8], bool)> {
    let raw = buf.get(raw).ok_or(corrupted())?;
    decode_input(sb, ext, raw, dest.len()).map_err(read_error)
}

/// A decode into `dest` that wrote `n` bytes filled it, or the image is corrupt.
fn whole(n: usize, dest: &Dest) -> Result {
    if n != dest.len() {
        return Err(read_error(erofs::Error::Corrupted(
            "decompressed size mismatch",
        )));
    }
    Ok(())
}

fn key(ext: &Extent) -> Key {
    Key {
        physical: ext.physical,
        physical_len: ext.physical_len,
    }
}

impl Reader<'_> {
    /// Reads and decodes the compressed extent `ext` into the request's output buffer: the
    /// whole extent when `cache` (to offer it to the mount's cache), else its first `need`
    /// bytes.
    fn decode(
        &mut self,
        file: &FileMap,
        ext: &Extent,
        end: u64,
        need: usize,
        cache: bool,
    ) -> Result {
        let len = if cache { to_usize(ext.length)? } else { need };
        grow(&mut self.bufs.out, len)?;
        let raw = self.load_at(file, ext, end)?;
        let raw = self.bufs.raw.get(raw).ok_or(corrupted())?;
        let out = self.bufs.out.get_mut(..len).ok_or(ENOMEM)?;
        decode_extent(&self.mnt.vol.sb, ext, raw, out, &mut self.dec).map_err(read_error)
    }

    /// Decodes the whole compressed extent `ext` into `dest` and passes it to the sink: handed
    /// to a worker when no decode is, to the sink with the next one (see the module
    /// documentation); else decoded here, then passed after the handed one.
    fn decode_mapped(
        &mut self,
        file: &FileMap,
        ext: &Extent,
        end: u64,
        dest: Dest,
        sink: &mut dyn Sink,
    ) -> Result {
        let dest = if self.handed.is_none() && dest.len() >= MIN_HANDED {
            match self.hand(file, ext, end, dest)? {
                None => return Ok(()),
                Some(dest) => dest,
            }
        } else {
            dest
        };
        let decoded = self.decode_into(file, ext, end, &dest);
        self.settle(sink)?;
        decoded?;
        sink.filled(dest);
        ffi::count(Event::MappedDecode);
        Ok(())
    }

    /// Hands the decode of `ext` into `dest` to a worker; gives `dest` back when it cannot.
    fn hand(&mut self, file: &FileMap, ext: &Extent, end: u64, dest: Dest) -> Result<Option<Dest>> {
        let raw = self.load_at(file, ext, end)?;
        let (algorithm, src, partial) = input(&self.mnt.vol.sb, ext, &self.bufs.raw, raw, &dest)?;
        // SAFETY: `src` lies in `bufs.raw`, which changes only in `load_at` and `load_run`, and
        // both finish the handed decode first, as dropping the reader does.
        match unsafe { self.dec.hand(algorithm, src, dest, partial) } {
            Ok(h) => {
                self.handed = Some(HandedDecode::Running(h));
                Ok(None)
            }
            Err(dest) => Ok(Some(dest)),
        }
    }

    /// Lets the handed decode finish, if one runs: `bufs.raw` is about to change.
    fn finish_handed(&mut self) {
        if let Some(HandedDecode::Running(h)) = self.handed.take() {
            let (dest, res) = h.finish();
            self.handed = Some(HandedDecode::Done(dest, res));
        }
    }

    /// Passes the handed decode's destination to the sink once it is written.
    fn settle(&mut self, sink: &mut dyn Sink) -> Result {
        let (dest, res) = match self.handed.take() {
            None => return Ok(()),
            Some(HandedDecode::Running(h)) => h.finish(),
            Some(HandedDecode::Done(dest, res)) => (dest, res),
        };
        whole(res.map_err(|e| read_error(decomp::error(e)))?, &dest)?;
        sink.filled(dest);
        ffi::count(Event::MappedDecode);
        Ok(())
    }

    /// Decodes the whole compressed extent `ext` into `dest`, mapped from the destination.
    fn decode_into(&mut self, file: &FileMap, ext: &Extent, end: u64, dest: &Dest) -> Result {
        let raw = self.load_at(file, ext, end)?;
        let (algorithm, src, partial) = input(&self.mnt.vol.sb, ext, &self.bufs.raw, raw, dest)?;
        let n = self
            .dec
            .decompress_into(algorithm, src, dest, partial)
            .map_err(read_error)?;
        whole(n, dest)
    }

    /// Makes the raw buffer hold `ext`'s pcluster; returns where it lies in it.
    fn load_at(&mut self, file: &FileMap, ext: &Extent, end: u64) -> Result<Range<usize>> {
        let plen = to_usize(ext.physical_len)?;
        let at = if ext.inline {
            // A pcluster packed inline beside its inode is metadata.
            self.finish_handed();
            self.held = None;
            let raw = grow(&mut self.bufs.raw, plen)?;
            self.meta.read(ext.physical, raw).map_err(read_error)?;
            0
        } else {
            self.load_run(file, ext, end)?
        };
        Ok(at..at.checked_add(plen).ok_or(corrupted())?)
    }

    /// Makes the raw buffer hold `ext`'s pcluster and returns where it starts in it. A miss
    /// takes the run read ahead when it starts there, else reads, in one device read, the run
    /// of pclusters that follow it on the device and that the request (up to `end`) maps next,
    /// up to [`MAX_RUN`] bytes: small files of 4 KiB pclusters and consecutive pclusters of a
    /// large request cost one bio, not one each. Either way the run after it is then read
    /// ahead, to arrive while this one decodes.
    fn load_run(&mut self, file: &FileMap, ext: &Extent, end: u64) -> Result<usize> {
        if let Some((start, len)) = self.held {
            let held_end = start.saturating_add(len as u64);
            if ext.physical >= start && ext.physical.saturating_add(ext.physical_len) <= held_end {
                return to_usize(ext.physical - start);
            }
        }
        self.finish_handed();
        self.held = None;
        let (run, run_end) = match self.ahead.take() {
            Some(a) if a.start == ext.physical && ext.physical_len <= a.len as u64 => {
                let (buf, res) = a.io.wait();
                self.bufs.next = core::mem::replace(&mut self.bufs.raw, buf);
                res?;
                ffi::count(Event::AheadUsed);
                (a.len, a.end)
            }
            other => {
                if let Some(a) = other {
                    self.bufs.next = a.io.wait().0;
                }
                let (run, run_end) = self.run_from(file, ext, end);
                let run = to_usize(run)?;
                let raw = grow(&mut self.bufs.raw, run)?;
                self.dev.read(ext.physical, raw).map_err(read_error)?;
                (run, run_end)
            }
        };
        self.held = Some((ext.physical, run));
        self.read_ahead(file, run_end, end);
        Ok(0)
    }

    /// The run of pclusters from `ext` on: its length on the device and the file offset where
    /// it ends (see [`Self::load_run`]).
    fn run_from(&mut self, file: &FileMap, ext: &Extent, end: u64) -> (u64, u64) {
        let sb = &self.mnt.vol.sb;
        let mut run = ext.physical_len;
        let mut q = ext.end();
        while q < end {
            // A mapping error here is the main loop's to report, at its own extent.
            let Ok(next) = file.map(sb, &mut self.meta, q) else {
                break;
            };
            let contiguous = is_pcluster_at(&next, q)
                && ext.physical.checked_add(run) == Some(next.physical)
                && run.saturating_add(next.physical_len) <= MAX_RUN;
            if !contiguous {
                break;
            }
            run += next.physical_len;
            q = next.end();
        }
        (run, q)
    }

    /// Starts reading the run of pclusters that the request maps at `q` into `bufs.next`,
    /// when there is one. Best effort: anything that does not fit (no memory, a buffer bios
    /// cannot land in, an extent that is not a plain pcluster) leaves it to [`Self::load_run`].
    fn read_ahead(&mut self, file: &FileMap, q: u64, end: u64) {
        if q >= end || self.ahead.is_some() {
            return;
        }
        let Ok(next) = file.map(&self.mnt.vol.sb, &mut self.meta, q) else {
            return;
        };
        if !is_pcluster_at(&next, q) || next.physical_len > MAX_PCLUSTER {
            return;
        }
        let (run, run_end) = self.run_from(file, &next, end);
        let Ok(run) = usize::try_from(run) else {
            return;
        };
        let mut buf = core::mem::replace(&mut self.bufs.next, KVVec::new());
        if grow(&mut buf, run).is_err() {
            return;
        }
        match self.dev.submit(next.physical, buf, run) {
            Ok(io) => {
                self.ahead = Some(Ahead {
                    start: next.physical,
                    len: run,
                    end: run_end,
                    io,
                })
            }
            Err(buf) => self.bufs.next = buf,
        }
    }

    /// Waits for a run read ahead and not used, keeping its buffer.
    fn drop_ahead(&mut self) {
        if let Some(a) = self.ahead.take() {
            self.bufs.next = a.io.wait().0;
        }
    }

    /// Puts decoded bytes `[within, need)` of the compressed extent `ext` into the sink through
    /// the request's buffer: from the mount's cache when `cache` and it holds them, else
    /// decoded (whole, and offered to the cache, when `cache`). A user destination of at
    /// least [`MIN_MAPPED_COPY`] bytes is pinned and mapped first, so it takes the bytes in
    /// one copy, from the cache under its lock as a kernel sink does.
    fn put_decoded(
        &mut self,
        file: &FileMap,
        ext: &Extent,
        end: u64,
        (within, need): (usize, usize),
        cache: bool,
        sink: &mut dyn Sink,
    ) -> Result {
        let mut dest = if cache && !sink.is_kernel() && need - within >= MIN_MAPPED_COPY {
            sink.map(need - within)
        } else {
            None
        };
        if cache && self.put_cached(ext, within, need, sink, &mut dest)? {
            return Ok(());
        }
        self.decode(file, ext, end, need, cache)?;
        let bytes = self.bufs.out.get(within..need).ok_or(corrupted())?;
        let written = put_bytes(sink, dest, bytes)?;
        give(sink, written);
        if cache {
            self.offer(ext)?;
        }
        Ok(())
    }

    /// Puts decoded bytes `[within, need)` of the compressed extent `ext` into the sink from
    /// the mount's cache, if it holds them: straight from the cache, under its lock, into a
    /// sink that cannot fault (see [`Sink::is_kernel`]) or into `dest`, the sink's pinned and
    /// mapped next bytes, which it then takes; else copied out under the lock and put after
    /// it, since the sink's fault may read a file of this mount. `dest` is left alone on a
    /// miss.
    fn put_cached(
        &mut self,
        ext: &Extent,
        within: usize,
        need: usize,
        sink: &mut dyn Sink,
        dest: &mut Option<Dest>,
    ) -> Result<bool> {
        if sink.is_kernel() || dest.is_some() {
            let written = {
                let mut decoded = self.mnt.decoded.lock();
                let Some(bytes) = decoded.get(key(ext), within, need) else {
                    return Ok(false);
                };
                ffi::count(Event::CacheHit);
                put_bytes(sink, dest.take(), bytes)?
            };
            give(sink, written);
        } else {
            let out = grow(&mut self.bufs.out, need)?;
            if !self
                .mnt
                .decoded
                .lock()
                .copy_out(key(ext), within, need, out)
            {
                return Ok(false);
            }
            ffi::count(Event::CacheHit);
            sink.put(self.bufs.out.get(within..need).ok_or(corrupted())?)?;
        }
        Ok(true)
    }

    /// Offers the whole extent just decoded by [`Self::decode`] to the mount's cache, which
    /// takes the output buffer and gives back another.
    fn offer(&mut self, ext: &Extent) -> Result {
        let len = to_usize(ext.length)?;
        self.mnt
            .decoded
            .lock()
            .insert(key(ext), len, &mut self.bufs.out);
        Ok(())
    }
}
