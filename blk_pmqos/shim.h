/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between blk_pmqos's C glue and its Rust engine. The C files, one job each:
 * sysfs.c (the control and per-disk directories), disk.c (a disk by name, its devfreq, the
 * PM-QoS request), trace.c (block request tracepoints found by name), sample.c (busy tags
 * sampled when there are no tracepoints), watch.c (the disk's devices going away), work.c (the
 * delayed work item and the clock). ffi.rs mirrors every declaration here.
 */
#ifndef BLK_PMQOS_SHIM_H
#define BLK_PMQOS_SHIM_H

#include <linux/types.h>

struct gendisk;
struct devfreq;
struct bp_qos;
struct request;
struct bp_work;
struct bp_probes;
struct bp_sampler;
struct bp_dir;
struct bp_watch;

/*
 * A request's kind and flags, as the policy crate's Op bits (policy/op.rs); ffi.rs checks the
 * values at compile time.
 */
#define BP_OP_READ 0x01
#define BP_OP_WRITE 0x02
#define BP_OP_FLUSH 0x04
#define BP_OP_DISCARD 0x08
#define BP_OP_SYNC 0x10
#define BP_OP_FUA 0x20
#define BP_OP_PREFLUSH 0x40
u8 bp_rq_op(const struct request *rq);

/* Implemented in Rust (ffi.rs), called from C. */
int bp_rs_attach(void *ctx, const char *buf, size_t len);
int bp_rs_detach(void *ctx, const char *buf, size_t len);
ssize_t bp_rs_list(void *ctx, char *buf);
void bp_rs_reap(void *ctx);
ssize_t bp_rs_show(void *rs, const char *attr, char *buf);
ssize_t bp_rs_store(void *rs, const char *attr, const char *buf, size_t len);
/* The per-request path: lock-free, any context. */
void bp_rs_issue(void *rs, u8 op, u64 now_ns);
void bp_rs_complete(void *rs);
void bp_rs_sample(void *rs, u32 depth);
void bp_rs_seen(void *rs, u8 op, u32 depth, u64 now_ns);
void bp_rs_gone(void *rs);

/* sysfs.c */
bool bp_sample_only(void);
int bp_sysfs_init(void *ctx);
void bp_sysfs_close(void);
void bp_sysfs_exit(void);
struct bp_dir *bp_dir_add(const char *name, void *rs);
void bp_dir_del(struct bp_dir *dir);

/* disk.c */
struct gendisk *bp_disk_get(const char *name);
void bp_disk_put(struct gendisk *disk);
const char *bp_disk_name(const struct gendisk *disk);
struct devfreq *bp_devfreq_find(struct gendisk *disk);
void bp_devfreq_put(struct devfreq *df);
const char *bp_devfreq_name(const struct devfreq *df);
unsigned int bp_devfreq_freqs(struct devfreq *df, u64 *min_hz, u64 *max_hz, u64 *table,
			      unsigned int cap);
struct bp_qos *bp_qos_add(struct devfreq *df);
int bp_qos_update(struct bp_qos *qos, s32 khz);
void bp_qos_remove(struct bp_qos *qos);

/* trace.c */
struct bp_probes *bp_probes_attach(struct gendisk *disk, void *rs);
void bp_probes_detach(struct bp_probes *probes);

/* sample.c */
struct bp_sampler *bp_sampler_start(struct gendisk *disk, void *rs, u32 period_us);
void bp_sampler_stop(struct bp_sampler *sampler);

/* watch.c */
struct bp_watch *bp_watch_start(struct gendisk *disk, struct devfreq *df, void *rs);
void bp_watch_stop(struct bp_watch *watch);
void bp_reap_init(void *ctx);
void bp_reap_schedule(void);
void bp_reap_cancel(void);

/* work.c */
struct bp_work *bp_work_new(void (*fn)(void *data));
void bp_work_bind(struct bp_work *work, void *data);
void bp_work_kick(struct bp_work *work);
void bp_work_arm(struct bp_work *work, u64 delay_ns);
void bp_work_cancel(struct bp_work *work);
void bp_work_free(struct bp_work *work);
u64 bp_now_ns(void);

#endif
