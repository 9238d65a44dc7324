// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: /sys/kernel/zcache/attach and detach, each disk's knobs and counters in
 * /sys/block/zcacheN/zcache/, the module parameters. Attribute tables and parameters are C only
 * in 6.12; every read and write of a disk's file goes to Rust by the attribute's name.
 */
#include <linux/blkdev.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/sysfs.h>

#include "shim.h"

/* RFL_SUITE_VERSION: the suite's version and git commit, from scripts/modules.sh. */
MODULE_VERSION(RFL_SUITE_VERSION);
MODULE_SOFTDEP("pre: zsmalloc lz4_compress lz4_decompress");

static bool tracepoint = true;
module_param(tracepoint, bool, 0644);
MODULE_PARM_DESC(tracepoint,
		 "Cache pages as the page cache evicts them (its tracepoint); N: admit blocks on "
		 "their second read instead (disks attached from now on)");

static unsigned int staging_pages = 256;
module_param(staging_pages, uint, 0644);
MODULE_PARM_DESC(staging_pages,
		 "Staging slots per disk (1-4096): evicted pages waiting for a worker (disks "
		 "attached from now on)");

bool zc_param_tracepoint(void)
{
	return READ_ONCE(tracepoint);
}

unsigned int zc_param_staging(void)
{
	return clamp_t(unsigned int, READ_ONCE(staging_pages), 1, 4096);
}

static struct kobject *zc_root;

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			    size_t len)
{
	int err = zc_rs_attach(buf, len);

	return err ? err : len;
}

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			    size_t len)
{
	int err = zc_rs_detach(buf, len);

	return err ? err : len;
}

static struct kobj_attribute zc_attach_attr = __ATTR_WO(attach);
static struct kobj_attribute zc_detach_attr = __ATTR_WO(detach);

static struct attribute *zc_root_attrs[] = {
	&zc_attach_attr.attr,
	&zc_detach_attr.attr,
	NULL,
};

static const struct attribute_group zc_root_group = {
	.attrs = zc_root_attrs,
};

int zc_sysfs_init(void)
{
	int err;

	zc_root = kobject_create_and_add("zcache", kernel_kobj);
	if (!zc_root)
		return -ENOMEM;
	err = sysfs_create_group(zc_root, &zc_root_group);
	if (err) {
		kobject_put(zc_root);
		zc_root = NULL;
	}
	return err;
}

/* Returns once no attach or detach runs any more. */
void zc_sysfs_exit(void)
{
	sysfs_remove_group(zc_root, &zc_root_group);
	kobject_put(zc_root);
	zc_root = NULL;
}

/* ---- /sys/block/zcacheN/zcache/ ---- */

static ssize_t zc_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return zc_rs_show(zc_dev_rs(dev), attr->attr.name, buf);
}

static ssize_t zc_store(struct device *dev, struct device_attribute *attr, const char *buf,
			size_t len)
{
	return zc_rs_store(zc_dev_rs(dev), attr->attr.name, buf, len);
}

/* The names Rust serves (sysfs.rs): knobs, then counters. */
#define ZC_ATTRS(X)				\
	X(enabled, 0644)			\
	X(mode, 0644)				\
	X(max_percent, 0644)			\
	X(mem_limit, 0644)			\
	X(source, 0444)				\
	X(lower, 0444)				\
	X(stores, 0444)				\
	X(staging_drops, 0444)			\
	X(hits, 0444)				\
	X(misses, 0444)				\
	X(invalidations, 0444)			\
	X(shrinker_frees, 0444)			\
	X(cap_frees, 0444)			\
	X(compressed_bytes, 0444)		\
	X(original_bytes, 0444)			\
	X(pool_bytes, 0444)			\
	X(entries, 0444)			\
	X(staged, 0444)				\
	X(probe_compressed, 0444)		\
	X(evictions, 0444)			\
	X(unknown, 0444)			\
	X(changed, 0444)			\
	X(stale, 0444)				\
	X(store_failures, 0444)			\
	X(corrupt, 0444)

#define ZC_ATTR_DEFINE(_name, _mode)						\
	static struct device_attribute zc_attr_##_name =			\
		__ATTR(_name, _mode, zc_show, (_mode) & 0222 ? zc_store : NULL);
ZC_ATTRS(ZC_ATTR_DEFINE)

#define ZC_ATTR_ENTRY(_name, _mode) &zc_attr_##_name.attr,
static struct attribute *zc_disk_attrs[] = {
	ZC_ATTRS(ZC_ATTR_ENTRY)
	NULL,
};

static const struct attribute_group zc_disk_group = {
	.name = "zcache",
	.attrs = zc_disk_attrs,
};

const struct attribute_group *zc_disk_groups[] = {
	&zc_disk_group,
	NULL,
};
