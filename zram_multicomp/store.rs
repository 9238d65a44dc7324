// SPDX-License-Identifier: GPL-2.0

//! The slot store behind an initialised device: slot table, zsmalloc pool, compression
//! streams, the async staging pool and the worker threads. It stores, reads and frees whole
//! pages by slot index; the block layer (`device.rs`), the async workers (`staging.rs`), the
//! background worker (`background.rs`) and recompression (`recompress.rs`) all go through it.
//!
//! Lifetimes: what the workers need lives in [`Backing`] (and the [`Shared`] knobs and counters
//! it points to); each worker holds an `Arc<Backing>`. [`Backing::shutdown`] sets the stop flag,
//! wakes every worker and stops each thread, waiting until it has returned. The device calls it
//! on reset and when it is freed (hot_remove, module unload), before it drops its own
//! reference, so no worker ever outlives the store, the device or the module.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};

use kernel::new_mutex;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, Mutex};

use crate::background::{self, Background};
use crate::config::Config;
use crate::ffi::{self, Reclaim, Thread, ZsPool};
use crate::policy::{
    decide_write, is_huge, AlgoId, AlgoSpec, AlgoTable, CompPolicy, PageFeatures, PageFlags,
    WriteDecision, MAX_ALGOS,
};
use crate::reqbuf::ReqBuf;
use crate::staging::{self, Staged, Staging};
use crate::stats::{self, Stats};
use crate::streams::{Pages, Stream, Streams};
use crate::table::{Meta, Table, STAGED};

pub(crate) fn now_s() -> u64 {
    ffi::now_ns() / 1_000_000_000
}

/// Knobs that may change at any time, and the counters: shared by the device and its store
/// (so that the workers reach them through their `Arc<Backing>`).
pub(crate) struct Shared {
    pub(crate) id: i32,
    pub(crate) policy: AtomicU8,
    pub(crate) limit_pages: AtomicU64,
    pub(crate) stats: Stats,
    /// Writes go through the staging pool (1) or are compressed at once (0).
    pub(crate) async_on: AtomicBool,
    /// Background recompression is allowed to start by itself.
    pub(crate) bg_on: AtomicBool,
    /// Background recompression budget: pages tried per second.
    pub(crate) bg_rate: AtomicU64,
    /// Seconds without access after which a page is cold (0: only pages marked idle).
    pub(crate) bg_cold_age: AtomicU64,
    /// Seconds without access after which a page is warm (0: no latency tiers).
    pub(crate) bg_warm_age: AtomicU64,
    /// When the device last served a read, write or discard, in seconds of boot time.
    pub(crate) last_io_s: AtomicU64,
}

impl Shared {
    pub(crate) fn comp_policy(&self) -> CompPolicy {
        if self.policy.load(Relaxed) == CompPolicy::Static as u8 {
            CompPolicy::Static
        } else {
            CompPolicy::Adaptive
        }
    }
}

/// Why an object could not be allocated.
enum AllocFail {
    /// zsmalloc found no memory (with the reclaim allowed).
    NoMemory,
    /// The pool is at mem_limit: reclaim would not help.
    Limit,
}

impl From<AllocFail> for Error {
    fn from(_: AllocFail) -> Self {
        ENOMEM
    }
}

/// The store behind an initialised device.
pub(crate) struct Backing {
    pub(crate) shared: Arc<Shared>,
    pub(crate) disksize: u64,
    pub(crate) table: Table,
    pub(crate) pool: ZsPool,
    pub(crate) streams: [Option<Pin<KBox<Streams>>>; MAX_ALGOS],
    /// Where a write that is not staged copies its request page first.
    pages: Pin<KBox<Pages>>,
    pub(crate) algos: AlgoTable,
    pub(crate) huge_size: usize,
    pub(crate) staging: Pin<KBox<Staging>>,
    pub(crate) bg: Pin<KBox<Background>>,
    pub(crate) workers: usize,
    /// The async workers and the background worker, each a kernel thread.
    threads: Pin<KBox<Mutex<KVec<Thread>>>>,
}

