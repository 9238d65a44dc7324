//! Parser for the guests' KTAP v1 output (`ktap.log`).
//!
//! Top-level results are suites (one guest test script each); the results indented under
//! them are the suite's cases. Anything indented deeper than a suite's cases (a case with
//! subtests of its own) is kept only as a note: the case's own result line covers it.

/// How one test ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `ok` without a `SKIP` directive (a `TODO` directive does not change this).
    Pass,
    /// `not ok` without a `SKIP` directive.
    Fail,
    /// `ok` or `not ok` with a `# SKIP` directive.
    Skip,
}

/// One `ok N description # directive` or `not ok N ...` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TestResult {
    /// Line number in the KTAP file, from 1.
    pub line: usize,
    /// The test number the line gives.
    pub number: usize,
    /// The description, without a leading `- `.
    pub description: String,
    /// Pass, fail or skip.
    pub outcome: Outcome,
    /// The directive's text after `#` (for a skip, without the `SKIP` word); may be empty.
    pub reason: String,
}

/// A diagnostic (`# ...`) or unrecognised line, kept for the failure report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// Line number in the KTAP file, from 1.
    pub line: usize,
    /// The line without its indentation and line ending.
    pub text: String,
}

/// Passed, failed and skipped counts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Cases that passed.
    pub passed: usize,
    /// Cases that failed, including planned cases that never reported.
    pub failed: usize,
    /// Cases that were skipped.
    pub skipped: usize,
}

impl std::ops::AddAssign for Counts {
    fn add_assign(&mut self, other: Counts) {
        self.passed += other.passed;
        self.failed += other.failed;
        self.skipped += other.skipped;
    }
}

/// One top-level test and the cases nested in it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Suite {
    /// The name from a top-level `# Subtest: NAME` line, if one came first.
    pub subtest_name: Option<String>,
    /// The top-level result line; `None` when the output ended inside the suite.
    pub result: Option<TestResult>,
    /// Whether the nested output had its own `KTAP version 1` line.
    pub has_header: bool,
    /// The nested plan's count (`1..N`), if there was one.
    pub plan: Option<usize>,
    /// The nested results at the suite's case level.
    pub cases: Vec<TestResult>,
    /// Diagnostics and other lines that belong to the suite.
    pub notes: Vec<Note>,
}

impl Suite {
    /// The suite's name: its result's description, else its `# Subtest:` name.
    pub fn name(&self) -> String {
        match (&self.result, &self.subtest_name) {
            (Some(r), _) if !r.description.is_empty() => r.description.clone(),
            (_, Some(name)) if !name.is_empty() => name.clone(),
            (Some(r), _) => format!("suite {}", r.number),
            (None, _) => "(unnamed suite)".to_string(),
        }
    }

    fn has_nested_output(&self) -> bool {
        self.has_header || self.plan.is_some() || !self.cases.is_empty()
    }

    /// Cases that reported `not ok` (without `SKIP`).
    pub fn failed_cases(&self) -> impl Iterator<Item = &TestResult> {
        self.cases.iter().filter(|c| c.outcome == Outcome::Fail)
    }

