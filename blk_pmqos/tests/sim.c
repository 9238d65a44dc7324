// SPDX-License-Identifier: GPL-2.0
/*
 * blk_pmqos_sim: a simulated storage controller for blk_pmqos's guest tests, since no QEMU
 * device has storage devfreq. Each platform device pmqos_sim.N carries a blk-mq disk pmqsimN
 * and, unless created plain, a devfreq device with the simple_ondemand governor over four
 * frequencies, as ufshcd scales UFS clocks:
 *
 * - requests are served one after another, as by a single flash channel: each takes
 *   service_us (plus 2 us per KiB) at the highest frequency, scaled by highest / current
 *   frequency, and is completed by an hrtimer when its turn ends, so a low clock makes I/O
 *   slower and a queue of them keeps the device busy without gaps;
 * - busy time is "any request in flight", as ufshcd counts it, so the governor scales up
 *   under load and down when idle;
 * - reads return zeros, writes are dropped: only the timing matters.
 *
 * Hot-unplug: unbind pmqos_sim.0 from the driver (/sys/bus/platform/drivers/pmqos_sim/unbind),
 * or unload this module. The disk goes first, then the devfreq device, as with ufshcd.
 */
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/devfreq.h>
#include <linux/highmem.h>
#include <linux/hrtimer.h>
#include <linux/module.h>
#include <linux/platform_device.h>
#include <linux/pm_opp.h>
#include <linux/spinlock.h>

#define SIM_NAME "pmqos_sim"
#define SIM_SECTORS ((64ULL << 20) >> SECTOR_SHIFT)

static const unsigned long sim_freqs[] = { 100000000, 200000000, 400000000, 800000000 };
#define SIM_MAX_FREQ 800000000UL

static unsigned int service_us = 250;
module_param(service_us, uint, 0644);
MODULE_PARM_DESC(service_us, "Service time of a request at the highest frequency (us)");
static unsigned int polling_ms = 50;
module_param(polling_ms, uint, 0444);
MODULE_PARM_DESC(polling_ms, "devfreq polling interval of new devices (ms)");
static bool plain;
module_param(plain, bool, 0444);
MODULE_PARM_DESC(plain, "Also create pmqos_sim.1 (disk pmqsim1) with no devfreq");
/* Requests served at each frequency, lowest first, by every device with devfreq. */
static unsigned int served[ARRAY_SIZE(sim_freqs)];
static unsigned int nr_served = ARRAY_SIZE(sim_freqs);
module_param_array(served, uint, &nr_served, 0444);
MODULE_PARM_DESC(served, "Requests served at each frequency, lowest first (devices with devfreq)");

struct sim {
	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct devfreq *devfreq;
	struct devfreq_dev_profile profile;
	struct devfreq_simple_ondemand_data ondemand;
	unsigned long cur_freq;
	/* Busy time since the governor last asked: any request in flight counts. */
	spinlock_t lock;
	unsigned int inflight;
	/* When the last request queued to the single server ends. */
	u64 server_free_ns;
	u64 busy_start_ns;
	u64 busy_ns;
	u64 status_ns;
};

struct sim_cmd {
	struct hrtimer timer;
};

/* A request ends: busy time stops when none is left. */
static void sim_end(struct sim *sim)
{
	u64 now = ktime_get_ns();
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	if (sim->inflight && --sim->inflight == 0)
		sim->busy_ns += now - sim->busy_start_ns;
	spin_unlock_irqrestore(&sim->lock, flags);
}

/* A request starts: it is served after those before it; returns when it ends. */
static u64 sim_start(struct sim *sim, u64 service_ns)
{
	u64 now = ktime_get_ns(), end;
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	if (sim->inflight++ == 0)
		sim->busy_start_ns = now;
	end = max(now, sim->server_free_ns) + service_ns;
	sim->server_free_ns = end;
	spin_unlock_irqrestore(&sim->lock, flags);
	return end;
}

static enum hrtimer_restart sim_done(struct hrtimer *timer)
{
	struct sim_cmd *cmd = container_of(timer, struct sim_cmd, timer);
	struct request *rq = blk_mq_rq_from_pdu(cmd);

	sim_end(rq->q->queuedata);
	blk_mq_end_request(rq, BLK_STS_OK);
	return HRTIMER_NORESTART;
}

