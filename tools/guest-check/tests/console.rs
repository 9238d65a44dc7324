//! Console scanning: kernel problem reports and the end-of-run markers, through the library.

mod common;

use common::{console_with_report, data, splice_before_done};
use guest_check::console::{
    self, strip_timestamp, CALL_TRACE_KIND, FAULT_INJECTION_KIND, FAULT_INJECTION_REACH, MAX_LISTED,
};

#[test]
fn clean_console_has_no_problems_and_reaches_its_end() {
    let report = console::scan(&data("console_clean.log"));
    assert_eq!(report.problems, []);
    assert_eq!(report.distinct_problems, 0);
    assert_eq!(report.done_line, Some(41));
    assert_eq!(report.reboot_line, Some(43));
    assert!(report.reached_end());
}

/// Each canned report, spliced into the clean log: (file, line of the problem within the
/// report, kind, text without timestamp, distinct problems).
const REPORTS: &[(&str, usize, &str, &str, usize)] = &[
    (
        "warning.log",
        3,
        "warning",
        "WARNING: CPU: 0 PID: 123 at fixture/shim.c:30 rfl_fixture_warn+0x10/0x20 [rfl_fixture]",
        1,
    ),
    (
        "kasan.log",
        2,
        "kasan",
        "BUG: KASAN: slab-out-of-bounds in rfl_fixture_poke+0x2c/0x40 [rfl_fixture]",
        1,
    ),
    (
        "lockdep.log",
        3,
        "lockdep",
        "WARNING: possible circular locking dependency detected",
        1,
    ),
    (
        "kmemleak.log",
        1,
        "kmemleak",
        "kmemleak: 1 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
        2,
    ),
    (
        "hung_task.log",
        1,
        "hung task",
        "INFO: task insmod:131 blocked for more than 122 seconds.",
        1,
    ),
    (
        "rcu_stall.log",
        1,
        "rcu stall",
        "rcu: INFO: rcu_preempt self-detected stall on CPU",
        1,
    ),
    (
        "ubsan.log",
        2,
        "ubsan",
        "UBSAN: shift-out-of-bounds in fixture/shim.c:42:13",
        1,
    ),
    (
        "sleep_in_atomic.log",
        1,
        "bug",
        "BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585",
        1,
    ),
    (
        "page_alloc_failure.log",
        1,
        "alloc failure",
        "dd: page allocation failure: order:0, mode:0x820(GFP_ATOMIC), nodemask=(null),cpuset=/,mems_allowed=0",
        1,
    ),
    (
        "fault_injection.log",
        1,
        "fault injection",
        "FAULT_INJECTION: forcing a failure. (with a stack dump: verbose > 1)",
        1,
    ),
    (
        "dump_stack.log",
        5,
        "call trace",
        "Call Trace: (stack dump outside a known report)",
        1,
    ),
    (
        "dump_stack_arm64.log",
        5,
        "call trace",
        "Call trace: (stack dump outside a known report)",
        1,
    ),
];

/// Line of the end marker in the clean log; reports are spliced in before it.
const DONE_LINE: usize = 41;

#[test]
fn each_canned_kernel_report_is_found_once_with_its_line() {
    for &(name, line_in_report, kind, text, distinct) in REPORTS {
        let report = console::scan(&console_with_report(name));
        assert_eq!(
            report.distinct_problems, distinct,
            "{name}: {:?}",
            report.problems
        );
        let first = &report.problems[0];
        assert_eq!(first.line, DONE_LINE - 1 + line_in_report, "{name}");
        assert_eq!(first.kind, kind, "{name}");
        assert_eq!(first.text, text, "{name}");
        assert_eq!(first.suite.as_deref(), Some("fixture.params"), "{name}");
        assert!(
            report.reached_end(),
            "{name}: the run itself did reach its end"
        );
    }
    let kmemleak = console::scan(&console_with_report("kmemleak.log"));
    assert_eq!(
        kmemleak.problems[1].text,
        "unreferenced object 0xffff888003a4c000 (size 64):"
    );
}

