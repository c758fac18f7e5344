// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* The host sensor: object reads and connections per process, counted in
 * the kernel. Nothing per event leaves the kernel; only rare events (a new
 * reader, a sample object, a new peer) go to the ring buffer.
 *
 * Reads: on entry to a read-family syscall the file behind the fd is
 * classified once per open file (the verdict is cached by struct file): a
 * regular file whose path lies under a watched root, found by walking
 * d_parent and crossing mounts, up to GW_MAX_DEPTH levels. Only such calls
 * are remembered per thread; on exit their result is counted.
 *
 * Three hook families carry the same logic; the agent loads the cheapest one
 * the kernel accepts: tp_btf (typed raw syscall tracepoints, 5.5+), raw
 * syscall tracepoints, then the classic per-syscall tracepoints.
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

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Set by the agent before load. */
const volatile __u32 samples_per_window = 5;
/* Bumped by the agent at each poll: sample budgets are per window. */
__u64 window_id = 0;

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

/* tp_btf family only (5.11+): cheaper than the pending hash. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct gw_task);
} task_state SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_read_key);
	__type(value, struct gw_read_val);
} reads SEC(".maps");

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

static __always_inline void count_drop(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		*v += 1;
}

static __always_inline __u64 current_start_ns(void)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();

	return BPF_CORE_READ(task, group_leader, start_boottime);
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
	bpf_get_current_comm(e->comm, sizeof(e->comm));
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

/* fd_file() for BTF-enabled programs: the task, its file table and fd
 * array are read with direct loads instead of probe-read helper calls;
 * only the array slot needs one. */
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
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* Is this file under a watched root? Cached per struct file. */
static __always_inline int classify(struct file *file, struct gw_pending *out)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	__u64 fkey = (__u64)file, dev;
	__u32 tgid = bpf_get_current_pid_tgid() >> 32;
	struct gw_verdict v = {}, *cached;
	umode_t mode;

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
			walk(file, &v);
		if (bpf_map_update_elem(&verdicts, &fkey, &v, BPF_ANY))
			count_drop(GW_DROP_VERDICTS_FULL);
	}
	if (v.root_id == GW_ROOT_NONE)
		return 0;
	out->root_id = v.root_id;
	out->bucket_ino = v.bucket_ino;
	return 1;
}

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

	if (!file || !classify(file, &p))
		return 0;
	if (bpf_map_update_elem(&pending, &id, &p, BPF_ANY))
		count_drop(GW_DROP_PENDING_FULL);
	return 0;
}

static __always_inline void count_read(struct gw_read_key *key, long ret)
{
	struct gw_read_val *v = bpf_map_lookup_elem(&reads, key);

	if (!v) {
		struct gw_read_val zero = {};

		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&reads, key, &zero, BPF_NOEXIST) == 0)
			emit_new(GW_EV_NEW_READER, key->tgid, key->root_id, key->bucket_ino,
				 key->start_ns, zero.comm, 1);
		v = bpf_map_lookup_elem(&reads, key);
		if (!v) {
			count_drop(GW_DROP_COUNTS_FULL);
			return;
		}
	}
	if (ret >= 0) {
		v->ops += 1;
		v->bytes += ret;
	} else {
		v->errors += 1;
	}
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
	bpf_get_current_comm(comm, sizeof(comm));
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
		bpf_get_current_comm(start.comm, sizeof(start.comm));
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

static __always_inline int sys_exit_common(long nr, long ret)
{
	if (nr == GW_NR_accept || nr == GW_NR_accept4)
		return accept_exit(ret);
	if (read_fd_arg(nr) >= 0)
		return read_exit(ret);
	return 0;
}

#if defined(__TARGET_ARCH_arm64)
#define SC_ARG0(regs) ((regs)->regs[0])
#define SC_ARG1(regs) ((regs)->regs[1])
#define SC_NR(regs) ((regs)->syscallno)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, regs[0])
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, regs[1])
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, syscallno)
#else
#define SC_ARG0(regs) ((regs)->di)
#define SC_ARG1(regs) ((regs)->si)
#define SC_NR(regs) ((regs)->orig_ax)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, di)
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, si)
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, orig_ax)
#endif

/* Family 1: tp_btf, typed arguments read directly; the read in flight is
 * kept in task local storage. */
SEC("tp_btf/sys_enter")
int BPF_PROG(btf_sys_enter, struct pt_regs *regs, long nr)
{
	int arg = read_fd_arg(nr);
	struct gw_pending p = {};
	struct task_struct *task;
	struct file *file;
	struct gw_task *t;

	if (arg < 0)
		return 0;
	task = bpf_get_current_task_btf();
	file = fd_file_btf(task, arg ? SC_ARG1(regs) : SC_ARG0(regs));
	if (!file || !classify(file, &p))
		return 0;
	t = bpf_task_storage_get(&task_state, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!t) {
		count_drop(GW_DROP_PENDING_FULL);
		return 0;
	}
	if (!t->start_ns)
		t->start_ns = task->group_leader->start_boottime;
	t->active = 1;
	t->root_id = p.root_id;
	t->bucket_ino = p.bucket_ino;
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(btf_sys_exit, struct pt_regs *regs, long ret)
{
	long nr = SC_NR(regs);
	struct gw_read_key key = {};
	struct gw_task *t;

	if (nr == GW_NR_accept || nr == GW_NR_accept4)
		return accept_exit(ret);
	if (read_fd_arg(nr) < 0)
		return 0;
	t = bpf_task_storage_get(&task_state, bpf_get_current_task_btf(), 0, 0);
	if (!t || !t->active)
		return 0;
	t->active = 0;
	key.tgid = bpf_get_current_pid_tgid() >> 32;
	key.root_id = t->root_id;
	key.bucket_ino = t->bucket_ino;
	key.start_ns = t->start_ns;
	count_read(&key, ret);
	return 0;
}

/* Family 2: raw tracepoints, arguments through probe reads. */
SEC("raw_tracepoint/sys_enter")
int raw_sys_enter(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];
	int arg = read_fd_arg((long)ctx->args[1]);

	if (arg < 0)
		return 0;
	return read_enter(arg ? SC_ARG1_CORE(regs) : SC_ARG0_CORE(regs));
}

SEC("raw_tracepoint/sys_exit")
int raw_sys_exit(struct bpf_raw_tracepoint_args *ctx)
{
	struct pt_regs *regs = (struct pt_regs *)ctx->args[0];

	return sys_exit_common(SC_NR_CORE(regs), (long)ctx->args[1]);
}

/* Family 3: classic per-syscall tracepoints, which every kernel with BTF has. */
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

READ_TP(read, 0)
READ_TP(pread64, 0)
READ_TP(readv, 0)
READ_TP(preadv, 0)
READ_TP(preadv2, 0)
READ_TP(sendfile64, 1)
READ_TP(splice, 0)
READ_TP(copy_file_range, 0)

SEC("tracepoint/syscalls/sys_exit_accept")
int tp_exit_accept(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}

SEC("tracepoint/syscalls/sys_exit_accept4")
int tp_exit_accept4(struct trace_event_raw_sys_exit *ctx)
{
	return accept_exit(ctx->ret);
}
