//! Sector arithmetic: which cached pages a write overlaps, and how a read splits into runs of
//! cached and uncached pages. Sectors are 512 bytes; a cached page covers `page_sectors`
//! sectors from its start, which need not be page-aligned (4 KiB file system blocks on 16 KiB
//! pages).

/// Whether `[a, a + alen)` and `[b, b + blen)` share a sector (saturating at `u64::MAX`).
pub fn overlaps(a: u64, alen: u64, b: u64, blen: u64) -> bool {
    alen != 0 && blen != 0 && a < b.saturating_add(blen) && b < a.saturating_add(alen)
}

/// The start sectors of the cached pages (each `page_sectors` long) that overlap a write of
/// `nr` sectors at `sector`: every page starting in the returned half-open range. `None`
/// when the write is empty.
pub fn invalidation_window(sector: u64, nr: u64, page_sectors: u64) -> Option<(u64, u64)> {
    if nr == 0 || page_sectors == 0 {
        return None;
    }
    let lo = sector.saturating_sub(page_sectors.saturating_sub(1));
    Some((lo, sector.saturating_add(nr)))
}

/// The leading part of a read, as cached pages or misses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Run {
    /// This many sectors from the start are cached, whole pages each starting where the
    /// previous one ends.
    Hit(u64),
    /// This many sectors from the start are not (or not as whole pages) cached.
    Miss(u64),
}

/// Splits a read of `nr` sectors at `sector` into its leading run. `cached(s)` says whether a
/// page starting at sector `s` is in the cache. The read is cut in page steps from its start;
/// a page is a hit only when the read covers it whole. A miss run ends at the first page that
/// is a hit, so the remainder can be looked at again. At most `max_pages` pages are looked up
/// (a miss run then ends there); an empty read is `Miss(0)`.
pub fn leading_run<F: FnMut(u64) -> bool>(
    sector: u64,
    nr: u64,
    page_sectors: u64,
    max_pages: u64,
    mut cached: F,
) -> Run {
    if nr == 0 || page_sectors == 0 {
        return Run::Miss(nr);
    }
    let whole = |off: u64| nr.checked_sub(off).is_some_and(|left| left >= page_sectors);
    let first = whole(0) && cached(sector);
    let mut off = 0u64;
    let mut pages = 0u64;
    while off < nr && pages < max_pages {
        let hit =
            whole(off) && (off == 0 && first || off != 0 && cached(sector.saturating_add(off)));
        if hit != first {
            break;
        }
        off = off.saturating_add(page_sectors).min(nr);
        pages = pages.saturating_add(1);
    }
    if first {
        Run::Hit(off)
    } else if off == 0 {
        // max_pages == 0: nothing looked at.
        Run::Miss(nr)
    } else {
        Run::Miss(off)
    }
}
