/* Is a file object data under a watched root, and of which root and
 * bucket? The verdict is cached per struct file (the verdicts map); a miss
 * walks d_parent up to a root, crossing mounts, up to GW_MAX_DEPTH levels,
 * or finds the inode among the known members. Emits the sample events of a
 * process's first read of an object. */
#ifndef GW_BPF_LIB_CLASSIFY_H
#define GW_BPF_LIB_CLASSIFY_H

#include "lib/common.h"
#include "lib/events.h"
#include "lib/path.h"

/* Walk from the file up to a root, crossing mount points. Kept free of
 * per-depth state so that the verifier can prune its paths. */
static __always_inline int walk(struct file *file, struct gw_verdict *v)
{
	struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);
	struct mount *mnt = container_of(vm, struct mount, mnt), *pm;
	struct dentry *leaf = BPF_CORE_READ(file, f_path.dentry);
	struct dentry *d = leaf, *parent, *top = leaf;
	struct mount *leaf_mnt = mnt;
	__u32 root_id;

	for (int i = 0; i < GW_MAX_DEPTH; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent)
			return 0;
		if (parent == d) {
			/* the root of a mounted filesystem: continue at its mount point */
			pm = BPF_CORE_READ(mnt, mnt_parent);
			if (!pm || pm == mnt)
				return 0;
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = pm;
			/* a root registered before something was mounted on it */
			if (is_root(d, &root_id))
				goto found;
			continue;
		}
		top = d;
		d = parent;
		if (is_root(d, &root_id))
			goto found;
	}
	return 0;
found:
	v->root_id = root_id;
	v->bucket_ino = top != leaf ? BPF_CORE_READ(top, d_inode, i_ino) : 0;
	if (samples_per_window)
		emit_sample(v, leaf, leaf_mnt);
	return 1;
}

/* The verdict for a file on a watched filesystem: by its path when that
 * lies under a root (and the inode remembered as object data of that root
 * and bucket), else by the inode, whatever name it was opened by: a hard
 * link outside the root, a handle, a disconnected dentry. */
static __always_inline void by_path_or_inode(struct file *file, struct inode *inode, __u64 dev,
					     struct gw_verdict *v)
{
	struct gw_inode_key ik = { .dev = dev, .ino = BPF_CORE_READ(inode, i_ino) };
	struct gw_member *m = bpf_map_lookup_elem(&members, &ik), fresh = {};

	if (walk(file, v)) {
		if (!m || m->root_id != v->root_id || m->bucket_ino != v->bucket_ino) {
			fresh.root_id = v->root_id;
			fresh.bucket_ino = v->bucket_ino;
			bpf_map_update_elem(&members, &ik, &fresh, BPF_ANY);
		}
		return;
	}
	if (!m)
		return;
	v->root_id = m->root_id;
	v->bucket_ino = m->bucket_ino;
	if (samples_per_window) {
		struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);

		emit_sample(v, BPF_CORE_READ(file, f_path.dentry), container_of(vm, struct mount, mnt));
	}
}

/* Is this file under a watched root? Cached per struct file. out is filled
 * either way (GW_ROOT_NONE when not). */
static __always_inline int classify(struct file *file, struct inode *inode, __u32 tgid,
				    struct gw_pending *out)
{
	__u64 fkey = (__u64)file, dev;
	struct gw_verdict v = {}, *cached;
	umode_t mode;

	out->root_id = GW_ROOT_NONE;
	out->bucket_ino = 0;
	if (!inode)
		return 0;
	mode = BPF_CORE_READ(inode, i_mode);
	if ((mode & S_IFMT) != S_IFREG)
		return 0;
	cached = bpf_map_lookup_elem(&verdicts, &fkey);
	if (cached && cached->inode == (__u64)inode) {
		v = *cached;
		/* an open file shared with (or inherited by) another process:
		 * that process's first read of the object */
		if (v.root_id != GW_ROOT_NONE && v.tgid != tgid) {
			struct vfsmount *vm = BPF_CORE_READ(file, f_path.mnt);

			cached->tgid = tgid;
			if (samples_per_window)
				emit_sample(&v, BPF_CORE_READ(file, f_path.dentry),
					    container_of(vm, struct mount, mnt));
		}
	} else {
		v.tgid = tgid;
		v.inode = (__u64)inode;
		v.root_id = GW_ROOT_NONE;
		dev = BPF_CORE_READ(inode, i_sb, s_dev);
		if (bpf_map_lookup_elem(&root_devs, &dev))
			by_path_or_inode(file, inode, dev, &v);
		if (bpf_map_update_elem(&verdicts, &fkey, &v, BPF_ANY))
			count_drop(GW_DROP_VERDICTS_FULL);
	}
	out->root_id = v.root_id;
	out->bucket_ino = v.bucket_ino;
	return v.root_id != GW_ROOT_NONE;
}

#endif
