// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio C glue: what Rust cannot reach in 6.12. It registers the filesystem type, holds the
 * super, inode, file and address-space operation tables, reads the device with bios into
 * private pages (never the page cache), and wraps the kernel's decompression libraries. Every
 * decision about the format, mapping and reads is made by the Rust engine (erofs_ffi calls).
 */
#include <linux/bio.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/highmem.h>
#include <linux/lz4.h>
#include <linux/module.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/statfs.h>
#include <linux/uio.h>
#include <linux/xz.h>
#include <linux/zlib.h>
#include <linux/zstd.h>

#include "shim.h"

#define ERD_MAGIC	0xE0F5E1E2
#define EFSCORRUPTED	EUCLEAN
/* Largest device read done with one bio; longer reads loop. */
#define ERD_IO_PAGES	32
/* Largest zstd window accepted (a pcluster frame's window is at most its decoded size). */
#define ERD_ZSTD_MAX_WINDOW	(16U << 20)

struct erd_inode {
	void *rs;	/* the engine's FileMap, owned (freed by erd_rs_file_free) */
	char *link;	/* symlink target, NUL-terminated */
	struct inode vfs;
};

static struct kmem_cache *erd_inode_cachep;

static inline struct erd_inode *EI(struct inode *inode)
{
	return container_of(inode, struct erd_inode, vfs);
}

/* ---- device reads: bios into private pages ---- */

int erd_shim_dev_read(void *sbp, u64 pos, u8 *buf, size_t len)
{
	struct super_block *sb = sbp;
	struct block_device *bdev = sb->s_bdev;
	unsigned int lbs = bdev_logical_block_size(bdev);
	u64 size = bdev_nr_bytes(bdev);
	struct page *pages[ERD_IO_PAGES];

	if (pos > size || len > size - pos)
		return -EIO;
	while (len) {
		u64 start = round_down(pos, lbs);
		u64 end = min_t(u64, round_up(pos + len, lbs),
				start + ERD_IO_PAGES * PAGE_SIZE);
		size_t span = end - start, off = pos - start, n, done;
		unsigned int nr = DIV_ROUND_UP(span, PAGE_SIZE), i;
		struct bio *bio;
		int err = 0;

		bio = bio_alloc(bdev, nr, REQ_OP_READ, GFP_NOIO);
		bio->bi_iter.bi_sector = start >> SECTOR_SHIFT;
		for (i = 0; i < nr; i++) {
			size_t plen = min_t(size_t, PAGE_SIZE, span - i * PAGE_SIZE);

			/* Charged to the reader's memory cgroup, as page cache would be. */
			pages[i] = alloc_page(GFP_NOIO | __GFP_ACCOUNT);
			if (!pages[i]) {
				err = -ENOMEM;
				break;
			}
			__bio_add_page(bio, pages[i], plen, 0);
		}
		if (!err)
			err = submit_bio_wait(bio);
		bio_put(bio);
		n = min_t(size_t, len, span - off);
		for (done = 0; !err && done < n;) {
			size_t at = off + done, pg = at / PAGE_SIZE, po = at % PAGE_SIZE;
			size_t c = min_t(size_t, n - done, PAGE_SIZE - po);

			memcpy_from_page(buf + done, pages[pg], po, c);
			done += c;
		}
		while (i--)
			__free_page(pages[i]);
		if (err)
			return err == -ENOMEM ? err : -EIO;
		pos += n;
		buf += n;
		len -= n;
	}
	return 0;
}

/* ---- small helpers the engine needs: inline functions and macros ---- */

bool erd_shim_dir_emit(void *dctx, const u8 *name, u32 len, u64 nid, u8 ftype, u64 pos,
		       u64 next)
{
	struct dir_context *ctx = dctx;

	ctx->pos = pos;
	if (!dir_emit(ctx, name, len, nid, fs_ftype_to_dtype(ftype)))
		return false;
	ctx->pos = next;
	return true;
}

void erd_shim_dir_set_pos(void *dctx, u64 pos)
{
	((struct dir_context *)dctx)->pos = pos;
}

