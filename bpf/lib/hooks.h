/* The hook families that carry the read-family syscalls and the accepts,
 * as one macro per family and kind of syscall, expanded over the lists of
 * reads.h (GW_READ_SYSCALLS, GW_ACCEPT_SYSCALLS). Program names carry the
 * family (fx_, tpx_, tp_enter_/tp_exit_), and the agent enables each
 * family by these names through the skeleton. tp_btf and raw_tp have one
 * program each at sys_exit (reads.bpf.c).
 *
 * A READ_* macro expects read_done_btf(), read_enter() and read_exit()
 * (reads.bpf.c) in scope; the accept ones accept_exit() (lib/conn.h). */
#ifndef GW_BPF_LIB_HOOKS_H
#define GW_BPF_LIB_HOOKS_H

#include "lib/common.h"
#include "lib/sysargs.h"

/* fexit on the syscall functions themselves: a direct call from each
 * watched syscall and nothing on any other. */
#define READ_FX(name, fdarg)                                                   \
	SEC("fexit/" SYS_FUNC(name))                                           \
	int BPF_PROG(fx_exit_##name, const struct pt_regs *regs, long ret)     \
	{                                                                      \
		return read_done_btf(regs, fdarg, ret);                        \
	}

#define ACCEPT_FX(name)                                                        \
	SEC("fexit/" SYS_FUNC(name))                                           \
	int BPF_PROG(fx_exit_##name, const struct pt_regs *regs, long ret)     \
	{                                                                      \
		return accept_exit(ret);                                       \
	}

/* Classic per-syscall tracepoints at exit only (tp_exit, 5.15+): the
 * arguments come from the task's saved registers. */
#define READ_TPX(name, fdarg)                                                  \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int tpx_exit_##name(struct trace_event_raw_sys_exit *ctx)              \
	{                                                                      \
		struct pt_regs *regs =                                         \
			(struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf()); \
		return regs ? read_done_btf(regs, fdarg, ctx->ret) : 0;        \
	}

#define ACCEPT_TP_(prefix, name)                                               \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int prefix##_exit_##name(struct trace_event_raw_sys_exit *ctx)         \
	{                                                                      \
		return accept_exit(ctx->ret);                                  \
	}

#define ACCEPT_TPX(name) ACCEPT_TP_(tpx, name)

/* Classic per-syscall tracepoints at entry and exit (tracepoint), which
 * every kernel with BTF has: the call is remembered per thread at entry,
 * counted at exit. */
#define READ_TP(name, fdarg)                                                   \
	SEC("tracepoint/syscalls/sys_enter_" #name)                            \
	int tp_enter_##name(struct trace_event_raw_sys_enter *ctx)             \
	{                                                                      \
		return read_enter((long)ctx->args[fdarg]);                     \
	}                                                                      \
	SEC("tracepoint/syscalls/sys_exit_" #name)                             \
	int tp_exit_##name(struct trace_event_raw_sys_exit *ctx)               \
	{                                                                      \
		return read_exit(ctx->ret);                                    \
	}

#define ACCEPT_TP(name) ACCEPT_TP_(tp, name)

#endif
