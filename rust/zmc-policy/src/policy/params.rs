//! Parsing and validation of what userspace writes to the device's sysfs files, with zram
//! 6.12's formats (see `Documentation/admin-guide/blockdev/zram.rst`).
//!
//! Each parser returns a typed value, or a [`ParamError`] naming the bad token so that the
//! module can return `-EINVAL` with one `pr_err` such as
//! ``recompress: `threshold=abc`: not a number``. Parsed values borrow from the input.
//!
//! Key-value files (`algorithm_params`, `recomp_algorithm`, `recompress`) are split like the
//! kernel's `next_arg()`: arguments are separated by white space, a value may be put in double
//! quotes to hold spaces (`dict="/a b"`), and a key repeated overrides the earlier one. Numbers
//! follow `kstrto*()`: an optional `+` (or `-` for signed values), decimal unless said
//! otherwise, with overflow an error.
//!
//! Where zram 6.12 silently accepts nonsense this module is stricter, and says so: an unknown
//! key, an unknown `type=` or a priority past the last slot is an error instead of being
//! ignored, and `mem_limit` rejects trailing garbage and overflow.

use core::fmt;

use super::algo::{AlgoId, AlgoKind, AlgoTable, MAX_ALGOS};
use super::page::{PageFeatures, PageFlags};
use super::recompress::{RecompressConfig, Select};
use super::write::CompPolicy;

/// What is wrong with a token.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// Nothing but white space was written where a value is required.
    Empty,
    /// A `key` without `=value`, or with an empty value.
    NoValue,
    /// A key this file does not accept.
    UnknownKey,
    /// A value that should be a number and is not.
    NotANumber,
    /// A number outside the accepted range.
    OutOfRange,
    /// A word this file does not accept (an unknown `type=`, policy or algorithm name).
    UnknownValue,
    /// The required key is missing (the token is the whole input).
    MissingKey(&'static str),
    /// An algorithm name that is not configured on the device (the token is the name).
    NotConfigured,
}

/// A rejected sysfs write: what is wrong, and the token (a `key=value` argument, a value or the
/// whole trimmed input) that is wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct ParamError<'a> {
    /// What is wrong.
    pub kind: ErrorKind,
    /// The offending text.
    pub token: &'a str,
}

impl<'a> ParamError<'a> {
    fn new(kind: ErrorKind, token: &'a str) -> Self {
        Self { kind, token }
    }
}

impl fmt::Display for ParamError<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let token = self.token;
        match self.kind {
            ErrorKind::Empty => f.write_str("empty input"),
            ErrorKind::NoValue => write!(f, "`{token}`: missing value"),
            ErrorKind::UnknownKey => write!(f, "`{token}`: unknown key"),
            ErrorKind::NotANumber => write!(f, "`{token}`: not a number"),
            ErrorKind::OutOfRange => write!(f, "`{token}`: out of range"),
            ErrorKind::UnknownValue => write!(f, "`{token}`: unknown value"),
            ErrorKind::MissingKey(key) => write!(f, "`{token}`: missing `{key}=`"),
            ErrorKind::NotConfigured => write!(f, "`{token}`: algorithm not configured"),
        }
    }
}

/// `algorithm_params`: `[algo=NAME | priority=N] [level=L] [dict=PATH]`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct AlgorithmParams<'a> {
    /// The algorithm, by name (takes precedence over `priority`, as in zram).
    pub algo: Option<&'a str>,
    /// The algorithm, by slot (0 to 3).
    pub priority: Option<AlgoId>,
    /// The compression level (any `int`; the backend judges it).
    pub level: Option<i32>,
    /// The path of a pre-trained dictionary.
    pub dict: Option<&'a str>,
}

impl<'a> AlgorithmParams<'a> {
    /// The slot the parameters apply to: the one configured with `algo`, else `priority`, else
    /// the primary.
    pub fn slot(&self, table: &AlgoTable) -> Result<AlgoId, ParamError<'a>> {
        match (self.algo, self.priority) {
            (Some(name), _) => table
                .find(name, AlgoId::PRIMARY)
                .ok_or(ParamError::new(ErrorKind::NotConfigured, name)),
            (None, Some(priority)) => Ok(priority),
            (None, None) => Ok(AlgoId::PRIMARY),
        }
    }
}

/// Parses `algorithm_params`. Accepted keys: `algo`, `priority` (0 to 3), `level` and `dict`.
/// An empty write is valid, as in zram: it resets the primary's parameters.
pub fn parse_algorithm_params(input: &str) -> Result<AlgorithmParams<'_>, ParamError<'_>> {
    let mut params = AlgorithmParams::default();
    for arg in Args::new(input) {
        let (token, value) = (arg.token, arg.value()?);
        match arg.key {
            "algo" => params.algo = Some(value),
            "priority" => params.priority = Some(slot(value, token, 0)?),
            "level" => {
                params.level = Some(parse_i32(value).map_err(|kind| ParamError::new(kind, token))?)
            }
            "dict" => params.dict = Some(value),
            _ => return Err(ParamError::new(ErrorKind::UnknownKey, token)),
        }
    }
    Ok(params)
}

