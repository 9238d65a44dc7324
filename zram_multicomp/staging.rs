// SPDX-License-Identifier: GPL-2.0

//! The asynchronous compression pool (the zcache idea): a write copies its page into a
//! preallocated staging buffer, records the slot as staged and completes; workers (the
//! device's own kernel threads) compress and store the page later. What to do with the page
//! (same-filled, raw, or which algorithm) is decided from the staged copy, never from the
//! request's page, which user space may change meanwhile.
//!
//! - **Tickets.** A staged slot's handle word is a ticket: `seq << 16 | buffer`, where `seq`
//!   is unique to the write (a 48-bit counter), and its meta has [`STAGED`]. A worker installs
//!   its result only if the slot still holds the same ticket with [`STAGED`] set, so an
//!   overwrite or discard that came meanwhile is never lost, and a discarded page never comes
//!   back; the worker then drops its result (`dropped_stale`).
//! - **Buffers.** A buffer is owned by its job from `stage` until its worker has checked the
//!   slot under the slot lock; only then is it given back. A reader that finds a ticket under
//!   the slot lock may therefore copy from the buffer (whose own spinlock nests inside the
//!   slot lock).
//! - **Bounded memory, no allocation per page.** Buffers, the free list and the job ring are
//!   allocated at init. When no buffer is free the writer compresses synchronously
//!   (`sync_fallbacks`): that is the back-pressure.
//! - **Batched wake-ups.** A writer wakes a worker only when none is awake, or when a backlog
//!   of [`WAKE_BATCH`] jobs has formed. A worker that runs out of jobs lingers for about
//!   [`LINGER_MS`] before it sleeps for good, and takes whatever came meanwhile in one go. So a
//!   steady trickle of writes costs one wake-up per few milliseconds, not one per page, and the
//!   writer is not preempted by a worker it has just woken for a single page.
//! - **Priority.** Workers run at nice [`WORKER_NICE`]: a writer (reclaim, or the app that
//!   faults) that shares a CPU with a worker goes first, and the work waits for idle time.
//! - **Store failures** (mem_limit reached, zsmalloc out of memory): the job goes back to the
//!   queue and is retried after a pause that doubles with each failure in a row, up to a
//!   second (`retries`); the data stays readable from staging.
//! - **Stop.** `shutdown` sets the stop flag and wakes the workers; they return without
//!   touching the remaining jobs (the store is being freed with all its data).

use core::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use kernel::c_str;
use kernel::new_condvar;
use kernel::new_spinlock;
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::sync::{Arc, CondVar, SpinLock};

use crate::ffi;
use crate::policy::{decide_write, AlgoId, CompPolicy, PageFeatures, PageFlags, WriteDecision};
use crate::reqbuf::ReqBuf;
use crate::stats;
use crate::store::{now_s, Backing};
use crate::table::{Meta, STAGED};

/// The pause after a store failure before the job is tried again; it doubles with each
/// failure in a row (mem_limit reached: nothing frees memory by itself), up to the maximum.
const RETRY_WAIT_MS: u32 = 10;
const RETRY_WAIT_MAX_MS: u32 = 1000;
/// The nice value of the workers (the lowest priority).
const WORKER_NICE: i32 = 19;
/// How long a worker that ran out of jobs waits for more before it sleeps until woken.
const LINGER_MS: u32 = 4;
/// Queued jobs at which a writer wakes one more worker even though one is awake.
const WAKE_BATCH: usize = 16;

const BUF_BITS: u32 = 16;
const SEQ_MASK: u64 = (1 << (64 - BUF_BITS)) - 1;

/// The buffer number in a ticket.
fn buf_of(ticket: u64) -> usize {
    (ticket & ((1 << BUF_BITS) - 1)) as usize
}

#[derive(Clone, Copy)]
struct Job {
    index: usize,
    ticket: u64,
    decision: WriteDecision,
}

/// The free buffers (a stack) and the jobs waiting for a worker (a ring), both of the staging
/// capacity: every queued job holds a buffer, so the ring never overflows.
struct Queue {
    free: KVec<u16>,
    nfree: usize,
    jobs: KVec<Job>,
    head: usize,
    len: usize,
    /// Workers in their loop, and those of them asleep until woken (not lingering).
    workers: usize,
    sleepers: usize,
}

