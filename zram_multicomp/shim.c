// SPDX-License-Identifier: GPL-2.0
/*
 * zram_multicomp C glue: what Rust cannot reach in 6.12. It registers the block major and the
 * zmc-control class, creates bio-based gendisks (as zram: no request, tag or queue per I/O),
 * walks bio segments, holds the sysfs attribute tables and module parameters, and forwards every
 * decision to the Rust engine.
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/highmem.h>
#include <linux/idr.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/namei.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/timekeeping.h>
#include <linux/zsmalloc.h>

#include "shim.h"

static unsigned int num_devices = 1;
module_param(num_devices, uint, 0444);
MODULE_PARM_DESC(num_devices, "Number of /dev/zmcN devices created at load time");
static bool zram_names;
module_param(zram_names, bool, 0444);
MODULE_PARM_DESC(zram_names,
		 "Drop-in mode: name the devices zramN and the control class zram-control, for tools "
		 "that know only zram (zramctl, zram-generator); the in-tree zram must not be loaded");
/* Off: with latency tiers, swap readahead's extra decodes are cheap and its batches win. */
static bool synchronous_io;
module_param(synchronous_io, bool, 0444);
MODULE_PARM_DESC(synchronous_io,
		 "What new devices' synchronous_io attribute starts as (default off)");

/* RFL_SUITE_VERSION: the suite's version and git commit, from scripts/modules.sh. */
MODULE_VERSION(RFL_SUITE_VERSION);
/*
 * The allocator and compressors from lib/ and mm/ that the kernel may build as modules (GKI ships
 * zsmalloc.ko): modprobe and Android's libmodprobe (modules.softdep) load them first.
 */
MODULE_SOFTDEP("pre: zsmalloc lz4_compress lz4hc_compress lz4_decompress zstd_compress "
	       "zstd_decompress zlib_deflate zlib_inflate");

/* The device and block major name: zmc, or zram in drop-in mode. */
static const char *zmc_prefix(void)
{
	return zram_names ? "zram" : "zmc";
}

struct zmc_disk {
	struct gendisk *disk;
	void *rs;
	int id;
	/* Set while reset or removal runs: nobody may open the device meanwhile. */
	bool claim;
};

static DEFINE_IDR(zmc_idr);
static DEFINE_MUTEX(zmc_idr_lock);
static int zmc_major;

