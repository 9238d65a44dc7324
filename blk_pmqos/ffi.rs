// SPDX-License-Identifier: GPL-2.0

//! The only place that touches C: the glue in the C files (declared in `shim.h`) and the
//! functions C calls back into Rust. Each C object is a handle here that releases it on drop;
//! everything this module gives the rest of the crate is safe.

use core::ffi::c_void;
use core::ptr::NonNull;

use kernel::error::{from_err_ptr, to_result};
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;

use crate::device::Device;
use crate::policy::{FreqRange, Op};
use crate::registry::Registry;

mod raw {
    use super::*;

    extern "C" {
        pub(super) fn bp_sample_only() -> bool;
        pub(super) fn bp_sysfs_init(ctx: *mut c_void) -> c_int;
        pub(super) fn bp_sysfs_close();
        pub(super) fn bp_sysfs_exit();
        pub(super) fn bp_dir_add(name: *const c_char, rs: *mut c_void) -> *mut c_void;
        pub(super) fn bp_dir_del(dir: *mut c_void);

        pub(super) fn bp_disk_get(name: *const c_char) -> *mut c_void;
        pub(super) fn bp_disk_put(disk: *mut c_void);
        pub(super) fn bp_disk_name(disk: *const c_void) -> *const c_char;
        pub(super) fn bp_devfreq_find(disk: *mut c_void) -> *mut c_void;
        pub(super) fn bp_devfreq_put(df: *mut c_void);
        pub(super) fn bp_devfreq_name(df: *const c_void) -> *const c_char;
        pub(super) fn bp_devfreq_freqs(
            df: *mut c_void,
            min_hz: *mut u64,
            max_hz: *mut u64,
            table: *mut u64,
            cap: c_uint,
        ) -> c_uint;
        pub(super) fn bp_qos_add(df: *mut c_void) -> *mut c_void;
        pub(super) fn bp_qos_update(req: *mut c_void, khz: i32) -> c_int;
        pub(super) fn bp_qos_remove(req: *mut c_void);

        pub(super) fn bp_probes_attach(disk: *mut c_void, rs: *mut c_void) -> *mut c_void;
        pub(super) fn bp_probes_detach(probes: *mut c_void);
        pub(super) fn bp_sampler_start(
            disk: *mut c_void,
            rs: *mut c_void,
            period_us: u32,
        ) -> *mut c_void;
        pub(super) fn bp_sampler_stop(sampler: *mut c_void);

        pub(super) fn bp_watch_start(
            disk: *mut c_void,
            df: *mut c_void,
            rs: *mut c_void,
        ) -> *mut c_void;
        pub(super) fn bp_watch_stop(watch: *mut c_void);
        pub(super) fn bp_reap_init(ctx: *mut c_void);
        pub(super) fn bp_reap_cancel();

        pub(super) fn bp_work_new(f: unsafe extern "C" fn(*mut c_void)) -> *mut c_void;
        pub(super) fn bp_work_bind(work: *mut c_void, data: *mut c_void);
        pub(super) fn bp_work_kick(work: *mut c_void);
        pub(super) fn bp_work_arm(work: *mut c_void, delay_ns: u64);
        pub(super) fn bp_work_cancel(work: *mut c_void);
        pub(super) fn bp_work_free(work: *mut c_void);
        pub(super) fn bp_now_ns() -> u64;
    }
}

// C maps a request's flags to these bits (`BP_OP_*` in shim.h).
const _: () = assert!(
    Op::READ.0 == 0x01
        && Op::WRITE.0 == 0x02
        && Op::FLUSH.0 == 0x04
        && Op::DISCARD.0 == 0x08
        && Op::SYNC.0 == 0x10
        && Op::FUA.0 == 0x20
        && Op::PREFLUSH.0 == 0x40
);

/// A pointer C returned: an `ERR_PTR` becomes its error, NULL becomes `null_err`.
fn handle(ptr: *mut c_void, null_err: Error) -> Result<NonNull<c_void>> {
    NonNull::new(from_err_ptr(ptr)?).ok_or(null_err)
}

/// Nanoseconds of the monotonic clock the hot path stamps requests with.
pub(crate) fn now_ns() -> u64 {
    // SAFETY: reads the clock; no preconditions.
    unsafe { raw::bp_now_ns() }
}

