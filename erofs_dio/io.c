// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio device reads. File data never goes through the page cache: a read whose offset,
 * length and buffer are aligned to the device's logical blocks (pclusters) is a bio into the
 * caller's own pages; any other goes through bounce pages, copied out. Metadata (the super
 * block, inodes, extent indexes, directories, tails packed inline beside their inode) is read
 * through the block device's page cache, as stock erofs reads it: cached across requests and
 * files, and given back by reclaim. A request's next run of pclusters may be read ahead into a
 * buffer of its own while the current one decodes (erd_shim_dev_submit, erd_shim_dev_wait).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/pagemap.h>
#include <linux/sched/task_stack.h>
#include <linux/vmalloc.h>

#include "internal.h"

#define ERD_IO_PAGES	32

/* Does [pos, pos + len) lie on the device? */
static bool erd_on_device(struct block_device *bdev, u64 pos, size_t len)
{
	u64 size = bdev_nr_bytes(bdev);

	return pos <= size && len <= size - pos;
}

/*
 * Can bios land in buf itself? Every segment must meet the queue's alignment, and the memory
 * must be the kmalloc or vmalloc kind the engine allocates, whose pages can be looked up: not
 * the stack, which must not be a DMA target.
 */
static bool erd_can_map(struct block_device *bdev, u64 pos, const u8 *buf, size_t len)
{
	unsigned long mask = (bdev_logical_block_size(bdev) - 1) | bdev_dma_alignment(bdev);

	if ((pos | len | (unsigned long)buf) & mask)
		return false;
	if (object_is_on_stack(buf))
		return false;
	return is_vmalloc_addr(buf) || virt_addr_valid(buf);
}

/*
 * Adds buf's pages to a fresh bio until it is full or len bytes are in; returns the bytes
 * added, at least the first page's. Page by page: vmalloc pages are not contiguous.
 */
static size_t erd_bio_add_buf(struct bio *bio, u8 *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		u8 *p = buf + done;
		unsigned int off = offset_in_page(p);
		unsigned int c = min_t(size_t, len - done, PAGE_SIZE - off);
		struct page *page = is_vmalloc_addr(p) ? vmalloc_to_page(p) : virt_to_page(p);

		if (!done)
			__bio_add_page(bio, page, c, off);	/* a fresh bio has room */
		else if (bio_add_page(bio, page, c, off) != c)
			break;
		done += c;
	}
	return done;
}

/*
 * The bios reading len bytes at pos into buf's own pages, chained: every one but the last is
 * submitted; the last, which ends after all of them, is returned for the caller to submit.
 */
static struct bio *erd_chain_direct(struct block_device *bdev, u64 pos, u8 *buf, size_t len)
{
	struct bio *bio = NULL;
	size_t done = 0;

	/* Cache-aliasing arches: no dirty line of the vmap alias may land over the DMA. */
	if (is_vmalloc_addr(buf))
		flush_kernel_vmap_range(buf, len);
	while (done < len) {
		size_t span = offset_in_page(buf + done) + len - done;
		unsigned int nr = min_t(size_t, BIO_MAX_VECS, DIV_ROUND_UP(span, PAGE_SIZE));

		/* Submits the previous bio, chained to this one. */
		bio = blk_next_bio(bio, bdev, nr, REQ_OP_READ, GFP_NOIO);
		bio->bi_iter.bi_sector = (pos + done) >> SECTOR_SHIFT;
		done += erd_bio_add_buf(bio, buf + done, len - done);
	}
	return bio;
}

/* ... and no stale line of the alias may hide what the device wrote. */
static void erd_direct_done(u8 *buf, size_t len)
{
	if (is_vmalloc_addr(buf))
		invalidate_kernel_vmap_range(buf, len);
}

/* No allocation but the bios (from a mempool) and no copy; waited for once. */
static int erd_read_direct(struct block_device *bdev, u64 pos, u8 *buf, size_t len)
{
	struct bio *bio = erd_chain_direct(bdev, pos, buf, len);
	int err = submit_bio_wait(bio);

	bio_put(bio);
	erd_direct_done(buf, len);
	return err ? -EIO : 0;
}

