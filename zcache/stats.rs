// SPDX-License-Identifier: GPL-2.0

//! A disk's event counters, shown in sysfs. Relaxed atomics: each is a count on its own.

use core::sync::atomic::{AtomicU64, Ordering::Relaxed};

macro_rules! stats {
    ($($(#[doc = $doc:literal])* $name:ident,)*) => {
        #[derive(Default)]
        pub(crate) struct Stats {
            $($(#[doc = $doc])* pub(crate) $name: AtomicU64,)*
        }

        impl Stats {
            /// The counter whose file is `name`.
            pub(crate) fn by_name(&self, name: &str) -> Option<u64> {
                match name {
                    $(stringify!($name) => Some(self.$name.load(Relaxed)),)*
                    _ => None,
                }
            }
        }
    };
}

stats! {
    /// Pages stored in the cache.
    stores,
    /// Evicted pages dropped because every staging slot was busy.
    staging_drops,
    /// Pages read from the cache.
    hits,
    /// Pages read from the lower device.
    misses,
    /// Entries dropped because a write, discard or write-zeroes overlapped them.
    invalidations,
    /// Entries the shrinker freed.
    shrinker_frees,
    /// Entries dropped to stay under the size cap.
    cap_frees,
    /// Pages staged for a worker.
    staged,
    /// Pages the probe compressed itself (sync mode).
    probe_compressed,
    /// Reclaim evictions of pages of files on the disk.
    evictions,
    /// Evicted pages the read log did not know (never read through the disk, or lost).
    unknown,
    /// Staged pages whose bytes differed from those read from the disk.
    changed,
    /// Pages dropped because a write overlapped them since they were read.
    stale,
    /// Pages not stored for want of memory.
    store_failures,
    /// Cached pages that failed decompression or their hash (read from the disk instead).
    corrupt,
}

impl Stats {
    pub(crate) fn add(&self, c: &AtomicU64, n: u64) {
        if n > 0 {
            c.fetch_add(n, Relaxed);
        }
    }
}