/* The time a request takes at the current frequency: inversely proportional to it. */
static u64 sim_service_ns(struct sim *sim, unsigned int bytes)
{
	unsigned long freq = READ_ONCE(sim->cur_freq) ?: SIM_MAX_FREQ;
	u64 ns = (u64)READ_ONCE(service_us) * NSEC_PER_USEC + (u64)(bytes >> 10) * 2000;
	int i;

	for (i = 0; sim->devfreq && i < ARRAY_SIZE(sim_freqs); i++)
		if (sim_freqs[i] == freq)
			data_race(served[i]++);

	return div64_ul(ns * (SIM_MAX_FREQ / 1000000), freq / 1000000 ?: 1);
}

static blk_status_t sim_queue_rq(struct blk_mq_hw_ctx *hctx, const struct blk_mq_queue_data *bd)
{
	struct request *rq = bd->rq;
	struct sim *sim = rq->q->queuedata;
	struct sim_cmd *cmd = blk_mq_rq_to_pdu(rq);
	struct req_iterator iter;
	struct bio_vec bv;
	u64 end;

	blk_mq_start_request(rq);
	if (req_op(rq) == REQ_OP_READ)
		rq_for_each_segment(bv, rq, iter)
			memzero_page(bv.bv_page, bv.bv_offset, bv.bv_len);
	end = sim_start(sim, sim_service_ns(sim, blk_rq_bytes(rq)));
	hrtimer_start(&cmd->timer, ns_to_ktime(end), HRTIMER_MODE_ABS);
	return BLK_STS_OK;
}

static int sim_init_request(struct blk_mq_tag_set *set, struct request *rq,
			    unsigned int hctx_idx, unsigned int numa_node)
{
	struct sim_cmd *cmd = blk_mq_rq_to_pdu(rq);

	hrtimer_init(&cmd->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS);
	cmd->timer.function = sim_done;
	return 0;
}

static const struct blk_mq_ops sim_mq_ops = {
	.queue_rq = sim_queue_rq,
	.init_request = sim_init_request,
};

static const struct block_device_operations sim_fops = {
	.owner = THIS_MODULE,
};

/* ---- devfreq ---- */

static int sim_target(struct device *dev, unsigned long *freq, u32 flags)
{
	struct sim *sim = dev_get_drvdata(dev);
	struct dev_pm_opp *opp = devfreq_recommended_opp(dev, freq, flags);

	if (IS_ERR(opp))
		return PTR_ERR(opp);
	*freq = dev_pm_opp_get_freq(opp);
	dev_pm_opp_put(opp);
	WRITE_ONCE(sim->cur_freq, *freq);
	return 0;
}

static int sim_get_dev_status(struct device *dev, struct devfreq_dev_status *stat)
{
	struct sim *sim = dev_get_drvdata(dev);
	u64 now = ktime_get_ns(), busy, total;
	unsigned long flags;

	spin_lock_irqsave(&sim->lock, flags);
	busy = sim->busy_ns;
	if (sim->inflight) {
		busy += now - sim->busy_start_ns;
		sim->busy_start_ns = now;
	}
	sim->busy_ns = 0;
	total = now - sim->status_ns;
	sim->status_ns = now;
	spin_unlock_irqrestore(&sim->lock, flags);

	/* Microseconds keep simple_ondemand's products far from overflow. */
	stat->busy_time = div_u64(min(busy, total), NSEC_PER_USEC);
	stat->total_time = div_u64(total, NSEC_PER_USEC);
	stat->current_frequency = READ_ONCE(sim->cur_freq);
	return 0;
}

static int sim_get_cur_freq(struct device *dev, unsigned long *freq)
{
	struct sim *sim = dev_get_drvdata(dev);

	*freq = READ_ONCE(sim->cur_freq);
	return 0;
}

static int sim_devfreq_add(struct device *dev, struct sim *sim)
{
	int i, err;

	for (i = 0; i < ARRAY_SIZE(sim_freqs); i++) {
		err = dev_pm_opp_add(dev, sim_freqs[i], 0);
		if (err)
			goto err_opp;
	}
	sim->cur_freq = sim_freqs[0];
	sim->profile = (struct devfreq_dev_profile){
		.initial_freq = sim_freqs[0],
		.polling_ms = polling_ms,
		.timer = DEVFREQ_TIMER_DELAYED,
		.target = sim_target,
		.get_dev_status = sim_get_dev_status,
		.get_cur_freq = sim_get_cur_freq,
	};
	/* Qualcomm's UFS tuning: scale up above 70% busy. */
	sim->ondemand.upthreshold = 70;
	sim->ondemand.downdifferential = 5;
	sim->devfreq = devfreq_add_device(dev, &sim->profile, DEVFREQ_GOV_SIMPLE_ONDEMAND,
					  &sim->ondemand);
	if (IS_ERR(sim->devfreq)) {
		err = PTR_ERR(sim->devfreq);
		sim->devfreq = NULL;
		goto err_opp;
	}
	return 0;

err_opp:
	dev_pm_opp_remove_all_dynamic(dev);
	return err;
}

