//! Shared helpers for the integration tests: finding erofs-utils, generating source trees,
//! building images and walking them through the crate.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use erofs_format::fmt::map::ExtentKind;
use erofs_format::host::HostDecompressor;
use erofs_format::{Algorithm, FileMap, FileType, Scratch, SliceSource, Volume};

/// A tiny deterministic PRNG (xorshift64*).
pub struct Rng(pub u64);

impl Rng {
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    pub fn fill(&mut self, buf: &mut [u8]) {
        for b in buf {
            *b = self.next() as u8;
        }
    }
}

/// The directory holding mkfs.erofs, fsck.erofs and dump.erofs: `$EROFS_UTILS_DIR`, or what
/// `scripts/erofs-utils.sh` prints. Panics (fails the test) with a clear message otherwise.
pub fn erofs_utils() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        if let Some(dir) = std::env::var_os("EROFS_UTILS_DIR") {
            return PathBuf::from(dir);
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scripts/erofs-utils.sh");
        let out = Command::new("bash")
            .arg(&script)
            .output()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", script.display()));
        if !out.status.success() {
            panic!(
                "scripts/erofs-utils.sh failed, so there is no mkfs.erofs to build test images \
                 with (run it once as root, or set EROFS_UTILS_DIR):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let dir = PathBuf::from(String::from_utf8(out.stdout).unwrap().trim());
        assert!(
            dir.join("mkfs.erofs").is_file(),
            "scripts/erofs-utils.sh printed {}, which has no mkfs.erofs",
            dir.display()
        );
        dir
    })
}

/// A fresh scratch directory under the target dir.
pub fn scratch_dir(name: &str) -> PathBuf {
    // Tests run on several threads and may ask for the same name (two tests building the same
    // image): a number per call keeps each one's files its own.
    static CALLS: AtomicUsize = AtomicUsize::new(0);
    let n = CALLS.fetch_add(1, Ordering::Relaxed);
    let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("erofs-tests");
    let dir = base.join(format!("{name}.{n}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

/// Writes the deterministic test tree into `root` (once per process, then reused).
pub fn source_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let root = scratch_dir("tree").join("src");
        build_tree(&root);
        root
    })
}

fn write(path: &Path, data: &[u8]) {
    if let Some(p) = path.parent() {
        fs::create_dir_all(p).unwrap();
    }
    fs::write(path, data).unwrap();
}

/// Text-like compressible bytes.
fn text(rng: &mut Rng, len: usize) -> Vec<u8> {
    const WORDS: &[&str] = &[
        "erofs ",
        "pcluster ",
        "lz4 ",
        "kernel ",
        "block ",
        "the ",
        "of ",
        "inode ",
        "dirent ",
        "zstd\n",
        "deflate ",
        "compress ",
        "0123456789 ",
        "phone ",
        "\n",
    ];
    let mut v = Vec::with_capacity(len + 16);
    while v.len() < len {
        v.extend_from_slice(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes());
    }
    v.truncate(len);
    v
}

fn random(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut v = vec![0u8; len];
    rng.fill(&mut v);
    v
}

/// Mixed compressible and incompressible segments of varied sizes.
fn mixed(rng: &mut Rng, len: usize) -> Vec<u8> {
    let mut v = Vec::with_capacity(len);
    while v.len() < len {
        let seg = 1 + rng.below(50_000) as usize;
        match rng.below(4) {
            0 => v.extend(random(rng, seg)),
            1 => v.extend(std::iter::repeat(rng.next() as u8).take(seg)),
            _ => v.extend(text(rng, seg)),
        }
    }
    v.truncate(len);
    v
}

