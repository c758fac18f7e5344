// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* The host sensor: object reads and connections per process, counted in
 * the kernel. Nothing per event leaves the kernel; only rare events (a new
 * reader, a sample object, a new peer) go to the ring buffer.
 *
 * Reads: when a read-family syscall returns, the file behind its fd is
 * classified once per open file (the verdict is cached by struct file, and
 * the last one per CPU in front of that): a regular file whose path lies
 * under a watched root, found by walking d_parent and crossing mounts, up to
 * GW_MAX_DEPTH levels. The result is counted against that root and bucket.
 *
 * Three hook families carry the same logic; the agent loads the cheapest one
 * the kernel accepts: tp_btf (typed raw syscall tracepoint, 5.5+), the raw
 * syscall tracepoint, then the classic per-syscall tracepoints. The first two
 * hook sys_exit only, where the arguments are still in the saved registers:
 * one program run per syscall, not two. The classic family has no registers
 * at exit, so it remembers the call per thread at entry.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "reads.h"

#define S_IFMT 00170000
#define S_IFREG 0100000
#define S_IFSOCK 0140000
#define AF_INET 2
#define AF_INET6 10
#define IPPROTO_TCP 6
#define TCP_ESTABLISHED 1
#define TCP_SYN_SENT 2
#define TCP_CLOSE 7
#define PROT_READ 0x1
#define MAP_ANONYMOUS 0x20
#define VM_READ 0x1
#define MAX_ERRNO 4095

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* 6.2+: reads through a cast pointer are plain loads that the JIT guards,
 * not helper calls; older kernels take the probe-read path below it. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;

/* Set by the agent before load. */
const volatile __u32 samples_per_window = 5;
/* Bumped by the agent at each poll: sample budgets are per window. */
__u64 window_id = 0;
/* Bumped by the agent before it reads the counts; it then makes every CPU
 * run a read-family syscall, which flushes that CPU's slot (struct
 * gw_last). */
__u64 flush_gen = 0;
/* Set by the agent when it cannot run on every CPU to flush: each read is
 * then counted in the map at once. */
__u32 count_direct = 0;

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GW_MAX_ROOTS);
	__type(key, struct gw_root_key);
	__type(value, struct gw_root_val);
} roots SEC(".maps");

/* Devices of the roots and of every mount below them: a cheap first filter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__type(key, __u64);
	__type(value, __u32);
} root_devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, __u64);
	__type(value, struct gw_verdict);
} verdicts SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gw_pending);
} pending SEC(".maps");

/* Inodes of object data (struct gw_member); sized by the agent. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536);
	__type(key, struct gw_inode_key);
	__type(value, struct gw_member);
} members SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct gw_last);
} last SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_read_key);
	__type(value, struct gw_read_val);
} reads SEC(".maps");

/* Reads the reads map had no room for, per root x bucket (preallocated:
 * it takes entries while the reads map is full). */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct gw_unattr_key);
	__type(value, struct gw_unattr_val);
} unattr SEC(".maps");

/* Processes already announced as unattributed readers: tgid -> start_ns. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, __u32);
	__type(value, __u64);
} blinded SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_conn_key);
	__type(value, struct gw_conn_val);
} conns SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gw_connecting);
} connecting SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 8192);
	__type(key, __u32);
	__type(value, struct gw_sample_budget);
} budgets SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GW_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

static __always_inline void count_drops(__u32 what, __u64 n)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		*v += n;
}

static __always_inline void count_drop(__u32 what)
{
	count_drops(what, 1);
}

static __always_inline __u64 current_start_ns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, group_leader, start_boottime);
}

/* The current process's name (its main thread's, as /proc/PID/comm shows
 * it), not the name of the thread that happens to run: a worker thread or
 * an io_uring worker ("iou-wrk-N") reads on the process's behalf. */
static __always_inline void process_comm(char *comm)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	BPF_CORE_READ_STR_INTO((char (*)[16])comm, task, group_leader, comm);
}

