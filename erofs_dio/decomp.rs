// SPDX-License-Identifier: GPL-2.0

//! The crate's [`Decompressor`] on the kernel's libraries: lz4 (lz4 and lz4hc images), zstd,
//! raw DEFLATE through zlib inflate, and MicroLZMA through xz.

use kernel::ffi::c_int;

use crate::erofs::{Algorithm, Decompressor, Error, Result};
use crate::ffi::{self, Codec, Dest, Handed};

/// Largest LZMA dictionary EROFS accepts (`Z_EROFS_LZMA_MAX_DICT_SIZE`).
const LZMA_MAX_DICT: u32 = 8 << 20;

/// Stateless: every call sets up what its algorithm needs.
pub(crate) struct KernelDecompressor {
    lzma_dict_size: u32,
}

impl KernelDecompressor {
    pub(crate) fn new(lzma_dict_size: u32) -> Self {
        Self { lzma_dict_size }
    }
}

impl KernelDecompressor {
    fn codec(algorithm: Algorithm) -> Result<Codec> {
        match algorithm {
            Algorithm::Lz4 => Ok(Codec::Lz4),
            Algorithm::Zstd => Ok(Codec::Zstd),
            Algorithm::Deflate => Ok(Codec::Deflate),
            Algorithm::Lzma => Ok(Codec::Lzma),
            Algorithm::Shifted | Algorithm::Interlaced => {
                Err(Error::InvalidArgument("plain pcluster"))
            }
        }
    }

    fn dict(&self) -> u32 {
        match self.lzma_dict_size {
            0 => LZMA_MAX_DICT,
            n => n.min(LZMA_MAX_DICT),
        }
    }

    /// As [`Decompressor::decompress`], into a read's mapped destination.
    pub(crate) fn decompress_into(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: &Dest,
        partial: bool,
    ) -> Result<usize> {
        let codec = Self::codec(algorithm)?;
        ffi::decompress_into(codec, src, dst, partial, self.dict()).map_err(error)
    }

    /// As [`Self::decompress_into`], handed to a worker (see [`Handed`]); `dst` back when the
    /// algorithm is not one the kernel decodes or no job could be allocated.
    ///
    /// # Safety
    ///
    /// As [`Handed::start`]: `src` stays valid and unchanged until the job is finished.
    pub(crate) unsafe fn hand(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: Dest,
        partial: bool,
    ) -> core::result::Result<Handed, Dest> {
        let Ok(codec) = Self::codec(algorithm) else {
            return Err(dst);
        };
        // SAFETY: the caller's contract.
        unsafe { Handed::start(codec, src, dst, partial, self.dict()) }
    }
}

/// The crate's error for a decoder's negative errno.
pub(crate) fn error(errno: c_int) -> Error {
    if errno == kernel::error::code::ENOMEM.to_errno() {
        Error::NoMemory
    } else {
        Error::Corrupted("compressed data")
    }
}

impl Decompressor for KernelDecompressor {
    fn decompress(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: &mut [u8],
        partial: bool,
    ) -> Result<usize> {
        let codec = Self::codec(algorithm)?;
        ffi::decompress(codec, src, dst, partial, self.dict()).map_err(error)
    }
}
