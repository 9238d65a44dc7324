/* SPDX-License-Identifier: GPL-2.0 */
/* Compression wrappers (backends.c), called from Rust through ffi.rs. */
#ifndef ZMC_BACKENDS_H
#define ZMC_BACKENDS_H

#include <linux/types.h>

void *zmc_lz4_create(bool hc);
void zmc_lz4_destroy(void *ctx);
int zmc_lz4_compress(void *ctx, bool hc, int level, const void *src, unsigned int slen, void *dst,
		     unsigned int dcap);
int zmc_lz4_decompress(const void *src, unsigned int slen, void *dst, unsigned int dlen);

void *zmc_zstd_create(int level);
void zmc_zstd_destroy(void *ctx);
int zmc_zstd_compress(void *ctx, const void *src, unsigned int slen, void *dst, unsigned int dcap);
int zmc_zstd_decompress(void *ctx, const void *src, unsigned int slen, void *dst,
			unsigned int dlen);

void *zmc_deflate_create(int level);
void zmc_deflate_destroy(void *ctx);
int zmc_deflate_compress(void *ctx, const void *src, unsigned int slen, void *dst,
			 unsigned int dcap);
int zmc_deflate_decompress(void *ctx, const void *src, unsigned int slen, void *dst,
			   unsigned int dlen);

#endif