/// Creates `/sys/kernel/blk_pmqos` and the reap work, both calling back into `registry`.
///
/// # Safety
///
/// `registry` stays valid and pinned until [`sysfs_exit`] and [`reap_cancel`] have returned.
pub(crate) unsafe fn sysfs_init(registry: &Registry) -> Result {
    let ctx = core::ptr::from_ref(registry).cast_mut().cast::<c_void>();
    // SAFETY: by the function's contract, `ctx` outlives every callback.
    unsafe { raw::bp_reap_init(ctx) };
    // SAFETY: as above; called once, from module init.
    to_result(unsafe { raw::bp_sysfs_init(ctx) })
}

/// Removes `attach`, `detach` and `devices`; returns once none of their calls runs.
pub(crate) fn sysfs_close() {
    // SAFETY: called once from module exit, after a successful `sysfs_init`.
    unsafe { raw::bp_sysfs_close() }
}

/// Removes `/sys/kernel/blk_pmqos`, after every disk's directory.
pub(crate) fn sysfs_exit() {
    // SAFETY: called once from module exit, after `sysfs_close` and every `Dir`'s drop.
    unsafe { raw::bp_sysfs_exit() }
}

/// Waits for a running reap to finish; none is scheduled again once no disk is watched.
pub(crate) fn reap_cancel() {
    // SAFETY: the work is static; cancelling it has no precondition.
    unsafe { raw::bp_reap_cancel() }
}

/// A reference to a disk (its `struct device`): the gendisk and its queue stay allocated.
pub(crate) struct Disk(NonNull<c_void>);

// SAFETY: a counted reference; the C functions used on it take no thread-local state.
unsafe impl Send for Disk {}
// SAFETY: as above; `&Disk` only reads the name.
unsafe impl Sync for Disk {}

impl Disk {
    /// The disk called `name` under `/dev` (or the path `name`).
    pub(crate) fn get(name: &CStr) -> Result<Self> {
        // SAFETY: `name` is NUL-terminated and outlives the call.
        let ptr = unsafe { raw::bp_disk_get(name.as_char_ptr()) };
        handle(ptr, ENODEV).map(Self)
    }

    /// The disk's name (`sda`, `pmqsim0`).
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the disk is referenced; its name is a NUL-terminated array inside it.
        unsafe { CStr::from_char_ptr(raw::bp_disk_name(self.0.as_ptr())) }
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // SAFETY: drops the reference `get` took.
        unsafe { raw::bp_disk_put(self.0.as_ptr()) }
    }
}

/// The most frequencies of a device kept for rounding a floor up.
pub(crate) const MAX_FREQS: usize = 32;

/// A device's frequency range and its frequencies, in Hz.
#[derive(Clone, Copy)]
pub(crate) struct Freqs {
    pub(crate) range: FreqRange,
    table: [u64; MAX_FREQS],
    len: usize,
}

impl Freqs {
    /// The device's frequencies (at most [`MAX_FREQS`]).
    pub(crate) fn table(&self) -> &[u64] {
        self.table.get(..self.len).unwrap_or(&[])
    }
}

/// A reference to the devfreq device that scales a disk's controller.
pub(crate) struct Devfreq(NonNull<c_void>);

// SAFETY: a counted reference; the C functions used on it lock what they read.
unsafe impl Send for Devfreq {}
// SAFETY: as above.
unsafe impl Sync for Devfreq {}

impl Devfreq {
    /// The devfreq device among the children of the devices above `disk`, nearest first.
    pub(crate) fn find(disk: &Disk) -> Option<Self> {
        // SAFETY: the disk is referenced for the call.
        NonNull::new(unsafe { raw::bp_devfreq_find(disk.0.as_ptr()) }).map(Self)
    }

    /// Its name (the controller's).
    pub(crate) fn name(&self) -> &CStr {
        // SAFETY: the device is referenced; its name lives as long as the device.
        unsafe { CStr::from_char_ptr(raw::bp_devfreq_name(self.0.as_ptr())) }
    }

