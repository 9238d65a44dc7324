// SPDX-License-Identifier: GPL-2.0

//! One zcache disk's cache: the index of compressed pages by sector, and the lock-free
//! tables the bio path, the eviction probe and the workers share (see the policy crate).
//!
//! Locks: `index` (a spinlock, never taken in interrupt context nor by the probe) guards the
//! index; a write counts itself in flight and drops the entries it overlaps under it, and a
//! worker checks its page's freshness and inserts it under it, so no write can slip between
//! the two. `cfg` (a mutex) serialises configuration changes.

use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, AtomicUsize, Ordering::Relaxed};

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::rbtree::{RBTree, RBTreeNodeReservation};
use kernel::str::{CStr, CString};
use kernel::sync::{new_mutex, new_spinlock, Mutex, SpinLock};

use crate::ffi::{self, ZsHandle, ZsPool};
use crate::policy::{
    admit_on_read, effective_cap, invalidation_window, leading_run, on_evict, over_cap, page_hash,
    store_form, verify, Config, Epochs, Evict, EvictKind, Form, LogEntry, LogKey, LogValue, Mode,
    ReadLog, Run, Slot, Slots, Verdict,
};
use crate::staging::{Staging, WorkAreas};
use crate::stats::Stats;

/// Sectors per cached page.
pub(crate) const PAGE_SECTORS: u64 = (PAGE_SIZE / 512) as u64;
/// Buckets of the write epochs (power of two).
const EPOCH_BUCKETS: usize = 1 << 14;
/// Pages a read looks up at most before its next run is decided.
const MAX_RUN_PAGES: u64 = 256;

pub(crate) struct Entry {
    handle: ZsHandle,
    /// Bytes stored: `PAGE_SIZE` is the page raw, less is lz4.
    len: u32,
    /// The page's hash, checked after decompression.
    hash: u64,
}

pub(crate) struct Index {
    tree: RBTree<u64, Entry>,
    /// Bytes stored (compressed sizes).
    pub(crate) stored: u64,
    /// Where the next eviction for room starts (sector order, wrapping).
    cursor: u64,
}

impl Index {
    /// Removes the entry at or after the cursor (wrapping), for room.
    fn evict_one(&mut self) -> Option<Entry> {
        let cursor = match self.tree.cursor_lower_bound(&self.cursor) {
            Some(c) => c,
            None => self.tree.cursor_front()?,
        };
        let (_, node) = cursor.remove_current();
        let (k, e) = node.to_key_value();
        self.cursor = k.wrapping_add(1);
        self.stored = self.stored.saturating_sub(u64::from(e.len));
        Some(e)
    }

    fn remove(&mut self, sector: u64) -> Option<Entry> {
        let e = self.tree.remove(&sector)?;
        self.stored = self.stored.saturating_sub(u64::from(e.len));
        Some(e)
    }

    /// Removes the first entry starting in `[lo, hi)`.
    fn remove_in(&mut self, lo: u64, hi: u64) -> Option<Entry> {
        let cursor = self.tree.cursor_lower_bound(&lo)?;
        if *cursor.current().0 >= hi {
            return None;
        }
        let (_, node) = cursor.remove_current();
        let (_, e) = node.to_key_value();
        self.stored = self.stored.saturating_sub(u64::from(e.len));
        Some(e)
    }
}

/// The lock-free tables (see the policy crate) and the staging buffers.
struct Tables {
    seq: AtomicU64,
    epoch: KVVec<AtomicU64>,
    inflight: KVVec<AtomicU32>,
    log: KVVec<LogEntry>,
    slots: KVVec<Slot>,
    staging: Staging,
    /// Slots ready for a worker; where the next claim starts looking.
    ready: AtomicUsize,
    hint: AtomicUsize,
}

/// What the hot paths read of the configuration, and how evictions are learnt of.
struct Knobs {
    enabled: AtomicBool,
    sync: AtomicBool,
    cap: AtomicU64,
    /// Evictions come from the tracepoint (else: admission on the second read).
    tracepoint: AtomicBool,
}

