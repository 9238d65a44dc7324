// SPDX-License-Identifier: GPL-2.0

//! What a mount keeps between requests: decoded pclusters that more than one read needs
//! ([`Decoded`]), and idle request buffers ([`Spare`]). Both are bounded, never allocate,
//! and hand buffers over by moving them: a reader that decoded a
//! pcluster gives its buffer to the cache and takes back the evicted one, so the miss path
//! costs no copy and, once warm, no allocation.

use kernel::alloc::KVVec;

/// Decoded bytes kept per mount.
const DECODED_BYTES: usize = 4 << 20;
/// Largest decoded pcluster kept (larger ones are rare and cost the most to keep).
const DECODED_ENTRY_MAX: usize = 1 << 20;
const DECODED_ENTRIES: usize = 16;
/// Idle buffer sets kept per mount, and the largest buffer one may keep.
const SPARE_SETS: usize = 4;
const SPARE_BUF_MAX: usize = 2 << 20;

/// A pcluster: its device address and size. Every extent that refers to it decodes a prefix of
/// the same stream, so a longer decoded prefix serves a shorter one.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Key {
    pub(crate) physical: u64,
    pub(crate) physical_len: u64,
}

struct Entry {
    key: Key,
    /// Valid decoded bytes at the start of `buf`.
    len: usize,
    buf: KVVec<u8>,
    used: u64,
}

/// Decoded pclusters, least recently used out first.
pub(crate) struct Decoded {
    entries: [Option<Entry>; DECODED_ENTRIES],
    bytes: usize,
    tick: u64,
}

impl Decoded {
    pub(crate) fn new() -> Self {
        Self {
            entries: [const { None }; DECODED_ENTRIES],
            bytes: 0,
            tick: 0,
        }
    }

    /// Decoded bytes `[from, to)` of `key`, if the cache holds that many.
    pub(crate) fn get(&mut self, key: Key, from: usize, to: usize) -> Option<&[u8]> {
        self.tick = self.tick.wrapping_add(1);
        let tick = self.tick;
        let e = self
            .entries
            .iter_mut()
            .flatten()
            .find(|e| e.key == key && e.len >= to)?;
        e.used = tick;
        e.buf.get(from..to)
    }

    /// Copies decoded bytes `[from, to)` of `key` into the same range of `dst`, if the cache
    /// holds that many; false on a miss.
    pub(crate) fn copy_out(&mut self, key: Key, from: usize, to: usize, dst: &mut [u8]) -> bool {
        match (self.get(key, from, to), dst.get_mut(from..to)) {
            (Some(src), Some(dst)) => {
                dst.copy_from_slice(src);
                true
            }
            _ => false,
        }
    }

    /// Keeps the `len` decoded bytes of `key` at the start of `buf`, giving `buf` an evicted
    /// entry's buffer (or an empty one) in exchange. Leaves `buf` alone when the entry would
    /// be too large or is already held.
    pub(crate) fn insert(&mut self, key: Key, len: usize, buf: &mut KVVec<u8>) {
        let size = buf.len();
        if len > size || size > DECODED_ENTRY_MAX {
            return;
        }
        if self
            .entries
            .iter()
            .flatten()
            .any(|e| e.key == key && e.len >= len)
        {
            return;
        }
        // Drop a shorter copy of the same pcluster, then the least recently used until the
        // new one fits; hand back the largest evicted buffer and free the others.
        let mut taken = KVVec::new();
        while let Some(slot) = self.victim(key, size) {
            if let Some(e) = slot.take() {
                self.bytes -= e.buf.len();
                if e.buf.len() > taken.len() {
                    taken = e.buf;
                }
            }
        }
        self.tick = self.tick.wrapping_add(1);
        let used = self.tick;
        if let Some(slot) = self.entries.iter_mut().find(|s| s.is_none()) {
            let buf = core::mem::replace(buf, taken);
            *slot = Some(Entry {
                key,
                len,
                buf,
                used,
            });
            self.bytes += size;
        }
    }

    /// The slot to empty before `size` more bytes of `key` go in, if one must be.
    fn victim(&mut self, key: Key, size: usize) -> Option<&mut Option<Entry>> {
        let full = self.entries.iter().all(|s| s.is_some()) || self.bytes + size > DECODED_BYTES;
        let same = self
            .entries
            .iter()
            .position(|s| s.as_ref().is_some_and(|e| e.key == key));
        let lru = self
            .entries
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.as_ref().map(|e| (i, e.used)))
            .min_by_key(|&(_, used)| used)
            .map(|(i, _)| i);
        let i = same.or(if full { lru } else { None })?;
        self.entries.get_mut(i)
    }
}

/// One request's buffers: the pcluster as read from the device, the decoded bytes, and a
/// directory block.
pub(crate) struct Buffers {
    pub(crate) raw: KVVec<u8>,
    /// The next run of pclusters, read ahead while `raw`'s run decodes.
    pub(crate) next: KVVec<u8>,
    pub(crate) out: KVVec<u8>,
    pub(crate) blk: KVVec<u8>,
}

impl Default for Buffers {
    fn default() -> Self {
        Self {
            raw: KVVec::new(),
            next: KVVec::new(),
            out: KVVec::new(),
            blk: KVVec::new(),
        }
    }
}

/// Idle [`Buffers`] of a mount.
pub(crate) struct Spare {
    sets: [Option<Buffers>; SPARE_SETS],
}

impl Spare {
    pub(crate) fn new() -> Self {
        Self {
            sets: [const { None }; SPARE_SETS],
        }
    }

    /// An idle set, or empty buffers.
    pub(crate) fn take(&mut self) -> Buffers {
        self.sets
            .iter_mut()
            .find_map(Option::take)
            .unwrap_or_default()
    }

    /// Keeps `b` for the next request unless enough are kept; oversized buffers are freed.
    pub(crate) fn give(&mut self, mut b: Buffers) {
        if b.raw.len() > SPARE_BUF_MAX {
            b.raw = KVVec::new();
        }
        if b.next.len() > SPARE_BUF_MAX {
            b.next = KVVec::new();
        }
        if b.out.len() > SPARE_BUF_MAX {
            b.out = KVVec::new();
        }
        if b.blk.len() > SPARE_BUF_MAX {
            b.blk = KVVec::new();
        }
        if b.raw.len() + b.next.len() + b.out.len() + b.blk.len() == 0 {
            return;
        }
        if let Some(slot) = self.sets.iter_mut().find(|s| s.is_none()) {
            *slot = Some(b);
        }
    }
}
