// SPDX-License-Identifier: GPL-2.0

//! cpuidle_ext: a cpuidle governor, `ext`, whose choice of idle state a BPF struct_ops program
//! can make, with a built-in policy deciding whenever none is attached.
//!
//! Data flow: the cpuidle core calls the governor (C, governor.c) on a CPU going idle; the C
//! glue collects the driver's states, the tick's and PM QoS's inputs and, if a program is
//! attached (bpf.c), its answer, and hands them to the CPU's state ([`cpu`]): the program's
//! answer is checked and clamped, or the built-in [`policy`] (rust/idle-policy) chooses. After
//! the idle period the same CPU state learns from the wakeup. [`stats`] counts decisions and
//! idle periods per CPU and shows the sums in `/sys/kernel/cpuidle_ext`.
//!
//! cpuidle has no way to unregister a governor: once registered the module stays loaded.

use kernel::prelude::*;

mod cpu;
mod ffi;
mod stats;

#[path = "../rust/idle-policy/src/policy/mod.rs"]
pub mod policy;

module! {
    type: CpuidleExt,
    name: "cpuidle_ext",
    author: "rfl-phone-suite",
    description: "cpuidle governor whose state choice BPF struct_ops can replace",
    license: "GPL",
}

struct CpuidleExt;

impl kernel::Module for CpuidleExt {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let cpus = ffi::Cpus::alloc()?;
        ffi::bpf_init()?;
        let sysfs = ffi::Sysfs::init()?;
        ffi::register_governor()?;
        // The governor runs on every CPU from now on, for as long as the kernel does, and the
        // module has pinned itself: its per-CPU state and counters stay.
        cpus.keep();
        sysfs.keep();
        Ok(CpuidleExt)
    }
}
