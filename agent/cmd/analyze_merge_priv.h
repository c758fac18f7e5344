/* gatewatch analyze: the merge's state, shared by analyze_merge.c (the
 * readers, the heap, the hand-over) and analyze_merge_peek.c (the first
 * look at files whose path names no time). Private to agent/cmd. */
#ifndef GW_ANALYZE_MERGE_PRIV_H
#define GW_ANALYZE_MERGE_PRIV_H

#include <pthread.h>
#include <stdint.h>

#include "cmd/analyze_merge.h"
#include "cmd/analyze_merge_mem.h"
#include "lib/strpool.h"

#define MERGE_MAX_THREADS 16
#define MERGE_AHEAD_PER_THREAD 1  /* files whose first piece is read ahead */
#define MERGE_MAX_POOLS 32
/* Small gzip files (a few MiB of log, AUDIT_READ_WHOLE_SMALL) are inflated
 * whole (faster) while fewer than this many per thread are open; past it,
 * and for larger files, each open file costs its stream window. */
#define MERGE_WHOLE_PER_THREAD 1
/* Pieces whose last event waits in the batch are freed after it; past
 * this many bytes of them the batch goes before it is full. */
#define MERGE_BATCH_BYTES ((uint64_t)8 << 20)

struct stream;

struct piece {
	struct strpool *pool;
	struct merge_blocks *mem;
	struct merge_evs evs;     /* the events as read */
	size_t n;
	uint32_t *ord;            /* ev's indexes in (time, index) order, sorted
				   * by the reader; NULL: ev is in order */
	size_t cur;               /* the next of that order to hand over */
	uint32_t seq0;            /* the file's sequence number of ev[0] */
	size_t pending;           /* events not handed over yet */
	uint64_t bytes;           /* held while in the merge */
	int last;                 /* the file's end */
	int err;                  /* -ENOMEM while reading */
	struct piece *next;       /* the stream's queue */
	struct audit_stats st;    /* what reading this piece counted */
};

struct stream {
	/* shared, under m->mx */
	struct audit_reader *r;
	struct piece *head, *tail;  /* read, not taken by the merge yet */
	struct stream *job_next;
	uint8_t busy, queued, read_end;
	/* the merging thread's */
	uint8_t live;
	int64_t lo;               /* nothing unread of it is assumed earlier */
	uint32_t seq;
};

/* A piece in the merge: the time and sequence number of the next of its
 * events to hand over (events are held in runs, one heap entry a piece). */
struct ent {
	int64_t t;
	uint32_t rank, seq;
	struct piece *b;
};

struct merge {
	const struct merge_opts *o;
	size_t n;
	size_t *order;            /* rank -> unit */
	int64_t *key;             /* by unit */
	struct stream *s;         /* by rank */
	struct piece oom;         /* a piece that could not be allocated */
	pthread_mutex_t mx, url_mx;
	pthread_cond_t cv;
	struct stream *jobs, *jobs_tail;
	size_t ahead, next_admit;
	unsigned open_files, max_whole;
	int stop;
	struct strpool *pools[MERGE_MAX_POOLS];
	size_t npools;
	size_t pool_slots;        /* the largest table a piece's pool grew to */
	struct merge_blocks *mem;  /* the pieces' events and strings */
	struct strpool_blocks pool_src;
	uint64_t peak_files;
	/* the merging thread's */
	size_t *live;             /* ranks of the files being merged */
	size_t nlive, max_open;
	uint64_t held, max_held;  /* bytes of the pieces in the merge, and the heap */
	struct ent *h;            /* the pieces with events to hand over */
	size_t hn, hcap;
	uint64_t nheld;           /* events held in them */
	int64_t last;             /* the latest time handed over */
	double wait_sec;          /* waiting for readers */
	/* the events handed over next, in one call (see merge__run_batch) */
	merge_batch_fn fn;
	void *ctx;
	const struct audit_event *batch[MERGE_BATCH];
	uint8_t dup[MERGE_BATCH];  /* audit_dedup__check_batch's answers */
	size_t nbatch;
	struct audit_stats *st;
	struct merge_stats *ms;
	struct piece *done[MERGE_BATCH];  /* handed over whole: freed after the batch */
	size_t ndone;
	uint64_t done_bytes;
};

/* The piece's i-th event as read. */
static inline struct audit_event *piece_ev(const struct piece *b, size_t i)
{
	return merge_evs__at(&b->evs, i);
}

/* Queue a read of s's next piece. Called with m->mx held. */
void merge__queue(struct merge *m, struct stream *s);
/* The files' keys (m->key, by unit) and their order (m->order): a file
 * whose path names no time is looked at, its first pieces read by the
 * reader threads (already started) and kept for the merge when there is
 * room (m->s is then by rank). 0 or -ENOMEM. */
int merge_peek__plan(struct merge *m, unsigned threads);

#endif