static __always_inline struct file *fd_file(long fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

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

/* The sample budget of the current process for this window: 1 if one more
 * sample may go out. */
static __always_inline int sample_allowed(__u32 tgid)
{
	struct gw_sample_budget fresh = { .window = window_id }, *b;

	b = bpf_map_lookup_elem(&budgets, &tgid);
	if (!b || b->window != window_id) {
		bpf_map_update_elem(&budgets, &tgid, &fresh, BPF_ANY);
		b = bpf_map_lookup_elem(&budgets, &tgid);
		if (!b)
			return 0;
	}
	if (b->used >= samples_per_window)
		return 0;
	b->used += 1;
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

/* A process's first read of an object: its path below the root (the
 * innermost GW_SAMPLE_DEPTH components), at most a few per process and
 * window. depth > GW_SAMPLE_DEPTH says the path was longer. */
static __always_inline void emit_sample(const struct gw_verdict *v, struct dentry *d,
					struct mount *mnt)
{
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct gw_event *e;

	if (!sample_allowed(tgid))
		return;
	e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		count_drop(GW_DROP_EVENTS_FULL);
		return;
	}
	e->kind = GW_EV_SAMPLE;
	e->tgid = tgid;
	e->root_id = v->root_id;
	e->bucket_ino = v->bucket_ino;
	e->start_ns = current_start_ns();
	e->uid = (__u32)bpf_get_current_uid_gid();
	e->has_exe = 0;
	process_comm(e->comm);
	e->depth = path_names(e, d, mnt, 1);
	bpf_ringbuf_submit(e, 0);
}

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

/* A kernel word at addr read with a plain guarded load where the kernel has
 * bpf_rdonly_cast, as the first member (a 64-bit integer) of struct
 * timespec64: the value stays a number for the verifier, not a typed
 * pointer whose every later use it would have to follow. */
static __always_inline __u64 load_word(const void *addr)
{
	struct timespec64 *w = bpf_rdonly_cast(addr, bpf_core_type_id_kernel(struct timespec64));

	return (__u64)w->tv_sec;
}

/* fd_file() for BTF-enabled programs: the task, its file table and fd
 * array are read with direct loads, the array slot with load_word() or,
 * before 6.2, a probe read. */
static __always_inline struct file *fd_file_btf(struct task_struct *task, long fd)
{
	struct files_struct *files = task->files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || fd < 0 || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	if (bpf_rdonly_cast)
		return (struct file *)load_word(&fds[fd]);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

static __always_inline struct inode *file_inode_fast(struct file *file)
{
	if (bpf_rdonly_cast)
		return (struct inode *)load_word((void *)file +
						 bpf_core_field_offset(struct file, f_inode));
	return BPF_CORE_READ(file, f_inode);
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

static __always_inline __u64 last_check(const struct gw_last *l)
{
	return (l->file * 0x9e3779b97f4a7c15ULL) ^ (l->inode * 0xc2b2ae3d27d4eb4fULL) ^
	       (l->bucket_ino * 0x165667b19e3779f9ULL) ^ (l->start_ns * 0x27d4eb2f165667c5ULL) ^
	       (((__u64)l->tgid << 32) | l->root_id);
}

static __always_inline struct gw_last *last_slot(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&last, &zero);
}

enum { V_NONE = 0, V_HIT = 1, V_NEW = 2 };

/* classify() behind the per-CPU slot: V_HIT for the file the slot holds,
 * V_NEW when the slot was refilled (after flushing it), V_NONE when the
 * file is not under a root. */
static __always_inline int verdict(struct gw_last *l, struct file *file, struct inode *inode,
				   __u32 tgid, __u64 start_ns, struct gw_pending *out);

/* A new reader or peer: the agent reads its identity from /proc at once;
 * the exe's path components ride along for a process that exits first. */
static __always_inline void emit_new(__u32 kind, __u32 tgid, __u32 root_id, __u64 bucket_ino,
				     __u64 start_ns, const char *comm, int in_task)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct file *exe = in_task ? BPF_CORE_READ(task, mm, exe_file) : NULL;
	struct gw_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(GW_DROP_EVENTS_FULL);
		return;
	}
	e->kind = kind;
	e->tgid = tgid;
	e->root_id = root_id;
	e->bucket_ino = bucket_ino;
	e->start_ns = start_ns;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	e->uid = in_task ? (__u32)bpf_get_current_uid_gid() : 0;
	e->has_exe = exe != NULL;
	if (exe) {
		struct vfsmount *vm = BPF_CORE_READ(exe, f_path.mnt);

		e->depth = path_names(e, BPF_CORE_READ(exe, f_path.dentry),
				      container_of(vm, struct mount, mnt), 0);
	} else {
		e->depth = 0;
		__builtin_memset(e->names, 0, sizeof(e->names));
	}
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int read_enter(long fd)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gw_pending p = {};
	struct file *file = fd_file(fd);
	struct gw_last *l = last_slot();

	if (!file || !l ||
	    !verdict(l, file, BPF_CORE_READ(file, f_inode), id >> 32, current_start_ns(), &p))
		return 0;
	if (bpf_map_update_elem(&pending, &id, &p, BPF_ANY))
		count_drop(GW_DROP_PENDING_FULL);
	return 0;
}

