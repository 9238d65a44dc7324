// SPDX-License-Identifier: GPL-2.0
/*
 * Without tracepoints, requests are seen by sampling the disk's busy tags from an hrtimer
 * (softirq): the depth is the number of started requests of the queue, and a request is new
 * when it started after every request seen before. A request shorter than the period may be
 * missed; one that waits longer is always seen.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/hrtimer.h>
#include <linux/slab.h>

#include "shim.h"

/* New requests reported per sample; more are counted in the depth only. */
#define BP_SAMPLE_NEW 32

struct bp_sampler {
	struct hrtimer timer;
	struct request_queue *q;
	void *rs;
	u64 period_ns;
	u64 newest_ns;
};

struct bp_sample {
	struct bp_sampler *s;
	u32 depth;
	u32 nr_new;
	u64 newest_ns;
	u8 ops[BP_SAMPLE_NEW];
};

static bool bp_sample_rq(struct request *rq, void *priv)
{
	struct bp_sample *smp = priv;

	if (rq->q != smp->s->q)
		return true;
	smp->depth++;
	/* Without time stamps (no I/O accounting) every sample sees the request as new. */
	if (!rq->start_time_ns || rq->start_time_ns > smp->s->newest_ns) {
		if (smp->nr_new < BP_SAMPLE_NEW)
			smp->ops[smp->nr_new++] = bp_rq_op(rq);
		smp->newest_ns = max(smp->newest_ns, rq->start_time_ns);
	}
	return true;
}

static enum hrtimer_restart bp_sample(struct hrtimer *timer)
{
	struct bp_sampler *s = container_of(timer, struct bp_sampler, timer);
	struct bp_sample smp = { .s = s };
	u64 now = ktime_get_ns();
	u32 i;

	blk_mq_tagset_busy_iter(s->q->tag_set, bp_sample_rq, &smp);
	s->newest_ns = max(s->newest_ns, smp.newest_ns);
	bp_rs_sample(s->rs, smp.depth);
	for (i = 0; i < smp.nr_new; i++)
		bp_rs_seen(s->rs, smp.ops[i], smp.depth, now);
	hrtimer_forward_now(timer, ns_to_ktime(s->period_ns));
	return HRTIMER_RESTART;
}

struct bp_sampler *bp_sampler_start(struct gendisk *disk, void *rs, u32 period_us)
{
	struct bp_sampler *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return ERR_PTR(-ENOMEM);
	s->q = disk->queue;
	s->rs = rs;
	s->period_ns = (u64)max(period_us, 100U) * NSEC_PER_USEC;
	s->newest_ns = ktime_get_ns();
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_SOFT);
	s->timer.function = bp_sample;
	hrtimer_start(&s->timer, ns_to_ktime(s->period_ns), HRTIMER_MODE_REL_SOFT);
	return s;
}

/* Returns once the sampler no longer runs; it must stop before the disk's tag set is freed. */
void bp_sampler_stop(struct bp_sampler *s)
{
	hrtimer_cancel(&s->timer);
	kfree(s);
}
