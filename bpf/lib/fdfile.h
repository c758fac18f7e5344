/* fd -> struct file of the current task, and a file's inode: through
 * CO-RE probe reads (any program type), or with direct loads in
 * BTF-enabled programs (tp_btf, fexit, and classic tracepoints that take
 * the task from bpf_get_current_task_btf()). */
#ifndef GW_BPF_LIB_FDFILE_H
#define GW_BPF_LIB_FDFILE_H

#include "lib/common.h"

/* 6.2+: reads through a cast pointer are plain loads that the JIT guards,
 * not helper calls; older kernels take the probe-read path below it.
 * libbpf before 1.5 cannot link a kfunc declared in two units ("failed to
 * resolve size of underlying type"), so only the unit that defines
 * GW_RDONLY_CAST declares it: reads.bpf.c, the hot path. The others (mmap,
 * io_submit: rare syscalls) take the probe-read path. */
#ifdef GW_RDONLY_CAST
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym __weak;
#endif

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

/* A kernel word at addr read with a plain guarded load where the kernel has
 * bpf_rdonly_cast, as the first member (a 64-bit integer) of struct
 * timespec64: the value stays a number for the verifier, not a typed
 * pointer whose every later use it would have to follow. */
#ifdef GW_RDONLY_CAST
static __always_inline __u64 load_word(const void *addr)
{
	struct timespec64 *w = bpf_rdonly_cast(addr, bpf_core_type_id_kernel(struct timespec64));

	return (__u64)w->tv_sec;
}
#endif

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
#ifdef GW_RDONLY_CAST
	if (bpf_rdonly_cast)
		return (struct file *)load_word(&fds[fd]);
#endif
	if (bpf_probe_read_kernel(&f, sizeof(f), &fds[fd]))
		return NULL;
	return f;
}

static __always_inline struct inode *file_inode_fast(struct file *file)
{
#ifdef GW_RDONLY_CAST
	if (bpf_rdonly_cast)
		return (struct inode *)load_word((void *)file +
						 bpf_core_field_offset(struct file, f_inode));
#endif
	return BPF_CORE_READ(file, f_inode);
}

#endif
