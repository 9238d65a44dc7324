// SPDX-License-Identifier: GPL-2.0
/*
 * The work item that runs the policy and moves the PM-QoS request (which sleeps), and the
 * clock of the policy. A high-priority work item runs the floor change soon after a lone
 * request, ahead of ordinary work; an hrtimer runs it at the time the policy asks, since a
 * floor raised ahead of a periodic request must come within a millisecond or two, finer than
 * a jiffy at HZ 250. 6.12's Rust has neither delayed work nor hrtimers.
 */
#include <linux/hrtimer.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "shim.h"

struct bp_work {
	struct work_struct work;
	struct hrtimer timer;
	void (*fn)(void *data);
	void *data;
};

static void bp_work_run(struct work_struct *work)
{
	struct bp_work *bw = container_of(work, struct bp_work, work);

	bw->fn(bw->data);
}

static enum hrtimer_restart bp_work_timer(struct hrtimer *timer)
{
	struct bp_work *bw = container_of(timer, struct bp_work, timer);

	queue_work(system_highpri_wq, &bw->work);
	return HRTIMER_NORESTART;
}

struct bp_work *bp_work_new(void (*fn)(void *data))
{
	struct bp_work *bw = kzalloc(sizeof(*bw), GFP_KERNEL);

	if (!bw)
		return NULL;
	INIT_WORK(&bw->work, bp_work_run);
	hrtimer_init(&bw->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL);
	bw->timer.function = bp_work_timer;
	bw->fn = fn;
	return bw;
}

/* Before the first kick: the data the function gets. */
void bp_work_bind(struct bp_work *bw, void *data)
{
	bw->data = data;
}

/* Runs it soon, even when armed for later (the timer runs it once more). Any context. */
void bp_work_kick(struct bp_work *bw)
{
	queue_work(system_highpri_wq, &bw->work);
}

/* Runs it after delay_ns; replaces the time it was armed for. */
void bp_work_arm(struct bp_work *bw, u64 delay_ns)
{
	hrtimer_start(&bw->timer, ns_to_ktime(min_t(u64, delay_ns, KTIME_MAX)), HRTIMER_MODE_REL);
}

/*
 * Returns once it is neither armed, queued nor running, provided the function no longer arms
 * it (the device's teardown marks it stopped first); the second cancel catches a run that
 * armed it before that.
 */
void bp_work_cancel(struct bp_work *bw)
{
	hrtimer_cancel(&bw->timer);
	cancel_work_sync(&bw->work);
	hrtimer_cancel(&bw->timer);
}

void bp_work_free(struct bp_work *bw)
{
	bp_work_cancel(bw);
	kfree(bw);
}

u64 bp_now_ns(void)
{
	return ktime_get_ns();
}