/// `recomp_algorithm`: `algo=NAME [priority=N]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecompAlgorithm {
    /// The algorithm.
    pub algo: AlgoKind,
    /// Its slot, 1 to 3 (1 when not given).
    pub priority: AlgoId,
}

/// Parses `recomp_algorithm`. Accepted keys: `algo` (required, a known algorithm) and
/// `priority` (1 to 3).
pub fn parse_recomp_algorithm(input: &str) -> Result<RecompAlgorithm, ParamError<'_>> {
    let mut algo = None;
    let mut priority = AlgoId(1);
    for arg in Args::new(input) {
        let (token, value) = (arg.token, arg.value()?);
        match arg.key {
            "algo" => {
                let kind = AlgoKind::from_name(value)
                    .ok_or(ParamError::new(ErrorKind::UnknownValue, token))?;
                algo = Some(kind);
            }
            "priority" => priority = slot(value, token, 1)?,
            _ => return Err(ParamError::new(ErrorKind::UnknownKey, token)),
        }
    }
    let algo = algo.ok_or(ParamError::new(ErrorKind::MissingKey("algo"), trim(input)))?;
    Ok(RecompAlgorithm { algo, priority })
}

/// `recompress`: `[type=idle|huge|huge_idle] [threshold=N] [max_pages=N] [algo=NAME]
/// [priority=N]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct RecompressParams<'a> {
    /// Which pages: [`Select::All`] when `type=` is not given.
    pub select: Select,
    /// Only pages stored with at least this many bytes, and only results below it (0: none).
    pub threshold: u32,
    /// At most this many pages are recompressed (attempts count, as in zram).
    pub max_pages: Option<u64>,
    /// Use only this algorithm (searched from `priority`, or slot 1, up).
    pub algo: Option<&'a str>,
    /// Use only this slot (1 to 3; 0 is taken as 1, as in zram).
    pub priority: Option<AlgoId>,
}

impl Default for RecompressParams<'_> {
    /// Every page, no threshold, no page limit, every secondary.
    fn default() -> Self {
        Self {
            select: Select::All,
            threshold: 0,
            max_pages: None,
            algo: None,
            priority: None,
        }
    }
}

impl<'a> RecompressParams<'a> {
    /// The pass configuration: `base` (for the gains, huge size and cold age) with this
    /// write's selection, threshold and algorithm range.
    pub fn config(
        &self,
        table: &AlgoTable,
        base: &RecompressConfig,
    ) -> Result<RecompressConfig, ParamError<'a>> {
        let from = self.priority.unwrap_or(AlgoId(1));
        let (first, last) = match (self.algo, self.priority) {
            (Some(name), _) => {
                let found = table
                    .find(name, from)
                    .ok_or(ParamError::new(ErrorKind::NotConfigured, name))?;
                (found, found)
            }
            (None, Some(priority)) => (priority, priority),
            (None, None) => (
                AlgoId(1),
                AlgoId::from_index(MAX_ALGOS.saturating_sub(1)).unwrap_or(AlgoId(1)),
            ),
        };
        Ok(RecompressConfig {
            select: self.select,
            first,
            last,
            threshold: self.threshold,
            ..*base
        })
    }
}

/// Parses `recompress`. `huge_len` is zsmalloc's huge class size: as in zram, a threshold at
/// or above it is out of range.
pub fn parse_recompress(
    input: &str,
    huge_len: u32,
) -> Result<RecompressParams<'_>, ParamError<'_>> {
    let mut params = RecompressParams::default();
    for arg in Args::new(input) {
        let (token, value) = (arg.token, arg.value()?);
        let number = |radix| parse_u64(value, radix).map_err(|kind| ParamError::new(kind, token));
        match arg.key {
            "type" => {
                params.select = match value {
                    "idle" => Select::Idle,
                    "huge" => Select::Huge,
                    "huge_idle" => Select::HugeIdle,
                    _ => return Err(ParamError::new(ErrorKind::UnknownValue, token)),
                }
            }
            "threshold" => {
                let threshold = u32::try_from(number(Radix::Decimal)?)
                    .ok()
                    .filter(|&threshold| threshold < huge_len)
                    .ok_or(ParamError::new(ErrorKind::OutOfRange, token))?;
                params.threshold = threshold;
            }
            "max_pages" => params.max_pages = Some(number(Radix::Decimal)?),
            "algo" => params.algo = Some(value),
            "priority" => {
                let priority = slot(value, token, 0)?;
                params.priority = Some(priority.max(AlgoId(1)));
            }
            _ => return Err(ParamError::new(ErrorKind::UnknownKey, token)),
        }
    }
    Ok(params)
}