#[pin_data(PinnedDrop)]
pub(crate) struct Cache {
    pub(crate) name: CString,
    pub(crate) lower: CString,
    pub(crate) stats: Stats,
    t: Tables,
    knobs: Knobs,
    /// lz4 work areas for sync mode's probe.
    probe_wrk: WorkAreas,
    /// Per worker, locked by that worker only: a page for its compressed output and its lz4
    /// work area.
    scratch: KVec<Pin<KBox<Mutex<Scratch>>>>,
    #[pin]
    pub(crate) index: SpinLock<Index>,
    pub(crate) entries: AtomicU64,
    pub(crate) pool: ZsPool,
    #[pin]
    pub(crate) cfg: Mutex<Config>,
}

struct Scratch {
    out: KVec<u8>,
    wrk: KVVec<u8>,
}

fn atomics<T, F: Fn() -> T>(n: usize, f: F) -> Result<KVVec<T>> {
    let mut v = KVVec::with_capacity(n, GFP_KERNEL)?;
    for _ in 0..n {
        v.push(f(), GFP_KERNEL)?;
    }
    Ok(v)
}

impl Cache {
    pub(crate) fn new(
        name: &CStr,
        lower: &CStr,
        tracepoint: bool,
        staging: usize,
        workers: usize,
    ) -> Result<Pin<KBox<Self>>> {
        let total = ffi::total_pages();
        // A record per four pages of RAM, a power of two between 1 Ki and 256 Ki.
        let log_len = usize::try_from(total / 4)
            .unwrap_or(usize::MAX)
            .clamp(1 << 10, 1 << 18)
            .checked_next_power_of_two()
            .unwrap_or(1 << 18)
            .min(1 << 18);
        let cfg = Config::DEFAULT;
        let mut scratch = KVec::with_capacity(workers.max(1), GFP_KERNEL)?;
        for _ in 0..workers.max(1) {
            let sc = Scratch {
                out: KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?,
                wrk: KVVec::from_elem(0u8, ffi::wrkmem_size(), GFP_KERNEL)?,
            };
            scratch.push(
                KBox::pin_init(new_mutex!(sc, "zcache:scratch"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
        }
        let index = Index {
            tree: RBTree::new(),
            stored: 0,
            cursor: 0,
        };
        let t = Tables {
            seq: AtomicU64::new(0),
            epoch: atomics(EPOCH_BUCKETS, || AtomicU64::new(0))?,
            inflight: atomics(EPOCH_BUCKETS, || AtomicU32::new(0))?,
            log: atomics(log_len, LogEntry::new)?,
            slots: atomics(staging.max(1), Slot::new)?,
            staging: Staging::new(staging.max(1))?,
            ready: AtomicUsize::new(0),
            hint: AtomicUsize::new(0),
        };
        let knobs = Knobs {
            enabled: AtomicBool::new(cfg.enabled),
            sync: AtomicBool::new(cfg.mode == Mode::Sync),
            cap: AtomicU64::new(effective_cap(
                total,
                PAGE_SIZE as u64,
                cfg.max_percent,
                cfg.mem_limit,
            )),
            tracepoint: AtomicBool::new(tracepoint),
        };
        let probe_wrk = WorkAreas::new(ffi::online_cpus(), ffi::wrkmem_size())?;
        let pool = ZsPool::new(name)?;
        let name = CString::try_from_fmt(format_args!("{}", name))?;
        let lower = CString::try_from_fmt(format_args!("{}", lower))?;
        KBox::pin_init(
            try_pin_init!(Self {
                name,
                lower,
                stats: Stats::default(),
                t,
                knobs,
                probe_wrk,
                scratch,
                index <- new_spinlock!(index, "zcache:index"),
                entries: AtomicU64::new(0),
                pool,
                cfg <- new_mutex!(cfg, "zcache:cfg"),
            }? Error),
            GFP_KERNEL,
        )
    }

    fn epochs(&self) -> Epochs<'_> {
        Epochs::new(&self.t.seq, &self.t.epoch, &self.t.inflight)
    }

    fn readlog(&self) -> ReadLog<'_> {
        ReadLog::new(&self.t.log)
    }

    fn slots(&self) -> Slots<'_> {
        Slots::new(&self.t.slots)
    }

    pub(crate) fn set_no_tracepoint(&self) {
        self.knobs.tracepoint.store(false, Relaxed);
    }

    pub(crate) fn uses_tracepoint(&self) -> bool {
        self.knobs.tracepoint.load(Relaxed)
    }

    /// Whether reads are recorded (caching on).
    pub(crate) fn recording(&self) -> bool {
        self.knobs.enabled.load(Relaxed)
    }

