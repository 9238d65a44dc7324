// SPDX-License-Identifier: GPL-2.0

//! One mounted image: the device and the opened volume, and turning node ids into inodes.

use kernel::prelude::*;

use crate::device::Device;
use crate::erofs::{self, DataLayout, FileMap, Volume};
use crate::ffi::{Stat, SuperBlock};
use crate::reader::{read_error, Reader};

/// Shared by every reader of the mount; never changes after [`Mount::open`].
pub(crate) struct Mount {
    pub(crate) dev: Device,
    pub(crate) vol: Volume,
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
    pub(crate) fn open(sb: SuperBlock) -> core::result::Result<Self, i32> {
        let mut dev = Device::new(sb);
        match Volume::open(&mut dev) {
            Ok(vol) => Ok(Self { dev, vol }),
            Err(e) => {
                pr_err!("cannot mount: {}\n", e);
                Err(mount_errno(&e))
            }
        }
    }

    /// A reader for one request.
    pub(crate) fn reader(&self) -> Reader<'_> {
        Reader::new(&self.vol, self.dev)
    }

    /// Reads inode `nid`: its stat fields and its mapping state.
    pub(crate) fn iget(&self, nid: u64) -> Result<(Stat, FileMap)> {
        let mut dev = self.dev;
        let file = self.vol.file(&mut dev, nid).map_err(read_error)?;
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