/// `idle`: which pages to mark idle.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IdleArg {
    /// `all`: every stored page.
    All,
    /// A number of seconds: pages not accessed for longer than that.
    OlderThan(u64),
}

impl IdleArg {
    /// Whether this write marks `page` idle at `now_s`. As in zram, same-filled pages are never
    /// marked, and an age marks pages last accessed strictly more than that many seconds ago.
    pub fn marks(self, page: &PageFeatures, now_s: u64) -> bool {
        if page.flags.contains(PageFlags::SAME) {
            return false;
        }
        match self {
            Self::All => true,
            Self::OlderThan(age_s) => now_s.saturating_sub(page.last_access_s) > age_s,
        }
    }
}

/// Parses `idle`: `all`, or a number of seconds (`kstrtoull` with base 0: decimal, `0x` hex or
/// `0` octal).
pub fn parse_idle(input: &str) -> Result<IdleArg, ParamError<'_>> {
    let value = non_empty(input)?;
    if value == "all" {
        return Ok(IdleArg::All);
    }
    parse_u64(value, Radix::Auto)
        .map(IdleArg::OlderThan)
        .map_err(|kind| ParamError::new(kind, value))
}

/// Parses `mem_limit` like the kernel's `memparse()`: a number (base 0) optionally followed by
/// one of `K`, `M`, `G`, `T`, `P`, `E` (either case, powers of 1024). Returns bytes; 0 means no
/// limit.
pub fn parse_mem_limit(input: &str) -> Result<u64, ParamError<'_>> {
    let value = non_empty(input)?;
    let (digits, base) = split_radix(value, Radix::Auto);
    let (number, rest) = leading_number(digits, base);
    let number = number.map_err(|kind| ParamError::new(kind, value))?;
    let mut suffix = rest.chars();
    let shift = match suffix.next().map(|c| c.to_ascii_uppercase()) {
        None => 0,
        Some('K') => 10,
        Some('M') => 20,
        Some('G') => 30,
        Some('T') => 40,
        Some('P') => 50,
        Some('E') => 60,
        Some(_) => return Err(ParamError::new(ErrorKind::NotANumber, value)),
    };
    if suffix.next().is_some() {
        return Err(ParamError::new(ErrorKind::NotANumber, value));
    }
    number
        .checked_mul(1u64.checked_shl(shift).unwrap_or(0))
        .ok_or(ParamError::new(ErrorKind::OutOfRange, value))
}

/// Parses `comp_policy`: `static` or `adaptive`.
pub fn parse_comp_policy(input: &str) -> Result<CompPolicy, ParamError<'_>> {
    let value = non_empty(input)?;
    [CompPolicy::Static, CompPolicy::Adaptive]
        .into_iter()
        .find(|policy| policy.name() == value)
        .ok_or(ParamError::new(ErrorKind::UnknownValue, value))
}

/// The kernel's `isspace()`.
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// `input` without surrounding white space.
fn trim(input: &str) -> &str {
    input.trim_matches(is_space)
}

/// `input` trimmed, or [`ErrorKind::Empty`].
fn non_empty(input: &str) -> Result<&str, ParamError<'_>> {
    let value = trim(input);
    if value.is_empty() {
        Err(ParamError::new(ErrorKind::Empty, value))
    } else {
        Ok(value)
    }
}

/// A slot number from `priority=`: decimal, at least `min`, below [`MAX_ALGOS`].
fn slot<'a>(value: &str, token: &'a str, min: usize) -> Result<AlgoId, ParamError<'a>> {
    let number = parse_u64(value, Radix::Decimal).map_err(|kind| ParamError::new(kind, token))?;
    usize::try_from(number)
        .ok()
        .filter(|&index| index >= min)
        .and_then(AlgoId::from_index)
        .ok_or(ParamError::new(ErrorKind::OutOfRange, token))
}

/// One `key=value` argument of a key-value file.
struct Arg<'a> {
    /// The whole argument, for error messages.
    token: &'a str,
    key: &'a str,
    value: Option<&'a str>,
}

impl<'a> Arg<'a> {
    /// The value, or [`ErrorKind::NoValue`] when it is missing or empty.
    fn value(&self) -> Result<&'a str, ParamError<'a>> {
        self.value
            .filter(|value| !value.is_empty())
            .ok_or(ParamError::new(ErrorKind::NoValue, self.token))
    }
}

/// The arguments of a key-value file, split like the kernel's `next_arg()`.
struct Args<'a> {
    rest: &'a str,
}

impl<'a> Args<'a> {
    fn new(input: &'a str) -> Self {
        Self { rest: input }
    }
}

impl<'a> Iterator for Args<'a> {
    type Item = Arg<'a>;