    pub(crate) fn read_seq(&self) -> u64 {
        self.epochs().read_seq()
    }

    /// The leading run of a read of `nr` sectors at `sector`.
    pub(crate) fn run(&self, sector: u64, nr: u64) -> Run {
        let run = if self.entries.load(Relaxed) == 0 {
            Run::Miss(nr)
        } else {
            let idx = self.index.lock();
            leading_run(sector, nr, PAGE_SECTORS, MAX_RUN_PAGES, |s| {
                idx.tree.get(&s).is_some()
            })
        };
        if let Run::Miss(n) = run {
            self.stats.add(&self.stats.misses, n.div_ceil(PAGE_SECTORS));
        }
        run
    }

    /// Fills `dst` with the cached page at `sector` and drops the entry (the page is in the
    /// page cache again); records the read as a read from the disk would be.
    pub(crate) fn fill(
        &self,
        sector: u64,
        dst: &mut [u8],
        key: Option<LogKey>,
        seq: u64,
    ) -> Result {
        let mut idx = self.index.lock();
        let e = idx.remove(sector).ok_or(ENOENT)?;
        self.entries.fetch_sub(1, Relaxed);
        let loaded = self.pool.load(&e.handle, e.len as usize, dst);
        let hash = page_hash(dst);
        let ok = loaded.is_ok() && hash == e.hash;
        self.pool.free(e.handle);
        drop(idx);
        if !ok {
            self.stats.add(&self.stats.corrupt, 1);
            return Err(EIO);
        }
        self.stats.add(&self.stats.hits, 1);
        if self.recording() {
            let k = match key {
                Some(k) if self.uses_tracepoint() => k,
                _ => LogKey::sector(sector),
            };
            self.readlog().record(
                k,
                LogValue {
                    sector,
                    hash,
                    read_seq: seq,
                },
            );
        }
        Ok(())
    }

    /// A page was read from the lower device (interrupt context): records it, or without the
    /// tracepoint, stages it if it was read before. Returns whether a worker must wake.
    pub(crate) fn read_done(
        &self,
        sector: u64,
        data: &[u8],
        key: Option<LogKey>,
        seq: u64,
    ) -> bool {
        if !self.recording() {
            return false;
        }
        let hash = page_hash(data);
        let val = LogValue {
            sector,
            hash,
            read_seq: seq,
        };
        if self.uses_tracepoint() {
            if let Some(k) = key {
                self.readlog().record(k, val);
            }
            return false;
        }
        let k = LogKey::sector(sector);
        let seen = self.readlog().lookup(k);
        let ep = self.epochs();
        let fresh = seen.is_some_and(|v| ep.fresh(sector, PAGE_SECTORS, v.read_seq))
            && ep.fresh(sector, PAGE_SECTORS, seq);
        if admit_on_read(seen, sector, fresh) {
            self.readlog().forget(k);
            self.stage(val, data)
        } else {
            self.readlog().record(k, val);
            false
        }
    }

    /// A write (or discard) of `[sector, sector + nr)` is about to go down: drops what it
    /// overlaps.
    pub(crate) fn write_begin(&self, sector: u64, nr: u64) {
        let mut idx = self.index.lock();
        self.epochs().write_begin(sector, nr);
        let Some((lo, hi)) = invalidation_window(sector, nr, PAGE_SECTORS) else {
            return;
        };
        let mut n = 0u64;
        while let Some(e) = idx.remove_in(lo, hi) {
            self.pool.free(e.handle);
            n += 1;
        }
        drop(idx);
        if n > 0 {
            self.entries.fetch_sub(n, Relaxed);
            self.stats.add(&self.stats.invalidations, n);
        }
    }

    pub(crate) fn write_end(&self, sector: u64, nr: u64) {
        self.epochs().write_end(sector, nr);
    }

