// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio decompressors: thin wrappers over the kernel's lz4, zstd, zlib and xz libraries.
 * Each returns the number of bytes written, or a negative errno: EFSCORRUPTED for bad input,
 * ENOMEM when a workspace cannot be had.
 */
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/xz.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "internal.h"

/* The largest zstd window accepted (erofs's own limit for its workspaces). */
#define ERD_ZSTD_MAX_WINDOW	(16U << 20)

/*
 * Workspaces live across reads, as erofs keeps its decompression streams: at most one per
 * possible CPU for each algorithm, made on first need. A reader that finds every one in use
 * waits for one; it gets ENOMEM only when a new or larger one cannot be allocated. They are
 * shared by every reader, so they are not charged to one reader's memory cgroup.
 */
struct erd_ws {
	struct list_head node;
	size_t size;	/* bytes, or the lzma dictionary size the decoder checks against */
	void *mem;
};

struct erd_wspool {
	spinlock_t lock;
	struct list_head free;
	unsigned int total;	/* in existence, free or in use */
	wait_queue_head_t wait;
	bool exact;		/* a workspace fits only its own size (lzma) */
	void *(*alloc)(size_t size);
	void (*release)(void *mem);
};

static void *erd_kvmalloc(size_t size)
{
	return kvmalloc(size, GFP_KERNEL);
}

static void erd_kvfree(void *mem)
{
	kvfree(mem);
}

/* XZ_SINGLE: the output buffer is the dictionary, only the decoder state is allocated. */
static void *erd_lzma_alloc(size_t dict_size)
{
	return xz_dec_microlzma_alloc(XZ_SINGLE, dict_size);
}

static void erd_lzma_release(void *mem)
{
	xz_dec_microlzma_end(mem);
}

#define ERD_WSPOOL(name, ex, a, r) {					\
	.lock = __SPIN_LOCK_UNLOCKED(name.lock),			\
	.free = LIST_HEAD_INIT(name.free),				\
	.wait = __WAIT_QUEUE_HEAD_INITIALIZER(name.wait),		\
	.exact = ex, .alloc = a, .release = r,				\
}
static struct erd_wspool erd_zstd_pool = ERD_WSPOOL(erd_zstd_pool, false, erd_kvmalloc, erd_kvfree);
static struct erd_wspool erd_zlib_pool = ERD_WSPOOL(erd_zlib_pool, false, erd_kvmalloc, erd_kvfree);
static struct erd_wspool erd_lzma_pool =
	ERD_WSPOOL(erd_lzma_pool, true, erd_lzma_alloc, erd_lzma_release);

/* A free workspace, or NULL with room reserved for a new one; waits while all are in use. */
static struct erd_ws *erd_ws_take(struct erd_wspool *p)
{
	struct erd_ws *ws;

	spin_lock(&p->lock);
	while (list_empty(&p->free) && p->total >= num_possible_cpus()) {
		spin_unlock(&p->lock);
		wait_event(p->wait, !list_empty(&p->free) ||
				    READ_ONCE(p->total) < num_possible_cpus());
		spin_lock(&p->lock);
	}
	ws = list_first_entry_or_null(&p->free, struct erd_ws, node);
	if (ws)
		list_del(&ws->node);
	else
		p->total++;
	spin_unlock(&p->lock);
	return ws;
}

static void erd_ws_put(struct erd_wspool *p, struct erd_ws *ws)
{
	spin_lock(&p->lock);
	list_add(&ws->node, &p->free);
	spin_unlock(&p->lock);
	wake_up(&p->wait);
}

static void erd_ws_unreserve(struct erd_wspool *p)
{
	spin_lock(&p->lock);
	p->total--;
	spin_unlock(&p->lock);
	wake_up(&p->wait);
}

/* A workspace of @size; NULL for ENOMEM. */
static struct erd_ws *erd_ws_get(struct erd_wspool *p, size_t size)
{
	struct erd_ws *ws = erd_ws_take(p);
	void *mem;

	if (ws && (p->exact ? ws->size == size : ws->size >= size))
		return ws;
	mem = p->alloc(size);
	if (!mem) {
		if (ws)
			erd_ws_put(p, ws);
		else
			erd_ws_unreserve(p);
		return NULL;
	}
	if (ws) {
		p->release(ws->mem);
	} else {
		ws = kmalloc(sizeof(*ws), GFP_KERNEL);
		if (!ws) {
			p->release(mem);
			erd_ws_unreserve(p);
			return NULL;
		}
	}
	ws->mem = mem;
	ws->size = size;
	return ws;
}

static void erd_wspool_destroy(struct erd_wspool *p)
{
	struct erd_ws *ws, *n;

	list_for_each_entry_safe(ws, n, &p->free, node) {
		p->release(ws->mem);
		kfree(ws);
	}
	INIT_LIST_HEAD(&p->free);
	p->total = 0;
}