/* Reads the reads map could not take: counted against their root and
 * bucket, never lost while the unattributed map has room. */
static __always_inline void count_unattr(const struct gw_read_key *key, __u64 ops, __u64 bytes,
					 __u64 errors)
{
	struct gw_unattr_key k = { .root_id = key->root_id, .bucket_ino = key->bucket_ino };
	struct gw_unattr_val *v = bpf_map_lookup_elem(&unattr, &k);

	count_drops(GW_DROP_COUNTS_FULL, ops + errors);
	if (!v) {
		struct gw_unattr_val zero = {};

		bpf_map_update_elem(&unattr, &k, &zero, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&unattr, &k);
		if (!v) {
			count_drops(GW_DROP_UNATTR_FULL, ops + errors);
			return;
		}
	}
	v->ops += ops;
	v->bytes += bytes;
	v->errors += errors;
}

/* A reader the reads map has no room for: its identity to the ring buffer,
 * once per process. */
static __always_inline void announce_blinded(const struct gw_read_key *key, const char *comm)
{
	__u64 *seen = bpf_map_lookup_elem(&blinded, &key->tgid);

	if (seen && *seen == key->start_ns)
		return;
	bpf_map_update_elem(&blinded, &key->tgid, &key->start_ns, BPF_ANY);
	emit_new(GW_EV_UNATTRIBUTED, key->tgid, key->root_id, key->bucket_ino, key->start_ns, comm, 1);
}

/* The counts of key, created on first sight; in_task: the reading process
 * is current, so a new entry is announced with its identity (and so is a
 * reader the map has no room for). */
static __always_inline struct gw_read_val *count_entry(struct gw_read_key *key, int in_task)
{
	struct gw_read_val *v = bpf_map_lookup_elem(&reads, key);

	if (!v) {
		struct gw_read_val zero = {};

		if (in_task)
			process_comm(zero.comm);
		if (bpf_map_update_elem(&reads, key, &zero, BPF_NOEXIST) == 0 && in_task)
			emit_new(GW_EV_NEW_READER, key->tgid, key->root_id, key->bucket_ino,
				 key->start_ns, zero.comm, 1);
		v = bpf_map_lookup_elem(&reads, key);
		if (!v && in_task)
			announce_blinded(key, zero.comm);
	}
	return v;
}

static __always_inline void count_read(struct gw_read_key *key, long ret)
{
	struct gw_read_val *v = count_entry(key, 1);

	if (!v) {
		count_unattr(key, ret >= 0, ret >= 0 ? ret : 0, ret < 0);
		return;
	}
	if (ret >= 0) {
		v->ops += 1;
		v->bytes += ret;
	} else {
		v->errors += 1;
	}
}

static __always_inline void slot_key(const struct gw_last *l, struct gw_read_key *key)
{
	key->tgid = l->tgid;
	key->root_id = l->root_id;
	key->bucket_ino = l->bucket_ino;
	key->start_ns = l->start_ns;
}

/* Move the counts gathered in the slot to the reads map. Possibly from
 * another process's context (the agent's flush): an entry the agent has
 * since removed comes back without an announcement. */