impl Backing {
    /// Builds the store for `disksize` bytes with `conf`'s algorithms, staging pool and workers,
    /// and starts the workers.
    pub(crate) fn new(
        id: i32,
        shared: &Arc<Shared>,
        conf: &Config,
        disksize: u64,
    ) -> Result<Arc<Self>> {
        let page = PAGE_SIZE as u64;
        let disksize = disksize.checked_add(page - 1).ok_or(EINVAL)? & !(page - 1);
        let pages = usize::try_from(disksize / page).map_err(|_| ENOMEM)?;
        let table = Table::new(pages)?;
        let name = CString::try_from_fmt(format_args!("zmc{}", id))?;
        let pool = ZsPool::new(&name)?;
        let workers = match conf.async_workers {
            0 => ffi::nr_cpus(),
            n => n,
        };
        let mut streams: [Option<Pin<KBox<Streams>>>; MAX_ALGOS] = [None, None, None, None];
        let mut algos = AlgoTable {
            slots: [None; MAX_ALGOS],
        };
        for (i, slot) in conf.algos.iter().enumerate() {
            let Some(a) = slot else { continue };
            let Some((kind, level)) = a.codec() else {
                pr_err!("Cannot initialise {} compressing backend\n", a.kind.name());
                return Err(EINVAL);
            };
            // The primary algorithm serves the writers (one per CPU) and the async workers at
            // once: with a stream each, a writer that staging turned away compresses at once
            // instead of waiting for a worker to hand a stream back.
            let count = if i == 0 {
                ffi::nr_cpus().saturating_add(workers)
            } else {
                ffi::nr_cpus()
            };
            if let Some(s) = streams.get_mut(i) {
                *s = Some(Streams::streams(kind, level, count)?);
            }
            if let Some(s) = algos.slots.get_mut(i) {
                *s = Some(AlgoSpec::of(a.kind));
            }
        }
        let huge_size = pool.huge_class_size();
        let pages = Pages::pages(ffi::nr_cpus())?;
        let staging = Staging::new(conf.async_staging)?;
        let bg = Background::new()?;
        let threads = KBox::pin_init(
            new_mutex!(KVec::with_capacity(workers + 1, GFP_KERNEL)?, "zmc:threads"),
            GFP_KERNEL,
        )?;
        let backing = Arc::new(
            Backing {
                shared: shared.clone(),
                disksize,
                table,
                pool,
                streams,
                pages,
                algos,
                huge_size,
                staging,
                bg,
                workers,
                threads,
            },
            GFP_KERNEL,
        )?;
        if let Err(e) = backing.start_workers() {
            backing.shutdown();
            return Err(e);
        }
        Ok(backing)
    }

    /// Spawns the async workers and the background recompression worker, each with its
    /// preallocated scratch page.
    fn start_workers(self: &Arc<Self>) -> Result {
        let id = self.shared.id;
        let mut threads = self.threads.lock();
        for n in 0..self.workers {
            let scratch = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
            let b = self.clone();
            threads.push(
                Thread::spawn(id, n, move || staging::worker(b, scratch))?,
                GFP_KERNEL,
            )?;
        }
        let scratch = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
        let b = self.clone();
        let bg = Thread::spawn(id, self.workers, move || background::worker(b, scratch))?;
        threads.push(bg, GFP_KERNEL)?;
        Ok(())
    }

    /// Whether the store is being torn down (workers return, passes stop).
    pub(crate) fn stopping(&self) -> bool {
        self.staging.stopping()
    }

    /// Stops every worker and waits until each has returned (and dropped its reference).
    /// Must not be called from a worker.
    pub(crate) fn shutdown(&self) {
        self.staging.shutdown();
        self.bg.kick();
        let threads = core::mem::take(&mut *self.threads.lock());
        for t in threads {
            t.stop();
        }
    }

    /// Stores one whole page. The page is copied out of the request first (into a staging
    /// buffer when `async` is on and one is free, else into a scratch page), and everything is
    /// decided and stored from that copy. A staged page is stored later by a worker, unless it
    /// is same-filled (recorded at once: it costs nothing to store); the others now.
    pub(crate) fn write_page(&self, index: usize, src: &ReqBuf<'_>) -> Result {
        let now = now_s();
        let policy = self.shared.comp_policy();
        if self.shared.async_on.load(Relaxed) {
            match self.staging.stage(self, index, src, policy, now) {
                Staged::Queued => return Ok(()),
                Staged::SameFilled(word) => {
                    let decision = WriteDecision::SameFilled(word);
                    let f = PageFeatures::written(decision, 0, false, now);
                    self.install(index, word, &f);
                    return Ok(());
                }
                Staged::NoBuffer => stats::add(&self.shared.stats.sync_fallbacks, 1),
            }
        }
        let mut guard = self.pages.get();
        let page = guard.item().ok_or(EINVAL)?;
        src.copy_to(page)?;
        let (handle, features) = self.store_page(page, decide_write(page, policy), now)?;
        drop(guard);
        self.install(index, handle, &features);
        Ok(())
    }

