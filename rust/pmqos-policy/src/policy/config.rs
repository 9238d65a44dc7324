//! The per-device configuration, its defaults and its consistency rules.

use super::op::{qualifies, Op};
use super::params::{
    parse_bool, parse_duration, parse_freq, parse_u32, trim_newline, ErrorKind, Param, ParamError,
    Value,
};

/// Nanoseconds per millisecond.
pub const NSEC_PER_MSEC: u64 = 1_000_000;

/// The longest hold time: a floor held for seconds after the last lone request no longer
/// follows the I/O, it just pins the clock.
pub const MAX_HOLD_NS: u64 = 10_000 * NSEC_PER_MSEC;

/// What the policy does for one device. Change it only to a value that [`Config::validate`]
/// accepts (sysfs writes go through [`Config::set`], which checks).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Config {
    /// Whether floors are raised at all (`enable`).
    pub enabled: bool,
    /// A latency-bound request issued at this depth or below qualifies (`low_depth`).
    pub low_depth: u32,
    /// At this depth or above no floor is raised: the governor sees the load (`high_depth`).
    pub high_depth: u32,
    /// The floor stays this long after the last qualifying request (`hold_time`).
    pub hold_ns: u64,
    /// At most one floor write per this interval (`rate_limit`; 0: no limit).
    pub rate_limit_ns: u64,
    /// The floor in Hz; 0 is the device's maximum (`boost_freq`).
    pub boost_hz: u64,
    /// When qualifying requests keep a steady period shorter than the hold, the floor drops
    /// between them and comes back this long (plus twice the period's jitter) before the next
    /// one is due, and stays as long after it (`lead_time`; 0: hold without a break).
    pub lead_ns: u64,
}

impl Config {
    /// The defaults.
    ///
    /// - `low_depth` 2: a lone request, or one with its companion (a fault's read and its
    ///   readahead, an fsync's write and flush), is what the governor misses.
    /// - `high_depth` 8: by then the device is busy enough for simple_ondemand to scale up;
    ///   depths between the two neither raise a floor nor cut one short.
    /// - `hold_time` 50 ms: longer than the think time between the requests of one burst of
    ///   intermittent I/O (an app launch's faults), so a burst costs one raise and one drop,
    ///   and shorter than a governor polling window, so idle time is not paid at full clock.
    /// - `rate_limit` 5 ms: a UFS clock switch pauses the queue, so switches must stay rare;
    ///   short enough for a rhythm of lone requests 20 ms apart (50 Hz) to spend most of each
    ///   period without the floor.
    /// - `boost_freq` 0: the device's maximum, the latency a waiting task wants.
    /// - `lead_time` 2 ms: covers the work item's latency and the clock switch before a due
    ///   request, and, after it, the request's own service and a companion request.
    pub const DEFAULT: Self = Self {
        enabled: true,
        low_depth: 2,
        high_depth: 8,
        hold_ns: 50 * NSEC_PER_MSEC,
        rate_limit_ns: 5 * NSEC_PER_MSEC,
        boost_hz: 0,
        lead_ns: 2 * NSEC_PER_MSEC,
    };

    /// Whether a request issued at `depth` qualifies under this configuration.
    pub const fn qualifies(&self, op: Op, depth: u32) -> bool {
        self.enabled && qualifies(op, depth, self.low_depth)
    }

    /// Whether `depth` is high: no floor is raised.
    pub const fn depth_high(&self, depth: u32) -> bool {
        depth >= self.high_depth
    }

