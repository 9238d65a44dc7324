// SPDX-License-Identifier: GPL-2.0

//! The crate's [`Decompressor`] on the kernel's libraries: lz4 (lz4 and lz4hc images), zstd,
//! raw DEFLATE through zlib inflate, and MicroLZMA through xz.

use crate::erofs::{Algorithm, Decompressor, Error, Result};
use crate::ffi;

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

impl Decompressor for KernelDecompressor {
    fn decompress(
        &mut self,
        algorithm: Algorithm,
        src: &[u8],
        dst: &mut [u8],
        partial: bool,
    ) -> Result<usize> {
        let ret = match algorithm {
            Algorithm::Lz4 => ffi::lz4(src, dst, partial),
            Algorithm::Zstd => ffi::zstd(src, dst, partial),
            Algorithm::Deflate => ffi::deflate(src, dst, partial),
            Algorithm::Lzma => {
                let dict = match self.lzma_dict_size {
                    0 => LZMA_MAX_DICT,
                    n => n.min(LZMA_MAX_DICT),
                };
                ffi::lzma(src, dst, partial, dict)
            }
            Algorithm::Shifted | Algorithm::Interlaced => {
                return Err(Error::InvalidArgument("plain pcluster"))
            }
        };
        ret.map_err(|e| {
            if e == kernel::error::code::ENOMEM.to_errno() {
                Error::NoMemory
            } else {
                Error::Corrupted("compressed data")
            }
        })
    }
}
