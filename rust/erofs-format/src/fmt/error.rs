// Errors of the EROFS read path and the kernel errno each one maps to.

use core::fmt;

/// `ENOENT`: no such file or directory.
pub const ENOENT: i32 = 2;
/// `EIO`: an I/O error.
pub const EIO: i32 = 5;
/// `ENOMEM`: out of memory.
pub const ENOMEM: i32 = 12;
/// `ENOTDIR`: not a directory.
pub const ENOTDIR: i32 = 20;
/// `EINVAL`: an invalid argument (or, as the kernel does, a superblock it cannot mount).
pub const EINVAL: i32 = 22;
/// `ENAMETOOLONG`: a file name longer than 255 bytes.
pub const ENAMETOOLONG: i32 = 36;
/// `EBADMSG`: a checksum mismatch.
pub const EBADMSG: i32 = 74;
/// `EOPNOTSUPP`: a feature this crate (and the 6.12 kernel) does not support.
pub const EOPNOTSUPP: i32 = 95;
/// `EUCLEAN`: the kernel's number for `EFSCORRUPTED`.
pub const EUCLEAN: i32 = 117;
/// `EFSCORRUPTED`: the image is corrupted (the kernel defines it as `EUCLEAN`).
pub const EFSCORRUPTED: i32 = EUCLEAN;

/// Everything that can go wrong while reading an EROFS image.
///
/// Each variant carries a short static reason for logs; [`Error::errno`] gives the positive
/// errno the kernel module returns (negated) to user space.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Error {
    /// The image contradicts itself: a bogus offset, count or encoding (`EFSCORRUPTED`).
    Corrupted(&'static str),
    /// The superblock checksum does not match its contents (`EBADMSG`).
    BadChecksum,
    /// No EROFS superblock at offset 1024 (`EINVAL`).
    BadMagic,
    /// An incompatible feature bit this reader does not know (`EINVAL`, as the kernel).
    UnknownFeature(u32),
    /// A valid but unsupported feature, layout or algorithm (`EOPNOTSUPP`).
    Unsupported(&'static str),
    /// The block source failed, or a read fell outside the image (`EIO`).
    Io,
    /// The block source or a decompressor could not get memory (`ENOMEM`): the image may be
    /// fine, and the reader must not take it for a bad one.
    NoMemory,
    /// A caller's argument is out of range: an offset past EOF, a buffer too small (`EINVAL`).
    InvalidArgument(&'static str),
    /// A name is not in the directory (`ENOENT`).
    NotFound,
    /// The inode is not a directory (`ENOTDIR`).
    NotDir,
    /// A name is empty or longer than 255 bytes (`ENAMETOOLONG`, or `ENOENT` when empty).
    BadName,
}

/// The result type of this crate.
pub type Result<T> = core::result::Result<T, Error>;

impl Error {
    /// The positive errno for this error (the kernel returns its negation).
    pub fn errno(&self) -> i32 {
        match self {
            Error::Corrupted(_) => EFSCORRUPTED,
            Error::BadChecksum => EBADMSG,
            Error::BadMagic | Error::UnknownFeature(_) | Error::InvalidArgument(_) => EINVAL,
            Error::Unsupported(_) => EOPNOTSUPP,
            Error::Io => EIO,
            Error::NoMemory => ENOMEM,
            Error::NotFound => ENOENT,
            Error::NotDir => ENOTDIR,
            Error::BadName => ENAMETOOLONG,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Corrupted(why) => write!(f, "corrupted image: {why}"),
            Error::BadChecksum => f.write_str("superblock checksum mismatch"),
            Error::BadMagic => f.write_str("no EROFS superblock"),
            Error::UnknownFeature(bits) => {
                write!(f, "unknown incompatible features {bits:#x}")
            }
            Error::Unsupported(what) => write!(f, "unsupported: {what}"),
            Error::Io => f.write_str("I/O error"),
            Error::NoMemory => f.write_str("out of memory"),
            Error::InvalidArgument(why) => write!(f, "invalid argument: {why}"),
            Error::NotFound => f.write_str("no such entry"),
            Error::NotDir => f.write_str("not a directory"),
            Error::BadName => f.write_str("bad file name"),
        }
    }
}