/* Whole logical blocks into pages of our own, then the wanted bytes copied out. */
static int erd_read_bounce(struct block_device *bdev, u64 pos, u8 *buf, size_t len)
{
	unsigned int lbs = bdev_logical_block_size(bdev);
	struct page *pages[ERD_IO_PAGES];

	while (len) {
		u64 start = round_down(pos, lbs);
		u64 end = min_t(u64, round_up(pos + len, lbs),
				start + ERD_IO_PAGES * PAGE_SIZE);
		size_t span = end - start, off = pos - start, n, done;
		unsigned int nr = DIV_ROUND_UP(span, PAGE_SIZE), i;
		struct bio *bio;
		int err = 0;

		bio = bio_alloc(bdev, nr, REQ_OP_READ, GFP_NOIO);
		bio->bi_iter.bi_sector = start >> SECTOR_SHIFT;
		for (i = 0; i < nr; i++) {
			size_t plen = min_t(size_t, PAGE_SIZE, span - i * PAGE_SIZE);

			/* Charged to the reader's memory cgroup, as page cache would be. */
			pages[i] = alloc_page(GFP_NOIO | __GFP_ACCOUNT);
			if (!pages[i]) {
				err = -ENOMEM;
				break;
			}
			__bio_add_page(bio, pages[i], plen, 0);
		}
		if (!err && submit_bio_wait(bio))
			err = -EIO;	/* whatever the block layer says, the device failed */
		bio_put(bio);
		n = min_t(size_t, len, span - off);
		for (done = 0; !err && done < n;) {
			size_t at = off + done, pg = at / PAGE_SIZE, po = at % PAGE_SIZE;
			size_t c = min_t(size_t, n - done, PAGE_SIZE - po);

			memcpy_from_page(buf + done, pages[pg], po, c);
			done += c;
		}
		while (i--)
			__free_page(pages[i]);
		if (err)
			return err;
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}

int erd_shim_dev_read(void *sbp, u64 pos, u8 *buf, size_t len)
{
	struct super_block *sb = sbp;
	struct block_device *bdev = sb->s_bdev;
	u64 t;
	int err;

	if (!erd_on_device(bdev, pos, len))
		return -EIO;
	if (!len)
		return 0;
	t = ktime_get_ns();
	if (erd_can_map(bdev, pos, buf, len)) {
		atomic64_inc(&erd_direct_reads);
		atomic64_add(len, &erd_direct_bytes);
		err = erd_read_direct(bdev, pos, buf, len);
	} else {
		atomic64_inc(&erd_bounce_reads);
		err = erd_read_bounce(bdev, pos, buf, len);
	}
	atomic64_add(ktime_get_ns() - t, &erd_ns_device);
	return err;
}

/* A device read in flight (erd_shim_dev_submit), freed by erd_shim_dev_wait. */
struct erd_pending {
	struct completion done;
	blk_status_t status;
	u8 *buf;
	size_t len;
};

static void erd_pending_end(struct bio *bio)
{
	struct erd_pending *r = bio->bi_private;

	r->status = bio->bi_status;
	bio_put(bio);
	complete(&r->done);
}

/*
 * Starts reading len bytes at pos into buf's own pages and returns at once; the caller must
 * pass the handle to erd_shim_dev_wait before touching or freeing buf. Only for a read that
 * maps (aligned, kmalloc or vmalloc memory): -EAGAIN otherwise, or -ENOMEM, and then nothing
 * was started.
 */
int erd_shim_dev_submit(void *sbp, u64 pos, u8 *buf, size_t len, void **handle)
{
	struct super_block *sb = sbp;
	struct block_device *bdev = sb->s_bdev;
	struct erd_pending *r;
	struct bio *bio;

	if (!len || !erd_on_device(bdev, pos, len))
		return -EIO;
	if (!erd_can_map(bdev, pos, buf, len))
		return -EAGAIN;
	r = kmalloc(sizeof(*r), GFP_NOIO | __GFP_NOWARN);
	if (!r)
		return -ENOMEM;
	init_completion(&r->done);
	r->status = BLK_STS_OK;
	r->buf = buf;
	r->len = len;
	atomic64_inc(&erd_direct_reads);
	atomic64_add(len, &erd_direct_bytes);
	atomic64_inc(&erd_ahead_reads);
	bio = erd_chain_direct(bdev, pos, buf, len);
	bio->bi_private = r;
	bio->bi_end_io = erd_pending_end;
	submit_bio(bio);
	*handle = r;
	return 0;
}

/* Waits for a read from erd_shim_dev_submit and frees its handle; 0 or -EIO. */
int erd_shim_dev_wait(void *handle)
{
	struct erd_pending *r = handle;
	u64 t = ktime_get_ns();
	int err;

	wait_for_completion_io(&r->done);
	atomic64_add(ktime_get_ns() - t, &erd_ns_device);
	erd_direct_done(r->buf, r->len);
	err = r->status ? -EIO : 0;
	kfree(r);
	return err;
}

/*
 * Page by page: read_cache_page is in the GKI KMI, read_cache_folio is not. The last page is
 * kept in the caller's erd_metabuf (as erofs keeps an erofs_buf), so the many small reads of
 * one extent map or inode cost a copy, not a page-cache lookup each; only lookups are timed.
 */
int erd_shim_meta_read(void *sbp, struct erd_metabuf *mb, u64 pos, u8 *buf, size_t len)
{
	struct super_block *sb = sbp;
	struct block_device *bdev = sb->s_bdev;
	u64 t = 0;
	int err = 0;

	if (!erd_on_device(bdev, pos, len))
		return -EIO;
	while (len) {
		pgoff_t index = pos >> PAGE_SHIFT;
		size_t off = offset_in_page(pos), n = min_t(size_t, len, PAGE_SIZE - off);

		if (!mb->page || mb->index != index) {
			struct page *page;

			if (!t)
				t = ktime_get_ns();
			erd_shim_meta_release(mb);
			page = read_mapping_page(bdev->bd_mapping, index, NULL);
			if (IS_ERR(page)) {
				err = PTR_ERR(page) == -ENOMEM ? -ENOMEM : -EIO;
				break;
			}
			mb->page = page;
			mb->index = index;
		}
		memcpy_from_page(buf, mb->page, off, n);
		pos += n;
		buf += n;
		len -= n;
	}
	if (t)
		atomic64_add(ktime_get_ns() - t, &erd_ns_meta);
	return err;
}

void erd_shim_meta_release(struct erd_metabuf *mb)
{
	if (mb->page)
		put_page(mb->page);
	mb->page = NULL;
}
