//! The built-in policy of `cpuidle_ext`: which idle state a CPU enters and whether the tick is
//! stopped, when no BPF program decides, as pure functions of integers.
//!
//! This tree uses only `core`: no allocation, no floating point, no panics, no clock (times
//! are passed in, in nanoseconds). The kernel module includes it as source with `#[path]`, so
//! its files refer to each other only through `super::`.
//!
//! How the governor uses it, per CPU:
//! - **enable:** a zeroed [`History`] ([`History::new`]) in per-CPU data.
//! - **select:** the states as [`IdleState`]s (at most [`MAX_STATES`]), an [`Input`] (sleep
//!   length, time to the next tick, latency limit, whether the tick is stopped) and the
//!   [`Config`] (the tick period) go to [`History::select`], which returns a [`Selection`]:
//!   the state, `stop_tick` and the reason. When a BPF program selects instead, its answer
//!   goes through [`check_choice`] and [`check_stop_tick`], and [`History::begin`] keeps the
//!   history current.
//! - **reflect:** the state entered and the measured idle duration, as a [`Wakeup`], go to
//!   [`History::reflect`].
//!
//! The approach is that of the kernel's teo governor: timers predict the idle duration, and a
//! decaying count per state bin of on-time and early wakeups says when to expect an earlier
//! one (see [`History`] and [`History::select`]).

mod check;
mod config;
mod history;
mod miss;
mod select;
mod state;

pub use self::check::{check_choice, check_stop_tick, ns_from_kernel, Checked};
pub use self::config::{Config, NSEC_PER_MSEC, NSEC_PER_SEC, NSEC_PER_USEC};
pub use self::history::{Bin, History, Reflected, Wakeup, DECAY_SHIFT, PULSE};
pub use self::miss::{miss, Miss};
pub use self::select::{Input, Reason, Selection};
pub use self::state::{
    deepest_fitting, fallback, shallowest_usable, usable, IdleState, MAX_STATES,
};
