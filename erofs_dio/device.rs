// SPDX-License-Identifier: GPL-2.0

//! The image's block device as the crate's [`BlockSource`]: every read is a bio, never the page
//! cache (see `erd_shim_dev_read`). Block-aligned reads into the engine's buffers (pclusters,
//! [`MetaCache`] blocks) land in them directly; others go through bounce pages.

use kernel::prelude::*;

use crate::erofs::{BlockSource, Error, Result};
use crate::ffi::SuperBlock;

/// The granule of [`MetaCache`].
const META_BLOCK: u64 = 4096;

/// The device under one mount.
#[derive(Clone, Copy)]
pub(crate) struct Device {
    sb: SuperBlock,
}

impl Device {
    pub(crate) fn new(sb: SuperBlock) -> Self {
        Self { sb }
    }
}

impl BlockSource for Device {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.sb.dev_read(offset, buf).map_err(|e| {
            if e == ENOMEM {
                Error::NoMemory
            } else {
                Error::Io
            }
        })
    }
}

/// The device for metadata, through a one-block cache. Mapping an extent reads a few bytes at a
/// time (an index header, a pack, an entry), mostly from the block the previous lookup read:
/// the cache turns those into one device read. It belongs to one request (one `Reader`), so
/// it never outlives the request, and the mounted image does not change under it.
pub(crate) struct MetaCache {
    dev: Device,
    /// Device offset of the block in `block`, if it holds one.
    at: Option<u64>,
    /// One [`META_BLOCK`]: kmalloc aligns a power-of-two size to itself, so bios fill it
    /// directly.
    block: KVec<u8>,
}

impl MetaCache {
    pub(crate) fn new(dev: Device) -> Self {
        Self {
            dev,
            at: None,
            block: KVec::new(),
        }
    }

    /// Makes `block` hold the block at `start`; false when it cannot (no memory, or the block
    /// runs past the end of the device), and the caller reads directly.
    fn load(&mut self, start: u64) -> bool {
        if self.at == Some(start) {
            return true;
        }
        self.at = None;
        let len = META_BLOCK as usize;
        if self.block.len() < len {
            let mut block = KVec::new();
            if block.extend_with(len, 0, GFP_KERNEL_ACCOUNT).is_err() {
                return false;
            }
            self.block = block;
        }
        let mut dev = self.dev;
        let loaded = self
            .block
            .get_mut(..len)
            .is_some_and(|buf| dev.read(start, buf).is_ok());
        if loaded {
            self.at = Some(start);
        }
        loaded
    }
}

impl BlockSource for MetaCache {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = offset & !(META_BLOCK - 1);
        // `offset - start` is below META_BLOCK, so it fits.
        let within = (offset - start) as usize;
        let end = within.saturating_add(buf.len());
        if buf.is_empty() || end > META_BLOCK as usize || !self.load(start) {
            return self.dev.read(offset, buf);
        }
        let cached = self.block.get(within..end).ok_or(Error::Io)?;
        buf.copy_from_slice(cached);
        Ok(())
    }
}
