// SPDX-License-Identifier: GPL-2.0

//! Directories: lookup by binary search over blocks and then within the block, and readdir
//! from a position. Directory blocks are read through the same [`Reader`] as file data, so
//! compressed and tail-packed directories work too.
//!
//! A readdir position is a byte offset into the directory: block start plus the entry's
//! dirent offset (`index * 12`), as stock EROFS counts.

use core::cmp::Ordering;

use kernel::alloc::KVVec;
use kernel::error::code::ENOENT;
use kernel::prelude::*;

use crate::erofs::dir::DIRENT_SIZE;
use crate::erofs::{DirBlock, FileMap};
use crate::ffi::DirEmitter;
use crate::mount::Mount;
use crate::reader::{corrupted, read_error, Reader};

/// One block-sized buffer and the reader that fills it.
struct Blocks<'a> {
    reader: Reader<'a>,
    buf: KVVec<u8>,
    /// The block `buf` holds (a lookup reads the block it found last again).
    held: Option<(u64, usize)>,
    bs: u64,
    bits: u32,
}

impl Drop for Blocks<'_> {
    fn drop(&mut self) {
        let buf = core::mem::replace(&mut self.buf, KVVec::new());
        self.reader.give_block(buf);
    }
}

impl<'a> Blocks<'a> {
    fn new(m: &'a Mount) -> Result<Self> {
        let bits = m.vol.sb.blkbits();
        let bs = 1u64 << bits;
        let mut reader = m.reader();
        let buf = reader.take_block(bs as usize)?;
        Ok(Self {
            reader,
            buf,
            held: None,
            bs,
            bits,
        })
    }

    fn count(&self, dir: &FileMap) -> u64 {
        // Shifts, not divisions: see `first` in `readdir`.
        (dir.size() >> self.bits) + u64::from(dir.size() & (self.bs - 1) != 0)
    }

    /// Reads and validates block `index` of `dir`.
    fn block(&mut self, dir: &FileMap, index: u64) -> Result<DirBlock<'_>> {
        let start = index.checked_mul(self.bs).ok_or(corrupted())?;
        let len = dir.size().saturating_sub(start).min(self.bs) as usize;
        if self.held != Some((index, len)) {
            self.held = None;
            let block = self.buf.get_mut(..len).ok_or(corrupted())?;
            if self.reader.read_into(dir, start, block)? != len {
                return Err(corrupted());
            }
            self.held = Some((index, len));
        }
        DirBlock::new(self.buf.get(..len).ok_or(corrupted())?).map_err(read_error)
    }
}

/// Looks `name` up in `dir`; returns the node id, or ENOENT.
pub(crate) fn lookup(m: &Mount, dir: &FileMap, name: &[u8]) -> Result<u64> {
    if name.is_empty() || name.len() > crate::erofs::dir::NAME_MAX {
        return Err(ENOENT);
    }
    let mut blocks = Blocks::new(m)?;
    let (mut lo, mut hi) = (0u64, blocks.count(dir));
    let mut candidate = None;
    // The last block whose first name is <= name holds it, if any does.
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let blk = blocks.block(dir, mid)?;
        match blk.cmp_first(name).map_err(read_error)? {
            Ordering::Less => hi = mid,
            Ordering::Equal => return Ok(blk.entry(0).map_err(read_error)?.nid),
            Ordering::Greater => {
                candidate = Some(mid);
                lo = mid + 1;
            }
        }
    }
    let index = candidate.ok_or(ENOENT)?;
    let blk = blocks.block(dir, index)?;
    match blk.find(name).map_err(read_error)? {
        Some(e) => Ok(e.nid),
        None => Err(ENOENT),
    }
}

/// Emits the entries of `dir` from position `pos` until the emitter is full or the end.
pub(crate) fn readdir(m: &Mount, dir: &FileMap, emitter: &mut DirEmitter, pos: u64) -> Result {
    let mut blocks = Blocks::new(m)?;
    let bs = blocks.bs;
    let count = blocks.count(dir);
    let mut index = pos >> blocks.bits;
    // DIRENT_SIZE is a constant, so this division needs no divide-by-zero check (whose panic
    // 6.12's objtool does not know as noreturn).
    let mut first = ((pos & (bs - 1)) as usize).div_ceil(DIRENT_SIZE);
    while index < count {
        let start = index * bs;
        let blk = blocks.block(dir, index)?;
        for i in first..blk.len() {
            let e = blk.entry(i).map_err(read_error)?;
            let at = start + (i * DIRENT_SIZE) as u64;
            let next = if i + 1 < blk.len() {
                at + DIRENT_SIZE as u64
            } else {
                start + bs
            };
            if !emitter.emit(e.name, e.nid, e.file_type, at, next) {
                return Ok(());
            }
        }
        index += 1;
        first = 0;
    }
    emitter.set_pos(count * bs);
    Ok(())
}
