// SPDX-License-Identifier: GPL-2.0

//! The only place that touches C: the glue declared in `shim.h` (lz4, zsmalloc, the module's
//! C parts) and the functions C calls back into Rust. Everything it gives the rest of the
//! crate is safe: an owned zsmalloc pool and handles that `free` consumes.

use core::ffi::c_void;
use core::ptr::NonNull;

use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_uint, c_ulong};
use kernel::page::PAGE_SIZE;
use kernel::prelude::*;
use kernel::str::{CStr, CString};

use crate::cache::Cache;
use crate::policy::params::{parse_attach, parse_detach};
use crate::policy::{LogKey, Run};

mod raw {
    use super::*;

    extern "C" {
        pub(super) fn zc_disk_init() -> c_int;
        pub(super) fn zc_disk_exit();
        pub(super) fn zc_sysfs_init() -> c_int;
        pub(super) fn zc_sysfs_exit();
        pub(super) fn zc_detach_all();
        pub(super) fn zc_lz4_wrkmem_size() -> c_uint;
        pub(super) fn zc_lz4_compress(
            src: *const u8,
            slen: c_uint,
            dst: *mut u8,
            dcap: c_uint,
            wrk: *mut u8,
        ) -> c_int;
        pub(super) fn zc_attach(path: *const c_char) -> c_int;
        pub(super) fn zc_detach(id: c_int) -> c_int;
        pub(super) fn zc_zs_create(name: *const c_char) -> *mut c_void;
        pub(super) fn zc_zs_destroy(pool: *mut c_void);
        pub(super) fn zc_zs_store(pool: *mut c_void, src: *const u8, len: usize) -> c_ulong;
        pub(super) fn zc_zs_load(
            pool: *mut c_void,
            handle: c_ulong,
            len: usize,
            dst: *mut u8,
        ) -> c_int;
        pub(super) fn zc_zs_free(pool: *mut c_void, handle: c_ulong);
        pub(super) fn zc_zs_pages(pool: *mut c_void) -> u64;
        pub(super) fn zc_total_pages() -> u64;
        pub(super) fn zc_online_cpus() -> c_uint;
    }
}

/// Sets up the C parts: the block major, `/sys/kernel/zcache`.
pub(crate) fn module_init() -> Result {
    // SAFETY: called once from module init.
    to_result(unsafe { raw::zc_disk_init() })?;
    // SAFETY: as above.
    if let Err(e) = to_result(unsafe { raw::zc_sysfs_init() }) {
        // SAFETY: undoes `zc_disk_init`, which succeeded; no disk exists yet.
        unsafe { raw::zc_disk_exit() };
        return Err(e);
    }
    Ok(())
}

/// Tears down every disk and what `module_init` set up.
pub(crate) fn module_exit() {
    // SAFETY: called once from module exit after a successful `module_init`: the control
    // files go first (no attach can race), then the disks (none is open: each opener holds
    // the module), then the major.
    unsafe {
        raw::zc_sysfs_exit();
        raw::zc_detach_all();
        raw::zc_disk_exit();
    }
}

/// CPUs online, at least 1.
pub(crate) fn online_cpus() -> usize {
    // SAFETY: reads a global counter.
    (unsafe { raw::zc_online_cpus() } as usize).max(1)
}

/// RAM in pages.
pub(crate) fn total_pages() -> u64 {
    // SAFETY: reads a global counter.
    unsafe { raw::zc_total_pages() }
}

/// Bytes of a work area for [`compress`].
pub(crate) fn wrkmem_size() -> usize {
    // SAFETY: returns a constant.
    unsafe { raw::zc_lz4_wrkmem_size() as usize }
}

/// `src` compressed with lz4 into `dst`, using `wrk` (at least [`wrkmem_size`] bytes);
/// `None` when it does not fit. Any context: it neither sleeps nor allocates.
pub(crate) fn compress(src: &[u8], dst: &mut [u8], wrk: &mut [u8]) -> Option<usize> {
    let slen = c_uint::try_from(src.len()).ok()?;
    let dcap = c_uint::try_from(dst.len()).ok()?;
    if wrk.len() < wrkmem_size() {
        return None;
    }
    // SAFETY: the three slices are valid for their lengths, `wrk` large enough, all ours.
    let n = unsafe {
        raw::zc_lz4_compress(src.as_ptr(), slen, dst.as_mut_ptr(), dcap, wrk.as_mut_ptr())
    };
    usize::try_from(n).ok().filter(|&n| n > 0 && n <= dst.len())
}

