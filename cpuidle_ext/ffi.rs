// SPDX-License-Identifier: GPL-2.0

//! The only place that touches C: the glue in the C files (declared in `shim.h`) and the
//! functions C calls back into Rust. Everything this module gives the rest of the crate is
//! safe.

use core::ffi::c_void;

use kernel::error::to_result;
use kernel::ffi::{c_char, c_int, c_uint};
use kernel::prelude::*;
use kernel::str::CStr;

use crate::cpu::{Answer, Cpu, Seen};
use crate::policy::{ns_from_kernel, Config, IdleState, MAX_STATES};
use crate::stats::{self, Out};

mod raw {
    use super::*;

    extern "C" {
        pub(super) fn ce_cpus_alloc() -> c_int;
        pub(super) fn ce_cpus_free();
        pub(super) fn ce_nr_cpus() -> c_uint;
        pub(super) fn ce_cpu(cpu: c_uint) -> *mut c_void;
        pub(super) fn ce_state_count() -> c_uint;
        pub(super) fn ce_governor_register() -> c_int;
        pub(super) fn ce_tick_ns() -> u64;
        pub(super) fn ce_sysfs_init() -> c_int;
        pub(super) fn ce_sysfs_exit();
        pub(super) fn ce_bpf_init() -> c_int;
    }
}

/// `struct ce_state`: one idle state.
#[repr(C)]
pub(crate) struct RawState {
    target_residency_ns: i64,
    exit_latency_ns: i64,
    disabled: u8,
    polling: u8,
}

/// `struct ce_input`: what select learns from the tick and PM QoS.
#[repr(C)]
pub(crate) struct RawInput {
    sleep_length_ns: i64,
    delta_tick_ns: i64,
    latency_req_ns: i64,
}

/// `struct ce_answer`: a BPF program's answer, if one is attached.
#[repr(C)]
pub(crate) struct RawAnswer {
    state: i64,
    valid: u8,
    has_stop_tick: u8,
    stop_tick: u8,
}

// governor.c checks the same sizes.
const _: () = assert!(
    core::mem::size_of::<RawState>() == 24
        && core::mem::size_of::<RawInput>() == 24
        && core::mem::size_of::<RawAnswer>() == 16
);

/// The per-CPU states of the governor ([`Cpu`]), one per possible CPU.
pub(crate) struct Cpus(());

impl Cpus {
    pub(crate) fn alloc() -> Result<Self> {
        // SAFETY: called once, from module init; C initialises each CPU's state through
        // `ce_rs_cpu_init`.
        to_result(unsafe { raw::ce_cpus_alloc() })?;
        Ok(Self(()))
    }

    /// The governor uses them for good: never freed.
    pub(crate) fn keep(self) {
        core::mem::forget(self);
    }
}

impl Drop for Cpus {
    fn drop(&mut self) {
        // SAFETY: allocated by `alloc`; no governor callback runs (it was never registered).
        unsafe { raw::ce_cpus_free() }
    }
}

/// Calls `f` with every possible CPU's state.
pub(crate) fn for_each_cpu(mut f: impl FnMut(&Cpu)) {
    // SAFETY: reads nr_cpu_ids.
    let n = unsafe { raw::ce_nr_cpus() };
    for i in 0..n {
        // SAFETY: any index may be passed; NULL for an impossible CPU.
        let ptr = unsafe { raw::ce_cpu(i) };
        if !ptr.is_null() {
            // SAFETY: a possible CPU's state, initialised at allocation and never freed once
            // the governor is registered (the only time sysfs exists); read through shared
            // references only (atomics).
            f(unsafe { &*ptr.cast::<Cpu>() });
        }
    }
}

/// The number of states of the registered cpuidle driver (0 without one).
pub(crate) fn state_count() -> usize {
    // SAFETY: reads the driver's state count; no preconditions.
    let n = unsafe { raw::ce_state_count() };
    usize::try_from(n).unwrap_or(0)
}

/// Registers the struct_ops type and the kfuncs, where the kernel has module BTF.
pub(crate) fn bpf_init() -> Result {
    // SAFETY: called once, from module init.
    to_result(unsafe { raw::ce_bpf_init() })
}

/// Registers the governor `ext`; on success the module has pinned itself.
pub(crate) fn register_governor() -> Result {
    // SAFETY: called once, from module init, after the per-CPU states exist.
    to_result(unsafe { raw::ce_governor_register() })
}

/// `/sys/kernel/cpuidle_ext`.
pub(crate) struct Sysfs(());

impl Sysfs {
    pub(crate) fn init() -> Result<Self> {
        // SAFETY: called once, from module init, after the per-CPU states exist.
        to_result(unsafe { raw::ce_sysfs_init() })?;
        Ok(Self(()))
    }

    /// Stays for as long as the module, which is pinned.
    pub(crate) fn keep(self) {
        core::mem::forget(self);
    }
}

impl Drop for Sysfs {
    fn drop(&mut self) {
        // SAFETY: created by `init`; returns once no show runs.
        unsafe { raw::ce_sysfs_exit() }
    }
}

// ---- Called from C ----

/// # Safety
///
/// `cpu` is a CPU's state that C allocated with [`ce_rs_cpu_size`] and [`ce_rs_cpu_align`]
/// and initialised with [`ce_rs_cpu_init`].
unsafe fn cpu<'a>(cpu: *mut c_void) -> &'a Cpu {
    // SAFETY: by the function's contract.
    unsafe { &*cpu.cast::<Cpu>() }
}