#[test]
fn each_canned_kernel_report_turns_a_passing_run_red() {
    let ktap = data("ktap_pass.log");
    for &(name, ..) in REPORTS {
        let v = guest_check::check(&ktap, &console_with_report(name));
        assert!(v.suites.iter().all(|s| s.passed), "{name}");
        assert!(!v.passed(), "{name}");
        assert!(v.totals.failed > 0, "{name}");
    }
}

#[test]
fn every_problem_pattern_is_detected() {
    let lines = [
        ("[    2.000000] WARNING: CPU: 1 PID: 1 at kernel/foo.c:1 foo+0x1/0x2", "warning"),
        ("[    2.000000] WARNING: inconsistent lock state", "lockdep"),
        ("[    2.000000] WARNING: possible recursive locking detected", "lockdep"),
        ("[    2.000000] WARNING: possible circular locking dependency detected", "lockdep"),
        ("[    2.000000] inconsistent {IN-HARDIRQ-W} -> {HARDIRQ-ON-W} usage: inconsistent lock state", "lockdep"),
        ("[    2.000000] BUG: KASAN: use-after-free in foo+0x1/0x2", "kasan"),
        ("[    2.000000] KASAN: null-ptr-deref in range [0x0000000000000008-0x000000000000000f]", "kasan"),
        ("[    2.000000] BUG: kernel NULL pointer dereference, address: 0000000000000008", "bug"),
        ("[    2.000000] BUG: workqueue lockup - pool cpus=0 node=0 flags=0x0 nice=0 stuck for 33s!", "bug"),
        ("[    2.000000] BUG: scheduling while atomic: insmod/131/0x00000002", "bug"),
        ("[    2.000000] Oops: general protection fault, probably for non-canonical address 0xdffffc0000000001: 0000 [#1] PREEMPT SMP KASAN NOPTI", "oops"),
        ("[    2.000000] Oops: invalid opcode: 0000 [#1] PREEMPT SMP NOPTI", "oops"),
        ("[    2.000000] Internal error: Oops: 0000000096000005 [#1] PREEMPT SMP", "oops"),
        ("[    2.000000] Unable to handle kernel NULL pointer dereference at virtual address 0000000000000008", "oops"),
        ("[    2.000000] kernel BUG at fixture/shim.c:50!", "bug"),
        ("[    2.000000] UBSAN: array-index-out-of-bounds in fixture/shim.c:12:5", "ubsan"),
        ("[    2.000000] Kernel panic - not syncing: Fatal exception", "panic"),
        ("unreferenced object 0xffff888003a4c000 (size 64):", "kmemleak"),
        ("[   65.000000] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)", "kmemleak"),
        ("[  150.000000] INFO: task kworker/0:1:23 blocked for more than 30 seconds.", "hung task"),
        ("[   45.000000] rcu: INFO: rcu_sched self-detected stall on CPU", "rcu stall"),
        ("[   45.000000] rcu: INFO: rcu_preempt detected stalls on CPUs/tasks:", "rcu stall"),
        ("[   45.000000] rcu: INFO: rcu_preempt detected expedited stalls on CPUs/tasks: { 1-... } 21002 jiffies s: 373 root: 0x2/.", "rcu stall"),
        ("[   45.000000][    T1] WARNING: with a printk caller id", "warning"),
        ("[   12.345678] dd: page allocation failure: order:0, mode:0x800(GFP_NOWAIT), nodemask=(null)", "alloc failure"),
        ("[   12.345678] kworker/u8:2: page allocation failure: order:2, mode:0x40cc0(GFP_KERNEL|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0", "alloc failure"),
    ];
    let ktap = data("ktap_pass.log");
    for (line, kind) in lines {
        assert_eq!(
            console::problem_kind(strip_timestamp(line)),
            Some(kind),
            "{line}"
        );
        let console = splice_before_done(&data("console_clean.log"), &format!("{line}\n"));
        let report = console::scan(&console);
        assert_eq!(report.problems.len(), 1, "{line}");
        assert_eq!(report.problems[0].line, DONE_LINE, "{line}");
        assert!(!guest_check::check(&ktap, &console).passed(), "{line}");
    }
}

