// SPDX-License-Identifier: GPL-2.0

//! One zmc device as the block layer sees it: its configuration, and once `disksize` is set,
//! its store ([`Backing`], `store.rs`). Reads, writes and discards of sector ranges become
//! whole page operations on the store here; partial pages are read-modify-written.

use core::sync::atomic::{AtomicBool, AtomicU64, AtomicU8, Ordering::Relaxed};

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::{Arc, Mutex, SpinLock};
use kernel::{new_mutex, new_spinlock};

use crate::background;
use crate::config::{AlgoConf, Config, DEFAULT_STAGING};
use crate::ffi;
use crate::policy::{AlgoKind, CompPolicy, RecompressConfig, MAX_ALGOS};
use crate::reqbuf::ReqBuf;
use crate::stats::{self, Stats};
use crate::store::{now_s, Backing, Shared};
use crate::table::Meta;

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
                bg_warm_age: AtomicU64::new(RecompressConfig::BACKGROUND.warm_age_s),
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
        let backing = Backing::new(self.id, &self.shared, &conf, disksize)?;
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
    pub(crate) fn write(&self, sector: u64, data: &mut ReqBuf<'_>) -> Result {
        self.note_io();
        let len = data.len();
        let ret = self.backing().ok_or(EIO).and_then(|b| {
            Self::pages(&b, sector, len)?;
            self.for_each_page(sector, len, |index, off, range| {
                let chunk = data.sub(range).ok_or(EIO)?;
                if off == 0 && chunk.len() == PAGE_SIZE {
                    b.write_page(index, &chunk)
                } else {
                    let mut tmp = self.rmw.lock();
                    b.read_page(index, &mut ReqBuf::from_slice(&mut tmp), true)?;
                    chunk.copy_to(tmp.get_mut(off..off + chunk.len()).ok_or(EIO)?)?;
                    b.write_page(index, &ReqBuf::from_slice(&mut tmp))
                }
            })
        });
        if ret.is_err() {
            stats::add(&self.shared.stats.failed_writes, 1);
        }
        ret
    }

    /// Reads into `data` from `sector`.
    pub(crate) fn read(&self, sector: u64, data: &mut ReqBuf<'_>) -> Result {
        self.note_io();
        let len = data.len();
        let ret = self.backing().ok_or(EIO).and_then(|b| {
            Self::pages(&b, sector, len)?;
            self.for_each_page(sector, len, |index, off, range| {
                let mut chunk = data.sub(range).ok_or(EIO)?;
                if off == 0 && chunk.len() == PAGE_SIZE {
                    b.read_page(index, &mut chunk, true)
                } else {
                    let mut tmp = self.rmw.lock();
                    b.read_page(index, &mut ReqBuf::from_slice(&mut tmp), true)?;
                    chunk.copy_from(tmp.get(off..off + chunk.len()).ok_or(EIO)?)
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
                b.read_page(index, &mut ReqBuf::from_slice(&mut tmp), true)?;
                tmp.get_mut(off..off + n).ok_or(EIO)?.fill(0);
                b.write_page(index, &ReqBuf::from_slice(&mut tmp))
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