impl Queue {
    fn cap(&self) -> usize {
        self.free.len()
    }

    /// Queues `job`. Every queued job holds one of the ring's `cap` buffers, so the ring has
    /// room; if it has not, the invariant broke and the job is dropped with a warning.
    fn push(&mut self, job: Job) {
        let cap = self.jobs.len();
        let place = if self.len < cap {
            self.jobs.get_mut((self.head + self.len) % cap)
        } else {
            None
        };
        match place {
            Some(place) => {
                *place = job;
                self.len += 1;
            }
            None => ffi::warn(c_str!("staging job ring overflow, a staged page is lost")),
        }
    }

    fn pop(&mut self) -> Option<Job> {
        if self.len == 0 {
            return None;
        }
        let job = self.jobs.get(self.head).copied()?;
        self.head = (self.head + 1) % self.jobs.len();
        self.len -= 1;
        Some(job)
    }
}

/// What [`Staging::stage`] did with a page.
pub(crate) enum Staged {
    /// Staged for a worker; the slot holds its ticket.
    Queued,
    /// Same-filled with this word: nothing was staged, the caller records the word.
    SameFilled(u64),
    /// No buffer was free (or the pool is stopping): nothing changed.
    NoBuffer,
}

#[pin_data]
pub(crate) struct Staging {
    bufs: KVec<Pin<KBox<SpinLock<KVec<u8>>>>>,
    #[pin]
    queue: SpinLock<Queue>,
    /// Workers wait here for jobs.
    #[pin]
    work: CondVar,
    /// `wait_drained` waits here for the last buffer to come back.
    #[pin]
    drained: CondVar,
    seq: AtomicU64,
    stop: AtomicBool,
}

impl Staging {
    /// A pool of `cap` staging pages (1..=65536).
    pub(crate) fn new(cap: usize) -> Result<Pin<KBox<Self>>> {
        if cap == 0 || cap > 1 << BUF_BITS {
            return Err(EINVAL);
        }
        let mut bufs = KVec::with_capacity(cap, GFP_KERNEL)?;
        let mut free = KVec::with_capacity(cap, GFP_KERNEL)?;
        for i in 0..cap {
            let page = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
            bufs.push(
                KBox::pin_init(new_spinlock!(page, "zmc:staging_buf"), GFP_KERNEL)?,
                GFP_KERNEL,
            )?;
            free.push(u16::try_from(i).map_err(|_| EINVAL)?, GFP_KERNEL)?;
        }
        let empty = Job {
            index: 0,
            ticket: 0,
            decision: WriteDecision::Raw,
        };
        let jobs = KVec::from_elem(empty, cap, GFP_KERNEL)?;
        let queue = Queue {
            free,
            nfree: cap,
            jobs,
            head: 0,
            len: 0,
            workers: 0,
            sleepers: 0,
        };
        KBox::pin_init(
            pin_init!(Self {
                bufs,
                queue <- new_spinlock!(queue, "zmc:staging"),
                work <- new_condvar!("zmc:staging_work"),
                drained <- new_condvar!("zmc:staging_drained"),
                seq: AtomicU64::new(0),
                stop: AtomicBool::new(false),
            }),
            GFP_KERNEL,
        )
    }

    pub(crate) fn stopping(&self) -> bool {
        self.stop.load(Ordering::Acquire)
    }