static struct zmc_disk *dev_to_zd(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

/* ---- small helpers the engine needs: inline functions and macros ---- */

unsigned int zmc_shim_nr_cpus(void)
{
	return num_online_cpus();
}

u64 zmc_shim_now_ns(void)
{
	return ktime_get_boottime_ns();
}

/*
 * As zram: a store holding a compression stream, and recompression, only wake kswapd and fail
 * quietly; a swap-out store that let its stream go may reclaim directly, without I/O (it may
 * itself run under reclaim).
 */
unsigned long zmc_shim_zs_malloc(void *pool, size_t size, bool direct_reclaim)
{
	gfp_t gfp = direct_reclaim ? GFP_NOIO : __GFP_KSWAPD_RECLAIM | __GFP_NOWARN;

	return zs_malloc(pool, size, gfp | __GFP_HIGHMEM | __GFP_MOVABLE);
}

bool zmc_shim_zs_handle_ok(unsigned long handle)
{
	return !IS_ERR_VALUE(handle);
}

void *zmc_shim_zs_map(void *pool, unsigned long handle, bool write)
{
	return zs_map_object(pool, handle, write ? ZS_MM_WO : ZS_MM_RO);
}

void zmc_shim_zs_unmap(void *pool, unsigned long handle)
{
	zs_unmap_object(pool, handle);
}

u64 zmc_shim_zs_pages_compacted(void *pool)
{
	struct zs_pool_stats stats = {};

	zs_pool_stats(pool, &stats);
	return atomic_long_read(&stats.pages_compacted);
}

/*
 * A device's workers are kernel threads of their own, so they hold no shared kworker and may
 * set their own priority. The reference taken here keeps the task valid for kthread_stop even
 * when the worker returned first.
 */
void *zmc_shim_thread_run(int (*fn)(void *), void *data, int id, unsigned int n)
{
	struct task_struct *t = kthread_run(fn, data, "zmc%d-%u", id, n);

	if (IS_ERR(t))
		return NULL;
	get_task_struct(t);
	return t;
}

/* Waits for the thread to return; -EINTR if it was stopped before it ever ran. */
int zmc_shim_thread_stop(void *task)
{
	int ret = kthread_stop(task);

	put_task_struct(task);
	return ret;
}

/* The calling thread's CPU time (the scheduler's count, current as of its last tick or switch). */
u64 zmc_shim_thread_cpu_ns(void)
{
	return current->se.sum_exec_runtime;
}

/* A queue invariant broke: say so once, loudly (guest runs fail on any WARNING). */
void zmc_shim_warn(const char *what)
{
	WARN_ONCE(1, "zram_multicomp: %s\n", what);
}

void zmc_shim_cond_resched(void)
{
	cond_resched();
}

void zmc_shim_set_nice(int nice)
{
	set_user_nice(current, clamp_t(int, nice, MIN_NICE, MAX_NICE));
}

unsigned long zmc_shim_msecs_to_jiffies(unsigned int ms)
{
	return msecs_to_jiffies(ms);
}

/* Memory the system could still hand out without swapping, in pages. */
u64 zmc_shim_available_pages(void)
{
	long pages = si_mem_available();

	return pages > 0 ? pages : 0;
}

u64 zmc_shim_total_pages(void)
{
	return totalram_pages();
}

/* ---- block I/O ---- */

/* Every segment of a read or write bio, in order; the engine splits them into pages. */
static int zmc_rw_bio(struct zmc_disk *zd, struct bio *bio, bool write)
{
	struct bvec_iter iter;
	struct bio_vec bv;
	sector_t sector = bio->bi_iter.bi_sector;
	int err = 0;

	bio_for_each_segment(bv, bio, iter) {
		void *buf = kmap_local_page(bv.bv_page);

		err = zmc_rs_rw(zd->rs, write, sector, buf + bv.bv_offset, bv.bv_len);
		if (!write)
			flush_dcache_page(bv.bv_page);
		kunmap_local(buf);
		if (err)
			break;
		sector += bv.bv_len >> SECTOR_SHIFT;
	}
	return err;
}

/* Served in the submitter's context, which may sleep (as zram's). */
static void zmc_submit_bio(struct bio *bio)
{
	struct zmc_disk *zd = bio->bi_bdev->bd_disk->private_data;
	unsigned long start = bio_start_io_acct(bio);
	int err;

	switch (bio_op(bio)) {
	case REQ_OP_READ:
		err = zmc_rw_bio(zd, bio, false);
		break;
	case REQ_OP_WRITE:
		/* An empty flush: the store is RAM, nothing is cached. */
		err = bio_sectors(bio) ? zmc_rw_bio(zd, bio, true) : 0;
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_WRITE_ZEROES:
		err = zmc_rs_discard(zd->rs, bio->bi_iter.bi_sector, bio_sectors(bio));
		break;
	default:
		err = -EOPNOTSUPP;
		break;
	}
	bio_end_io_acct(bio, start);
	bio->bi_status = errno_to_blk_status(err);
	bio_endio(bio);
}

static int zmc_open(struct gendisk *disk, blk_mode_t mode)
{
	struct zmc_disk *zd = disk->private_data;

	WARN_ON(!mutex_is_locked(&disk->open_mutex));
	return zd->claim ? -EBUSY : 0;
}

static void zmc_slot_free_notify(struct block_device *bdev, unsigned long index)
{
	struct zmc_disk *zd = bdev->bd_disk->private_data;

	zmc_rs_slot_free_notify(zd->rs, index);
}

static const struct block_device_operations zmc_fops = {
	.owner = THIS_MODULE,
	.submit_bio = zmc_submit_bio,
	.open = zmc_open,
	.swap_slot_free_notify = zmc_slot_free_notify,
};

/* ---- sysfs: one table, every attribute forwarded to Rust by name ---- */

/* Every per-device attribute the engine serves (name, mode); sysfs.rs names each one once too. */
#define ZMC_ATTRS(X)				\
	X(disksize, 0644)			\
	X(initstate, 0444)			\
	X(comp_algorithm, 0644)			\
	X(algorithm_params, 0200)		\
	X(recomp_algorithm, 0644)		\
	X(recompress, 0200)			\
	X(idle, 0200)				\
	X(mem_limit, 0200)			\
	X(mem_used_max, 0200)			\
	X(mm_stat, 0444)			\
	X(io_stat, 0444)			\
	X(debug_stat, 0444)			\
	X(compact, 0200)			\
	X(max_comp_streams, 0644)		\
	X(comp_policy, 0644)			\
	X(policy_stat, 0444)			\
	X(async, 0644)				\
	X(async_workers, 0644)			\
	X(async_staging, 0644)			\
	X(async_stat, 0444)			\
	X(bg_recompress, 0644)			\
	X(bg_recompress_rate, 0644)		\
	X(bg_cold_age, 0644)			\
	X(bg_warm_age, 0644)

static ssize_t zmc_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return zmc_rs_show(dev_to_zd(dev)->rs, attr->attr.name, buf);
}

static struct device_attribute zmc_attr_disksize;