static __always_inline void slot_flush(struct gw_last *l)
{
	struct gw_read_key key = {};
	struct gw_read_val *v;

	if (!(l->ops | l->errors))
		return;
	slot_key(l, &key);
	v = count_entry(&key, 0);
	if (v) {
		v->ops += l->ops;
		v->bytes += l->bytes;
		v->errors += l->errors;
	} else {
		count_unattr(&key, l->ops, l->bytes, l->errors);
	}
	l->ops = 0;
	l->bytes = 0;
	l->errors = 0;
}

static __always_inline int verdict(struct gw_last *l, struct file *file, struct inode *inode,
				   __u32 tgid, __u64 start_ns, struct gw_pending *out)
{
	if (l->file == (__u64)file && l->inode == (__u64)inode && l->tgid == tgid &&
	    l->start_ns == start_ns && l->check == last_check(l)) {
		out->root_id = l->root_id;
		out->bucket_ino = l->bucket_ino;
		return l->root_id != GW_ROOT_NONE ? V_HIT : V_NONE;
	}
	slot_flush(l);
	classify(file, inode, tgid, out);
	l->file = (__u64)file;
	l->inode = (__u64)inode;
	l->tgid = tgid;
	l->start_ns = start_ns;
	l->root_id = out->root_id;
	l->bucket_ino = out->bucket_ino;
	l->check = last_check(l);
	return out->root_id != GW_ROOT_NONE ? V_NEW : V_NONE;
}

static __always_inline int read_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gw_pending *p = bpf_map_lookup_elem(&pending, &id);
	struct gw_read_key key = {};

	if (!p)
		return 0;
	key.tgid = id >> 32;
	key.root_id = p->root_id;
	key.bucket_ino = p->bucket_ino;
	key.start_ns = current_start_ns();
	bpf_map_delete_elem(&pending, &id);
	count_read(&key, ret);
	return 0;
}

/* in_task: running in the process's own context (not a softirq). */
static __always_inline void count_conn(struct gw_conn_key *key, int ok, const char *comm, int in_task)
{
	struct gw_conn_val *v = bpf_map_lookup_elem(&conns, key);

	if (!v) {
		struct gw_conn_val zero = {};

		__builtin_memcpy(zero.comm, comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&conns, key, &zero, BPF_NOEXIST) == 0)
			emit_new(GW_EV_NEW_PEER, key->tgid, 0, 0, key->start_ns, comm, in_task);
		v = bpf_map_lookup_elem(&conns, key);
		if (!v) {
			count_drop(GW_DROP_CONNS_FULL);
			return;
		}
	}
	if (ok)
		v->ok += 1;
	else
		v->failed += 1;
}

static __always_inline void v4_mapped(__u8 *dst, const __u8 *v4)
{
	__builtin_memset(dst, 0, 10);
	dst[10] = 0xff;
	dst[11] = 0xff;
	__builtin_memcpy(dst + 12, v4, 4);
}

/* An accepted connection: the new fd's peer, counted for the accepting
 * (listening) process. */
static __always_inline int accept_exit(long fd)
{
	struct gw_conn_key key = {};
	struct socket *sock;
	struct file *file;
	struct sock *sk;
	char comm[16];
	__u16 family;
	__u32 daddr;

	if (fd < 0 || !(file = fd_file(fd)))
		return 0;
	if ((BPF_CORE_READ(file, f_inode, i_mode) & S_IFMT) != S_IFSOCK)
		return 0;
	sock = BPF_CORE_READ(file, private_data);
	sk = BPF_CORE_READ(sock, sk);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family == AF_INET) {
		daddr = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		v4_mapped(key.addr, (const __u8 *)&daddr);
	} else if (family == AF_INET6) {
		BPF_CORE_READ_INTO(&key.addr, sk, __sk_common.skc_v6_daddr.in6_u.u6_addr8);
	} else {
		return 0;
	}
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.dir = GW_CONN_IN;
	key.start_ns = current_start_ns();
	process_comm(comm);
	count_conn(&key, 1, comm, 1);
	return 0;
}

/* Outbound TCP connects: remembered at SYN_SENT (in the connecting process's
 * context), counted when the handshake ends either way. */
