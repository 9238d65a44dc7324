/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What erofs_dio's C files share: the in-memory inode and the few functions one file calls in
 * another. The interface with the Rust engine is shim.h.
 */
#ifndef ERD_INTERNAL_H
#define ERD_INTERNAL_H

#include <linux/atomic.h>
#include <linux/fs.h>

#include "shim.h"

#define EFSCORRUPTED	EUCLEAN

struct erd_inode {
	void *rs;	/* the engine's FileMap, owned (freed by erd_rs_file_free) */
	char *link;	/* symlink target, NUL-terminated */
	struct inode vfs;
};

static inline struct erd_inode *EI(struct inode *inode)
{
	return container_of(inode, struct erd_inode, vfs);
}

/* inode.c */
struct inode *erd_iget(struct super_block *sb, u64 nid);

/* decompress.c */
void erd_decompress_exit(void);

/* stats.c: counted by io.c and the engine, shown in debugfs */
extern atomic64_t erd_direct_reads;
extern atomic64_t erd_direct_bytes;
extern atomic64_t erd_bounce_reads;
extern atomic64_t erd_cache_hits;
extern atomic64_t erd_mapped_decodes;
extern atomic64_t erd_ahead_reads;
extern atomic64_t erd_ahead_used;
extern atomic64_t erd_mapped_copies;
extern atomic64_t erd_large_folios;
extern atomic64_t erd_handed_decodes;
extern atomic64_t erd_helper_decodes;
extern atomic64_t erd_ns_device;
extern atomic64_t erd_ns_meta;
extern atomic64_t erd_ns_decode;
extern atomic64_t erd_ns_copy;
extern atomic64_t erd_ns_map;
extern atomic64_t erd_ns_lookup;
extern atomic64_t erd_ns_iget;
void erd_stats_init(void);
void erd_stats_exit(void);

#endif
