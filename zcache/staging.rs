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
        if i >= self.n {
            return None;
        }
        // SAFETY: `i < n`, so the page lies inside the allocation (`n * PAGE_SIZE` bytes,
        // which does not overflow: checked in `new`); the caller's ownership of the slot makes
        // this the only reference to it.
        Some(unsafe {
            core::slice::from_raw_parts_mut(self.base.as_ptr().add(i * PAGE_SIZE), PAGE_SIZE)
        })
    }
}
