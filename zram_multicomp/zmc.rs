// SPDX-License-Identifier: GPL-2.0

//! zram_multicomp: a zram-style compressed RAM block device that picks the compression
//! algorithm per page.
//!
//! Data flow: a request's segments (walked by the C glue, `shim.c`) reach [`device`], which
//! splits them into pages. A write asks the [`policy`] (same-filled, clearly incompressible, or
//! compress with the fast primary algorithm), compresses with a [`streams`] context and stores
//! the result in zsmalloc ([`ffi::ZsPool`]), recording it in the [`table`]. A read decompresses
//! with the algorithm the slot records. [`recompress`] stores selected pages again with the
//! stronger secondary algorithms and keeps the smaller result. [`sysfs`] speaks zram 6.12's
//! attribute ABI.
//!
//! Two parts run on the device's own kernel threads: the async compression pool ([`staging`]: a write
//! copies its page into a preallocated staging buffer and completes; workers compress and store
//! it), and [`background`] recompression, which starts a budgeted pass over cold pages by
//! itself.

use kernel::prelude::*;

mod background;
mod config;
mod device;
mod ffi;
mod recompress;
mod reqbuf;
mod staging;
mod stats;
mod store;
mod streams;
mod sysfs;
mod table;

#[path = "../rust/zmc-policy/src/policy/mod.rs"]
pub mod policy;

module! {
    type: ZramMulticomp,
    name: "zram_multicomp",
    author: "rfl-phone-suite",
    description: "Compressed RAM block device with per-page algorithm choice",
    license: "GPL",
}

struct ZramMulticomp;

impl kernel::Module for ZramMulticomp {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        ffi::shim_init()?;
        Ok(ZramMulticomp)
    }
}

impl Drop for ZramMulticomp {
    fn drop(&mut self) {
        ffi::shim_exit();
    }
}