    /// Tells the workers to return, and wakes them (and anyone waiting for a drain).
    pub(crate) fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
        let _q = self.queue.lock();
        self.work.notify_all();
        self.drained.notify_all();
    }

    /// Staging capacity, in pages.
    pub(crate) fn capacity(&self) -> usize {
        self.bufs.len()
    }

    /// Pages staged and not yet stored (or dropped) by a worker.
    pub(crate) fn pending(&self) -> usize {
        let q = self.queue.lock();
        q.cap().saturating_sub(q.nfree)
    }

    /// Copies `src` into a staging buffer and stages it for slot `index`, with the decision
    /// `policy` makes on the copy. A same-filled page gives its buffer back at once. Changes
    /// nothing when no buffer is free (the caller then compresses synchronously). Does not
    /// allocate or sleep.
    pub(crate) fn stage(
        &self,
        b: &Backing,
        index: usize,
        src: &ReqBuf<'_>,
        policy: CompPolicy,
        now: u64,
    ) -> Staged {
        if index >= b.table.len() || src.len() != PAGE_SIZE || self.stopping() {
            return Staged::NoBuffer;
        }
        let buf = {
            let mut q = self.queue.lock();
            if q.nfree == 0 {
                return Staged::NoBuffer;
            }
            q.nfree -= 1;
            let nfree = q.nfree;
            match q.free.get(nfree) {
                Some(&buf) => usize::from(buf),
                None => return Staged::NoBuffer,
            }
        };
        // A buffer off the free list is this writer's alone until it is queued or given back.
        let decision = self.bufs.get(buf).and_then(|lock| {
            let mut page = lock.lock();
            src.copy_to(&mut page).ok()?;
            Some(decide_write(&page, policy))
        });
        let decision = match decision {
            Some(WriteDecision::SameFilled(word)) => {
                self.release(buf as u64);
                return Staged::SameFilled(word);
            }
            Some(d) => d,
            None => {
                self.release(buf as u64);
                return Staged::NoBuffer;
            }
        };
        let seq = self.seq.fetch_add(1, Ordering::Relaxed).wrapping_add(1) & SEQ_MASK;
        let ticket = (seq << BUF_BITS) | buf as u64;
        let f = PageFeatures {
            algo: AlgoId::PRIMARY,
            stored_len: 0,
            flags: STAGED,
            last_access_s: now,
        };
        // The slot first, then the job: a worker must find its ticket in the slot.
        b.install(index, ticket, &f);
        let mut q = self.queue.lock();
        q.push(Job {
            index,
            ticket,
            decision,
        });
        let wake = q.sleepers > 0 && (q.sleepers == q.workers || q.len >= WAKE_BATCH);
        drop(q);
        if wake {
            self.work.notify_one();
            stats::add(&b.shared.stats.wakeups, 1);
        }
        stats::add(&b.shared.stats.staged, 1);
        Staged::Queued
    }

    /// Copies the staged page of `ticket` into `out` (a whole page). The caller holds the lock
    /// of the slot that holds the ticket, or owns the job.
    pub(crate) fn copy_out(&self, ticket: u64, out: &mut ReqBuf<'_>) -> Result {
        let lock = self.bufs.get(buf_of(ticket)).ok_or(EIO)?;
        let buf = lock.lock();
        out.copy_from(buf.get(..out.len()).ok_or(EIO)?)
    }

    /// Counts a worker in (at its start) or out (when it returns).
    fn worker_count(&self, joined: bool) {
        let mut q = self.queue.lock();
        if joined {
            q.workers += 1;
        } else {
            q.workers = q.workers.saturating_sub(1);
        }
    }

    /// The next job, waiting for one; `None` once stopping. A worker that just finished a job
    /// (`busy`) lingers for more before it sleeps until a writer wakes it.
    fn next(&self, mut busy: bool) -> Option<Job> {
        let mut q = self.queue.lock();
        loop {
            if self.stopping() {
                return None;
            }
            if let Some(job) = q.pop() {
                return Some(job);
            }
            if busy {
                busy = false;
                let _ = self
                    .work
                    .wait_interruptible_timeout(&mut q, ffi::msecs_to_jiffies(LINGER_MS));
                continue;
            }
            // No timeout: an idle device costs no wake-ups. `shutdown` and writers wake us
            // under the queue lock, after we checked the stop flag and the queue under it.
            q.sleepers += 1;
            let _ = self.work.wait_interruptible(&mut q);
            q.sleepers = q.sleepers.saturating_sub(1);
        }
    }

    /// Puts a job that failed back at the end of the queue and pauses the calling worker for
    /// `wait_ms` (a stop ends the pause).
    fn retry_later(&self, job: Job, wait_ms: u32) {
        let mut q = self.queue.lock();
        q.push(job);
        if !self.stopping() {
            let _ = self
                .work
                .wait_interruptible_timeout(&mut q, ffi::msecs_to_jiffies(wait_ms));
        }
    }

    /// Gives a job's buffer back (the low bits of `ticket` name it).
    fn release(&self, ticket: u64) {
        let mut q = self.queue.lock();
        let nfree = q.nfree;
        match (q.free.get_mut(nfree), u16::try_from(buf_of(ticket))) {
            (Some(place), Ok(buf)) => {
                *place = buf;
                q.nfree += 1;
            }
            _ => ffi::warn(c_str!("staging buffer released twice")),
        }
        if q.nfree == q.cap() {
            self.drained.notify_all();
        }
    }

    /// Waits until every staged page is stored (or dropped), for at most about `ms`
    /// milliseconds. Returns whether the pool is drained.
    pub(crate) fn wait_drained(&self, ms: u32) -> bool {
        let deadline = ffi::now_ns().saturating_add(u64::from(ms) * 1_000_000);
        let mut q = self.queue.lock();
        loop {
            if q.nfree == q.cap() {
                return true;
            }
            if self.stopping() || ffi::now_ns() >= deadline {
                return false;
            }
            let _ = self
                .drained
                .wait_interruptible_timeout(&mut q, ffi::msecs_to_jiffies(10));
        }
    }
}

