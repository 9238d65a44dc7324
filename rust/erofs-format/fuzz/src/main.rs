//! A bounded, seeded, mutational fuzzer for the erofs-format parsers and read path that
//! runs on a stable toolchain (no libFuzzer, no sanitizers).
//!
//! Usage: `erofs-fuzz SECONDS [TARGET...]` with targets `superblock`, `inode`, `dir`,
//! `image` (everything: map + decompress through `exercise_image`). Seeds come from
//! `corpus/` (the small real images) plus built-in ones; every input runs under
//! `catch_unwind`, and a panic saves the input to `crashes/` and exits with status 1.

use std::fs;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use erofs_format::dir::DirBlock;
use erofs_format::host::{exercise_image, ExerciseLimits};
use erofs_format::{FileMap, Inode, SliceSource, Superblock};

/// xorshift64* with a fixed seed per run, so a run is reproducible.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.next() % n as u64) as usize
        }
    }
}

const INTERESTING: &[u8] = &[
    0, 1, 2, 3, 4, 7, 8, 15, 16, 0x1f, 0x20, 0x7f, 0x80, 0xfe, 0xff,
];

/// Applies 1..=8 random mutations, biased to the first `hot` bytes (the metadata).
fn mutate(rng: &mut Rng, input: &[u8], hot: usize) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..1 + rng.below(8) {
        if v.is_empty() {
            v.push(rng.next() as u8);
            continue;
        }
        let span = if rng.below(4) == 0 {
            v.len()
        } else {
            v.len().min(hot)
        };
        let pos = rng.below(span);
        match rng.below(8) {
            0 | 1 => v[pos] ^= 1 << rng.below(8),
            2 => v[pos] = rng.next() as u8,
            3 => v[pos] = INTERESTING[rng.below(INTERESTING.len())],
            4 => {
                // A little-endian word of an interesting value.
                let val = [0u32, 1, 0xffff, 0xffff_ffff, 0x8000_0000, 4096, 12][rng.below(7)];
                for (i, b) in val.to_le_bytes().iter().enumerate() {
                    if let Some(x) = v.get_mut(pos + i) {
                        *x = *b;
                    }
                }
            }
            5 => v.truncate(pos.max(1)),
            6 => {
                // Copy a chunk from elsewhere.
                let from = rng.below(v.len());
                let len = rng.below(64).min(v.len() - from).min(v.len() - pos);
                v.copy_within(from..from + len, pos);
            }
            _ => {
                let b = rng.next() as u8;
                v.insert(pos, b);
            }
        }
    }
    v
}

/// A superblock for the `inode` target: 4 KiB blocks, metadata at block 0, lz4 + big
/// pclusters + chunks + ztailpacking + fragments.
fn fixed_sb() -> Superblock {
    let mut raw = vec![0u8; 4096];
    raw[1024..1028].copy_from_slice(&0xE0F5_E1E2u32.to_le_bytes());
    raw[1024 + 12] = 12;
    raw[1024 + 80..1024 + 84].copy_from_slice(&0x37u32.to_le_bytes());
    raw[1024 + 84..1024 + 86].copy_from_slice(&1u16.to_le_bytes());
    // lz4 config record after the 128-byte superblock.
    raw[1152..1154].copy_from_slice(&14u16.to_le_bytes());
    raw[1156..1158].copy_from_slice(&16u16.to_le_bytes());
    Superblock::parse(&raw).expect("the fixed superblock parses")
}

fn run_superblock(data: &[u8]) {
    let _ = Superblock::parse(data);
}

/// Returns whether the input got as far as mapping a compressed file.
fn run_inode(sb: &Superblock, data: &[u8]) -> bool {
    let _ = Inode::parse(sb, 0, 0, data);
    let mut deep = false;
    let mut src = SliceSource::new(data);
    for nid in 0..4 {
        let Ok(inode) = Inode::read(sb, &mut src, nid) else {
            continue;
        };
        let Ok(map) = FileMap::new(sb, &mut src, &inode) else {
            continue;
        };
        deep |= map.z.is_some();
        let size = map.size();
        for off in [0, 1, 4095, 4096, 65537, size / 2, size.saturating_sub(1)] {
            let _ = map.map(sb, &mut src, off);
        }
        for e in map.extents(sb, &mut src, 0, 1 << 20).take(64) {
            let _ = e;
        }
    }
    deep
}

fn run_dir(data: &[u8]) {
    if let Ok(b) = DirBlock::new(data) {
        for e in b.iter() {
            let _ = e;
        }
        let _ = b.find(b"hello");
        let _ = b.find(b"\xff");
    }
}

fn run_image(data: &[u8]) {
    let _ = exercise_image(
        data,
        ExerciseLimits {
            max_inodes: 48,
            max_dir_blocks: 8,
            max_read: 96 * 1024,
        },
    );
}

