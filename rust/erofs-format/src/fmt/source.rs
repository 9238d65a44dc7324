// Where image bytes come from. The crate never does I/O: the caller supplies reads.

use super::error::{Error, Result};

/// A random-access byte source for an EROFS image (a block device, a file, a buffer).
///
/// The kernel module implements it with bios into private bounded buffers (metadata reads are
/// small: one inode, one index pack, one directory block at most); the host with a slice.
pub trait BlockSource {
    /// Fills all of `buf` with the image bytes starting at byte `offset`.
    ///
    /// Must fail (typically with [`Error::Io`]) rather than return short or stale data.
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()>;
}

impl<T: BlockSource + ?Sized> BlockSource for &mut T {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        (**self).read(offset, buf)
    }
}

/// A [`BlockSource`] over an image held in memory.
#[derive(Debug, Clone, Copy)]
pub struct SliceSource<'a> {
    data: &'a [u8],
}

impl<'a> SliceSource<'a> {
    /// Wraps the bytes of a whole image.
    pub fn new(data: &'a [u8]) -> Self {
        Self { data }
    }
}

impl BlockSource for SliceSource<'_> {
    fn read(&mut self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let start = usize::try_from(offset).map_err(|_| Error::Io)?;
        let end = start.checked_add(buf.len()).ok_or(Error::Io)?;
        let src = self.data.get(start..end).ok_or(Error::Io)?;
        buf.copy_from_slice(src);
        Ok(())
    }
}