    /// Why the suite failed apart from its failing cases: missing result line, plan
    /// mismatch, misnumbered cases, or a top-level `not ok` that no failing case explains.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        match &self.result {
            None => problems.push("no result line — the guest stopped inside this suite".into()),
            Some(r) if r.outcome == Outcome::Fail && self.failed_cases().next().is_none() => {
                problems.push(if r.reason.is_empty() {
                    "reported not ok".to_string()
                } else {
                    format!("reported not ok: {}", r.reason)
                });
            }
            Some(_) => {}
        }
        match self.plan {
            None if self.has_nested_output() => problems.push("no plan line".into()),
            Some(n) if n != self.cases.len() => {
                problems.push(format!("plan 1..{n} but {} results", self.cases.len()));
            }
            _ => {}
        }
        if let Some((i, c)) = self
            .cases
            .iter()
            .enumerate()
            .find(|(i, c)| c.number != i + 1)
        {
            problems.push(format!("case {} is numbered {}", i + 1, c.number));
        }
        problems
    }

    /// Whether the suite passed: it has an `ok` (or skipped) result line, no failing
    /// case, and its nested plan matches its results.
    pub fn passed(&self) -> bool {
        self.problems().is_empty() && self.failed_cases().next().is_none()
    }

    /// The suite's case counts. A suite without nested cases counts itself as one case;
    /// planned cases that never reported count as failed; a failing suite always has at
    /// least one failure.
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for case in &self.cases {
            match case.outcome {
                Outcome::Pass => counts.passed += 1,
                Outcome::Fail => counts.failed += 1,
                Outcome::Skip => counts.skipped += 1,
            }
        }
        let missing = self.plan.unwrap_or(0).saturating_sub(self.cases.len());
        counts.failed += missing;
        if self.cases.is_empty() && missing == 0 {
            match self.result.as_ref().map(|r| r.outcome) {
                Some(Outcome::Pass) => counts.passed += 1,
                Some(Outcome::Skip) => counts.skipped += 1,
                Some(Outcome::Fail) | None => counts.failed += 1,
            }
        }
        if counts.failed == 0 && !self.passed() {
            counts.failed = 1;
        }
        counts
    }
}

/// Everything parsed from one `ktap.log`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KtapRun {
    /// Line number of the top-level `KTAP version 1` line.
    pub header_line: Option<usize>,
    /// The top-level plan's count (`1..S`).
    pub plan: Option<usize>,
    /// The suites, in order, including one the output ended inside.
    pub suites: Vec<Suite>,
    /// Top-level diagnostics and other lines that belong to no suite.
    pub notes: Vec<Note>,
    /// Structural problems with the output as a whole (empty when it is well formed).
    pub problems: Vec<String>,
}

impl KtapRun {
    /// The suites that have a top-level result line.
    pub fn results(&self) -> impl Iterator<Item = &TestResult> {
        self.suites.iter().filter_map(|s| s.result.as_ref())
    }
}

/// One classified line, without its indentation.
enum Line<'a> {
    Header,
    Plan(usize),
    Result(usize, Outcome, &'a str, &'a str),
    Subtest(&'a str),
    Other,
}

fn parse_plan(body: &str) -> Option<usize> {
    let rest = body.strip_prefix("1..")?;
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (count, tail) = rest.split_at(digits);
    let tail = tail.trim_start();
    if tail.is_empty() || tail.starts_with('#') {
        count.parse().ok()
    } else {
        None
    }
}

/// Splits `rest` (what follows `ok`/`not ok`) into number, description and directive.
fn parse_result(rest: &str, ok: bool) -> Option<Line<'_>> {
    if !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let digits = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (number, rest) = rest.split_at(digits);
    let number = number.parse().ok()?;
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let rest = rest.trim_start();
    let rest = rest.strip_prefix("- ").unwrap_or(rest);
    // The directive starts at the first `#` that opens the text or follows whitespace.
    let hash = rest.match_indices('#').map(|(i, _)| i).find(|&i| {
        rest[..i]
            .chars()
            .next_back()
            .is_none_or(char::is_whitespace)
    });
    let (description, directive) = match hash {
        Some(i) => (rest[..i].trim(), rest[i + 1..].trim()),
        None => (rest.trim(), ""),
    };
    let (word, after) = directive
        .split_once(char::is_whitespace)
        .unwrap_or((directive, ""));
    let (outcome, reason) = if word.trim_end_matches(':').eq_ignore_ascii_case("skip") {
        (Outcome::Skip, after.trim())
    } else if ok {
        (Outcome::Pass, directive)
    } else {
        (Outcome::Fail, directive)
    };
    Some(Line::Result(number, outcome, description, reason))
}

fn classify(body: &str) -> Line<'_> {
    if body == "KTAP version 1" {
        return Line::Header;
    }
    if let Some(count) = parse_plan(body) {
        return Line::Plan(count);
    }
    let result = if let Some(rest) = body.strip_prefix("not ok") {
        parse_result(rest, false)
    } else if let Some(rest) = body.strip_prefix("ok") {
        parse_result(rest, true)
    } else {
        None
    };
    if let Some(line) = result {
        return line;
    }
    match body.strip_prefix('#').map(str::trim_start) {
        Some(d) => match d.strip_prefix("Subtest:") {
            Some(name) => Line::Subtest(name.trim()),
            None => Line::Other,
        },
        None => Line::Other,
    }
}

