// SPDX-License-Identifier: GPL-2.0
/*
 * erofs_dio registration and super block: the filesystem type, mount (the engine opens the
 * image), a read-only reconfigure, and the inode cache.
 */
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/fs_context.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/statfs.h>

#include "internal.h"

#define ERD_MAGIC	0xE0F5E1E2

static struct kmem_cache *erd_inode_cachep;

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
/* RFL_SUITE_VERSION: the suite's version and git commit, from scripts/modules.sh. */
MODULE_VERSION(RFL_SUITE_VERSION);
/* The decompressors from lib/, where the kernel builds them as modules: loaded first. */
MODULE_SOFTDEP("pre: lz4_decompress zstd_decompress xz_dec zlib_inflate");

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
	if (err) {
		kmem_cache_destroy(erd_inode_cachep);
		return err;
	}
	erd_stats_init();
	return 0;
}

void erd_shim_unregister(void)
{
	unregister_filesystem(&erd_fs_type);
	rcu_barrier();	/* inodes are freed after an RCU grace period */
	kmem_cache_destroy(erd_inode_cachep);
	erd_decompress_exit();
	erd_stats_exit();
}
