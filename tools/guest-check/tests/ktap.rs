//! KTAP parsing and per-suite verdicts, through the library.

mod common;

use common::data;
use guest_check::ktap::{self, Counts, Outcome};

fn counts(passed: usize, failed: usize, skipped: usize) -> Counts {
    Counts {
        passed,
        failed,
        skipped,
    }
}

/// The verdict for `ktap` with the clean console log.
fn verdict(ktap: &str) -> guest_check::Verdict {
    guest_check::check(ktap, &data("console_clean.log"))
}

#[test]
fn passing_run_has_two_suites_and_four_cases() {
    let run = ktap::parse(&data("ktap_pass.log"));
    assert!(run.problems.is_empty(), "{:?}", run.problems);
    assert_eq!(run.header_line, Some(1));
    assert_eq!(run.plan, Some(2));
    let names: Vec<String> = run.suites.iter().map(|s| s.name()).collect();
    assert_eq!(names, ["fixture.basic", "fixture.params"]);
    assert_eq!(run.suites[0].plan, Some(3));
    assert_eq!(run.suites[0].cases.len(), 3);
    assert_eq!(
        run.suites[0].cases[1].description,
        "selftest parameter reads ok"
    );
    assert_eq!(run.suites[0].cases[1].line, 7);
    assert_eq!(run.suites[1].notes[0].text, "# loading with warn_on_load=0");
    let v = verdict(&data("ktap_pass.log"));
    assert!(v.passed());
    assert_eq!(v.totals, counts(4, 0, 0));
}

#[test]
fn failing_nested_case_fails_its_suite_only() {
    let v = verdict(&data("ktap_nested_fail.log"));
    assert!(!v.passed());
    let basic = &v.suites[0];
    assert!(!basic.passed);
    assert_eq!(basic.counts, counts(1, 1, 1));
    assert_eq!(basic.failures.len(), 1, "{:?}", basic.failures);
    assert_eq!(basic.failures[0].case, "selftest parameter reads ok");
    assert_eq!(basic.failures[0].reason, "got 'fail -22'");
    assert!(v.suites[1].passed);
    assert_eq!(v.totals, counts(2, 1, 1));
}

#[test]
fn top_level_not_ok_fails_even_when_all_cases_pass() {
    let v = verdict(&data("ktap_top_not_ok.log"));
    assert!(!v.passed());
    let params = &v.suites[1];
    assert!(!params.passed);
    assert_eq!(params.counts, counts(1, 1, 0));
    assert_eq!(params.failures[0].case, "(suite)");
    assert_eq!(params.failures[0].reason, "reported not ok: exit status 1");
}

#[test]
fn ok_suite_with_a_failing_case_fails() {
    let run = ktap::parse(&data("ktap_ok_but_case_fails.log"));
    let basic = &run.suites[0];
    assert_eq!(
        basic.result.as_ref().map(|r| r.outcome),
        Some(Outcome::Pass)
    );
    assert!(!basic.passed());
    assert!(!verdict(&data("ktap_ok_but_case_fails.log")).passed());
}

#[test]
fn nested_plan_with_missing_results_fails_the_suite() {
    let run = ktap::parse(&data("ktap_nested_plan_short.log"));
    assert!(
        run.problems.is_empty(),
        "top level is fine: {:?}",
        run.problems
    );
    let basic = &run.suites[0];
    assert!(!basic.passed());
    assert_eq!(basic.problems(), ["plan 1..3 but 2 results"]);
    assert_eq!(
        basic.counts(),
        counts(2, 1, 0),
        "the missing case counts as failed"
    );
}

#[test]
fn top_level_plan_with_missing_results_fails_the_run() {
    let run = ktap::parse(&data("ktap_top_plan_short.log"));
    assert_eq!(
        run.problems,
        ["plan 1..3 but 2 results — the guest stopped early"]
    );
    let v = verdict(&data("ktap_top_plan_short.log"));
    assert!(!v.passed());
    assert_eq!(v.totals, counts(4, 1, 0));
}