/// The states as the policy takes them, in `buf`.
///
/// # Safety
///
/// `raw` points to `count` states.
unsafe fn states<'a>(
    raw: *const RawState,
    count: c_uint,
    buf: &'a mut [IdleState; MAX_STATES],
) -> &'a [IdleState] {
    let n = usize::try_from(count).unwrap_or(0).min(MAX_STATES);
    // SAFETY: by the function's contract (C passes at most CPUIDLE_STATE_MAX states).
    let raw = unsafe { core::slice::from_raw_parts(raw, n) };
    for (dst, src) in buf.iter_mut().zip(raw) {
        *dst = IdleState {
            target_residency_ns: ns_from_kernel(src.target_residency_ns),
            exit_latency_ns: ns_from_kernel(src.exit_latency_ns),
            disabled: src.disabled != 0,
            polling: src.polling != 0,
        };
    }
    buf.get(..n).unwrap_or(&[])
}

#[no_mangle]
extern "C" fn ce_rs_cpu_size() -> usize {
    core::mem::size_of::<Cpu>()
}

#[no_mangle]
extern "C" fn ce_rs_cpu_align() -> usize {
    core::mem::align_of::<Cpu>()
}

/// # Safety
///
/// `cpu` is memory of [`ce_rs_cpu_size`] bytes, aligned to [`ce_rs_cpu_align`], not in use.
#[no_mangle]
unsafe extern "C" fn ce_rs_cpu_init(cpu: *mut c_void) {
    // SAFETY: by the function's contract.
    unsafe { cpu.cast::<Cpu>().write(Cpu::new()) }
}

/// # Safety
///
/// `cpu` is the state of the CPU whose device the governor's `enable` was called for.
#[no_mangle]
unsafe extern "C" fn ce_rs_enable(cpu_ptr: *mut c_void) {
    // SAFETY: by the contract; the cpuidle core calls enable with no governor callback
    // running for that CPU.
    unsafe { cpu(cpu_ptr).enable() }
}

/// # Safety
///
/// Called from the governor's `select` on the CPU whose state `cpu` is; `states` points to
/// `count` states, `input` and `answer` to valid structs, `stop_tick` to the core's flag.
#[no_mangle]
unsafe extern "C" fn ce_rs_select(
    cpu_ptr: *mut c_void,
    states_ptr: *const RawState,
    count: c_uint,
    input: *const RawInput,
    answer: *const RawAnswer,
    stop_tick: *mut bool,
) -> c_int {
    let mut buf = [IdleState::default(); MAX_STATES];
    // SAFETY: by the contract.
    let states = unsafe { states(states_ptr, count, &mut buf) };
    // SAFETY: by the contract.
    let (input, answer) = unsafe { (&*input, &*answer) };
    let seen = Seen {
        sleep_length_ns: input.sleep_length_ns,
        delta_tick_ns: input.delta_tick_ns,
        latency_req_ns: input.latency_req_ns,
    };
    let answer = (answer.valid != 0).then(|| Answer {
        state: answer.state,
        stop_tick: (answer.has_stop_tick != 0).then_some(answer.stop_tick != 0),
    });
    // SAFETY: returns TICK_NSEC; no preconditions.
    let tick_ns = unsafe { raw::ce_tick_ns() };
    let cfg = Config { tick_ns };
    // SAFETY: by the contract, on this CPU from select.
    let (state, stop) = unsafe { cpu(cpu_ptr).select(&cfg, states, &seen, answer) };
    // SAFETY: by the contract.
    unsafe { *stop_tick = stop };
    c_int::try_from(state).unwrap_or(0)
}

/// # Safety
///
/// Called from the governor's `reflect` on the CPU whose state `cpu` is; `states` points to
/// `count` states.
#[no_mangle]
unsafe extern "C" fn ce_rs_reflect(
    cpu_ptr: *mut c_void,
    states_ptr: *const RawState,
    count: c_uint,
    index: c_uint,
    measured_ns: u64,
    poll_limit: bool,
) {
    let mut buf = [IdleState::default(); MAX_STATES];
    // SAFETY: by the contract.
    let states = unsafe { states(states_ptr, count, &mut buf) };
    let index = usize::try_from(index).unwrap_or(usize::MAX);
    // SAFETY: by the contract, on this CPU from reflect.
    unsafe { cpu(cpu_ptr).reflect(states, index, measured_ns, poll_limit) }
}

/// # Safety
///
/// `attr` is the attribute's NUL-terminated name; `buf` is sysfs's PAGE_SIZE buffer.
#[no_mangle]
unsafe extern "C" fn ce_rs_show(attr: *const c_char, buf: *mut u8) -> isize {
    // SAFETY: sysfs passes the attribute's name.
    let name = unsafe { CStr::from_char_ptr(attr) };
    // SAFETY: sysfs hands `show` a writable buffer of PAGE_SIZE bytes.
    let buf = unsafe { core::slice::from_raw_parts_mut(buf, kernel::page::PAGE_SIZE) };
    let mut out = Out::new(buf);
    match stats::show(name.as_bytes(), &mut out) {
        Ok(()) => isize::try_from(out.len).unwrap_or(0),
        Err(e) => e.to_errno() as isize,
    }
}
