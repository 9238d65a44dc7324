//! Scanner for the guest kernel's serial console (`console.log`).

use std::borrow::Cow;
use std::collections::HashMap;

/// What the guest's init prints once every test script has run.
pub const DONE_MARKER: &str = "rfl-suite: guest done";

/// What the guest's init prints (to the kernel log) before each test script: the suite's
/// name follows it.
pub const SUITE_MARKER: &str = "rfl-suite: running ";

/// What the kernel prints as it restarts or powers off; one must follow [`DONE_MARKER`].
pub const REBOOT_MARKERS: [&str; 2] = ["reboot: Restarting system", "reboot: Power down"];

/// At most this many distinct problems are listed; the rest are only counted.
pub const MAX_LISTED: usize = 20;

/// Kernel problem reports: a text to find in a line (after its timestamp) and the kind of
/// report it names. The first match names the kind, so specific texts come first. A match
/// counts only at the start of the line or after a character that is not a letter, digit
/// or `_` (so `DEBUG:` is not `BUG:`).
pub const PATTERNS: &[(&str, &str)] = &[
    ("possible circular locking dependency", "lockdep"),
    ("inconsistent lock state", "lockdep"),
    ("possible recursive locking", "lockdep"),
    ("KASAN:", "kasan"),
    ("UBSAN:", "ubsan"),
    ("unreferenced object 0x", "kmemleak"),
    ("suspected memory leak", "kmemleak"),
    ("blocked for more than", "hung task"),
    ("detected stalls on CPUs", "rcu stall"),
    ("detected expedited stalls on CPUs", "rcu stall"),
    ("self-detected stall", "rcu stall"),
    ("page allocation failure", "alloc failure"),
    ("Kernel panic", "panic"),
    ("general protection fault", "oops"),
    ("Unable to handle kernel", "oops"),
    ("kernel BUG at", "bug"),
    ("Oops", "oops"),
    ("BUG:", "bug"),
    ("WARNING:", "warning"),
];

/// The line that starts a kernel stack dump (`Call trace:` on arm64), compared without case.
pub const CALL_TRACE: &str = "Call Trace:";

/// Kind of a stack dump that is not part of a report of [`PATTERNS`].
pub const CALL_TRACE_KIND: &str = "call trace";

/// What fault injection prints for an injected failure when its `verbose` is 1 or more; at
/// 2 or more a stack dump follows. The message alone is no problem, the stack dump is.
pub const FAULT_INJECTION: &str = "FAULT_INJECTION: forcing a failure";

/// Kind of a [`FAULT_INJECTION`] message with its stack dump.
pub const FAULT_INJECTION_KIND: &str = "fault injection";

/// A stack dump at most this many lines after a [`FAULT_INJECTION`] line is its own (the
/// `name ...`, `CPU: ...`, `Tainted: ...`, `Hardware name: ...` and `Workqueue: ...` lines
/// come between).
pub const FAULT_INJECTION_REACH: usize = 8;

/// One distinct problem line (identical lines, timestamps aside, are one problem).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Console line number of its first occurrence, from 1.
    pub line: usize,
    /// The kind of report, from [`PATTERNS`], or [`CALL_TRACE_KIND`] or
    /// [`FAULT_INJECTION_KIND`].
    pub kind: &'static str,
    /// The line without its timestamp; for a [`CALL_TRACE_KIND`] or [`FAULT_INJECTION_KIND`]
    /// problem, followed by what it is in parentheses.
    pub text: String,
    /// How many times the line occurred.
    pub occurrences: usize,
    /// The suite that was running at its first occurrence (the last [`SUITE_MARKER`]
    /// before it), if any.
    pub suite: Option<String>,
}

/// What [`scan`] found in a console log.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleReport {
    /// The first [`MAX_LISTED`] distinct problems, in order of first occurrence.
    pub problems: Vec<Problem>,
    /// How many distinct problems there were in all, listed or not.
    pub distinct_problems: usize,
    /// Line of the first [`DONE_MARKER`].
    pub done_line: Option<usize>,
    /// Line of the first [`REBOOT_MARKERS`] line after the done marker.
    pub reboot_line: Option<usize>,
    /// Number of lines in the log.
    pub lines: usize,
}

impl ConsoleReport {
    /// Whether the guest printed its end marker and then rebooted or powered off.
    pub fn reached_end(&self) -> bool {
        self.done_line.is_some() && self.reboot_line.is_some()
    }

    /// Distinct problems beyond the listed ones.
    pub fn unlisted(&self) -> usize {
        self.distinct_problems.saturating_sub(self.problems.len())
    }
}

/// The console's lines, without line endings (`\n`, `\r\n`, stray `\r`).
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines().map(|l| l.trim_end_matches('\r'))
}

/// Whether `s` is the inside of a printk prefix: a timestamp (`1.234567`) or, with
/// `CONFIG_PRINTK_CALLER`, a caller id (`T123`, `C0`).
fn is_prefix_field(s: &str) -> bool {
    let s = s.trim();
    let digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    match s.split_once('.') {
        Some((secs, frac)) => digits(secs) && digits(frac),
        None => s
            .strip_prefix(['T', 'C'])
            .is_some_and(|rest| digits(rest.trim())),
    }
}

/// Strips the printk prefixes (`[    1.234567] `, `[    T1] `) from a console line.
pub fn strip_timestamp(line: &str) -> &str {
    let mut rest = line;
    for _ in 0..2 {
        let Some(inner) = rest.strip_prefix('[') else {
            break;
        };
        let Some((field, after)) = inner.split_once(']') else {
            break;
        };
        if !is_prefix_field(field) {
            break;
        }
        rest = after.strip_prefix(' ').unwrap_or(after);
    }
    rest
}