#[test]
fn look_alikes_are_not_problems() {
    for line in [
        "[    0.000000] Kernel command line: console=ttyS0 panic=-1 oops=panic panic_on_warn=0",
        "[    0.000000] kasan: KernelAddressSanitizer initialized (generic)",
        "[    0.700000] kmemleak: Kernel memory leak detector initialized (mem pool available: 15798)",
        "[    1.000000] PM: DEBUG: suspend stats ready",
        "[    1.000000] rfl-suite: running test_BUG: harmless name",
        "[    1.000000] Whoops: this is lower case and another word",
        "[    1.000000] ---[ end Kernel panic - not syncing: Fatal exception ]---",
        "[    1.000000] ---[ end trace 0000000000000000 ]---",
        "[    1.000000] page dumped because: kasan: bad access detected",
        "[    1.000000] FAULT_INJECTION: forcing a failure.",
        "[    1.000000] name fail_page_alloc, interval 1, probability 20, space 0, times 39",
        "[    1.000000] Mem-Info:",
        "[    1.000000] Call Trace:",
    ] {
        assert_eq!(console::problem_kind(strip_timestamp(line)), None, "{line}");
    }
}

#[test]
fn call_trace_lines_are_recognised_on_every_architecture() {
    for line in [
        "Call Trace:",
        "Call trace:",
        " Call Trace:",
        "Call Trace:\r",
    ] {
        assert!(console::is_call_trace(line), "{line:?}");
    }
    for line in [
        "",
        "Call Trace",
        "Call",
        "rfl_fixture: Call Trace:",
        " dump_stack_lvl+0x5d/0x80",
        "Call Traces: none",
        "Cäll Trace:",
    ] {
        assert!(!console::is_call_trace(line), "{line:?}");
    }
    assert!(console::is_report_end(
        "---[ end trace 0000000000000000 ]---"
    ));
    assert!(console::is_report_end(
        "=================================================================="
    ));
    assert!(!console::is_report_end("==="));
    assert!(!console::is_report_end(
        "------------[ cut here ]------------"
    ));
}

/// Kinds of the problems a console holds.
fn kinds(console: &str) -> Vec<&'static str> {
    console::scan(console)
        .problems
        .iter()
        .map(|p| p.kind)
        .collect()
}

#[test]
fn a_report_stack_dump_is_part_of_the_report() {
    for &(name, _, kind, ..) in REPORTS {
        assert_eq!(
            kinds(&console_with_report(name)).first(),
            Some(&kind),
            "{name}"
        );
    }
    for name in [
        "warning.log",
        "kasan.log",
        "lockdep.log",
        "hung_task.log",
        "ubsan.log",
        "sleep_in_atomic.log",
        "page_alloc_failure.log",
    ] {
        let report = data(&format!("reports/{name}"));
        assert!(report.contains("Call Trace:"), "{name}");
        let report = console::scan(&console_with_report(name));
        assert!(
            report.problems.iter().all(|p| p.kind != CALL_TRACE_KIND),
            "{name}: {:?}",
            report.problems
        );
    }
    let warning = console::scan(&console_with_report("warning.log"));
    assert_eq!(warning.problems.len(), 1);
    assert_eq!(warning.problems[0].kind, "warning");
    assert_eq!(warning.problems[0].occurrences, 1);

    // arm64 spells it "Call trace:"; an RCU stall dumps several stacks.
    let arm64_warning = "\
[    2.000000] ------------[ cut here ]------------
[    2.000010] WARNING: CPU: 0 PID: 131 at fixture/shim.c:30 rfl_fixture_warn+0x10/0x20 [rfl_fixture]
[    2.000020] Modules linked in: rfl_fixture(O+)
[    2.000030] pc : rfl_fixture_warn+0x10/0x20 [rfl_fixture]
[    2.000040] Call trace:
[    2.000050]  rfl_fixture_warn+0x10/0x20 [rfl_fixture]
[    2.000060] ---[ end trace 0000000000000000 ]---
";
    let rcu_stall = "\
[   45.000000] rcu: INFO: rcu_preempt self-detected stall on CPU
[   45.000010] CPU: 0 UID: 0 PID: 131 Comm: insmod Tainted: G           O       6.12.0 #1
[   45.000020] Call Trace:
[   45.000030]  rfl_fixture_spin+0x12/0x20 [rfl_fixture]
[   45.000040] rcu: RCU grace-period kthread stack dump:
[   45.000050] task:rcu_preempt     state:I stack:0     pid:16    tgid:16    ppid:2      flags:0x00004000
[   45.000060] Call Trace:
[   45.000070]  __schedule+0x3e0/0xa50
";
    for (what, insert, kind) in [
        ("arm64 warning", arm64_warning, "warning"),
        ("rcu stall", rcu_stall, "rcu stall"),
    ] {
        let console = splice_before_done(&data("console_clean.log"), insert);
        assert_eq!(kinds(&console), [kind], "{what}");
    }
}