    /// Its frequency range (OPP limits, not PM-QoS) and frequencies.
    pub(crate) fn freqs(&self) -> Freqs {
        let (mut min, mut max) = (0u64, 0u64);
        let mut table = [0u64; MAX_FREQS];
        // SAFETY: the device is referenced; the pointers are to locals, `table` holds
        // `MAX_FREQS` entries.
        let n = unsafe {
            raw::bp_devfreq_freqs(
                self.0.as_ptr(),
                &mut min,
                &mut max,
                table.as_mut_ptr(),
                MAX_FREQS as c_uint,
            )
        };
        Freqs {
            range: FreqRange::new(min, max),
            table,
            len: (n as usize).min(MAX_FREQS),
        }
    }
}

impl Drop for Devfreq {
    fn drop(&mut self) {
        // SAFETY: drops the reference `find` took.
        unsafe { raw::bp_devfreq_put(self.0.as_ptr()) }
    }
}

/// A `DEV_PM_QOS_MIN_FREQUENCY` request on a devfreq's parent; removed on drop.
pub(crate) struct QosRequest(NonNull<c_void>);

// SAFETY: the PM-QoS functions lock the device's constraints themselves.
unsafe impl Send for QosRequest {}

impl QosRequest {
    /// A request with no constraint yet.
    pub(crate) fn add(df: &Devfreq) -> Result<Self> {
        // SAFETY: the devfreq device is referenced; process context.
        let ptr = unsafe { raw::bp_qos_add(df.0.as_ptr()) };
        handle(ptr, ENOMEM).map(Self)
    }

    /// Moves the floor to `khz` (0: none). Sleeps.
    pub(crate) fn update(&mut self, khz: i32) -> Result {
        // SAFETY: the request is live; process context (work item or sysfs).
        to_result(unsafe { raw::bp_qos_update(self.0.as_ptr(), khz) })
    }
}

impl Drop for QosRequest {
    fn drop(&mut self) {
        // SAFETY: the request is live and owned by this value; process context.
        unsafe { raw::bp_qos_remove(self.0.as_ptr()) }
    }
}

/// A high-priority delayed work item that runs [`Device::run_work`].
pub(crate) struct Work(NonNull<c_void>);

// SAFETY: workqueue calls are safe from any thread and context.
unsafe impl Send for Work {}
// SAFETY: as above.
unsafe impl Sync for Work {}

/// # Safety
///
/// `data` is the device [`Work::bind`] was given, live while the work can run.
unsafe extern "C" fn work_fn(data: *mut c_void) {
    // SAFETY: by the function's contract.
    let dev = unsafe { &*data.cast::<Device>() };
    dev.run_work();
}

impl Work {
    /// A work item bound to no device yet.
    pub(crate) fn new() -> Result<Self> {
        // SAFETY: `work_fn` matches the prototype C calls.
        let ptr = unsafe { raw::bp_work_new(work_fn) };
        NonNull::new(ptr).map(Self).ok_or(ENOMEM)
    }

    /// Gives the work its device, before it is first kicked.
    ///
    /// # Safety
    ///
    /// `dev` stays valid and pinned until this work is dropped, and owns it.
    pub(crate) unsafe fn bind(&self, dev: &Device) {
        let data = core::ptr::from_ref(dev).cast_mut().cast::<c_void>();
        // SAFETY: the work is live and not queued yet; `data` outlives it by the contract.
        unsafe { raw::bp_work_bind(self.0.as_ptr(), data) }
    }

    /// Runs it soon, even when armed for later. Any context.
    pub(crate) fn kick(&self) {
        // SAFETY: the work is live and bound (the device binds it before anything kicks).
        unsafe { raw::bp_work_kick(self.0.as_ptr()) }
    }

    /// Runs it after `delay_ns` (replacing the time it was armed for). Any context.
    pub(crate) fn arm(&self, delay_ns: u64) {
        // SAFETY: as for `kick`.
        unsafe { raw::bp_work_arm(self.0.as_ptr(), delay_ns) }
    }

    /// Returns once it is neither armed, queued nor running, provided its function no
    /// longer arms it.
    pub(crate) fn cancel(&self) {
        // SAFETY: the work is live; the caller does not run in it.
        unsafe { raw::bp_work_cancel(self.0.as_ptr()) }
    }
}

impl Drop for Work {
    fn drop(&mut self) {
        // SAFETY: the work is live and owned by this value; freeing cancels it first.
        unsafe { raw::bp_work_free(self.0.as_ptr()) }
    }
}

