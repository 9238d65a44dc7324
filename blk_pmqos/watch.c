// SPDX-License-Identifier: GPL-2.0
/*
 * The disk's devices going away. A disk is deleted when the driver of a device above it is
 * unbound or that device is deleted (the controller, a SCSI LUN, ...), and the bus notifies
 * both before the driver's remove runs. So a bus notifier on each bus between the disk and
 * its devfreq's controller stops everything synchronously, before the disk's tag set and the
 * controller's PM-QoS constraints are freed; the reap work then detaches the disk.
 */
#include <linux/blkdev.h>
#include <linux/devfreq.h>
#include <linux/device.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "shim.h"

/* Devices from the disk's parent up to the controller; deeper stacks are cut there. */
#define BP_WATCH_MAX 8

struct bp_watch;

struct bp_watch_bus {
	struct notifier_block nb;
	const struct bus_type *bus;
	struct bp_watch *watch;
};

struct bp_watch {
	struct bp_watch_bus buses[BP_WATCH_MAX];
	unsigned int nr_buses;
	struct device *devs[BP_WATCH_MAX];
	unsigned int nr_devs;
	void *rs;
};

static int bp_watch_event(struct notifier_block *nb, unsigned long action, void *data)
{
	struct bp_watch_bus *wb = container_of(nb, struct bp_watch_bus, nb);
	struct bp_watch *w = wb->watch;
	struct device *dev = data;
	unsigned int i;

	if (action != BUS_NOTIFY_UNBIND_DRIVER && action != BUS_NOTIFY_DEL_DEVICE)
		return NOTIFY_DONE;
	for (i = 0; i < w->nr_devs; i++) {
		if (w->devs[i] == dev) {
			bp_rs_gone(w->rs);
			bp_reap_schedule();
			break;
		}
	}
	return NOTIFY_DONE;
}

static void bp_watch_release(struct bp_watch *w)
{
	unsigned int i;

	for (i = 0; i < w->nr_buses; i++)
		bus_unregister_notifier(w->buses[i].bus, &w->buses[i].nb);
	for (i = 0; i < w->nr_devs; i++)
		put_device(w->devs[i]);
	kfree(w);
}

struct bp_watch *bp_watch_start(struct gendisk *disk, struct devfreq *df, void *rs)
{
	struct bp_watch *w = kzalloc(sizeof(*w), GFP_KERNEL);
	struct device *dev;
	unsigned int i;
	int err;

	if (!w)
		return ERR_PTR(-ENOMEM);
	w->rs = rs;
	for (dev = disk_to_dev(disk)->parent; dev && w->nr_devs < BP_WATCH_MAX; dev = dev->parent) {
		w->devs[w->nr_devs++] = get_device(dev);
		for (i = 0; dev->bus && i < w->nr_buses && w->buses[i].bus != dev->bus; i++)
			;
		if (dev->bus && i == w->nr_buses) {
			struct bp_watch_bus *wb = &w->buses[w->nr_buses];

			wb->bus = dev->bus;
			wb->watch = w;
			wb->nb.notifier_call = bp_watch_event;
			err = bus_register_notifier(dev->bus, &wb->nb);
			if (err) {
				bp_watch_release(w);
				return ERR_PTR(err);
			}
			w->nr_buses++;
		}
		if (dev == df->dev.parent)
			break;
	}
	return w;
}

/* Returns once no notifier of this watch runs any more. */
void bp_watch_stop(struct bp_watch *w)
{
	bp_watch_release(w);
}

/* ---- reaping disks that went away ---- */

static void *bp_reap_ctx;

static void bp_reap_fn(struct work_struct *work)
{
	bp_rs_reap(bp_reap_ctx);
}

static DECLARE_WORK(bp_reap_work, bp_reap_fn);

void bp_reap_init(void *ctx)
{
	bp_reap_ctx = ctx;
}

void bp_reap_schedule(void)
{
	schedule_work(&bp_reap_work);
}

void bp_reap_cancel(void)
{
	cancel_work_sync(&bp_reap_work);
}