    /// Stores `page` as `decision` says; returns the handle (or fill word) and the features.
    pub(crate) fn store_page(
        &self,
        page: &[u8],
        decision: WriteDecision,
        now: u64,
    ) -> Result<(u64, PageFeatures)> {
        Ok(match decision {
            WriteDecision::SameFilled(word) => {
                (word, PageFeatures::written(decision, 0, false, now))
            }
            WriteDecision::Raw => {
                stats::add(&self.shared.stats.raw_by_estimate, 1);
                let handle = self.store_object(page)?;
                (
                    handle,
                    PageFeatures::written(decision, PAGE_SIZE as u32, true, now),
                )
            }
            WriteDecision::Compress(algo) => {
                let (handle, len, huge) = self
                    .compress_store(algo, page, Reclaim::Direct, true)?
                    .ok_or(EINVAL)?;
                (
                    handle,
                    PageFeatures::written(decision, len as u32, huge, now),
                )
            }
        })
    }

    /// Compresses `page` with `algo` and stores the result, or the page itself when the result
    /// is huge and `huge_ok` (else stores nothing and returns `None`). Returns the handle, the
    /// stored length and whether it is huge.
    ///
    /// The object is allocated while the stream is held, so without direct reclaim. If that
    /// fails and `reclaim` allows it, the stream is given back, an object of the same size is
    /// allocated with direct reclaim, and the page is compressed again into it, as zram does.
    /// A huge page needs no stream once it is known huge: it is allocated for after the stream
    /// is given back, and never compressed twice.
    pub(crate) fn compress_store(
        &self,
        algo: AlgoId,
        page: &[u8],
        reclaim: Reclaim,
        huge_ok: bool,
    ) -> Result<Option<(u64, usize, bool)>> {
        let streams = self
            .streams
            .get(algo.index())
            .and_then(|s| s.as_ref())
            .ok_or(EINVAL)?;
        let mut reserved: Option<(u64, usize)> = None;
        loop {
            let mut guard = streams.get();
            let stream = guard.item().ok_or(EINVAL)?;
            let (len, huge) = self.compress(algo, stream, page)?;
            if huge {
                drop(guard);
                if let Some((handle, _)) = reserved.take() {
                    // SAFETY: allocated above on this pool and not stored.
                    unsafe { self.pool.free(handle) };
                    if huge_ok {
                        // Smaller than a page the first time: give up on this store.
                        return Err(ENOMEM);
                    }
                }
                if !huge_ok {
                    return Ok(None);
                }
                let handle = match self.alloc_object(PAGE_SIZE, Reclaim::Kswapd) {
                    Ok(handle) => handle,
                    Err(AllocFail::NoMemory) if reclaim == Reclaim::Direct => {
                        stats::add(&self.shared.stats.writestall, 1);
                        self.alloc_object(PAGE_SIZE, Reclaim::Direct)?
                    }
                    Err(e) => return Err(e.into()),
                };
                // SAFETY: `handle` was just allocated on this pool with a page's bytes.
                unsafe { self.pool.write(handle, page) };
                return Ok(Some((handle, len, true)));
            }
            let data = stream.buf.get(..len).ok_or(EINVAL)?;
            let handle = match reserved.take() {
                Some((handle, size)) if size == data.len() => handle,
                Some((handle, _)) => {
                    // Compressed to another length the second time: give up on this store.
                    // SAFETY: `handle` was allocated above on this pool and is not stored.
                    unsafe { self.pool.free(handle) };
                    return Err(ENOMEM);
                }
                None => match self.alloc_object(data.len(), Reclaim::Kswapd) {
                    Ok(handle) => handle,
                    Err(AllocFail::NoMemory) if reclaim == Reclaim::Direct => {
                        let size = data.len();
                        drop(guard);
                        stats::add(&self.shared.stats.writestall, 1);
                        reserved = Some((self.alloc_object(size, Reclaim::Direct)?, size));
                        continue;
                    }
                    Err(e) => return Err(e.into()),
                },
            };
            // SAFETY: `handle` was just allocated on this pool with `data.len()` bytes and is
            // owned here until returned.
            unsafe { self.pool.write(handle, data) };
            return Ok(Some((handle, len, false)));
        }
    }