/// A zsmalloc pool, destroyed on drop (after every handle was freed).
pub(crate) struct ZsPool(NonNull<c_void>);

// SAFETY: zsmalloc pools lock internally; the pointer is usable from any thread.
unsafe impl Send for ZsPool {}
// SAFETY: as above.
unsafe impl Sync for ZsPool {}

/// An object in a [`ZsPool`]; [`ZsPool::free`] consumes it.
pub(crate) struct ZsHandle(c_ulong);

impl ZsPool {
    pub(crate) fn new(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated; zsmalloc copies it.
        let p = unsafe { raw::zc_zs_create(name.as_char_ptr()) };
        NonNull::new(p).map(Self).ok_or(ENOMEM)
    }

    /// A copy of `data` (at most a page) in the pool; `None` when there is no memory.
    pub(crate) fn store(&self, data: &[u8]) -> Option<ZsHandle> {
        if data.is_empty() || data.len() > PAGE_SIZE {
            return None;
        }
        // SAFETY: the pool is live; `data` is valid for its length.
        let h = unsafe { raw::zc_zs_store(self.0.as_ptr(), data.as_ptr(), data.len()) };
        (h != 0).then_some(ZsHandle(h))
    }

    /// The page stored under `h` (`len` bytes: raw when a whole page, else lz4) into `dst`.
    pub(crate) fn load(&self, h: &ZsHandle, len: usize, dst: &mut [u8]) -> Result {
        if dst.len() != PAGE_SIZE || len == 0 || len > PAGE_SIZE {
            return Err(EINVAL);
        }
        // SAFETY: the handle is live in this pool (handles are freed only through `free`,
        // which consumes them); `dst` holds a page.
        to_result(unsafe { raw::zc_zs_load(self.0.as_ptr(), h.0, len, dst.as_mut_ptr()) })
    }

    pub(crate) fn free(&self, h: ZsHandle) {
        // SAFETY: the handle came from this pool and is consumed here, so freed once.
        unsafe { raw::zc_zs_free(self.0.as_ptr(), h.0) }
    }

    /// Pages the pool holds.
    pub(crate) fn pages(&self) -> u64 {
        // SAFETY: the pool is live.
        unsafe { raw::zc_zs_pages(self.0.as_ptr()) }
    }
}

impl Drop for ZsPool {
    fn drop(&mut self) {
        // SAFETY: the pool is live and owned; the cache freed every handle before.
        unsafe { raw::zc_zs_destroy(self.0.as_ptr()) }
    }
}

// ---- Called from C ----

/// # Safety
///
/// `buf` holds `len` bytes written by user space.
#[no_mangle]
unsafe extern "C" fn zc_rs_attach(buf: *const u8, len: usize) -> c_int {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    let path = match core::str::from_utf8(input)
        .map_err(|_| "text")
        .and_then(parse_attach)
    {
        Ok(p) => p,
        Err(expected) => {
            pr_err!("attach: expected {}\n", expected);
            return EINVAL.to_errno();
        }
    };
    let Ok(path) = CString::try_from_fmt(format_args!("{}", path)) else {
        return ENOMEM.to_errno();
    };
    // SAFETY: a NUL-terminated path; process context (a sysfs write).
    unsafe { raw::zc_attach(path.as_char_ptr()) }
}

/// # Safety
///
/// As for `zc_rs_attach`.
#[no_mangle]
unsafe extern "C" fn zc_rs_detach(buf: *const u8, len: usize) -> c_int {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    let id = match core::str::from_utf8(input)
        .map_err(|_| "text")
        .and_then(parse_detach)
    {
        Ok(id) => id,
        Err(expected) => {
            pr_err!("detach: expected {}\n", expected);
            return EINVAL.to_errno();
        }
    };
    let Ok(id) = c_int::try_from(id) else {
        return EINVAL.to_errno();
    };
    // SAFETY: process context (a sysfs write).
    unsafe { raw::zc_detach(id) }
}

