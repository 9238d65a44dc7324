// SPDX-License-Identifier: GPL-2.0
/*
 * The async pool: kernel threads at the lowest priority (a workqueue's workers cannot be
 * given a nice value by a module) that store staged pages. The eviction probe wakes them with
 * interrupts off: wake_up only takes IRQ-safe locks.
 */
#include <linux/kthread.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/wait.h>

#include "shim.h"

struct zc_worker {
	struct zc_pool *pool;
	struct task_struct *task;
	unsigned int id;
};

struct zc_pool {
	void *rs;
	wait_queue_head_t wq;
	bool stop;
	unsigned int n;
	struct zc_worker w[];
};

static int zc_worker_fn(void *data)
{
	struct zc_worker *w = data;
	struct zc_pool *p = w->pool;

	set_user_nice(current, MAX_NICE);
	for (;;) {
		wait_event_interruptible(p->wq, zc_rs_has_work(p->rs) || READ_ONCE(p->stop));
		if (READ_ONCE(p->stop))
			break;
		zc_rs_work(p->rs, w->id);
		cond_resched();
	}
	return 0;
}

unsigned int zc_pool_default_workers(void)
{
	return clamp_t(unsigned int, num_online_cpus(), 1, 4);
}

struct zc_pool *zc_pool_start(void *rs, const char *name, unsigned int n)
{
	struct zc_pool *p = kzalloc(struct_size(p, w, n), GFP_KERNEL);
	unsigned int i;

	if (!p)
		return ERR_PTR(-ENOMEM);
	p->rs = rs;
	init_waitqueue_head(&p->wq);
	for (i = 0; i < n; i++) {
		struct task_struct *t;

		p->w[i].pool = p;
		p->w[i].id = i;
		t = kthread_run(zc_worker_fn, &p->w[i], "%s-%u", name, i);
		if (IS_ERR(t)) {
			zc_pool_stop(p);
			return ERR_CAST(t);
		}
		get_task_struct(t);
		p->w[i].task = t;
		p->n = i + 1;
	}
	return p;
}

/* Any context, interrupts off included. */
void zc_pool_wake(struct zc_pool *p)
{
	if (wq_has_sleeper(&p->wq))
		wake_up(&p->wq);
}

/* Returns once every worker has returned. */
void zc_pool_stop(struct zc_pool *p)
{
	unsigned int i;

	WRITE_ONCE(p->stop, true);
	wake_up_all(&p->wq);
	for (i = 0; i < p->n; i++) {
		kthread_stop(p->w[i].task);
		put_task_struct(p->w[i].task);
	}
	kfree(p);
}
