//! The built binary: exit codes and output lines.

mod common;

use common::{check_data, check_files, check_texts, console_with_report, data, data_path, run_bin};

const PASS_OUTPUT: &str = "\
suite fixture.basic ok passed=3 failed=0 skipped=0
suite fixture.params ok passed=1 failed=0 skipped=0
guest: 4 passed, 0 failed, 0 skipped
";

#[test]
fn clean_run_passes_with_exactly_the_summary() {
    let run = check_data("console_clean.log", "ktap_pass.log");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert_eq!(run.stdout, PASS_OUTPUT);
    assert_eq!(run.stderr, "");
}

#[test]
fn failing_nested_case_is_listed_and_exits_1() {
    let run = check_data("console_clean.log", "ktap_nested_fail.log");
    assert_eq!(run.code, 1);
    let lines = run.lines();
    assert_eq!(
        lines[..5],
        [
            "suite fixture.basic FAIL passed=1 failed=1 skipped=1",
            "  not ok fixture.basic: selftest parameter reads ok # got 'fail -22'",
            "    # cat /sys/module/rfl_fixture/parameters/selftest: fail -22",
            "suite fixture.other ok passed=1 failed=0 skipped=0",
            "guest: 2 passed, 1 failed, 1 skipped",
        ]
    );
    assert_eq!(lines[5], "--- console tail ---");
    // The clean console has 43 lines; the default tail is 40.
    assert_eq!(lines.len(), 6 + 40);
    assert_eq!(
        lines[6],
        data("console_clean.log").lines().nth(3).unwrap_or("")
    );
    assert_eq!(lines.last(), Some(&"[    1.462000] reboot: Power down"));
}

#[test]
fn top_level_not_ok_exits_1() {
    let run = check_data("console_clean.log", "ktap_top_not_ok.log");
    assert_eq!(run.code, 1);
    assert!(run.has_line("suite fixture.basic ok passed=3 failed=0 skipped=0"));
    assert!(run.has_line("suite fixture.params FAIL passed=1 failed=1 skipped=0"));
    assert!(run.has_line("  not ok fixture.params: (suite) # reported not ok: exit status 1"));
    assert_eq!(run.summary(), "guest: 4 passed, 1 failed, 0 skipped");
}

#[test]
fn ok_suite_with_failing_case_exits_1() {
    let run = check_data("console_clean.log", "ktap_ok_but_case_fails.log");
    assert_eq!(run.code, 1);
    assert!(run.has_line("suite fixture.basic FAIL passed=2 failed=1 skipped=0"));
    assert!(run.has_line("  not ok fixture.basic: selftest parameter reads ok # got 'fail -22'"));
    assert_eq!(run.summary(), "guest: 3 passed, 1 failed, 0 skipped");
}

#[test]
fn plan_mismatches_exit_1() {
    let run = check_data("console_clean.log", "ktap_nested_plan_short.log");
    assert_eq!(run.code, 1);
    assert!(run.has_line("suite fixture.basic FAIL passed=2 failed=1 skipped=0"));
    assert!(run.has_line("  not ok fixture.basic: (suite) # plan 1..3 but 2 results"));

    let run = check_data("console_clean.log", "ktap_top_plan_short.log");
    assert_eq!(run.code, 1);
    assert!(run.has_line("ktap FAIL plan 1..3 but 2 results — the guest stopped early"));
    assert_eq!(run.summary(), "guest: 4 passed, 1 failed, 0 skipped");
}

#[test]
fn missing_header_and_empty_ktap_exit_1() {
    let run = check_data("console_clean.log", "ktap_no_header.log");
    assert_eq!(run.code, 1);
    assert!(run.has_line("ktap FAIL no 'KTAP version 1' header"));

    let run = check_data("console_clean.log", "ktap_empty.log");
    assert_eq!(run.code, 1);
    assert_eq!(
        run.lines()[..2],
        [
            "ktap FAIL empty ktap output — the guest wrote no test results",
            "guest: 0 passed, 1 failed, 0 skipped",
        ]
    );
}

#[test]
fn stray_top_level_lines_are_shown_when_the_structure_is_wrong() {
    let run = check_texts(
        "stray",
        data("console_clean.log"),
        "sh: can't open /tests/run: No such file\nKTAP version 1\n",
    );
    assert_eq!(run.code, 1);
    assert!(run.has_line("ktap FAIL no plan line (1..N)"));
    assert!(run.has_line("    sh: can't open /tests/run: No such file"));
}

