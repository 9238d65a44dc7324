// SPDX-License-Identifier: GPL-2.0

//! The only place that touches C: the glue in `shim.c`, the compression wrappers in
//! `backends.c`, zsmalloc, and the functions C calls back into Rust. Everything it exports to the
//! rest of the crate is safe.

use core::ffi::c_void;

use core::ptr::NonNull;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong};

use kernel::prelude::*;
use kernel::str::CStr;

use crate::device::Device;
use crate::reqbuf::ReqBuf;

mod raw {
    use super::*;

    extern "C" {
        pub(super) fn zmc_shim_init() -> c_int;
        pub(super) fn zmc_shim_exit();
        pub(super) fn zmc_shim_nr_cpus() -> c_uint;
        pub(super) fn zmc_shim_now_ns() -> u64;
        pub(super) fn zmc_shim_zs_malloc(pool: *mut c_void, size: usize, direct: bool) -> c_ulong;
        pub(super) fn zmc_shim_zs_handle_ok(handle: c_ulong) -> bool;
        pub(super) fn zmc_shim_zs_map(pool: *mut c_void, handle: c_ulong, write: bool) -> *mut u8;
        pub(super) fn zmc_shim_zs_unmap(pool: *mut c_void, handle: c_ulong);
        pub(super) fn zmc_shim_zs_pages_compacted(pool: *mut c_void) -> u64;
        pub(super) fn zmc_shim_thread_run(
            f: unsafe extern "C" fn(*mut c_void) -> c_int,
            data: *mut c_void,
            id: c_int,
            n: c_uint,
        ) -> *mut c_void;
        pub(super) fn zmc_shim_thread_stop(task: *mut c_void) -> c_int;
        pub(super) fn zmc_shim_warn(what: *const c_char);
        pub(super) fn zmc_shim_thread_cpu_ns() -> u64;
        pub(super) fn zmc_shim_cond_resched();
        pub(super) fn zmc_shim_set_nice(nice: c_int);
        pub(super) fn zmc_shim_msecs_to_jiffies(ms: c_uint) -> c_ulong;
        pub(super) fn zmc_shim_available_pages() -> u64;
        pub(super) fn zmc_shim_total_pages() -> u64;

        pub(super) fn zs_create_pool(name: *const c_char) -> *mut c_void;
        pub(super) fn zs_destroy_pool(pool: *mut c_void);
        pub(super) fn zs_free(pool: *mut c_void, handle: c_ulong);
        pub(super) fn zs_get_total_pages(pool: *mut c_void) -> c_ulong;
        pub(super) fn zs_compact(pool: *mut c_void) -> c_ulong;
        pub(super) fn zs_huge_class_size(pool: *mut c_void) -> usize;

        pub(super) fn zmc_lz4_create(hc: bool) -> *mut c_void;
        pub(super) fn zmc_lz4_destroy(ctx: *mut c_void);
        pub(super) fn zmc_lz4_compress(
            ctx: *mut c_void,
            hc: bool,
            level: c_int,
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dcap: c_uint,
        ) -> c_int;
        pub(super) fn zmc_lz4_decompress(
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dlen: c_uint,
        ) -> c_int;
        pub(super) fn zmc_zstd_create(level: c_int) -> *mut c_void;
        pub(super) fn zmc_zstd_destroy(ctx: *mut c_void);
        pub(super) fn zmc_zstd_compress(
            ctx: *mut c_void,
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dcap: c_uint,
        ) -> c_int;
        pub(super) fn zmc_zstd_decompress(
            ctx: *mut c_void,
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dlen: c_uint,
        ) -> c_int;
        pub(super) fn zmc_deflate_create(level: c_int) -> *mut c_void;
        pub(super) fn zmc_deflate_destroy(ctx: *mut c_void);
        pub(super) fn zmc_deflate_compress(
            ctx: *mut c_void,
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dcap: c_uint,
        ) -> c_int;
        pub(super) fn zmc_deflate_decompress(
            ctx: *mut c_void,
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dlen: c_uint,
        ) -> c_int;
    }
}

