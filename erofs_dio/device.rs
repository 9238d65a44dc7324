// SPDX-License-Identifier: GPL-2.0

//! The image's block device as the crate's [`BlockSource`]: every read is a bio into private
//! pages (see `erd_shim_dev_read`), so neither metadata nor data reads touch the page cache.

use crate::erofs::{BlockSource, Error, Result};
use crate::ffi::SuperBlock;

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
        self.sb.dev_read(offset, buf).map_err(|_| Error::Io)
    }
}
