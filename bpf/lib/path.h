/* The dentry walk: is a directory a watched root, one step up a path
 * (crossing from the root of a mounted filesystem to its mount point), and
 * the innermost names of a path for an event. */
#ifndef GW_BPF_LIB_PATH_H
#define GW_BPF_LIB_PATH_H

#include "lib/common.h"

static __always_inline int is_root(struct dentry *d, __u32 *root_id)
{
	struct gw_root_key key;
	struct gw_root_val *r;

	key.dev = BPF_CORE_READ(d, d_sb, s_dev);
	key.ino = BPF_CORE_READ(d, d_inode, i_ino);
	r = bpf_map_lookup_elem(&roots, &key);
	if (!r)
		return 0;
	*root_id = r->root_id;
	return 1;
}

/* Step from d to its parent. A parent that is the root of a mounted
 * filesystem is replaced by its mount point (the same directory, named as
 * the path shows it), unless it is a watched root itself. NULL past "/". */
static __always_inline struct dentry *up(struct dentry *d, struct mount **mnt, int *at_root)
{
	struct dentry *parent = BPF_CORE_READ(d, d_parent);
	struct mount *pm;
	__u32 root_id;

	*at_root = 0;
	if (!parent || parent == d)
		return NULL;
	if (is_root(parent, &root_id)) {
		*at_root = 1;
		return parent;
	}
	if (BPF_CORE_READ(parent, d_parent) != parent)
		return parent;
	pm = BPF_CORE_READ(*mnt, mnt_parent);
	if (!pm || pm == *mnt)
		return NULL;
	parent = BPF_CORE_READ(*mnt, mnt_mountpoint);
	*mnt = pm;
	*at_root = is_root(parent, &root_id);
	return parent;
}

/* Fill names[] with the innermost path components of d (d first), stopping
 * below a watched root when stop_at_root. Returns how many components were
 * taken, GW_SAMPLE_DEPTH + 1 when the path goes on. */
static __always_inline __u32 path_names(struct gw_event *e, struct dentry *d, struct mount *mnt,
					int stop_at_root)
{
	int at_root;

	__builtin_memset(e->names, 0, sizeof(e->names));
#pragma unroll
	for (int k = 0; k < GW_SAMPLE_DEPTH; k++) {
		bpf_probe_read_kernel_str(e->names[k], GW_NAME_LEN, BPF_CORE_READ(d, d_name.name));
		d = up(d, &mnt, &at_root);
		if (!d || (stop_at_root && at_root))
			return k + 1;
	}
	return GW_SAMPLE_DEPTH + 1;
}

#endif