SEC("tracepoint/sock/inet_sock_set_state")
int tp_sock_state(struct trace_event_raw_inet_sock_set_state *ctx)
{
	__u64 sk = (__u64)ctx->skaddr;
	struct gw_connecting *c, start = {};
	struct gw_conn_key key = {};

	if (ctx->protocol != IPPROTO_TCP)
		return 0;
	if (ctx->newstate == TCP_SYN_SENT) {
		start.tgid = bpf_get_current_pid_tgid() >> 32;
		start.start_ns = current_start_ns();
		process_comm(start.comm);
		bpf_map_update_elem(&connecting, &sk, &start, BPF_ANY);
		return 0;
	}
	if (ctx->oldstate != TCP_SYN_SENT)
		return 0;
	c = bpf_map_lookup_elem(&connecting, &sk);
	if (!c)
		return 0;
	key.tgid = c->tgid;
	key.dir = GW_CONN_OUT;
	key.port = ctx->dport;
	key.start_ns = c->start_ns;
	/* Context fields are read at constant offsets: the verifier refuses
	 * pointer arithmetic on the tracepoint context. */
	if (ctx->family == AF_INET) {
		__u32 d4 = *(volatile __u32 *)ctx->daddr;

		v4_mapped(key.addr, (const __u8 *)&d4);
	} else {
		__u64 lo = *(volatile __u64 *)&ctx->daddr_v6[0];
		__u64 hi = *(volatile __u64 *)&ctx->daddr_v6[8];

		__builtin_memcpy(key.addr, &lo, 8);
		__builtin_memcpy(key.addr + 8, &hi, 8);
	}
	if (ctx->newstate == TCP_ESTABLISHED)
		count_conn(&key, 1, c->comm, 0);
	else if (ctx->newstate == TCP_CLOSE)
		count_conn(&key, 0, c->comm, 0);
	bpf_map_delete_elem(&connecting, &sk);
	return 0;
}

/* Which argument of a read-family syscall names the file read from; -1 for
 * other syscalls. */
static __always_inline int read_fd_arg(long nr)
{
	switch (nr) {
	case GW_NR_read:
	case GW_NR_pread64:
	case GW_NR_readv:
	case GW_NR_preadv:
	case GW_NR_preadv2:
	case GW_NR_splice:
	case GW_NR_copy_file_range:
		return 0;
	case GW_NR_sendfile:
		return 1;
	}
	return -1;
}

#if defined(__TARGET_ARCH_arm64)
#define SC_ARG0(regs) ((regs)->regs[0])
#define SC_ARG1(regs) ((regs)->regs[1])
#define SC_ARG2(regs) ((regs)->regs[2])
#define SC_ARG3(regs) ((regs)->regs[3])
#define SC_ARG4(regs) ((regs)->regs[4])
#define SC_NR(regs) ((regs)->syscallno)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, regs[0])
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, regs[1])
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, syscallno)
#else
#define SC_ARG0(regs) ((regs)->di)
#define SC_ARG1(regs) ((regs)->si)
#define SC_ARG2(regs) ((regs)->dx)
#define SC_ARG3(regs) ((regs)->r10)
#define SC_ARG4(regs) ((regs)->r8)
#define SC_NR(regs) ((regs)->orig_ax)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, di)
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, si)
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, orig_ax)
#endif

/* Registers at sys_exit: the return value has replaced x0 on arm64, whose
 * first argument survives in orig_x0. */
#if defined(__TARGET_ARCH_arm64)
#define SC_EXIT_ARG0(regs) ((regs)->orig_x0)
#define SC_EXIT_ARG0_CORE(regs) BPF_CORE_READ(regs, orig_x0)
#else
#define SC_EXIT_ARG0(regs) SC_ARG0(regs)
#define SC_EXIT_ARG0_CORE(regs) SC_ARG0_CORE(regs)
#endif

/* The slot of this CPU, flushed first when the agent asked for it. */
static __always_inline struct gw_last *slot_synced(void)
{
	struct gw_last *l = last_slot();

	if (l && l->gen != flush_gen) {
		slot_flush(l);
		l->gen = flush_gen;
	}
	return l;
}