#[test]
fn a_stack_dump_on_its_own_turns_a_passing_run_red() {
    let ktap = data("ktap_pass.log");
    let dump = data("reports/dump_stack.log");
    for (what, before, first) in [
        ("alone", String::new(), None),
        (
            "after a warning's footer",
            data("reports/warning.log"),
            Some((DONE_LINE + 2, "warning")),
        ),
        (
            "after a KASAN report's closing rule",
            data("reports/kasan.log"),
            Some((DONE_LINE + 1, "kasan")),
        ),
    ] {
        // The dump's "Call Trace:" is its fifth line.
        let trace = (DONE_LINE + before.lines().count() + 4, CALL_TRACE_KIND);
        let expected: Vec<_> = first.into_iter().chain([trace]).collect();
        let console = splice_before_done(&data("console_clean.log"), &(before + &dump));
        let report = console::scan(&console);
        let found: Vec<(usize, &str)> = report.problems.iter().map(|p| (p.line, p.kind)).collect();
        assert_eq!(found, expected, "{what}");
        let v = guest_check::check(&ktap, &console);
        assert!(!v.passed(), "{what}");
        assert_eq!(v.totals.failed, expected.len(), "{what}");
        let out = guest_check::report(&v, &console, 0);
        let line = format!(
            "console FAIL {} in fixture.params: Call Trace: (stack dump outside a known report)",
            trace.0
        );
        assert!(out.lines().any(|l| l == line), "{what}:\n{out}");
    }
}

#[test]
fn a_report_without_a_footer_owns_stack_dumps_until_the_next_suite() {
    let lockdep = data("reports/lockdep.log");
    let dump = data("reports/dump_stack.log");
    // In the same suite the dump counts with the lockdep report (the run is red either way).
    let same = splice_before_done(&data("console_clean.log"), &(lockdep.clone() + &dump));
    assert_eq!(kinds(&same), ["lockdep"]);
    // In the next suite it is a problem of its own.
    let next = format!("{lockdep}[    1.310000] rfl-suite: running fixture.next\n{dump}");
    let report = console::scan(&splice_before_done(&data("console_clean.log"), &next));
    let found: Vec<(&str, Option<&str>)> = report
        .problems
        .iter()
        .map(|p| (p.kind, p.suite.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("lockdep", Some("fixture.params")),
            (CALL_TRACE_KIND, Some("fixture.next"))
        ]
    );
    // And after the end marker.
    let log = "\
[    1.000000] rfl-suite: running fixture.basic
[    1.100000] BUG: sleeping function called from invalid context at kernel/locking/mutex.c:585
[    1.100010] Call Trace:
[    1.450000] rfl-suite: guest done
[    1.455000] Call Trace:
[    1.462000] reboot: Power down
";
    let found: Vec<(usize, &str)> = console::scan(log)
        .problems
        .iter()
        .map(|p| (p.line, p.kind))
        .collect();
    assert_eq!(found, [(2, "bug"), (5, CALL_TRACE_KIND)]);
}