static ssize_t zmc_store(struct device *dev, struct device_attribute *attr, const char *buf,
			 size_t len)
{
	struct zmc_disk *zd = dev_to_zd(dev);
	ssize_t ret = zmc_rs_store(zd->rs, attr->attr.name, buf, len);

	if (ret > 0 && attr == &zmc_attr_disksize)
		set_capacity_and_notify(zd->disk, zmc_rs_disksize(zd->rs) >> SECTOR_SHIFT);
	return ret;
}

#define ZMC_ATTR_DEFINE(_name, _mode)						\
	static struct device_attribute zmc_attr_##_name =			\
		__ATTR(_name, _mode, (_mode) & 0444 ? zmc_show : NULL,		\
		       (_mode) & 0222 ? zmc_store : NULL);
ZMC_ATTRS(ZMC_ATTR_DEFINE)

static ssize_t reset_store(struct device *dev, struct device_attribute *attr, const char *buf,
			   size_t len)
{
	struct zmc_disk *zd = dev_to_zd(dev);
	struct gendisk *disk = zd->disk;
	unsigned short do_reset;
	int ret;

	ret = kstrtou16(buf, 10, &do_reset);
	if (ret)
		return ret;
	if (!do_reset)
		return -EINVAL;

	mutex_lock(&disk->open_mutex);
	if (disk_openers(disk) || zd->claim) {
		mutex_unlock(&disk->open_mutex);
		return -EBUSY;
	}
	zd->claim = true;
	mutex_unlock(&disk->open_mutex);

	sync_blockdev(disk->part0);
	zmc_rs_reset(zd->rs);
	set_capacity_and_notify(disk, 0);

	mutex_lock(&disk->open_mutex);
	zd->claim = false;
	mutex_unlock(&disk->open_mutex);
	return len;
}
static DEVICE_ATTR_WO(reset);

/*
 * BLK_FEAT_SYNCHRONOUS, as zram declares it: swap then reads a faulting page on its own,
 * bypassing the swap cache and readahead. Swap looks at it at swapon.
 */
static ssize_t synchronous_io_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", bdev_synchronous(dev_to_zd(dev)->disk->part0));
}

static ssize_t synchronous_io_store(struct device *dev, struct device_attribute *attr,
				   const char *buf, size_t len)
{
	struct gendisk *disk = dev_to_zd(dev)->disk;
	struct request_queue *q = disk->queue;
	struct queue_limits lim;
	bool on;
	int ret;

	ret = kstrtobool(buf, &on);
	if (ret) {
		pr_err("%s: synchronous_io: %.*s\n", disk->disk_name,
		       (int)min_t(size_t, strcspn(buf, "\n"), 32), buf);
		return ret;
	}
	lim = queue_limits_start_update(q);
	if (on)
		lim.features |= BLK_FEAT_SYNCHRONOUS;
	else
		lim.features &= ~BLK_FEAT_SYNCHRONOUS;
	ret = queue_limits_commit_update(q, &lim);
	return ret ? ret : len;
}
static DEVICE_ATTR_RW(synchronous_io);

#define ZMC_ATTR_ENTRY(_name, _mode) &zmc_attr_##_name.attr,
static struct attribute *zmc_disk_attrs[] = {
	ZMC_ATTRS(ZMC_ATTR_ENTRY)
	&dev_attr_reset.attr,
	&dev_attr_synchronous_io.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zmc_disk);

/* ---- devices ---- */

static int zmc_add(void)
{
	struct queue_limits lim = {
		/* 512-byte sectors; partial pages are read-modify-written by the engine. */
		.logical_block_size = SECTOR_SIZE,
		.physical_block_size = PAGE_SIZE,
		.io_min = PAGE_SIZE,
		.io_opt = PAGE_SIZE,
		.max_hw_discard_sectors = UINT_MAX,
		.discard_granularity = SECTOR_SIZE,
		.max_write_zeroes_sectors = UINT_MAX,
		.features = BLK_FEAT_STABLE_WRITES,
	};
	struct zmc_disk *zd;
	int ret, id;

	zd = kzalloc(sizeof(*zd), GFP_KERNEL);
	if (!zd)
		return -ENOMEM;

	mutex_lock(&zmc_idr_lock);
	ret = idr_alloc(&zmc_idr, zd, 0, 0, GFP_KERNEL);
	mutex_unlock(&zmc_idr_lock);
	if (ret < 0)
		goto out_free;
	id = ret;
	zd->id = id;

	zd->rs = zmc_rs_dev_new(id);
	if (!zd->rs) {
		ret = -ENOMEM;
		goto out_idr;
	}

	if (synchronous_io)
		lim.features |= BLK_FEAT_SYNCHRONOUS;
	zd->disk = blk_alloc_disk(&lim, NUMA_NO_NODE);
	if (IS_ERR(zd->disk)) {
		ret = PTR_ERR(zd->disk);
		goto out_rs;
	}
	zd->disk->major = zmc_major;
	zd->disk->first_minor = id;
	zd->disk->minors = 1;
	zd->disk->flags |= GENHD_FL_NO_PART;
	zd->disk->fops = &zmc_fops;
	zd->disk->private_data = zd;
	snprintf(zd->disk->disk_name, DISK_NAME_LEN, "%s%d", zmc_prefix(), id);
	set_capacity(zd->disk, 0);
	ret = device_add_disk(NULL, zd->disk, zmc_disk_groups);
	if (ret)
		goto out_disk;
	pr_info("added device %s\n", zd->disk->disk_name);
	return id;

out_disk:
	put_disk(zd->disk);
out_rs:
	zmc_rs_dev_free(zd->rs);
out_idr:
	mutex_lock(&zmc_idr_lock);
	idr_remove(&zmc_idr, id);
	mutex_unlock(&zmc_idr_lock);
out_free:
	kfree(zd);
	return ret;
}