#[test]
fn kernel_panic_mid_run_gives_the_full_failure_report() {
    let run = check_files(
        &data_path("console_panic.log"),
        &data_path("ktap_panic.log"),
        &["--tail", "3"],
    );
    assert_eq!(run.code, 1);
    assert_eq!(
        run.stdout,
        "\
suite fixture.basic FAIL passed=1 failed=2 skipped=0
  not ok fixture.basic: (suite) # no result line — the guest stopped inside this suite
  not ok fixture.basic: (suite) # plan 1..3 but 1 results
console FAIL 10 in fixture.basic: BUG: kernel NULL pointer dereference, address: 0000000000000008
console FAIL 14 in fixture.basic: Oops: Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI
console FAIL 42 in fixture.basic: Kernel panic - not syncing: Fatal exception
poweroff FAIL guest did not reach its end marker and reboot
ktap FAIL plan 1..2 but 0 results — the guest stopped early
guest: 1 passed, 7 failed, 0 skipped
--- console tail ---
[    1.184000] Kernel Offset: disabled
[    1.184100] Rebooting in 1 seconds..
[    1.184200] ---[ end Kernel panic - not syncing: Fatal exception ]---
"
    );
}

#[test]
fn each_console_problem_kind_turns_an_all_ok_run_red() {
    let ktap = data("ktap_pass.log");
    for (report, line) in [
        ("warning.log", "console FAIL 43 in fixture.params: WARNING: CPU: 0 PID: 123 at fixture/shim.c:30 rfl_fixture_warn+0x10/0x20 [rfl_fixture]"),
        ("kasan.log", "console FAIL 42 in fixture.params: BUG: KASAN: slab-out-of-bounds in rfl_fixture_poke+0x2c/0x40 [rfl_fixture]"),
        ("lockdep.log", "console FAIL 43 in fixture.params: WARNING: possible circular locking dependency detected"),
        ("kmemleak.log", "console FAIL 42 in fixture.params: unreferenced object 0xffff888003a4c000 (size 64):"),
        ("hung_task.log", "console FAIL 41 in fixture.params: INFO: task insmod:131 blocked for more than 122 seconds."),
        ("rcu_stall.log", "console FAIL 41 in fixture.params: rcu: INFO: rcu_preempt self-detected stall on CPU"),
        ("ubsan.log", "console FAIL 42 in fixture.params: UBSAN: shift-out-of-bounds in fixture/shim.c:42:13"),
        ("sleep_in_atomic.log", "console FAIL 41 in fixture.params: BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585"),
        ("page_alloc_failure.log", "console FAIL 41 in fixture.params: dd: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0"),
        ("fault_injection.log", "console FAIL 41 in fixture.params: FAULT_INJECTION: forcing a failure. (with a stack dump: verbose > 1)"),
        ("dump_stack.log", "console FAIL 45 in fixture.params: Call Trace: (stack dump outside a known report)"),
        ("dump_stack_arm64.log", "console FAIL 45 in fixture.params: Call trace: (stack dump outside a known report)"),
    ] {
        let run = check_texts(&format!("report-{report}"), console_with_report(report), &ktap);
        assert_eq!(run.code, 1, "{report}:\n{}", run.stdout);
        assert!(run.has_line(line), "{report}:\n{}", run.stdout);
        assert!(run.has_line("suite fixture.basic ok passed=3 failed=0 skipped=0"));
        assert!(!run.has_line("poweroff FAIL guest did not reach its end marker and reboot"));
        assert!(!run.summary().contains(" 0 failed"), "{report}: {}", run.summary());
        assert!(run.has_line("--- console tail ---"));
    }
}

#[test]
fn missing_end_marker_or_reboot_exits_1() {
    let clean = data("console_clean.log");
    let ktap = data("ktap_pass.log");
    for (tag, console) in [
        ("no-marker", clean.replace("rfl-suite: guest done\n", "")),
        (
            "no-reboot",
            clean.replace("[    1.462000] reboot: Power down\n", ""),
        ),
    ] {
        let run = check_texts(tag, console, &ktap);
        assert_eq!(run.code, 1, "{tag}");
        assert!(run.has_line("poweroff FAIL guest did not reach its end marker and reboot"));
        assert_eq!(
            run.summary(),
            "guest: 4 passed, 1 failed, 0 skipped",
            "{tag}"
        );
    }
}

