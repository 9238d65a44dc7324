// SPDX-License-Identifier: GPL-2.0

//! Request memory: the bytes of a block request's segment, mapped by the C glue for one call.
//! With O_DIRECT they are user pages that user space may change while the request runs, so no
//! Rust reference is ever made over them: they are read and written only by raw copies, and
//! handed to the C decompressors as a pointer. A write copies its page out first and decides,
//! compresses and stores from that private copy, so every pass sees the same bytes.

use core::marker::PhantomData;
use core::ops::Range;
use core::ptr::{self, NonNull};

use kernel::prelude::*;

/// `len` bytes at `ptr`, borrowed for `'a`.
pub(crate) struct ReqBuf<'a> {
    ptr: NonNull<u8>,
    len: usize,
    _mem: PhantomData<&'a mut [u8]>,
}

impl<'a> ReqBuf<'a> {
    /// # Safety
    ///
    /// `ptr` is valid for reads and writes of `len` bytes for `'a`. Others may write the bytes
    /// meanwhile (they are never seen through a reference), but none may unmap or free them.
    pub(crate) unsafe fn from_raw(ptr: *mut u8, len: usize) -> Option<Self> {
        Some(Self {
            ptr: NonNull::new(ptr)?,
            len,
            _mem: PhantomData,
        })
    }

    /// Private memory (a scratch page) where request memory is expected.
    pub(crate) fn from_slice(buf: &'a mut [u8]) -> Self {
        Self {
            // A slice's pointer is never null (dangling but aligned when empty).
            ptr: NonNull::from(&mut *buf).cast(),
            len: buf.len(),
            _mem: PhantomData,
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The bytes in `range`, borrowed from this buffer.
    pub(crate) fn sub(&mut self, range: Range<usize>) -> Option<ReqBuf<'_>> {
        if range.start > range.end || range.end > self.len {
            return None;
        }
        // SAFETY: `range` lies within this buffer, which is valid for `'a` and borrowed
        // mutably for the sub-buffer's lifetime.
        unsafe { ReqBuf::from_raw(self.ptr.as_ptr().add(range.start), range.len()) }
    }

    /// Copies all of this buffer into `dst`, which must be as long.
    pub(crate) fn copy_to(&self, dst: &mut [u8]) -> Result {
        if dst.len() != self.len {
            return Err(EINVAL);
        }
        // SAFETY: both are valid for `len` bytes; `dst` is private, so they do not overlap.
        unsafe { ptr::copy_nonoverlapping(self.ptr.as_ptr(), dst.as_mut_ptr(), self.len) };
        Ok(())
    }

    /// Copies `src`, which must be as long, into all of this buffer.
    pub(crate) fn copy_from(&mut self, src: &[u8]) -> Result {
        if src.len() != self.len {
            return Err(EINVAL);
        }
        // SAFETY: as in `copy_to`.
        unsafe { ptr::copy_nonoverlapping(src.as_ptr(), self.ptr.as_ptr(), self.len) };
        Ok(())
    }

    /// Fills the buffer with the native-endian bytes of `word`, repeated (a same-filled page).
    pub(crate) fn fill_word(&mut self, word: u64) {
        let bytes = word.to_ne_bytes();
        let mut at = 0;
        while at < self.len {
            let n = bytes.len().min(self.len - at);
            // SAFETY: `at + n <= len`; `bytes` is a local array.
            unsafe { ptr::copy_nonoverlapping(bytes.as_ptr(), self.ptr.as_ptr().add(at), n) };
            at += n;
        }
    }

    /// The buffer as C's output pointer, valid for `len()` bytes while `self` is borrowed.
    pub(crate) fn as_mut_ptr(&mut self) -> *mut u8 {
        self.ptr.as_ptr()
    }
}