/// How a device's requests are seen: tracepoint probes, or a sampler of busy tags.
pub(crate) enum Observer {
    Probes(NonNull<c_void>),
    Sampler(NonNull<c_void>),
}

// SAFETY: attach and detach are process-context calls with no thread affinity.
unsafe impl Send for Observer {}

/// The sampler's period when there are no tracepoints.
const SAMPLE_PERIOD_US: u32 = 1000;

impl Observer {
    /// Probes on the block tracepoints if the kernel has them (and the `sample_only`
    /// parameter is off), else the sampler.
    ///
    /// # Safety
    ///
    /// `dev` stays valid and pinned until the observer is dropped.
    pub(crate) unsafe fn start(disk: &Disk, dev: &Device) -> Result<Self> {
        let rs = core::ptr::from_ref(dev).cast_mut().cast::<c_void>();
        // SAFETY: reads a module parameter; no preconditions.
        if !unsafe { raw::bp_sample_only() } {
            // SAFETY: the disk is referenced; `rs` outlives the probes by the contract.
            let probes = unsafe { raw::bp_probes_attach(disk.0.as_ptr(), rs) };
            match handle(probes, ENOMEM) {
                Ok(p) => return Ok(Self::Probes(p)),
                Err(e) if e == ENOMEM => return Err(e),
                Err(_) => {}
            }
        }
        // SAFETY: as above, for the sampler.
        let sampler = unsafe { raw::bp_sampler_start(disk.0.as_ptr(), rs, SAMPLE_PERIOD_US) };
        handle(sampler, ENOMEM).map(Self::Sampler)
    }

    /// What the `source` file shows.
    pub(crate) fn source(&self) -> &'static str {
        match self {
            Self::Probes(_) => "tracepoints",
            Self::Sampler(_) => "sampling",
        }
    }
}

impl Drop for Observer {
    fn drop(&mut self) {
        match self {
            // SAFETY: live probes owned by this value; returns once no probe runs.
            Self::Probes(p) => unsafe { raw::bp_probes_detach(p.as_ptr()) },
            // SAFETY: a live sampler owned by this value; returns once it no longer runs.
            Self::Sampler(s) => unsafe { raw::bp_sampler_stop(s.as_ptr()) },
        }
    }
}

/// A device's directory under `/sys/kernel/blk_pmqos`.
pub(crate) struct Dir(NonNull<c_void>);

// SAFETY: removal is a process-context call with no thread affinity.
unsafe impl Send for Dir {}

impl Dir {
    /// Creates the directory `name`, whose files call back into `dev`.
    ///
    /// # Safety
    ///
    /// `dev` stays valid until the directory is dropped.
    pub(crate) unsafe fn add(name: &CStr, dev: &Device) -> Result<Self> {
        let rs = core::ptr::from_ref(dev).cast_mut().cast::<c_void>();
        // SAFETY: `name` is NUL-terminated; `rs` outlives the directory by the contract.
        let ptr = unsafe { raw::bp_dir_add(name.as_char_ptr(), rs) };
        handle(ptr, ENOMEM).map(Self)
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        // SAFETY: the directory is live and owned by this value; returns once no show or
        // store of it runs.
        unsafe { raw::bp_dir_del(self.0.as_ptr()) }
    }
}

/// Bus notifiers that report the disk's devices going away to [`Device::gone`].
pub(crate) struct Watch(NonNull<c_void>);

// SAFETY: unregistration is a process-context call with no thread affinity.
unsafe impl Send for Watch {}

impl Watch {
    /// Watches the devices from `disk`'s parent up to `df`'s controller.
    ///
    /// # Safety
    ///
    /// `dev` stays valid until the watch is dropped.
    pub(crate) unsafe fn start(disk: &Disk, df: &Devfreq, dev: &Device) -> Result<Self> {
        let rs = core::ptr::from_ref(dev).cast_mut().cast::<c_void>();
        // SAFETY: both devices are referenced; `rs` outlives the watch by the contract.
        let ptr = unsafe { raw::bp_watch_start(disk.0.as_ptr(), df.0.as_ptr(), rs) };
        handle(ptr, ENOMEM).map(Self)
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        // SAFETY: the watch is live and owned by this value; returns once no notifier of it
        // runs. The caller holds no lock a notifier takes.
        unsafe { raw::bp_watch_stop(self.0.as_ptr()) }
    }
}

