//! Helpers shared by the integration tests (each test file uses a different subset).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Path of a canned log under `tests/data/`.
pub fn data_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data")
        .join(name)
}

/// A canned log's text.
pub fn data(name: &str) -> String {
    let path = data_path(name);
    guest_check::cli::read_log(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The clean console log with a canned kernel report (`tests/data/reports/NAME`) spliced
/// in just before the guest's end marker, as if a test had triggered it.
pub fn console_with_report(name: &str) -> String {
    splice_before_done(
        &data("console_clean.log"),
        &data(&format!("reports/{name}")),
    )
}

/// `console` with `insert` placed before the line holding the end marker.
pub fn splice_before_done(console: &str, insert: &str) -> String {
    let at = console
        .find("[    1.450000] rfl-suite: guest done")
        .expect("clean console has the end marker");
    format!("{}{}{}", &console[..at], insert, &console[at..])
}

/// Writes `contents` to a fresh file under cargo's per-target temp dir.
pub fn tmp_file(name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("guest-check-tests");
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("write temp file");
    path
}

/// Output of one run of the binary.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// The stdout lines.
    pub fn lines(&self) -> Vec<&str> {
        self.stdout.lines().collect()
    }

    /// The summary line (`guest: ...`).
    pub fn summary(&self) -> &str {
        self.stdout
            .lines()
            .find(|l| l.starts_with("guest: "))
            .expect("a guest: line")
    }

    /// Whether stdout has exactly this line.
    pub fn has_line(&self, line: &str) -> bool {
        self.stdout.lines().any(|l| l == line)
    }
}

/// Runs the built binary with `args`.
pub fn run_bin<S: AsRef<std::ffi::OsStr>>(args: &[S]) -> Run {
    let out = Command::new(env!("CARGO_BIN_EXE_guest-check"))
        .args(args)
        .output()
        .expect("run guest-check");
    Run {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs the binary on two files.
pub fn check_files(console: &Path, ktap: &Path, extra: &[&str]) -> Run {
    let mut args: Vec<std::ffi::OsString> = vec![
        "--console".into(),
        console.into(),
        "--ktap".into(),
        ktap.into(),
    ];
    args.extend(extra.iter().map(Into::into));
    run_bin(&args)
}

/// Runs the binary on two texts, written to temp files named after `tag`.
pub fn check_texts(tag: &str, console: impl AsRef<[u8]>, ktap: impl AsRef<[u8]>) -> Run {
    let c = tmp_file(&format!("{tag}.console.log"), console);
    let k = tmp_file(&format!("{tag}.ktap.log"), ktap);
    check_files(&c, &k, &[])
}

/// Runs the binary on two canned logs.
pub fn check_data(console: &str, ktap: &str) -> Run {
    check_files(&data_path(console), &data_path(ktap), &[])
}
