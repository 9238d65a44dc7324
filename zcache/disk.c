// SPDX-License-Identifier: GPL-2.0
/*
 * The stacking disk zcacheN over a lower block device: attach by path, detach (refused while
 * open), and the bio path. Reads ask the engine which leading run of the bio is cached: a
 * cached run is filled from the cache (split off when partial), the rest goes down as a clone
 * whose completion tells the engine what was read. Writes, discards and write-zeroes tell the
 * engine first (it drops what they overlap) and again at completion. Every decision is Rust's.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pagemap.h>
#include <linux/slab.h>

#include "shim.h"

struct zc_dev {
	struct gendisk *disk;
	struct file *lower_file;
	struct block_device *lower;
	void *rs;
	struct zc_pool *pool;
	struct zc_probe *probe;
	struct zc_shrinker *shrinker;
	struct bio_set clone_bs;
	struct bio_set split_bs;
	atomic_t inflight;
	wait_queue_head_t idle;
	int id;
	/* Set (under the disk's open_mutex) once detach found it closed: no open succeeds. */
	bool claim;
};

/* A clone on its way to the lower device, with what its completion needs. */
struct zc_clone {
	struct zc_dev *zd;
	struct bio *orig;
	u64 seq;
	sector_t sector;
	unsigned int nr;
	struct bio clone;
};

static DEFINE_IDR(zc_idr);
static DEFINE_MUTEX(zc_lock);
static int zc_major;

/* The page-cache folio a bio page belongs to, if it is one of our disk's: its mapping, and
 * the page's index in it. Read and fill bios hold their folios locked. */
static const void *zc_page_key(struct zc_dev *zd, struct page *page, u64 *index)
{
	struct folio *folio = page_folio(page);
	struct address_space *mapping = folio->mapping;
	struct block_device *bdev = zd->disk->part0;

	if (!mapping || folio_test_anon(folio) || folio_test_swapcache(folio))
		return NULL;
	if (mapping != bdev->bd_mapping &&
	    !(mapping->host && mapping->host->i_sb && mapping->host->i_sb->s_bdev == bdev))
		return NULL;
	*index = folio->index + folio_page_idx(folio, page);
	return mapping;
}

static void zc_clone_endio(struct bio *clone)
{
	struct zc_clone *c = container_of(clone, struct zc_clone, clone);
	struct zc_dev *zd = c->zd;
	struct bio *orig = c->orig;

	if (bio_op(orig) == REQ_OP_READ) {
		if (!clone->bi_status && zc_rs_recording(zd->rs)) {
			struct bvec_iter iter;
			struct bio_vec bv;
			sector_t sector = orig->bi_iter.bi_sector;
			bool wake = false;

			bio_for_each_segment(bv, orig, iter) {
				if (bv.bv_offset == 0 && bv.bv_len == PAGE_SIZE) {
					u64 index = 0;
					const void *mapping = zc_page_key(zd, bv.bv_page, &index);
					void *data = kmap_local_page(bv.bv_page);

					wake |= zc_rs_read_done(zd->rs, sector, data, mapping, index,
								c->seq);
					kunmap_local(data);
				}
				sector += bv.bv_len >> SECTOR_SHIFT;
			}
			if (wake)
				zc_pool_wake(zd->pool);
		}
	} else if (c->nr) {
		zc_rs_write_end(zd->rs, c->sector, c->nr);
	}
	orig->bi_status = clone->bi_status;
	bio_put(clone);
	bio_endio(orig);
	if (atomic_dec_and_test(&zd->inflight))
		wake_up(&zd->idle);
}

/* Sends bio down as a clone. `nr` is the range a write told the engine of (0: none). */
static void zc_pass(struct zc_dev *zd, struct bio *bio, u64 seq, unsigned int nr)
{
	struct bio *clone = bio_alloc_clone(zd->lower, bio, GFP_NOIO, &zd->clone_bs);
	struct zc_clone *c;

	if (!clone) {
		if (nr)
			zc_rs_write_end(zd->rs, bio->bi_iter.bi_sector, nr);
		bio_io_error(bio);
		return;
	}
	c = container_of(clone, struct zc_clone, clone);
	c->zd = zd;
	c->orig = bio;
	c->seq = seq;
	c->sector = bio->bi_iter.bi_sector;
	c->nr = nr;
	clone->bi_end_io = zc_clone_endio;
	atomic_inc(&zd->inflight);
	submit_bio_noacct(clone);
}

/*
 * Fills a read from the cache, page by page. Only whole-page segments are filled; if any
 * page cannot be (its entry went meanwhile, or fails its check), the whole bio goes down:
 * the lower device's data is the same.
 */
static void zc_serve(struct zc_dev *zd, struct bio *bio, u64 seq)
{
	sector_t sector = bio->bi_iter.bi_sector;
	struct bvec_iter iter;
	struct bio_vec bv;

	bio_for_each_segment(bv, bio, iter) {
		if (bv.bv_offset || bv.bv_len != PAGE_SIZE)
			goto down;
	}
	bio_for_each_segment(bv, bio, iter) {
		u64 index = 0;
		const void *mapping = zc_page_key(zd, bv.bv_page, &index);
		void *dst = kmap_local_page(bv.bv_page);
		int err = zc_rs_fill(zd->rs, sector, dst, mapping, index, seq);

		kunmap_local(dst);
		if (err)
			goto down;
		flush_dcache_page(bv.bv_page);
		sector += PAGE_SECTORS;
	}
	bio_endio(bio);
	return;
down:
	zc_pass(zd, bio, seq, 0);
}

