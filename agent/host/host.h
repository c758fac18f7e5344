/* agent/host: the host sensor.
 *
 * In:  watched object roots; the BPF counts in the kernel's maps and its rare
 *      events on the ring buffer.
 * Out: one struct host_window per interval: per process x root x bucket the
 *      object reads (ops, bytes, errors, sample objects) made during the
 *      window, per process x remote its connections in and out, the reads
 *      no process could be credited with (map full) per root x bucket, and
 *      the lost-update counters.
 *
 * Ownership: a window's rows and strings belong to the sensor and stay valid
 * until the next sensor__poll() or sensor__free().
 */
#ifndef GW_HOST_H
#define GW_HOST_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define HOST_MAX_SAMPLES 5

/* Who: the process behind a row. */
struct host_proc {
	uint32_t pid;
	uint32_t uid;
	uint64_t start_time;     /* clock ticks since boot, as /proc/PID/stat */
	uint64_t start_ns;       /* ns since boot: tells apart two processes of one pid */
	const char *comm;
	const char *exe;         /* "" when the process exited unseen */
	const char *unit;        /* systemd unit or container id from the cgroup; "" if none */
};

struct host_read {
	struct host_proc proc;
	const char *root;        /* the watched root, as resolved at start */
	const char *bucket;      /* first directory under the root; "" for files in the root */
	uint64_t ops, bytes, errors;
	uint64_t mapped_ops, mapped_bytes;      /* mmap (and mremap growth) with PROT_READ */
	const char *samples[HOST_MAX_SAMPLES];  /* paths below the root */
	size_t nsamples;
};

/* Object data a row stands for: bytes read plus bytes mapped. */
static inline uint64_t host_read__bytes(const struct host_read *r)
{
	return r->bytes + r->mapped_bytes;
}

struct host_conn {
	struct host_proc proc;
	int inbound;             /* accepted by this process, else connected out */
	const char *addr;        /* remote address; v4-mapped v6 shown as v4 */
	uint16_t port;           /* remote port for outbound, 0 for inbound */
	uint64_t ok, failed;
};

/* Reads the kernel's per-process counts map had no room for: their volume
 * per root x bucket, and the processes it could still name (announced on
 * the ring buffer while it had room). */
#define HOST_UNATTR_PROCS 8

struct host_unattr {
	const char *root;
	const char *bucket;
	uint64_t ops, bytes, errors;
	struct host_proc procs[HOST_UNATTR_PROCS];
	size_t nprocs;
};

enum host_drop {
	HOST_DROP_PENDING = 0,
	HOST_DROP_COUNTS,
	HOST_DROP_EVENTS,
	HOST_DROP_CONNS,
	HOST_DROP_VERDICTS,
	HOST_DROP_UNATTR,        /* reads lost outright (the unattributed map was full too) */
	HOST_DROP_AGENT,         /* rows the agent could not keep (memory, table full) */
	HOST_DROP_KINDS,
};

struct host_window {
	int64_t start_ms, end_ms;            /* UTC milliseconds */
	struct host_read *reads;             /* sorted by pid, root, bucket */
	size_t nreads;
	struct host_conn *conns;             /* sorted by pid */
	size_t nconns;
	struct host_unattr *unattr;          /* reads no process was credited with */
	size_t nunattr;
	uint64_t drops[HOST_DROP_KINDS];     /* lost during this window */
	uint32_t reads_used, reads_max;      /* the kernel's count maps: entries, capacity */
	uint32_t conns_used, conns_max;
	const char *hooks;                   /* the hook family in use */
};

struct sensor_opts {
	const char *const *roots;
	size_t nroots;
	uint32_t max_counts;     /* entries in the read counts map */
	uint32_t max_conns;      /* entries in the connection counts map */
	uint32_t max_inodes;     /* object files known by inode (0: 65536) */
	uint32_t samples;        /* sample objects per process and window (0: none) */
	const char *hooks;       /* force a hook family: "fexit", "tp_btf", "raw_tp", "tp_exit", "tracepoint"; NULL: probe */
};

struct sensor;

/* Load the programs with the cheapest hook family the kernel accepts,
 * register the roots and attach. Mounts tracefs when the kernel's tracepoints
 * need it. NULL with errno set on failure (logged). */
struct sensor *sensor__open(const struct sensor_opts *opts);
/* Handle the sensor's rare events for up to timeout_ms; use it as the sleep
 * between polls. 0 or a negative errno. */
int sensor__wait(struct sensor *s, int timeout_ms);
/* Collect the counts since the previous poll into *w. 0 or a negative errno;
 * *w is valid either way. */
int sensor__poll(struct sensor *s, struct host_window *w);
void sensor__free(struct sensor *s);
/* Processes whose identity must stay known for their whole life (the
 * gateway): want() is asked now about every running process, read from /proc
 * while the agent may still read any process's executable (before it drops
 * its capabilities), and later about each process the sensor meets first;
 * the identities it says yes to are kept (at most 64 live ones). Returns
 * how many running processes were kept now. */
size_t sensor__keep_procs(struct sensor *s, int (*want)(const struct host_proc *p, void *ctx),
			  void *ctx);

/* Write a window as one JSON line. 0 or a negative errno. */
int host_window__write_json(const struct host_window *w, FILE *out);

#endif
