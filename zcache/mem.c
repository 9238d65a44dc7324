// SPDX-License-Identifier: GPL-2.0
/*
 * Memory: lz4 from lib/lz4 (the caller brings the work area: the eviction probe compresses with
 * interrupts off in sync mode, so nothing here allocates or sleeps), zsmalloc for the
 * compressed pages, and the shrinker that gives them back under memory pressure.
 */
#include <linux/highmem.h>
#include <linux/lz4.h>
#include <linux/mm.h>
#include <linux/shrinker.h>
#include <linux/slab.h>
#include <linux/zsmalloc.h>

#include "shim.h"

unsigned int zc_lz4_wrkmem_size(void)
{
	return LZ4_MEM_COMPRESS;
}

/* The compressed length, or 0 when it does not fit in dcap. wrk: zc_lz4_wrkmem_size() bytes. */
int zc_lz4_compress(const void *src, unsigned int slen, void *dst, unsigned int dcap, void *wrk)
{
	int n = LZ4_compress_fast(src, dst, slen, dcap, 1, wrk);

	return n > 0 ? n : 0;
}

struct zs_pool *zc_zs_create(const char *name)
{
	return zs_create_pool(name);
}

void zc_zs_destroy(struct zs_pool *pool)
{
	zs_destroy_pool(pool);
}

/*
 * A copy of src in the pool; 0 when there is no memory. The cache never pushes reclaim: only
 * kswapd is woken, and a failure is quiet (a store lost is a miss later, nothing more).
 */
unsigned long zc_zs_store(struct zs_pool *pool, const void *src, size_t len)
{
	unsigned long h = zs_malloc(pool, len,
				    __GFP_KSWAPD_RECLAIM | __GFP_NOWARN | __GFP_HIGHMEM | __GFP_MOVABLE);
	void *dst;

	if (IS_ERR_VALUE(h))
		return 0;
	dst = zs_map_object(pool, h, ZS_MM_WO);
	memcpy(dst, src, len);
	zs_unmap_object(pool, h);
	return h;
}

/* A page from its stored form: raw when len is PAGE_SIZE, else lz4. */
int zc_zs_load(struct zs_pool *pool, unsigned long handle, size_t len, void *dst)
{
	void *src = zs_map_object(pool, handle, ZS_MM_RO);
	int ret = 0;

	if (len == PAGE_SIZE)
		memcpy(dst, src, PAGE_SIZE);
	else if (LZ4_decompress_safe(src, dst, len, PAGE_SIZE) != PAGE_SIZE)
		ret = -EIO;
	zs_unmap_object(pool, handle);
	return ret;
}

void zc_zs_free(struct zs_pool *pool, unsigned long handle)
{
	zs_free(pool, handle);
}

u64 zc_zs_pages(struct zs_pool *pool)
{
	return zs_get_total_pages(pool);
}

u64 zc_total_pages(void)
{
	return totalram_pages();
}

unsigned int zc_online_cpus(void)
{
	return num_online_cpus();
}

/* ---- the shrinker ---- */

struct zc_shrinker {
	struct shrinker *s;
};

static unsigned long zc_shrink_count(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n = zc_rs_count(s->private_data);

	return n ? n : SHRINK_EMPTY;
}

static unsigned long zc_shrink_scan(struct shrinker *s, struct shrink_control *sc)
{
	unsigned long n = zc_rs_scan(s->private_data, sc->nr_to_scan);

	return n ? n : SHRINK_STOP;
}

struct zc_shrinker *zc_shrinker_start(void *rs, const char *name)
{
	struct zc_shrinker *zs = kzalloc(sizeof(*zs), GFP_KERNEL);

	if (!zs)
		return ERR_PTR(-ENOMEM);
	zs->s = shrinker_alloc(0, "zcache-%s", name);
	if (!zs->s) {
		kfree(zs);
		return ERR_PTR(-ENOMEM);
	}
	zs->s->count_objects = zc_shrink_count;
	zs->s->scan_objects = zc_shrink_scan;
	/* Cheap to rebuild (a read from flash): give it back before the page cache suffers. */
	zs->s->seeks = 1;
	zs->s->private_data = rs;
	shrinker_register(zs->s);
	return zs;
}

/* Returns once no callback runs any more. */
void zc_shrinker_stop(struct zc_shrinker *zs)
{
	shrinker_free(zs->s);
	kfree(zs);
}
