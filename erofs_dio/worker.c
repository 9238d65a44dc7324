// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio decode helpers: a pcluster of a large read decoded by a kworker, on whatever CPU
 * is free, while the reader decodes the next one itself. The reader then takes the decode
 * back if no worker has started it (every CPU busy), so a loaded system pays only for queueing
 * it, never for waiting on it. Nothing is handed while there are as many requests as CPUs:
 * each CPU has one of its own to decode, and a hand-off would only add switches.
 */
#include <linux/cpumask.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/workqueue.h>

#include "internal.h"

/* Requests being read now, on every mount: each keeps a CPU busy decoding. */
static atomic_t erd_readers = ATOMIC_INIT(0);

void erd_shim_reader_begin(void)
{
	atomic_inc(&erd_readers);
}

void erd_shim_reader_end(void)
{
	atomic_dec(&erd_readers);
}

struct erd_job {
	struct work_struct work;
	const u8 *src;
	u8 *dst;
	size_t slen, dlen;
	u32 alg, dict_size;
	bool partial;
	int ret;
};

static void erd_job_decode(struct erd_job *j)
{
	j->ret = erd_shim_decompress(j->alg, j->src, j->slen, j->dst, j->dlen, j->partial,
				     j->dict_size);
}

static void erd_job_work(struct work_struct *work)
{
	erd_job_decode(container_of(work, struct erd_job, work));
	atomic64_inc(&erd_helper_decodes);
}

void *erd_shim_job_start(u32 alg, const u8 *src, size_t slen, u8 *dst, size_t dlen,
			 bool partial, u32 dict_size)
{
	struct erd_job *j;
	unsigned int cpu;

	/* No CPU to spare: as many requests as CPUs already decode. */
	if (atomic_read(&erd_readers) >= num_online_cpus())
		return NULL;
	j = kmalloc(sizeof(*j), GFP_KERNEL | __GFP_NOWARN);
	if (!j)
		return NULL;
	*j = (struct erd_job){
		.src = src, .dst = dst, .slen = slen, .dlen = dlen,
		.alg = alg, .dict_size = dict_size, .partial = partial,
	};
	INIT_WORK(&j->work, erd_job_work);
	/*
	 * On the next CPU's pod: an unbound work item stays in the queuing CPU's cache domain,
	 * which on a guest (or a part) without shared cache info is that CPU alone.
	 */
	cpu = cpumask_next(raw_smp_processor_id(), cpu_online_mask);
	if (cpu >= nr_cpu_ids)
		cpu = cpumask_first(cpu_online_mask);
	queue_work_on(cpu, system_unbound_wq, &j->work);
	atomic64_inc(&erd_handed_decodes);
	return j;
}

int erd_shim_job_finish(void *job)
{
	struct erd_job *j = job;
	int ret;

	/* Still queued: cancelled, and decoded here. Running or done: waited for. */
	if (cancel_work_sync(&j->work))
		erd_job_decode(j);
	ret = j->ret;
	kfree(j);
	return ret;
}
