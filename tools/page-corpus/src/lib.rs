//! Capture the anonymous memory of running processes as a corpus of 4 KiB pages.
//!
//! The corpus feeds host tests of the zram page policy (`rust/zmc-policy`): real anonymous
//! memory is what zram stores, and its compressibility is not what synthetic data shows.
//!
//! - [`parse_maps`] picks the private, readable, anonymous mappings out of `/proc/PID/maps`
//!   (unnamed ones, `[heap]`, `[stack]` and Android's `[anon:...]`).
//! - [`capture`] (Linux only) reads them page by page with `process_vm_readv`, skipping pages
//!   it cannot read. By default it takes only pages that are resident or swapped out (per
//!   `/proc/PID/pagemap`), as those are the pages zram would see; reserved but untouched
//!   address space would only add zero pages.
//! - [`Corpus`] holds whole pages and reads or writes the file format:
//!   a 24-byte header (magic `ZMCPAGE1`, page size as u32 LE, reserved u32, page count as
//!   u64 LE) followed by the raw pages.
//!
//! [`capture_programs`] starts the programs in `programs/` (python3 and node, each building a
//! different kind of app data) and captures them: a corpus anyone can rebuild.
//!
//! Captured memory can hold anything the process held: keep corpus files out of version control.

use std::io::{self, Read, Write};

/// The page size of the corpus, in bytes.
pub const PAGE_SIZE: usize = 4096;

/// The magic bytes that open a corpus file.
pub const MAGIC: [u8; 8] = *b"ZMCPAGE1";

/// The size of the corpus file header, in bytes.
pub const HEADER_LEN: usize = 24;

/// A set of whole 4 KiB pages.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Corpus {
    data: Vec<u8>,
}

impl Corpus {
    /// An empty corpus.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends one page.
    pub fn push(&mut self, page: &[u8; PAGE_SIZE]) {
        self.data.extend_from_slice(page);
    }

    /// Appends every page of `other`.
    pub fn append(&mut self, other: &Corpus) {
        self.data.extend_from_slice(&other.data);
    }

    /// The number of pages.
    pub fn len(&self) -> usize {
        self.data.len() / PAGE_SIZE
    }

    /// Whether the corpus holds no page.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The pages, in order, each `PAGE_SIZE` bytes long.
    pub fn pages(&self) -> impl Iterator<Item = &[u8]> + '_ {
        self.data.chunks_exact(PAGE_SIZE)
    }

    /// Writes the corpus in the file format described in the crate docs.
    pub fn write_to(&self, mut out: impl Write) -> io::Result<()> {
        let mut header = [0u8; HEADER_LEN];
        header[..8].copy_from_slice(&MAGIC);
        header[8..12].copy_from_slice(&(PAGE_SIZE as u32).to_le_bytes());
        header[16..24].copy_from_slice(&(self.len() as u64).to_le_bytes());
        out.write_all(&header)?;
        out.write_all(&self.data)?;
        out.flush()
    }

    /// Writes only the pages, back to back with no header: a disk image of the pages, for a
    /// guest to read them from a block device.
    pub fn write_raw(&self, mut out: impl Write) -> io::Result<()> {
        out.write_all(&self.data)?;
        out.flush()
    }

    /// Reads a corpus written by [`Corpus::write_to`].
    pub fn read_from(mut input: impl Read) -> io::Result<Self> {
        let mut header = [0u8; HEADER_LEN];
        input.read_exact(&mut header)?;
        let invalid = |what: &str| io::Error::new(io::ErrorKind::InvalidData, what.to_owned());
        if header[..8] != MAGIC {
            return Err(invalid("not a page corpus (bad magic)"));
        }
        let page_size = u32::from_le_bytes(header[8..12].try_into().expect("4 bytes"));
        if page_size as usize != PAGE_SIZE {
            return Err(invalid("unsupported page size"));
        }
        let count = u64::from_le_bytes(header[16..24].try_into().expect("8 bytes"));
        let len = usize::try_from(count)
            .ok()
            .and_then(|count| count.checked_mul(PAGE_SIZE))
            .ok_or_else(|| invalid("page count too large"))?;
        let mut data = Vec::new();
        input.take(len as u64).read_to_end(&mut data)?;
        if data.len() != len {
            return Err(invalid("truncated corpus"));
        }
        Ok(Self { data })
    }
}

