// SPDX-License-Identifier: GPL-2.0

//! The staging buffers: one page per staging slot, allocated at attach. Who may touch a
//! buffer is decided by its slot's state ([`Slots`](crate::policy::Slots)): the probe that
//! claimed it (`Filling`), then the worker that took it (`Busy`). Nothing else reads or
//! writes it, so the buffers need no lock, and the probe can fill one with interrupts off.
//!
//! zram_multicomp's staging pool is not shared: its writers stage in process context under
//! a (non-IRQ-safe) spinlock and tie each buffer to a slot of zram's table with tickets; here
//! the filler runs under the page cache's IRQ-safe i_pages lock, so only lock-free hand-over
//! is allowed, and the unit of work is a sector, not a table slot.

use core::ptr::NonNull;
use core::sync::atomic::{AtomicBool, Ordering};

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

pub(crate) struct Staging {
    /// The pages, back to back. Not accessed through the vector after `new` (only through
    /// `base`), and freed with it.
    _mem: KVVec<u8>,
    base: NonNull<u8>,
    n: usize,
}

// SAFETY: the buffers are plain memory; the slot states serialise every access (see above).
unsafe impl Send for Staging {}
// SAFETY: as above.
unsafe impl Sync for Staging {}

impl Staging {
    pub(crate) fn new(n: usize) -> Result<Self> {
        let len = n.checked_mul(PAGE_SIZE).ok_or(EINVAL)?;
        let mut mem = KVVec::from_elem(0u8, len, GFP_KERNEL)?;
        let base = NonNull::new(mem.as_mut_ptr()).ok_or(ENOMEM)?;
        Ok(Self { _mem: mem, base, n })
    }

    /// The buffer of slot `i`.
    ///
    /// # Safety
    ///
    /// The caller owns slot `i` (`Filling` or `Busy`) for as long as it uses the slice.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn page(&self, i: usize) -> Option<&mut [u8]> {
        // SAFETY: by the function's contract.
        unsafe { self.span(i, 1) }
    }

    /// Pages `first..first + count`, as one slice.
    ///
    /// # Safety
    ///
    /// The caller owns those pages for as long as it uses the slice.
    #[allow(clippy::mut_from_ref)]
    unsafe fn span(&self, first: usize, count: usize) -> Option<&mut [u8]> {
        let end = first.checked_add(count)?;
        if count == 0 || end > self.n {
            return None;
        }
        // SAFETY: `first + count <= n`, so the pages lie inside the allocation (`n * PAGE_SIZE`
        // bytes, which does not overflow: checked in `new`); the caller's ownership makes this
        // the only reference to them.
        Some(unsafe {
            core::slice::from_raw_parts_mut(
                self.base.as_ptr().add(first * PAGE_SIZE),
                count * PAGE_SIZE,
            )
        })
    }
}

/// lz4 work areas the eviction probe borrows in sync mode, claimed lock-free (one per CPU
/// online at attach, so a claim fails only on CPUs brought online later: the page then goes
/// to the workers uncompressed).
pub(crate) struct WorkAreas {
    busy: KVec<AtomicBool>,
    mem: Staging,
    size: usize,
}

impl WorkAreas {
    pub(crate) fn new(n: usize, size: usize) -> Result<Self> {
        let n = n.max(1);
        let pages = size.div_ceil(PAGE_SIZE);
        let mut busy = KVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            busy.push(AtomicBool::new(false), GFP_KERNEL)?;
        }
        Ok(Self {
            busy,
            mem: Staging::new(n.checked_mul(pages).ok_or(EINVAL)?)?,
            size: pages * PAGE_SIZE,
        })
    }

    /// A free area, now the caller's; `None` if all are in use.
    pub(crate) fn claim(&self) -> Option<usize> {
        self.busy.iter().position(|b| {
            b.compare_exchange(false, true, Ordering::Acquire, Ordering::Relaxed)
                .is_ok()
        })
    }

    /// The area `i` (empty if `i` is out of range).
    ///
    /// # Safety
    ///
    /// The caller claimed `i` and has not released it.
    #[allow(clippy::mut_from_ref)]
    pub(crate) unsafe fn area(&self, i: usize) -> &mut [u8] {
        let pages = self.size / PAGE_SIZE;
        // SAFETY: the caller owns area `i`, pages `i * pages..(i + 1) * pages` of `mem`; areas
        // do not overlap.
        unsafe { self.mem.span(i.saturating_mul(pages), pages) }.unwrap_or(&mut [])
    }

    pub(crate) fn release(&self, i: usize) {
        if let Some(b) = self.busy.get(i) {
            b.store(false, Ordering::Release);
        }
    }
}
