// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Object reads by read-family syscall (read, pread64, readv, preadv,
 * preadv2, sendfile, splice, copy_file_range), counted per process x root x
 * bucket in the kernel.
 *
 * When such a syscall returns, the file behind its fd is classified once
 * per open file (lib/classify.h; the verdict is cached by struct file, and
 * the last file per CPU in front of that: the slot below). Consecutive
 * reads of one file by one process, a gateway streaming an object, gather
 * their counts in the slot and reach the reads map when the file changes
 * or the agent asks for a flush.
 *
 * Five hook families carry the same logic; the agent loads the cheapest
 * one the kernel accepts, and the programs of every other unit with it:
 *   fexit       on the syscall functions (__x64_sys_read, ...), a direct
 *               call from each watched syscall only (5.5+, needs
 *               trampolines)
 *   tp_exit     classic per-syscall tracepoints at exit, the arguments
 *               from the task's saved registers (5.15+)
 *   tp_btf      the typed raw sys_exit tracepoint, one program at every
 *               syscall's exit, direct loads (5.5+)
 *   raw_tp      the raw sys_exit tracepoint, probe reads
 *   tracepoint  classic per-syscall tracepoints at entry and exit, the
 *               call remembered per thread at entry (any kernel with BTF)
 * The syscall wrappers, not vfs_read(): readv, sendfile, splice and
 * copy_file_range do not pass through vfs_read(), and
 * security_file_permission() runs before the read and knows no byte
 * count. The accepts ride on tp_btf's and raw_tp's sys_exit programs here;
 * the other families' accept programs are in conns.bpf.c. */
/* direct loads through bpf_rdonly_cast where the kernel has it (lib/fdfile.h) */
#define GW_RDONLY_CAST
#include "lib/common.h"
#include "lib/classify.h"
#include "lib/conn.h"
#include "lib/counts.h"
#include "lib/fdfile.h"
#include "lib/hooks.h"
#include "lib/sysargs.h"

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

/* classify() behind the per-CPU slot: V_HIT for the file the slot holds,
 * V_NEW when the slot was refilled (after flushing it), V_NONE when the
 * file is not under a root. */
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

/* The tracepoint family at entry: the call's verdict remembered by thread. */
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

/* The tracepoint family at exit: the call remembered at entry, counted. */
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
 * direct loads (fexit, tp_exit and tp_btf). */
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

/* fexit: one program per watched syscall. */
GW_READ_SYSCALLS(READ_FX)

/* tp_btf: typed arguments and the task read with direct loads. */
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

/* raw_tp: the raw tracepoint, arguments through probe reads. */
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

/* tp_exit: only the watched syscalls run a program (the kernel tests a
 * bitmap for the rest). */
GW_READ_SYSCALLS(READ_TPX)

/* tracepoint: at entry and exit. */
GW_READ_SYSCALLS(READ_TP)
