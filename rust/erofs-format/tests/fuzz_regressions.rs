//! Fuzz regressions: every input saved in `tests/data/fuzz-crashes/` (by `fuzz/run.sh`, when
//! afl finds a crash, as `TARGET-HASH`) replays through the fuzzer's own target code,
//! `fuzz/src/targets.rs` included by path, and must not panic. The seed corpus replays through
//! the same targets too, so the path is exercised while no crash is saved.

#![allow(
    unreachable_pub,
    missing_docs,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

#[path = "../fuzz/src/targets.rs"]
mod targets;

use std::fs;
use std::io::Write;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};

/// Files in `dir` (relative to the crate), sorted, but for the README.
fn files(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(dir);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().is_some_and(|n| n != "README.md"))
        .collect();
    files.sort();
    files
}

/// Runs `data` through `target`; the panic message, if any, is on stderr already.
fn survives(target: targets::Target, data: &[u8]) -> bool {
    panic::catch_unwind(AssertUnwindSafe(|| target(data))).is_ok()
}

/// A line in the test output even when it passes (stderr itself, not the captured `eprintln!`).
fn report(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

#[test]
fn saved_fuzz_crashes_do_not_panic() {
    let mut failed = Vec::new();
    let saved = files("tests/data/fuzz-crashes");
    for path in &saved {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let Some(target) = name.split_once('-').and_then(|(t, _)| targets::by_name(t)) else {
            failed.push(format!("{name}: not TARGET-HASH with a known target"));
            continue;
        };
        if !survives(target, &fs::read(path).unwrap()) {
            failed.push(format!("{name}: panics"));
        }
    }
    report(&format!(
        "fuzz regressions: {} saved crash inputs replayed (tests/data/fuzz-crashes)",
        saved.len()
    ));
    assert!(failed.is_empty(), "fuzz regressions: {failed:#?}");
}

#[test]
fn seed_corpus_replays_through_the_targets() {
    let seeds: Vec<PathBuf> = files("fuzz/corpus")
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "img"))
        .collect();
    assert!(seeds.len() >= 8, "fuzz/corpus: only {} images", seeds.len());
    let mut runs = 0;
    for path in &seeds {
        let data = fs::read(path).unwrap();
        for name in ["image", "superblock"] {
            let target = targets::by_name(name).unwrap();
            assert!(survives(target, &data), "{}: {name}", path.display());
            runs += 1;
        }
    }
    report(&format!(
        "fuzz regressions: {} seed images replayed ({runs} target runs)",
        seeds.len()
    ));
}
