/* agent/audit: a reader's layout, shared by reader.c (the stream) and
 * reader_buf.c (the buffers its window comes from). */
#ifndef GW_AUDIT_READER_PRIV_H
#define GW_AUDIT_READER_PRIV_H

#include <stdint.h>
#include <zlib.h>

#include "audit/audit.h"
#include "audit/audit_internal.h"

#define READER_WINDOW ((size_t)4 << 20)
/* A first look (AUDIT_READ_PEEK) at a streamed gzip file inflates this
 * much at a time: it reads a few thousand records, not a full window. */
#define READER_PEEK_WINDOW ((size_t)1 << 20)
#define READER_INBUF ((size_t)128 << 10)
/* How far ahead a suspicious gzip stream is inflated before anything is
 * parsed: a bomb (about 1000:1) breaks the ratio rule within this. */
#define READER_PROBE (GUNZIP_SLACK * 2)
/* Read one file at a time (AUDIT_READ_WHOLE_GZ), a gzip file of one
 * member that expands to at most this is inflated whole with libdeflate,
 * about twice as fast as zlib's stream, and a plain file of at most this
 * is read whole. */
#define READER_WHOLE_GZ ((size_t)32 << 20)
/* ... and at most this with AUDIT_READ_WHOLE_SMALL, for a caller that
 * holds several files open at once: a whole file costs then about what
 * its stream window would, not the whole file. */
#define READER_WHOLE_SMALL ((size_t)4 << 20)
/* A mapped file's pages are given back every this many bytes read. */
#define READER_UNMAP ((size_t)8 << 20)

struct audit_reader {
	struct audit_ctx c;
	struct audit_stats own_st;
	struct strpool *own_pool;
	char *path;
	int fd;
	int gz, z_live;
	z_stream z;
	unsigned char *in;
	uint64_t in_total;        /* compressed bytes read */
	uint64_t out_total;       /* bytes of log produced */
	char *win;
	size_t size, start, end;  /* the window; unread bytes are win[start..end) */
	size_t step;              /* at most this many bytes per read (tests), 0: no limit */
	size_t nul_checked;       /* of the unread bytes, those checked for NUL */
	int eof, started, done, skipping;
	int mapped;               /* win is the file, mapped (or whole: inflated in
				   * memory); size is the view's */
	size_t whole;             /* the inflated size, when whole */
	size_t whole_cap;         /* what win holds then (plus one for a NUL) */
	size_t whole_max;         /* the largest file read whole, 0: none */
	int parked;               /* between pieces: win holds only the unread
				   * bytes, the window went back (park()) */
	size_t map_len, unmapped;
	int format;
	const struct audit_format_ops *ops;
};

static inline uint64_t gz_budget(uint64_t consumed)
{
	return GUNZIP_SLACK + consumed * GUNZIP_MAX_RATIO;
}

/* Between two pieces, a streamed file's window goes back to the thread's
 * cache (park) and comes back for the next one (unpark: 0 or -ENOMEM). */
void reader__park(struct audit_reader *r);
int reader__unpark(struct audit_reader *r);
/* A plain file mapped; a plain file read whole (0, or -1 to map it); a
 * small gzip file inflated whole (else left to zlib's stream). */
void reader__map(struct audit_reader *r);
int reader__read_whole(struct audit_reader *r);
void reader__gunzip_whole(struct audit_reader *r);
/* The window given back at the reader's close. */
void reader__drop_win(struct audit_reader *r);

#endif
