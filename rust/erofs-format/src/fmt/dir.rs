// Directory blocks: 12-byte dirents sorted by name, then the names, in each block.
//
// A block holds `n` dirents (n = nameoff of the first / 12); the name of dirent i runs from its
// nameoff to the next one's, the last name to the first NUL or the end of the block data.

use core::cmp::Ordering;

use super::bytes::{add_usize, le16, le64, sub_usize, u8_at};
use super::error::{Error, Result};

/// Size of an on-disk dirent.
pub const DIRENT_SIZE: usize = 12;
/// Longest file name.
pub const NAME_MAX: usize = 255;

/// One directory entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DirEntry<'a> {
    /// Node id of the entry's inode.
    pub nid: u64,
    /// File type (`FT_*`: 1 regular, 2 directory, 7 symlink, ...).
    pub file_type: u8,
    /// The name, without NUL.
    pub name: &'a [u8],
}

/// A validated view of one directory block.
#[derive(Debug, Clone, Copy)]
pub struct DirBlock<'a> {
    data: &'a [u8],
    count: usize,
}

impl<'a> DirBlock<'a> {
    /// Wraps the bytes of one directory block: the block size, or less for the last block
    /// (`min(block size, dir size - block start)`).
    pub fn new(data: &'a [u8]) -> Result<Self> {
        let nameoff0 = usize::from(le16(data, 8)?);
        if nameoff0 == 0 || nameoff0 >= data.len() || nameoff0 % DIRENT_SIZE != 0 {
            return Err(Error::Corrupted("invalid first dirent nameoff"));
        }
        Ok(Self {
            data,
            count: nameoff0 / DIRENT_SIZE,
        })
    }

    /// Number of entries in the block.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Is the block empty? (Never, for a valid block.)
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Byte offset of dirent `i` (below `len()`, so inside the block).
    fn dirent_pos(i: usize) -> Result<usize> {
        i.checked_mul(DIRENT_SIZE)
            .ok_or(Error::Corrupted("bogus dirent"))
    }

    fn nameoff(&self, i: usize) -> Result<usize> {
        Ok(usize::from(le16(
            self.data,
            add_usize(Self::dirent_pos(i)?, 8)?,
        )?))
    }

    /// Entry `i` (`0..len()`), strictly validated like the kernel's readdir.
    pub fn entry(&self, i: usize) -> Result<DirEntry<'a>> {
        if i >= self.count {
            return Err(Error::InvalidArgument("dirent index out of range"));
        }
        let base = Self::dirent_pos(i)?;
        let nameoff = self.nameoff(i)?;
        let maxsize = self.data.len();
        let next = add_usize(i, 1)?;
        let end = if next < self.count {
            self.nameoff(next)?
        } else {
            if nameoff >= maxsize {
                return Err(Error::Corrupted("bogus dirent"));
            }
            let tail = self
                .data
                .get(nameoff..)
                .ok_or(Error::Corrupted("bogus dirent"))?;
            add_usize(
                nameoff,
                tail.iter().position(|&b| b == 0).unwrap_or(tail.len()),
            )?
        };
        if end <= nameoff || sub_usize(end, nameoff)? > NAME_MAX || end > maxsize {
            return Err(Error::Corrupted("bogus dirent name"));
        }
        let name = self
            .data
            .get(nameoff..end)
            .ok_or(Error::Corrupted("bogus dirent"))?;
        Ok(DirEntry {
            nid: le64(self.data, base)?,
            file_type: u8_at(self.data, add_usize(base, 10)?)?,
            name,
        })
    }

    /// The entries in order; each item is checked as [`DirBlock::entry`].
    pub fn iter(&self) -> impl Iterator<Item = Result<DirEntry<'a>>> + '_ {
        (0..self.count).map(move |i| self.entry(i))
    }

    /// Binary search for `name` inside this block.
    pub fn find(&self, name: &[u8]) -> Result<Option<DirEntry<'a>>> {
        let (mut lo, mut hi) = (0usize, self.count);
        while lo < hi {
            let mid = add_usize(lo, sub_usize(hi, lo)? / 2)?;
            let e = self.entry(mid)?;
            match name.cmp(e.name) {
                Ordering::Equal => return Ok(Some(e)),
                Ordering::Greater => lo = add_usize(mid, 1)?,
                Ordering::Less => hi = mid,
            }
        }
        Ok(None)
    }

    /// Compares `name` with the block's first name (for the search across blocks).
    pub fn cmp_first(&self, name: &[u8]) -> Result<Ordering> {
        Ok(name.cmp(self.entry(0)?.name))
    }
}

/// Checks a name for lookup: 1 to 255 bytes, no `/` or NUL.
pub fn check_name(name: &[u8]) -> Result<()> {
    if name.is_empty() || name.len() > NAME_MAX || name.iter().any(|&b| b == b'/' || b == 0) {
        return Err(Error::BadName);
    }
    Ok(())
}
