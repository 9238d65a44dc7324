// SPDX-License-Identifier: GPL-2.0

//! Recompression: a pass over the slot table that stores selected pages with stronger
//! algorithms in priority order and keeps a result only when the policy says it is smaller
//! enough. A slot rewritten while the pass worked on it is left alone (the new data wins).

use kernel::page::PAGE_SIZE;
use kernel::prelude::*;

use crate::device::{now_s, Backing, Device};
use crate::policy::{keep_new, next_algo, AlgoSet, RecompressConfig, RecompressDecision};
use crate::stats;
use crate::table::Meta;

/// Runs one pass; returns how many pages were stored smaller.
pub(crate) fn pass(
    dev: &Device,
    b: &Backing,
    cfg: &RecompressConfig,
    max_pages: Option<u64>,
) -> Result<u64> {
    let mut page = KVec::from_elem(0u8, PAGE_SIZE, GFP_KERNEL)?;
    let mut done = 0u64;
    let mut visited = 0u64;
    for index in 0..b.table.len() {
        if max_pages.is_some_and(|max| visited >= max) {
            break;
        }
        let (handle, meta) = b.table.lock(index)?.get();
        if !meta.is_present() {
            continue;
        }
        let f = meta.features();
        let now = now_s();
        let RecompressDecision::Try(_) = next_algo(&f, AlgoSet::EMPTY, now, &b.algos, cfg) else {
            stats::add(&dev.stats.recompress_skipped, 1);
            continue;
        };
        visited += 1;
        dev.read_page(b, index, &mut page, false)?;
        let mut tried = AlgoSet::EMPTY;
        let mut kept = None;
        while let RecompressDecision::Try(algo) = next_algo(&f, tried, now, &b.algos, cfg) {
            tried = tried.with(algo);
            let (new_handle, len, huge) = dev.compress_store(b, algo, &page)?;
            let new_len = len as u32;
            if huge || !keep_new(f.stored_len, new_len, cfg) {
                dev.discard_object(b, new_handle);
                continue;
            }
            kept = Some((algo, new_len, new_handle));
            break;
        }
        let slot = b.table.lock(index)?;
        if slot.get() != (handle, meta) {
            // Rewritten or freed meanwhile: the pass's result is stale.
            drop(slot);
            if let Some((_, _, h)) = kept {
                dev.discard_object(b, h);
            }
            continue;
        }
        match kept {
            Some((algo, len, new_handle)) => {
                let newf = f.recompressed(Some((algo, len)), tried, &b.algos);
                slot.set(new_handle, Meta::present(&newf));
                drop(slot);
                dev.account(Meta::present(&newf), true);
                dev.release(b, handle, meta);
                stats::add(&dev.stats.recompressed, 1);
                done += 1;
            }
            None => {
                slot.set_meta(Meta::present(&f.recompressed(None, tried, &b.algos)));
            }
        }
    }
    Ok(done)
}