/// One mapping line of `/proc/PID/maps`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    /// The first address of the mapping.
    pub start: u64,
    /// The address just past the mapping.
    pub end: u64,
    /// The pathname column (empty for an unnamed anonymous mapping).
    pub name: String,
}

/// The private, readable, anonymous mappings listed in the text of `/proc/PID/maps`.
///
/// A mapping is anonymous when its inode is 0 and it is unnamed or named `[heap]`, `[stack]`,
/// `[stack:TID]` or `[anon:...]`. The kernel's special mappings (`[vdso]`, `[vvar]`,
/// `[vsyscall]`, ...) and file mappings are left out. Malformed lines are skipped.
pub fn parse_maps(text: &str) -> Vec<Mapping> {
    text.lines().filter_map(parse_maps_line).collect()
}

fn parse_maps_line(line: &str) -> Option<Mapping> {
    let mut fields = line.split_ascii_whitespace();
    let range = fields.next()?;
    let perms = fields.next()?.as_bytes();
    let _offset = fields.next()?;
    let _device = fields.next()?;
    let inode = fields.next()?;
    let name = fields.collect::<Vec<_>>().join(" ");
    let (start, end) = range.split_once('-')?;
    let start = u64::from_str_radix(start, 16).ok()?;
    let end = u64::from_str_radix(end, 16).ok()?;
    let readable = perms.first() == Some(&b'r');
    let private = perms.get(3) == Some(&b'p');
    let anonymous = inode == "0"
        && (name.is_empty()
            || name == "[heap]"
            || name.starts_with("[stack")
            || name.starts_with("[anon:"));
    (readable && private && anonymous && start < end).then_some(Mapping { start, end, name })
}

/// What [`capture`] takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaptureOptions {
    /// At most this many pages; when more are eligible, an evenly spaced subset is taken.
    pub max_pages: usize,
    /// Take every page of the mappings, not only the resident or swapped-out ones.
    pub all_pages: bool,
}

impl Default for CaptureOptions {
    fn default() -> Self {
        Self {
            max_pages: 100_000,
            all_pages: false,
        }
    }
}

/// Evenly spaced `max` items of `items` (all of them when there are not more than `max`).
pub fn spread<T: Copy>(items: &[T], max: usize) -> Vec<T> {
    if items.len() <= max {
        return items.to_vec();
    }
    (0..max).map(|i| items[i * items.len() / max]).collect()
}

/// Reads the anonymous private readable pages of process `pid` (see the crate docs).
///
/// Needs permission to read the process's memory (same user, and ptrace allowed: a child of
/// the caller always is). Pages that cannot be read are skipped.
#[cfg(target_os = "linux")]
pub fn capture(pid: i32, options: &CaptureOptions) -> io::Result<Corpus> {
    use std::os::unix::fs::FileExt;

    let maps = std::fs::read_to_string(format!("/proc/{pid}/maps"))?;
    let pagemap = if options.all_pages {
        None
    } else {
        std::fs::File::open(format!("/proc/{pid}/pagemap")).ok()
    };
    let mut addresses = Vec::new();
    for mapping in parse_maps(&maps) {
        let first = mapping.start / PAGE_SIZE as u64;
        let count = (mapping.end - mapping.start) / PAGE_SIZE as u64;
        let Some(pagemap) = &pagemap else {
            addresses.extend((0..count).map(|i| (first + i) * PAGE_SIZE as u64));
            continue;
        };
        // One u64 per page; bit 63 = present, bit 62 = swapped out.
        let mut entries = vec![0u8; count as usize * 8];
        if pagemap.read_exact_at(&mut entries, first * 8).is_err() {
            continue;
        }
        for (i, entry) in entries.chunks_exact(8).enumerate() {
            let entry = u64::from_le_bytes(entry.try_into().expect("8 bytes"));
            if entry & (3 << 62) != 0 {
                addresses.push((first + i as u64) * PAGE_SIZE as u64);
            }
        }
    }
    let mut corpus = Corpus::new();
    let mut page = [0u8; PAGE_SIZE];
    for address in spread(&addresses, options.max_pages) {
        if read_remote_page(pid, address, &mut page) {
            corpus.push(&page);
        }
    }
    Ok(corpus)
}

