//! Staging slots: preallocated page buffers that the eviction probe fills (interrupts off, no
//! allocation) and the workers empty. Each slot's state is an atomic that hands the slot and
//! its buffer from one owner to the next: whoever moved it into a state owns it until moving
//! it out. The buffers themselves live in the module; this table says who may touch which.
//!
//! `Free` → (probe: [`Slots::claim`]) `Filling` → ([`Slots::publish`]) `Ready` →
//! (worker: [`Slots::take`]) `Busy` → ([`Slots::release`]) `Free`; a probe that fails to fill
//! gives its slot back with [`Slots::abandon`].

use core::sync::atomic::{AtomicU32, AtomicU64, AtomicU8, Ordering};

/// Where a slot is in its cycle.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SlotState {
    /// Nobody's.
    Free = 0,
    /// A probe is copying a page into it.
    Filling = 1,
    /// Holds a page for a worker.
    Ready = 2,
    /// A worker is storing its page.
    Busy = 3,
}

impl SlotState {
    fn bits(self) -> u8 {
        match self {
            Self::Free => 0,
            Self::Filling => 1,
            Self::Ready => 2,
            Self::Busy => 3,
        }
    }
}

/// A staging slot: its state and what the filler says about its page. The metadata is
/// written only by the slot's owner (the filler before [`Slots::publish`]) and read by the
/// next owner (the worker after [`Slots::take`]).
pub struct Slot {
    state: AtomicU8,
    /// The page's first sector.
    pub sector: AtomicU64,
    /// The hash recorded when the page was read.
    pub hash: AtomicU64,
    /// The read's sequence number.
    pub read_seq: AtomicU64,
    /// 0: the buffer holds the page as it was; else the buffer holds this many bytes of the
    /// page compressed (sync mode compresses in the probe).
    pub len: AtomicU32,
}

impl Default for Slot {
    fn default() -> Self {
        Self::new()
    }
}

impl Slot {
    /// A free slot.
    pub const fn new() -> Self {
        Self {
            state: AtomicU8::new(0),
            sector: AtomicU64::new(0),
            hash: AtomicU64::new(0),
            read_seq: AtomicU64::new(0),
            len: AtomicU32::new(0),
        }
    }

    fn swap(&self, from: SlotState, to: SlotState, success: Ordering) -> bool {
        // A plain load first: scans pass over most slots, and a failed compare-exchange
        // still takes the cache line exclusively (a locked instruction per slot).
        self.state.load(Ordering::Relaxed) == from.bits()
            && self
                .state
                .compare_exchange(from.bits(), to.bits(), success, Ordering::Relaxed)
                .is_ok()
    }
}

/// A view of the staging slots.
pub struct Slots<'a> {
    slots: &'a [Slot],
}

impl<'a> Slots<'a> {
    /// The table over `slots`.
    pub fn new(slots: &'a [Slot]) -> Self {
        Self { slots }
    }

    /// The slot `i`.
    pub fn get(&self, i: usize) -> Option<&'a Slot> {
        self.slots.get(i)
    }

    /// Finds a free slot, looking from `hint` on and wrapping, and makes it the caller's
    /// (`Filling`). `None` when all are taken: the caller drops the page and counts it.
    pub fn claim(&self, hint: usize) -> Option<usize> {
        self.find(hint, |s| {
            s.swap(SlotState::Free, SlotState::Filling, Ordering::Acquire)
        })
    }

    /// The filler is done: the slot goes to the workers. Returns false (and changes nothing)
    /// if the caller did not hold `i` as `Filling`.
    pub fn publish(&self, i: usize) -> bool {
        self.slots
            .get(i)
            .is_some_and(|s| s.swap(SlotState::Filling, SlotState::Ready, Ordering::Release))
    }

    /// The filler gives the slot back unfilled.
    pub fn abandon(&self, i: usize) -> bool {
        self.slots
            .get(i)
            .is_some_and(|s| s.swap(SlotState::Filling, SlotState::Free, Ordering::Release))
    }

    /// Takes a ready slot for a worker (`Busy`), looking from `hint` on and wrapping.
    pub fn take(&self, hint: usize) -> Option<usize> {
        self.find(hint, |s| {
            s.swap(SlotState::Ready, SlotState::Busy, Ordering::Acquire)
        })
    }

    /// The worker is done with slot `i`: it is free again.
    pub fn release(&self, i: usize) -> bool {
        self.slots
            .get(i)
            .is_some_and(|s| s.swap(SlotState::Busy, SlotState::Free, Ordering::Release))
    }

    /// The state of slot `i`.
    pub fn state(&self, i: usize) -> Option<SlotState> {
        let v = self.slots.get(i)?.state.load(Ordering::Acquire);
        Some(match v {
            0 => SlotState::Free,
            1 => SlotState::Filling,
            2 => SlotState::Ready,
            _ => SlotState::Busy,
        })
    }

    /// Slots not free (being filled, waiting or being stored).
    pub fn pending(&self) -> usize {
        (0..self.slots.len())
            .filter(|&i| self.state(i) != Some(SlotState::Free))
            .count()
    }

    /// Number of slots.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// Whether there are no slots at all.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    fn find<F: Fn(&Slot) -> bool>(&self, hint: usize, f: F) -> Option<usize> {
        let n = self.slots.len();
        if n == 0 {
            return None;
        }
        let start = hint.checked_rem(n).unwrap_or(0);
        (0..n)
            .map(|k| {
                let i = start.wrapping_add(k);
                if i >= n {
                    i.wrapping_sub(n)
                } else {
                    i
                }
            })
            .find(|&i| self.slots.get(i).is_some_and(&f))
    }
}
