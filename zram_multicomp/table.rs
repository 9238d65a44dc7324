// SPDX-License-Identifier: GPL-2.0

//! The slot table: one entry per device page, with striped spinlocks.
//!
//! An entry is two words: the zsmalloc handle (or the fill pattern of a same-filled page) and a
//! packed `Meta` (stored length, algorithm, flags, last access). Both are only read or written
//! while the entry's stripe lock is held, so a reader always sees a consistent pair, and a
//! handle has exactly one owner. The locks are spinlocks because `swap_slot_free_notify` runs
//! in atomic context; nothing sleeps while holding one. A staged slot (see [`STAGED`]) holds a
//! staging ticket instead of a handle; its staging buffer's lock nests inside the slot lock.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

use kernel::init::pin_init_array_from_fn;
use kernel::new_spinlock;
use kernel::prelude::*;
use kernel::sync::lock::{spinlock::SpinLockBackend, Guard};
use kernel::sync::SpinLock;

use kernel::page::PAGE_SHIFT;

use crate::policy::{Claim, PageFeatures, PageFlags, SlotMeta};

const STRIPES: usize = 256;

/// The slot holds data: a same-filled pattern or a zsmalloc object.
pub(crate) const PRESENT: PageFlags = PageFlags(1 << 6);

/// The page waits in the staging pool: the handle word is not a zsmalloc handle but the
/// staging ticket (a sequence number unique to this write, and the buffer number), see
/// `staging.rs`. The policy never sees the bit as anything but an unknown flag; recompression
/// skips staged slots.
pub(crate) const STAGED: PageFlags = PageFlags(1 << 5);

/// The packed second word of a slot: the policy's [`SlotMeta`] for this kernel's page size.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Meta(SlotMeta<{ PAGE_SHIFT as u32 }>);

impl Meta {
    /// Packs the features of a present page, with no recompression claim.
    pub(crate) fn present(f: &PageFeatures) -> Self {
        Self(SlotMeta::pack(f, f.flags.with(PRESENT)))
    }

    pub(crate) fn flags(self) -> PageFlags {
        self.0.flags()
    }

    pub(crate) fn is_present(self) -> bool {
        self.flags().contains(PRESENT)
    }

    /// The same word, claimed by `who` for a recompression pass.
    pub(crate) fn claimed(self, who: Claim) -> Self {
        Self(self.0.claimed(who))
    }

    /// The page's features, as the policy sees them.
    pub(crate) fn features(self) -> PageFeatures {
        self.0.features()
    }
}

struct Slot {
    handle: AtomicU64,
    meta: AtomicU64,
}

pub(crate) struct Table {
    slots: KVVec<Slot>,
    locks: Pin<KBox<[SpinLock<()>; STRIPES]>>,
}

/// A locked slot.
pub(crate) struct SlotGuard<'a> {
    _lock: Guard<'a, (), SpinLockBackend>,
    slot: &'a Slot,
}

impl SlotGuard<'_> {
    /// The handle (or pattern) and the meta word.
    pub(crate) fn get(&self) -> (u64, Meta) {
        (
            self.slot.handle.load(Relaxed),
            Meta(SlotMeta::from_raw(self.slot.meta.load(Relaxed))),
        )
    }

    pub(crate) fn set(&self, handle: u64, meta: Meta) {
        self.slot.handle.store(handle, Relaxed);
        self.slot.meta.store(meta.0.raw(), Relaxed);
    }

    pub(crate) fn set_meta(&self, meta: Meta) {
        self.slot.meta.store(meta.0.raw(), Relaxed);
    }

    /// Empties the slot and returns what it held.
    pub(crate) fn take(&self) -> (u64, Meta) {
        let old = self.get();
        self.set(0, Meta::default());
        old
    }
}

impl Table {
    /// A table of `n` empty slots.
    pub(crate) fn new(n: usize) -> Result<Self> {
        let mut slots = KVVec::with_capacity(n, GFP_KERNEL)?;
        for _ in 0..n {
            slots.push(
                Slot {
                    handle: AtomicU64::new(0),
                    meta: AtomicU64::new(0),
                },
                GFP_KERNEL,
            )?;
        }
        let locks = KBox::pin_init(
            pin_init_array_from_fn(|_| new_spinlock!((), "zmc:slot")),
            GFP_KERNEL,
        )?;
        Ok(Self { slots, locks })
    }

    pub(crate) fn len(&self) -> usize {
        self.slots.len()
    }

    /// Locks slot `index`; `EINVAL` past the end.
    pub(crate) fn lock(&self, index: usize) -> Result<SlotGuard<'_>> {
        let slot = self.slots.get(index).ok_or(EINVAL)?;
        let lock = self.locks.get(index % STRIPES).ok_or(EINVAL)?;
        Ok(SlotGuard {
            _lock: lock.lock(),
            slot,
        })
    }
}
