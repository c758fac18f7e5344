/* Kernel/agent ABI of the host sensor (the units of bpf/, linked into one
 * object): object reads and connections per process. Fixed-width types
 * with explicit padding; the agent checks the sizes with _Static_assert. */
#ifndef GW_BPF_READS_H
#define GW_BPF_READS_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define GW_MAX_ROOTS 64
/* Directory levels walked up from a file to find a watched root. */
#define GW_MAX_DEPTH 32
/* Path components below the root carried by a sample event. */
#define GW_SAMPLE_DEPTH 4
#define GW_NAME_LEN 64
#define GW_ROOT_NONE 0xffffffffu

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

/* Counts per process x root x bucket. The process is its tgid and its start
 * time (ns since boot), so a reused pid is a new process. The bucket is the
 * inode of the first directory under the root (0 for files in the root). */
struct gw_read_key {
	__u32 tgid;
	__u32 root_id;
	__u64 bucket_ino;
	__u64 start_ns;
};

struct gw_read_val {
	__u64 ops;
	__u64 bytes;
	__u64 errors;
	__u64 mapped_ops;         /* mmap, and mremap growth, with PROT_READ */
	__u64 mapped_bytes;       /* the length mapped (grown) */
	char comm[16];
};

/* Reads that the per-process counts map could not take (it was full), per
 * root x bucket: the volume stays known when the reader's name is lost. */
struct gw_unattr_key {
	__u32 root_id;
	__u32 pad;
	__u64 bucket_ino;
};

struct gw_unattr_val {
	__u64 ops;
	__u64 bytes;
	__u64 errors;
};

/* Object data by inode: a regular file found under a root (by the agent's
 * walk of the roots at start, or by the kernel's path walk when first
 * read), so that the same inode read through another name (a hard link
 * outside the root, a handle) still counts for its root and bucket. The
 * key is the inode's (dev, ino), dev in the kernel's encoding. */
struct gw_inode_key {
	__u64 dev;
	__u64 ino;
};

struct gw_member {
	__u32 root_id;
	__u32 pad;
	__u64 bucket_ino;
};

/* What a struct file was found to be, cached by its address. The inode
 * address guards against a freed and reused struct file. */
struct gw_verdict {
	__u64 inode;
	__u32 root_id;            /* GW_ROOT_NONE: not under a root */
	__u32 tgid;               /* the last process that read through it */
	__u64 bucket_ino;
};

/* A read syscall in flight on a file under a root, keyed by thread. */
struct gw_pending {
	__u32 root_id;
	__u32 pad;
	__u64 bucket_ino;
};

enum gw_conn_dir {
	GW_CONN_OUT = 1,          /* connect() by this process */
	GW_CONN_IN = 2,           /* accept() by this listening process */
};

/* Connections per process x direction x remote. IPv4 addresses are stored
 * v4-mapped (::ffff:a.b.c.d). The port is the remote port for outbound
 * connections and 0 for inbound ones (client ports are ephemeral). */
struct gw_conn_key {
	__u32 tgid;
	__u16 dir;
	__u16 port;
	__u64 start_ns;
	__u8 addr[16];
};

struct gw_conn_val {
	__u64 ok;
	__u64 failed;
	char comm[16];
};

/* An outbound connect in progress, keyed by socket address. */
struct gw_connecting {
	__u32 tgid;
	__u32 pad;
	__u64 start_ns;
	char comm[16];
};

/* The last file a CPU saw read (per-CPU, one slot). Consecutive reads of
 * one open file by one process, the common case of a gateway streaming an
 * object, skip the verdict cache, and their counts gather here until the
 * file changes or the agent asks for a flush (flush_gen), then go to the
 * reads map in one update. check mixes the key fields, so a slot torn by a
 * preempting writer is never trusted. */
struct gw_last {
	__u64 file;
	__u64 inode;
	__u64 bucket_ino;
	__u64 start_ns;
	__u32 tgid;
	__u32 root_id;
	__u64 check;
	__u64 gen;                /* the flush_gen last flushed for */
	__u64 ops;                /* not yet in the reads map */
	__u64 bytes;
	__u64 errors;
};

/* Per-process sample budget for the current window. */
struct gw_sample_budget {
	__u64 window;
	__u32 used;
	__u32 pad;
};

/* Rare events on the ring buffer. */
enum gw_event_kind {
	GW_EV_NEW_READER = 1,     /* a process's first read under a root x bucket */
	GW_EV_SAMPLE = 2,         /* a process's first read of an object (rate-limited) */
	GW_EV_NEW_PEER = 3,       /* a process's first connection to a remote */
	GW_EV_UNATTRIBUTED = 4,   /* a reader the counts map had no room for (once per process) */
};

struct gw_event {
	__u32 kind;
	__u32 tgid;
	__u32 root_id;
	__u32 depth;              /* path components in names[]; > GW_SAMPLE_DEPTH: more */
	__u64 bucket_ino;
	__u64 start_ns;
	__u32 uid;                /* GW_EV_NEW_*: the process's uid, when known */
	__u32 has_exe;            /* GW_EV_NEW_*: names[] holds the exe's path */
	char comm[16];
	/* innermost path components first: for GW_EV_SAMPLE the object (names[0]
	 * is the file), for GW_EV_NEW_* the process's executable */
	char names[GW_SAMPLE_DEPTH][GW_NAME_LEN];
};

/* Lost updates, counted per CPU. */
enum gw_drop {
	GW_DROP_PENDING_FULL = 0, /* too many reads in flight */
	GW_DROP_COUNTS_FULL,      /* reads the counts map had no room for (counted unattributed) */
	GW_DROP_EVENTS_FULL,      /* the ring buffer is full */
	GW_DROP_CONNS_FULL,       /* the connection counts map is full */
	GW_DROP_VERDICTS_FULL,    /* verdict cache could not store (never fatal) */
	GW_DROP_UNATTR_FULL,      /* reads lost outright: not even the unattributed map took them */
	GW_DROP_MAX,
};

/* The syscalls watched one program each (the fexit and classic tracepoint
 * families): the read family, X(name, fdarg) with the argument that names
 * the file read from, and the accepts, X(name). The agent enables the
 * programs by the same lists. */
#define GW_READ_SYSCALLS(X)                                                    \
	X(read, 0)                                                             \
	X(pread64, 0)                                                          \
	X(readv, 0)                                                            \
	X(preadv, 0)                                                           \
	X(preadv2, 0)                                                          \
	X(sendfile64, 1)                                                       \
	X(splice, 0)                                                           \
	X(copy_file_range, 0)

#define GW_ACCEPT_SYSCALLS(X)                                                  \
	X(accept)                                                              \
	X(accept4)

/* Syscall numbers of the read family, for the hooks that see every syscall. */
#if defined(__TARGET_ARCH_arm64) || defined(__aarch64__)
#define GW_NR_read 63
#define GW_NR_pread64 67
#define GW_NR_readv 65
#define GW_NR_preadv 69
#define GW_NR_preadv2 286
#define GW_NR_sendfile 71
#define GW_NR_splice 76
#define GW_NR_copy_file_range 285
#define GW_NR_accept 202
#define GW_NR_accept4 242
#else /* x86_64 */
#define GW_NR_read 0
#define GW_NR_pread64 17
#define GW_NR_readv 19
#define GW_NR_preadv 295
#define GW_NR_preadv2 327
#define GW_NR_sendfile 40
#define GW_NR_splice 275
#define GW_NR_copy_file_range 326
#define GW_NR_accept 43
#define GW_NR_accept4 288
#endif

#endif
