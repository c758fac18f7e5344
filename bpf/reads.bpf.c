// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Object reads per process, counted in the kernel.
 *
 * On entry to a read-family syscall the file behind the fd is classified:
 * a regular file whose path lies under a watched root (found by walking
 * d_parent up to GW_MAX_DEPTH levels and looking each directory up in the
 * roots map). Only then is the call remembered per thread; on exit its
 * result is added to the per-CPU counts. Nothing per event leaves the kernel.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>

#include "reads.h"

#define S_IFMT 00170000
#define S_IFREG 0100000

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GW_MAX_ROOTS);
	__type(key, struct gw_root_key);
	__type(value, struct gw_root_val);
} roots SEC(".maps");

/* Devices that hold a root: a cheap first filter. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, GW_MAX_ROOTS);
	__type(key, __u64);
	__type(value, __u32);
} root_devs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 8192);
	__type(key, __u64);
	__type(value, struct gw_pending);
} pending SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 10240);
	__type(key, struct gw_read_key);
	__type(value, struct gw_read_val);
} reads SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, GW_DROP_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);
} events SEC(".maps");

static __always_inline void count_drop(__u32 what)
{
	__u64 *v = bpf_map_lookup_elem(&drops, &what);

	if (v)
		*v += 1;
}

static __always_inline struct file *fd_file(int fd)
{
	struct task_struct *task = (struct task_struct *)bpf_get_current_task();
	struct fdtable *fdt = BPF_CORE_READ(task, files, fdt);
	struct file **fds;
	struct file *f = NULL;

	if (!fdt || fd < 0 || (unsigned int)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	fds = BPF_CORE_READ(fdt, fd);
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

/* Is this file under a watched root? Fills the root and bucket if so. */
static __always_inline int classify(struct file *file, struct gw_pending *out)
{
	struct gw_root_key key = {};
	struct dentry *d, *parent, *child = NULL;
	struct gw_root_val *r;
	umode_t mode;

	mode = BPF_CORE_READ(file, f_inode, i_mode);
	if ((mode & S_IFMT) != S_IFREG)
		return 0;
	key.dev = BPF_CORE_READ(file, f_inode, i_sb, s_dev);
	if (!bpf_map_lookup_elem(&root_devs, &key.dev))
		return 0;
	d = BPF_CORE_READ(file, f_path.dentry);
	for (int i = 0; i < GW_MAX_DEPTH; i++) {
		parent = BPF_CORE_READ(d, d_parent);
		if (!parent || parent == d)
			return 0;
		child = d;
		d = parent;
		key.ino = BPF_CORE_READ(d, d_inode, i_ino);
		r = bpf_map_lookup_elem(&roots, &key);
		if (r) {
			out->root_id = r->root_id;
			/* child is the file itself when it sits directly in the root */
			out->bucket_ino = i ? BPF_CORE_READ(child, d_inode, i_ino) : 0;
			return 1;
		}
	}
	return 0;
}

static __always_inline int on_enter(int fd)
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

/* Tell the agent about a new reader while it is still alive, so that its
 * identity (exe, start time) can be read from /proc before it exits. */
static __always_inline void emit_new_reader(const struct gw_read_key *key, const char *comm)
{
	struct gw_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);

	if (!e) {
		count_drop(GW_DROP_EVENTS_FULL);
		return;
	}
	e->kind = GW_EV_NEW_READER;
	e->tgid = key->tgid;
	e->root_id = key->root_id;
	e->pad = 0;
	e->bucket_ino = key->bucket_ino;
	__builtin_memcpy(e->comm, comm, sizeof(e->comm));
	bpf_ringbuf_submit(e, 0);
}

static __always_inline int on_exit(long ret)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct gw_pending *p = bpf_map_lookup_elem(&pending, &id);
	struct gw_read_key key = {};
	struct gw_read_val *v;

	if (!p)
		return 0;
	key.tgid = id >> 32;
	key.root_id = p->root_id;
	key.bucket_ino = p->bucket_ino;
	bpf_map_delete_elem(&pending, &id);
	v = bpf_map_lookup_elem(&reads, &key);
	if (!v) {
		struct gw_read_val zero = {};

		bpf_get_current_comm(zero.comm, sizeof(zero.comm));
		if (bpf_map_update_elem(&reads, &key, &zero, BPF_NOEXIST) == 0)
			emit_new_reader(&key, zero.comm);
		v = bpf_map_lookup_elem(&reads, &key);
		if (!v) {
			count_drop(GW_DROP_COUNTS_FULL);
			return 0;
		}
	}
	if (ret >= 0) {
		v->ops += 1;
		v->bytes += ret;
	} else {
		v->errors += 1;
	}
	return 0;
}

/* Classic syscall tracepoints: the fallback that works on every kernel
 * with BTF. fd is the syscall argument that names the file read from. */
#define READ_TP(name, fdarg)                                                   \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int tp_enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                      \
		return on_enter((int)ctx->args[fdarg]);                        \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)               \
	{                                                                      \
		return on_exit(ctx->ret);                                      \
	}

READ_TP(read, 0)
READ_TP(pread64, 0)
READ_TP(readv, 0)
READ_TP(preadv, 0)
READ_TP(preadv2, 0)
READ_TP(sendfile64, 1)
READ_TP(splice, 0)
READ_TP(copy_file_range, 0)
