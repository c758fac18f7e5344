/* The sensor's hook families and the programs of each, by the skeleton's
 * typed handles (a misspelt program does not compile), cheapest first:
 * fexit, tp_exit, tp_btf, raw_tp, tracepoint. The programs of no family
 * (connections out, mmap, AIO, io_uring) load with every family. */
#ifndef GW_HOST_HOOKS_H
#define GW_HOST_HOOKS_H

#include <stddef.h>

struct sensor_bpf;

enum hook_family {
	HOOK_FEXIT,
	HOOK_TP_EXIT,
	HOOK_TP_BTF,
	HOOK_RAW_TP,
	HOOK_TRACEPOINT,     /* classic tracepoints at entry and exit */
	HOOK_FAMILIES,
};

/* The family's name as --hooks and the log spell it ("tp_exit"). */
const char *hooks__name(int fam);
/* The family named name, or -1. */
int hooks__find(const char *name);

/* What the running kernel offers, probed once at start (program types,
 * helpers, and types and tracepoints in its BTF), never read off its
 * version. */
struct hook_kernel {
	struct btf *btf;     /* the kernel's BTF (owned) */
	int tracepoint;      /* classic tracepoint programs */
	int raw_tp;          /* raw tracepoint programs */
	int task_btf;        /* bpf_get_current_task_btf (5.11) */
	int task_regs;       /* bpf_task_pt_regs (5.15) */
	int find_vma;        /* bpf_find_vma (5.17) */
	int uring;           /* io_uring's completion tracepoint */
};

/* Probe k. The sensor cannot run without BTF or the ring buffer (5.8):
 * then -ENOTSUP, logged. Logs what else is missing and left unwatched. */
int hooks__probe_kernel(struct hook_kernel *k);
void hooks__kernel_free(struct hook_kernel *k);

/* Can this kernel run family fam's programs? From k, and for fexit and
 * tp_btf a two-instruction program loaded, attached and dropped. 0, or a
 * negative errno with the reason in why (one phrase). */
int hooks__probe(int fam, const struct hook_kernel *k, char *why, size_t size);

/* Set the autoload of every program of skel (opened, not loaded): on for
 * fam's programs and for those of every family that k can run, off for
 * the rest. 0, or -EINVAL (logged) when a program of the object belongs to
 * no family table or to two. */
int hooks__select(struct sensor_bpf *skel, int fam, const struct hook_kernel *k);

#endif