    /// Checks the rules, in this order, naming the first value that breaks one:
    ///
    /// - `low_depth` at least 1 (depth counts the request itself; use `enable` to turn off);
    /// - `high_depth` above `low_depth` (no depth may both qualify and be high);
    /// - `hold_time` from 1 ns to [`MAX_HOLD_NS`] (0 would never raise; use `enable`);
    /// - `rate_limit` at most `hold_time` (a longer limit would hold every floor for the limit,
    ///   making `hold_time` meaningless);
    /// - `lead_time` at most `hold_time` (a floor raised ahead of a request is one the hold
    ///   would have kept up).
    ///
    /// The error's token is empty: the configuration was not written as text.
    pub fn validate(&self) -> Result<(), ParamError<'static>> {
        self.check(None)
            .map_err(|(param, kind)| ParamError::new(param, kind, ""))
    }

    /// Parses a sysfs write of `input` to `param` and returns the configuration with it, or an
    /// error naming `param` and the text. When the value conflicts with another one, the error
    /// names that one and its value, so that the user sees which to change first.
    pub fn set<'a>(&self, param: Param, input: &'a str) -> Result<Self, ParamError<'a>> {
        let mut next = *self;
        let parsed = match param {
            Param::Enable => parse_bool(input).map(|on| next.enabled = on),
            Param::LowDepth => parse_u32(input).map(|depth| next.low_depth = depth),
            Param::HighDepth => parse_u32(input).map(|depth| next.high_depth = depth),
            Param::HoldTime => parse_duration(input).map(|ns| next.hold_ns = ns),
            Param::RateLimit => parse_duration(input).map(|ns| next.rate_limit_ns = ns),
            Param::BoostFreq => parse_freq(input).map(|hz| next.boost_hz = hz),
            Param::LeadTime => parse_duration(input).map(|ns| next.lead_ns = ns),
        };
        let token = trim_newline(input);
        parsed.map_err(|kind| ParamError::new(param, kind, token))?;
        next.check(Some(param)).map_err(|(bad, kind)| {
            ParamError::new(bad, kind, if bad == param { token } else { "" })
        })?;
        Ok(next)
    }

    /// What sysfs shows for `param`; [`Config::set`] accepts it back.
    pub const fn value(&self, param: Param) -> Value {
        match param {
            Param::Enable => Value::Bool(self.enabled),
            Param::LowDepth => Value::Count(self.low_depth),
            Param::HighDepth => Value::Count(self.high_depth),
            Param::HoldTime => Value::Time(self.hold_ns),
            Param::RateLimit => Value::Time(self.rate_limit_ns),
            Param::BoostFreq => Value::Freq(self.boost_hz),
            Param::LeadTime => Value::Time(self.lead_ns),
        }
    }

    /// The rules of [`Config::validate`]; a conflict is reported on `written` when it is one
    /// of the two values.
    fn check(&self, written: Option<Param>) -> Result<(), (Param, ErrorKind)> {
        if self.low_depth == 0 {
            let range = ErrorKind::OutOfRange {
                min: 1,
                max: u64::from(u32::MAX),
            };
            return Err((Param::LowDepth, range));
        }
        if self.high_depth <= self.low_depth {
            return Err(if written == Some(Param::LowDepth) {
                conflict(
                    Param::LowDepth,
                    Param::HighDepth,
                    u64::from(self.high_depth),
                )
            } else {
                conflict(Param::HighDepth, Param::LowDepth, u64::from(self.low_depth))
            });
        }
        if self.hold_ns == 0 || self.hold_ns > MAX_HOLD_NS {
            let range = ErrorKind::OutOfRange {
                min: 1,
                max: MAX_HOLD_NS,
            };
            return Err((Param::HoldTime, range));
        }
        if self.rate_limit_ns > self.hold_ns {
            return Err(if written == Some(Param::HoldTime) {
                conflict(Param::HoldTime, Param::RateLimit, self.rate_limit_ns)
            } else {
                conflict(Param::RateLimit, Param::HoldTime, self.hold_ns)
            });
        }
        if self.lead_ns > self.hold_ns {
            return Err(if written == Some(Param::HoldTime) {
                conflict(Param::HoldTime, Param::LeadTime, self.lead_ns)
            } else {
                conflict(Param::LeadTime, Param::HoldTime, self.hold_ns)
            });
        }
        Ok(())
    }
}

/// `param` conflicts with `other`, which is `value`.
fn conflict(param: Param, other: Param, value: u64) -> (Param, ErrorKind) {
    (param, ErrorKind::Conflict { other, value })
}

impl Default for Config {
    fn default() -> Self {
        Self::DEFAULT
    }
}