/// Registers the block major and the control class and creates the first devices.
pub(crate) fn shim_init() -> Result {
    // SAFETY: called once from module init, before any device exists.
    to_result(unsafe { raw::zmc_shim_init() })
}

/// Removes every device and unregisters what `shim_init` registered.
pub(crate) fn shim_exit() {
    // SAFETY: called once from module exit, after a successful `shim_init`.
    unsafe { raw::zmc_shim_exit() }
}

/// Online CPUs, at least 1.
pub(crate) fn nr_cpus() -> usize {
    // SAFETY: reads a global counter; no preconditions.
    let n = unsafe { raw::zmc_shim_nr_cpus() };
    (n as usize).max(1)
}

/// Boot time in nanoseconds (it counts suspend, as zram's idle tracking does).
pub(crate) fn now_ns() -> u64 {
    // SAFETY: reads the clock; no preconditions.
    unsafe { raw::zmc_shim_now_ns() }
}

/// Gives the CPU away if something else should run (long walks of the slot table).
pub(crate) fn cond_resched() {
    // SAFETY: called from process context with no spinlock held (callers drop slot locks first).
    unsafe { raw::zmc_shim_cond_resched() }
}

/// Sets the calling thread's nice value (clamped to -20..=19). Only for the device's own
/// threads.
pub(crate) fn set_nice(nice: i32) {
    // SAFETY: changes the calling task's own priority; process context, no lock held.
    unsafe { raw::zmc_shim_set_nice(nice) };
}

/// The calling thread's CPU time in ns, as the scheduler counts it (exact as of the thread's
/// last switch or tick: read it after a sleep to count the work before the sleep exactly).
pub(crate) fn thread_cpu_ns() -> u64 {
    // SAFETY: reads the calling task's own counter; no preconditions.
    unsafe { raw::zmc_shim_thread_cpu_ns() }
}

/// Reports a broken invariant once per boot (a `WARN_ONCE` naming `what`).
pub(crate) fn warn(what: &CStr) {
    // SAFETY: `what` is a NUL-terminated string that outlives the call.
    unsafe { raw::zmc_shim_warn(what.as_char_ptr()) }
}

/// `ms` milliseconds in jiffies.
pub(crate) fn msecs_to_jiffies(ms: u32) -> kernel::time::Jiffies {
    // SAFETY: pure arithmetic on the value.
    unsafe { raw::zmc_shim_msecs_to_jiffies(ms) }
}

/// Pages the system could still hand out without swapping (`si_mem_available`).
pub(crate) fn available_pages() -> u64 {
    // SAFETY: reads global counters; no preconditions.
    unsafe { raw::zmc_shim_available_pages() }
}

/// RAM pages the system manages.
pub(crate) fn total_ram_pages() -> u64 {
    // SAFETY: reads a global counter; no preconditions.
    unsafe { raw::zmc_shim_total_pages() }
}

/// A kernel thread running a closure. [`Thread::stop`] waits until the closure has returned,
/// so the thread never outlives what the closure holds, nor the module's code.
pub(crate) struct Thread {
    task: NonNull<c_void>,
    /// The boxed closure, and how to drop it if the thread never ran it.
    data: *mut c_void,
    drop_unrun: unsafe fn(*mut c_void),
}

// SAFETY: the handle only names the task; stopping it from another thread is what it is for.
unsafe impl Send for Thread {}
// SAFETY: `stop` consumes the handle; nothing else touches the task through `&self`.
unsafe impl Sync for Thread {}

