// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio VFS operations: inodes, lookup, directories, and regular files (buffered reads
 * through read_folio and readahead, O_DIRECT through the engine into the caller's iov_iter).
 * Every decision about the format, mapping and reads is the Rust engine's.
 */
#include <linux/blkdev.h>
#include <linux/bvec.h>
#include <linux/fs.h>
#include <linux/highmem.h>
#include <linux/ktime.h>
#include <linux/pagemap.h>
#include <linux/slab.h>
#include <linux/uio.h>

#include "internal.h"

/* ---- helpers the engine needs: inline functions and macros ---- */

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
	u64 t = ktime_get_ns();
	size_t n = copy_to_iter(buf, len, iter);

	atomic64_add(ktime_get_ns() - t, &erd_ns_copy);
	return n;
}

/* Kernel pages (a readahead window's folios): copying into them cannot fault. */
bool erd_shim_iter_is_kernel(void *iter)
{
	return iov_iter_is_bvec(iter) || iov_iter_is_kvec(iter);
}

/* ---- inodes ---- */

static const struct inode_operations erd_file_iops;
static const struct inode_operations erd_dir_iops;
static const struct inode_operations erd_symlink_iops;
static const struct inode_operations erd_special_iops;
static const struct file_operations erd_file_fops;
static const struct file_operations erd_dir_fops;
static const struct address_space_operations erd_aops;

struct inode *erd_iget(struct super_block *sb, u64 nid)
{
	struct inode *inode = iget_locked(sb, nid);
	struct erd_inode *ei;
	struct erd_stat st;
	ssize_t n;
	u64 t;
	int err;

	if (!inode)
		return ERR_PTR(-ENOMEM);
	if (!(inode->i_state & I_NEW))
		return inode;
	ei = EI(inode);
	t = ktime_get_ns();
	err = erd_rs_iget(sb->s_fs_info, nid, &st, &ei->rs);
	atomic64_add(ktime_get_ns() - t, &erd_ns_iget);
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
		/* As stock erofs: fewer, larger folios per byte read (one bvec each for the engine). */
		mapping_set_large_folios(inode->i_mapping);
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
	u64 nid, t;
	int err;

	if (dentry->d_name.len > NAME_MAX)
		return ERR_PTR(-ENAMETOOLONG);
	t = ktime_get_ns();
	err = erd_rs_lookup(dir->i_sb->s_fs_info, EI(dir)->rs, dentry->d_name.name,
			    dentry->d_name.len, &nid);
	atomic64_add(ktime_get_ns() - t, &erd_ns_lookup);
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
	size_t len = folio_size(folio), want = 0, done = 0;
	struct bio_vec bv;
	struct iov_iter iter;
	int err = 0;

	if (pos < isize)
		want = min_t(u64, len, isize - pos);
	bvec_set_folio(&bv, folio, len, 0);
	iov_iter_bvec(&iter, ITER_DEST, &bv, 1, want);
	/* A short count stops before an error: the next call, at that point, returns it. */
	while (done < want) {
		ssize_t n = erd_rs_read_iter(inode->i_sb->s_fs_info, EI(inode)->rs, pos + done,
					     want - done, &iter);

		if (n <= 0) {
			err = n ? n : -EFSCORRUPTED;
			break;
		}
		done += n;
	}
	if (!err)
		folio_zero_segment(folio, want, len);
	flush_dcache_folio(folio);
	folio_end_read(folio, !err);
	return err;
}

/*
 * Readahead: the whole window in one engine call through a bvec iterator over its folios.
 * Extents inside the window decode straight into them; one cut by the window's edge is
 * decoded once into the engine's cache of decoded pclusters, which the neighbouring window (or
 * read_folio) then copies from. Folios the call did not fill (an error part way) are left not
 * uptodate, and read_folio tries them again.
 */
static void erd_readahead(struct readahead_control *rac)
{
	struct inode *inode = rac->mapping->host;
	void *mnt = inode->i_sb->s_fs_info;
	loff_t pos = readahead_pos(rac), isize = i_size_read(inode);
	size_t len = readahead_length(rac), want = 0, size = 0, off = 0;
	unsigned int nr, i, got = 0;
	struct folio **folios;
	struct bio_vec *bv;
	struct iov_iter iter;
	u64 end;
	ssize_t n = 0;

	/*
	 * Grown forward to the end of an extent, and to a size that holds several (as far as the
	 * page cache lets it: it stops at a folio already there), so the extents inside decode
	 * straight into the folios: only the one cut at the window's start, sharing a page with
	 * the previous window, is decoded into the engine's cache and copied.
	 */
	if (!erd_rs_window_end(mnt, EI(inode)->rs, pos, len, &end) && end > pos + len)
		readahead_expand(rac, pos, end - pos);
	nr = readahead_count(rac);

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
		size += folio_size(folio);
		got++;
	}
	if (pos < isize)
		want = min_t(u64, size, isize - pos);
	if (want) {
		/*
		 * The engine waits for each read it issues. Under the caller's plug such a read
		 * would be dispatched only once the task sleeps, and then by kblockd: flush the
		 * plug and start it again afterwards for the caller.
		 */
		struct blk_plug *plug = current->plug;

		if (plug)
			blk_finish_plug(plug);
		iov_iter_bvec(&iter, ITER_DEST, bv, got, want);
		n = erd_rs_read_iter(mnt, EI(inode)->rs, pos, want, &iter);
		if (plug)
			blk_start_plug(plug);
	}
	for (i = 0; i < got; i++) {
		struct folio *folio = folios[i];
		size_t fsize = folio_size(folio), have;
		bool ok;

		/* Bytes of this folio the call filled, and whether the rest lies past EOF. */
		have = n > 0 && (size_t)n > off ? min_t(size_t, n - off, fsize) : 0;
		ok = n >= 0 && (have == fsize || (size_t)n == want);
		if (ok && have < fsize)
			folio_zero_segment(folio, have, fsize);
		if (ok && folio_test_large(folio))
			atomic64_inc(&erd_large_folios);
		flush_dcache_folio(folio);
		folio_end_read(folio, ok);
		off += fsize;
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
