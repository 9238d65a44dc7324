// SPDX-License-Identifier: GPL-2.0

//! erofs_dio: a read-only EROFS filesystem whose O_DIRECT reads of compressed files decompress
//! straight from the device into the caller's buffers, without the page cache.
//!
//! Data flow: the C glue (`inode.c`, `super.c`) owns the VFS tables and calls [`ffi`]'s exports. A mount
//! opens the [`erofs`] volume over a [`device::Device`] (bios, never the page cache) and becomes a
//! [`mount::Mount`]; inodes carry the crate's `FileMap`. Every data read, buffered
//! (`read_folio`) or O_DIRECT (`read_iter`), goes through [`reader::Reader`]: map the range to
//! extents, read the pcluster, decode it with the kernel's libraries ([`decomp`]) into a
//! bounded private buffer, and hand exactly the wanted bytes to a sink (a page, or the
//! caller's `iov_iter`). [`dir`] does lookup and readdir on the same reader.

use kernel::prelude::*;

mod cache;
mod decomp;
mod device;
mod dir;
mod ffi;
mod mount;
mod reader;

/// The EROFS on-disk format and read path (shared with the host tests).
#[path = "../rust/erofs-format/src/fmt/mod.rs"]
pub mod erofs;

module! {
    type: ErofsDio,
    name: "erofs_dio",
    author: "rfl-phone-suite",
    description: "Read-only EROFS with O_DIRECT on compressed files",
    license: "GPL",
}

struct ErofsDio;

impl kernel::Module for ErofsDio {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        ffi::register()?;
        Ok(ErofsDio)
    }
}

impl Drop for ErofsDio {
    fn drop(&mut self) {
        ffi::unregister();
    }
}
