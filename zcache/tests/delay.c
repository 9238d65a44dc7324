// SPDX-License-Identifier: GPL-2.0
/*
 * zcache_delay: a disk zcdelay0 over the block device `lower=PATH` that passes every bio
 * through and completes a read no earlier than read_us + (KiB * read_ns_per_kib) after it was
 * submitted, for zcache's bench (test only). The kernels have no dm-delay, and QEMU's drive
 * throttling caps IOPS rather than adding latency: a page-fault read waits for one request's
 * latency, which is what flash costs and what zcache saves. A floor, not an added delay, so
 * that the host's own (noisy, page-cached) service time is hidden when it is shorter.
 * Writes, flushes and discards are not delayed: the bench does not time them.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/wait.h>

static char *lower;
module_param(lower, charp, 0444);
MODULE_PARM_DESC(lower, "Path of the block device to pass through to");
static unsigned int read_us = 100;
module_param(read_us, uint, 0644);
MODULE_PARM_DESC(read_us, "Latency of a read request (us)");
static unsigned int read_ns_per_kib;
module_param(read_ns_per_kib, uint, 0644);
MODULE_PARM_DESC(read_ns_per_kib, "Added latency of a read per KiB (ns)");

struct zd_dev {
	struct gendisk *disk;
	struct file *lower_file;
	struct block_device *bdev;
	struct bio_set bs;
	/* Clones not yet completed up: unload waits for them (the queue does not count them). */
	atomic_t inflight;
	wait_queue_head_t idle;
};

/* A clone, and what ending its original needs. */
struct zd_clone {
	struct hrtimer timer;
	struct zd_dev *zd;
	struct bio *orig;
	ktime_t due;
	struct bio clone;
};

static struct zd_dev *zd_dev;
static int zd_major;

static void zd_finish(struct zd_clone *c)
{
	struct zd_dev *zd = c->zd;
	struct bio *orig = c->orig;

	orig->bi_status = c->clone.bi_status;
	bio_put(&c->clone);
	bio_endio(orig);
	if (atomic_dec_and_test(&zd->inflight))
		wake_up(&zd->idle);
}

/* Frees the timer's own memory (with the clone): nothing touches a NORESTART timer after. */
static enum hrtimer_restart zd_due(struct hrtimer *timer)
{
	zd_finish(container_of(timer, struct zd_clone, timer));
	return HRTIMER_NORESTART;
}

static void zd_endio(struct bio *clone)
{
	struct zd_clone *c = container_of(clone, struct zd_clone, clone);

	if (ktime_before(ktime_get(), c->due)) {
		hrtimer_init(&c->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
		c->timer.function = zd_due;
		hrtimer_start(&c->timer, c->due, HRTIMER_MODE_ABS);
		return;
	}
	zd_finish(c);
}

static void zd_submit_bio(struct bio *bio)
{
	struct zd_dev *zd = bio->bi_bdev->bd_disk->private_data;
	struct bio *clone = bio_alloc_clone(zd->bdev, bio, GFP_NOIO, &zd->bs);
	struct zd_clone *c;
	u64 ns = 0;

	if (!clone) {
		bio_io_error(bio);
		return;
	}
	if (bio_op(bio) == REQ_OP_READ)
		ns = (u64)READ_ONCE(read_us) * NSEC_PER_USEC +
		     (u64)(bio->bi_iter.bi_size >> 10) * READ_ONCE(read_ns_per_kib);
	c = container_of(clone, struct zd_clone, clone);
	c->zd = zd;
	c->orig = bio;
	c->due = ktime_add_ns(ktime_get(), ns);
	clone->bi_end_io = zd_endio;
	atomic_inc(&zd->inflight);
	submit_bio_noacct(clone);
}

static const struct block_device_operations zd_fops = {
	.owner = THIS_MODULE,
	.submit_bio = zd_submit_bio,
};

static void zd_free(struct zd_dev *zd)
{
	bioset_exit(&zd->bs);
	if (zd->lower_file)
		fput(zd->lower_file);
	kfree(zd);
}

static int __init zd_init(void)
{
	struct queue_limits lim;
	struct zd_dev *zd;
	int err;

	if (!lower) {
		pr_err("no lower=PATH given\n");
		return -EINVAL;
	}
	zd = kzalloc(sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;
	atomic_set(&zd->inflight, 0);
	init_waitqueue_head(&zd->idle);
	zd->lower_file = bdev_file_open_by_path(lower, BLK_OPEN_READ | BLK_OPEN_WRITE, zd, NULL);
	if (IS_ERR(zd->lower_file)) {
		err = PTR_ERR(zd->lower_file);
		zd->lower_file = NULL;
		pr_err("%s: cannot open it (error %d)\n", lower, err);
		goto out_free;
	}
	zd->bdev = file_bdev(zd->lower_file);
	err = bioset_init(&zd->bs, BIO_POOL_SIZE, offsetof(struct zd_clone, clone), 0);
	if (err)
		goto out_free;
	zd_major = register_blkdev(0, "zcdelay");
	if (zd_major <= 0) {
		err = -EBUSY;
		goto out_free;
	}
	lim = (struct queue_limits){
		.logical_block_size = bdev_logical_block_size(zd->bdev),
		.physical_block_size = bdev_physical_block_size(zd->bdev),
		.max_hw_sectors = queue_max_hw_sectors(bdev_get_queue(zd->bdev)),
		.features = bdev_get_queue(zd->bdev)->limits.features &
			    (BLK_FEAT_WRITE_CACHE | BLK_FEAT_FUA),
	};
	zd->disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
	if (IS_ERR(zd->disk)) {
		err = PTR_ERR(zd->disk);
		goto out_blkdev;
	}
	zd->disk->major = zd_major;
	zd->disk->first_minor = 0;
	zd->disk->minors = 1;
	zd->disk->flags |= GENHD_FL_NO_PART;
	zd->disk->fops = &zd_fops;
	zd->disk->private_data = zd;
	snprintf(zd->disk->disk_name, DISK_NAME_LEN, "zcdelay0");
	set_capacity(zd->disk, bdev_nr_sectors(zd->bdev));
	err = add_disk(zd->disk);
	if (err)
		goto out_disk;
	zd_dev = zd;
	pr_info("zcdelay0 over %s: reads take at least %u us + %u ns/KiB\n", lower, read_us,
		read_ns_per_kib);
	return 0;

out_disk:
	put_disk(zd->disk);
out_blkdev:
	unregister_blkdev(zd_major, "zcdelay");
out_free:
	zd_free(zd);
	return err;
}

static void __exit zd_exit(void)
{
	struct zd_dev *zd = zd_dev;

	del_gendisk(zd->disk);
	/* Reads still waiting for their due time (a closed disk has none, but be sure). */
	wait_event(zd->idle, !atomic_read(&zd->inflight));
	put_disk(zd->disk);
	unregister_blkdev(zd_major, "zcdelay");
	zd_free(zd);
}

module_init(zd_init);
module_exit(zd_exit);
MODULE_DESCRIPTION("zcache bench: a pass-through disk with flash read latency (test only)");
MODULE_LICENSE("GPL");
