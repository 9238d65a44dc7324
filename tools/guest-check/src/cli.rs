//! Command line: `guest-check --console PATH --ktap PATH [--tail N]`.

use std::ffi::OsString;
use std::path::PathBuf;

/// The usage text.
pub const USAGE: &str = "usage: guest-check --console PATH --ktap PATH [--tail N]

Decides whether a QEMU guest run passed, from the kernel console log and the guests' KTAP
output. Exit status: 0 passed, 1 failed, 2 usage or I/O error.

  --console PATH  the guest kernel's serial console log
  --ktap PATH     the KTAP output of the guest's tests
  --tail N        console lines to show when the run failed (default 40)
";

/// Console lines shown on failure unless `--tail` says otherwise.
pub const DEFAULT_TAIL: usize = 40;

/// Exit status of a run that passed.
pub const EXIT_PASS: u8 = 0;
/// Exit status of a run that failed.
pub const EXIT_FAIL: u8 = 1;
/// Exit status for a usage or I/O error.
pub const EXIT_ERROR: u8 = 2;

/// Parsed command-line options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// Path of `console.log`.
    pub console: PathBuf,
    /// Path of `ktap.log`.
    pub ktap: PathBuf,
    /// Console lines to show on failure.
    pub tail: usize,
}

/// Why the command line was not accepted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArgsError {
    /// `--help` or `-h`: print [`USAGE`] and exit successfully.
    Help,
    /// A usage error, with a message.
    Usage(String),
}

/// Parses the arguments (without the program name). Accepts `--opt VALUE` and
/// `--opt=VALUE`.
///
/// # Errors
///
/// [`ArgsError::Help`] for `-h`/`--help`, [`ArgsError::Usage`] for anything it rejects.
pub fn parse_args<I: IntoIterator<Item = OsString>>(args: I) -> Result<Options, ArgsError> {
    let mut console = None;
    let mut ktap = None;
    let mut tail = DEFAULT_TAIL;
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        // `--opt=VALUE` is split as text; `--opt VALUE` keeps a non-UTF-8 path intact.
        let (name, inline) = match text.split_once('=') {
            Some((name, value)) if name.starts_with("--") => {
                (name.to_string(), Some(OsString::from(value)))
            }
            _ => (text, None),
        };
        if name == "-h" || name == "--help" {
            return Err(ArgsError::Help);
        }
        if !matches!(name.as_str(), "--console" | "--ktap" | "--tail") {
            return Err(ArgsError::Usage(format!("unknown argument '{name}'")));
        }
        let value = inline
            .or_else(|| args.next())
            .ok_or_else(|| ArgsError::Usage(format!("{name} needs a value")))?;
        match name.as_str() {
            "--console" => console = Some(PathBuf::from(value)),
            "--ktap" => ktap = Some(PathBuf::from(value)),
            _ => {
                tail = value.to_string_lossy().parse().map_err(|_| {
                    ArgsError::Usage(format!(
                        "--tail needs a number, not '{}'",
                        value.to_string_lossy()
                    ))
                })?;
            }
        }
    }
    match (console, ktap) {
        (Some(console), Some(ktap)) => Ok(Options {
            console,
            ktap,
            tail,
        }),
        (None, _) => Err(ArgsError::Usage("--console is required".into())),
        (_, None) => Err(ArgsError::Usage("--ktap is required".into())),
    }
}

/// Reads a log as bytes and decodes it leniently (invalid UTF-8 becomes U+FFFD).
///
/// # Errors
///
/// The I/O error when the file cannot be read.
pub fn read_log(path: &std::path::Path) -> std::io::Result<String> {
    let bytes = std::fs::read(path)?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// Runs the check for `options`: the report for stdout and the exit status, or an error
/// message (exit status [`EXIT_ERROR`]) when a log cannot be read.
///
/// # Errors
///
/// A message naming the log that cannot be read.
pub fn run(options: &Options) -> Result<(String, u8), String> {
    let read = |path: &std::path::Path| {
        read_log(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
    };
    let console = read(&options.console)?;
    let ktap = read(&options.ktap)?;
    let verdict = crate::check(&ktap, &console);
    let code = if verdict.passed() {
        EXIT_PASS
    } else {
        EXIT_FAIL
    };
    Ok((crate::report(&verdict, &console, options.tail), code))
}
