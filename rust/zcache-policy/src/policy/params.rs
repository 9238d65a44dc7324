//! The knobs of a zcache device, as sysfs shows and takes them. A bad value is an error that
//! names it, for the module's one log line.

use core::fmt;

/// Where pages are compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// The eviction probe copies the page; a low-priority worker compresses it.
    Async,
    /// The eviction probe compresses the page itself (as the original zcache did); the worker
    /// only files the result. For comparison.
    Sync,
}

/// A device's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// Whether evicted pages are cached (hits are served and writes invalidate either way).
    pub enabled: bool,
    /// Where pages are compressed.
    pub mode: Mode,
    /// The size cap, in percent of RAM.
    pub max_percent: u32,
    /// A cap in bytes as well (0: none); the smaller cap applies.
    pub mem_limit: u64,
}

/// The largest `max_percent`.
pub const MAX_PERCENT: u32 = 50;

impl Config {
    /// The configuration of a new device.
    pub const DEFAULT: Config = Config {
        enabled: true,
        mode: Mode::Async,
        max_percent: 10,
        mem_limit: 0,
    };
}

/// A knob.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Param {
    /// `enabled`: 0 or 1.
    Enabled,
    /// `mode`: async or sync.
    Mode,
    /// `max_percent`: 1 to [`MAX_PERCENT`].
    MaxPercent,
    /// `mem_limit`: bytes, with an optional K, M or G suffix; 0 for none.
    MemLimit,
}

impl Param {
    /// The knob whose file is `name`.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "enabled" => Some(Self::Enabled),
            "mode" => Some(Self::Mode),
            "max_percent" => Some(Self::MaxPercent),
            "mem_limit" => Some(Self::MemLimit),
            _ => None,
        }
    }

    /// Its file name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Mode => "mode",
            Self::MaxPercent => "max_percent",
            Self::MemLimit => "mem_limit",
        }
    }
}

impl fmt::Display for Param {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A value refused, with the text given (trimmed, at most 32 bytes shown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ParamError<'a> {
    /// The knob.
    pub param: Param,
    /// What was written.
    pub text: &'a str,
    /// What it should have been.
    pub expected: &'static str,
}

impl fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Cut at a character boundary at most 32 bytes in, without slicing by index.
        let mut end = 0;
        for (i, c) in self.text.char_indices() {
            let next = i.saturating_add(c.len_utf8());
            if next > 32 {
                break;
            }
            end = next;
        }
        let shown = self.text.get(..end).unwrap_or("");
        write!(f, "{}: `{}`: expected {}", self.param, shown, self.expected)
    }
}

/// What a knob shows.
pub struct Shown(Param, Config);

impl fmt::Display for Shown {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Param::Enabled => write!(f, "{}", u8::from(self.1.enabled)),
            Param::Mode => f.write_str(match self.1.mode {
                Mode::Async => "async",
                Mode::Sync => "sync",
            }),
            Param::MaxPercent => write!(f, "{}", self.1.max_percent),
            Param::MemLimit => write!(f, "{}", self.1.mem_limit),
        }
    }
}

impl Config {
    /// What the file of `param` shows (written back, it is taken).
    pub fn value(self, param: Param) -> Shown {
        Shown(param, self)
    }

    /// This configuration with `param` set from `text` (a trailing newline is ignored).
    pub fn set(self, param: Param, text: &str) -> Result<Config, ParamError<'_>> {
        let t = text.strip_suffix('\n').unwrap_or(text).trim();
        let err = |expected| ParamError {
            param,
            text: t,
            expected,
        };
        let mut cfg = self;
        match param {
            Param::Enabled => {
                cfg.enabled = match t {
                    "0" | "n" | "N" | "off" => false,
                    "1" | "y" | "Y" | "on" => true,
                    _ => return Err(err("0 or 1")),
                }
            }
            Param::Mode => {
                cfg.mode = match t {
                    "async" => Mode::Async,
                    "sync" => Mode::Sync,
                    _ => return Err(err("async or sync")),
                }
            }
            Param::MaxPercent => {
                cfg.max_percent = match t.parse::<u32>() {
                    Ok(p) if (1..=MAX_PERCENT).contains(&p) => p,
                    _ => return Err(err("a percentage of RAM from 1 to 50")),
                }
            }
            Param::MemLimit => {
                cfg.mem_limit = parse_size(t).ok_or_else(|| err("bytes, with K, M or G, or 0"))?
            }
        }
        Ok(cfg)
    }
}

/// A size: decimal bytes with an optional K, M or G suffix (binary units), as zram's
/// `mem_limit` takes it. `None` on anything else or on overflow.
pub fn parse_size(text: &str) -> Option<u64> {
    let (num, shift) = match text.as_bytes().last()? {
        b'K' | b'k' => (text.get(..text.len().checked_sub(1)?)?, 10),
        b'M' | b'm' => (text.get(..text.len().checked_sub(1)?)?, 20),
        b'G' | b'g' => (text.get(..text.len().checked_sub(1)?)?, 30),
        _ => (text, 0),
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    num.parse::<u64>().ok()?.checked_mul(1u64 << shift)
}

/// The longest path `attach` takes.
pub const MAX_PATH: usize = 255;

/// The block device path written to `attach`: one absolute path, no spaces or control
/// characters (a trailing newline is ignored). The error says what was expected.
pub fn parse_attach(text: &str) -> Result<&str, &'static str> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    let ok = t.starts_with('/')
        && t.len() <= MAX_PATH
        && !t
            .bytes()
            .any(|b| b.is_ascii_whitespace() || b.is_ascii_control());
    if ok {
        Ok(t)
    } else {
        Err("the absolute path of a block device, such as /dev/block/sda12")
    }
}

/// The device written to `detach`: `zcacheN`, N without leading zeros (a trailing newline is
/// ignored).
pub fn parse_detach(text: &str) -> Result<u32, &'static str> {
    let t = text.strip_suffix('\n').unwrap_or(text);
    t.strip_prefix("zcache")
        .filter(|n| {
            !n.is_empty()
                && n.bytes().all(|b| b.is_ascii_digit())
                && (n.len() == 1 || !n.starts_with('0'))
        })
        .and_then(|n| n.parse::<u32>().ok())
        .filter(|&n| n <= i32::MAX.unsigned_abs())
        .ok_or("a device name such as zcache0")
}
