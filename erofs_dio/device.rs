// SPDX-License-Identifier: GPL-2.0

//! The image's block device as the crate's [`BlockSource`], in two kinds. [`Device`] reads file
//! data with bios, never through the page cache (see `erd_shim_dev_read`): block-aligned reads
//! into the engine's buffers (pclusters) land in them directly, others go through bounce
//! pages; a run of pclusters may be read ahead without waiting. [`Meta`] reads metadata
//! through the block device's page cache, as stock erofs does: mapping an extent, reading an
//! inode or a directory block touches a few bytes at a time, and the same blocks serve every
//! file of the image.

use kernel::alloc::KVVec;
use kernel::prelude::*;

use crate::erofs::{BlockSource, Error, Result};
use crate::ffi::{MetaBuf, PendingRead, SuperBlock};

fn read_error(e: kernel::error::Error) -> Error {
    if e == ENOMEM {
        Error::NoMemory
    } else {
        Error::Io
    }
}

/// File data of one mount, read with bios.
#[derive(Clone, Copy)]
pub(crate) struct Device {
    sb: SuperBlock,
}

impl Device {
    pub(crate) fn new(sb: SuperBlock) -> Self {
        Self { sb }
    }

    /// Starts reading the first `len` bytes of `buf` at `offset` (see
    /// [`SuperBlock::dev_submit`]); `buf` comes back when nothing could be started.
    pub(crate) fn submit(
        &self,
        offset: u64,
        buf: KVVec<u8>,
        len: usize,
    ) -> core::result::Result<PendingRead, KVVec<u8>> {
        self.sb.dev_submit(offset, buf, len)
    }

    /// The same device, read through its page cache.
    pub(crate) fn meta(self) -> Meta {
        Meta {
            sb: self.sb,
            held: MetaBuf::new(),
        }
    }
}

impl BlockSource for Device {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.sb.dev_read(offset, buf).map_err(read_error)
    }
}

/// Metadata of one mount, read through the block device's page cache. It keeps the last page
/// it read until the next read elsewhere or its drop, as erofs's `erofs_buf` does: mapping an
/// extent or reading an inode makes several small reads in one block.
pub(crate) struct Meta {
    sb: SuperBlock,
    held: MetaBuf,
}

impl BlockSource for Meta {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        if buf.is_empty() {
            return Ok(());
        }
        self.sb
            .meta_read(&mut self.held, offset, buf)
            .map_err(read_error)
    }
}
