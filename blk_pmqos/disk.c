// SPDX-License-Identifier: GPL-2.0
/*
 * A disk by name, the devfreq device that scales its controller, and the PM-QoS request that
 * holds a floor on it. References are taken here and dropped only by the matching put.
 */
#include <linux/blkdev.h>
#include <linux/devfreq.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/pm_qos.h>
#include <linux/slab.h>

#include "shim.h"

/* A disk by its name under /dev, or a path; a partition gives its whole disk. */
struct gendisk *bp_disk_get(const char *name)
{
	struct gendisk *disk;
	struct file *f;
	char *path;

	path = name[0] == '/' ? kstrdup(name, GFP_KERNEL) : kasprintf(GFP_KERNEL, "/dev/%s", name);
	if (!path)
		return ERR_PTR(-ENOMEM);
	f = bdev_file_open_by_path(path, BLK_OPEN_READ, NULL, NULL);
	kfree(path);
	if (IS_ERR(f))
		return ERR_CAST(f);
	disk = file_bdev(f)->bd_disk;
	get_device(disk_to_dev(disk));
	fput(f);
	return disk;
}

void bp_disk_put(struct gendisk *disk)
{
	put_device(disk_to_dev(disk));
}

const char *bp_disk_name(const struct gendisk *disk)
{
	return disk->disk_name;
}

static int bp_is_devfreq(struct device *dev, void *data)
{
	return dev->class && !strcmp(dev->class->name, "devfreq");
}

/*
 * No exported lookup goes from a device to its devfreq: the devfreq device is a child of the
 * controller it scales, so look among the children of each device above the disk, nearest
 * first. The reference device_find_child took is the caller's.
 */
struct devfreq *bp_devfreq_find(struct gendisk *disk)
{
	struct device *dev, *found;

	for (dev = disk_to_dev(disk)->parent; dev; dev = dev->parent) {
		found = device_find_child(dev, NULL, bp_is_devfreq);
		if (found)
			return container_of(found, struct devfreq, dev);
	}
	return NULL;
}

void bp_devfreq_put(struct devfreq *df)
{
	put_device(&df->dev);
}

const char *bp_devfreq_name(const struct devfreq *df)
{
	return dev_name(&df->dev);
}

/*
 * The device's frequencies (up to cap) and its range: the frequency table's ends, narrowed by
 * the OPP limits, not by PM-QoS requests (ours among them).
 */
unsigned int bp_devfreq_freqs(struct devfreq *df, u64 *min_hz, u64 *max_hz, u64 *table,
			      unsigned int cap)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	unsigned int i, n;

	mutex_lock(&df->lock);
	n = min(df->max_state, cap);
	for (i = 0; i < df->max_state; i++) {
		if (i < n)
			table[i] = df->freq_table[i];
		lo = min(lo, df->freq_table[i]);
		hi = max(hi, df->freq_table[i]);
	}
	*min_hz = max(lo, df->scaling_min_freq);
	*max_hz = min(hi, df->scaling_max_freq);
	mutex_unlock(&df->lock);
	if (*min_hz > *max_hz)
		*min_hz = *max_hz;
	return n;
}

/* The request keeps its device (the controller) referenced while it exists. */
struct bp_qos {
	struct dev_pm_qos_request req;
	struct device *dev;
};

/*
 * A minimum-frequency request on the devfreq's parent, which devfreq combines with the others
 * (its own min_freq file is one) as the largest: starts with no constraint.
 */
struct bp_qos *bp_qos_add(struct devfreq *df)
{
	struct bp_qos *qos = kzalloc(sizeof(*qos), GFP_KERNEL);
	int err;

	if (!qos)
		return ERR_PTR(-ENOMEM);
	qos->dev = get_device(df->dev.parent);
	err = dev_pm_qos_add_request(qos->dev, &qos->req, DEV_PM_QOS_MIN_FREQUENCY,
				     PM_QOS_MIN_FREQUENCY_DEFAULT_VALUE);
	if (err < 0) {
		put_device(qos->dev);
		kfree(qos);
		return ERR_PTR(err);
	}
	return qos;
}

/* Sleeps (the PM-QoS mutex, devfreq's re-evaluation): process context only. */
int bp_qos_update(struct bp_qos *qos, s32 khz)
{
	int err;

	/* The device's constraints are destroyed when it is deleted: nothing left to move. */
	if (!dev_pm_qos_request_active(&qos->req))
		return -ENODEV;
	err = dev_pm_qos_update_request(&qos->req, khz);
	return err < 0 ? err : 0;
}

void bp_qos_remove(struct bp_qos *qos)
{
	if (dev_pm_qos_request_active(&qos->req))
		dev_pm_qos_remove_request(&qos->req);
	put_device(qos->dev);
	kfree(qos);
}