/* The caller holds zmc_idr_lock and has removed zd from the idr (or is tearing all down). */
static void zmc_destroy(struct zmc_disk *zd)
{
	pr_info("removed device %s\n", zd->disk->disk_name);
	del_gendisk(zd->disk);
	/* No I/O can come in any more: the engine drains its pool and frees everything. */
	zmc_rs_dev_free(zd->rs);
	put_disk(zd->disk);
	kfree(zd);
}

/* Marks the device claimed, unless it is open: then -EBUSY. */
static int zmc_claim(struct zmc_disk *zd)
{
	int ret = 0;

	mutex_lock(&zd->disk->open_mutex);
	if (disk_openers(zd->disk) || zd->claim)
		ret = -EBUSY;
	else
		zd->claim = true;
	mutex_unlock(&zd->disk->open_mutex);
	return ret;
}

static ssize_t hot_add_show(const struct class *class, const struct class_attribute *attr,
			    char *buf)
{
	int ret = zmc_add();

	if (ret < 0)
		return ret;
	return sysfs_emit(buf, "%d\n", ret);
}
static struct class_attribute class_attr_hot_add = __ATTR(hot_add, 0400, hot_add_show, NULL);

static ssize_t hot_remove_store(const struct class *class, const struct class_attribute *attr,
				const char *buf, size_t count)
{
	struct zmc_disk *zd;
	int ret, id;

	ret = kstrtoint(buf, 10, &id);
	if (ret)
		return ret;
	if (id < 0)
		return -EINVAL;

	mutex_lock(&zmc_idr_lock);
	zd = idr_find(&zmc_idr, id);
	if (!zd) {
		ret = -ENODEV;
	} else {
		ret = zmc_claim(zd);
		if (!ret) {
			idr_remove(&zmc_idr, id);
			zmc_destroy(zd);
		}
	}
	mutex_unlock(&zmc_idr_lock);
	return ret ? ret : count;
}
static CLASS_ATTR_WO(hot_remove);

static struct attribute *zmc_control_class_attrs[] = {
	&class_attr_hot_add.attr,
	&class_attr_hot_remove.attr,
	NULL,
};
ATTRIBUTE_GROUPS(zmc_control_class);

static struct class zmc_control_class = {
	.name = "zmc-control",
	.class_groups = zmc_control_class_groups,
};

static int zmc_remove_cb(int id, void *ptr, void *data)
{
	zmc_destroy(ptr);
	return 0;
}

void zmc_shim_exit(void)
{
	class_unregister(&zmc_control_class);
	mutex_lock(&zmc_idr_lock);
	idr_for_each(&zmc_idr, zmc_remove_cb, NULL);
	idr_destroy(&zmc_idr);
	mutex_unlock(&zmc_idr_lock);
	unregister_blkdev(zmc_major, zmc_prefix());
}

int zmc_shim_init(void)
{
	unsigned int i;
	int ret;

	if (zram_names) {
		struct path p;

		/* Look first: registering a class twice dumps a stack before it fails. */
		if (!kern_path("/sys/class/zram-control", 0, &p)) {
			path_put(&p);
			pr_err("zram_names: the zram-control class exists (is the zram module loaded?)\n");
			return -EBUSY;
		}
		zmc_control_class.name = "zram-control";
	}
	ret = class_register(&zmc_control_class);
	if (ret == -EEXIST && zram_names) {
		pr_err("zram_names: the zram-control class exists (is the zram module loaded?)\n");
		return -EBUSY;
	}
	if (ret) {
		pr_err("unable to register %s class\n", zmc_control_class.name);
		return ret;
	}
	zmc_major = register_blkdev(0, zmc_prefix());
	if (zmc_major <= 0) {
		pr_err("unable to get major number\n");
		class_unregister(&zmc_control_class);
		return -EBUSY;
	}
	for (i = 0; i < num_devices; i++) {
		ret = zmc_add();
		if (ret < 0) {
			zmc_shim_exit();
			return ret;
		}
	}
	return 0;
}
