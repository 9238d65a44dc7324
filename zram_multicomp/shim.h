/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between zram_multicomp's C glue (shim.c: gendisk, blk-mq, sysfs tables,
 * module parameters, the control class) and its Rust engine (everything else). ffi.rs mirrors
 * every declaration here.
 */
#ifndef ZMC_SHIM_H
#define ZMC_SHIM_H

#include <linux/types.h>

/* Implemented in Rust (ffi.rs), called from C. */
void *zmc_rs_dev_new(int id);
void zmc_rs_dev_free(void *rs);
ssize_t zmc_rs_show(void *rs, const char *attr, char *buf);
ssize_t zmc_rs_store(void *rs, const char *attr, const char *buf, size_t len);
u64 zmc_rs_disksize(void *rs);
void zmc_rs_reset(void *rs);
int zmc_rs_rw(void *rs, bool write, u64 sector, void *buf, u32 len);
int zmc_rs_discard(void *rs, u64 sector, u64 nr_sectors);
void zmc_rs_slot_free_notify(void *rs, unsigned long index);

/* Implemented in C (shim.c), called from Rust. */
int zmc_shim_init(void);
void zmc_shim_exit(void);
unsigned int zmc_shim_nr_cpus(void);
u64 zmc_shim_now_ns(void);
unsigned long zmc_shim_zs_malloc(void *pool, size_t size, bool direct_reclaim);
bool zmc_shim_zs_handle_ok(unsigned long handle);
void *zmc_shim_zs_map(void *pool, unsigned long handle, bool write);
void zmc_shim_zs_unmap(void *pool, unsigned long handle);
u64 zmc_shim_zs_pages_compacted(void *pool);
void *zmc_shim_thread_run(int (*fn)(void *), void *data, int id, unsigned int n);
int zmc_shim_thread_stop(void *task);
void zmc_shim_warn(const char *what);
u64 zmc_shim_thread_cpu_ns(void);
void zmc_shim_cond_resched(void);
void zmc_shim_set_nice(int nice);
unsigned long zmc_shim_msecs_to_jiffies(unsigned int ms);
u64 zmc_shim_available_pages(void);
u64 zmc_shim_total_pages(void);

#endif