/// # Safety
///
/// `rs` is a cache made by `zc_rs_new` and not yet given to `zc_rs_free`.
unsafe fn cache<'a>(rs: *mut c_void) -> &'a Cache {
    // SAFETY: by the function's contract.
    unsafe { &*rs.cast::<Cache>() }
}

/// # Safety
///
/// `p` is NULL or a mapped page (PAGE_SIZE bytes) that stays mapped for `'a`.
unsafe fn page<'a>(p: *const c_void) -> Option<&'a [u8]> {
    let p = NonNull::new(p.cast_mut())?;
    // SAFETY: by the function's contract, a mapped page.
    Some(unsafe { core::slice::from_raw_parts(p.as_ptr().cast::<u8>(), PAGE_SIZE) })
}

fn key(mapping: *const c_void, index: u64) -> Option<LogKey> {
    (!mapping.is_null()).then_some(LogKey {
        space: mapping as usize as u64,
        pos: index,
    })
}

/// # Safety
///
/// `name` and `lower` are NUL-terminated strings.
#[no_mangle]
unsafe extern "C" fn zc_rs_new(
    name: *const c_char,
    lower: *const c_char,
    tracepoint: bool,
    staging: c_uint,
    workers: c_uint,
) -> *mut c_void {
    // SAFETY: by the function's contract.
    let (name, lower) = unsafe { (CStr::from_char_ptr(name), CStr::from_char_ptr(lower)) };
    match Cache::new(name, lower, tracepoint, staging as usize, workers as usize) {
        Ok(c) => {
            // SAFETY: the box is given to C, which hands it back to `zc_rs_free` only; the
            // cache never moves meanwhile.
            let raw = KBox::into_raw(unsafe { Pin::into_inner_unchecked(c) });
            raw.cast()
        }
        Err(e) => {
            pr_err!("{}: not attached: error {}\n", name, e.to_errno());
            core::ptr::null_mut()
        }
    }
}

/// # Safety
///
/// `rs` came from `zc_rs_new`; nothing (probe, workers, shrinker, bio, sysfs) uses it any more.
#[no_mangle]
unsafe extern "C" fn zc_rs_free(rs: *mut c_void) {
    // SAFETY: by the function's contract, this is the box `zc_rs_new` leaked.
    drop(unsafe { KBox::from_raw(rs.cast::<Cache>()) });
}

/// # Safety
///
/// As for `cache`.
#[no_mangle]
unsafe extern "C" fn zc_rs_no_tracepoint(rs: *mut c_void) {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.set_no_tracepoint()
}

/// # Safety
///
/// As for `cache`.
#[no_mangle]
unsafe extern "C" fn zc_rs_read_seq(rs: *mut c_void) -> u64 {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.read_seq()
}

/// # Safety
///
/// As for `cache`; `hit` is writable.
#[no_mangle]
unsafe extern "C" fn zc_rs_run(rs: *mut c_void, sector: u64, nr: u64, hit: *mut bool) -> u64 {
    // SAFETY: by the contract.
    let (h, n) = match unsafe { cache(rs) }.run(sector, nr) {
        Run::Hit(n) => (true, n),
        Run::Miss(n) => (false, n),
    };
    // SAFETY: by the contract.
    unsafe { *hit = h };
    n
}