/// Reads one page of process `pid` at `address`; false when it cannot be read whole.
#[cfg(target_os = "linux")]
fn read_remote_page(pid: i32, address: u64, page: &mut [u8; PAGE_SIZE]) -> bool {
    let local = libc::iovec {
        iov_base: page.as_mut_ptr().cast(),
        iov_len: PAGE_SIZE,
    };
    let remote = libc::iovec {
        iov_base: address as usize as *mut libc::c_void,
        iov_len: PAGE_SIZE,
    };
    // SAFETY: `local` describes `page`, which is writable and PAGE_SIZE bytes long for the whole
    // call; `remote` is only read by the kernel, in the other process, with access checks.
    let read = unsafe { libc::process_vm_readv(pid, &local, 1, &remote, 1, 0) };
    read == PAGE_SIZE as isize
}

/// The programs [`capture_programs`] runs: a name, the interpreter and its flag for inline code,
/// and the code (each prints `ready` once its data is built, then waits on stdin).
pub const PROGRAMS: [(&str, &str, &str, &str); 3] = [
    (
        "python tables",
        "python3",
        "-c",
        include_str!("../programs/python_tables.py"),
    ),
    (
        "python blobs",
        "python3",
        "-c",
        include_str!("../programs/python_blobs.py"),
    ),
    (
        "node objects",
        "node",
        "-e",
        include_str!("../programs/node_objects.js"),
    ),
];

/// Starts `program` with `args`, waits until it prints `ready`, captures its anonymous memory
/// (at most `max_pages` pages) and ends it. `None` when the program is missing or fails.
#[cfg(target_os = "linux")]
pub fn capture_program(program: &str, args: &[&str], max_pages: usize) -> Option<Corpus> {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    let ready = child
        .stdout
        .take()
        .map(|out| BufReader::new(out).read_line(&mut line).is_ok() && line.trim() == "ready")
        .unwrap_or(false);
    let options = CaptureOptions {
        max_pages,
        all_pages: false,
    };
    let corpus = ready
        .then(|| capture(child.id() as i32, &options).ok())
        .flatten();
    let _ = child.kill();
    let _ = child.wait();
    corpus
}

/// Runs each of [`PROGRAMS`] in turn and captures at most `max_pages` pages of each: the
/// program's name with its pages, or `None` when it could not run (interpreter missing).
#[cfg(target_os = "linux")]
pub fn capture_programs(max_pages: usize) -> Vec<(&'static str, Option<Corpus>)> {
    PROGRAMS
        .iter()
        .map(|&(name, program, flag, code)| {
            (name, capture_program(program, &[flag, code], max_pages))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_anonymous_private_readable_mappings() {
        let maps = "\
55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]
7f1e2c000000-7f1e2c021000 rw-p 00000000 00:00 0 \n\
7f1e30000000-7f1e30001000 ---p 00000000 00:00 0 \n\
7f1e31000000-7f1e31002000 r--p 00000000 08:01 131 /usr/lib/libc.so.6
7f1e32000000-7f1e32002000 rw-s 00000000 00:01 0 \n\
7f1e33000000-7f1e33004000 rw-p 00000000 00:00 0  [anon:libc_malloc]
7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]
7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]
garbage line
";
        let names: Vec<_> = parse_maps(maps).into_iter().map(|m| m.name).collect();
        assert_eq!(names, ["[heap]", "", "[anon:libc_malloc]", "[stack]"]);
    }

    #[test]
    fn corpus_round_trips_and_rejects_bad_files() {
        let mut corpus = Corpus::new();
        corpus.push(&[1; PAGE_SIZE]);
        corpus.push(&[2; PAGE_SIZE]);
        let mut file = Vec::new();
        corpus.write_to(&mut file).unwrap();
        assert_eq!(file.len(), HEADER_LEN + 2 * PAGE_SIZE);
        assert_eq!(Corpus::read_from(&file[..]).unwrap(), corpus);
        assert!(Corpus::read_from(&file[..file.len() - 1]).is_err());
        file[0] = b'X';
        assert!(Corpus::read_from(&file[..]).is_err());
    }

    #[test]
    fn spread_is_even_and_bounded() {
        let items: Vec<u32> = (0..10).collect();
        assert_eq!(spread(&items, 20), items);
        assert_eq!(spread(&items, 5), [0, 2, 4, 6, 8]);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn captures_own_heap() {
        let marker = vec![0x5au8; 64 * PAGE_SIZE];
        let corpus = capture(std::process::id() as i32, &CaptureOptions::default()).unwrap();
        assert!(!corpus.is_empty());
        assert!(corpus.pages().any(|page| page.iter().all(|&b| b == 0x5a)));
        drop(marker);
    }
}
