//! `page-corpus [--max-pages N] [--all-pages] [--raw] -o FILE (--programs | PID...)`: capture
//! the anonymous memory of the given processes, or of the library's own programs, into a corpus
//! file of 4 KiB pages (see the library docs for the format), or a raw page image.
//! Exit status: 0 on success, 2 on a usage or I/O error.

use std::process::ExitCode;

const USAGE: &str = "\
usage: page-corpus [--max-pages N] [--all-pages] [--raw] -o FILE (--programs | PID...)
  --max-pages N  at most N pages per process, evenly spread (default 100000)
  --all-pages    also take pages that are neither resident nor swapped out
  --raw          write the pages only, with no header (a disk image for a guest)
  --programs     start the built-in programs (python3, node) and capture those
  -o FILE        the corpus file to write
";

struct Args {
    options: page_corpus::CaptureOptions,
    output: String,
    pids: Vec<i32>,
    raw: bool,
    programs: bool,
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let mut options = page_corpus::CaptureOptions::default();
    let mut output = None;
    let mut pids = Vec::new();
    let (mut raw, mut programs) = (false, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--max-pages" => {
                let value = args.next().ok_or("--max-pages needs a number")?;
                options.max_pages = value
                    .parse()
                    .map_err(|_| format!("bad --max-pages value {value:?}"))?;
            }
            "--all-pages" => options.all_pages = true,
            "--raw" => raw = true,
            "--programs" => programs = true,
            "-o" | "--output" => output = Some(args.next().ok_or("-o needs a file name")?),
            "-h" | "--help" => return Err(String::new()),
            pid => pids.push(pid.parse().map_err(|_| format!("bad pid {pid:?}"))?),
        }
    }
    let output = output.ok_or("missing -o FILE")?;
    if pids.is_empty() != programs {
        return Err("give either --programs or PIDs".into());
    }
    Ok(Args {
        options,
        output,
        pids,
        raw,
        programs,
    })
}

#[cfg(target_os = "linux")]
fn run(args: &Args) -> Result<(), String> {
    let mut corpus = page_corpus::Corpus::new();
    if args.programs {
        for (name, pages) in page_corpus::capture_programs(args.options.max_pages) {
            let pages = pages.ok_or_else(|| format!("{name}: could not run it"))?;
            eprintln!("page-corpus: {name}: {} pages", pages.len());
            corpus.append(&pages);
        }
    }
    for &pid in &args.pids {
        let pages = page_corpus::capture(pid, &args.options)
            .map_err(|err| format!("process {pid}: {err}"))?;
        eprintln!("page-corpus: process {pid}: {} pages", pages.len());
        corpus.append(&pages);
    }
    let file =
        std::fs::File::create(&args.output).map_err(|err| format!("{}: {err}", args.output))?;
    let out = std::io::BufWriter::new(file);
    if args.raw {
        corpus.write_raw(out)
    } else {
        corpus.write_to(out)
    }
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
