//! Host build of the logic of `zcache`, the compressed cache of evicted clean file pages that
//! sits in a stacking block device.
//!
//! All the logic lives in [`policy`], a `core`-only module tree that the kernel module includes
//! as source with `#[path = "../rust/zcache-policy/src/policy/mod.rs"] pub mod policy;`. This
//! file only wraps it into a crate so that the host can test it.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::arithmetic_side_effects,
    clippy::float_arithmetic,
    clippy::as_conversions
)]

pub mod policy;
