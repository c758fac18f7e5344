/* Syscall arguments from the saved user registers (struct pt_regs), per
 * architecture: SC_ARGn and SC_NR with direct loads (BTF-enabled programs),
 * the *_CORE forms through probe reads (raw tracepoints); which argument of
 * a read-family syscall names the file; the syscall wrappers' function
 * names for fexit. */
#ifndef GW_BPF_LIB_SYSARGS_H
#define GW_BPF_LIB_SYSARGS_H

#include "lib/common.h"

#if defined(__TARGET_ARCH_arm64)
#define SC_ARG0(regs) ((regs)->regs[0])
#define SC_ARG1(regs) ((regs)->regs[1])
#define SC_ARG2(regs) ((regs)->regs[2])
#define SC_ARG3(regs) ((regs)->regs[3])
#define SC_ARG4(regs) ((regs)->regs[4])
#define SC_NR(regs) ((regs)->syscallno)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, regs[0])
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, regs[1])
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, syscallno)
#else
#define SC_ARG0(regs) ((regs)->di)
#define SC_ARG1(regs) ((regs)->si)
#define SC_ARG2(regs) ((regs)->dx)
#define SC_ARG3(regs) ((regs)->r10)
#define SC_ARG4(regs) ((regs)->r8)
#define SC_NR(regs) ((regs)->orig_ax)
#define SC_ARG0_CORE(regs) BPF_CORE_READ(regs, di)
#define SC_ARG1_CORE(regs) BPF_CORE_READ(regs, si)
#define SC_NR_CORE(regs) BPF_CORE_READ(regs, orig_ax)
#endif

/* Registers at sys_exit: the return value has replaced x0 on arm64, whose
 * first argument survives in orig_x0. */
#if defined(__TARGET_ARCH_arm64)
#define SC_EXIT_ARG0(regs) ((regs)->orig_x0)
#define SC_EXIT_ARG0_CORE(regs) BPF_CORE_READ(regs, orig_x0)
#else
#define SC_EXIT_ARG0(regs) SC_ARG0(regs)
#define SC_EXIT_ARG0_CORE(regs) SC_ARG0_CORE(regs)
#endif

/* The syscall functions that fexit attaches to. */
#if defined(__TARGET_ARCH_arm64)
#define SYS_FUNC(name) "__arm64_sys_" #name
#else
#define SYS_FUNC(name) "__x64_sys_" #name
#endif

/* Which argument of a read-family syscall names the file read from; -1 for
 * other syscalls. */
static __always_inline int read_fd_arg(long nr)
{
	switch (nr) {
	case GW_NR_read:
	case GW_NR_pread64:
	case GW_NR_readv:
	case GW_NR_preadv:
	case GW_NR_preadv2:
	case GW_NR_splice:
	case GW_NR_copy_file_range:
		return 0;
	case GW_NR_sendfile:
		return 1;
	}
	return -1;
}

#endif
