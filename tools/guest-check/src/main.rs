//! `guest-check --console PATH --ktap PATH [--tail N]`: exit 0 when the guest run passed,
//! 1 when it failed, 2 on a usage or I/O error. See the library docs for the rules.

use guest_check::cli::{self, ArgsError, EXIT_ERROR};
use std::io::Write;
use std::process::ExitCode;

fn main() -> ExitCode {
    // Write errors (a closed pipe) are ignored: the exit status still tells the verdict.
    let options = match cli::parse_args(std::env::args_os().skip(1)) {
        Ok(options) => options,
        Err(ArgsError::Help) => {
            let _ = std::io::stdout().write_all(cli::USAGE.as_bytes());
            return ExitCode::SUCCESS;
        }
        Err(ArgsError::Usage(message)) => {
            let _ = write!(std::io::stderr(), "guest-check: {message}\n{}", cli::USAGE);
            return ExitCode::from(EXIT_ERROR);
        }
    };
    match cli::run(&options) {
        Ok((report, code)) => {
            let _ = std::io::stdout().lock().write_all(report.as_bytes());
            ExitCode::from(code)
        }
        Err(message) => {
            let _ = writeln!(std::io::stderr(), "guest-check: {message}");
            ExitCode::from(EXIT_ERROR)
        }
    }
}
