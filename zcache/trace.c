// SPDX-License-Identifier: GPL-2.0
/*
 * The eviction feed: the page cache's own `mm_filemap_delete_from_page_cache` tracepoint,
 * found by name (6.12 does not export it; Android's kernels do) and probed with its exact
 * prototype, which kCFI checks. It fires for every page leaving any page cache, with the
 * mapping's i_pages lock held and interrupts off: the probe rejects foreign pages with a few
 * pointer loads, and for ours only copies (or, in sync mode, compresses) into a preallocated
 * staging slot; it never allocates and never sleeps.
 *
 * Reclaim is told from truncation and invalidation by two facts: reclaim froze the folio's
 * reference count at 0 (truncation and invalidate_inode_pages2 hold references), and runs with
 * PF_MEMALLOC (kswapd, direct and memcg reclaim; drop_caches and fadvise's invalidation,
 * which also freeze the count, do not).
 */
#include <linux/blk_types.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "shim.h"

#ifdef CONFIG_TRACEPOINTS

struct zc_probe {
	struct block_device *bdev;
	void *rs;
	struct zc_pool *pool;
	struct tracepoint *tp;
};

static void zc_tp_find(struct tracepoint *tp, void *priv)
{
	struct zc_probe *p = priv;

	if (!strcmp(tp->name, "mm_filemap_delete_from_page_cache"))
		p->tp = tp;
}

/* A page of a file on our disk, or of the disk's own page cache (metadata). */
static bool zc_mapping_ours(const struct zc_probe *p, const struct address_space *mapping)
{
	const struct inode *host = mapping->host;

	if (mapping == p->bdev->bd_mapping)
		return true;
	return host && host->i_sb && host->i_sb->s_bdev == p->bdev;
}

/*
 * Folios of up to this many pages are cached, page by page (erofs and the block device's own
 * cache use large folios); larger ones would keep interrupts off too long for their copy.
 */
#define ZC_MAX_FOLIO_PAGES 16

static void zc_probe_delete(void *data, struct folio *folio)
{
	struct zc_probe *p = data;
	struct address_space *mapping = folio->mapping;
	long i, nr = folio_nr_pages(folio);
	bool reclaim, cache, wake = false;

	if (!mapping || folio_test_anon(folio) || !zc_mapping_ours(p, mapping))
		return;
	reclaim = !folio_ref_count(folio) && (current->flags & PF_MEMALLOC);
	cache = reclaim && nr <= ZC_MAX_FOLIO_PAGES && folio_test_uptodate(folio) &&
		!folio_test_dirty(folio);
	for (i = 0; i < nr; i++) {
		void *src = cache ? kmap_local_folio(folio, i * PAGE_SIZE) : NULL;

		wake |= zc_rs_evict(p->rs, mapping, folio->index + i, reclaim, cache, src);
		if (src)
			kunmap_local(src);
	}
	if (wake)
		zc_pool_wake(p->pool);
}

/* ERR_PTR(-ENOENT) when the kernel has no such tracepoint (the caller falls back). */
struct zc_probe *zc_probe_attach(struct block_device *bdev, void *rs, struct zc_pool *pool)
{
	struct zc_probe *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int err;

	if (!p)
		return ERR_PTR(-ENOMEM);
	p->bdev = bdev;
	p->rs = rs;
	p->pool = pool;
	for_each_kernel_tracepoint(zc_tp_find, p);
	if (!p->tp) {
		kfree(p);
		return ERR_PTR(-ENOENT);
	}
	err = tracepoint_probe_register(p->tp, (void *)zc_probe_delete, p);
	if (err) {
		kfree(p);
		return ERR_PTR(err);
	}
	return p;
}

/* Returns once no probe runs any more. */
void zc_probe_detach(struct zc_probe *p)
{
	tracepoint_probe_unregister(p->tp, (void *)zc_probe_delete, p);
	tracepoint_synchronize_unregister();
	kfree(p);
}

#else /* !CONFIG_TRACEPOINTS */

struct zc_probe *zc_probe_attach(struct block_device *bdev, void *rs, struct zc_pool *pool)
{
	return ERR_PTR(-ENOENT);
}

void zc_probe_detach(struct zc_probe *p)
{
}

#endif
