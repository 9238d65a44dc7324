//! Parsing of what userspace writes to the device's sysfs files, and what they show.
//!
//! A write is one value with an optional final newline, nothing else: no white space, no
//! sign but an optional `+`, decimal digits. Times take a unit (`ns`, `us`, `ms`, `s`; `ms`
//! when none is given); frequencies may (`Hz` when none, `kHz`, `MHz`, `GHz`, any case). A
//! rejected write gives a [`ParamError`] naming the file and the text, so that the module
//! returns `-EINVAL` with one `pr_err` such as ``hold_time: `5min`: unknown unit``.

use core::fmt;

/// A configuration value, by its sysfs file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Param {
    /// `enable`.
    Enable,
    /// `low_depth`.
    LowDepth,
    /// `high_depth`.
    HighDepth,
    /// `hold_time`.
    HoldTime,
    /// `rate_limit`.
    RateLimit,
    /// `boost_freq`.
    BoostFreq,
    /// `lead_time`.
    LeadTime,
}

impl Param {
    /// Every value, in the order the files are listed.
    pub const ALL: [Self; 7] = [
        Self::Enable,
        Self::LowDepth,
        Self::HighDepth,
        Self::HoldTime,
        Self::RateLimit,
        Self::BoostFreq,
        Self::LeadTime,
    ];

    /// The sysfs file's name.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Enable => "enable",
            Self::LowDepth => "low_depth",
            Self::HighDepth => "high_depth",
            Self::HoldTime => "hold_time",
            Self::RateLimit => "rate_limit",
            Self::BoostFreq => "boost_freq",
            Self::LeadTime => "lead_time",
        }
    }

    /// The value called `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|param| param.name() == name)
    }

    /// `raw` (a count, nanoseconds or Hz) shown as this value is shown.
    pub fn shown(self, raw: u64) -> Value {
        match self {
            Self::Enable => Value::Bool(raw != 0),
            Self::LowDepth | Self::HighDepth => {
                Value::Count(u32::try_from(raw).unwrap_or(u32::MAX))
            }
            Self::HoldTime | Self::RateLimit | Self::LeadTime => Value::Time(raw),
            Self::BoostFreq => Value::Freq(raw),
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value as sysfs shows it (without the final newline).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Value {
    /// `1` or `0`.
    Bool(bool),
    /// A plain number.
    Count(u32),
    /// Nanoseconds, shown in the largest of `s`, `ms`, `us`, `ns` that is exact (`0` alone).
    Time(u64),
    /// Hz, shown as a plain number, as devfreq shows frequencies.
    Freq(u64),
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Self::Bool(on) => f.write_str(if on { "1" } else { "0" }),
            Self::Count(n) => write!(f, "{n}"),
            Self::Time(0) => f.write_str("0"),
            Self::Time(ns) => {
                let (count, unit) = TIME_UNITS
                    .iter()
                    .rev()
                    .find_map(|&(unit, scale)| {
                        (ns.checked_rem(scale) == Some(0))
                            .then(|| (ns.checked_div(scale).unwrap_or(ns), unit))
                    })
                    .unwrap_or((ns, "ns"));
                write!(f, "{count}{unit}")
            }
            Self::Freq(hz) => write!(f, "{hz}"),
        }
    }
}

/// What is wrong with a write or a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Nothing was written (or only a newline).
    Empty,
    /// Not a decimal number (or a number followed by something that is not a unit).
    NotANumber,
    /// A number followed by a unit this value does not take.
    UnknownUnit,
    /// Not a boolean: `1`, `0`, `y`, `n`, `yes`, `no`, `on`, `off` (any case).
    NotABool,
    /// Too large for the value's type, before any range check.
    Overflow,
    /// Outside `min..=max` (counts, nanoseconds or Hz, as the value is).
    OutOfRange {
        /// The smallest accepted.
        min: u64,
        /// The largest accepted.
        max: u64,
    },
    /// Inconsistent with `other`, whose value is `value`: depths must keep `low_depth` below
    /// `high_depth`, times `rate_limit` and `lead_time` at most `hold_time`.
    Conflict {
        /// The other value of the rule.
        other: Param,
        /// Its current value.
        value: u64,
    },
}

/// A rejected write or configuration: which value, what is wrong, and the text written (empty
/// when the configuration did not come from text).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamError<'a> {
    /// The value that is wrong.
    pub param: Param,
    /// What is wrong.
    pub kind: ErrorKind,
    /// The text written, without its final newline.
    pub token: &'a str,
}

impl<'a> ParamError<'a> {
    /// An error on `param`.
    pub const fn new(param: Param, kind: ErrorKind, token: &'a str) -> Self {
        Self { param, kind, token }
    }
}

