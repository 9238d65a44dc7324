// SPDX-License-Identifier: GPL-2.0
/*
 * Thin wrappers over lib/lz4, lib/zstd and lib/zlib, the same libraries zram 6.12 calls, with one
 * shape for every algorithm: a context with its workspaces, compress and decompress. They exist
 * because the libraries' structs and inline helpers are out of Rust's reach; all choices are made
 * in Rust (ffi.rs, device.rs).
 */
#include <linux/lz4.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "backends.h"

/* ---- lz4 / lz4hc: one workspace for compression, none for decompression ---- */

void *zmc_lz4_create(bool hc)
{
	return vzalloc(hc ? LZ4HC_MEM_COMPRESS : LZ4_MEM_COMPRESS);
}

void zmc_lz4_destroy(void *ctx)
{
	vfree(ctx);
}

/* lz4: level is the acceleration (1 and up); lz4hc: level is the HC level. */
int zmc_lz4_compress(void *ctx, bool hc, int level, const void *src, unsigned int slen, void *dst,
		     unsigned int dcap)
{
	int ret;

	if (hc)
		ret = LZ4_compress_HC(src, dst, slen, dcap, level, ctx);
	else
		ret = LZ4_compress_fast(src, dst, slen, dcap, level, ctx);
	return ret > 0 ? ret : -ENOSPC;
}

int zmc_lz4_decompress(const void *src, unsigned int slen, void *dst, unsigned int dlen)
{
	int ret = LZ4_decompress_safe(src, dst, slen, dlen);

	return ret == dlen ? 0 : -EINVAL;
}

/* ---- zstd ---- */

struct zmc_zstd {
	zstd_parameters params;
	void *cmem, *dmem;
	zstd_cctx *cctx;
	zstd_dctx *dctx;
};

void zmc_zstd_destroy(void *p)
{
	struct zmc_zstd *z = p;

	if (!z)
		return;
	vfree(z->cmem);
	vfree(z->dmem);
	kfree(z);
}

void *zmc_zstd_create(int level)
{
	struct zmc_zstd *z = kzalloc(sizeof(*z), GFP_KERNEL);
	size_t sz;

	if (!z)
		return NULL;
	z->params = zstd_get_params(level, PAGE_SIZE);
	sz = zstd_cctx_workspace_bound(&z->params.cParams);
	z->cmem = vzalloc(sz);
	if (!z->cmem)
		goto err;
	z->cctx = zstd_init_cctx(z->cmem, sz);
	sz = zstd_dctx_workspace_bound();
	z->dmem = vzalloc(sz);
	if (!z->dmem)
		goto err;
	z->dctx = zstd_init_dctx(z->dmem, sz);
	if (!z->cctx || !z->dctx)
		goto err;
	return z;
err:
	zmc_zstd_destroy(z);
	return NULL;
}

int zmc_zstd_compress(void *p, const void *src, unsigned int slen, void *dst, unsigned int dcap)
{
	struct zmc_zstd *z = p;
	size_t ret = zstd_compress_cctx(z->cctx, dst, dcap, src, slen, &z->params);

	return zstd_is_error(ret) ? -ENOSPC : (int)ret;
}

int zmc_zstd_decompress(void *p, const void *src, unsigned int slen, void *dst, unsigned int dlen)
{
	struct zmc_zstd *z = p;
	size_t ret = zstd_decompress_dctx(z->dctx, dst, dlen, src, slen);

	return (!zstd_is_error(ret) && ret == dlen) ? 0 : -EINVAL;
}

/* ---- deflate (raw, 2 KiB window as zram's backend) ---- */

#define ZMC_DEFLATE_WINBITS 11

struct zmc_deflate {
	struct z_stream_s c, d;
};

void zmc_deflate_destroy(void *p)
{
	struct zmc_deflate *z = p;

	if (!z)
		return;
	vfree(z->c.workspace);
	vfree(z->d.workspace);
	kfree(z);
}

void *zmc_deflate_create(int level)
{
	struct zmc_deflate *z = kzalloc(sizeof(*z), GFP_KERNEL);

	if (!z)
		return NULL;
	z->c.workspace = vzalloc(zlib_deflate_workspacesize(-ZMC_DEFLATE_WINBITS, MAX_MEM_LEVEL));
	z->d.workspace = vzalloc(zlib_inflate_workspacesize());
	if (!z->c.workspace || !z->d.workspace)
		goto err;
	if (zlib_deflateInit2(&z->c, level, Z_DEFLATED, -ZMC_DEFLATE_WINBITS, MAX_MEM_LEVEL,
			      Z_DEFAULT_STRATEGY) != Z_OK)
		goto err;
	if (zlib_inflateInit2(&z->d, -ZMC_DEFLATE_WINBITS) != Z_OK)
		goto err;
	return z;
err:
	zmc_deflate_destroy(z);
	return NULL;
}

int zmc_deflate_compress(void *p, const void *src, unsigned int slen, void *dst, unsigned int dcap)
{
	struct zmc_deflate *z = p;

	if (zlib_deflateReset(&z->c) != Z_OK)
		return -EINVAL;
	z->c.next_in = src;
	z->c.avail_in = slen;
	z->c.next_out = dst;
	z->c.avail_out = dcap;
	if (zlib_deflate(&z->c, Z_FINISH) != Z_STREAM_END)
		return -ENOSPC;
	return z->c.total_out;
}

int zmc_deflate_decompress(void *p, const void *src, unsigned int slen, void *dst,
			   unsigned int dlen)
{
	struct zmc_deflate *z = p;

	if (zlib_inflateReset(&z->d) != Z_OK)
		return -EINVAL;
	z->d.next_in = src;
	z->d.avail_in = slen;
	z->d.next_out = dst;
	z->d.avail_out = dlen;
	if (zlib_inflate(&z->d, Z_SYNC_FLUSH) != Z_STREAM_END || z->d.total_out != dlen)
		return -EINVAL;
	return 0;
}
