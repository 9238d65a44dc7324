//! The logic of `zcache`, as pure functions and lock-free tables over caller-owned memory.
//!
//! This tree uses only `core`: no allocation, no floating point, no panics. The kernel module
//! includes it as source with `#[path]`, so its files refer to each other only through `super::`.
//! The tables ([`ReadLog`], [`Slots`], [`Epochs`]) work on slices of atomics that the module
//! allocates once; every operation on them is safe in any context (interrupts off included),
//! takes no lock and never waits.
//!
//! How a page moves through it:
//! - **Read completion:** the module records the page's file position (mapping, index), the
//!   sector it came from, its [`page_hash`] and the read's sequence number in the [`ReadLog`].
//! - **Eviction (tracepoint probe):** [`on_evict`] decides from the eviction's kind and the log
//!   whether to stage the page; a staging slot is claimed from [`Slots`] without waiting.
//! - **Worker:** [`verify`] checks the staged copy against the recorded hash and the sector's
//!   write epoch ([`Epochs::fresh`]); [`store_form`] says how to keep it.
//! - **Writes, discards:** [`Epochs::bump`] and [`invalidation_window`] make every overlapping
//!   entry go before the write reaches the lower device.
//! - **Reads:** [`leading_run`] splits a read into a run of cached pages or of misses.
//! - **Memory:** [`cap_bytes`] and [`over_cap`]; without the tracepoint, [`admit_on_read`].
//! - **Configuration:** [`Config`] and [`params`], with errors naming the value.

mod admit;
mod epochs;
mod hash;
pub mod params;
mod range;
mod readlog;
mod slots;

pub use self::admit::{
    admit_on_read, cap_bytes, effective_cap, on_evict, over_cap, store_form, verify, Evict,
    EvictKind, Form, Verdict,
};
pub use self::epochs::{Epochs, GRANULE_SECTORS};
pub use self::hash::page_hash;
pub use self::params::{Config, Mode};
pub use self::range::{invalidation_window, leading_run, overlaps, Run};
pub use self::readlog::{LogEntry, LogKey, LogValue, ReadLog};
pub use self::slots::{Slot, SlotState, Slots};
