//! Decides whether one QEMU guest run of the suite passed.
//!
//! A boot leaves two files: `console.log`, the kernel's serial console, and `ktap.log`, the
//! KTAP v1 output the guest's test scripts write to a separate virtio console. Top-level
//! KTAP results are *suites* (one guest test script each); the results indented under a
//! suite are its *cases*.
//!
//! # When a run passes
//!
//! A run passes only if all of these hold:
//!
//! 1. **KTAP** ([`ktap::parse`]): a top-level `KTAP version 1` line and a plan `1..S` with
//!    `S >= 1`, then exactly `S` top-level results numbered `1..S` in order. Every top-level
//!    result is `ok`; every nested case is `ok` or skipped (`# SKIP`, any case); every nested
//!    plan matches its number of results (a missing result fails the suite, and counts as a
//!    failed case). A suite whose top-level line is `ok` but which has a `not ok` case fails.
//!    Output that ends inside a suite fails that suite and the plan.
//! 2. **End of run** ([`console::scan`]): the console has a line containing
//!    `rfl-suite: guest done`, and after it a line containing `reboot: Restarting system`
//!    or `reboot: Power down`.
//! 3. **No kernel problem reports**: no console line (after its printk timestamp) contains
//!    any text of [`console::PATTERNS`]: `WARNING:`, `BUG:`, `Oops`, `KASAN:`, `UBSAN:`,
//!    `Kernel panic`, `general protection fault`, `Unable to handle kernel`,
//!    `kernel BUG at`, `unreferenced object 0x`, `suspected memory leak`,
//!    `blocked for more than`, RCU stalls (`detected stalls on CPUs`,
//!    `detected expedited stalls on CPUs`, `self-detected stall`), and lockdep's
//!    `possible circular locking dependency`, `inconsistent lock state` and
//!    `possible recursive locking`, and the allocator's `page allocation failure`. Nor
//!    any stack dump (`Call Trace:`, arm64's `Call trace:`) outside such a report: a dump
//!    belongs to the last report before it unless the report's `---[ end` footer or
//!    closing `====` rule, a suite marker or the end marker came between. A
//!    `FAULT_INJECTION: forcing a failure` line is no problem alone (the tests inject
//!    failures on purpose), but is one when a stack dump follows it within
//!    [`console::FAULT_INJECTION_REACH`] lines (its `verbose` is above 1). Identical lines
//!    count as one problem; at most [`console::MAX_LISTED`] are listed.
//!
//! # Report
//!
//! [`report`] prints one line per suite, `suite NAME ok|FAIL passed=P failed=F skipped=K`
//! (a suite without cases counts itself as one case), then for a failing suite
//! `  not ok SUITE: CASE # REASON` per failing case (`(suite)` for what fails the suite
//! as a whole) followed by the suite's diagnostics, indented four spaces. Then
//! `console FAIL LINE[ in SUITE]: TEXT` per problem (SUITE: the one running when it was
//! printed; a stack dump's TEXT says what it is, `Call Trace: (stack dump outside a known
//! report)` or `FAULT_INJECTION: forcing a failure. (with a stack dump: verbose > 1)`),
//! `poweroff FAIL ...` and `ktap FAIL REASON`, and
//! the total `guest: P passed, F failed, K skipped`, where `F` also counts one per console
//! problem, failed end of run and KTAP structure problem, so a failing run never shows
//! `0 failed`. A failing run ends with `--- console tail ---` and the console's last lines.

#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod cli;
pub mod console;
pub mod ktap;

use console::{ConsoleReport, Problem};
use ktap::{Counts, KtapRun, Note};
use std::fmt::Write as _;

/// Longest line, in characters, that a report prints before cutting it short.
pub const MAX_LINE_CHARS: usize = 1000;

/// At most this many diagnostics are printed under a failing suite (the last ones).
pub const MAX_NOTES: usize = 20;

/// One failing case of a suite, or `(suite)` for a failure of the suite as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The case's description.
    pub case: String,
    /// Why it failed.
    pub reason: String,
}

/// The outcome of one suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SuiteSummary {
    /// The suite's name.
    pub name: String,
    /// Whether the suite passed.
    pub passed: bool,
    /// Its case counts.
    pub counts: Counts,
    /// Its failures (empty when it passed).
    pub failures: Vec<Failure>,
    /// Its diagnostics, kept for a failing suite only.
    pub notes: Vec<Note>,
}

/// The outcome of a whole run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// One entry per suite.
    pub suites: Vec<SuiteSummary>,
    /// Structural KTAP problems.
    pub ktap_problems: Vec<String>,
    /// Top-level KTAP lines outside any suite (shown when the structure is wrong).
    pub ktap_notes: Vec<Note>,
    /// Listed console problems.
    pub console_problems: Vec<Problem>,
    /// Distinct console problems beyond the listed ones.
    pub unlisted_console_problems: usize,
    /// Whether the guest printed its end marker and then rebooted.
    pub reached_end: bool,
    /// Totals, with one failure added per console problem, failed end of run and KTAP
    /// structure problem.
    pub totals: Counts,
}

