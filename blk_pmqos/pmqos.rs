// SPDX-License-Identifier: GPL-2.0

//! blk_pmqos: a devfreq PM-QoS frequency floor for storage, raised when sparse, latency-bound
//! I/O arrives and dropped after a hold time.
//!
//! Data flow: the [`registry`] attaches a disk by name and finds the devfreq device that
//! scales its controller. Request issue and completion reach the disk's [`device`] through
//! the block tracepoints (or a sampler of busy tags, ffi's `Observer`), lock-free ([`hot`]);
//! a qualifying request kicks a work item that runs the [`policy`] and moves a
//! `DEV_PM_QOS_MIN_FREQUENCY` request on the devfreq's parent. [`sysfs`] shows and sets the
//! knobs and counters. Detach, the disk going away and unload drop the request and every
//! probe.

use kernel::prelude::*;

mod device;
mod ffi;
mod hot;
mod registry;
mod sysfs;

#[path = "../rust/pmqos-policy/src/policy/mod.rs"]
pub mod policy;

module! {
    type: BlkPmqos,
    name: "blk_pmqos",
    author: "rfl-phone-suite",
    description: "PM-QoS frequency floor for devfreq-scaled storage from block queue depth",
    license: "GPL",
}

struct BlkPmqos {
    registry: Pin<KBox<registry::Registry>>,
}

impl kernel::Module for BlkPmqos {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let registry = KBox::pin_init(registry::Registry::new(), GFP_KERNEL)?;
        // SAFETY: the registry is pinned in its box, which `drop` keeps until the sysfs files
        // and the reap work are gone.
        unsafe { ffi::sysfs_init(&registry) }?;
        Ok(BlkPmqos { registry })
    }
}

impl Drop for BlkPmqos {
    fn drop(&mut self) {
        ffi::sysfs_close();
        self.registry.detach_all();
        ffi::reap_cancel();
        ffi::sysfs_exit();
    }
}
