// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio's read counters, read-only in debugfs for the tests and the bench: how many device
 * reads went straight into the caller's buffer, with how many bytes, and how many through
 * bounce pages (see io.c); how many decoded pclusters came from the mount's cache, and how
 * many extents were decoded straight into the reader's mapped destination (dest.c); how many
 * runs of pclusters were read ahead and how many of them were then decoded; how many folios of
 * more than one page readahead filled (large folios need THP in the kernel); how many decodes
 * a reader handed to a kworker and how many a kworker ran (the rest were taken back); and the
 * time spent (ns, all readers summed) waiting for data reads, reading metadata, decoding and
 * copying to the caller, pinning, mapping, unmapping and releasing decode targets, and in
 * directory lookups and inode setup (the engine's part of opening a file, metadata reads
 * included), so each cost of the read path is measured apart.
 * Without debugfs they count unseen and the module loads all the same.
 */
#include <linux/debugfs.h>

#include "internal.h"

atomic64_t erd_direct_reads;
atomic64_t erd_direct_bytes;
atomic64_t erd_bounce_reads;
atomic64_t erd_cache_hits;
atomic64_t erd_mapped_decodes;
atomic64_t erd_ahead_reads;
atomic64_t erd_ahead_used;
atomic64_t erd_mapped_copies;
atomic64_t erd_large_folios;
atomic64_t erd_handed_decodes;
atomic64_t erd_helper_decodes;
atomic64_t erd_ns_device;
atomic64_t erd_ns_meta;
atomic64_t erd_ns_decode;
atomic64_t erd_ns_copy;
atomic64_t erd_ns_map;
atomic64_t erd_ns_lookup;
atomic64_t erd_ns_iget;
static struct dentry *erd_debugfs;

static int erd_counter_get(void *data, u64 *val)
{
	*val = atomic64_read(data);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(erd_counter_fops, erd_counter_get, NULL, "%llu\n");

static const struct {
	const char *name;
	atomic64_t *counter;
} erd_counters[] = {
	{ "direct_reads", &erd_direct_reads },
	{ "direct_bytes", &erd_direct_bytes },
	{ "bounce_reads", &erd_bounce_reads },
	{ "cache_hits", &erd_cache_hits },
	{ "mapped_decodes", &erd_mapped_decodes },
	{ "ahead_reads", &erd_ahead_reads },
	{ "ahead_used", &erd_ahead_used },
	{ "mapped_copies", &erd_mapped_copies },
	{ "large_folios", &erd_large_folios },
	{ "handed_decodes", &erd_handed_decodes },
	{ "helper_decodes", &erd_helper_decodes },
	{ "ns_device", &erd_ns_device },
	{ "ns_meta", &erd_ns_meta },
	{ "ns_decode", &erd_ns_decode },
	{ "ns_copy", &erd_ns_copy },
	{ "ns_map", &erd_ns_map },
	{ "ns_lookup", &erd_ns_lookup },
	{ "ns_iget", &erd_ns_iget },
};

/* debugfs failures are not checked: its functions take an error parent and do nothing. */
void erd_stats_init(void)
{
	unsigned int i;

	erd_debugfs = debugfs_create_dir("erofs_dio", NULL);
	for (i = 0; i < ARRAY_SIZE(erd_counters); i++)
		debugfs_create_file_unsafe(erd_counters[i].name, 0444, erd_debugfs,
					   erd_counters[i].counter, &erd_counter_fops);
}

void erd_stats_exit(void)
{
	debugfs_remove(erd_debugfs);
}

void erd_shim_count(u32 what)
{
	switch (what) {
	case ERD_COUNT_CACHE_HIT:
		atomic64_inc(&erd_cache_hits);
		break;
	case ERD_COUNT_MAPPED_DECODE:
		atomic64_inc(&erd_mapped_decodes);
		break;
	case ERD_COUNT_AHEAD_USED:
		atomic64_inc(&erd_ahead_used);
		break;
	case ERD_COUNT_MAPPED_COPY:
		atomic64_inc(&erd_mapped_copies);
		break;
	}
}