/// # Safety
///
/// As for `cache`; `dst` is a mapped page the caller's bio owns; `mapping` is NULL or the
/// page's mapping (compared, never dereferenced).
#[no_mangle]
unsafe extern "C" fn zc_rs_fill(
    rs: *mut c_void,
    sector: u64,
    dst: *mut c_void,
    mapping: *const c_void,
    index: u64,
    seq: u64,
) -> c_int {
    if dst.is_null() {
        return EINVAL.to_errno();
    }
    // SAFETY: by the contract, `dst` is a page only this call writes.
    let dst = unsafe { core::slice::from_raw_parts_mut(dst.cast::<u8>(), PAGE_SIZE) };
    // SAFETY: by the contract.
    match unsafe { cache(rs) }.fill(sector, dst, key(mapping, index), seq) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// As for `cache`.
#[no_mangle]
unsafe extern "C" fn zc_rs_recording(rs: *mut c_void) -> bool {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.recording()
}

/// # Safety
///
/// As for `cache`; `data` is a mapped page just read (its bio not yet ended); `mapping` as
/// for `zc_rs_fill`. Any context.
#[no_mangle]
unsafe extern "C" fn zc_rs_read_done(
    rs: *mut c_void,
    sector: u64,
    data: *const c_void,
    mapping: *const c_void,
    index: u64,
    seq: u64,
) -> bool {
    // SAFETY: by the contract.
    let Some(data) = (unsafe { page(data) }) else {
        return false;
    };
    // SAFETY: by the contract.
    unsafe { cache(rs) }.read_done(sector, data, key(mapping, index), seq)
}

/// # Safety
///
/// As for `cache`. Process context.
#[no_mangle]
unsafe extern "C" fn zc_rs_write_begin(rs: *mut c_void, sector: u64, nr: u64) {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.write_begin(sector, nr)
}

/// # Safety
///
/// As for `cache`. Any context.
#[no_mangle]
unsafe extern "C" fn zc_rs_write_end(rs: *mut c_void, sector: u64, nr: u64) {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.write_end(sector, nr)
}

/// # Safety
///
/// As for `cache`; `mapping` is the evicted folio's (compared, never dereferenced); `src` is
/// NULL or its page, mapped, with the folio locked. Interrupts off.
#[no_mangle]
unsafe extern "C" fn zc_rs_evict(
    rs: *mut c_void,
    mapping: *const c_void,
    index: u64,
    reclaim: bool,
    cacheable: bool,
    src: *const c_void,
) -> bool {
    let Some(k) = key(mapping, index) else {
        return false;
    };
    // SAFETY: by the contract.
    let src = unsafe { page(src) };
    // SAFETY: by the contract.
    unsafe { cache(rs) }.evict(k, reclaim, cacheable, src)
}

/// # Safety
///
/// As for `cache`.
#[no_mangle]
unsafe extern "C" fn zc_rs_has_work(rs: *mut c_void) -> bool {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.has_work()
}

/// # Safety
///
/// As for `cache`; called by worker `id` of the cache's pool only. Process context.
#[no_mangle]
unsafe extern "C" fn zc_rs_work(rs: *mut c_void, id: c_uint) {
    // SAFETY: by the contract.
    unsafe { cache(rs) }.work(id as usize)
}

/// # Safety
///
/// As for `cache`.
#[no_mangle]
unsafe extern "C" fn zc_rs_count(rs: *mut c_void) -> c_ulong {
    // SAFETY: by the contract.
    let n = unsafe { cache(rs) }.count();
    c_ulong::try_from(n).unwrap_or(c_ulong::MAX)
}

/// # Safety
///
/// As for `cache`. Process context (the shrinker).
#[no_mangle]
unsafe extern "C" fn zc_rs_scan(rs: *mut c_void, nr: c_ulong) -> c_ulong {
    // SAFETY: by the contract.
    let n = unsafe { cache(rs) }.scan(u64::try_from(nr).unwrap_or(u64::MAX));
    c_ulong::try_from(n).unwrap_or(c_ulong::MAX)
}

/// # Safety
///
/// As for `cache`; `attr` is the attribute's NUL-terminated name; `buf` is sysfs's PAGE_SIZE
/// buffer.
#[no_mangle]
unsafe extern "C" fn zc_rs_show(rs: *mut c_void, attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: sysfs hands `show` a writable buffer of PAGE_SIZE bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, PAGE_SIZE) };
    // SAFETY: C passes the attribute's name, a static NUL-terminated string.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: by the contract.
    match unsafe { cache(rs) }.show(name.as_bytes(), out) {
        Ok(n) => n as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// As for `cache`; `attr` as for `zc_rs_show`; `buf` holds `len` bytes written by user space.
#[no_mangle]
unsafe extern "C" fn zc_rs_store(
    rs: *mut c_void,
    attr: *const c_char,
    buf: *const u8,
    len: usize,
) -> isize {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    // SAFETY: C passes the attribute's name, a static NUL-terminated string.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: by the contract.
    match unsafe { cache(rs) }.store(name.as_bytes(), input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}
