// SPDX-License-Identifier: GPL-2.0

//! zcache: a compressed cache of the clean file pages that reclaim evicts, in a stacking block
//! device, so that a refault reads RAM instead of flash.
//!
//! Data flow: a disk `zcacheN` is attached over a lower block device (C: `disk.c`), and a
//! file system is mounted on it. A read that misses goes down to the lower device; its
//! completion records each page's file position, sector, hash and sequence number in the
//! read log ([`cache`], tables from the [`policy`] crate). When reclaim evicts one of those
//! pages, the page cache's tracepoint (C: `trace.c`) hands it to [`Cache::evict`], which
//! copies it into a [`staging`] slot; a low-priority worker (C: `pool.c`) checks its hash and
//! that no write touched its sectors since, compresses it with lz4 and indexes it by sector
//! in zsmalloc. A later read of those sectors is filled from the cache (the entry is then
//! dropped: the page is in the page cache again). Writes, discards and write-zeroes drop
//! the entries they overlap before they go down. A size cap and a shrinker bound the memory;
//! [`sysfs`] shows the knobs and counters ([`stats`]).
//!
//! [`Cache::evict`]: cache::Cache::evict

use kernel::prelude::*;

mod cache;
mod ffi;
mod staging;
mod stats;
mod sysfs;

#[path = "../rust/zcache-policy/src/policy/mod.rs"]
pub mod policy;

module! {
    type: Zcache,
    name: "zcache",
    author: "rfl-phone-suite",
    description: "Compressed cache of evicted clean file pages in a stacking block device",
    license: "GPL",
}

struct Zcache;

impl kernel::Module for Zcache {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        ffi::module_init()?;
        Ok(Zcache)
    }
}

impl Drop for Zcache {
    fn drop(&mut self) {
        ffi::module_exit();
    }
}