/// Whether `needle` occurs in `text` at a word start.
fn contains_at_word_start(text: &str, needle: &str) -> bool {
    text.match_indices(needle).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_alphanumeric() || c == '_'))
    })
}

/// Whether a line (without its timestamp) ends a kernel report: the `---[ end ... ]---`
/// footer, or the `====...` rule that closes a KASAN or KFENCE report.
pub fn is_report_end(text: &str) -> bool {
    let text = text.trim();
    text.starts_with("---[ end") || (text.len() >= 10 && text.bytes().all(|b| b == b'='))
}

/// Whether a line (without its timestamp) starts a stack dump ([`CALL_TRACE`]).
pub fn is_call_trace(text: &str) -> bool {
    text.trim_start()
        .get(..CALL_TRACE.len())
        .is_some_and(|s| s.eq_ignore_ascii_case(CALL_TRACE))
}

/// The kind of kernel problem a line (without its timestamp) reports, if any. The
/// `---[ end ... ]---` footer of a report is not a new problem. Stack dumps are judged in
/// context, by [`scan`].
pub fn problem_kind(text: &str) -> Option<&'static str> {
    if text.trim_start().starts_with("---[ end") {
        return None;
    }
    PATTERNS
        .iter()
        .find(|(needle, _)| contains_at_word_start(text, needle))
        .map(|&(_, kind)| kind)
}

/// What a stack dump seen now would belong to.
#[derive(Clone, Copy)]
enum Owner<'a> {
    /// Nothing: the dump is a problem of its own.
    Nobody,
    /// A report of [`PATTERNS`], which may print several dumps.
    Report,
    /// A [`FAULT_INJECTION`] message: its line, text and suite.
    FaultInjection(usize, &'a str, Option<&'a str>),
}

/// Distinct problems, in order of first occurrence.
#[derive(Default)]
struct Problems<'a> {
    report: ConsoleReport,
    /// Problem text -> index in `report.problems`, if listed.
    seen: HashMap<Cow<'a, str>, Option<usize>>,
}

impl<'a> Problems<'a> {
    fn add(&mut self, line: usize, kind: &'static str, text: Cow<'a, str>, suite: Option<&str>) {
        match self.seen.get(&text) {
            Some(Some(index)) => {
                if let Some(p) = self.report.problems.get_mut(*index) {
                    p.occurrences += 1;
                }
            }
            Some(None) => {}
            None => {
                let report = &mut self.report;
                report.distinct_problems += 1;
                let index = (report.problems.len() < MAX_LISTED).then(|| {
                    report.problems.push(Problem {
                        line,
                        kind,
                        text: text.to_string(),
                        occurrences: 1,
                        suite: suite.map(str::to_string),
                    });
                    report.problems.len() - 1
                });
                self.seen.insert(text, index);
            }
        }
    }
}

/// Scans a console log for kernel problem reports and the end-of-run markers.
///
/// A stack dump ([`CALL_TRACE`]) is part of the last report of [`PATTERNS`] unless that
/// report's end ([`is_report_end`]), a suite marker or the end marker came between. Right
/// after a [`FAULT_INJECTION`] line it makes that line a problem; otherwise it is a problem
/// itself.
pub fn scan(text: &str) -> ConsoleReport {
    let mut found = Problems::default();
    let mut suite: Option<&str> = None;
    let mut owner = Owner::Nobody;
    for (i, line) in lines(text).enumerate() {
        let line_no = i + 1;
        let report = &mut found.report;
        report.lines = line_no;
        let text = strip_timestamp(line);
        if let Some(name) = text.strip_prefix(SUITE_MARKER) {
            suite = Some(name.trim());
            owner = Owner::Nobody;
        }
        if report.done_line.is_none() && text.contains(DONE_MARKER) {
            suite = None;
            owner = Owner::Nobody;
            report.done_line = Some(line_no);
        } else if report.done_line.is_some()
            && report.reboot_line.is_none()
            && REBOOT_MARKERS.iter().any(|m| text.contains(m))
        {
            report.reboot_line = Some(line_no);
        }
        if let Owner::FaultInjection(at, ..) = owner {
            if line_no - at > FAULT_INJECTION_REACH {
                owner = Owner::Nobody;
            }
        }
        if let Some(kind) = problem_kind(text) {
            found.add(line_no, kind, text.into(), suite);
            owner = Owner::Report;
        } else if is_report_end(text) {
            owner = Owner::Nobody;
        } else if contains_at_word_start(text, FAULT_INJECTION) {
            owner = Owner::FaultInjection(line_no, text, suite);
        } else if is_call_trace(text) {
            match owner {
                Owner::Report => {}
                Owner::FaultInjection(at, message, at_suite) => {
                    let text = format!("{} (with a stack dump: verbose > 1)", message.trim_end());
                    found.add(at, FAULT_INJECTION_KIND, text.into(), at_suite);
                    owner = Owner::Nobody;
                }
                Owner::Nobody => {
                    let text = format!("{} (stack dump outside a known report)", text.trim());
                    found.add(line_no, CALL_TRACE_KIND, text.into(), suite);
                }
            }
        }
    }
    found.report
}

/// The last `n` lines of the console.
pub fn tail(text: &str, n: usize) -> Vec<&str> {
    let all: Vec<&str> = lines(text).collect();
    let start = all.len().saturating_sub(n);
    all.get(start..).unwrap_or_default().to_vec()
}
