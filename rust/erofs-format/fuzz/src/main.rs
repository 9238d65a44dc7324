//! The afl.rs harness for erofs-format (built with `cargo afl build`, run by `../run.sh`).
//!
//! - `erofs-afl TARGET`: the fuzz target for afl-fuzz (persistent mode, input in shared
//!   memory); outside afl-fuzz it runs one input from stdin, to replay a crash:
//!   `erofs-afl image < crash`. Targets: `image` (the main one: the whole map + decompress
//!   path through `exercise_image`), `superblock`, `inode`, `dir` (see `targets.rs`).
//! - `erofs-afl seeds DIR`: writes the seed inputs of every target to `DIR/TARGET/`, from the
//!   real images in `corpus/` (the `image` seeds are those images themselves).
//!
//! A panic aborts the process, which afl-fuzz records as a crash.

mod targets;

use std::collections::BTreeSet;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use erofs_format::dir::DirBlock;
use erofs_format::{Inode, SliceSource, Superblock};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.as_slice() {
        [cmd, dir] if cmd == "seeds" => match write_seeds(Path::new(dir)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("erofs-afl: writing seeds to {dir}: {e}");
                ExitCode::FAILURE
            }
        },
        [name] => {
            let Some(target) = targets::by_name(name) else {
                return usage();
            };
            afl::fuzz!(|data: &[u8]| target(data));
            ExitCode::SUCCESS
        }
        _ => usage(),
    }
}

fn usage() -> ExitCode {
    let names: Vec<&str> = targets::TARGETS.iter().map(|(n, _)| *n).collect();
    eprintln!(
        "usage: erofs-afl TARGET | erofs-afl seeds DIR   (targets: {})",
        names.join(", ")
    );
    ExitCode::FAILURE
}

fn corpus_images() -> io::Result<Vec<(PathBuf, Vec<u8>)>> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)?
        .map(|e| e.map(|e| e.path()))
        .collect::<io::Result<_>>()?;
    files.retain(|p| p.extension().is_some_and(|e| e == "img"));
    files.sort();
    if files.is_empty() {
        return Err(io::Error::other(format!(
            "no seed images in {}",
            dir.display()
        )));
    }
    files
        .into_iter()
        .map(|p| fs::read(&p).map(|d| (p, d)))
        .collect()
}

/// Seeds per target, cut from each corpus image: its image, its superblock block, up to 24
/// inodes (as `inode` inputs: a header for the image's block size and features, then the
/// metadata from the inode on, so it is nid 0) and up to 32 distinct directory blocks.
fn write_seeds(out: &Path) -> io::Result<()> {
    let mut seeds: Vec<(&str, String, Vec<u8>)> = Vec::new();
    for (path, img) in corpus_images()? {
        let stem = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        seeds.push(("image", stem.clone(), img.clone()));
        seeds.push((
            "superblock",
            stem.clone(),
            img.get(..img.len().min(8192)).unwrap_or_default().to_vec(),
        ));
        let Ok(sb) = Superblock::parse(&img) else {
            continue;
        };
        let header = [
            sb.blkszbits.wrapping_sub(9),
            (sb.feature_incompat & 0xff) as u8,
        ];
        let mut src = SliceSource::new(&img);
        let mut found = 0;
        for nid in 0..4096u64 {
            if found >= 24 {
                break;
            }
            let Ok(inode) = Inode::read(&sb, &mut src, nid) else {
                continue;
            };
            let Ok(pos) = usize::try_from(inode.location) else {
                continue;
            };
            if let Some(slice) = img.get(pos..img.len().min(pos + 2048)) {
                let mut input = header.to_vec();
                input.extend_from_slice(slice);
                seeds.push(("inode", format!("{stem}-nid{nid}"), input));
                found += 1;
            }
        }
        let bs = 1usize << sb.blkszbits;
        let mut blocks = BTreeSet::new();
        for (i, blk) in img.chunks(bs).take(256).enumerate() {
            if blocks.len() < 32 && DirBlock::new(blk).is_ok() && blocks.insert(blk) {
                seeds.push(("dir", format!("{stem}-blk{i}"), blk.to_vec()));
            }
        }
    }
    // The superblock of the old hand-made inode seeds: 4 KiB blocks, lz4 with big pclusters,
    // chunks, ztailpacking and fragments, and one empty compact inode.
    let mut fixed = vec![3, 0x37];
    fixed.resize(targets::INODE_HEADER + 64, 0);
    seeds.push(("inode", "fixed".into(), fixed));
    for (target, name, data) in &seeds {
        let dir = out.join(target);
        fs::create_dir_all(&dir)?;
        fs::write(dir.join(name), data)?;
    }
    Ok(())
}
