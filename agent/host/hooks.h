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

/* Set the autoload of every program of skel (opened, not loaded): on for
 * fam's programs and for those of every family, off for the rest; the
 * io_uring program only when uring is set. 0, or -EINVAL (logged) when a
 * program of the object belongs to no family table or to two. */
int hooks__select(struct sensor_bpf *skel, int fam, int uring);

#endif
