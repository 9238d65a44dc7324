//! The EROFS on-disk format and its read path, without `std`, `alloc` or `unsafe`.
//!
//! All logic lives in [`fmt`], a module tree that uses only `core` so that the `erofs_dio`
//! kernel module can include its source with `#[path]`. The `host` feature adds [`host`]:
//! pure-Rust decompressors and conveniences for tests and fuzzing.
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::float_arithmetic
)]

#[cfg(feature = "host")]
extern crate std;

/// The format and read path (`core` only; shared with the kernel module).
pub mod fmt;

#[cfg(feature = "host")]
pub mod host;

pub use fmt::*;
