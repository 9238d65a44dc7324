// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: /sys/kernel/blk_pmqos/ with attach, detach and devices, and a directory per attached
 * disk with its knobs and counters; the module parameter. Attribute tables and parameters are C
 * only in 6.12; every read and write goes to Rust by the attribute's name.
 */
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "shim.h"

/* RFL_SUITE_VERSION: the suite's version and git commit, from scripts/modules.sh. */
MODULE_VERSION(RFL_SUITE_VERSION);

static bool sample_only;
module_param(sample_only, bool, 0644);
MODULE_PARM_DESC(sample_only,
		 "Sample busy tags even where the block tracepoints exist (disks attached from now on)");

bool bp_sample_only(void)
{
	return READ_ONCE(sample_only);
}

static struct kobject *bp_root;
static void *bp_ctx;

static ssize_t attach_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			    size_t len)
{
	int err = bp_rs_attach(bp_ctx, buf, len);

	return err ? err : len;
}

static ssize_t detach_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			    size_t len)
{
	int err = bp_rs_detach(bp_ctx, buf, len);

	return err ? err : len;
}

static ssize_t devices_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return bp_rs_list(bp_ctx, buf);
}

static struct kobj_attribute bp_attach_attr = __ATTR_WO(attach);
static struct kobj_attribute bp_detach_attr = __ATTR_WO(detach);
static struct kobj_attribute bp_devices_attr = __ATTR_RO(devices);

static struct attribute *bp_root_attrs[] = {
	&bp_attach_attr.attr,
	&bp_detach_attr.attr,
	&bp_devices_attr.attr,
	NULL,
};

static const struct attribute_group bp_root_group = {
	.attrs = bp_root_attrs,
};

int bp_sysfs_init(void *ctx)
{
	int err;

	bp_ctx = ctx;
	bp_root = kobject_create_and_add("blk_pmqos", kernel_kobj);
	if (!bp_root)
		return -ENOMEM;
	err = sysfs_create_group(bp_root, &bp_root_group);
	if (err) {
		kobject_put(bp_root);
		bp_root = NULL;
	}
	return err;
}

/* Removes attach, detach and devices; returns once no call of theirs runs any more. */
void bp_sysfs_close(void)
{
	sysfs_remove_group(bp_root, &bp_root_group);
}

/* After every disk's directory is gone. */
void bp_sysfs_exit(void)
{
	kobject_put(bp_root);
	bp_root = NULL;
}

/* ---- a directory per attached disk ---- */

struct bp_dir {
	struct kobject kobj;
	void *rs;
};

static ssize_t bp_dir_show(struct kobject *kobj, struct kobj_attribute *attr, char *buf)
{
	return bp_rs_show(container_of(kobj, struct bp_dir, kobj)->rs, attr->attr.name, buf);
}

static ssize_t bp_dir_store(struct kobject *kobj, struct kobj_attribute *attr, const char *buf,
			    size_t len)
{
	return bp_rs_store(container_of(kobj, struct bp_dir, kobj)->rs, attr->attr.name, buf, len);
}

#define BP_RW(_name) \
	static struct kobj_attribute bp_attr_##_name = __ATTR(_name, 0644, bp_dir_show, bp_dir_store)
#define BP_RO(_name) \
	static struct kobj_attribute bp_attr_##_name = __ATTR(_name, 0444, bp_dir_show, NULL)

/* The names Rust serves (sysfs.rs). */
BP_RW(enable);
BP_RW(low_depth);
BP_RW(high_depth);
BP_RW(hold_time);
BP_RW(rate_limit);
BP_RW(lead_time);
BP_RW(boost_freq);
BP_RO(requests);
BP_RO(qualifying);
BP_RO(boosts);
BP_RO(updates);
BP_RO(boosted_ms);
BP_RO(floor_khz);
BP_RO(depth);
BP_RO(rhythm);
BP_RO(source);
BP_RO(devfreq);

static struct attribute *bp_dev_attrs[] = {
	&bp_attr_enable.attr,
	&bp_attr_low_depth.attr,
	&bp_attr_high_depth.attr,
	&bp_attr_hold_time.attr,
	&bp_attr_rate_limit.attr,
	&bp_attr_lead_time.attr,
	&bp_attr_boost_freq.attr,
	&bp_attr_requests.attr,
	&bp_attr_qualifying.attr,
	&bp_attr_boosts.attr,
	&bp_attr_updates.attr,
	&bp_attr_boosted_ms.attr,
	&bp_attr_floor_khz.attr,
	&bp_attr_depth.attr,
	&bp_attr_rhythm.attr,
	&bp_attr_source.attr,
	&bp_attr_devfreq.attr,
	NULL,
};
ATTRIBUTE_GROUPS(bp_dev);

static void bp_dir_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct bp_dir, kobj));
}

static const struct kobj_type bp_dir_ktype = {
	.release = bp_dir_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = bp_dev_groups,
};

struct bp_dir *bp_dir_add(const char *name, void *rs)
{
	struct bp_dir *dir = kzalloc(sizeof(*dir), GFP_KERNEL);
	int err;

	if (!dir)
		return ERR_PTR(-ENOMEM);
	dir->rs = rs;
	err = kobject_init_and_add(&dir->kobj, &bp_dir_ktype, bp_root, "%s", name);
	if (err) {
		kobject_put(&dir->kobj);
		return ERR_PTR(err);
	}
	return dir;
}

/* Returns once no show or store of the directory runs any more. */
void bp_dir_del(struct bp_dir *dir)
{
	kobject_del(&dir->kobj);
	kobject_put(&dir->kobj);
}
