// SPDX-License-Identifier: GPL-2.0

//! One mounted image: the device, the opened volume and what readers share, and turning node
//! ids into inodes.

use kernel::prelude::*;
use kernel::sync::{new_mutex, Mutex};

use crate::cache::{Decoded, Spare};
use crate::device::Device;
use crate::erofs::{self, DataLayout, FileMap, Volume};
use crate::ffi::{Stat, SuperBlock};
use crate::reader::{read_error, Reader};

/// Shared by every reader of the mount; `dev` and `vol` never change after [`Mount::open`].
#[pin_data]
pub(crate) struct Mount {
    pub(crate) dev: Device,
    pub(crate) vol: Volume,
    #[pin]
    pub(crate) decoded: Mutex<Decoded>,
    #[pin]
    pub(crate) spare: Mutex<Spare>,
}

/// The errno a failed mount returns: EINVAL for what is not (or not a known) EROFS image,
/// EFSCORRUPTED for one that contradicts itself, EOPNOTSUPP, EIO, ENOMEM.
fn mount_errno(e: &erofs::Error) -> i32 {
    match e {
        erofs::Error::Corrupted(_) | erofs::Error::BadChecksum => erofs::error::EFSCORRUPTED,
        erofs::Error::Unsupported(_) => erofs::error::EOPNOTSUPP,
        erofs::Error::Io => erofs::error::EIO,
        erofs::Error::NoMemory => erofs::error::ENOMEM,
        _ => erofs::error::EINVAL,
    }
}

impl Mount {
    /// Opens the image on `sb`'s device; on failure logs the one reason and returns the errno.
    pub(crate) fn open(sb: SuperBlock) -> core::result::Result<Pin<KBox<Self>>, i32> {
        let dev = Device::new(sb);
        let vol = match Volume::open(&mut dev.meta()) {
            Ok(vol) => vol,
            Err(e) => {
                pr_err!("cannot mount: {}\n", e);
                return Err(mount_errno(&e));
            }
        };
        let init = try_pin_init!(Self {
            dev,
            vol,
            decoded <- new_mutex!(Decoded::new(), "erofs_dio::Mount::decoded"),
            spare <- new_mutex!(Spare::new(), "erofs_dio::Mount::spare"),
        }? Error);
        KBox::pin_init(init, GFP_KERNEL).map_err(|_| erofs::error::ENOMEM)
    }

    /// A reader for one request.
    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader::new(self)
    }

    /// Reads inode `nid`: its stat fields and its mapping state.
    pub(crate) fn iget(&self, nid: u64) -> Result<(Stat, FileMap)> {
        let file = self
            .vol
            .file(&mut self.dev.meta(), nid)
            .map_err(read_error)?;
        let inode = &file.inode;
        let sb = &self.vol.sb;
        let blocks = match inode.layout {
            DataLayout::FlatPlain | DataLayout::FlatInline | DataLayout::ChunkBased => {
                inode.size_blocks(sb) << (sb.blkbits() - 9)
            }
            _ => u64::from(inode.compressed_blocks()) << (sb.blkbits() - 9),
        };
        let stat = Stat {
            size: inode.size,
            mtime: inode.mtime,
            blocks,
            mtime_nsec: inode.mtime_nsec,
            uid: inode.uid,
            gid: inode.gid,
            nlink: inode.nlink,
            rdev: inode.rdev(),
            mode: inode.mode,
            pad: 0,
        };
        Ok((stat, file))
    }
}
