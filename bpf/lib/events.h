/* The rare events on the ring buffer: a process's first read of an object
 * (a sample, rate-limited per process and window), and a new reader, peer
 * or unattributed reader with the process's identity. */
#ifndef GW_BPF_LIB_EVENTS_H
#define GW_BPF_LIB_EVENTS_H

#include "lib/common.h"
#include "lib/path.h"

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

#endif