/// An async worker: takes jobs until the store stops. `scratch` is its page, allocated at init.
pub(crate) fn worker(b: Arc<Backing>, mut scratch: KVec<u8>) {
    ffi::set_nice(WORKER_NICE);
    b.staging.worker_count(true);
    let mut busy = false;
    let mut wait_ms = RETRY_WAIT_MS;
    let mut cpu = ffi::thread_cpu_ns();
    while let Some(job) = b.staging.next(busy) {
        busy = true;
        // Counted as the worker comes back from a wait, when the scheduler's count is exact.
        let now = ffi::thread_cpu_ns();
        stats::add(&b.shared.stats.async_cpu_ns, now.saturating_sub(cpu));
        cpu = now;
        match store_staged(&b, &mut scratch, job) {
            Ok(()) => {
                b.staging.release(job.ticket);
                wait_ms = RETRY_WAIT_MS;
            }
            Err(_) => {
                stats::add(&b.shared.stats.store_retries, 1);
                b.staging.retry_later(job, wait_ms);
                wait_ms = wait_ms.saturating_mul(2).min(RETRY_WAIT_MAX_MS);
            }
        }
        // Under steady writes the queue never runs dry: yield between jobs on kernels without
        // forced preemption.
        ffi::cond_resched();
    }
    stats::add(
        &b.shared.stats.async_cpu_ns,
        ffi::thread_cpu_ns().saturating_sub(cpu),
    );
    b.staging.worker_count(false);
}

/// Compresses and stores a staged page, and installs it if its slot still holds the job's
/// ticket. `Err` when storing failed: the job must be tried again.
fn store_staged(b: &Backing, scratch: &mut [u8], job: Job) -> Result {
    let s = &b.shared.stats;
    let holds = |slot_get: (u64, Meta)| {
        let (ticket, meta) = slot_get;
        ticket == job.ticket && meta.is_present() && meta.flags().contains(STAGED)
    };
    if !holds(b.table.lock(job.index)?.get()) {
        stats::add(&s.dropped_stale, 1);
        return Ok(());
    }
    b.staging
        .copy_out(job.ticket, &mut ReqBuf::from_slice(scratch))?;
    let (handle, f) = b.store_page(scratch, job.decision, now_s())?;
    let slot = b.table.lock(job.index)?;
    let (ticket, old) = slot.get();
    if !holds((ticket, old)) {
        drop(slot);
        if !f.flags.contains(PageFlags::SAME) {
            // SAFETY: stored just now for this job and never installed.
            unsafe { b.discard_object(handle) };
        }
        stats::add(&s.dropped_stale, 1);
        return Ok(());
    }
    // Keep what happened to the page while it was staged: its age, and an idle mark.
    let was = old.features();
    let mut f = PageFeatures {
        last_access_s: was.last_access_s,
        ..f
    };
    if was.flags.contains(PageFlags::IDLE) {
        f = f.marked_idle();
    }
    let meta = Meta::present(&f);
    slot.set(handle, meta);
    drop(slot);
    b.account(meta, true);
    b.account(old, false);
    stats::add(&s.completed, 1);
    Ok(())
}