    /// A page of ours leaves the page cache (interrupts off). Returns whether a worker must
    /// wake.
    pub(crate) fn evict(
        &self,
        key: LogKey,
        reclaim: bool,
        cacheable: bool,
        src: Option<&[u8]>,
    ) -> bool {
        let kind = if reclaim {
            EvictKind::Reclaim
        } else {
            EvictKind::Drop
        };
        let log = self.readlog();
        let rec = log.lookup(key);
        let fresh = rec.is_some_and(|r| self.epochs().fresh(r.sector, PAGE_SECTORS, r.read_seq));
        let s = &self.stats;
        if reclaim {
            s.add(&s.evictions, 1);
        }
        match on_evict(
            self.recording(),
            kind,
            cacheable && src.is_some(),
            rec,
            fresh,
        ) {
            Evict::Ignore => false,
            Evict::Forget => {
                log.forget(key);
                false
            }
            Evict::Unknown => {
                s.add(&s.unknown, 1);
                false
            }
            Evict::Stale => {
                log.forget(key);
                s.add(&s.stale, 1);
                false
            }
            Evict::Stage(r) => {
                log.forget(key);
                src.is_some_and(|src| self.stage(r, src))
            }
        }
    }

    /// Copies (or in sync mode, checks and compresses) `src` into a free staging slot for
    /// `r`'s sectors. Never waits or allocates.
    fn stage(&self, r: LogValue, src: &[u8]) -> bool {
        let slots = self.slots();
        let s = &self.stats;
        let Some(i) = slots.claim(self.t.hint.fetch_add(1, Relaxed)) else {
            s.add(&s.staging_drops, 1);
            return false;
        };
        let (Some(slot), Some(buf)) = (
            slots.get(i),
            // SAFETY: `claim` made slot `i` ours until we publish or abandon it.
            unsafe { self.t.staging.page(i) },
        ) else {
            slots.abandon(i);
            return false;
        };
        // Sync mode compresses here, with a work area of the probe pool (one per CPU at
        // attach: a CPU runs one probe at a time, interrupts off). Without one, or in async
        // mode, the page is copied for a worker.
        let area = if self.knobs.sync.load(Relaxed) {
            self.probe_wrk.claim()
        } else {
            None
        };
        let len = match area {
            Some(a) => {
                let len = if page_hash(src) != r.hash {
                    None
                } else {
                    // SAFETY: `claim` made the area ours until `release` below.
                    let wrk = unsafe { self.probe_wrk.area(a) };
                    Some(match store_form(ffi::compress(src, buf, wrk), PAGE_SIZE) {
                        Form::Compressed(n) => n,
                        Form::Raw => {
                            buf.copy_from_slice(src);
                            PAGE_SIZE
                        }
                    })
                };
                self.probe_wrk.release(a);
                let Some(len) = len else {
                    s.add(&s.changed, 1);
                    slots.abandon(i);
                    return false;
                };
                s.add(&s.probe_compressed, 1);
                len
            }
            None => {
                buf.copy_from_slice(src);
                0
            }
        };
        slot.sector.store(r.sector, Relaxed);
        slot.hash.store(r.hash, Relaxed);
        slot.read_seq.store(r.read_seq, Relaxed);
        slot.len.store(u32::try_from(len).unwrap_or(0), Relaxed);
        // Counted before it is published, so that a worker's take never counts below zero.
        self.t.ready.fetch_add(1, Relaxed);
        if !slots.publish(i) {
            self.t.ready.fetch_sub(1, Relaxed);
            return false;
        }
        s.add(&s.staged, 1);
        true
    }

    pub(crate) fn has_work(&self) -> bool {
        self.t.ready.load(Relaxed) > 0
    }

    /// Worker `id`: stores staged pages until none is left.
    pub(crate) fn work(&self, id: usize) {
        let Some(scratch) = self.scratch.get(id % self.scratch.len().max(1)) else {
            return;
        };
        let mut guard = scratch.lock();
        let Scratch { out, wrk } = &mut *guard;
        let slots = self.slots();
        // Claims go round from `hint`, so the oldest ready slots are about `ready` behind it.
        let mut hint = self
            .t
            .hint
            .load(Relaxed)
            .wrapping_sub(self.t.ready.load(Relaxed))
            .wrapping_add(id);
        while let Some(i) = slots.take(hint) {
            self.t.ready.fetch_sub(1, Relaxed);
            hint = i.wrapping_add(1);
            self.store_slot(i, out, wrk);
            slots.release(i);
        }
    }

