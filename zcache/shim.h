/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between zcache's C glue and its Rust engine. The C files, one job each:
 * disk.c (attach and detach, the stacking disk's bio path), trace.c (the page-cache eviction
 * tracepoint found by name), pool.c (the low-priority workers), mem.c (lz4, zsmalloc, the
 * shrinker), sysfs.c (the control files, the per-disk attributes, module parameters). ffi.rs
 * mirrors every declaration here.
 */
#ifndef ZCACHE_SHIM_H
#define ZCACHE_SHIM_H

#include <linux/types.h>

struct zc_pool;
struct zc_probe;
struct zc_shrinker;
struct zs_pool;
struct gendisk;
struct block_device;

/* Implemented in Rust (ffi.rs), called from C. */
void *zc_rs_new(const char *name, const char *lower, bool tracepoint, unsigned int staging,
		unsigned int workers);
void zc_rs_free(void *rs);
void zc_rs_no_tracepoint(void *rs);
u64 zc_rs_read_seq(void *rs);
u64 zc_rs_run(void *rs, u64 sector, u64 nr, bool *hit);
int zc_rs_fill(void *rs, u64 sector, void *dst, const void *mapping, u64 index, u64 seq);
bool zc_rs_recording(void *rs);
bool zc_rs_read_done(void *rs, u64 sector, const void *data, const void *mapping, u64 index,
		     u64 seq);
void zc_rs_write_begin(void *rs, u64 sector, u64 nr);
void zc_rs_write_end(void *rs, u64 sector, u64 nr);
bool zc_rs_evict(void *rs, const void *mapping, u64 index, bool reclaim, bool cacheable,
		 const void *src);
bool zc_rs_has_work(void *rs);
void zc_rs_work(void *rs, unsigned int id);
unsigned long zc_rs_count(void *rs);
unsigned long zc_rs_scan(void *rs, unsigned long nr);
ssize_t zc_rs_show(void *rs, const char *attr, char *buf);
ssize_t zc_rs_store(void *rs, const char *attr, const char *buf, size_t len);
int zc_rs_attach(const char *buf, size_t len);
int zc_rs_detach(const char *buf, size_t len);

/* sysfs.c */
int zc_sysfs_init(void);
void zc_sysfs_exit(void);
bool zc_param_tracepoint(void);
unsigned int zc_param_staging(void);
extern const struct attribute_group *zc_disk_groups[];

/* disk.c */
int zc_attach(const char *path);
int zc_detach(int id);
void zc_detach_all(void);
int zc_disk_init(void);
void zc_disk_exit(void);
struct device;
void *zc_dev_rs(struct device *dev);

/* trace.c */
struct zc_probe *zc_probe_attach(struct block_device *bdev, void *rs, struct zc_pool *pool);
void zc_probe_detach(struct zc_probe *probe);

/* pool.c */
struct zc_pool *zc_pool_start(void *rs, const char *name, unsigned int n);
void zc_pool_wake(struct zc_pool *pool);
void zc_pool_stop(struct zc_pool *pool);
unsigned int zc_pool_default_workers(void);

/* mem.c */
unsigned int zc_lz4_wrkmem_size(void);
int zc_lz4_compress(const void *src, unsigned int slen, void *dst, unsigned int dcap, void *wrk);
struct zs_pool *zc_zs_create(const char *name);
void zc_zs_destroy(struct zs_pool *pool);
unsigned long zc_zs_store(struct zs_pool *pool, const void *src, size_t len);
int zc_zs_load(struct zs_pool *pool, unsigned long handle, size_t len, void *dst);
void zc_zs_free(struct zs_pool *pool, unsigned long handle);
u64 zc_zs_pages(struct zs_pool *pool);
u64 zc_total_pages(void);
unsigned int zc_online_cpus(void);
struct zc_shrinker *zc_shrinker_start(void *rs, const char *name);
void zc_shrinker_stop(struct zc_shrinker *s);

#endif
