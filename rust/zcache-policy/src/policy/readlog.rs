//! The read log: for a page read from the device, where it came from, so that its eviction
//! can be turned into a cache entry for the right sectors.
//!
//! A direct-mapped table of entries, each under its own sequence lock: a writer that finds an
//! entry busy gives up (the log is a hint; losing a record only loses a cache store), a reader
//! that sees it change retries never and reports nothing. Recording happens at read
//! completion (interrupt context), lookups in the eviction probe (interrupts off): nothing
//! here waits or allocates.

use core::sync::atomic::{fence, AtomicU64, Ordering};

/// What a record is found by: a page's file position (`space` is its mapping's address,
/// `pos` its index), or, without the eviction tracepoint, a sector (`space` is
/// [`LogKey::SECTOR_SPACE`], `pos` the sector). `space` 0 is no key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogKey {
    /// The mapping's address, or [`LogKey::SECTOR_SPACE`].
    pub space: u64,
    /// The page's index in its file, or the sector.
    pub pos: u64,
}

impl LogKey {
    /// The space of keys that are sectors (no kernel address is 1).
    pub const SECTOR_SPACE: u64 = 1;

    /// The key of a sector, for admission on the second read.
    pub fn sector(sector: u64) -> Self {
        Self {
            space: Self::SECTOR_SPACE,
            pos: sector,
        }
    }

    fn slot(&self, mask: u64) -> u64 {
        let h = (self.space ^ self.pos.rotate_left(32)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        (h ^ (h >> 29)) & mask
    }
}

/// What a record says about the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LogValue {
    /// The first of the page's sectors.
    pub sector: u64,
    /// [`page_hash`](super::page_hash) of the page as read.
    pub hash: u64,
    /// The read's sequence number ([`Epochs::read_seq`](super::Epochs::read_seq)).
    pub read_seq: u64,
}

/// One record. Zeroed (`LogEntry::new`) is empty.
#[derive(Default)]
pub struct LogEntry {
    ver: AtomicU64,
    space: AtomicU64,
    pos: AtomicU64,
    sector: AtomicU64,
    hash: AtomicU64,
    read_seq: AtomicU64,
}

impl LogEntry {
    /// An empty record.
    pub const fn new() -> Self {
        Self {
            ver: AtomicU64::new(0),
            space: AtomicU64::new(0),
            pos: AtomicU64::new(0),
            sector: AtomicU64::new(0),
            hash: AtomicU64::new(0),
            read_seq: AtomicU64::new(0),
        }
    }

    /// Takes the entry for writing; `None` when another writer holds it.
    fn lock(&self) -> Option<u64> {
        let v = self.ver.load(Ordering::Relaxed);
        if v & 1 != 0 {
            return None;
        }
        self.ver
            .compare_exchange(v, v.wrapping_add(1), Ordering::Acquire, Ordering::Relaxed)
            .ok()?;
        // Field stores must not move before the version change is visible.
        fence(Ordering::Release);
        Some(v)
    }

    fn unlock(&self, v: u64) {
        self.ver.store(v.wrapping_add(2), Ordering::Release);
    }

    fn set(&self, key: LogKey, val: LogValue) {
        self.space.store(key.space, Ordering::Relaxed);
        self.pos.store(key.pos, Ordering::Relaxed);
        self.sector.store(val.sector, Ordering::Relaxed);
        self.hash.store(val.hash, Ordering::Relaxed);
        self.read_seq.store(val.read_seq, Ordering::Relaxed);
    }

    fn read(&self) -> Option<(LogKey, LogValue)> {
        let v1 = self.ver.load(Ordering::Acquire);
        if v1 & 1 != 0 {
            return None;
        }
        let key = LogKey {
            space: self.space.load(Ordering::Relaxed),
            pos: self.pos.load(Ordering::Relaxed),
        };
        let val = LogValue {
            sector: self.sector.load(Ordering::Relaxed),
            hash: self.hash.load(Ordering::Relaxed),
            read_seq: self.read_seq.load(Ordering::Relaxed),
        };
        fence(Ordering::Acquire);
        if self.ver.load(Ordering::Relaxed) != v1 || key.space == 0 {
            return None;
        }
        Some((key, val))
    }
}

/// A view of a read log over a power-of-two slice of entries.
pub struct ReadLog<'a> {
    entries: &'a [LogEntry],
}

impl<'a> ReadLog<'a> {
    /// `entries.len()` should be a power of two; other lengths use the largest power of two
    /// below it.
    pub fn new(entries: &'a [LogEntry]) -> Self {
        Self { entries }
    }

    fn entry(&self, key: &LogKey) -> Option<&LogEntry> {
        let len = self.entries.len();
        if len == 0 {
            return None;
        }
        let pow = if len.is_power_of_two() {
            len
        } else {
            len.checked_next_power_of_two().map_or(1, |p| p / 2)
        };
        let mask = u64::try_from(pow).ok()?.checked_sub(1)?;
        self.entries.get(usize::try_from(key.slot(mask)).ok()?)
    }

    /// Records `val` for `key`, replacing whatever the entry held. Returns false when the
    /// entry was busy (nothing recorded) or the key is no key.
    pub fn record(&self, key: LogKey, val: LogValue) -> bool {
        if key.space == 0 {
            return false;
        }
        let Some(e) = self.entry(&key) else {
            return false;
        };
        let Some(v) = e.lock() else {
            return false;
        };
        e.set(key, val);
        e.unlock(v);
        true
    }

    /// The record for `key`, if the log holds it and no writer is changing it right now.
    pub fn lookup(&self, key: LogKey) -> Option<LogValue> {
        let (k, val) = self.entry(&key)?.read()?;
        (k == key).then_some(val)
    }

    /// Removes the record for `key` if the log holds it (a truncated page, a page staged).
    /// Returns whether it did.
    pub fn forget(&self, key: LogKey) -> bool {
        let Some(e) = self.entry(&key) else {
            return false;
        };
        let Some(v) = e.lock() else {
            return false;
        };
        let held = e.space.load(Ordering::Relaxed) == key.space
            && e.pos.load(Ordering::Relaxed) == key.pos;
        if held {
            e.space.store(0, Ordering::Relaxed);
        }
        e.unlock(v);
        held
    }
}
