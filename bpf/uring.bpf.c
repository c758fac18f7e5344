// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* io_uring reads (IORING_OP_READ, READV, READ_FIXED, READV_FIXED; UAPI
 * numbers) never enter a read syscall: they are counted at completion, one
 * by one, for the process that owns the request, with every hook family
 * (the agent leaves this program out where the kernel has no io_uring).
 * io_uring completes file reads in that process's context (inline, from
 * its task work, or in its io-wq or SQPOLL threads); a completion seen
 * elsewhere is not counted, so that nothing is charged to whatever process
 * an interrupt landed on. Kernels before 5.18 do not name the request in
 * the tracepoint; there io_uring reads go uncounted. */
#include "lib/common.h"
#include "lib/classify.h"
#include "lib/counts.h"

/* Kernels before 6.13 keep the request's task in the request itself; later
 * ones in its io_uring_task (req->tctx). */
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