/* Module exit: every reader is gone, so every workspace is free. */
void erd_decompress_exit(void)
{
	erd_wspool_destroy(&erd_zstd_pool);
	erd_wspool_destroy(&erd_zlib_pool);
	erd_wspool_destroy(&erd_lzma_pool);
}

static int erd_lz4(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
{
	int ret;

	if (slen > INT_MAX || dlen > INT_MAX)
		return -EFSCORRUPTED;
	if (partial)
		ret = LZ4_decompress_safe_partial(src, dst, slen, dlen, dlen);
	else
		ret = LZ4_decompress_safe(src, dst, slen, dlen);
	return ret < 0 ? -EFSCORRUPTED : ret;
}

static int erd_zstd(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
{
	zstd_in_buffer in = { .src = src, .size = slen, .pos = 0 };
	zstd_out_buffer out = { .dst = dst, .size = dlen, .pos = 0 };
	zstd_frame_header fh;
	zstd_dstream *ds;
	struct erd_ws *ws;
	size_t ret;
	int err = 0;

	if (zstd_get_frame_header(&fh, src, slen) != 0 || fh.windowSize > ERD_ZSTD_MAX_WINDOW)
		return -EFSCORRUPTED;
	ws = erd_ws_get(&erd_zstd_pool, zstd_dstream_workspace_bound(fh.windowSize));
	if (!ws)
		return -ENOMEM;
	ds = zstd_init_dstream(fh.windowSize, ws->mem, ws->size);
	if (!ds) {
		erd_ws_put(&erd_zstd_pool, ws);
		return -EFSCORRUPTED;
	}
	for (;;) {
		size_t ip = in.pos, op = out.pos;

		ret = zstd_decompress_stream(ds, &out, &in);
		if (zstd_is_error(ret)) {
			err = -EFSCORRUPTED;
			break;
		}
		if (ret == 0 || (partial && out.pos == out.size))
			break;
		if (in.pos == ip && out.pos == op) {
			err = -EFSCORRUPTED;
			break;
		}
	}
	erd_ws_put(&erd_zstd_pool, ws);
	return err ? err : out.pos;
}

static int erd_deflate(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
{
	z_stream s = {};
	struct erd_ws *ws;
	int ret, err = 0;

	if (slen > UINT_MAX || dlen > UINT_MAX)
		return -EFSCORRUPTED;
	ws = erd_ws_get(&erd_zlib_pool, zlib_inflate_workspacesize());
	if (!ws)
		return -ENOMEM;
	s.workspace = ws->mem;
	if (zlib_inflateInit2(&s, -MAX_WBITS) != Z_OK) {
		erd_ws_put(&erd_zlib_pool, ws);
		return -EIO;
	}
	s.next_in = src;
	s.avail_in = slen;
	s.next_out = dst;
	s.avail_out = dlen;
	for (;;) {
		ret = zlib_inflate(&s, Z_SYNC_FLUSH);
		if (ret == Z_STREAM_END || (partial && !s.avail_out))
			break;
		if (ret != Z_OK) {	/* Z_BUF_ERROR: no progress possible */
			err = -EFSCORRUPTED;
			break;
		}
	}
	zlib_inflateEnd(&s);
	erd_ws_put(&erd_zlib_pool, ws);
	return err ? err : (int)(dlen - s.avail_out);
}

static int erd_lzma(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial,
		    u32 dict_size)
{
	struct xz_buf b = {
		.in = src, .in_pos = 0, .in_size = slen,
		.out = dst, .out_pos = 0, .out_size = dlen,
	};
	struct erd_ws *ws;
	enum xz_ret ret;

	if (slen > U32_MAX || dlen > U32_MAX)
		return -EFSCORRUPTED;
	if (dict_size < 4096 || dict_size > (3U << 30))
		return -EFSCORRUPTED;
	ws = erd_ws_get(&erd_lzma_pool, dict_size);
	if (!ws)
		return -ENOMEM;
	xz_dec_microlzma_reset(ws->mem, slen, dlen, !partial);
	ret = xz_dec_microlzma_run(ws->mem, &b);
	erd_ws_put(&erd_lzma_pool, ws);
	if (ret != XZ_STREAM_END)
		return -EFSCORRUPTED;
	return b.out_pos;
}

/* One entry for every algorithm, so the time spent decoding is counted in one place. */
int erd_shim_decompress(u32 alg, const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial,
			u32 dict_size)
{
	u64 t = ktime_get_ns();
	int ret;

	switch (alg) {
	case ERD_ALG_LZ4:
		ret = erd_lz4(src, slen, dst, dlen, partial);
		break;
	case ERD_ALG_ZSTD:
		ret = erd_zstd(src, slen, dst, dlen, partial);
		break;
	case ERD_ALG_DEFLATE:
		ret = erd_deflate(src, slen, dst, dlen, partial);
		break;
	case ERD_ALG_LZMA:
		ret = erd_lzma(src, slen, dst, dlen, partial, dict_size);
		break;
	default:
		return -EINVAL;
	}
	atomic64_add(ktime_get_ns() - t, &erd_ns_decode);
	return ret;
}