/* A read-family call on file returned ret: counted if under a root. A file
 * closed by another thread while the call ran is seen as what holds the fd
 * now (or nothing). */
static __always_inline void read_done(struct gw_last *l, struct file *file, struct inode *inode,
				      long ret, __u32 tgid, __u64 start_ns)
{
	struct gw_read_key key = {};
	struct gw_pending p;
	int v = verdict(l, file, inode, tgid, start_ns, &p);

	if (v == V_NONE)
		return;
	if (v == V_NEW || count_direct) {
		slot_key(l, &key);
		/* the entry is made (and announced) by the reading process */
		if (count_direct) {
			count_read(&key, ret);
			return;
		}
		count_entry(&key, 1);
	}
	if (ret >= 0) {
		l->ops += 1;
		l->bytes += ret;
	} else {
		l->errors += 1;
	}
}

/* A read-family call of the current task returned ret; regs are its saved
 * registers, arg the argument that names the file. Everything is read with
 * direct loads (tp_btf and tp_exit). */
static __always_inline int read_done_btf(const struct pt_regs *regs, int arg, long ret)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct gw_last *l = slot_synced();
	struct file *file;

	if (!l)
		return 0;
	file = fd_file_btf(task, arg ? SC_ARG1(regs) : SC_EXIT_ARG0(regs));
	if (file)
		read_done(l, file, file_inode_fast(file), ret, task->tgid,
			  task->group_leader->start_boottime);
	return 0;
}

/* Family 1: fexit on the syscall functions themselves, a direct call from
 * each watched syscall and nothing on any other. The syscall wrappers, not
 * vfs_read(): readv, sendfile, splice and copy_file_range do not pass
 * through vfs_read(), and security_file_permission() runs before the read
 * and knows no byte count. io_uring reads are counted by the io_uring
 * completion tracepoint below, with every family. */
#if defined(__TARGET_ARCH_arm64)
#define SYS_FUNC(name) "__arm64_sys_" #name
#else
#define SYS_FUNC(name) "__x64_sys_" #name
#endif

#define READ_FX(name, fdarg)                                                   \
	SEC("fexit/" SYS_FUNC(name))                                           \
	int BPF_PROG(fx_exit_##name, const struct pt_regs *regs, long ret)     \
	{                                                                      \
		return read_done_btf(regs, fdarg, ret);                        \
	}

#define ACCEPT_FX(name)                                                        \
	SEC("fexit/" SYS_FUNC(name))                                           \
	int BPF_PROG(fx_exit_##name, const struct pt_regs *regs, long ret)     \
	{                                                                      \
		return accept_exit(ret);                                       \
	}

/* Family 2: tp_btf, typed arguments and the task read with direct loads. */
SEC("tp_btf/sys_exit")
int BPF_PROG(btf_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SC_NR(regs);
	int arg;

	if (nr == GW_NR_accept || nr == GW_NR_accept4)
		return accept_exit(ret);
	arg = read_fd_arg(nr);
	if (arg < 0)
		return 0;
	return read_done_btf(regs, arg, ret);
}

/* Family 3: the raw tracepoint, arguments through probe reads. */
SEC("raw_tracepoint/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	long nr = SC_NR_CORE(regs), ret = (long)ctx->args[1];
	struct gw_last *l;
	struct file *file;
	int arg;

	if (nr == GW_NR_accept || nr == GW_NR_accept4)
		return accept_exit(ret);
	arg = read_fd_arg(nr);
	if (arg < 0 || !(l = slot_synced()))
		return 0;
	file = fd_file(arg ? SC_ARG1_CORE(regs) : SC_EXIT_ARG0_CORE(regs));
	if (file)
		read_done(l, file, BPF_CORE_READ(file, f_inode), ret,
			  bpf_get_current_pid_tgid() >> 32, current_start_ns());
	return 0;
}

/* The classic families: one tracepoint per read-family syscall (with the
 * argument that names the file), and the two accepts. */
#define READ_SYSCALLS(X)                                                       \
	X(read, 0)                                                             \
	X(pread64, 0)                                                          \
	X(readv, 0)                                                            \
	X(preadv, 0)                                                           \
	X(preadv2, 0)                                                          \
	X(sendfile64, 1)                                                       \
	X(splice, 0)                                                           \
	X(copy_file_range, 0)

#define ACCEPT_TP(prefix, name)                                                \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int prefix##_exit_##name(struct trace_event_raw_sys_exit *ctx)         \
	{                                                                      \
		return accept_exit(ctx->ret);                                  \
	}

/* Family 4: classic per-syscall tracepoints at exit only (5.15+). Only the
 * watched syscalls run a program (the kernel tests a bitmap for the rest);
 * the arguments come from the task's saved registers. */
#define READ_TPX(name, fdarg)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int tpx_exit_##name(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                      \
		struct pt_regs *regs =                                         \
			(struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()); \
		return regs ? read_done_btf(regs, fdarg, ctx->ret) : 0;        \
	}

READ_SYSCALLS(READ_FX)
ACCEPT_FX(accept)
ACCEPT_FX(accept4)

READ_SYSCALLS(READ_TPX)
ACCEPT_TP(tpx, accept)
ACCEPT_TP(tpx, accept4)

/* Family 5: classic per-syscall tracepoints at entry and exit, which every
 * kernel with BTF has. */
#define READ_TP(name, fdarg)                                                   \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int tp_enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                      \
		return read_enter((long)ctx->args[fdarg]);                     \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)               \
	{                                                                      \
		return read_exit(ctx->ret);                                    \
	}

