// SPDX-License-Identifier: GPL-2.0

//! One zmc device: its configuration, and once `disksize` is set, its backing store (slot table,
//! zsmalloc pool, compression streams, the async staging pool and the store's worker
//! threads). Reads, writes and discards of sector ranges become whole page operations
//! here; partial pages are read-modify-written.
//!
//! Lifetimes: what the workers need lives in [`Backing`] (and the [`Shared`] knobs and counters
//! it points to); each worker holds an `Arc<Backing>`. [`Backing::shutdown`] sets the stop flag,
//! wakes every worker and stops each thread, waiting until it has returned. The
//! device calls it on reset and when it is freed (hot_remove, module unload), before it drops
//! its own reference, so no worker ever outlives the store, the device or the module.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::str::CString;
use kernel::sync::{Arc, Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

use crate::background::{self, Background};
use crate::ffi::{self, CodecKind, Reclaim, Thread, ZsPool};
use crate::policy::{
    decide_write, is_huge, AlgoId, AlgoKind, AlgoSpec, AlgoTable, CompPolicy, PageFeatures,
    PageFlags, RecompressConfig, WriteDecision, MAX_ALGOS,
};
use crate::staging::{self, Staging};
use crate::stats::{self, Stats};
use crate::streams::{Stream, Streams};
use crate::table::{Meta, Table, STAGED};

/// An algorithm slot as configured through comp_algorithm, recomp_algorithm and
/// algorithm_params.
#[derive(Clone, Copy)]
pub(crate) struct AlgoConf {
    pub(crate) kind: AlgoKind,
    pub(crate) level: Option<i32>,
}

impl AlgoConf {
    pub(crate) const fn new(kind: AlgoKind) -> Self {
        Self { kind, level: None }
    }

    /// The context kind and level for the kernel library; `None` for algorithms this module
    /// does not carry.
    pub(crate) fn codec(&self) -> Option<(CodecKind, i32)> {
        // Defaults as zram 6.12's backends: lz4 acceleration 1, lz4hc 9, zstd 3, deflate 6.
        let (kind, default) = match self.kind {
            AlgoKind::Lz4 => (CodecKind::Lz4, 1),
            AlgoKind::Lz4hc => (CodecKind::Lz4hc, 9),
            AlgoKind::Zstd => (CodecKind::Zstd, 3),
            AlgoKind::Deflate => (CodecKind::Deflate, 6),
            _ => return None,
        };
        Some((kind, self.level.unwrap_or(default)))
    }
}

/// The algorithms this module carries, in the order comp_algorithm lists them.
pub(crate) const AVAILABLE: [AlgoKind; 4] = [
    AlgoKind::Lz4,
    AlgoKind::Lz4hc,
    AlgoKind::Zstd,
    AlgoKind::Deflate,
];

/// Default staging capacity, in pages (1 MiB with 4 KiB pages).
pub(crate) const DEFAULT_STAGING: usize = 256;
/// The most staging pages a device may preallocate (buffer numbers fit 16 bits).
pub(crate) const MAX_STAGING: usize = 16384;
/// The most async workers a device may run.
pub(crate) const MAX_WORKERS: usize = 256;

/// What can only change while the device is not initialised.
pub(crate) struct Config {
    pub(crate) algos: [Option<AlgoConf>; MAX_ALGOS],
    /// Async compression workers; 0: one per online CPU at init.
    pub(crate) async_workers: usize,
    /// Staging buffers, in pages.
    pub(crate) async_staging: usize,
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
    pub(crate) algos: AlgoTable,
    pub(crate) huge_size: usize,
    pub(crate) staging: Pin<KBox<Staging>>,
    pub(crate) bg: Pin<KBox<Background>>,
    pub(crate) workers: usize,
    /// The async workers and the background worker, each a kernel thread.
    threads: Pin<KBox<Mutex<KVec<Thread>>>>,
}

#[pin_data(PinnedDrop)]
pub(crate) struct Device {
    pub(crate) id: i32,
    #[pin]
    pub(crate) conf: Mutex<Config>,
    #[pin]
    backing: SpinLock<Option<Arc<Backing>>>,
    /// Scratch page for partial-page I/O, which it also serialises.
    #[pin]
    rmw: Mutex<KVec<u8>>,
    /// Held by a `recompress` write for its whole pass: manual passes claim slots under one
    /// claim kind, so they run one at a time.
    #[pin]
    pub(crate) manual_pass: Mutex<()>,
    pub(crate) shared: Arc<Shared>,
}

pub(crate) fn now_s() -> u64 {
    ffi::now_ns() / 1_000_000_000
}

impl Device {
    pub(crate) fn new(id: i32) -> Result<Pin<KBox<Self>>> {
        let scratch = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
        let mut algos = [None; MAX_ALGOS];
        algos[0] = Some(AlgoConf::new(AlgoKind::Lz4));
        algos[1] = Some(AlgoConf::new(AlgoKind::Zstd));
        let shared = Arc::new(
            Shared {
                id,
                policy: AtomicU8::new(CompPolicy::Adaptive as u8),
                limit_pages: AtomicU64::new(0),
                stats: Stats::default(),
                async_on: AtomicBool::new(true),
                bg_on: AtomicBool::new(false),
                bg_rate: AtomicU64::new(background::DEFAULT_RATE),
                bg_cold_age: AtomicU64::new(RecompressConfig::BACKGROUND.cold_age_s),
                last_io_s: AtomicU64::new(0),
            },
            GFP_KERNEL,
        )?;
        let conf = Config {
            algos,
            async_workers: 0,
            async_staging: DEFAULT_STAGING,
        };
        KBox::pin_init(
            pin_init!(Self {
                id,
                conf <- new_mutex!(conf, "zmc:conf"),
                backing <- new_spinlock!(None, "zmc:backing"),
                rmw <- new_mutex!(scratch, "zmc:rmw"),
                manual_pass <- new_mutex!((), "zmc:manual_pass"),
                shared,
            }),
            GFP_KERNEL,
        )
    }

    /// The backing store, if `disksize` was set.
    pub(crate) fn backing(&self) -> Option<Arc<Backing>> {
        self.backing.lock().clone()
    }

    pub(crate) fn disksize(&self) -> u64 {
        self.backing().map_or(0, |b| b.disksize)
    }

    /// Sets the disk size and builds the store with the configured algorithms, staging pool
    /// and workers.
    pub(crate) fn init(&self, disksize: u64) -> Result {
        let conf = self.conf.lock();
        if self.backing().is_some() {
            pr_info!("Cannot change disksize for initialized device\n");
            return Err(EBUSY);
        }
        let page = PAGE_SIZE as u64;
        let disksize = disksize.checked_add(page - 1).ok_or(EINVAL)? & !(page - 1);
        let pages = usize::try_from(disksize / page).map_err(|_| ENOMEM)?;
        let table = Table::new(pages)?;
        let name = CString::try_from_fmt(format_args!("zmc{}", self.id))?;
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
                *s = Some(Streams::new(kind, level, count)?);
            }
            if let Some(s) = algos.slots.get_mut(i) {
                *s = Some(AlgoSpec::of(a.kind));
            }
        }
        let huge_size = pool.huge_class_size();
        let staging = Staging::new(conf.async_staging)?;
        let bg = Background::new()?;
        let threads = KBox::pin_init(
            new_mutex!(KVec::with_capacity(workers + 1, GFP_KERNEL)?, "zmc:threads"),
            GFP_KERNEL,
        )?;
        let backing = Arc::new(
            Backing {
                shared: self.shared.clone(),
                disksize,
                table,
                pool,
                streams,
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
        self.shared.stats.clear();
        *self.backing.lock() = Some(backing);
        drop(conf);
        Ok(())
    }

    /// Frees the store; the device goes back to uninitialised. C has made sure no I/O is in
    /// flight and nobody can open the device. The workers are stopped and waited for first;
    /// pages still staged are dropped with the rest of the data.
    pub(crate) fn reset(&self) {
        let _conf = self.conf.lock();
        let old = self.backing.lock().take();
        if let Some(b) = old {
            b.shutdown();
            drop(b);
        }
        self.shared.stats.clear();
    }

    fn pages(b: &Backing, sector: u64, len: usize) -> Result {
        let end = sector
            .checked_mul(512)
            .and_then(|s| s.checked_add(len as u64))
            .ok_or(EIO)?;
        if end > b.disksize {
            return Err(EIO);
        }
        Ok(())
    }

    fn note_io(&self) {
        self.shared.last_io_s.store(now_s(), Relaxed);
    }

    /// Writes `data` at `sector`.
    pub(crate) fn write(&self, sector: u64, data: &[u8]) -> Result {
        self.note_io();
        let ret = self.backing().ok_or(EIO).and_then(|b| {
            Self::pages(&b, sector, data.len())?;
            self.for_each_page(sector, data.len(), |index, off, range| {
                let chunk = data.get(range).ok_or(EIO)?;
                if off == 0 && chunk.len() == PAGE_SIZE {
                    b.write_page(index, chunk)
                } else {
                    let mut tmp = self.rmw.lock();
                    b.read_page(index, &mut tmp, true)?;
                    tmp.get_mut(off..off + chunk.len())
                        .ok_or(EIO)?
                        .copy_from_slice(chunk);
                    b.write_page(index, &tmp)
                }
            })
        });
        if ret.is_err() {
            stats::add(&self.shared.stats.failed_writes, 1);
        }
        ret
    }

    /// Reads into `data` from `sector`.
    pub(crate) fn read(&self, sector: u64, data: &mut [u8]) -> Result {
        self.note_io();
        let len = data.len();
        let ret = self.backing().ok_or(EIO).and_then(|b| {
            Self::pages(&b, sector, len)?;
            self.for_each_page(sector, len, |index, off, range| {
                let chunk = data.get_mut(range).ok_or(EIO)?;
                if off == 0 && chunk.len() == PAGE_SIZE {
                    b.read_page(index, chunk, true)
                } else {
                    let mut tmp = self.rmw.lock();
                    b.read_page(index, &mut tmp, true)?;
                    chunk.copy_from_slice(tmp.get(off..off + chunk.len()).ok_or(EIO)?);
                    Ok(())
                }
            })
        });
        if ret.is_err() {
            stats::add(&self.shared.stats.failed_reads, 1);
        }
        ret
    }

    /// Discards (and zeroes) `nr_sectors` from `sector`: whole pages are freed, partial pages
    /// are zeroed in place, so a later read returns zeros either way.
    pub(crate) fn discard(&self, sector: u64, nr_sectors: u64) -> Result {
        self.note_io();
        let b = self.backing().ok_or(EIO)?;
        let len = usize::try_from(nr_sectors.checked_mul(512).ok_or(EIO)?).map_err(|_| EIO)?;
        Self::pages(&b, sector, len)?;
        self.for_each_page(sector, len, |index, off, range| {
            let n = range.end - range.start;
            if off == 0 && n == PAGE_SIZE {
                b.free_slot(index);
                Ok(())
            } else {
                let mut tmp = self.rmw.lock();
                b.read_page(index, &mut tmp, true)?;
                tmp.get_mut(off..off + n).ok_or(EIO)?.fill(0);
                b.write_page(index, &tmp)
            }
        })
    }

    /// Calls `f(page index, offset in page, range in the caller's buffer)` for each page the
    /// byte range `[sector * 512, + len)` touches.
    fn for_each_page(
        &self,
        sector: u64,
        len: usize,
        mut f: impl FnMut(usize, usize, core::ops::Range<usize>) -> Result,
    ) -> Result {
        let mut pos = sector.checked_mul(512).ok_or(EIO)?;
        let mut done = 0usize;
        while done < len {
            let index = usize::try_from(pos / PAGE_SIZE as u64).map_err(|_| EIO)?;
            let off = (pos % PAGE_SIZE as u64) as usize;
            let n = (PAGE_SIZE - off).min(len - done);
            f(index, off, done..done + n)?;
            done += n;
            pos += n as u64;
        }
        Ok(())
    }

    /// The swap slot `index` was freed: drop its page now. Runs in atomic context: a staged
    /// page is only unlinked from its slot (its worker finds the slot changed and drops its
    /// result); nothing here sleeps.
    pub(crate) fn slot_free_notify(&self, index: u64) {
        stats::add(&self.shared.stats.notify_free, 1);
        let Some(b) = self.backing() else { return };
        match usize::try_from(index) {
            Ok(i) if i < b.table.len() => b.free_slot(i),
            _ => stats::add(&self.shared.stats.miss_free, 1),
        }
    }

    /// Marks present pages idle: all of them (`cutoff_s` = None) or those not accessed for
    /// `cutoff_s` seconds.
    pub(crate) fn mark_idle(&self, age_s: Option<u64>) -> Result {
        let b = self.backing().ok_or(EINVAL)?;
        let now = now_s();
        for index in 0..b.table.len() {
            if index % 1024 == 1023 {
                ffi::cond_resched();
            }
            let slot = b.table.lock(index)?;
            let (_, meta) = slot.get();
            if !meta.is_present() {
                continue;
            }
            let f = meta.features();
            let old_enough = match age_s {
                None => true,
                Some(age) => now.saturating_sub(f.last_access_s) >= age,
            };
            if old_enough {
                slot.set_meta(Meta::present(&f.marked_idle()));
            }
        }
        Ok(())
    }
}

#[pinned_drop]
impl PinnedDrop for Device {
    fn drop(self: Pin<&mut Self>) {
        // hot_remove or module unload: the disk is gone, no I/O can come in. Stop the workers
        // before the device (and, on unload, the module's code) goes away.
        let old = self.backing.lock().take();
        if let Some(b) = old {
            b.shutdown();
        }
    }
}

impl Backing {
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

    /// Stores one whole page: same-filled pages and pages the estimate stores raw at once (they
    /// cost no compression, so staging them would only add a copy and a wake-up); the others
    /// through the staging pool when `async` is on and a buffer is free, else compressed now.
    pub(crate) fn write_page(&self, index: usize, page: &[u8]) -> Result {
        let now = now_s();
        let decision = decide_write(page, self.shared.comp_policy());
        if matches!(decision, WriteDecision::Compress(_)) && self.shared.async_on.load(Relaxed) {
            if self.staging.stage(self, index, page, decision, now) {
                return Ok(());
            }
            stats::add(&self.shared.stats.sync_fallbacks, 1);
        }
        let (handle, features) = self.store_page(page, decision, now)?;
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
                let (handle, len, huge) = self.compress_store(algo, page, Reclaim::Direct)?;
                (
                    handle,
                    PageFeatures::written(decision, len as u32, huge, now),
                )
            }
        })
    }

    /// Compresses `page` with `algo` and stores the result (or the page itself when the
    /// result is huge). Returns the handle, the stored length and whether it is huge.
    ///
    /// The object is allocated while the stream is held, so without direct reclaim. If that
    /// fails and `reclaim` allows it, the stream is given back, an object of the same size is
    /// allocated with direct reclaim, and the page is compressed again into it, as zram does.
    pub(crate) fn compress_store(
        &self,
        algo: AlgoId,
        page: &[u8],
        reclaim: Reclaim,
    ) -> Result<(u64, usize, bool)> {
        let streams = self
            .streams
            .get(algo.index())
            .and_then(|s| s.as_ref())
            .ok_or(EINVAL)?;
        let mut reserved: Option<(u64, usize)> = None;
        loop {
            let mut guard = streams.get();
            let stream = guard.stream().ok_or(EINVAL)?;
            let (len, huge) = self.compress(algo, stream, page)?;
            let data = if huge {
                page
            } else {
                stream.buf.get(..len).ok_or(EINVAL)?
            };
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
            return Ok((handle, len, huge));
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
    pub(crate) fn read_page(&self, index: usize, out: &mut [u8], touch: bool) -> Result {
        loop {
            let slot = self.table.lock(index)?;
            let (handle, meta) = slot.get();
            if !meta.is_present() {
                out.fill(0);
                return Ok(());
            }
            let f = meta.features();
            if f.flags.contains(PageFlags::SAME) {
                fill_pattern(out, handle);
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
            let res = match guard.as_mut().and_then(|g| g.stream()) {
                // SAFETY: the slot, whose lock is held, names this live object of `len`
                // bytes; no one can free it before the lock is dropped.
                None => unsafe {
                    self.pool.read(handle, len, |src| {
                        out.copy_from_slice(src.get(..PAGE_SIZE).ok_or(EIO)?);
                        Ok(())
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

fn fill_pattern(out: &mut [u8], word: u64) {
    for chunk in out.chunks_mut(8) {
        let bytes = word.to_ne_bytes();
        let n = chunk.len();
        chunk.copy_from_slice(bytes.get(..n).unwrap_or(&[]));
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