    /// Compresses `page` into `stream`'s buffer; returns the length to store and whether the
    /// page is stored raw (huge).
    fn compress(&self, algo: AlgoId, stream: &mut Stream, page: &[u8]) -> Result<(usize, bool)> {
        let t0 = ffi::now_ns();
        let res = stream.codec.compress(page, &mut stream.buf);
        let algo_stats = self.shared.stats.algo.get(algo.index()).ok_or(EINVAL)?;
        stats::add(&algo_stats.comp_ns, ffi::now_ns().saturating_sub(t0));
        let len = match res {
            Ok(len) => len,
            Err(e) if e == ENOSPC => PAGE_SIZE,
            Err(e) => return Err(e),
        };
        stats::add(&algo_stats.pages, 1);
        stats::add(&algo_stats.bytes_in, PAGE_SIZE as u64);
        if is_huge(len, self.huge_size) {
            stats::add(&algo_stats.bytes_out, PAGE_SIZE as u64);
            return Ok((PAGE_SIZE, true));
        }
        stats::add(&algo_stats.bytes_out, len as u64);
        Ok((len, false))
    }

    /// Allocates an object of `size` bytes within mem_limit.
    fn alloc_object(&self, size: usize, reclaim: Reclaim) -> Result<u64, AllocFail> {
        let handle = self
            .pool
            .alloc(size, reclaim)
            .map_err(|_| AllocFail::NoMemory)?;
        let used = self.pool.total_pages();
        let limit = self.shared.limit_pages.load(Relaxed);
        if limit != 0 && used > limit {
            // SAFETY: `handle` was just allocated on this pool and is not stored anywhere.
            unsafe { self.pool.free(handle) };
            stats::add(&self.shared.stats.writestall, 1);
            return Err(AllocFail::Limit);
        }
        self.shared.stats.max_used_pages.fetch_max(used, Relaxed);
        Ok(handle)
    }

    /// Stores a raw page (nothing held: direct reclaim allowed).
    fn store_object(&self, data: &[u8]) -> Result<u64> {
        let handle = self.alloc_object(data.len(), Reclaim::Direct)?;
        // SAFETY: `handle` was just allocated on this pool with `data.len()` bytes.
        unsafe { self.pool.write(handle, data) };
        Ok(handle)
    }

    pub(crate) fn account(&self, meta: Meta, sign_add: bool) {
        let s = &self.shared.stats;
        let f = meta.features();
        let op = if sign_add { stats::add } else { stats::sub };
        op(&s.pages_stored, 1);
        if f.flags.contains(PageFlags::SAME) || f.flags.contains(STAGED) {
            if f.flags.contains(PageFlags::SAME) {
                op(&s.same_pages, 1);
            }
            return;
        }
        op(&s.compr_data_size, u64::from(f.stored_len));
        if f.flags.contains(PageFlags::HUGE) {
            op(&s.huge_pages, 1);
            if sign_add {
                stats::add(&s.huge_pages_since, 1);
            }
        }
    }

    /// Puts a new page into slot `index`, freeing what was there.
    pub(crate) fn install(&self, index: usize, handle: u64, f: &PageFeatures) {
        let meta = Meta::present(f);
        let old = match self.table.lock(index) {
            Ok(slot) => {
                let old = slot.take();
                slot.set(handle, meta);
                old
            }
            Err(_) => {
                // Out of range cannot happen (callers check), but never leak the object.
                // SAFETY: the caller hands over the object it would have installed.
                unsafe { self.release(handle, meta) };
                return;
            }
        };
        self.account(meta, true);
        // SAFETY: `old` was taken out of the slot under its lock.
        unsafe { self.release(old.0, old.1) };
    }

    /// Frees an object that was stored but never installed in a slot.
    ///
    /// # Safety
    ///
    /// `handle` came from a store on this device (`compress_store`, `store_page`), was never
    /// installed in a slot, and is not used again.
    pub(crate) unsafe fn discard_object(&self, handle: u64) {
        // SAFETY: by the contract, the caller owns a live object of this pool.
        unsafe { self.pool.free(handle) };
    }

