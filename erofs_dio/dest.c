// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio decode targets: the next bytes of a read's destination iov_iter (the caller's own
 * pages for O_DIRECT, the folios of a readahead window) extracted and mapped as one kernel
 * range, so a pcluster decodes straight into them: no private buffer, no second pass over the
 * bytes. User pages are pinned for the write and released dirty. Anything that does not map
 * (a destination that is not one run of whole pages, no memory) returns NULL with the
 * iterator untouched, and the engine copies through its buffer instead.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "internal.h"

/* Largest destination mapped at once (larger extents go through the buffer). */
#define ERD_DEST_MAX	(2U << 20)

struct erd_dest {
	void *vaddr;
	unsigned int nr;
	bool pinned;
	bool mapped;		/* vaddr is ours (vm_map_ram), not the page's own address */
	struct page *pages[];
};

static void erd_dest_release(struct erd_dest *d, bool dirty)
{
	unsigned int i;

	for (i = 0; i < d->nr; i++)
		flush_dcache_page(d->pages[i]);
	if (d->pinned)
		unpin_user_pages_dirty_lock(d->pages, d->nr, dirty);
	kfree(d);
}

/* Whether the pages are one run of the linear map (a large folio, or neighbours). */
static bool erd_dest_linear(const struct erd_dest *d)
{
	unsigned long pfn = page_to_pfn(d->pages[0]);
	unsigned int i;

	if (PageHighMem(d->pages[0]) || PageHighMem(d->pages[d->nr - 1]))
		return false;
	for (i = 1; i < d->nr; i++)
		if (page_to_pfn(d->pages[i]) != pfn + i)
			return false;
	return true;
}

void *erd_shim_dest_map(void *iterp, size_t len, void **handle)
{
	struct iov_iter *iter = iterp;
	unsigned int max = DIV_ROUND_UP(len, PAGE_SIZE) + 1;
	size_t got = 0, first = 0;
	struct erd_dest *d;
	u64 t;

	if (!len || len > ERD_DEST_MAX || iov_iter_count(iter) < len)
		return NULL;
	t = ktime_get_ns();
	d = kmalloc(struct_size(d, pages, max), GFP_KERNEL | __GFP_NOWARN);
	if (!d)
		return NULL;
	d->nr = 0;
	d->pinned = iov_iter_extract_will_pin(iter);
	while (got < len) {
		struct page **p = d->pages + d->nr;
		size_t off;
		ssize_t n = iov_iter_extract_pages(iter, &p, len - got, max - d->nr, 0, &off);

		if (n <= 0)
			goto undo;
		d->nr += DIV_ROUND_UP(off + n, PAGE_SIZE);
		got += n;
		/* One contiguous range: later pieces start, and earlier ones end, on a page. */
		if (got == n)
			first = off;
		else if (off || (first + got - n) % PAGE_SIZE)
			goto undo;
	}
	/* Pages already contiguous in the kernel's address space need no mapping of their own. */
	d->mapped = !erd_dest_linear(d);
	d->vaddr = d->mapped ? vm_map_ram(d->pages, d->nr, NUMA_NO_NODE) :
			       page_address(d->pages[0]);
	if (!d->vaddr)
		goto undo;
	*handle = d;
	atomic64_add(ktime_get_ns() - t, &erd_ns_map);
	return d->vaddr + first;
undo:
	iov_iter_revert(iter, got);
	erd_dest_release(d, false);
	atomic64_add(ktime_get_ns() - t, &erd_ns_map);
	return NULL;
}

void erd_shim_dest_unmap(void *handle)
{
	struct erd_dest *d = handle;
	u64 t = ktime_get_ns();

	if (d->mapped)
		vm_unmap_ram(d->vaddr, d->nr);
	erd_dest_release(d, true);
	atomic64_add(ktime_get_ns() - t, &erd_ns_map);
}