#[test]
fn skips_are_counted_as_skipped() {
    let run = check_data("console_clean.log", "ktap_skip.log");
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.has_line("suite fixture.basic ok passed=2 failed=0 skipped=1"));
    assert!(run.has_line("suite fixture.hotplug ok passed=0 failed=0 skipped=1"));
    assert_eq!(run.summary(), "guest: 2 passed, 0 failed, 3 skipped");
    assert_eq!(
        run.lines().last(),
        Some(&"guest: 2 passed, 0 failed, 3 skipped")
    );
}

#[test]
fn crlf_logs_give_the_same_verdict() {
    let run = check_texts(
        "crlf-pass",
        data("console_clean.log").replace('\n', "\r\n"),
        data("ktap_pass.log").replace('\n', "\r\n"),
    );
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, PASS_OUTPUT);

    let run = check_texts(
        "crlf-fail",
        data("console_clean.log").replace('\n', "\r\n"),
        data("ktap_nested_fail.log").replace('\n', "\r\n"),
    );
    assert_eq!(run.code, 1);
    assert!(run.has_line("  not ok fixture.basic: selftest parameter reads ok # got 'fail -22'"));
    assert!(!run.stdout.contains('\r'));
}

#[test]
fn binary_garbage_does_not_crash() {
    let mut console = data("console_clean.log").into_bytes();
    console.splice(100..100, (0..=255u8).chain(0..=255u8).rev());
    let run = check_texts("garbage-console", &console, data("ktap_pass.log"));
    assert_eq!(
        run.code, 0,
        "garbage alone is no kernel problem:\n{}",
        run.stdout
    );

    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let run = check_texts("garbage-both", &garbage, &garbage);
    assert_eq!(run.code, 1);
    assert!(run.has_line("ktap FAIL no 'KTAP version 1' header"));
    assert!(run.has_line("--- console tail ---"));
    assert!(!run.stdout.contains('\u{1b}'));
}

#[test]
fn tail_option_limits_the_console_tail() {
    for args in [["--tail", "2"].as_slice(), ["--tail=2"].as_slice()] {
        let run = check_files(
            &data_path("console_clean.log"),
            &data_path("ktap_empty.log"),
            args,
        );
        assert_eq!(run.code, 1);
        assert_eq!(
            run.lines()[2..],
            [
                "--- console tail ---",
                "[    1.461234] ACPI: PM: Preparing to enter system sleep state S5",
                "[    1.462000] reboot: Power down",
            ]
        );
    }
    let run = check_files(
        &data_path("console_clean.log"),
        &data_path("ktap_empty.log"),
        &["--tail", "0"],
    );
    assert_eq!(run.lines().last(), Some(&"--- console tail ---"));
}

#[test]
fn usage_and_io_errors_exit_2() {
    let console = data_path("console_clean.log");
    let ktap = data_path("ktap_pass.log");
    let c = console.to_str().unwrap_or_default();
    let k = ktap.to_str().unwrap_or_default();
    for args in [
        vec![],
        vec!["--console", c],
        vec!["--ktap", k],
        vec!["--console", c, "--ktap"],
        vec!["--console", c, "--ktap", k, "--tail", "many"],
        vec!["--console", c, "--ktap", k, "--tail", "-1"],
        vec!["--console", c, "--ktap", k, "--verbose"],
        vec!["--console", c, "--ktap", k, "extra"],
        vec!["--console", "/nonexistent/console.log", "--ktap", k],
        vec!["--console", c, "--ktap", "/nonexistent/ktap.log"],
        vec!["--console", c, "--ktap", "/"],
    ] {
        let run = run_bin(&args);
        assert_eq!(run.code, 2, "{args:?}");
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.starts_with("guest-check: "),
            "{args:?}: {}",
            run.stderr
        );
    }
    let run = run_bin(&["--help"]);
    assert_eq!(run.code, 0);
    assert!(run
        .stdout
        .starts_with("usage: guest-check --console PATH --ktap PATH [--tail N]"));

    let run = run_bin(&[format!("--console={c}"), format!("--ktap={k}")]);
    assert_eq!(run.code, 0);
    assert_eq!(run.stdout, PASS_OUTPUT);
}
