//! Host build of the built-in policy of `cpuidle_ext`, the cpuidle governor whose `select`
//! a BPF struct_ops program can replace. This policy decides whenever no program is attached.
//!
//! All the logic lives in [`policy`], a `core`-only module tree that the kernel module includes
//! as source with `#[path = "../rust/idle-policy/src/policy/mod.rs"] pub mod policy;`. This
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
