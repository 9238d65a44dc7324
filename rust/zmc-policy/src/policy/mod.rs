//! The page policy of `zram_multicomp`: every decision the device makes about a page, as pure
//! functions of integers and byte slices.
//!
//! This tree uses only `core`: no allocation, no floating point, no panics, no clock (time is
//! passed in, in seconds or nanoseconds of boot time). The kernel module includes it as source
//! with `#[path]`, so its files refer to each other only through `super::`.
//!
//! How a page moves through it:
//! - **Write (swap-out):** [`decide_write`] returns [`WriteDecision::SameFilled`] (store the
//!   word, allocate nothing), [`WriteDecision::Raw`] (the [`verdict`] of the estimate: clearly
//!   incompressible) or [`WriteDecision::Compress`] with the primary, fast algorithm. After
//!   compressing, [`is_huge`] applies zram's rule: a result at or above the huge size is stored
//!   raw. [`PageFeatures::written`] then gives the slot's features.
//! - **Read:** [`PageFeatures::touched`] makes the page hot: its age restarts and it is no
//!   longer idle.
//! - **Recompress (background):** [`should_start`] says when a pass starts by itself (memory
//!   pressure, device idle, period). For each slot, [`next_algo`] picks the next stronger
//!   algorithm to try, in priority order, or says why the slot is skipped; [`keep_new`] says
//!   whether a result replaces the stored one; [`PageFeatures::recompressed`] records the
//!   outcome. [`TokenBucket`] (pages per second) and [`CpuShare`] (compression time against
//!   wall time) bound the work.
//! - **Configuration:** [`params`] parses and validates what userspace writes to sysfs, with
//!   zram 6.12's formats.

mod algo;
mod budget;
mod estimate;
mod page;
pub mod params;
mod recompress;
mod same_filled;
mod slot;
mod trigger;
mod write;

pub use self::algo::{AlgoId, AlgoKind, AlgoSet, AlgoSpec, AlgoTable, MAX_ALGOS};
pub use self::budget::{CpuShare, TokenBucket};
pub use self::estimate::{
    estimate, verdict, Estimate, Verdict, CHUNK_LEN, INCOMPRESSIBLE_HIGH, INCOMPRESSIBLE_MAX_ZEROS,
    INCOMPRESSIBLE_MBITS, INCOMPRESSIBLE_MIN_DISTINCT, SAMPLE_CHUNKS,
};
pub use self::page::{PageFeatures, PageFlags};
pub use self::recompress::{
    keep_new, min_saving, next_algo, RecompressConfig, RecompressDecision, Select, SkipReason,
};
pub use self::same_filled::same_filled;
pub use self::slot::{Claim, SlotMeta};
pub use self::trigger::{should_start, TriggerConfig, TriggerInputs, TriggerReason};
pub use self::write::{decide_write, is_huge, CompPolicy, WriteDecision};
