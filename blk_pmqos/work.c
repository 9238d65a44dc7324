// SPDX-License-Identifier: GPL-2.0
/*
 * The work item that runs the policy and moves the PM-QoS request (which sleeps), and the
 * clock of the policy. 6.12's Rust has no delayed work; a high-priority one here runs the
 * floor change soon after a lone request, ahead of ordinary work.
 */
#include <linux/jiffies.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "shim.h"

struct bp_work {
	struct delayed_work dw;
	void (*fn)(void *data);
	void *data;
};

static void bp_work_run(struct work_struct *work)
{
	struct bp_work *bw = container_of(to_delayed_work(work), struct bp_work, dw);

	bw->fn(bw->data);
}

struct bp_work *bp_work_new(void (*fn)(void *data))
{
	struct bp_work *bw = kzalloc(sizeof(*bw), GFP_KERNEL);

	if (!bw)
		return NULL;
	INIT_DELAYED_WORK(&bw->dw, bp_work_run);
	bw->fn = fn;
	return bw;
}

/* Before the first kick: the data the function gets. */
void bp_work_bind(struct bp_work *bw, void *data)
{
	bw->data = data;
}

/* Runs it soon, even when it is armed for later. Any context. */
void bp_work_kick(struct bp_work *bw)
{
	mod_delayed_work(system_highpri_wq, &bw->dw, 0);
}

/* Runs it after delay_ns (a jiffy later at most, never earlier), unless already queued. */
void bp_work_arm(struct bp_work *bw, u64 delay_ns)
{
	queue_delayed_work(system_highpri_wq, &bw->dw, nsecs_to_jiffies(delay_ns) + 1);
}

/* Returns once it is neither queued nor running; it may have re-queued itself meanwhile. */
void bp_work_cancel(struct bp_work *bw)
{
	cancel_delayed_work_sync(&bw->dw);
}

void bp_work_free(struct bp_work *bw)
{
	cancel_delayed_work_sync(&bw->dw);
	kfree(bw);
}

u64 bp_now_ns(void)
{
	return ktime_get_ns();
}