    /// Frees the object behind (handle, meta), if any, and drops it from the counters. A
    /// staged page owns no object: its staging buffer goes back when its worker is done.
    ///
    /// # Safety
    ///
    /// `(handle, meta)` is what a slot of this device held and no longer holds (taken or
    /// replaced under its lock by the caller), or what the caller would have installed.
    pub(crate) unsafe fn release(&self, handle: u64, meta: Meta) {
        if !meta.is_present() {
            return;
        }
        self.account(meta, false);
        let flags = meta.flags();
        if !flags.contains(PageFlags::SAME) && !flags.contains(STAGED) {
            // SAFETY: by the contract, the caller took the only reference to the object.
            unsafe { self.pool.free(handle) };
        }
    }

    /// Empties slot `index`. Never sleeps (swap_slot_free_notify calls it in atomic context).
    pub(crate) fn free_slot(&self, index: usize) {
        if let Ok(slot) = self.table.lock(index) {
            let (handle, meta) = slot.take();
            drop(slot);
            // SAFETY: taken out of the slot under its lock.
            unsafe { self.release(handle, meta) };
        }
    }

    /// Reads one whole page of slot `index` into `out`. A read from the block layer (`touch`)
    /// makes the page hot; the recompression pass reads without touching. A staged page is
    /// copied from its staging buffer.
    pub(crate) fn read_page(&self, index: usize, out: &mut ReqBuf<'_>, touch: bool) -> Result {
        loop {
            let slot = self.table.lock(index)?;
            let (handle, meta) = slot.get();
            if !meta.is_present() {
                out.fill_word(0);
                return Ok(());
            }
            let f = meta.features();
            if f.flags.contains(PageFlags::SAME) {
                out.fill_word(handle);
                return Ok(());
            }
            if f.flags.contains(STAGED) {
                // The buffer cannot be recycled while the slot names it: its worker gives it
                // back only after checking the slot under this lock.
                self.staging.copy_out(handle, out)?;
                if touch {
                    slot.set_meta(Meta::present(&f.touched(now_s())));
                }
                stats::add(&self.shared.stats.served_from_staging, 1);
                return Ok(());
            }
            drop(slot);
            let huge = f.flags.contains(PageFlags::HUGE);
            // A stream may sleep to come free, so take it before the slot's spinlock.
            let streams = if huge {
                None
            } else {
                Some(
                    self.streams
                        .get(f.algo.index())
                        .and_then(|s| s.as_ref())
                        .ok_or(EIO)?,
                )
            };
            let mut guard = streams.map(|s| s.get());
            let slot = self.table.lock(index)?;
            if slot.get() != (handle, meta) {
                // Rewritten meanwhile: start over with what is there now.
                continue;
            }
            let len = f.stored_len as usize;
            let t0 = ffi::now_ns();
            let res = match guard.as_mut().and_then(|g| g.item()) {
                // SAFETY: the slot, whose lock is held, names this live object of `len`
                // bytes; no one can free it before the lock is dropped.
                None => unsafe {
                    self.pool.read(handle, len, |src| {
                        out.copy_from(src.get(..PAGE_SIZE).ok_or(EIO)?)
                    })
                },
                // SAFETY: as above.
                Some(stream) => unsafe {
                    self.pool
                        .read(handle, len, |src| stream.codec.decompress(src, out))
                },
            };
            if touch {
                slot.set_meta(Meta::present(&f.touched(now_s())));
            }
            drop(slot);
            if !huge {
                if let Some(a) = self.shared.stats.algo.get(f.algo.index()) {
                    stats::add(&a.decomp_ns, ffi::now_ns().saturating_sub(t0));
                    stats::add(&a.decomp_pages, 1);
                }
            }
            if res.is_err() {
                pr_err!(
                    "zmc{}: page {} failed to decompress\n",
                    self.shared.id,
                    index
                );
                return Err(EIO);
            }
            return Ok(());
        }
    }
}

impl Drop for Backing {
    fn drop(&mut self) {
        for index in 0..self.table.len() {
            if let Ok(slot) = self.table.lock(index) {
                let (handle, meta) = slot.take();
                let flags = meta.flags();
                if meta.is_present() && !flags.contains(PageFlags::SAME) && !flags.contains(STAGED)
                {
                    // SAFETY: the slot was the object's only owner and was just emptied.
                    unsafe { self.pool.free(handle) };
                }
            }
        }
    }
}