impl Thread {
    /// Starts the thread `zmc<id>-<n>` running `f`. The closure must return soon once told to
    /// stop by its own means (a flag and a wake-up); `stop` then collects it.
    pub(crate) fn spawn<F: FnOnce() + Send + 'static>(id: i32, n: usize, f: F) -> Result<Self> {
        /// # Safety
        ///
        /// `data` comes from `KBox::into_raw` of an `F`, and is passed here exactly once.
        unsafe extern "C" fn run<F: FnOnce()>(data: *mut c_void) -> c_int {
            // SAFETY: by the function's contract.
            let f = unsafe { KBox::from_raw(data.cast::<F>()) };
            (KBox::into_inner(f))();
            0
        }
        /// # Safety
        ///
        /// As for `run`, when `run` never ran.
        unsafe fn drop_unrun<F>(data: *mut c_void) {
            // SAFETY: by the function's contract.
            drop(unsafe { KBox::from_raw(data.cast::<F>()) });
        }
        let data = KBox::into_raw(KBox::new(f, GFP_KERNEL)?).cast::<c_void>();
        let n = c_uint::try_from(n).unwrap_or(c_uint::MAX);
        // SAFETY: `run::<F>` takes ownership of `data` when the thread starts.
        let task = unsafe { raw::zmc_shim_thread_run(run::<F>, data, id, n) };
        match NonNull::new(task) {
            Some(task) => Ok(Self {
                task,
                data,
                drop_unrun: drop_unrun::<F>,
            }),
            None => {
                // SAFETY: no thread was created, so `data` is still ours.
                unsafe { drop_unrun::<F>(data) };
                Err(ENOMEM)
            }
        }
    }

    /// Waits until the thread has returned.
    pub(crate) fn stop(self) {
        // SAFETY: `task` came from `zmc_shim_thread_run` and is stopped only here, once.
        let ret = unsafe { raw::zmc_shim_thread_stop(self.task.as_ptr()) };
        if ret == EINTR.to_errno() {
            // Stopped before it ran: the closure is still boxed.
            // SAFETY: the thread never called `run`, which alone takes `data`.
            unsafe { (self.drop_unrun)(self.data) };
        }
    }
}

fn to_result(ret: c_int) -> Result {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(())
    }
}

fn len_result(ret: c_int) -> Result<usize> {
    if ret < 0 {
        Err(Error::from_errno(ret))
    } else {
        Ok(ret as usize)
    }
}

fn c_len(len: usize) -> Result<c_uint> {
    c_uint::try_from(len).map_err(|_| EINVAL)
}

/// How far an allocation may go to find memory.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Reclaim {
    /// Wake kswapd, never reclaim directly, fail without a warning: for a store that holds a
    /// compression stream, and for recompression (which is optional work).
    Kswapd,
    /// Reclaim directly, without I/O: a swap-out store that holds nothing.
    Direct,
}

/// A zsmalloc pool: where compressed objects live.
pub(crate) struct ZsPool(NonNull<c_void>);

// SAFETY: zsmalloc pools are internally synchronised and may be used from any thread.
unsafe impl Send for ZsPool {}
// SAFETY: as above; every method takes `&self` and zsmalloc locks internally.
unsafe impl Sync for ZsPool {}

