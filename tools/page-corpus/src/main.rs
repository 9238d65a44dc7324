//! `page-corpus [--max-pages N] [--all-pages] -o FILE PID...`: capture the anonymous memory of
//! the given processes into a corpus file of 4 KiB pages (see the library docs for the format).
//! Exit status: 0 on success, 2 on a usage or I/O error.

use std::process::ExitCode;

const USAGE: &str = "\
usage: page-corpus [--max-pages N] [--all-pages] -o FILE PID...
  --max-pages N  at most N pages per process, evenly spread (default 100000)
  --all-pages    also take pages that are neither resident nor swapped out
  -o FILE        the corpus file to write
";

struct Args {
    options: page_corpus::CaptureOptions,
    output: String,
    pids: Vec<i32>,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut options = page_corpus::CaptureOptions::default();
    let mut output = None;
    let mut pids = Vec::new();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-pages" => {
                let value = args.next().ok_or("--max-pages needs a number")?;
                options.max_pages = value
                    .parse()
                    .map_err(|_| format!("bad --max-pages value {value:?}"))?;
            }
            "--all-pages" => options.all_pages = true,
            "-o" | "--output" => output = Some(args.next().ok_or("-o needs a file name")?),
            "-h" | "--help" => return Err(String::new()),
            pid => pids.push(pid.parse().map_err(|_| format!("bad pid {pid:?}"))?),
        }
    }
    let output = output.ok_or("missing -o FILE")?;
    if pids.is_empty() {
        return Err("no PID given".into());
    }
    Ok(Args {
        options,
        output,
        pids,
    })
}

#[cfg(target_os = "linux")]
fn run(args: &Args) -> Result<(), String> {
    let mut corpus = page_corpus::Corpus::new();
    for &pid in &args.pids {
        let pages = page_corpus::capture(pid, &args.options)
            .map_err(|err| format!("process {pid}: {err}"))?;
        eprintln!("page-corpus: process {pid}: {} pages", pages.len());
        corpus.append(&pages);
    }
    let file =
        std::fs::File::create(&args.output).map_err(|err| format!("{}: {err}", args.output))?;
    corpus
        .write_to(std::io::BufWriter::new(file))
        .map_err(|err| format!("{}: {err}", args.output))?;
    eprintln!(
        "page-corpus: wrote {} pages to {}",
        corpus.len(),
        args.output
    );
    Ok(())
}

#[cfg(not(target_os = "linux"))]
fn run(_args: &Args) -> Result<(), String> {
    Err("capturing needs Linux (/proc and process_vm_readv)".into())
}

fn main() -> ExitCode {
    let result = parse_args(std::env::args().skip(1)).and_then(|args| run(&args));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // An empty message is the answer to --help.
        Err(message) if message.is_empty() => {
            print!("{USAGE}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprint!("page-corpus: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}