#[test]
fn fault_injection_fails_only_with_a_stack_dump() {
    let ktap = data("ktap_pass.log");
    let quiet = "\
[    1.320000] FAULT_INJECTION: forcing a failure.
[    1.320000] name failslab, interval 1, probability 30, space 0, times -1
";
    let console = splice_before_done(&data("console_clean.log"), &quiet.repeat(3));
    assert_eq!(
        console::scan(&console).problems,
        [],
        "verbose=1 prints no dump"
    );
    assert!(guest_check::check(&ktap, &console).passed());

    let verbose = data("reports/fault_injection.log");
    let console = splice_before_done(&data("console_clean.log"), &verbose.repeat(2));
    let report = console::scan(&console);
    assert_eq!(report.distinct_problems, 1);
    let p = &report.problems[0];
    assert_eq!(
        (p.line, p.kind, p.occurrences),
        (DONE_LINE, FAULT_INJECTION_KIND, 2)
    );
    let v = guest_check::check(&ktap, &console);
    assert!(!v.passed());
    let out = guest_check::report(&v, &console, 0);
    assert!(
        out.lines().any(|l| l == "console FAIL 41 in fixture.params: FAULT_INJECTION: forcing a failure. (with a stack dump: verbose > 1)"),
        "{out}"
    );

    // A dump far below a quiet message is not its own: it is named as what it is.
    let far = format!(
        "{quiet}{}{}",
        "[    1.330000] rfl_fixture: unrelated line\n".repeat(FAULT_INJECTION_REACH),
        data("reports/dump_stack.log")
    );
    let console = splice_before_done(&data("console_clean.log"), &far);
    let found: Vec<(usize, &str)> = console::scan(&console)
        .problems
        .iter()
        .map(|p| (p.line, p.kind))
        .collect();
    assert_eq!(
        found,
        [(DONE_LINE + 2 + FAULT_INJECTION_REACH + 4, CALL_TRACE_KIND)]
    );

    // A known report that starts under the message owns the dump.
    let warned = format!("{quiet}{}", data("reports/warning.log"));
    let console = splice_before_done(&data("console_clean.log"), &warned);
    assert_eq!(kinds(&console), ["warning"]);
}

#[test]
fn timestamps_and_caller_ids_are_stripped_only_when_they_are_prefixes() {
    assert_eq!(strip_timestamp("[    1.234567] WARNING: x"), "WARNING: x");
    assert_eq!(strip_timestamp("[    1.234567][    T1] x"), "x");
    assert_eq!(strip_timestamp("[   12.000001][    C0] x"), "x");
    assert_eq!(strip_timestamp("[  123.4] x\r"), "x\r");
    assert_eq!(
        strip_timestamp("[mem 0x0-0x9fbff] x"),
        "[mem 0x0-0x9fbff] x"
    );
    assert_eq!(strip_timestamp("[    1.2"), "[    1.2");
    assert_eq!(strip_timestamp("["), "[");
    assert_eq!(strip_timestamp("[ ] x"), "[ ] x");
    assert_eq!(strip_timestamp("[1.2]"), "");
}

#[test]
fn identical_lines_are_one_problem_and_the_list_is_capped() {
    let mut burst = String::new();
    for round in 0..3 {
        for i in 0..30 {
            burst.push_str(&format!(
                "[    {round}.{i:06}] WARNING: CPU: 0 PID: 1 at fixture/shim.c:{i} rfl_fixture_warn+0x10/0x20 [rfl_fixture]\n"
            ));
        }
    }
    let console = splice_before_done(&data("console_clean.log"), &burst);
    let report = console::scan(&console);
    assert_eq!(report.distinct_problems, 30);
    assert_eq!(report.problems.len(), MAX_LISTED);
    assert_eq!(report.unlisted(), 30 - MAX_LISTED);
    assert!(report.problems.iter().all(|p| p.occurrences == 3));
    let v = guest_check::check(&data("ktap_pass.log"), &console);
    assert_eq!(v.console_problems.len(), MAX_LISTED);
    assert_eq!(v.totals.failed, 30, "every distinct problem counts");
}

#[test]
fn end_of_run_needs_the_marker_then_a_reboot_line() {
    let clean = data("console_clean.log");
    let no_marker = clean.replace("rfl-suite: guest done", "rfl-suite: still running");
    let no_reboot = clean.replace("reboot: Power down", "ACPI: still up");
    let reboot_first = clean
        .replace("rfl-suite: guest done", "reboot: Power down")
        .replacen("reboot: Power down\n", "rfl-suite: guest done\n", 2)
        .replacen("rfl-suite: guest done\n", "reboot: Power down\n", 1);
    let restart = clean.replace("reboot: Power down", "reboot: Restarting system");
    let ktap = data("ktap_pass.log");
    for (what, console, reached) in [
        ("no marker", no_marker, false),
        ("no reboot", no_reboot, false),
        ("reboot before marker", reboot_first, false),
        ("restart", restart, true),
        ("empty", String::new(), false),
    ] {
        let report = console::scan(&console);
        assert_eq!(report.reached_end(), reached, "{what}");
        let v = guest_check::check(&ktap, &console);
        assert_eq!(v.passed(), reached, "{what}");
        assert_eq!(v.totals.failed, usize::from(!reached), "{what}");
    }
}