impl fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let param = self.param;
        write!(f, "{param}: ")?;
        if !self.token.is_empty() {
            write!(f, "`{}`: ", self.token)?;
        }
        match self.kind {
            ErrorKind::Empty => f.write_str("empty write"),
            ErrorKind::NotANumber => f.write_str("not a number"),
            ErrorKind::UnknownUnit if param == Param::BoostFreq => {
                f.write_str("unknown unit (Hz, kHz, MHz, GHz)")
            }
            ErrorKind::UnknownUnit => f.write_str("unknown unit (ns, us, ms, s)"),
            ErrorKind::NotABool => f.write_str("not a boolean (1, 0, y, n, on, off)"),
            ErrorKind::Overflow => f.write_str("too large"),
            ErrorKind::OutOfRange { min, max } => {
                let (min, max) = (param.shown(min), param.shown(max));
                write!(f, "out of range ({min} to {max})")
            }
            ErrorKind::Conflict { other, value } => {
                let rule = match param {
                    Param::LowDepth => "must be below",
                    Param::HighDepth => "must be above",
                    Param::HoldTime => "must be at least",
                    Param::RateLimit | Param::LeadTime => "must not exceed",
                    Param::Enable | Param::BoostFreq => "conflicts with",
                };
                let value = other.shown(value);
                write!(f, "{rule} {other} ({value})")
            }
        }
    }
}

/// Time units and their nanoseconds, smallest first.
const TIME_UNITS: [(&str, u64); 4] = [
    ("ns", 1),
    ("us", 1_000),
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
];

/// Frequency units and their Hz, compared without case.
const FREQ_UNITS: [(&str, u64); 4] = [
    ("hz", 1),
    ("khz", 1_000),
    ("mhz", 1_000_000),
    ("ghz", 1_000_000_000),
];

/// `input` without one final newline (sysfs writes from `echo` end with one).
pub fn trim_newline(input: &str) -> &str {
    input.strip_suffix('\n').unwrap_or(input)
}

/// A boolean: `1`, `y`, `yes`, `on` or `0`, `n`, `no`, `off`, in any case.
pub fn parse_bool(input: &str) -> Result<bool, ErrorKind> {
    let value = non_empty(input)?;
    let is = |word: &str| value.eq_ignore_ascii_case(word);
    if is("1") || is("y") || is("yes") || is("on") {
        Ok(true)
    } else if is("0") || is("n") || is("no") || is("off") {
        Ok(false)
    } else {
        Err(ErrorKind::NotABool)
    }
}

/// A plain decimal `u64`.
pub fn parse_u64(input: &str) -> Result<u64, ErrorKind> {
    match number(non_empty(input)?)? {
        (n, "") => Ok(n),
        _ => Err(ErrorKind::NotANumber),
    }
}

/// A plain decimal `u32`.
pub fn parse_u32(input: &str) -> Result<u32, ErrorKind> {
    u32::try_from(parse_u64(input)?).map_err(|_| ErrorKind::Overflow)
}

/// A time in nanoseconds: a number with a unit (`ns`, `us`, `ms`, `s`), `ms` when none is given.
pub fn parse_duration(input: &str) -> Result<u64, ErrorKind> {
    with_unit(input, &TIME_UNITS, 1_000_000, false)
}

/// A frequency in Hz: a number with `Hz`, `kHz`, `MHz` or `GHz` (any case), `Hz` when none is
/// given.
pub fn parse_freq(input: &str) -> Result<u64, ErrorKind> {
    with_unit(input, &FREQ_UNITS, 1, true)
}

/// A number followed by one of `units` (`default` when none), scaled.
fn with_unit(
    input: &str,
    units: &[(&str, u64)],
    default: u64,
    any_case: bool,
) -> Result<u64, ErrorKind> {
    let (n, unit) = number(non_empty(input)?)?;
    let scale = if unit.is_empty() {
        default
    } else if unit.starts_with(|c: char| c.is_ascii_alphabetic()) {
        units
            .iter()
            .find(|&&(name, _)| {
                if any_case {
                    unit.eq_ignore_ascii_case(name)
                } else {
                    unit == name
                }
            })
            .map(|&(_, scale)| scale)
            .ok_or(ErrorKind::UnknownUnit)?
    } else {
        return Err(ErrorKind::NotANumber);
    };
    n.checked_mul(scale).ok_or(ErrorKind::Overflow)
}

/// `input` without its final newline, or [`ErrorKind::Empty`].
fn non_empty(input: &str) -> Result<&str, ErrorKind> {
    let value = trim_newline(input);
    if value.is_empty() {
        Err(ErrorKind::Empty)
    } else {
        Ok(value)
    }
}

/// The decimal number at the start of `s` (after an optional `+`) and the text after it.
fn number(s: &str) -> Result<(u64, &str), ErrorKind> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let end = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (digits, rest) = (s.get(..end).unwrap_or(""), s.get(end..).unwrap_or(""));
    if digits.is_empty() {
        return Err(ErrorKind::NotANumber);
    }
    let n = digits.bytes().try_fold(0u64, |acc, digit| {
        acc.checked_mul(10)
            .and_then(|acc| acc.checked_add(u64::from(digit.wrapping_sub(b'0'))))
            .ok_or(ErrorKind::Overflow)
    })?;
    Ok((n, rest))
}