/*
 * The leading run of the read (cached pages, or not) is served now; the rest is split off and
 * submitted again, so that one call allocates at most one split and one clone from their
 * pools (the block layer sends what a submit_bio submits only after it returns).
 */
static void zc_read(struct zc_dev *zd, struct bio *bio)
{
	u64 seq = zc_rs_read_seq(zd->rs);
	unsigned int nr = bio_sectors(bio);
	bool hit = false;
	u64 n = zc_rs_run(zd->rs, bio->bi_iter.bi_sector, nr, &hit);

	if (n && n < nr) {
		struct bio *split = bio_split(bio, n, GFP_NOIO, &zd->split_bs);

		if (split) {
			bio_chain(split, bio);
			submit_bio_noacct(bio);
			bio = split;
		} else {
			hit = false;
		}
	}
	if (hit)
		zc_serve(zd, bio, seq);
	else
		zc_pass(zd, bio, seq, 0);
}

static void zc_submit_bio(struct bio *bio)
{
	struct zc_dev *zd = bio->bi_bdev->bd_disk->private_data;
	unsigned int nr = bio_sectors(bio);

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		zc_read(zd, bio);
		return;
	case REQ_OP_WRITE:
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
	case REQ_OP_WRITE_ZEROES:
		/* The cache drops what the write overlaps before the write can reach the disk. */
		if (nr)
			zc_rs_write_begin(zd->rs, bio->bi_iter.bi_sector, nr);
		zc_pass(zd, bio, 0, nr);
		return;
	case REQ_OP_FLUSH:
		zc_pass(zd, bio, 0, 0);
		return;
	default:
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return;
	}
}

static int zc_open(struct gendisk *disk, blk_mode_t mode)
{
	struct zc_dev *zd = disk->private_data;

	return zd->claim ? -EBUSY : 0;
}

static const struct block_device_operations zc_fops = {
	.owner = THIS_MODULE,
	.submit_bio = zc_submit_bio,
	.open = zc_open,
};

/* ---- attach and detach ---- */

static void zc_free(struct zc_dev *zd)
{
	if (zd->probe)
		zc_probe_detach(zd->probe);
	if (zd->shrinker)
		zc_shrinker_stop(zd->shrinker);
	if (zd->pool)
		zc_pool_stop(zd->pool);
	if (zd->rs)
		zc_rs_free(zd->rs);
	bioset_exit(&zd->split_bs);
	bioset_exit(&zd->clone_bs);
	/* The claim goes with the file (at the latest when the detaching task returns). */
	if (zd->lower_file)
		fput(zd->lower_file);
	kfree(zd);
}

static int zc_limits(struct zc_dev *zd, struct queue_limits *lim)
{
	struct block_device *l = zd->lower;
	unsigned int lbs = bdev_logical_block_size(l);

	*lim = (struct queue_limits){
		.logical_block_size = lbs,
		.max_hw_sectors = queue_max_hw_sectors(bdev_get_queue(l)),
		.physical_block_size = bdev_physical_block_size(l),
		.io_min = bdev_io_min(l),
		.io_opt = bdev_io_opt(l),
		.max_hw_discard_sectors = bdev_max_discard_sectors(l),
		.discard_granularity = max(bdev_discard_granularity(l), lbs),
		.max_write_zeroes_sectors = bdev_write_zeroes_sectors(l),
		/* Flushes and FUA pass through as the lower device handles them. */
		.features = bdev_get_queue(l)->limits.features & (BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA),
	};
	return 0;
}