#[test]
fn panic_mid_run_reports_each_distinct_problem() {
    let report = console::scan(&data("console_panic.log"));
    let found: Vec<(usize, &str)> = report
        .problems
        .iter()
        .map(|p| (p.line, p.text.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                10,
                "BUG: kernel NULL pointer dereference, address: 0000000000000008"
            ),
            (14, "Oops: Oops: 0000 [#1] PREEMPT SMP KASAN NOPTI"),
            (42, "Kernel panic - not syncing: Fatal exception"),
        ]
    );
    assert!(!report.reached_end());
    let v = guest_check::check(&data("ktap_panic.log"), &data("console_panic.log"));
    assert!(!v.passed());
    // 1 passed case; 2 missing cases + 1 ktap plan + 3 console problems + 1 poweroff.
    assert_eq!((v.totals.passed, v.totals.failed), (1, 7));
}

#[test]
fn crlf_and_stray_carriage_returns_change_nothing() {
    let clean = data("console_clean.log");
    for variant in [clean.replace('\n', "\r\n"), clean.replace('\n', "\r\r\n")] {
        assert_eq!(console::scan(&variant), console::scan(&clean));
    }
    let panic = data("console_panic.log");
    assert_eq!(
        console::scan(&panic.replace('\n', "\r\n")),
        console::scan(&panic)
    );
}

#[test]
fn tail_returns_the_last_lines() {
    let clean = data("console_clean.log");
    assert_eq!(
        console::tail(&clean, 2),
        [
            "[    1.461234] ACPI: PM: Preparing to enter system sleep state S5",
            "[    1.462000] reboot: Power down"
        ]
    );
    assert_eq!(console::tail(&clean, 0), Vec::<&str>::new());
    assert_eq!(console::tail(&clean, 1000).len(), 43);
    assert_eq!(console::tail("", 5), Vec::<&str>::new());
    assert_eq!(console::tail("a\r\nb\r\n", 5), ["a", "b"]);
}

#[test]
fn garbage_bytes_do_not_panic_and_are_escaped_in_the_report() {
    let mut bytes = data("console_clean.log").into_bytes();
    let at = bytes.len() / 2;
    bytes.splice(
        at..at,
        b"\xff\xfe\x00\x1b[31mred\x1b[0m\xc3\x28 WARN\xe2\x82ING\n\xf0\x9f\x92"
            .iter()
            .copied(),
    );
    let console = String::from_utf8_lossy(&bytes);
    let report = console::scan(&console);
    assert_eq!(report.problems, [], "broken bytes split the word");
    assert!(report.reached_end());
    let v = guest_check::check("", &console);
    let out = guest_check::report(&v, &console, 100);
    assert!(
        out.contains("\\u{1b}[31mred"),
        "escape characters are escaped"
    );
    assert!(!out.contains('\u{1b}'));
    assert!(!out.contains('\0'));
}

#[test]
fn a_problem_names_the_suite_running_when_it_was_printed() {
    let log = "\
[    0.500000] WARNING: CPU: 0 PID: 1 at boot.c:1 early+0x0/0x1
[    1.000000] rfl-suite: running zram_multicomp.async
[    2.000000] rcu: INFO: rcu_sched detected stalls on CPUs/tasks:
[    3.000000] rfl-suite: running zram_multicomp.swap
[    4.000000] rfl-suite: guest done
[    5.000000] unreferenced object 0xffff888003a4c000 (size 64):
[    6.000000] reboot: Power down
";
    let report = console::scan(log);
    let suites: Vec<_> = report
        .problems
        .iter()
        .map(|p| (p.line, p.suite.as_deref()))
        .collect();
    assert_eq!(
        suites,
        [(1, None), (3, Some("zram_multicomp.async")), (6, None)]
    );
}
