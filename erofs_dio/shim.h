/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The interface between erofs_dio's C glue (io.c: bios and metadata reads; decompress.c: the
 * kernel's decompression libraries; dest.c: a read's destination mapped for decoding into it;
 * inode.c: inode, file and address-space operations;
 * super.c: the filesystem type and super block; stats.c: counters) and its Rust engine
 * (everything else). ffi.rs mirrors
 * every declaration here.
 */
#ifndef ERD_SHIM_H
#define ERD_SHIM_H

#include <linux/types.h>

/* What the engine tells the glue about an inode. Keep in step with ffi.rs (Stat). */
struct erd_stat {
	u64 size;
	u64 mtime;
	u64 blocks;	/* 512-byte units */
	u32 mtime_nsec;
	u32 uid;
	u32 gid;
	u32 nlink;
	u32 rdev;
	u16 mode;
	u16 pad;
};

/*
 * A page of the block device's page cache held across metadata reads (erd_shim_meta_read), a
 * reference owned by the engine's Meta. Keep in step with ffi.rs (MetaBuf).
 */
struct erd_metabuf {
	struct page *page;	/* NULL: none held */
	unsigned long index;	/* its index in the device's page cache */
};

/* Algorithms of erd_shim_decompress. Keep in step with ffi.rs (Codec). */
enum erd_alg {
	ERD_ALG_LZ4,
	ERD_ALG_ZSTD,
	ERD_ALG_DEFLATE,
	ERD_ALG_LZMA,
};

/* Events of erd_shim_count. Keep in step with ffi.rs (Event). */
enum erd_count {
	ERD_COUNT_CACHE_HIT,
	ERD_COUNT_MAPPED_DECODE,
	ERD_COUNT_AHEAD_USED,
	ERD_COUNT_MAPPED_COPY,
};

/* Implemented in Rust (ffi.rs), called from C. */
void *erd_rs_mount(void *sb, int *err, u64 *root_nid, u32 *blkszbits);
void erd_rs_unmount(void *mnt);
int erd_rs_iget(void *mnt, u64 nid, struct erd_stat *st, void **file);
void erd_rs_file_free(void *file);
int erd_rs_lookup(void *mnt, void *dir, const u8 *name, u32 len, u64 *nid);
int erd_rs_readdir(void *mnt, void *dir, void *dctx, u64 pos);
ssize_t erd_rs_read(void *mnt, void *file, u64 pos, u8 *buf, size_t len);
ssize_t erd_rs_read_iter(void *mnt, void *file, u64 pos, size_t len, void *iter);
int erd_rs_window_end(void *mnt, void *file, u64 pos, u64 len, u64 *end);

/* Implemented in C, called from Rust. */
int erd_shim_register(void);
void erd_shim_unregister(void);
int erd_shim_dev_read(void *sb, u64 pos, u8 *buf, size_t len);
int erd_shim_dev_submit(void *sb, u64 pos, u8 *buf, size_t len, void **handle);
int erd_shim_dev_wait(void *handle);
int erd_shim_meta_read(void *sb, struct erd_metabuf *mb, u64 pos, u8 *buf, size_t len);
void erd_shim_meta_release(struct erd_metabuf *mb);
bool erd_shim_dir_emit(void *dctx, const u8 *name, u32 len, u64 nid, u8 ftype, u64 pos, u64 next);
void erd_shim_dir_set_pos(void *dctx, u64 pos);
void erd_shim_count(u32 what);
size_t erd_shim_copy_to_iter(const u8 *buf, size_t len, void *iter);
bool erd_shim_iter_is_kernel(void *iter);
void *erd_shim_dest_map(void *iter, size_t len, void **handle);
void erd_shim_dest_unmap(void *handle);
int erd_shim_decompress(u32 alg, const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial,
			u32 dict_size);
void *erd_shim_job_start(u32 alg, const u8 *src, size_t slen, u8 *dst, size_t dlen,
			 bool partial, u32 dict_size);
int erd_shim_job_finish(void *job);
void erd_shim_reader_begin(void);
void erd_shim_reader_end(void);

#endif