impl Verdict {
    /// Whether the run passed.
    pub fn passed(&self) -> bool {
        self.suites.iter().all(|s| s.passed)
            && self.ktap_problems.is_empty()
            && self.console_problems.is_empty()
            && self.reached_end
    }
}

/// Combines the parsed KTAP output and the console scan into a verdict.
pub fn verdict(run: &KtapRun, console: &ConsoleReport) -> Verdict {
    let mut totals = Counts::default();
    let suites: Vec<SuiteSummary> = run
        .suites
        .iter()
        .map(|suite| {
            let counts = suite.counts();
            totals += counts;
            let passed = suite.passed();
            let mut failures = Vec::new();
            if !passed {
                failures.extend(suite.failed_cases().map(|c| Failure {
                    case: if c.description.is_empty() {
                        format!("case {}", c.number)
                    } else {
                        c.description.clone()
                    },
                    reason: if c.reason.is_empty() {
                        "failed".to_string()
                    } else {
                        c.reason.clone()
                    },
                }));
                failures.extend(suite.problems().into_iter().map(|reason| Failure {
                    case: "(suite)".to_string(),
                    reason,
                }));
            }
            SuiteSummary {
                name: suite.name(),
                passed,
                counts,
                failures,
                notes: if passed {
                    Vec::new()
                } else {
                    last(&suite.notes)
                },
            }
        })
        .collect();
    totals.failed += run.problems.len() + console.distinct_problems;
    totals.failed += usize::from(!console.reached_end());
    Verdict {
        suites,
        ktap_problems: run.problems.clone(),
        ktap_notes: last(&run.notes),
        console_problems: console.problems.clone(),
        unlisted_console_problems: console.unlisted(),
        reached_end: console.reached_end(),
        totals,
    }
}

fn last(notes: &[Note]) -> Vec<Note> {
    notes[notes.len().saturating_sub(MAX_NOTES)..].to_vec()
}

/// Parses both logs and decides.
pub fn check(ktap_text: &str, console_text: &str) -> Verdict {
    verdict(&ktap::parse(ktap_text), &console::scan(console_text))
}

/// Makes text from a log safe to print on one terminal line: control characters are
/// escaped (tabs kept) and overlong lines are cut at [`MAX_LINE_CHARS`] characters.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len().min(MAX_LINE_CHARS));
    for (i, c) in text.chars().enumerate() {
        if i == MAX_LINE_CHARS {
            out.push_str(" [...]");
            break;
        }
        if c.is_control() && c != '\t' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// The full report printed on stdout; a failing run ends with the console's last
/// `tail_lines` lines.
pub fn report(verdict: &Verdict, console_text: &str, tail_lines: usize) -> String {
    let mut out = String::new();
    let s = sanitize;
    for suite in &verdict.suites {
        let Counts {
            passed,
            failed,
            skipped,
        } = suite.counts;
        let status = if suite.passed { "ok" } else { "FAIL" };
        let _ = writeln!(
            out,
            "suite {} {status} passed={passed} failed={failed} skipped={skipped}",
            s(&suite.name)
        );
        for f in &suite.failures {
            let _ = writeln!(
                out,
                "  not ok {}: {} # {}",
                s(&suite.name),
                s(&f.case),
                s(&f.reason)
            );
        }
        for note in &suite.notes {
            let _ = writeln!(out, "    {}", s(&note.text));
        }
    }
    for p in &verdict.console_problems {
        let during = p
            .suite
            .as_deref()
            .map(|name| format!(" in {}", s(name)))
            .unwrap_or_default();
        let _ = writeln!(out, "console FAIL {}{during}: {}", p.line, s(&p.text));
    }
    if verdict.unlisted_console_problems > 0 {
        let _ = writeln!(
            out,
            "console FAIL +{} more distinct problems not listed",
            verdict.unlisted_console_problems
        );
    }
    if !verdict.reached_end {
        out.push_str("poweroff FAIL guest did not reach its end marker and reboot\n");
    }
    for problem in &verdict.ktap_problems {
        let _ = writeln!(out, "ktap FAIL {}", s(problem));
    }
    if !verdict.ktap_problems.is_empty() {
        for note in &verdict.ktap_notes {
            let _ = writeln!(out, "    {}", s(&note.text));
        }
    }
    let t = verdict.totals;
    let _ = writeln!(
        out,
        "guest: {} passed, {} failed, {} skipped",
        t.passed, t.failed, t.skipped
    );
    if !verdict.passed() {
        out.push_str("--- console tail ---\n");
        for line in console::tail(console_text, tail_lines) {
            let _ = writeln!(out, "{}", s(line));
        }
    }
    out
}