fn result(line: usize, number: usize, outcome: Outcome, desc: &str, reason: &str) -> TestResult {
    TestResult {
        line,
        number,
        description: desc.to_string(),
        outcome,
        reason: reason.to_string(),
    }
}

/// A suite being read, with the indentation of its case level once known.
#[derive(Default)]
struct Pending {
    suite: Suite,
    case_indent: Option<usize>,
}

impl Pending {
    fn nested(&mut self, line_no: usize, indent: usize, body: &str) {
        let case_indent = *self.case_indent.get_or_insert(indent);
        let suite = &mut self.suite;
        if indent > case_indent {
            suite.notes.push(note(line_no, body));
            return;
        }
        match classify(body) {
            Line::Header if !suite.has_header => suite.has_header = true,
            Line::Plan(n) if suite.plan.is_none() => suite.plan = Some(n),
            Line::Result(number, outcome, desc, reason) => {
                suite
                    .cases
                    .push(result(line_no, number, outcome, desc, reason));
            }
            _ => suite.notes.push(note(line_no, body)),
        }
    }
}

fn note(line: usize, text: &str) -> Note {
    Note {
        line,
        text: text.to_string(),
    }
}

/// Parses a whole KTAP log. Never panics; problems are recorded in [`KtapRun::problems`]
/// and in each suite's [`Suite::problems`].
pub fn parse(text: &str) -> KtapRun {
    let mut run = KtapRun::default();
    let mut pending: Option<Pending> = None;
    let mut any_line = false;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        let line = raw.trim_end();
        let body = line.trim_start();
        if body.is_empty() {
            continue;
        }
        any_line = true;
        let indent = line.len() - body.len();
        if indent > 0 {
            pending
                .get_or_insert_with(Pending::default)
                .nested(line_no, indent, body);
            continue;
        }
        match classify(body) {
            Line::Header => match run.header_line {
                None => run.header_line = Some(line_no),
                Some(first) => run.problems.push(format!(
                    "second 'KTAP version 1' header at line {line_no} (first at line {first}) — did the guest restart?"
                )),
            },
            Line::Plan(n) => match run.plan {
                None => run.plan = Some(n),
                Some(_) => run
                    .problems
                    .push(format!("second plan line at line {line_no}")),
            },
            Line::Result(number, outcome, desc, reason) => {
                let mut suite = pending.take().map(|p| p.suite).unwrap_or_default();
                suite.result = Some(result(line_no, number, outcome, desc, reason));
                run.suites.push(suite);
            }
            Line::Subtest(name) => {
                if let Some(unfinished) = pending.take() {
                    run.suites.push(unfinished.suite);
                }
                let mut next = Pending::default();
                next.suite.subtest_name = Some(name.to_string());
                pending = Some(next);
            }
            Line::Other => match pending.as_mut() {
                Some(p) => p.suite.notes.push(note(line_no, body)),
                None => run.notes.push(note(line_no, body)),
            },
        }
    }
    if let Some(unfinished) = pending {
        run.suites.push(unfinished.suite);
    }
    if !any_line {
        run.problems = vec!["empty ktap output — the guest wrote no test results".into()];
        return run;
    }
    let mut problems = Vec::new();
    if run.header_line.is_none() {
        problems.push("no 'KTAP version 1' header".to_string());
    }
    let results = run.results().count();
    match run.plan {
        None => problems.push("no plan line (1..N)".into()),
        Some(0) => problems.push("plan 1..0 — no suites ran".into()),
        Some(s) if results < s => problems.push(format!(
            "plan 1..{s} but {results} results — the guest stopped early"
        )),
        Some(s) if results > s => problems.push(format!("plan 1..{s} but {results} results")),
        Some(_) => {}
    }
    if let Some((i, r)) = run.results().enumerate().find(|(i, r)| r.number != i + 1) {
        problems.push(format!(
            "top-level result {} is numbered {}",
            i + 1,
            r.number
        ));
    }
    problems.append(&mut run.problems);
    run.problems = problems;
    run
}