impl ZsPool {
    /// Creates a pool named `name` (zsmalloc keeps its own copy of the name).
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is a valid NUL-terminated string for the duration of the call.
        let pool = unsafe { raw::zs_create_pool(name.as_char_ptr()) };
        NonNull::new(pool).map(Self).ok_or(ENOMEM)
    }

    /// Allocates an object of `size` bytes.
    pub(crate) fn alloc(&self, size: usize, reclaim: Reclaim) -> Result<u64> {
        let direct = reclaim == Reclaim::Direct;
        // SAFETY: the pool is live for as long as `self`.
        let handle = unsafe { raw::zmc_shim_zs_malloc(self.0.as_ptr(), size, direct) };
        // SAFETY: only inspects the value.
        if unsafe { raw::zmc_shim_zs_handle_ok(handle) } {
            Ok(handle as u64)
        } else {
            Err(ENOMEM)
        }
    }

    /// Frees an object returned by `alloc`.
    ///
    /// # Safety
    ///
    /// `handle` came from [`ZsPool::alloc`] on this pool, is not freed yet, and nobody uses it
    /// after this call (the slot table gives every handle exactly one owner).
    pub(crate) unsafe fn free(&self, handle: u64) {
        // SAFETY: by the function's contract.
        unsafe { raw::zs_free(self.0.as_ptr(), handle as c_ulong) }
    }

    /// Copies `data` into the object `handle`.
    ///
    /// # Safety
    ///
    /// `handle` is a live object of this pool, allocated with `data.len()` bytes, that no one
    /// else reads or writes meanwhile.
    pub(crate) unsafe fn write(&self, handle: u64, data: &[u8]) {
        // SAFETY: by the contract the object holds `data.len()` bytes; the mapping is valid
        // until the unmap below, and nothing in between sleeps.
        unsafe {
            let dst = raw::zmc_shim_zs_map(self.0.as_ptr(), handle as c_ulong, true);
            core::ptr::copy_nonoverlapping(data.as_ptr(), dst, data.len());
            raw::zmc_shim_zs_unmap(self.0.as_ptr(), handle as c_ulong);
        }
    }

    /// Maps the object `handle` of `len` bytes read-only and passes it to `f`, which must not
    /// sleep (the mapping is per-CPU).
    ///
    /// # Safety
    ///
    /// `handle` is a live object of this pool of `len` bytes, and cannot be freed before this
    /// returns (the caller holds its slot's lock).
    pub(crate) unsafe fn read<R>(&self, handle: u64, len: usize, f: impl FnOnce(&[u8]) -> R) -> R {
        // SAFETY: by the contract; the slice lives only until the unmap.
        unsafe {
            let src = raw::zmc_shim_zs_map(self.0.as_ptr(), handle as c_ulong, false);
            let ret = f(core::slice::from_raw_parts(src, len));
            raw::zmc_shim_zs_unmap(self.0.as_ptr(), handle as c_ulong);
            ret
        }
    }

    /// Pages the pool holds.
    pub(crate) fn total_pages(&self) -> u64 {
        // SAFETY: the pool is live.
        unsafe { raw::zs_get_total_pages(self.0.as_ptr()) as u64 }
    }

    /// Compacts the pool; returns the pages freed.
    pub(crate) fn compact(&self) -> u64 {
        // SAFETY: the pool is live.
        unsafe { raw::zs_compact(self.0.as_ptr()) as u64 }
    }

    /// Pages freed by compaction so far.
    pub(crate) fn pages_compacted(&self) -> u64 {
        // SAFETY: the pool is live.
        unsafe { raw::zmc_shim_zs_pages_compacted(self.0.as_ptr()) }
    }

    /// Objects of this size or larger take a whole zspage class of their own ("huge").
    pub(crate) fn huge_class_size(&self) -> usize {
        // SAFETY: the pool is live.
        unsafe { raw::zs_huge_class_size(self.0.as_ptr()) }
    }
}

impl Drop for ZsPool {
    fn drop(&mut self) {
        // SAFETY: the pool is live and every object was freed by the slot table's drop.
        unsafe { raw::zs_destroy_pool(self.0.as_ptr()) }
    }
}

/// Which C compression context a [`Codec`] wraps.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum CodecKind {
    Lz4,
    Lz4hc,
    Zstd,
    Deflate,
}

/// A compression context from `backends.c`: workspaces for one algorithm at one level.
pub(crate) struct Codec {
    kind: CodecKind,
    level: c_int,
    ctx: NonNull<c_void>,
}

// SAFETY: a context is plain memory owned by this value; it is used by one thread at a time
// (streams hand out `&mut`).
unsafe impl Send for Codec {}