pub fn build_tree(root: &Path) {
    let mut rng = Rng(0x05ee_d0fe_70f5);
    fs::create_dir_all(root).unwrap();
    write(&root.join("empty"), b"");
    for n in [1usize, 2, 3, 7, 31, 100] {
        write(&root.join(format!("tiny/t{n}")), &text(&mut rng, n));
    }
    for n in [
        511usize, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192,
        12289, 16383, 16384, 65535, 65536, 65537, 131073,
    ] {
        write(&root.join(format!("edges/text{n}")), &text(&mut rng, n));
        write(&root.join(format!("edges/rand{n}")), &random(&mut rng, n));
    }
    let big = mixed(&mut rng, 3 * 1024 * 1024 + 12345);
    write(&root.join("big/mixed"), &big);
    write(&root.join("big/mixed-copy"), &big);
    write(&root.join("big/zeros"), &vec![0u8; 1024 * 1024 + 7]);
    // Duplicated chunks at varied alignments, for dedupe.
    let chunk = mixed(&mut rng, 65536);
    let mut dup = Vec::new();
    for i in 0..6 {
        dup.extend(text(&mut rng, 1000 * i + 17));
        dup.extend(&chunk);
    }
    write(&root.join("big/dup-chunks"), &dup);
    let mid = text(&mut rng, 200_000);
    write(&root.join("dups/a"), &mid);
    write(&root.join("dups/b"), &mid);
    write(&root.join("dups/c-prefix"), &mid[..150_000]);
    // Deep directories.
    let mut deep = root.join("deep");
    for i in 0..12 {
        deep = deep.join(format!("level{i}"));
    }
    write(&deep.join("leaf"), b"deep leaf\n");
    // Many entries in one directory: multi-block dirents and binary search.
    for i in 0..700u32 {
        let len = 1 + (i as usize * 7) % 60;
        let name: String = format!("{i:04}-{}", "n".repeat(len));
        write(
            &root.join("many").join(name),
            &text(&mut rng, (i as usize * 37) % 3000),
        );
    }
    // Names that sort around each other.
    for name in [
        "a", "aa", "aaa", "ab", "b", "ba", "z", "zz", "A", "Z", "_", "-", "~",
    ] {
        write(&root.join("sorted").join(name), name.as_bytes());
    }
    // Symlinks: short, long, dangling, to a directory.
    symlink("tiny/t1", root.join("link-short")).unwrap();
    let long: String = "x".repeat(300) + "/target";
    symlink(&long, root.join("link-long")).unwrap();
    let longer: String = "y/".repeat(1500);
    symlink(&longer, root.join("link-longer")).unwrap();
    symlink("deep", root.join("link-dir")).unwrap();
    // Modes.
    write(&root.join("modes/exec"), b"#!/bin/sh\n");
    fs::set_permissions(root.join("modes/exec"), fs::Permissions::from_mode(0o755)).unwrap();
    write(&root.join("modes/ro"), b"ro");
    fs::set_permissions(root.join("modes/ro"), fs::Permissions::from_mode(0o400)).unwrap();
    fs::create_dir_all(root.join("emptydir")).unwrap();
}

