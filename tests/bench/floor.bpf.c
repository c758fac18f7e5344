// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* make bench only: empty programs, the floors under the sensor's hooks: one
 * on the sys_exit tracepoint (under any family that hooks every syscall)
 * and one on the classic sys_exit_pread64 tracepoint (under tp_exit: the
 * kernel's cost of one enabled syscall tracepoint). Their cost is printed
 * beside the sensor's so the sensor's own share can be read off. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}

SEC("tracepoint/syscalls/sys_exit_pread64")
int floor_tp_pread64(void *ctx)
{
	return 0;
}