impl Codec {
    /// Allocates the workspaces of `kind` at `level`.
    pub(crate) fn new(kind: CodecKind, level: i32) -> Result<Self> {
        // SAFETY: the constructors only allocate; they return NULL on failure.
        let ctx = unsafe {
            match kind {
                CodecKind::Lz4 => raw::zmc_lz4_create(false),
                CodecKind::Lz4hc => raw::zmc_lz4_create(true),
                CodecKind::Zstd => raw::zmc_zstd_create(level),
                CodecKind::Deflate => raw::zmc_deflate_create(level),
            }
        };
        let ctx = NonNull::new(ctx).ok_or(ENOMEM)?;
        Ok(Self { kind, level, ctx })
    }

    /// Compresses `src` into `dst`; returns the compressed length, or `ENOSPC` if it does not
    /// fit.
    pub(crate) fn compress(&mut self, src: &[u8], dst: &mut [u8]) -> Result<usize> {
        let (slen, dcap) = (c_len(src.len())?, c_len(dst.len())?);
        let ctx = self.ctx.as_ptr();
        let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
        // SAFETY: `ctx` is this codec's live context, used only through `&mut self`; the source
        // and destination pointers and lengths come from live slices.
        let ret = unsafe {
            match self.kind {
                CodecKind::Lz4 => raw::zmc_lz4_compress(ctx, false, self.level, s, slen, d, dcap),
                CodecKind::Lz4hc => raw::zmc_lz4_compress(ctx, true, self.level, s, slen, d, dcap),
                CodecKind::Zstd => raw::zmc_zstd_compress(ctx, s, slen, d, dcap),
                CodecKind::Deflate => raw::zmc_deflate_compress(ctx, s, slen, d, dcap),
            }
        };
        let len = len_result(ret)?;
        if len > dst.len() {
            return Err(EINVAL);
        }
        Ok(len)
    }

    /// Decompresses `src` into all of `dst`; any other outcome is an error.
    pub(crate) fn decompress(&mut self, src: &[u8], dst: &mut ReqBuf<'_>) -> Result {
        let (slen, dlen) = (c_len(src.len())?, c_len(dst.len())?);
        let ctx = self.ctx.as_ptr();
        let (s, d) = (src.as_ptr(), dst.as_mut_ptr());
        // SAFETY: as in `compress`, with `dst` valid for `dlen` bytes while borrowed here; the
        // decompressors write at most `dlen` bytes and never read `dst` through Rust.
        let ret = unsafe {
            match self.kind {
                CodecKind::Lz4 | CodecKind::Lz4hc => raw::zmc_lz4_decompress(s, slen, d, dlen),
                CodecKind::Zstd => raw::zmc_zstd_decompress(ctx, s, slen, d, dlen),
                CodecKind::Deflate => raw::zmc_deflate_decompress(ctx, s, slen, d, dlen),
            }
        };
        to_result(ret)
    }
}

impl Drop for Codec {
    fn drop(&mut self) {
        // SAFETY: the context is live and owned by this value.
        unsafe {
            match self.kind {
                CodecKind::Lz4 | CodecKind::Lz4hc => raw::zmc_lz4_destroy(self.ctx.as_ptr()),
                CodecKind::Zstd => raw::zmc_zstd_destroy(self.ctx.as_ptr()),
                CodecKind::Deflate => raw::zmc_deflate_destroy(self.ctx.as_ptr()),
            }
        }
    }
}

// ---- Called from C (shim.c) ----

/// Recovers the device behind the pointer C holds.
///
/// # Safety
///
/// `rs` must come from `zmc_rs_dev_new` and not yet be passed to `zmc_rs_dev_free`.
unsafe fn dev<'a>(rs: *mut c_void) -> &'a Device {
    // SAFETY: by the function's contract, `rs` points to a live `Device`.
    unsafe { &*rs.cast::<Device>() }
}

