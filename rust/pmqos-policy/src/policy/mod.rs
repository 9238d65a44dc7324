//! The policy of `blk_pmqos`: when to raise a devfreq PM-QoS frequency floor for a storage
//! device, and when to drop it, as pure functions of integers.
//!
//! This tree uses only `core`: no allocation, no floating point, no panics, no clock (time is
//! passed in, in nanoseconds of a monotonic clock). The kernel module includes it as source
//! with `#[path]`, so its files refer to each other only through `super::`.
//!
//! How a request moves through it:
//! - **Issue (hot path, lock-free):** [`Hot::issue`], or in the module the same with atomics:
//!   [`qualifies`] says whether the request is latency-bound and alone enough to want a
//!   floor; if so its time is stored and the work item is made to run.
//!   A qualifying request also beats the [`Rhythm`]: the gaps between lone requests, and
//!   whether they keep a steady period.
//! - **Completion:** only the depth changes ([`Hot::complete`]).
//! - **Work item (cold path):** [`Policy::step`] returns an [`Action`] on the PM-QoS request
//!   and when to run again; [`Policy::counters`] gives what sysfs shows.
//! - **Floor value:** [`floor_hz`] from the configured boost frequency and the device's
//!   frequencies; [`qos_khz`] for the request.
//! - **Configuration:** [`Config`], checked by [`Config::validate`]; [`params`] parses and
//!   shows the sysfs values, with errors naming the value.

mod config;
mod floor;
mod freq;
mod op;
pub mod params;
mod rhythm;

pub use self::config::{Config, MAX_HOLD_NS, NSEC_PER_MSEC};
pub use self::floor::{Action, Counters, Decision, Hot, Policy};
pub use self::freq::{floor_hz, qos_khz, FreqRange};
pub use self::op::{qualifies, Op};
pub use self::rhythm::{Beat, Rhythm, MAX_PERIOD_NS, MIN_GAP_NS, STEADY_BEATS};
