/* Kernel/agent ABI of the object-read counter (bpf/reads.bpf.c).
 * Fixed-width types with explicit padding; the agent checks the sizes. */
#ifndef GW_BPF_READS_H
#define GW_BPF_READS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GW_MAX_ROOTS 64
/* Directory levels walked up from a file to find a watched root. */
#define GW_MAX_DEPTH 32

/* A watched root directory: the kernel's (dev, ino) of the directory. The
 * dev is in the kernel's internal encoding (major << 20 | minor). */
struct gw_root_key {
	__u64 dev;
	__u64 ino;
};

struct gw_root_val {
	__u32 root_id;
	__u32 pad;
};

/* Counts per process x root x bucket; the bucket is the inode of the first
 * directory under the root (0 for files directly in the root). */
struct gw_read_key {
	__u32 tgid;
	__u32 root_id;
	__u64 bucket_ino;
};

struct gw_read_val {
	__u64 ops;
	__u64 bytes;
	__u64 errors;
	char comm[16];
};

/* A read syscall in flight on a file under a root, keyed by thread. */
struct gw_pending {
	__u32 root_id;
	__u32 pad;
	__u64 bucket_ino;
};

/* Rare events on the ring buffer. */
enum gw_event_kind {
	GW_EV_NEW_READER = 1,     /* a process's first read under a root x bucket */
};

struct gw_event {
	__u32 kind;
	__u32 tgid;
	__u32 root_id;
	__u32 pad;
	__u64 bucket_ino;
	char comm[16];
};

/* Lost updates, counted per CPU. */
enum gw_drop {
	GW_DROP_PENDING_FULL = 0, /* too many reads in flight */
	GW_DROP_COUNTS_FULL,      /* the counts map is full */
	GW_DROP_EVENTS_FULL,      /* the ring buffer is full */
	GW_DROP_MAX,
};

#endif