READ_SYSCALLS(READ_TP)
ACCEPT_TP(tp, accept)
ACCEPT_TP(tp, accept4)

/* A mapping of object data is a read: mmap of a file under a root with
 * PROT_READ, and the growth of such a mapping by mremap, count as mapped
 * ops and bytes of the process (the length mapped; the pages it then
 * touches are not seen one by one). One classic tracepoint each, at exit,
 * with every family: mmap and mremap are rare next to reads. */
static __always_inline void count_mapped(struct task_struct *task, struct file *file, __u64 len)
{
	struct gw_read_key key = {};
	struct gw_read_val *v;
	struct gw_pending p;

	if (!classify(file, BPF_CORE_READ(file, f_inode), task->tgid, &p))
		return;
	key.tgid = task->tgid;
	key.root_id = p.root_id;
	key.bucket_ino = p.bucket_ino;
	key.start_ns = task->group_leader->start_boottime;
	v = count_entry(&key, 1);
	if (!v) {
		count_unattr(&key, 1, len, 0);
		return;
	}
	v->mapped_ops += 1;
	v->mapped_bytes += len;
}

SEC("tracepoint/syscalls/sys_exit_mmap")
int mm_exit_mmap(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct file *file;

	if (!regs || (unsigned long)ctx->ret >= (unsigned long)-MAX_ERRNO)
		return 0;
	if (!(SC_ARG2(regs) & PROT_READ) || (SC_ARG3(regs) & MAP_ANONYMOUS))
		return 0;
	file = fd_file_btf(task, (int)SC_ARG4(regs));
	if (file)
		count_mapped(task, file, SC_ARG1(regs));
	return 0;
}

struct remap_ctx {
	struct file *file;
	__u64 flags;
};

static long remap_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct remap_ctx *c = data;

	c->file = vma->vm_file;
	c->flags = vma->vm_flags;
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_mremap")
int mm_exit_mremap(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	struct remap_ctx c = {};
	__u64 old_len, new_len;

	if (!regs || (unsigned long)ctx->ret >= (unsigned long)-MAX_ERRNO)
		return 0;
	old_len = SC_ARG1(regs);
	new_len = SC_ARG2(regs);
	if (new_len <= old_len)
		return 0;
	if (bpf_find_vma(task, (__u64)ctx->ret, remap_vma, &c, 0) || !c.file || !(c.flags & VM_READ))
		return 0;
	count_mapped(task, c.file, new_len - old_len);
	return 0;
}

/* Linux AIO (io_submit) has no read tracepoint: the reads it submits are
 * counted at submission as attempted reads, the bytes asked for, for the
 * submitting process (IOCB_CMD_PREAD, IOCB_CMD_PREADV; at most AIO_MAX of
 * a batch, the rest counted as events lost). */
