// SPDX-License-Identifier: GPL-2.0
/*
 * Request issue and completion, seen through the block layer's tracepoints. 6.12 does not
 * export them to modules, but the core kernel's tracepoints can be found by name and probed
 * (needs CONFIG_TRACEPOINTS). The probes have the tracepoints' exact C prototypes, which kCFI
 * checks, and run in any context: they only compare a pointer and call the lock-free Rust hooks.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>

#include "shim.h"

/* The policy's view of a request: its kind and the flags that say someone waits for it. */
u8 bp_rq_op(const struct request *rq)
{
	blk_opf_t opf = rq->cmd_flags;
	u8 op = 0;

	switch (opf & REQ_OP_MASK) {
	case REQ_OP_READ:
		op = BP_OP_READ;
		break;
	case REQ_OP_WRITE:
		op = BP_OP_WRITE;
		break;
	case REQ_OP_FLUSH:
		op = BP_OP_FLUSH;
		break;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
	case REQ_OP_WRITE_ZEROES:
		op = BP_OP_DISCARD;
		break;
	default:
		break;
	}
	if (opf & REQ_SYNC)
		op |= BP_OP_SYNC;
	if (opf & REQ_FUA)
		op |= BP_OP_FUA;
	if (opf & REQ_PREFLUSH)
		op |= BP_OP_PREFLUSH;
	return op;
}

#ifdef CONFIG_TRACEPOINTS

struct bp_probes {
	struct request_queue *q;
	void *rs;
	struct tracepoint *issue, *complete, *requeue;
};

static void bp_tp_find(struct tracepoint *tp, void *priv)
{
	struct bp_probes *p = priv;

	if (!strcmp(tp->name, "block_rq_issue"))
		p->issue = tp;
	else if (!strcmp(tp->name, "block_rq_complete"))
		p->complete = tp;
	else if (!strcmp(tp->name, "block_rq_requeue"))
		p->requeue = tp;
}

static void bp_probe_issue(void *data, struct request *rq)
{
	struct bp_probes *p = data;

	if (rq->q == p->q)
		bp_rs_issue(p->rs, bp_rq_op(rq), ktime_get_ns());
}

/* Fired for each partial completion too: only the last one ends the request. */
static void bp_probe_complete(void *data, struct request *rq, blk_status_t error,
			      unsigned int nr_bytes)
{
	struct bp_probes *p = data;

	if (rq->q == p->q && nr_bytes >= blk_rq_bytes(rq))
		bp_rs_complete(p->rs);
}

/* A requeued request leaves the device; it is issued again later. Not-started ones never came. */
static void bp_probe_requeue(void *data, struct request *rq)
{
	struct bp_probes *p = data;

	if (rq->q == p->q && blk_mq_request_started(rq))
		bp_rs_complete(p->rs);
}

struct bp_probes *bp_probes_attach(struct gendisk *disk, void *rs)
{
	struct bp_probes *p = kzalloc(sizeof(*p), GFP_KERNEL);
	int err;

	if (!p)
		return ERR_PTR(-ENOMEM);
	p->q = disk->queue;
	p->rs = rs;
	for_each_kernel_tracepoint(bp_tp_find, p);
	if (!p->issue || !p->complete || !p->requeue) {
		kfree(p);
		return ERR_PTR(-ENOENT);
	}
	err = tracepoint_probe_register(p->complete, (void *)bp_probe_complete, p);
	if (err)
		goto err_free;
	err = tracepoint_probe_register(p->requeue, (void *)bp_probe_requeue, p);
	if (err)
		goto err_complete;
	/* Issue last: a request counted in is always counted out. */
	err = tracepoint_probe_register(p->issue, (void *)bp_probe_issue, p);
	if (err)
		goto err_requeue;
	return p;

err_requeue:
	tracepoint_probe_unregister(p->requeue, (void *)bp_probe_requeue, p);
err_complete:
	tracepoint_probe_unregister(p->complete, (void *)bp_probe_complete, p);
	tracepoint_synchronize_unregister();
err_free:
	kfree(p);
	return ERR_PTR(err);
}

/* Returns once no probe runs any more: the caller may free what the probes reach. */
void bp_probes_detach(struct bp_probes *p)
{
	tracepoint_probe_unregister(p->issue, (void *)bp_probe_issue, p);
	tracepoint_probe_unregister(p->requeue, (void *)bp_probe_requeue, p);
	tracepoint_probe_unregister(p->complete, (void *)bp_probe_complete, p);
	tracepoint_synchronize_unregister();
	kfree(p);
}

#else /* !CONFIG_TRACEPOINTS */

struct bp_probes *bp_probes_attach(struct gendisk *disk, void *rs)
{
	return ERR_PTR(-EOPNOTSUPP);
}

void bp_probes_detach(struct bp_probes *p)
{
}

#endif