#[test]
fn output_ending_inside_a_suite_fails_suite_and_plan() {
    let run = ktap::parse(&data("ktap_panic.log"));
    assert_eq!(run.suites.len(), 1);
    let basic = &run.suites[0];
    assert_eq!(basic.result, None);
    assert_eq!(basic.name(), "fixture.basic");
    assert_eq!(
        basic.problems(),
        [
            "no result line — the guest stopped inside this suite",
            "plan 1..3 but 1 results"
        ]
    );
    assert_eq!(basic.counts(), counts(1, 2, 0));
    assert_eq!(
        run.problems,
        ["plan 1..2 but 0 results — the guest stopped early"]
    );
}

#[test]
fn missing_header_fails() {
    let run = ktap::parse(&data("ktap_no_header.log"));
    assert_eq!(run.problems, ["no 'KTAP version 1' header"]);
    assert!(!verdict(&data("ktap_no_header.log")).passed());
}

#[test]
fn empty_or_blank_output_fails() {
    for text in ["", "\n\n", "  \r\n\t\n"] {
        let run = ktap::parse(text);
        assert_eq!(
            run.problems,
            ["empty ktap output — the guest wrote no test results"],
            "{text:?}"
        );
        let v = verdict(text);
        assert!(!v.passed());
        assert_eq!(v.totals, counts(0, 1, 0));
    }
}

#[test]
fn missing_plan_and_empty_plan_fail() {
    let run = ktap::parse("KTAP version 1\nok 1 a\n");
    assert_eq!(run.problems, ["no plan line (1..N)"]);
    let run = ktap::parse("KTAP version 1\n1..0\n");
    assert_eq!(run.problems, ["plan 1..0 — no suites ran"]);
    let run = ktap::parse("KTAP version 1\n1..1\nok 1 a\nok 2 b\n");
    assert_eq!(run.problems, ["plan 1..1 but 2 results"]);
}

#[test]
fn misnumbered_results_fail() {
    let run = ktap::parse("KTAP version 1\n1..2\nok 2 a\nok 1 b\n");
    assert_eq!(run.problems, ["top-level result 1 is numbered 2"]);
    let run = ktap::parse("KTAP version 1\n1..1\n    1..2\n    ok 1 x\n    ok 1 y\nok 1 a\n");
    assert!(run.problems.is_empty());
    assert_eq!(run.suites[0].problems(), ["case 2 is numbered 1"]);
    assert!(!run.suites[0].passed());
}

#[test]
fn second_header_or_plan_fails() {
    let run = ktap::parse("KTAP version 1\n1..1\nok 1 a\nKTAP version 1\n1..1\nok 1 a\n");
    assert!(run
        .problems
        .iter()
        .any(|p| p.starts_with("second 'KTAP version 1' header at line 4 (first at line 1)")));
    assert!(run
        .problems
        .contains(&"second plan line at line 5".to_string()));
    assert!(run
        .problems
        .contains(&"plan 1..1 but 2 results".to_string()));
}

#[test]
fn nested_output_without_plan_fails() {
    let run = ktap::parse("KTAP version 1\n1..1\n    KTAP version 1\n    ok 1 x\nok 1 a\n");
    assert_eq!(run.suites[0].problems(), ["no plan line"]);
}

#[test]
fn skip_counts_as_skipped_not_passed() {
    let v = verdict(&data("ktap_skip.log"));
    assert!(v.passed(), "skips do not fail a run");
    assert_eq!(v.suites[0].counts, counts(2, 0, 1));
    assert_eq!(
        v.suites[1].counts,
        counts(0, 0, 1),
        "lower-case `# skip` too"
    );
    assert_eq!(
        v.suites[2].counts,
        counts(0, 0, 1),
        "a skipped suite without cases"
    );
    assert_eq!(v.totals, counts(2, 0, 3));
}