    /// Checks, compresses (unless done in the probe), stores and indexes staged page `i`.
    fn store_slot(&self, i: usize, scratch: &mut [u8], wrk: &mut [u8]) {
        let s = &self.stats;
        let (Some(slot), Some(page)) = (
            self.slots().get(i),
            // SAFETY: the worker took slot `i` (`Busy`) and releases it after this returns.
            unsafe { self.t.staging.page(i) },
        ) else {
            return;
        };
        let sector = slot.sector.load(Relaxed);
        let hash = slot.hash.load(Relaxed);
        let read_seq = slot.read_seq.load(Relaxed);
        let len = slot.len.load(Relaxed) as usize;
        let data: &[u8] = if len == 0 {
            match verify(page_hash(page), hash, true) {
                Verdict::Store => {}
                _ => {
                    s.add(&s.changed, 1);
                    return;
                }
            }
            let cap = PAGE_SIZE / 4 * 3;
            let out = scratch.get_mut(..cap).unwrap_or(&mut []);
            match store_form(ffi::compress(page, out, wrk), PAGE_SIZE) {
                Form::Compressed(n) => scratch.get(..n).unwrap_or(&[]),
                Form::Raw => page,
            }
        } else {
            page.get(..len.min(PAGE_SIZE)).unwrap_or(&[])
        };
        let stored = data.len();
        let Some(handle) = self.pool.store(data) else {
            s.add(&s.store_failures, 1);
            return;
        };
        let Ok(node) = RBTreeNodeReservation::new(GFP_NOWAIT | __GFP_NOWARN) else {
            self.pool.free(handle);
            s.add(&s.store_failures, 1);
            return;
        };
        let entry = Entry {
            handle,
            len: u32::try_from(stored).unwrap_or(0),
            hash,
        };
        let mut idx = self.index.lock();
        if !self.recording() || !self.epochs().fresh(sector, PAGE_SECTORS, read_seq) {
            drop(idx);
            self.pool.free(entry.handle);
            s.add(&s.stale, 1);
            return;
        }
        let mut freed = 0u64;
        let mut need = over_cap(idx.stored, stored as u64, self.knobs.cap.load(Relaxed));
        while need > 0 {
            let Some(old) = idx.evict_one() else { break };
            need = need.saturating_sub(u64::from(old.len));
            self.pool.free(old.handle);
            freed += 1;
        }
        idx.stored = idx.stored.saturating_add(stored as u64);
        let replaced = idx.tree.insert(node.into_node(sector, entry));
        let mut gone = freed;
        if let Some(old) = replaced {
            let (_, old) = old.to_key_value();
            idx.stored = idx.stored.saturating_sub(u64::from(old.len));
            self.pool.free(old.handle);
            gone += 1;
        }
        drop(idx);
        self.entries.fetch_add(1, Relaxed);
        self.entries.fetch_sub(gone, Relaxed);
        s.add(&s.cap_frees, freed);
        s.add(&s.stores, 1);
    }

    /// Entries the shrinker could free.
    pub(crate) fn count(&self) -> u64 {
        self.entries.load(Relaxed)
    }

    /// The shrinker frees up to `nr` entries.
    pub(crate) fn scan(&self, nr: u64) -> u64 {
        let n = self.drop_entries(nr);
        self.stats.add(&self.stats.shrinker_frees, n);
        n
    }

    /// Drops up to `nr` entries (sector order from the cursor); returns how many.
    pub(crate) fn drop_entries(&self, nr: u64) -> u64 {
        let mut idx = self.index.lock();
        let mut n = 0u64;
        while n < nr {
            let Some(e) = idx.evict_one() else { break };
            self.pool.free(e.handle);
            n += 1;
        }
        drop(idx);
        self.entries.fetch_sub(n, Relaxed);
        n
    }

    /// Takes a new configuration (validated).
    pub(crate) fn apply(&self, cfg: &Config) {
        self.knobs.enabled.store(cfg.enabled, Relaxed);
        self.knobs.sync.store(cfg.mode == Mode::Sync, Relaxed);
        self.knobs.cap.store(
            effective_cap(
                ffi::total_pages(),
                PAGE_SIZE as u64,
                cfg.max_percent,
                cfg.mem_limit,
            ),
            Relaxed,
        );
        if !cfg.enabled {
            self.drop_entries(u64::MAX);
        }
    }
}

#[pinned_drop]
impl PinnedDrop for Cache {
    fn drop(self: Pin<&mut Self>) {
        // Every handle goes back before the pool is destroyed.
        self.drop_entries(u64::MAX);
    }
}
