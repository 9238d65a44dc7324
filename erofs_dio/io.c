// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio device reads: bios into private pages, never the page cache, so neither metadata nor
 * data reads of the engine leave pages behind.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>

#include "internal.h"

#define ERD_IO_PAGES	32

int erd_shim_dev_read(void *sbp, u64 pos, u8 *buf, size_t len)
{
	struct super_block *sb = sbp;
	struct block_device *bdev = sb->s_bdev;
	unsigned int lbs = bdev_logical_block_size(bdev);
	u64 size = bdev_nr_bytes(bdev);
	struct page *pages[ERD_IO_PAGES];

	if (pos > size || len > size - pos)
		return -EIO;
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
		if (!err)
			err = submit_bio_wait(bio);
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
			return err == -ENOMEM ? err : -EIO;
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}
