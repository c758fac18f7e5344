// SPDX-License-Identifier: (BSD-2-Clause OR GPL-2.0-only)
/* make bench only: an empty program on the sys_exit tracepoint, the floor
 * under any sensor that hooks every syscall. Its cost is printed beside the
 * sensor's so the sensor's own share can be read off. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/sys_exit")
int BPF_PROG(floor_sys_exit, struct pt_regs *regs, long ret)
{
	return 0;
}
