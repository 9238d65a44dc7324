//! Property-style tests without external crates: random and truncated input never panics,
//! a failing verdict always counts a failure, and a truncated log never passes.

mod common;

use common::data;
use guest_check::{check, report, Verdict};

/// A small linear congruential generator (Knuth's MMIX constants).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Pieces that random KTAP/console-like text is built from, to reach the parsers' branches.
const TOKENS: &[&str] = &[
    "KTAP version 1",
    "1..",
    "ok ",
    "not ok ",
    "# Subtest: ",
    "# SKIP",
    "# skip",
    "# TODO",
    " # ",
    "#",
    "- ",
    "0",
    "1",
    "2",
    "3",
    "99999999999999999999999",
    "    ",
    "        ",
    "\t",
    "\n",
    "\r\n",
    "\r",
    " ",
    "x",
    "fixture.basic",
    "—",
    "é",
    "\u{FFFD}",
    "[    1.234567] ",
    "[    T1] ",
    "[",
    "]",
    "WARNING:",
    "BUG: KASAN: ",
    "DEBUG:",
    "Oops",
    "Kernel panic",
    "Call Trace:",
    "Call trace:",
    "FAULT_INJECTION: forcing a failure.",
    "page allocation failure",
    "==========",
    "rfl-suite: running ",
    "rfl-suite: guest done",
    "reboot: Power down",
    "---[ end ",
    "\u{1b}[0m",
    "\0",
];

fn token_soup(rng: &mut Lcg) -> String {
    let n = rng.below(80);
    (0..n).map(|_| TOKENS[rng.below(TOKENS.len())]).collect()
}

/// Checks the invariants every verdict and report must satisfy.
fn assert_consistent(v: &Verdict, console: &str, what: &str) {
    assert_eq!(v.passed(), v.totals.failed == 0, "{what}: {v:?}");
    let out = report(v, console, 5);
    let summary = format!(
        "guest: {} passed, {} failed, {} skipped",
        v.totals.passed, v.totals.failed, v.totals.skipped
    );
    assert!(out.lines().any(|l| l == summary), "{what}: {out}");
    assert_eq!(out.contains("--- console tail ---"), !v.passed(), "{what}");
    assert!(
        !out.chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t'),
        "{what}: control characters in the report"
    );
}

#[test]
fn random_bytes_never_panic() {
    let mut rng = Lcg(0x5eed);
    for i in 0..3000 {
        let len = rng.below(600);
        let ktap = String::from_utf8_lossy(&rng.bytes(len)).into_owned();
        let len = rng.below(600);
        let console = String::from_utf8_lossy(&rng.bytes(len)).into_owned();
        let v = check(&ktap, &console);
        assert!(!v.passed(), "random bytes #{i} cannot pass");
        assert_consistent(&v, &console, &format!("random bytes #{i}"));
    }
}

#[test]
fn random_token_soup_never_panics() {
    let mut rng = Lcg(42);
    for i in 0..5000 {
        let ktap = token_soup(&mut rng);
        let console = token_soup(&mut rng);
        let v = check(&ktap, &console);
        assert_consistent(&v, &console, &format!("soup #{i}: {ktap:?} / {console:?}"));
    }
}

#[test]
fn mutated_canned_logs_never_panic() {
    let mut rng = Lcg(7);
    let logs: Vec<Vec<u8>> = [
        "ktap_pass.log",
        "ktap_nested_fail.log",
        "ktap_skip.log",
        "console_clean.log",
        "console_panic.log",
        "reports/kasan.log",
        "reports/fault_injection.log",
    ]
    .iter()
    .map(|name| data(name).into_bytes())
    .collect();
    for i in 0..2000 {
        let mut bytes = logs[rng.below(logs.len())].clone();
        for _ in 0..=rng.below(8) {
            let at = rng.below(bytes.len() + 1);
            match rng.below(3) {
                0 if at < bytes.len() => bytes[at] = rng.next() as u8,
                1 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => bytes.insert(at, TOKENS[rng.below(TOKENS.len())].as_bytes()[0]),
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let v = check(&text, &text);
        assert_consistent(&v, &text, &format!("mutation #{i}"));
    }
}

/// Every byte-level prefix of a passing KTAP log that ends before the last result line is
/// complete fails; so does every prefix of the console before its reboot line.
#[test]
fn truncated_logs_never_pass() {
    let ktap = data("ktap_pass.log");
    let console = data("console_clean.log");
    assert!(check(&ktap, &console).passed());

    // "ok 2" must be whole for the run to be complete.
    let last_result_end = ktap.rfind("\nok 2").expect("last result") + "\nok 2".len();
    for cut in 0..ktap.len() {
        let prefix = String::from_utf8_lossy(&ktap.as_bytes()[..cut]);
        let v = check(&prefix, &console);
        assert_consistent(&v, &console, &format!("ktap cut at {cut}"));
        if cut < last_result_end {
            assert!(!v.passed(), "ktap cut at {cut} passed:\n{prefix}");
        }
    }

    let reboot_end =
        console.find("reboot: Power down").expect("reboot line") + "reboot: Power down".len();
    for cut in 0..console.len() {
        let prefix = String::from_utf8_lossy(&console.as_bytes()[..cut]);
        let v = check(&ktap, &prefix);
        assert_consistent(&v, &prefix, &format!("console cut at {cut}"));
        assert_eq!(v.passed(), cut >= reboot_end, "console cut at {cut}");
    }
}

/// Truncations of the failing logs, including inside multi-byte characters.
#[test]
fn truncated_failing_logs_never_panic_or_pass() {
    let ktap = format!("{}    # détails — ünïcødé\n", data("ktap_nested_fail.log"));
    let console = format!(
        "{}[    1.5] WARNING: ümlaut — ☃\n",
        data("console_panic.log")
    );
    for cut in 0..ktap.len().max(console.len()) {
        let k = String::from_utf8_lossy(&ktap.as_bytes()[..cut.min(ktap.len())]);
        let c = String::from_utf8_lossy(&console.as_bytes()[..cut.min(console.len())]);
        let v = check(&k, &c);
        assert!(!v.passed(), "cut at {cut}");
        assert_consistent(&v, &c, &format!("cut at {cut}"));
    }
}

/// Turning any single `ok` of a passing log into `not ok` fails the run.
#[test]
fn any_single_not_ok_fails_the_run() {
    let ktap = data("ktap_pass.log");
    let console = data("console_clean.log");
    let starts: Vec<usize> = ktap
        .match_indices("ok ")
        .map(|(i, _)| i)
        .filter(|&i| i == 0 || ktap.as_bytes()[i - 1] == b' ' || ktap.as_bytes()[i - 1] == b'\n')
        .collect();
    assert_eq!(starts.len(), 6, "four cases and two suites");
    for at in starts {
        let mutated = format!("{}not {}", &ktap[..at], &ktap[at..]);
        let v = check(&mutated, &console);
        assert!(!v.passed(), "not ok at byte {at} still passed");
        assert!(v.totals.failed >= 1);
    }
}
