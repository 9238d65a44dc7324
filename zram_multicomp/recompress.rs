// SPDX-License-Identifier: GPL-2.0

//! Recompression: a pass over the slot table that stores selected pages with stronger
//! algorithms in priority order and keeps a result only when the policy says it is smaller
//! enough. The pass claims a slot before it reads it and installs its result only while the
//! slot still holds its claim: any write, free or read in between drops the claim, so the new
//! data wins even when the new page got the old handle back. Staged slots are skipped (they
//! are not stored yet).
//!
//! The same pass serves the `recompress` attribute (unlimited budget, from the first slot) and
//! the background worker (a pages-per-second and CPU budget, resumable): a [`Budget`] admits
//! each page before it is compressed and is charged the compression time after.

use kernel::prelude::*;

use crate::ffi::{self, Reclaim};
use crate::policy::{
    keep_new, next_algo, AlgoSet, Claim, RecompressConfig, RecompressDecision, SkipReason,
};
use crate::reqbuf::ReqBuf;
use crate::stats;
use crate::store::{now_s, Backing};
use crate::table::{Meta, STAGED};

/// Admits the pages a pass compresses.
pub(crate) trait Budget {
    /// May the pass compress one more page? May sleep; false stops the pass (resumable).
    fn admit(&mut self) -> bool;
    /// Charges the time the last admitted page took (reading it and compressing it again).
    fn charge(&mut self, _spent_ns: u64) {}
}

/// No limit (a `recompress` write); stops only when the store stops.
pub(crate) struct Unlimited<'a>(pub(crate) &'a Backing);

impl Budget for Unlimited<'_> {
    fn admit(&mut self) -> bool {
        !self.0.stopping()
    }
}

/// How a pass ended.
pub(crate) enum PassEnd {
    /// It went over every slot.
    Finished,
    /// The budget stopped it; it may resume at this slot.
    Paused(usize),
}

/// Runs one pass from slot `from`, trying at most `max_pages` pages. `page` is a scratch page.
/// Returns how it ended and how many pages it stored smaller. At most one pass of each
/// [`Claim`] kind runs at a time on a device.
pub(crate) fn pass(
    b: &Backing,
    who: Claim,
    cfg: &RecompressConfig,
    max_pages: Option<u64>,
    from: usize,
    budget: &mut dyn Budget,
    page: &mut [u8],
) -> Result<(PassEnd, u64)> {
    let s = &b.shared.stats;
    let mut done = 0u64;
    let mut visited = 0u64;
    for index in from..b.table.len() {
        if max_pages.is_some_and(|max| visited >= max) {
            break;
        }
        // A slot may cost several compressions (one per candidate algorithm): yield per slot.
        ffi::cond_resched();
        let (handle, meta) = b.table.lock(index)?.get();
        if !meta.is_present() || meta.flags().contains(STAGED) {
            continue;
        }
        let f = meta.features();
        let now = now_s();
        match next_algo(&f, AlgoSet::EMPTY, now, &b.algos, cfg) {
            RecompressDecision::Try(_) => {}
            // Pages the pass does not select are not counted as skipped: a background pass
            // walks every slot again and again.
            RecompressDecision::Skip(SkipReason::NotSelected | SkipReason::SameFilled) => continue,
            RecompressDecision::Skip(_) => {
                stats::add(&s.recompress_skipped, 1);
                continue;
            }
        }
        if !budget.admit() {
            return Ok((PassEnd::Paused(index), done));
        }
        visited += 1;
        let claimed = {
            let slot = b.table.lock(index)?;
            if slot.get() != (handle, meta) {
                continue;
            }
            let claimed = meta.claimed(who);
            slot.set_meta(claimed);
            claimed
        };
        let t0 = ffi::now_ns();
        b.read_page(index, &mut ReqBuf::from_slice(page), false)?;
        let mut tried = AlgoSet::EMPTY;
        let mut kept = None;
        let res = (|| -> Result {
            while let RecompressDecision::Try(algo) = next_algo(&f, tried, now, &b.algos, cfg) {
                tried = tried.with(algo);
                let Some((new_handle, len, _)) =
                    b.compress_store(algo, page, Reclaim::Kswapd, false)?
                else {
                    continue;
                };
                let new_len = len as u32;
                if !keep_new(f.stored_len, new_len, cfg, b.algos.decodes_fast(algo)) {
                    // SAFETY: stored just now by this pass and never installed.
                    unsafe { b.discard_object(new_handle) };
                    continue;
                }
                kept = Some((algo, new_len, new_handle));
                break;
            }
            Ok(())
        })();
        budget.charge(ffi::now_ns().saturating_sub(t0));
        res?;
        let slot = b.table.lock(index)?;
        if slot.get() != (handle, claimed) {
            // Written, freed or read meanwhile: the pass's result is stale.
            drop(slot);
            stats::add(&s.recompress_stale, 1);
            if let Some((_, _, h)) = kept {
                // SAFETY: stored by this pass and never installed.
                unsafe { b.discard_object(h) };
            }
            continue;
        }
        match kept {
            Some((algo, len, new_handle)) => {
                let newf = f.recompressed(Some((algo, len)), tried, &b.algos);
                slot.set(new_handle, Meta::present(&newf));
                drop(slot);
                b.account(Meta::present(&newf), true);
                // SAFETY: the slot held `handle` under its lock until `set` replaced it.
                unsafe { b.release(handle, meta) };
                stats::add(&s.recompressed, 1);
                done += 1;
            }
            None => {
                slot.set_meta(Meta::present(&f.recompressed(None, tried, &b.algos)));
            }
        }
    }
    Ok((PassEnd::Finished, done))
}
