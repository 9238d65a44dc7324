// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio's read counters, read-only in debugfs for the tests: how many device reads went
 * straight into the caller's buffer, with how many bytes, and how many through bounce pages
 * (see io.c); how many decoded pclusters came from the mount's cache. Without debugfs they
 * count unseen and the module loads all the same.
 */
#include <linux/debugfs.h>

#include "internal.h"

atomic64_t erd_direct_reads;
atomic64_t erd_direct_bytes;
atomic64_t erd_bounce_reads;
atomic64_t erd_cache_hits;
static struct dentry *erd_debugfs;

static int erd_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(erd_counter_fops, erd_counter_get, NULL, "%llu\n");

/* debugfs failures are not checked: its functions take an error parent and do nothing. */
void erd_stats_init(void)
{
	erd_debugfs = debugfs_create_dir("erofs_dio", NULL);
	debugfs_create_file_unsafe("direct_reads", 0444, erd_debugfs, &erd_direct_reads,
				   &erd_counter_fops);
	debugfs_create_file_unsafe("direct_bytes", 0444, erd_debugfs, &erd_direct_bytes,
				   &erd_counter_fops);
	debugfs_create_file_unsafe("bounce_reads", 0444, erd_debugfs, &erd_bounce_reads,
				   &erd_counter_fops);
	debugfs_create_file_unsafe("cache_hits", 0444, erd_debugfs, &erd_cache_hits,
				   &erd_counter_fops);
}

void erd_shim_cache_hit(void)
{
	atomic64_inc(&erd_cache_hits);
}

void erd_stats_exit(void)
{
	debugfs_remove(erd_debugfs);
}