#[no_mangle]
extern "C" fn zmc_rs_dev_new(id: c_int) -> *mut c_void {
    match Device::new(id) {
        // SAFETY: the device is never moved out of its box: C only keeps the pointer, and
        // `zmc_rs_dev_free` drops it in place.
        Ok(dev) => KBox::into_raw(unsafe { Pin::into_inner_unchecked(dev) }).cast(),
        Err(_) => core::ptr::null_mut(),
    }
}

/// # Safety
///
/// `rs` comes from `zmc_rs_dev_new`; C calls this once, after the disk is gone.
#[no_mangle]
unsafe extern "C" fn zmc_rs_dev_free(rs: *mut c_void) {
    // SAFETY: by the contract, `rs` is the pointer `zmc_rs_dev_new` made from a `KBox`, and
    // nothing uses it any more.
    drop(unsafe { KBox::from_raw(rs.cast::<Device>()) });
}

/// # Safety
///
/// `rs` is a live device; `attr` is the attribute's NUL-terminated name; `buf` is sysfs's
/// PAGE_SIZE buffer.
#[no_mangle]
unsafe extern "C" fn zmc_rs_show(rs: *mut c_void, attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: sysfs hands `show` a writable buffer of PAGE_SIZE bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    // SAFETY: C passes the attribute's name, a static NUL-terminated string.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: by the contract, `rs` is live.
    match unsafe { dev(rs) }.show(name.as_bytes(), out) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// `rs` is a live device; `attr` is the attribute's NUL-terminated name; `buf` holds `len`
/// bytes written by user space.
#[no_mangle]
unsafe extern "C" fn zmc_rs_store(
    rs: *mut c_void,
    attr: *const c_char,
    buf: *const u8,
    len: usize,
) -> isize {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    // SAFETY: C passes the attribute's name, a static NUL-terminated string.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: by the contract, `rs` is live.
    match unsafe { dev(rs) }.store(name.as_bytes(), input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// `rs` is a live device.
#[no_mangle]
unsafe extern "C" fn zmc_rs_disksize(rs: *mut c_void) -> u64 {
    // SAFETY: by the contract, `rs` is live.
    unsafe { dev(rs) }.disksize()
}

/// # Safety
///
/// `rs` is a live device with no I/O in flight (C claimed it and synced it).
#[no_mangle]
unsafe extern "C" fn zmc_rs_reset(rs: *mut c_void) {
    // SAFETY: by the contract, `rs` is live.
    unsafe { dev(rs) }.reset()
}

/// # Safety
///
/// `rs` is a live device; `buf` is a kernel mapping of `len` bytes of the request's page.
#[no_mangle]
unsafe extern "C" fn zmc_rs_rw(
    rs: *mut c_void,
    write: bool,
    sector: u64,
    buf: *mut u8,
    len: u32,
) -> c_int {
    // SAFETY: the segment's page is mapped for `len` bytes and stays so until the request
    // completes, which is after this call returns. User space may write it meanwhile (O_DIRECT):
    // `ReqBuf` only copies from and to it.
    let Some(mut data) = (unsafe { ReqBuf::from_raw(buf, len as usize) }) else {
        return EIO.to_errno();
    };
    // SAFETY: by the contract, `rs` is live.
    let dev = unsafe { dev(rs) };
    let ret = if write {
        dev.write(sector, &mut data)
    } else {
        dev.read(sector, &mut data)
    };
    match ret {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `rs` is a live device.
#[no_mangle]
unsafe extern "C" fn zmc_rs_discard(rs: *mut c_void, sector: u64, nr_sectors: u64) -> c_int {
    // SAFETY: by the contract, `rs` is live.
    match unsafe { dev(rs) }.discard(sector, nr_sectors) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `rs` is a live device. Called under the swap device's spinlock: must not sleep.
#[no_mangle]
unsafe extern "C" fn zmc_rs_slot_free_notify(rs: *mut c_void, index: c_ulong) {
    // SAFETY: by the contract, `rs` is live.
    unsafe { dev(rs) }.slot_free_notify(index as u64)
}