/// Builds an image of `src` with mkfs.erofs and `opts`; returns its bytes and path.
pub fn mkfs(name: &str, opts: &[&str], src: &Path) -> (Vec<u8>, PathBuf) {
    let dir = scratch_dir(name);
    let img = dir.join("image.erofs");
    let out = Command::new(erofs_utils().join("mkfs.erofs"))
        .arg("--quiet")
        .arg("-T0")
        .arg("--workers=1")
        .args(opts)
        .arg(&img)
        .arg(src)
        .output()
        .expect("run mkfs.erofs");
    assert!(
        out.status.success(),
        "mkfs.erofs {opts:?} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (fs::read(&img).unwrap(), img)
}

/// Extracts an image with fsck.erofs --extract into a fresh directory.
pub fn fsck_extract(name: &str, img: &Path) -> PathBuf {
    let dir = scratch_dir(&format!("{name}-x")).join("out");
    let out = Command::new(erofs_utils().join("fsck.erofs"))
        .arg(format!("--extract={}", dir.display()))
        .arg(img)
        .output()
        .expect("run fsck.erofs");
    assert!(
        out.status.success(),
        "fsck.erofs failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// What a walk saw: features exercised, for asserting that an option set did what it says.
#[derive(Debug, Default, Clone)]
pub struct Seen {
    pub files: usize,
    pub dirs: usize,
    pub symlinks: usize,
    pub extents: BTreeMap<String, usize>,
    pub bytes_checked: u64,
    pub probe_tick: usize,
}

impl Seen {
    pub fn count(&self, key: &str) -> usize {
        self.extents.get(key).copied().unwrap_or(0)
    }
}

/// Reading context over one image.
pub struct Reader<'a> {
    pub image: &'a [u8],
    pub vol: Volume,
    pub dec: HostDecompressor,
    pub pcluster: Vec<u8>,
    pub output: Vec<u8>,
    pub block: Vec<u8>,
}

impl<'a> Reader<'a> {
    pub fn new(image: &'a [u8]) -> erofs_format::Result<Self> {
        let vol = Volume::open(&mut SliceSource::new(image))?;
        Ok(Self {
            image,
            dec: HostDecompressor::new(&vol.sb.compression),
            vol,
            pcluster: vec![0; 1 << 20],
            output: vec![0; 12 << 20],
            block: vec![0; 1 << 16],
        })
    }

    pub fn src(&self) -> SliceSource<'a> {
        SliceSource::new(self.image)
    }

    pub fn file(&self, nid: u64) -> erofs_format::Result<FileMap> {
        self.vol.file(&mut self.src(), nid)
    }

    pub fn read(&mut self, f: &FileMap, off: u64, len: usize) -> erofs_format::Result<Vec<u8>> {
        let mut buf = vec![0u8; len];
        let mut scratch = Scratch {
            pcluster: &mut self.pcluster,
            output: &mut self.output,
        };
        let n = self.vol.read(
            &mut SliceSource::new(self.image),
            f,
            off,
            &mut buf,
            &mut scratch,
            &mut self.dec,
        )?;
        buf.truncate(n);
        Ok(buf)
    }

    pub fn read_all(&mut self, f: &FileMap) -> erofs_format::Result<Vec<u8>> {
        self.read(f, 0, f.size() as usize)
    }

    /// All entries of a directory, block by block, via readdir.
    pub fn readdir(&mut self, dir: &FileMap) -> erofs_format::Result<Vec<(Vec<u8>, u64, u8)>> {
        let mut out = Vec::new();
        for i in 0..self.vol.dir_blocks(dir) {
            let mut scratch = Scratch {
                pcluster: &mut self.pcluster,
                output: &mut self.output,
            };
            let blk = self.vol.read_dir_block(
                &mut SliceSource::new(self.image),
                dir,
                i,
                &mut self.block,
                &mut scratch,
                &mut self.dec,
            )?;
            let mut prev: Option<Vec<u8>> = None;
            for e in blk.iter() {
                let e = e?;
                if let Some(p) = &prev {
                    assert!(p.as_slice() < e.name, "dirents out of order");
                }
                prev = Some(e.name.to_vec());
                out.push((e.name.to_vec(), e.nid, e.file_type));
            }
        }
        Ok(out)
    }

    pub fn lookup(
        &mut self,
        dir: &FileMap,
        name: &[u8],
    ) -> erofs_format::Result<erofs_format::Found> {
        let mut scratch = Scratch {
            pcluster: &mut self.pcluster,
            output: &mut self.output,
        };
        self.vol.lookup(
            &mut SliceSource::new(self.image),
            dir,
            name,
            &mut self.block,
            &mut scratch,
            &mut self.dec,
        )
    }

    /// Records the kinds of extents of a file.
    pub fn note_extents(&self, f: &FileMap, seen: &mut Seen) {
        let mut src = self.src();
        let mut last_end = 0;
        for ext in f.extents(&self.vol.sb, &mut src, 0, f.size()) {
            let ext = ext.unwrap();
            assert!(
                ext.logical <= last_end && ext.end() > last_end,
                "extents must chain: {ext:?}"
            );
            last_end = ext.end();
            let key = match ext.kind {
                ExtentKind::Hole => "hole".to_string(),
                ExtentKind::Plain if ext.inline => "plain-inline".to_string(),
                ExtentKind::Plain => "plain".to_string(),
                ExtentKind::Fragment => "fragment".to_string(),
                ExtentKind::Compressed => {
                    let mut k = format!("{:?}", ext.algorithm).to_lowercase();
                    if ext.inline {
                        k.push_str("-inline");
                    }
                    if ext.physical_len > u64::from(self.vol.sb.block_size()) && !ext.inline {
                        *seen.extents.entry("big-pcluster".into()).or_default() += 1;
                    }
                    k
                }
            };
            *seen.extents.entry(key).or_default() += 1;
            if ext.partial_ref {
                *seen.extents.entry("partial-ref".into()).or_default() += 1;
            }
            let _ = Algorithm::Lz4;
        }
        assert_eq!(last_end, f.size(), "extents must cover the file");
    }
}

/// Offsets and lengths to read at, including unaligned ones and ones crossing pcluster edges.
pub fn probes(size: u64, bs: u64) -> Vec<(u64, usize)> {
    let mut v = Vec::new();
    if size == 0 {
        return v;
    }
    let mut offs = vec![
        0,
        1,
        bs - 1,
        bs,
        bs + 1,
        size / 2,
        size - 1,
        size.saturating_sub(bs + 3),
    ];
    for k in [4096u64, 16384, 65536, 3 * 65536, 1 << 20] {
        offs.push(k - 1);
        offs.push(k + 5);
    }
    for off in offs {
        if off >= size {
            continue;
        }
        for len in [1usize, 4096, 70_000] {
            v.push((off, len));
        }
    }
    v
}

/// Walks the image from the root, comparing everything with the directory tree `expect`.
pub fn verify_against_tree(r: &mut Reader<'_>, expect: &Path) -> Seen {
    verify_tree(r, expect, true)
}

/// As [`verify_against_tree`], optionally without the partial-read probes.
pub fn verify_tree(r: &mut Reader<'_>, expect: &Path, probe: bool) -> Seen {
    let mut seen = Seen::default();
    let root = r.vol.root(&mut r.src()).unwrap();
    walk_dir(r, &root, expect, &mut seen, probe);
    seen
}

fn walk_dir(r: &mut Reader<'_>, dir: &FileMap, path: &Path, seen: &mut Seen, probe: bool) {
    assert_eq!(dir.inode.file_type, FileType::Directory);
    seen.dirs += 1;
    if dir.inode.layout.is_compressed() {
        *seen.extents.entry("compressed-dir".into()).or_default() += 1;
    }
    let entries = r.readdir(dir).unwrap();
    let mut want: Vec<Vec<u8>> = fs::read_dir(path)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_encoded_bytes())
        .collect();
    want.sort();
    let got: Vec<Vec<u8>> = entries
        .iter()
        .filter(|(n, _, _)| n.as_slice() != b"." && n.as_slice() != b"..")
        .map(|(n, _, _)| n.clone())
        .collect();
    assert_eq!(got, want, "entries of {}", path.display());
    for (name, nid, ftype) in entries {
        let found = r.lookup(dir, &name).unwrap();
        assert_eq!(
            (found.nid, found.file_type),
            (nid, ftype),
            "lookup of {name:?}"
        );
        if name == b"." || name == b".." {
            continue;
        }
        let p = path.join(std::ffi::OsStr::from_encoded_bytes_checked(&name));
        let meta = fs::symlink_metadata(&p).unwrap();
        let f = r.file(nid).unwrap();
        assert_eq!(f.inode.file_type.dirent_type(), ftype, "{}", p.display());
        assert_eq!(
            u32::from(f.inode.mode) & 0o7777,
            meta.permissions().mode() & 0o7777
        );
        if meta.is_dir() {
            walk_dir(r, &f, &p, seen, probe);
        } else if meta.file_type().is_symlink() {
            seen.symlinks += 1;
            assert_eq!(f.inode.file_type, FileType::Symlink);
            let target = fs::read_link(&p)
                .unwrap()
                .into_os_string()
                .into_encoded_bytes();
            assert_eq!(r.read_all(&f).unwrap(), target, "{}", p.display());
        } else {
            seen.files += 1;
            assert_eq!(f.inode.file_type, FileType::Regular);
            let data = fs::read(&p).unwrap();
            assert_eq!(f.size(), data.len() as u64, "{}", p.display());
            r.note_extents(&f, seen);
            let got = r.read_all(&f).unwrap();
            assert!(got == data, "contents of {} differ", p.display());
            seen.bytes_checked += data.len() as u64;
            seen.probe_tick += 1;
            if probe && (data.len() > 8192 || seen.probe_tick % 16 == 0) {
                let bs = u64::from(r.vol.sb.block_size());
                for (off, len) in probes(data.len() as u64, bs) {
                    let got = r.read(&f, off, len).unwrap();
                    let end = (off as usize + len).min(data.len());
                    assert!(
                        got == data[off as usize..end],
                        "{} at {off}+{len} differs",
                        p.display()
                    );
                }
            }
        }
    }
}

trait FromEncoded {
    fn from_encoded_bytes_checked(b: &[u8]) -> &std::ffi::OsStr;
}

impl FromEncoded for std::ffi::OsStr {
    fn from_encoded_bytes_checked(b: &[u8]) -> &std::ffi::OsStr {
        use std::os::unix::ffi::OsStrExt;
        std::ffi::OsStr::from_bytes(b)
    }
}

/// A small tree for corruption and property tests (fast to build and walk).
pub fn small_tree() -> &'static Path {
    static TREE: OnceLock<PathBuf> = OnceLock::new();
    TREE.get_or_init(|| {
        let root = scratch_dir("small").join("src");
        let mut rng = Rng(42);
        write(&root.join("hello"), b"hello, erofs\n");
        write(&root.join("text"), &text(&mut rng, 70_000));
        write(&root.join("mixed"), &mixed(&mut rng, 150_000));
        write(&root.join("copy"), &fs::read(root.join("mixed")).unwrap());
        for i in 0..60 {
            write(
                &root.join(format!("d/f{i:03}-{}", "q".repeat(i % 20))),
                &text(&mut rng, i * 50),
            );
        }
        symlink("hello", root.join("link")).unwrap();
        root
    })
}
