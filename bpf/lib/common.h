/* What every unit of the sensor includes: the kernel's types (CO-RE), the
 * libbpf helpers, the kernel/agent ABI, the shared maps and configuration
 * (lib/maps.h), UAPI constants that vmlinux.h lacks, and the current
 * process's identity. */
#ifndef GW_BPF_LIB_COMMON_H
#define GW_BPF_LIB_COMMON_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_endian.h>

#include "reads.h"
#include "lib/maps.h"

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

/* The current process's start time (ns since boot): with its tgid, the
 * process's identity across pid reuse. */
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

#endif
