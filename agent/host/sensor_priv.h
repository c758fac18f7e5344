/* The sensor's insides, shared by sensor.c (load, events) and
 * sensor_poll.c (windows). */
#ifndef GW_SENSOR_PRIV_H
#define GW_SENSOR_PRIV_H

#include <sched.h>
#include "counts.h"
#include "host.h"
#include "procinfo.h"
#include "reads.h"
#include "lib/strpool.h"

struct root_info {
	char *path;
	uint64_t dev, ino;   /* dev in the kernel's encoding */
	int fd;              /* opened at start: listed for bucket names after the
			      * capabilities that opened it are dropped */
};

/* A sample object seen during the window being collected. */
struct sample {
	uint32_t tgid, root_id;
	uint64_t bucket_ino, start_ns;
	const char *path;    /* in sensor.next_pool */
};

#define SENSOR_MAX_SAMPLES 4096

/* A reader the kernel's counts map had no room for, announced during the
 * window being collected. */
struct blinded {
	uint32_t tgid, root_id;
	uint64_t bucket_ino, start_ns;
	char comm[16];
};

#define SENSOR_MAX_BLINDED 256
#define SENSOR_MAX_UNATTR 4096   /* the kernel's unattr map */

struct sensor_bpf;
struct ring_buffer;

struct sensor {
	struct sensor_bpf *skel;
	const char *hooks;
	cpu_set_t cpus;                    /* where the agent may run: flushes visit each */
	int slots;                         /* reads gather in per-CPU slots (struct gw_last) */
	struct root_info roots[GW_MAX_ROOTS];
	size_t nroots;
	struct count_table prev_reads, prev_conns, prev_unattr;
	uint32_t gen;
	uint32_t max_counts, max_conns;
	int ncpus;
	long clk_tck;
	void *vals;                        /* per-CPU lookup buffer */
	uint64_t drops_prev[GW_DROP_MAX];
	uint64_t agent_drops;              /* rows lost in the agent since the last poll */
	int64_t last_poll_ms;
	struct ring_buffer *events;
	struct proc_cache *procs;
	int (*keep)(const struct host_proc *p, void *ctx);   /* identities kept for life */
	void *keep_ctx;
	uint64_t keep_full;                /* gateway processes not kept: the table was full */
	struct strpool *pool;              /* strings of the current window */
	struct strpool *next_pool;         /* strings gathered for the next one */
	struct sample *samples;
	size_t nsamples;
	struct host_read *rows;
	size_t cap_rows;
	struct host_conn *crows;
	size_t cap_crows;
	struct blinded blinded[SENSOR_MAX_BLINDED];
	size_t nblinded;
	struct host_unattr *urows;
	size_t cap_urows;
};


/* Decide how reads are counted: in per-CPU slots flushed at each poll when
 * the agent can run on every online CPU, else one by one. */
void sensor__setup_slots(struct sensor *s);

/* A process met for the first time: its identity is kept for life when
 * keep() wants it (keep.c). */
void sensor__keep_new(struct sensor *s, uint32_t tgid, uint64_t start_time);

/* The reads no process was credited with since the last poll, per root x
 * bucket, with the processes announced for them, into w. */
void sensor__poll_unattr(struct sensor *s, struct host_window *w);

/* Identity of (tgid, start_ns) into p, its strings in the window's pool.
 * 0 or -ENOMEM. */
int sensor__fill_proc(struct sensor *s, uint32_t tgid, uint64_t start_ns, const char *comm,
		      struct host_proc *p);

/* Record the regular files under the roots (their own filesystems, not
 * mounts below them nor FUSE roots) by inode in the kernel's members map,
 * at most max of them. Logs what it did. */
void sensor__seed_members(struct sensor *s, uint32_t max);

/* Watch filesystems mounted on or below a root since the last call. */
void sensor__refresh_mounts(struct sensor *s);

#endif