/* ---- the platform device ---- */

static int sim_probe(struct platform_device *pdev)
{
	const bool *with_devfreq = dev_get_platdata(&pdev->dev);
	struct queue_limits lim = { .logical_block_size = 512 };
	struct sim *sim;
	int err;

	sim = devm_kzalloc(&pdev->dev, sizeof(*sim), GFP_KERNEL);
	if (!sim)
		return -ENOMEM;
	spin_lock_init(&sim->lock);
	sim->status_ns = ktime_get_ns();
	platform_set_drvdata(pdev, sim);

	/* The clock scaling exists before the disk, as ufshcd's does before its LUNs. */
	if (with_devfreq && *with_devfreq) {
		err = sim_devfreq_add(&pdev->dev, sim);
		if (err)
			return err;
	}

	sim->tag_set.ops = &sim_mq_ops;
	sim->tag_set.nr_hw_queues = 1;
	sim->tag_set.queue_depth = 64;
	sim->tag_set.numa_node = NUMA_NO_NODE;
	sim->tag_set.cmd_size = sizeof(struct sim_cmd);
	sim->tag_set.flags = BLK_MQ_F_SHOULD_MERGE;
	err = blk_mq_alloc_tag_set(&sim->tag_set);
	if (err)
		goto err_devfreq;
	sim->disk = blk_mq_alloc_disk(&sim->tag_set, &lim, sim);
	if (IS_ERR(sim->disk)) {
		err = PTR_ERR(sim->disk);
		goto err_tags;
	}
	snprintf(sim->disk->disk_name, DISK_NAME_LEN, "pmqsim%d", pdev->id);
	sim->disk->fops = &sim_fops;
	sim->disk->private_data = sim;
	set_capacity(sim->disk, SIM_SECTORS);
	err = device_add_disk(&pdev->dev, sim->disk, NULL);
	if (err)
		goto err_disk;
	return 0;

err_disk:
	put_disk(sim->disk);
err_tags:
	blk_mq_free_tag_set(&sim->tag_set);
err_devfreq:
	if (sim->devfreq) {
		devfreq_remove_device(sim->devfreq);
		dev_pm_opp_remove_all_dynamic(&pdev->dev);
	}
	return err;
}

static void sim_remove(struct platform_device *pdev)
{
	struct sim *sim = platform_get_drvdata(pdev);

	del_gendisk(sim->disk);
	put_disk(sim->disk);
	blk_mq_free_tag_set(&sim->tag_set);
	if (sim->devfreq) {
		devfreq_remove_device(sim->devfreq);
		dev_pm_opp_remove_all_dynamic(&pdev->dev);
	}
}

static struct platform_driver sim_driver = {
	.driver = { .name = SIM_NAME },
	.probe = sim_probe,
	.remove = sim_remove,
};

static struct platform_device *sim_pdevs[2];

static int __init sim_init(void)
{
	static const bool with_devfreq[2] = { true, false };
	int i, err;

	err = platform_driver_register(&sim_driver);
	if (err)
		return err;
	for (i = 0; i < (plain ? 2 : 1); i++) {
		sim_pdevs[i] = platform_device_register_data(NULL, SIM_NAME, i, &with_devfreq[i],
							     sizeof(with_devfreq[i]));
		if (IS_ERR(sim_pdevs[i])) {
			err = PTR_ERR(sim_pdevs[i]);
			sim_pdevs[i] = NULL;
			goto err;
		}
	}
	return 0;

err:
	while (i--)
		platform_device_unregister(sim_pdevs[i]);
	platform_driver_unregister(&sim_driver);
	return err;
}

static void __exit sim_exit(void)
{
	int i;

	for (i = ARRAY_SIZE(sim_pdevs) - 1; i >= 0; i--)
		if (sim_pdevs[i])
			platform_device_unregister(sim_pdevs[i]);
	platform_driver_unregister(&sim_driver);
}

module_init(sim_init);
module_exit(sim_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("rfl-phone-suite");
MODULE_DESCRIPTION("Simulated devfreq-scaled block device for blk_pmqos's tests");
