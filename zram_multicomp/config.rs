// SPDX-License-Identifier: GPL-2.0

//! What a device is configured with before `disksize` builds its store: the algorithms
//! (comp_algorithm, recomp_algorithm, algorithm_params) and the async pool's size.

use crate::ffi::CodecKind;
use crate::policy::{AlgoKind, MAX_ALGOS};

/// An algorithm slot as configured through comp_algorithm, recomp_algorithm and
/// algorithm_params.
#[derive(Clone, Copy)]
pub(crate) struct AlgoConf {
    pub(crate) kind: AlgoKind,
    pub(crate) level: Option<i32>,
}

impl AlgoConf {
    pub(crate) const fn new(kind: AlgoKind) -> Self {
        Self { kind, level: None }
    }

    /// The context kind and level for the kernel library; `None` for algorithms this module
    /// does not carry.
    pub(crate) fn codec(&self) -> Option<(CodecKind, i32)> {
        // Defaults as zram 6.12's backends: lz4 acceleration 1, lz4hc 9, zstd 3, deflate 6.
        let (kind, default) = match self.kind {
            AlgoKind::Lz4 => (CodecKind::Lz4, 1),
            AlgoKind::Lz4hc => (CodecKind::Lz4hc, 9),
            AlgoKind::Zstd => (CodecKind::Zstd, 3),
            AlgoKind::Deflate => (CodecKind::Deflate, 6),
            _ => return None,
        };
        Some((kind, self.level.unwrap_or(default)))
    }
}

/// The algorithms this module carries, in the order comp_algorithm lists them.
pub(crate) const AVAILABLE: [AlgoKind; 4] = [
    AlgoKind::Lz4,
    AlgoKind::Lz4hc,
    AlgoKind::Zstd,
    AlgoKind::Deflate,
];

/// Default staging capacity, in pages (1 MiB with 4 KiB pages).
pub(crate) const DEFAULT_STAGING: usize = 256;
/// The most staging pages a device may preallocate (buffer numbers fit 16 bits).
pub(crate) const MAX_STAGING: usize = 16384;
/// The most async workers a device may run.
pub(crate) const MAX_WORKERS: usize = 256;

/// What can only change while the device is not initialised.
pub(crate) struct Config {
    pub(crate) algos: [Option<AlgoConf>; MAX_ALGOS],
    /// Async compression workers; 0: one per online CPU at init.
    pub(crate) async_workers: usize,
    /// Staging buffers, in pages.
    pub(crate) async_staging: usize,
}