// ---- Called from C ----

/// # Safety
///
/// `rs` is a device that C got from one of the handles above, which are all dropped before
/// the device is.
unsafe fn dev<'a>(rs: *mut c_void) -> &'a Device {
    // SAFETY: by the function's contract.
    unsafe { &*rs.cast::<Device>() }
}

/// # Safety
///
/// `ctx` is the registry given to [`sysfs_init`].
unsafe fn registry<'a>(ctx: *mut c_void) -> &'a Registry {
    // SAFETY: by the function's contract.
    unsafe { &*ctx.cast::<Registry>() }
}

/// # Safety
///
/// `ctx` is the registry; `buf` holds `len` bytes written by user space.
#[no_mangle]
unsafe extern "C" fn bp_rs_attach(ctx: *mut c_void, buf: *const u8, len: usize) -> c_int {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    // SAFETY: by the contract.
    match unsafe { registry(ctx) }.attach(input) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// As for `bp_rs_attach`.
#[no_mangle]
unsafe extern "C" fn bp_rs_detach(ctx: *mut c_void, buf: *const u8, len: usize) -> c_int {
    // SAFETY: sysfs hands `store` `len` readable bytes.
    let input = unsafe { core::slice::from_raw_parts(buf, len) };
    // SAFETY: by the contract.
    match unsafe { registry(ctx) }.detach(input) {
        Ok(()) => 0,
        Err(e) => e.to_errno(),
    }
}

/// # Safety
///
/// `ctx` is the registry; `buf` is sysfs's PAGE_SIZE buffer.
#[no_mangle]
unsafe extern "C" fn bp_rs_list(ctx: *mut c_void, buf: *mut u8) -> isize {
    // SAFETY: sysfs hands `show` a writable buffer of PAGE_SIZE bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    // SAFETY: by the contract.
    unsafe { registry(ctx) }.list(out) as isize
}

/// # Safety
///
/// `ctx` is the registry.
#[no_mangle]
unsafe extern "C" fn bp_rs_reap(ctx: *mut c_void) {
    // SAFETY: by the contract.
    unsafe { registry(ctx) }.reap()
}

/// # Safety
///
/// `rs` is a live device; `attr` is the attribute's NUL-terminated name; `buf` is sysfs's
/// PAGE_SIZE buffer.
#[no_mangle]
unsafe extern "C" fn bp_rs_show(rs: *mut c_void, attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: sysfs hands `show` a writable buffer of PAGE_SIZE bytes.
    let out = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    // SAFETY: C passes the attribute's name, a static NUL-terminated string.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: by the contract.
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
unsafe extern "C" fn bp_rs_store(
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
    match unsafe { dev(rs) }.store(name.as_bytes(), input) {
        Ok(()) => len as isize,
        Err(e) => e.to_errno() as isize,
    }
}

/// # Safety
///
/// `rs` is a live device. Any context.
#[no_mangle]
unsafe extern "C" fn bp_rs_issue(rs: *mut c_void, op: u8, now_ns: u64) {
    // SAFETY: by the contract.
    unsafe { dev(rs) }.issue(Op(op), now_ns)
}

/// # Safety
///
/// `rs` is a live device. Any context.
#[no_mangle]
unsafe extern "C" fn bp_rs_complete(rs: *mut c_void) {
    // SAFETY: by the contract.
    unsafe { dev(rs) }.hot.complete()
}

/// # Safety
///
/// `rs` is a live device. Any context.
#[no_mangle]
unsafe extern "C" fn bp_rs_sample(rs: *mut c_void, depth: u32) {
    // SAFETY: by the contract.
    unsafe { dev(rs) }.hot.set_depth(depth)
}

/// # Safety
///
/// `rs` is a live device. Any context.
#[no_mangle]
unsafe extern "C" fn bp_rs_seen(rs: *mut c_void, op: u8, depth: u32, now_ns: u64) {
    // SAFETY: by the contract.
    unsafe { dev(rs) }.seen(Op(op), depth, now_ns)
}

/// # Safety
///
/// `rs` is a live device. Process context (a bus notifier).
#[no_mangle]
unsafe extern "C" fn bp_rs_gone(rs: *mut c_void) {
    // SAFETY: by the contract.
    unsafe { dev(rs) }.gone()
}