/* A new zcacheN over the block device at `path` (checked by Rust: one absolute path). */
int zc_attach(const char *path)
{
	struct queue_limits lim;
	struct zc_dev *zd;
	char name[DISK_NAME_LEN];
	int err, id;

	zd = kzalloc(sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;
	atomic_set(&zd->inflight, 0);
	init_waitqueue_head(&zd->idle);
	mutex_lock(&zc_lock);
	/* Published under zc_lock, which detach takes: nobody sees it half made. */
	id = idr_alloc(&zc_idr, zd, 0, 0, GFP_KERNEL);
	if (id < 0) {
		err = id;
		goto out_unlock;
	}
	zd->id = id;
	snprintf(name, sizeof(name), "zcache%d", id);
	/* Exclusive, and no one else may write to it: a write around the cache would leave it stale. */
	zd->lower_file = bdev_file_open_by_path(path, BLK_OPEN_READ | BLK_OPEN_WRITE |
						BLK_OPEN_RESTRICT_WRITES, zd, NULL);
	if (IS_ERR(zd->lower_file)) {
		err = PTR_ERR(zd->lower_file);
		zd->lower_file = NULL;
		pr_err("attach: %s: cannot open it exclusively (error %d)\n", path, err);
		goto out_idr;
	}
	zd->lower = file_bdev(zd->lower_file);
	err = bioset_init(&zd->clone_bs, BIO_POOL_SIZE, offsetof(struct zc_clone, clone), 0);
	if (err)
		goto out_idr;
	err = bioset_init(&zd->split_bs, BIO_POOL_SIZE, 0, 0);
	if (err)
		goto out_idr;
	zd->rs = zc_rs_new(name, zd->lower->bd_disk->disk_name, zc_param_tracepoint(),
			   zc_param_staging(), zc_pool_default_workers());
	if (!zd->rs) {
		err = -ENOMEM;
		goto out_idr;
	}
	zd->pool = zc_pool_start(zd->rs, name, zc_pool_default_workers());
	if (IS_ERR(zd->pool)) {
		err = PTR_ERR(zd->pool);
		zd->pool = NULL;
		goto out_idr;
	}
	zd->shrinker = zc_shrinker_start(zd->rs, name);
	if (IS_ERR(zd->shrinker)) {
		err = PTR_ERR(zd->shrinker);
		zd->shrinker = NULL;
		goto out_idr;
	}
	zc_limits(zd, &lim);
	zd->disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
	if (IS_ERR(zd->disk)) {
		err = PTR_ERR(zd->disk);
		zd->disk = NULL;
		goto out_idr;
	}
	zd->disk->major = zc_major;
	zd->disk->first_minor = id;
	zd->disk->minors = 1;
	zd->disk->flags |= GENHD_FL_NO_PART;
	zd->disk->fops = &zc_fops;
	zd->disk->private_data = zd;
	snprintf(zd->disk->disk_name, DISK_NAME_LEN, "%s", name);
	set_capacity(zd->disk, bdev_nr_sectors(zd->lower));
	if (zc_param_tracepoint()) {
		zd->probe = zc_probe_attach(zd->disk->part0, zd->rs, zd->pool);
		if (IS_ERR(zd->probe)) {
			err = PTR_ERR(zd->probe);
			zd->probe = NULL;
			if (err != -ENOENT)
				goto out_disk;
			pr_info("%s: no eviction tracepoint: blocks are admitted on their second read\n",
				name);
			zc_rs_no_tracepoint(zd->rs);
		}
	}
	err = device_add_disk(NULL, zd->disk, zc_disk_groups);
	if (err)
		goto out_disk;
	mutex_unlock(&zc_lock);
	pr_info("%s: attached to %s (%s)\n", name, path,
		zd->probe ? "eviction tracepoint" : "second-read admission");
	return 0;

out_disk:
	put_disk(zd->disk);
out_idr:
	idr_remove(&zc_idr, id);
out_unlock:
	mutex_unlock(&zc_lock);
	zc_free(zd);
	return err;
}

/* The caller holds zc_lock and found nobody has the disk open (and nobody can open it). */
static void zc_destroy(struct zc_dev *zd)
{
	/* The probe first: no eviction reaches the engine once the disk starts going away. */
	if (zd->probe) {
		zc_probe_detach(zd->probe);
		zd->probe = NULL;
	}
	del_gendisk(zd->disk);
	wait_event(zd->idle, !atomic_read(&zd->inflight));
	put_disk(zd->disk);
	zc_free(zd);
}

int zc_detach(int id)
{
	struct zc_dev *zd;
	int err = 0;

	mutex_lock(&zc_lock);
	zd = idr_find(&zc_idr, id);
	if (!zd) {
		err = -ENOENT;
		pr_err("detach: zcache%d: no such device\n", id);
		goto out;
	}
	/* Open (mounted, or held by anyone): refused. Else claimed: no open succeeds. */
	mutex_lock(&zd->disk->open_mutex);
	if (disk_openers(zd->disk)) {
		mutex_unlock(&zd->disk->open_mutex);
		pr_err("detach: zcache%d: in use\n", id);
		err = -EBUSY;
		goto out;
	}
	zd->claim = true;
	mutex_unlock(&zd->disk->open_mutex);
	pr_info("zcache%d: detached\n", id);
	idr_remove(&zc_idr, id);
	zc_destroy(zd);
out:
	mutex_unlock(&zc_lock);
	return err;
}

static int zc_destroy_cb(int id, void *ptr, void *data)
{
	if (ptr)
		zc_destroy(ptr);
	return 0;
}

/* Module unload: nobody holds a disk open (each opener holds the module). */
void zc_detach_all(void)
{
	mutex_lock(&zc_lock);
	idr_for_each(&zc_idr, zc_destroy_cb, NULL);
	idr_destroy(&zc_idr);
	mutex_unlock(&zc_lock);
}

int zc_disk_init(void)
{
	zc_major = register_blkdev(0, "zcache");
	return zc_major > 0 ? 0 : -EBUSY;
}

void zc_disk_exit(void)
{
	unregister_blkdev(zc_major, "zcache");
}

/* For sysfs.c: a disk's engine (the attributes exist only while the disk does). */
void *zc_dev_rs(struct device *dev)
{
	struct zc_dev *zd = dev_to_disk(dev)->private_data;

	return zd->rs;
}