size_t erd_shim_copy_to_iter(const u8 *buf, size_t len, void *iter)
{
	return copy_to_iter(buf, len, iter);
}

/* ---- decompressors: the number of bytes written, or a negative errno ---- */

int erd_shim_lz4(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
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

int erd_shim_zstd(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
{
	zstd_in_buffer in = { .src = src, .size = slen, .pos = 0 };
	zstd_out_buffer out = { .dst = dst, .size = dlen, .pos = 0 };
	zstd_frame_header fh;
	zstd_dstream *ds;
	size_t wsz, ret;
	void *wksp;
	int err = 0;

	if (zstd_get_frame_header(&fh, src, slen) != 0 || fh.windowSize > ERD_ZSTD_MAX_WINDOW)
		return -EFSCORRUPTED;
	wsz = zstd_dstream_workspace_bound(fh.windowSize);
	wksp = kvmalloc(wsz, GFP_KERNEL_ACCOUNT);
	if (!wksp)
		return -ENOMEM;
	ds = zstd_init_dstream(fh.windowSize, wksp, wsz);
	if (!ds) {
		kvfree(wksp);
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
	kvfree(wksp);
	return err ? err : out.pos;
}

int erd_shim_deflate(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial)
{
	z_stream s = {};
	int ret, err = 0;

	if (slen > UINT_MAX || dlen > UINT_MAX)
		return -EFSCORRUPTED;
	s.workspace = kvmalloc(zlib_inflate_workspacesize(), GFP_KERNEL_ACCOUNT);
	if (!s.workspace)
		return -ENOMEM;
	if (zlib_inflateInit2(&s, -MAX_WBITS) != Z_OK) {
		kvfree(s.workspace);
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
	kvfree(s.workspace);
	return err ? err : (int)(dlen - s.avail_out);
}

int erd_shim_lzma(const u8 *src, size_t slen, u8 *dst, size_t dlen, bool partial, u32 dict_size)
{
	struct xz_buf b = {
		.in = src, .in_pos = 0, .in_size = slen,
		.out = dst, .out_pos = 0, .out_size = dlen,
	};
	struct xz_dec_microlzma *s;
	enum xz_ret ret;

	if (slen > U32_MAX || dlen > U32_MAX)
		return -EFSCORRUPTED;
	/* XZ_SINGLE: the whole output buffer is the dictionary; nothing else is allocated. */
	s = xz_dec_microlzma_alloc(XZ_SINGLE, dict_size);
	if (!s)
		return -ENOMEM;
	xz_dec_microlzma_reset(s, slen, dlen, !partial);
	ret = xz_dec_microlzma_run(s, &b);
	xz_dec_microlzma_end(s);
	if (ret != XZ_STREAM_END)
		return -EFSCORRUPTED;
	return b.out_pos;
}

/* ---- inodes ---- */

static const struct inode_operations erd_file_iops;
static const struct inode_operations erd_dir_iops;
static const struct inode_operations erd_symlink_iops;
static const struct inode_operations erd_special_iops;
static const struct file_operations erd_file_fops;
static const struct file_operations erd_dir_fops;
static const struct address_space_operations erd_aops;

static struct inode *erd_iget(struct super_block *sb, u64 nid)
{
	struct inode *inode = iget_locked(sb, nid);
	struct erd_inode *ei;
	struct erd_stat st;
	ssize_t n;
	int err;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;
	ei = EI(inode);
	err = erd_rs_iget(sb->s_fs_info, nid, &st, &ei->rs);
	if (err)
		goto fail;
	inode->i_mode = st.mode;
	set_nlink(inode, st.nlink);
	i_uid_write(inode, st.uid);
	i_gid_write(inode, st.gid);
	inode->i_size = st.size;
	inode->i_blocks = st.blocks;
	inode_set_mtime(inode, st.mtime, st.mtime_nsec);
	inode_set_ctime(inode, st.mtime, st.mtime_nsec);
	inode_set_atime(inode, st.mtime, st.mtime_nsec);
	switch (inode->i_mode & S_IFMT) {
	case S_IFREG:
		inode->i_op = &erd_file_iops;
		inode->i_fop = &erd_file_fops;
		inode->i_mapping->a_ops = &erd_aops;
		break;
	case S_IFDIR:
		inode->i_op = &erd_dir_iops;
		inode->i_fop = &erd_dir_fops;
		break;
	case S_IFLNK:
		if (!st.size || st.size >= PAGE_SIZE) {
			err = -EFSCORRUPTED;
			goto fail;
		}
		ei->link = kmalloc(st.size + 1, GFP_KERNEL);
		if (!ei->link) {
			err = -ENOMEM;
			goto fail;
		}
		n = erd_rs_read(sb->s_fs_info, ei->rs, 0, ei->link, st.size);
		if (n != st.size) {
			err = n < 0 ? n : -EFSCORRUPTED;
			goto fail;
		}
		ei->link[st.size] = '\0';
		inode->i_op = &erd_symlink_iops;
		inode->i_link = ei->link;
		break;
	case S_IFCHR:
	case S_IFBLK:
	case S_IFIFO:
	case S_IFSOCK:
		inode->i_op = &erd_special_iops;
		init_special_inode(inode, inode->i_mode, new_decode_dev(st.rdev));
		break;
	default:
		err = -EFSCORRUPTED;
		goto fail;
	}
	unlock_new_inode(inode);
	return inode;
fail:
	iget_failed(inode);
	return ERR_PTR(err);
}

static struct dentry *erd_lookup(struct inode *dir, struct dentry *dentry, unsigned int flags)
{
	struct inode *inode = NULL;
	u64 nid;
	int err;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	err = erd_rs_lookup(dir->i_sb->s_fs_info, EI(dir)->rs, dentry->d_name.name,
			    dentry->d_name.len, &nid);
	if (!err)
		inode = erd_iget(dir->i_sb, nid);
	else if (err != -ENOENT)
		return ERR_PTR(err);
	return d_splice_alias(inode, dentry);
}

static int erd_getattr(struct mnt_idmap *idmap, const struct path *path, struct kstat *stat,
		       u32 request_mask, unsigned int query_flags)
{
	struct inode *inode = d_inode(path->dentry);

	stat->attributes |= STATX_ATTR_IMMUTABLE;
	stat->attributes_mask |= STATX_ATTR_IMMUTABLE;
	generic_fillattr(idmap, request_mask, inode, stat);
	return 0;
}

static const struct inode_operations erd_file_iops = {
	.getattr = erd_getattr,
};

static const struct inode_operations erd_dir_iops = {
	.lookup = erd_lookup,
	.getattr = erd_getattr,
};

static const struct inode_operations erd_symlink_iops = {
	.get_link = simple_get_link,
	.getattr = erd_getattr,
};

static const struct inode_operations erd_special_iops = {
	.getattr = erd_getattr,
};

/* ---- directories ---- */

static int erd_readdir(struct file *f, struct dir_context *ctx)
{
	struct inode *dir = file_inode(f);

	return erd_rs_readdir(dir->i_sb->s_fs_info, EI(dir)->rs, ctx, ctx->pos);
}

static const struct file_operations erd_dir_fops = {
	.llseek = generic_file_llseek,
	.read = generic_read_dir,
	.iterate_shared = erd_readdir,
};

/* ---- regular files: buffered reads through readahead and read_folio, O_DIRECT through the engine ---- */

static int erd_read_folio(struct file *file, struct folio *folio)
{
	struct inode *inode = folio->mapping->host;
	loff_t pos = folio_pos(folio), isize = i_size_read(inode);
	size_t len = folio_size(folio), off;
	ssize_t n = 0;
	int err = 0;

	/* Folios are order 0 here (large folios are never enabled), one page at a time. */
	for (off = 0; off < len; off += PAGE_SIZE) {
		u8 *buf = kmap_local_folio(folio, off);
		size_t want = 0;

		if (pos + off < isize)
			want = min_t(u64, PAGE_SIZE, isize - pos - off);
		n = want ? erd_rs_read(inode->i_sb->s_fs_info, EI(inode)->rs, pos + off, buf,
				       want) : 0;
		if (n < 0)
			err = n;
		else
			memset(buf + n, 0, PAGE_SIZE - n);
		kunmap_local(buf);
		if (err)
			break;
	}
	flush_dcache_folio(folio);
	folio_end_read(folio, !err);
	return err;
}

/*
 * Readahead: the whole window in one engine call, decoded straight into the window's folios
 * through a bvec iterator, so each pcluster is read and decompressed once for all its pages
 * (read_folio, one page at a time, would decode a pcluster once per page). Folios the call did
 * not fill (an error part way) are left not uptodate, and read_folio tries them again.
 */
static void erd_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	loff_t pos = readahead_pos(rac), isize = i_size_read(inode);
	unsigned int nr = readahead_count(rac), i, got = 0;
	struct folio **folios;
	struct bio_vec *bv;
	struct iov_iter iter;
	size_t want = 0;
	ssize_t n = 0;

	folios = kmalloc_array(nr, sizeof(*folios), GFP_NOFS | __GFP_NOWARN);
	bv = kmalloc_array(nr, sizeof(*bv), GFP_NOFS | __GFP_NOWARN);
	if (!folios || !bv)
		goto out;	/* the core drops the folios; read_folio reads them on demand */
	while (got < nr) {
		struct folio *folio = readahead_folio(rac);

		if (!folio)
			break;
		folios[got] = folio;
		bvec_set_folio(&bv[got], folio, folio_size(folio), 0);
		got++;
	}
	if (pos < isize)
		want = min_t(u64, (u64)got * PAGE_SIZE, isize - pos);
	if (want) {
		iov_iter_bvec(&iter, ITER_DEST, bv, got, want);
		n = erd_rs_read_iter(inode->i_sb->s_fs_info, EI(inode)->rs, pos, want, &iter);
	}
	for (i = 0; i < got; i++) {
		struct folio *folio = folios[i];
		size_t off = (size_t)i * PAGE_SIZE, have;
		bool ok;

		/* Bytes of this folio the call filled, and whether the rest lies past EOF. */
		have = n > 0 && (size_t)n > off ? min_t(size_t, n - off, PAGE_SIZE) : 0;
		ok = n >= 0 && (have == PAGE_SIZE || (size_t)n == want);
		if (ok && have < PAGE_SIZE)
			folio_zero_segment(folio, have, PAGE_SIZE);
		flush_dcache_folio(folio);
		folio_end_read(folio, ok);
	}
out:
	kfree(bv);
	kfree(folios);
}

static ssize_t erd_file_read_iter(struct kiocb *iocb, struct iov_iter *to)
{
	struct inode *inode = file_inode(iocb->ki_filp);
	loff_t isize = i_size_read(inode);
	size_t len;
	ssize_t ret;

	if (!(iocb->ki_flags & IOCB_DIRECT))
		return filemap_read(iocb, to, 0);
	if (!iov_iter_count(to))
		return 0;
	if (iocb->ki_pos < 0)
		return -EINVAL;
	if (iocb->ki_pos >= isize)
		return 0;
	len = min_t(u64, iov_iter_count(to), isize - iocb->ki_pos);
	ret = erd_rs_read_iter(inode->i_sb->s_fs_info, EI(inode)->rs, iocb->ki_pos, len, to);
	if (ret > 0)
		iocb->ki_pos += ret;
	file_accessed(iocb->ki_filp);
	return ret;
}

static const struct file_operations erd_file_fops = {
	.llseek = generic_file_llseek,
	.read_iter = erd_file_read_iter,
	.mmap = generic_file_readonly_mmap,
	.splice_read = filemap_splice_read,
};

static const struct address_space_operations erd_aops = {
	.read_folio = erd_read_folio,
	.readahead = erd_readahead,
	/* Lets open(O_DIRECT) succeed; the reads themselves go through erd_file_read_iter. */
	.direct_IO = noop_direct_IO,
};

/* ---- super block ---- */

static struct inode *erd_alloc_inode(struct super_block *sb)
{
	struct erd_inode *ei = alloc_inode_sb(sb, erd_inode_cachep, GFP_KERNEL);

	if (!ei)
		return NULL;
	ei->rs = NULL;
	ei->link = NULL;
	return &ei->vfs;
}

static void erd_free_inode(struct inode *inode)
{
	struct erd_inode *ei = EI(inode);

	erd_rs_file_free(ei->rs);
	kfree(ei->link);
	kmem_cache_free(erd_inode_cachep, ei);
}

static const struct super_operations erd_sops = {
	.alloc_inode = erd_alloc_inode,
	.free_inode = erd_free_inode,
	.statfs = simple_statfs,
};

static int erd_fill_super(struct super_block *sb, struct fs_context *fc)
{
	struct inode *root;
	u32 blkszbits;
	u64 root_nid;
	int err = 0;

	sb->s_flags |= SB_RDONLY | SB_NOATIME;
	sb->s_magic = ERD_MAGIC;
	sb->s_maxbytes = MAX_LFS_FILESIZE;
	sb->s_time_gran = 1;
	sb->s_op = &erd_sops;
	/* The engine logs the one reason a mount fails. */
	sb->s_fs_info = erd_rs_mount(sb, &err, &root_nid, &blkszbits);
	if (!sb->s_fs_info)
		return err;
	sb->s_blocksize_bits = blkszbits;
	sb->s_blocksize = 1UL << blkszbits;
	root = erd_iget(sb, root_nid);
	if (IS_ERR(root)) {
		pr_err("erofs_dio: %pg: cannot read the root inode (%ld)\n", sb->s_bdev,
		       PTR_ERR(root));
		return PTR_ERR(root);
	}
	if (!S_ISDIR(root->i_mode)) {
		pr_err("erofs_dio: %pg: the root inode is not a directory\n", sb->s_bdev);
		iput(root);
		return -EFSCORRUPTED;
	}
	sb->s_root = d_make_root(root);
	return sb->s_root ? 0 : -ENOMEM;
}

static int erd_get_tree(struct fs_context *fc)
{
	return get_tree_bdev(fc, erd_fill_super);
}

/* Read-only for good: a remount that asks for rw gets ro, as with erofs. */
static int erd_reconfigure(struct fs_context *fc)
{
	fc->sb_flags |= SB_RDONLY;
	return 0;
}

static const struct fs_context_operations erd_context_ops = {
	.get_tree = erd_get_tree,
	.reconfigure = erd_reconfigure,
};

static int erd_init_fs_context(struct fs_context *fc)
{
	fc->ops = &erd_context_ops;
	return 0;
}

static void erd_kill_sb(struct super_block *sb)
{
	void *mnt = sb->s_fs_info;

	kill_block_super(sb);
	if (mnt)
		erd_rs_unmount(mnt);
}

static struct file_system_type erd_fs_type = {
	.owner = THIS_MODULE,
	.name = "erofs_dio",
	.init_fs_context = erd_init_fs_context,
	.kill_sb = erd_kill_sb,
	.fs_flags = FS_REQUIRES_DEV,
};
MODULE_ALIAS_FS("erofs_dio");

static void erd_inode_init_once(void *p)
{
	struct erd_inode *ei = p;

	inode_init_once(&ei->vfs);
}

int erd_shim_register(void)
{
	int err;

	erd_inode_cachep = kmem_cache_create("erofs_dio_inode", sizeof(struct erd_inode), 0,
					     SLAB_RECLAIM_ACCOUNT | SLAB_ACCOUNT,
					     erd_inode_init_once);
	if (!erd_inode_cachep)
		return -ENOMEM;
	err = register_filesystem(&erd_fs_type);
	if (err)
		kmem_cache_destroy(erd_inode_cachep);
	return err;
}

void erd_shim_unregister(void)
{
	unregister_filesystem(&erd_fs_type);
	rcu_barrier();	/* inodes are freed after an RCU grace period */
	kmem_cache_destroy(erd_inode_cachep);
}
