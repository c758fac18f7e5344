// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* A mapping of object data is a read: mmap of a file under a root with
 * PROT_READ, and the growth of such a mapping by mremap, count as mapped
 * ops and bytes of the process (the length mapped; the pages it then
 * touches are not seen one by one). One classic tracepoint each, at exit,
 * with every hook family: mmap and mremap are rare next to reads. */
#include "lib/common.h"
#include "lib/classify.h"
#include "lib/counts.h"
#include "lib/fdfile.h"
#include "lib/sysargs.h"

static __always_inline void count_mapped(struct task_struct *task, struct file *file, __u64 len)
{
	struct gw_read_key key = {};
	struct gw_read_val *v;
	struct gw_pending p;

	if (!classify(file, BPF_CORE_READ(file, f_inode), task->tgid, &p))
		return;
	count_key(&key, task, &p);
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