fn load_corpus(dir: &Path) -> Vec<Vec<u8>> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    files.sort();
    files.iter().filter_map(|p| fs::read(p).ok()).collect()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let secs: u64 = args.first().and_then(|s| s.parse().ok()).unwrap_or(30);
    let mut targets: Vec<&str> = args.iter().skip(1).map(String::as_str).collect();
    if targets.is_empty() {
        targets = vec!["superblock", "inode", "dir", "image"];
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let images = load_corpus(&root.join("corpus"));
    if images.is_empty() {
        eprintln!(
            "erofs-fuzz: no seed images in {}",
            root.join("corpus").display()
        );
        return ExitCode::FAILURE;
    }
    let fixed = fixed_sb();
    // Seeds per target: the images themselves, their superblock blocks, inode slices (each
    // with its image's superblock, rebased so the inode is nid 0) and directory blocks.
    let mut inode_seeds: Vec<(Superblock, Vec<u8>)> = Vec::new();
    let mut dir_seeds = Vec::new();
    for img in &images {
        let Ok(s) = Superblock::parse(img) else {
            continue;
        };
        let mut src = SliceSource::new(img);
        let mut found = 0;
        for nid in 0..4096u64 {
            if found >= 24 {
                break;
            }
            let Ok(inode) = Inode::read(&s, &mut src, nid) else {
                continue;
            };
            let Ok(pos) = usize::try_from(inode.location) else {
                continue;
            };
            if let Some(slice) = img.get(pos..(pos + 2048).min(img.len())) {
                let rebased = Superblock {
                    meta_blkaddr: 0,
                    ..s
                };
                // Inode slices start at nid 0 only when aligned to the 32-byte slot.
                inode_seeds.push((rebased, slice.to_vec()));
                found += 1;
            }
        }
        let bs = 1usize << s.blkszbits;
        for blk in img.chunks(bs).take(256) {
            if DirBlock::new(blk).is_ok() {
                dir_seeds.push(blk.to_vec());
            }
        }
    }
    inode_seeds.push((fixed, vec![0u8; 64]));
    let inode_inputs: Vec<Vec<u8>> = inode_seeds.iter().map(|(_, v)| v.clone()).collect();
    let sb_seeds: Vec<Vec<u8>> = images
        .iter()
        .map(|i| i[..i.len().min(8192)].to_vec())
        .collect();

    let budget = Duration::from_secs(secs) / targets.len() as u32;
    let mut rng = Rng(0x00E7_0F5F_u64 ^ secs);
    let mut total = 0u64;
    panic::set_hook(Box::new(|info| eprintln!("erofs-fuzz: panic: {info}")));
    for target in &targets {
        let (seeds, hot): (&[Vec<u8>], usize) = match *target {
            "superblock" => (&sb_seeds, 1200),
            "inode" => (&inode_inputs, 512),
            "dir" => (&dir_seeds, 4096),
            "image" => (&images, 16384),
            other => {
                eprintln!("erofs-fuzz: unknown target {other}");
                return ExitCode::FAILURE;
            }
        };
        if seeds.is_empty() {
            eprintln!("erofs-fuzz: no seeds for {target}");
            return ExitCode::FAILURE;
        }
        let start = Instant::now();
        let mut runs = 0u64;
        let mut deep = 0u64;
        while start.elapsed() < budget {
            let pick = rng.below(seeds.len());
            let seed = &seeds[pick];
            let sb = inode_seeds.get(pick).map_or(fixed, |(s, _)| *s);
            let input = if runs < seeds.len() as u64 {
                seed.clone()
            } else {
                mutate(&mut rng, seed, hot)
            };
            let result = panic::catch_unwind(AssertUnwindSafe(|| match *target {
                "superblock" => run_superblock(&input),
                "inode" => deep += u64::from(run_inode(&sb, &input)),
                "dir" => run_dir(&input),
                _ => run_image(&input),
            }));
            runs += 1;
            if result.is_err() {
                let dir = root.join("crashes");
                let _ = fs::create_dir_all(&dir);
                let path = dir.join(format!("{target}-{:016x}", rng.next()));
                let _ = fs::write(&path, &input);
                eprintln!("erofs-fuzz: {target}: crash saved to {}", path.display());
                return ExitCode::FAILURE;
            }
        }
        if *target == "inode" {
            eprintln!(
                "erofs-fuzz: {target}: {runs} runs ({deep} mapped a compressed file), no crash"
            );
        } else {
            eprintln!("erofs-fuzz: {target}: {runs} runs, no crash");
        }
        total += runs;
    }
    println!(
        "erofs-fuzz: {total} runs over {} targets, 0 crashes",
        targets.len()
    );
    ExitCode::SUCCESS
}