    fn next(&mut self) -> Option<Arg<'a>> {
        let rest = self.rest.trim_start_matches(is_space);
        if rest.is_empty() {
            self.rest = rest;
            return None;
        }
        // The argument ends at the first white space outside double quotes.
        let mut in_quote = false;
        let end = rest
            .char_indices()
            .find(|&(_, c)| {
                if c == '"' {
                    in_quote = !in_quote;
                }
                is_space(c) && !in_quote
            })
            .map_or(rest.len(), |(index, _)| index);
        let (token, tail) = split_at(rest, end);
        self.rest = tail;
        let unquoted = match token.strip_prefix('"') {
            Some(inner) => inner.strip_suffix('"').unwrap_or(inner),
            None => token,
        };
        let (key, value) = match unquoted.split_once('=') {
            Some((key, value)) => {
                let value = match value.strip_prefix('"') {
                    Some(inner) => inner.strip_suffix('"').unwrap_or(inner),
                    None => value,
                };
                (key, Some(value))
            }
            None => (unquoted, None),
        };
        Some(Arg { token, key, value })
    }
}

/// How a number's base is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Radix {
    /// Base 10.
    Decimal,
    /// Base 0 of `kstrto*()`: `0x` for hex, a leading `0` for octal, else decimal.
    Auto,
}

/// The digits of `s` and their base (the `0x` prefix removed).
fn split_radix(s: &str, radix: Radix) -> (&str, u32) {
    if radix == Radix::Decimal {
        return (s, 10);
    }
    let hex = s
        .strip_prefix("0x")
        .or_else(|| s.strip_prefix("0X"))
        .filter(|digits| digits.starts_with(|c: char| c.is_ascii_hexdigit()));
    match hex {
        Some(digits) => (digits, 16),
        None if s.starts_with('0') => (s, 8),
        None => (s, 10),
    }
}

/// The number at the start of `s` in `base`, and the text after it.
/// `s` cut at byte `at`, or all of `s` when `at` is not a character boundary inside it
/// (`str::split_at_checked` is newer than 6.12's minimum rustc, 1.78).
fn split_at(s: &str, at: usize) -> (&str, &str) {
    // `get`, not `str::split_at`: no panic path for the module to import.
    match (s.get(..at), s.get(at..)) {
        (Some(head), Some(tail)) => (head, tail),
        _ => (s, ""),
    }
}

fn leading_number(s: &str, base: u32) -> (Result<u64, ErrorKind>, &str) {
    let end = s
        .char_indices()
        .find(|&(_, c)| digit(c, base).is_none())
        .map_or(s.len(), |(index, _)| index);
    let (digits, rest) = split_at(s, end);
    if digits.is_empty() {
        return (Err(ErrorKind::NotANumber), rest);
    }
    let number = digits.chars().try_fold(0u64, |acc, c| {
        let digit = digit(c, base).ok_or(ErrorKind::NotANumber)?;
        acc.checked_mul(u64::from(base))
            .and_then(|acc| acc.checked_add(u64::from(digit)))
            .ok_or(ErrorKind::OutOfRange)
    });
    (number, rest)
}

/// The value of `c` as a digit in `base` (up to 16), like `_parse_integer()`.
fn digit(c: char, base: u32) -> Option<u32> {
    let value = match c {
        '0'..='9' => u32::from(c).checked_sub(u32::from('0')),
        'a'..='f' => u32::from(c)
            .checked_sub(u32::from('a'))
            .and_then(|v| v.checked_add(10)),
        'A'..='F' => u32::from(c)
            .checked_sub(u32::from('A'))
            .and_then(|v| v.checked_add(10)),
        _ => None,
    }?;
    (value < base).then_some(value)
}

/// `kstrtoull()`: an optional `+`, the digits, an optional final newline.
fn parse_u64(s: &str, radix: Radix) -> Result<u64, ErrorKind> {
    let s = s.strip_prefix('+').unwrap_or(s);
    let s = s.strip_suffix('\n').unwrap_or(s);
    let (digits, base) = split_radix(s, radix);
    match leading_number(digits, base) {
        (number, "") => number,
        (_, _) => Err(ErrorKind::NotANumber),
    }
}

/// `kstrtoint()` in base 10.
fn parse_i32(s: &str) -> Result<i32, ErrorKind> {
    match s.strip_prefix('-') {
        Some(magnitude) => {
            let magnitude = parse_u64(magnitude, Radix::Decimal)?;
            i64::try_from(magnitude)
                .ok()
                .and_then(i64::checked_neg)
                .and_then(|value| i32::try_from(value).ok())
                .ok_or(ErrorKind::OutOfRange)
        }
        None => i32::try_from(parse_u64(s, Radix::Decimal)?).map_err(|_| ErrorKind::OutOfRange),
    }
}
