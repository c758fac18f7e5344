// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* Linux AIO (io_submit) has no read tracepoint: the reads it submits are
 * counted at submission as attempted reads, the bytes asked for, for the
 * submitting process (IOCB_CMD_PREAD, IOCB_CMD_PREADV; at most AIO_MAX of
 * a batch, the rest counted as events lost). One classic tracepoint at
 * exit, with every hook family. */
#include "lib/common.h"
#include "lib/classify.h"
#include "lib/counts.h"
#include "lib/fdfile.h"
#include "lib/sysargs.h"

#define AIO_MAX 16
#define IOCB_CMD_PREAD 0
#define IOCB_CMD_PREADV 7

/* struct iocb of the UAPI (little-endian layout). */
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
	count_key(&key, task, &p);
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
