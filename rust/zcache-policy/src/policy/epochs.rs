//! Write epochs: whether a sector may have changed on the disk since a read of it began.
//!
//! A device keeps one sequence counter and, per bucket of 4 KiB granules, the sequence number
//! at which a write to it last completed and the number of writes to it in flight. A read
//! takes a sequence number when it is submitted ([`Epochs::read_seq`]); its data may be cached
//! only while every granule it covers has no write in flight and no write completed after that
//! number ([`Epochs::fresh`]). A write counts itself in flight before it reaches the lower
//! device ([`Epochs::write_begin`]) and, at completion, stamps its granules with a new number
//! before it counts itself out ([`Epochs::write_end`]): a read that overlapped it in any way is
//! then stale forever, and a read submitted after it completed sees its data.
//!
//! Buckets are shared by granules that hash alike, which can only make a fresh read look
//! stale, never the reverse. A write spanning as many granules as there are buckets counts in
//! every bucket. Every operation is lock-free and safe with interrupts off.

use core::sync::atomic::{AtomicU32, AtomicU64, Ordering};

/// Sectors per granule (4 KiB): the unit of write tracking.
pub const GRANULE_SECTORS: u64 = 8;

/// A view of a device's write epochs over memory it owns.
pub struct Epochs<'a> {
    seq: &'a AtomicU64,
    epoch: &'a [AtomicU64],
    inflight: &'a [AtomicU32],
}

impl<'a> Epochs<'a> {
    /// `epoch` and `inflight` have the same, power-of-two length (else no read is ever fresh).
    pub fn new(seq: &'a AtomicU64, epoch: &'a [AtomicU64], inflight: &'a [AtomicU32]) -> Self {
        Self {
            seq,
            epoch,
            inflight,
        }
    }

    fn usable(&self) -> bool {
        !self.epoch.is_empty()
            && self.epoch.len() == self.inflight.len()
            && self.epoch.len().is_power_of_two()
    }

    fn next(&self) -> u64 {
        self.seq.fetch_add(1, Ordering::SeqCst).wrapping_add(1)
    }

    /// The buckets of the granules `[sector, sector + nr)` covers, calling `f` on each index
    /// (every bucket, once, when the range is as wide as the table). Nothing for an empty range.
    fn for_buckets<F: FnMut(usize)>(&self, sector: u64, nr: u64, mut f: F) {
        if nr == 0 || !self.usable() {
            return;
        }
        let len = u64::try_from(self.epoch.len()).unwrap_or(u64::MAX);
        let first = sector / GRANULE_SECTORS;
        let last = sector.saturating_add(nr.saturating_sub(1)) / GRANULE_SECTORS;
        let count = last.saturating_sub(first).saturating_add(1);
        if count >= len {
            for i in 0..self.epoch.len() {
                f(i);
            }
            return;
        }
        let mask = len.saturating_sub(1);
        let mut g = first;
        loop {
            if let Ok(i) = usize::try_from(g & mask) {
                f(i);
            }
            if g == last {
                break;
            }
            g = g.saturating_add(1);
        }
    }

    /// A sequence number for a read being submitted now.
    pub fn read_seq(&self) -> u64 {
        self.next()
    }

    /// A write of `[sector, sector + nr)` is about to be sent down: counts it in flight.
    pub fn write_begin(&self, sector: u64, nr: u64) {
        self.for_buckets(sector, nr, |i| {
            if let Some(n) = self.inflight.get(i) {
                n.fetch_add(1, Ordering::SeqCst);
            }
        });
    }

    /// The write [`write_begin`](Self::write_begin) counted has completed (or failed): stamps
    /// its granules, then counts it out. Call it exactly once per `write_begin`, same range.
    pub fn write_end(&self, sector: u64, nr: u64) {
        let now = self.next();
        self.for_buckets(sector, nr, |i| {
            if let Some(e) = self.epoch.get(i) {
                e.fetch_max(now, Ordering::SeqCst);
            }
        });
        self.for_buckets(sector, nr, |i| {
            if let Some(n) = self.inflight.get(i) {
                // Saturating: an unbalanced end must not wrap to "always busy" quietly; it
                // only loses the in-flight mark of that bucket.
                let _ = n.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |v| v.checked_sub(1));
            }
        });
    }

    /// Whether data read from `[sector, sector + nr)` by a read of sequence `read_seq` still
    /// equals the disk's: no write to it in flight, none completed since the read began.
    pub fn fresh(&self, sector: u64, nr: u64, read_seq: u64) -> bool {
        if nr == 0 || !self.usable() {
            return false;
        }
        let mut fresh = true;
        self.for_buckets(sector, nr, |i| {
            let busy = self
                .inflight
                .get(i)
                .map_or(true, |n| n.load(Ordering::SeqCst) != 0);
            let stamped = self
                .epoch
                .get(i)
                .map_or(true, |e| e.load(Ordering::SeqCst) >= read_seq);
            if busy || stamped {
                fresh = false;
            }
        });
        fresh
    }
}
