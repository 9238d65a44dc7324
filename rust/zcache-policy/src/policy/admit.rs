//! What to do with a page: at eviction, when its staged copy is stored, on a read without the
//! eviction tracepoint; and how much memory the cache may hold.

use super::readlog::LogValue;

/// How a page leaves the page cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvictKind {
    /// Reclaim (the folio's reference count is frozen at 0): the page is clean and its data
    /// is what the file holds.
    Reclaim,
    /// Truncation, hole punching or invalidation (references held): the data is going away
    /// or about to change; never cached.
    Drop,
}

/// The probe's decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Evict {
    /// Nothing to do (caching off, or a page the cache does not keep).
    Ignore,
    /// Forget the page's read record: its data is going away.
    Forget,
    /// The page was not read through this device (or its record was lost).
    Unknown,
    /// A write overlapped its sectors since it was read: forget it.
    Stale,
    /// Stage the page for these sectors.
    Stage(LogValue),
}

/// Decides at eviction. `cacheable` says the page can be kept (clean, up to date, and its
/// folio small enough to copy with interrupts off);
/// `record` is the page's read record, `fresh` whether its sectors are unchanged since
/// ([`Epochs::fresh`](super::Epochs::fresh) on the record).
pub fn on_evict(
    enabled: bool,
    kind: EvictKind,
    cacheable: bool,
    record: Option<LogValue>,
    fresh: bool,
) -> Evict {
    match (kind, record) {
        (EvictKind::Drop, Some(_)) => Evict::Forget,
        (EvictKind::Drop, None) => Evict::Ignore,
        (EvictKind::Reclaim, _) if !enabled || !cacheable => Evict::Ignore,
        (EvictKind::Reclaim, None) => Evict::Unknown,
        (EvictKind::Reclaim, Some(_)) if !fresh => Evict::Stale,
        (EvictKind::Reclaim, Some(r)) => Evict::Stage(r),
    }
}

/// What a worker does with a staged page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Store it.
    Store,
    /// Its bytes differ from those read from the disk: drop it.
    Changed,
    /// A write overlapped its sectors: drop it.
    Stale,
}

/// Checks a staged page: its hash now against the one recorded at read, and its sectors'
/// freshness (checked under the index lock, so that no write slips in before it is indexed).
pub fn verify(hash_now: u64, hash_read: u64, fresh: bool) -> Verdict {
    if hash_now != hash_read {
        Verdict::Changed
    } else if !fresh {
        Verdict::Stale
    } else {
        Verdict::Store
    }
}

/// How a page is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// Compressed, this many bytes.
    Compressed(usize),
    /// As it is (it compressed badly, or not at all).
    Raw,
}

/// The form of a page that compressed to `clen` bytes (`None`: it did not fit). A page that
/// saves less than a quarter is kept raw: decompressing it would cost time for little memory.
pub fn store_form(clen: Option<usize>, page_size: usize) -> Form {
    match clen {
        Some(n) if n > 0 && n <= (page_size / 4).saturating_mul(3) => Form::Compressed(n),
        _ => Form::Raw,
    }
}

/// Without the eviction tracepoint: a block read again while its first read's record is still
/// in the log (same sector, nothing written since) is admitted.
pub fn admit_on_read(seen: Option<LogValue>, sector: u64, fresh: bool) -> bool {
    seen.is_some_and(|v| v.sector == sector) && fresh
}

/// The cache's size cap: `percent` of `total_pages` pages of `page_size` bytes.
pub fn cap_bytes(total_pages: u64, page_size: u64, percent: u32) -> u64 {
    total_pages
        .saturating_mul(page_size)
        .checked_div(100)
        .unwrap_or(0)
        .saturating_mul(u64::from(percent.min(100)))
}

/// The cap that applies: `percent` of RAM, or `limit` bytes if that is smaller (0: no limit).
pub fn effective_cap(total_pages: u64, page_size: u64, percent: u32, limit: u64) -> u64 {
    let cap = cap_bytes(total_pages, page_size, percent);
    if limit == 0 {
        cap
    } else {
        cap.min(limit)
    }
}

/// Bytes to free before storing `incoming` more bytes with `used` in use under `cap`.
pub fn over_cap(used: u64, incoming: u64, cap: u64) -> u64 {
    used.saturating_add(incoming).saturating_sub(cap)
}