#[test]
fn result_lines_are_split_into_number_description_and_directive() {
    let text = "KTAP version 1\n1..1\n    1..7\n    ok 1 - dashed name\n    not ok 2 todo case # TODO not yet\n    ok 3 # SKIP\n    ok 4 issue#12 stays in the name\n    not ok 5 # SKIP: no device\n    not ok 6\n    ok 7 utf-8 — name # reason — with dash\nok 1 s\n";
    let run = ktap::parse(text);
    let cases: Vec<(usize, Outcome, &str, &str)> = run.suites[0]
        .cases
        .iter()
        .map(|c| {
            (
                c.number,
                c.outcome,
                c.description.as_str(),
                c.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(
        cases,
        [
            (1, Outcome::Pass, "dashed name", ""),
            (2, Outcome::Fail, "todo case", "TODO not yet"),
            (3, Outcome::Skip, "", ""),
            (4, Outcome::Pass, "issue#12 stays in the name", ""),
            (5, Outcome::Skip, "", "no device"),
            (6, Outcome::Fail, "", ""),
            (7, Outcome::Pass, "utf-8 — name", "reason — with dash"),
        ]
    );
    let v = guest_check::check(text, &data("console_clean.log"));
    let reasons: Vec<(&str, &str)> = v.suites[0]
        .failures
        .iter()
        .map(|f| (f.case.as_str(), f.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [("todo case", "TODO not yet"), ("case 6", "failed")]
    );
}

#[test]
fn lines_that_only_look_like_results_are_notes() {
    let text = "KTAP version 1\n1..1\n    1..1\n    okay 1 no\n    ok\n    ok 1x\n    not ok one\n    1..2x\n    ok 1 real\nok 1 s\n";
    let run = ktap::parse(text);
    let suite = &run.suites[0];
    assert_eq!(suite.cases.len(), 1);
    assert_eq!(suite.cases[0].description, "real");
    assert_eq!(suite.notes.len(), 5);
    assert!(suite.passed());
}

#[test]
fn cases_of_a_case_are_covered_by_its_own_result() {
    let text = "KTAP version 1\n1..1\n# Subtest: outer\n    KTAP version 1\n    1..1\n    # Subtest: inner\n        KTAP version 1\n        1..1\n        not ok 1 deep # flaky, retried\n    ok 1 inner\nok 1 outer\n";
    let run = ktap::parse(text);
    assert!(run.problems.is_empty());
    assert_eq!(run.suites[0].cases.len(), 1);
    assert!(run.suites[0].passed());
}

#[test]
fn nested_results_without_a_subtest_line_belong_to_the_next_suite() {
    let run = ktap::parse("KTAP version 1\n1..1\n    1..2\n    ok 1 a\n    not ok 2 b\nok 1 s\n");
    assert_eq!(run.suites.len(), 1);
    assert_eq!(run.suites[0].subtest_name, None);
    assert_eq!(run.suites[0].counts(), counts(1, 1, 0));
}

#[test]
fn crlf_line_endings_parse_like_lf() {
    for name in [
        "ktap_pass.log",
        "ktap_nested_fail.log",
        "ktap_panic.log",
        "ktap_skip.log",
    ] {
        let lf = data(name);
        let crlf = lf.replace('\n', "\r\n");
        assert_eq!(ktap::parse(&crlf), ktap::parse(&lf), "{name}");
    }
    let v = verdict(&data("ktap_pass.log").replace('\n', "\r\n"));
    assert!(v.passed());
    assert_eq!(v.totals, counts(4, 0, 0));
}

#[test]
fn a_failing_run_never_counts_zero_failures() {
    for name in [
        "ktap_nested_fail.log",
        "ktap_top_not_ok.log",
        "ktap_ok_but_case_fails.log",
        "ktap_nested_plan_short.log",
        "ktap_top_plan_short.log",
        "ktap_no_header.log",
        "ktap_empty.log",
        "ktap_panic.log",
    ] {
        let v = verdict(&data(name));
        assert!(!v.passed(), "{name}");
        assert!(v.totals.failed > 0, "{name}");
        for suite in v.suites.iter().filter(|s| !s.passed) {
            assert!(suite.counts.failed > 0, "{name}: {}", suite.name);
            assert!(!suite.failures.is_empty(), "{name}: {}", suite.name);
        }
    }
}