#define AIO_MAX 16
#define IOCB_CMD_PREAD 0
#define IOCB_CMD_PREADV 7

struct gw_iocb {
	__u64 data;
	__u32 key, rw_flags;
	__u16 opcode;
	__s16 reqprio;
	__u32 fd;
	__u64 buf;
	__u64 nbytes;
};

static __always_inline void aio_one(struct task_struct *task, const void *iocbpp, long i)
{
	struct gw_read_key key = {};
	struct gw_iocb cb;
	struct gw_pending p;
	struct file *file;
	const void *up;
	__u64 bytes;

	if (bpf_probe_read_user(&up, sizeof(up), iocbpp + i * sizeof(void *)) ||
	    bpf_probe_read_user(&cb, sizeof(cb), up))
		return;
	if (cb.opcode != IOCB_CMD_PREAD && cb.opcode != IOCB_CMD_PREADV)
		return;
	file = fd_file_btf(task, cb.fd);
	if (!file || !classify(file, BPF_CORE_READ(file, f_inode), task->tgid, &p))
		return;
	/* PREADV: nbytes is the iovec count, not bytes; counted as an op */
	bytes = cb.opcode == IOCB_CMD_PREAD ? cb.nbytes : 0;
	key.tgid = task->tgid;
	key.root_id = p.root_id;
	key.bucket_ino = p.bucket_ino;
	key.start_ns = task->group_leader->start_boottime;
	count_read(&key, (long)bytes);
}

SEC("tracepoint/syscalls/sys_exit_io_submit")
int mm_exit_io_submit(struct trace_event_raw_sys_exit *ctx)
{
	struct task_struct *task = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);
	const void *iocbpp;
	long n = ctx->ret;

	if (!regs || n <= 0)
		return 0;
	iocbpp = (const void *)SC_ARG2(regs);
	if (n > AIO_MAX)
		count_drops(GW_DROP_PENDING_FULL, n - AIO_MAX);
	for (long i = 0; i < AIO_MAX && i < n; i++)
		aio_one(task, iocbpp, i);
	return 0;
}

/* io_uring reads (IORING_OP_READ, READV, READ_FIXED, READV_FIXED; UAPI
 * numbers) never enter a read syscall: they are counted at completion, one
 * by one, for the process that owns the request. io_uring completes file
 * reads in that process's context (inline, from its task work, or in its
 * io-wq or SQPOLL threads); a completion seen elsewhere is not counted, so
 * that nothing is charged to whatever process an interrupt landed on.
 * Kernels before 5.18 do not name the request in the tracepoint; there
 * io_uring reads go uncounted. */
struct io_kiocb___task {
	struct task_struct *task;
} __attribute__((preserve_access_index));

static __always_inline int uring_read_op(__u8 op)
{
	return op == 22 || op == 1 || op == 4 || op == 60;
}

SEC("tracepoint/io_uring/io_uring_complete")
int tp_uring_complete(struct trace_event_raw_io_uring_complete *ctx)
{
	struct gw_read_key key = {};
	struct task_struct *task;
	struct io_kiocb *req;
	struct gw_pending p;
	struct file *file;
	__u32 tgid;

	if (!bpf_core_field_exists(ctx->req))
		return 0;
	req = (struct io_kiocb *)ctx->req;
	if (!req || !uring_read_op(BPF_CORE_READ(req, opcode)))
		return 0;
	if (bpf_core_field_exists(((struct io_kiocb___task *)req)->task))
		task = BPF_CORE_READ((struct io_kiocb___task *)req, task);
	else
		task = BPF_CORE_READ(req, tctx, task);
	tgid = BPF_CORE_READ(task, tgid);
	if (!task || tgid != bpf_get_current_pid_tgid() >> 32)
		return 0;
	file = BPF_CORE_READ(req, file);
	if (!file || !classify(file, BPF_CORE_READ(file, f_inode), tgid, &p))
		return 0;
	key.tgid = tgid;
	key.root_id = p.root_id;
	key.bucket_ino = p.bucket_ino;
	key.start_ns = BPF_CORE_READ(task, group_leader, start_boottime);
	count_read(&key, ctx->res);
	return 0;
}
