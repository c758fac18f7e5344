/* See audit.h: one log file read as a stream, chunk by chunk. The bytes
 * go through a window of READER_WINDOW bytes (gunzipped on the way with
 * zlib, every member, under the same ratio check as whole loads); each
 * chunk is handed to the format's chunk reader, which reads the whole
 * records in it and says how far it got; the rest moves to the front of
 * the window and more is read behind it. The window grows only for a
 * record longer than itself, up to the format's longest record; past that
 * the record is passed over to the next line. A plain file is mapped
 * instead of read (the window is then a view of the mapping, and what was
 * read is given back as it goes): copying it from the page cache was a
 * tenth of the time. Where the window comes from: reader_buf.c. */
#include "audit/audit.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "audit/audit_internal.h"
#include "audit/jsonarena.h"
#include "audit/reader_priv.h"
#include "lib/log.h"

/* A file mapped or held whole is parsed in views of this many bytes when
 * the pool is transient (emptied between chunks): the pool's table then
 * stays small enough for the cache, where a look-up in a table of a 4 MiB
 * chunk's strings was a miss. */
#define READER_VIEW ((size_t)1 << 20)

static int raw_read(struct audit_reader *r, void *dst, size_t n, size_t *got)
{
	ssize_t k;

	*got = 0;
	do
		k = read(r->fd, dst, n);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return -errno;
	*got = (size_t)k;
	return 0;
}

/* At least min bytes of input in z (fewer only at the end of the file). */
static int need_in(struct audit_reader *r, z_stream *z, unsigned char *in, uint64_t *in_total,
		   unsigned min)
{
	size_t k = 0;
	int err;

	while (z->avail_in < min) {
		if (z->avail_in)
			memmove(in, z->next_in, z->avail_in);
		z->next_in = in;
		err = raw_read(r, in + z->avail_in, READER_INBUF - z->avail_in, &k);
		if (err)
			return err;
		if (!k)
			break;
		z->avail_in += (uInt)k;
		*in_total += k;
	}
	return 0;
}

/* Inflate into dst[0..n) from z (with its input buffer in): *got bytes,
 * *eof at the end of the last member. 0 or -EBADMSG/-EOVERFLOW/-errno. */
static int gz_read(struct audit_reader *r, z_stream *z, unsigned char *in, uint64_t *in_total,
		   uint64_t *out_total, char *dst, size_t n, size_t *got, int *eof)
{
	size_t k;
	int zr, err;

	*got = 0;
	while (*got < n && !*eof) {
		err = need_in(r, z, in, in_total, 1);
		if (err)
			return err;
		if (!z->avail_in)
			return -EBADMSG;   /* truncated */
		z->next_out = (Bytef *)dst + *got;
		z->avail_out = (uInt)(n - *got);
		zr = inflate(z, Z_NO_FLUSH);
		k = (n - *got) - z->avail_out;
		*got += k;
		*out_total += k;
		if (*out_total > gz_budget(*in_total - z->avail_in))
			return -EOVERFLOW;
		if (zr == Z_STREAM_END) {
			/* another member, or the end (trailing padding is common) */
			err = need_in(r, z, in, in_total, 2);
			if (err)
				return err;
			if (z->avail_in >= 2 && z->next_in[0] == 0x1f && z->next_in[1] == 0x8b) {
				if (inflateReset(z) != Z_OK)
					return -EBADMSG;
			} else {
				*eof = 1;
			}
		} else if (zr == Z_MEM_ERROR) {
			return -ENOMEM;
		} else if (zr != Z_OK && !(zr == Z_BUF_ERROR && !z->avail_in)) {
			return -EBADMSG;
		}
	}
	return 0;
}

/* A gzip stream that expands more than GUNZIP_MAX_RATIO times in its first
 * window may be a bomb: inflate ahead from the start (output dropped) so
 * that one is refused before anything of it is parsed. 0 or -EOVERFLOW. */
static int gz_probe(struct audit_reader *r)
{
	uint64_t in_total = 0, out_total = 0;
	unsigned char *in = malloc(READER_INBUF);
	char *out = malloc(GUNZIP_STEP);
	z_stream z;
	size_t got;
	int eof = 0, err = -ENOMEM;
	off_t pos = lseek(r->fd, 0, SEEK_CUR);

	memset(&z, 0, sizeof(z));
	if (!in || !out || pos < 0 || lseek(r->fd, 0, SEEK_SET) < 0 ||
	    inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		goto out;
	err = 0;
	while (!err && !eof && out_total < READER_PROBE)
		err = gz_read(r, &z, in, &in_total, &out_total, out, GUNZIP_STEP, &got, &eof);
	inflateEnd(&z);
	/* only a bomb counts here: damage is found by the reading itself */
	if (err != -EOVERFLOW)
		err = 0;
	if (lseek(r->fd, pos, SEEK_SET) < 0)
		err = -errno;
out:
	free(in);
	free(out);
	return err;
}

/* A mapped file: the view moves on to the unread bytes. */
static void fill_mapped(struct audit_reader *r)
{
	size_t lim = r->start + r->size;
	size_t page = (size_t)sysconf(_SC_PAGESIZE), drop;

	if (lim > r->map_len)
		lim = r->map_len;
	if (r->step && lim > r->end + r->step)
		lim = r->end + r->step;
	if (lim > r->end)
		r->end = lim;
	r->eof = r->end == r->map_len;
	drop = r->start / page * page;
	if (!r->whole && drop - r->unmapped >= READER_UNMAP) {
		madvise(r->win + r->unmapped, drop - r->unmapped, MADV_DONTNEED);
		r->unmapped = drop;
	}
}

/* Read behind the window's bytes until it is full or the file ends. */
static int fill(struct audit_reader *r)
{
	size_t got, want;
	int err = 0;

	if (r->mapped) {
		fill_mapped(r);
		return 0;
	}
	if (reader__unpark(r) < 0)
		return -ENOMEM;
	if (r->start) {
		memmove(r->win, r->win + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	while (!err && !r->eof && r->end < r->size) {
		want = r->size - r->end;
		if (r->step && want > r->step)
			want = r->step;
		if (r->gz) {
			err = gz_read(r, &r->z, r->in, &r->in_total, &r->out_total, r->win + r->end,
				      want, &got, &r->eof);
		} else {
			err = raw_read(r, r->win + r->end, want, &got);
			r->eof = !err && got == 0;
			r->out_total += got;
		}
		r->end += got;
		if (r->step && r->started)
			break;
	}
	return err;
}

static int grow(struct audit_reader *r, size_t size)
{
	char *p;

	if (r->mapped) {
		r->size = size;
		return 0;
	}
	p = realloc(r->win, size + 1);

	if (!p)
		return -ENOMEM;
	r->parked = 0;   /* the unread bytes are at the front of it */
	r->win = p;
	r->size = size;
	return 0;
}

static void fail(struct audit_reader *r, int err)
{
	const char *why = audit_load__strerror(err);

	log_err("failed to read %s: %s", r->path, why);
	r->c.st->files_failed++;
	audit_ctx__note_file(&r->c, 1, why);
	r->done = 1;
}

/* The first window: a bomb refused, the format detected, the file
 * counted. 0 to read on, 1 when the file is done with (passed over or
 * failed, counted). */
static int start(struct audit_reader *r)
{
	size_t n = strlen(r->path);
	int err, fmt = r->format;

	r->started = 1;
	r->done = 1;   /* until the file is known to be read */
	err = fill(r);
	if (!err && r->gz && r->end == r->size &&
	    r->out_total > GUNZIP_MAX_RATIO * (r->in_total - r->z.avail_in))
		err = gz_probe(r);
	if (!err && !r->gz && n > 3 && strcmp(r->path + n - 3, ".gz") == 0)
		err = -EBADMSG;   /* a .gz without the magic is damaged, not plain text */
	if (err) {
		fail(r, err);
		return 1;
	}
	if (fmt == AUDIT_FMT_DETECT)
		fmt = audit_format__detect(r->win, r->end);
	if (r->c.in_dir && (fmt == AUDIT_FMT_DETECT || !audit_format__is(fmt, r->win, r->end))) {
		log_debug("skipping %s: not %s", r->path, fmt == AUDIT_FMT_DETECT ?
			  "an audit log of a known format" : audit_format__ops(fmt)->what);
		r->c.st->not_logs++;
		audit_ctx__note_file(&r->c, 0, fmt == AUDIT_FMT_DETECT ? "not an audit log"
								    : "not of the source's format");
		r->done = 1;
		return 1;
	}
	r->c.st->files++;
	if (fmt == AUDIT_FMT_DETECT) {
		log_err("failed to parse %s: unknown log format", r->path);
		r->c.st->files_failed++;
		audit_ctx__note_file(&r->c, 1, "unknown log format");
		r->done = 1;
		return 1;
	}
	r->format = fmt;
	r->ops = audit_format__ops(fmt);
	r->done = 0;
	return 0;
}

/* Nothing of a full window was read: grow it, or pass the record over
 * to the next line when it is as long as a record may be. */
static int no_progress(struct audit_reader *r)
{
	size_t size = r->size * 2;

	if (r->size < r->ops->max_record)
		return grow(r, size < r->ops->max_record ? size : r->ops->max_record);
	r->c.st->records++;
	r->c.st->skip_bad_bytes++;
	audit_ctx__skip_at(&r->c, 0, "record longer than %zu MiB; passed over to the next line",
			   r->ops->max_record >> 20);
	r->skipping = 1;
	memset(&r->c.js, 0, sizeof(r->c.js));
	return 0;
}

/* Drop bytes up to and with the next newline. */
static void skip_line(struct audit_reader *r)
{
	const char *nl = memchr(r->win + r->start, '\n', r->end - r->start);
	size_t to = nl ? (size_t)(nl - r->win) + 1 : r->end;

	r->c.line_base += nl ? 1 : 0;
	r->c.base += to - r->start;
	r->c.st->bytes += to - r->start;
	r->nul_checked = r->nul_checked > to - r->start ? r->nul_checked - (to - r->start) : 0;
	r->start = to;
	r->skipping = !nl;
}

/* 1 for a text format, which checks each line itself (S3 access logs,
 * Azure's classic logs, told from its JSON ones as formats.c tells them). */
static int text_format(struct audit_reader *r)
{
	if (r->format == AUDIT_FMT_S3ACCESS)
		return 1;
	if (r->format != AUDIT_FMT_AZURE)
		return 0;
	if (r->c.azure_classic < 0 && r->end - r->start >= 5)
		r->c.azure_classic = azure_classic__detect(r->win + r->start, r->end - r->start);
	return r->c.azure_classic == 1;
}

/* Lines holding a NUL byte are blanked (JSON stops at a NUL; the text
 * formats check each line themselves, and a blanked line would be counted
 * twice): the bytes read since the last look are checked, and on a find
 * the unread ones blanked. */
static void blank_nul(struct audit_reader *r)
{
	size_t from = r->start + r->nul_checked;

	r->nul_checked = r->end - r->start;
	if (text_format(r) || from >= r->end ||
	    !memchr(r->win + from, '\0', r->end - from))
		return;
	r->c.chunk = r->win + r->start;
	audit_buf__blank_nul_lines(&r->c, r->win + r->start, r->end - r->start);
}

/* Parse the window's bytes: the chunk reader says how far it got. */
static int parse(struct audit_reader *r)
{
	struct audit_ctx *c = &r->c;
	size_t used;
	int err = 0;

	if (c->flags & AUDIT_READ_TRANSIENT) {
		strpool__reset(c->pool);
		audit_ctx__forget(c);
	}
	c->chunk = r->win + r->start;
	c->chunk_lines = UINT64_MAX;
	json_arena__begin();
	used = r->ops->chunk(c, r->win + r->start, r->end - r->start, r->eof, &err);
	json_arena__end();
	if (err == -EBADMSG) {
		log_err("failed to parse %s: not %s", r->path, r->ops->what);
		c->st->files_failed++;
		audit_ctx__note_file(c, 1, "damaged: the format was recognised but not parsed");
		r->done = 1;
		return 0;
	}
	c->st->bytes += used;
	/* line numbers for the warnings of chunks still to come: none after
	 * the last (a file read whole is one chunk) */
	if (!r->eof || r->start + used < r->end)
		c->line_base += c->chunk_lines != UINT64_MAX ? c->chunk_lines :
				audit__count_lines(r->win + r->start, used);
	c->base += used;
	r->start += used;
	r->nul_checked = r->nul_checked > used ? r->nul_checked - used : 0;
	if (err)
		return err;
	if (r->eof && r->start == r->end)
		r->done = 1;
	else if (!used && !r->eof && r->end - r->start == r->size)
		err = no_progress(r);
	return err;
}

int audit_reader__next_chunk(struct audit_reader *r, audit_event_fn cb, void *ctx)
{
	int err;

	r->c.cb = cb;
	r->c.cb_ctx = ctx;
	if (!r->started)
		start(r);
	while (!r->done) {
		err = fill(r);
		if (err) {
			fail(r, err);
			return 0;
		}
		blank_nul(r);
		if (r->skipping) {
			skip_line(r);
			if (r->eof && r->start == r->end)
				r->done = 1;
			continue;
		}
		err = parse(r);
		if (err)
			return err;
		if (!r->done) {
			reader__park(r);
			return 1;
		}
	}
	/* a transient pool holds nothing of a file read */
	if (r->c.flags & AUDIT_READ_TRANSIENT) {
		strpool__reset(r->c.pool);
		audit_ctx__forget(&r->c);
	}
	return 0;
}

/* A reader for format (a name, or NULL to detect), its window parked: a
 * streamed file takes it at its first read, from the thread's cache when
 * there is one there (a merge opens a file per few pieces; a window of its
 * own beside the cached one was 4 MiB more per reader thread). */
static struct audit_reader *reader_new(const char *path, int fmt)
{
	struct audit_reader *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->fd = -1;
	r->size = READER_WINDOW;
	r->format = fmt;
	r->parked = 1;
	if (!(r->path = strdup(path))) {
		audit_reader__close(r);
		return NULL;
	}
	return r;
}

/* r->fd, at its start, read as gzip or plain: mapped, read or inflated
 * whole, or streamed. 0 or -errno. */
static int reader_attach(struct audit_reader *r, unsigned flags)
{
	unsigned char magic[2];
	size_t got = 0;

	if (raw_read(r, magic, 2, &got) < 0 || lseek(r->fd, 0, SEEK_SET) < 0)
		return -errno;
	r->gz = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
	r->whole_max = (flags & AUDIT_READ_WHOLE_SMALL) ? READER_WHOLE_SMALL
			: (flags & AUDIT_READ_WHOLE_GZ) ? READER_WHOLE_GZ : 0;
	/* a plain file read whole is not read again as a gzip candidate */
	if (!r->gz) {
		if (!r->whole_max || reader__read_whole(r) < 0)
			reader__map(r);
	} else if (r->whole_max) {
		reader__gunzip_whole(r);
	}
	if (r->gz && !r->whole) {
		if (!(r->in = malloc(READER_INBUF)) || inflateInit2(&r->z, 16 + MAX_WBITS) != Z_OK)
			return -ENOMEM;
		r->z_live = 1;
	}
	if (r->mapped && (r->c.flags & AUDIT_READ_TRANSIENT))
		r->size = READER_VIEW;
	else if (r->z_live && (r->c.flags & AUDIT_READ_PEEK))
		r->size = READER_PEEK_WINDOW;
	return 0;
}

struct audit_reader *audit_reader__open(const char *path, const char *format, struct strpool *pool,
					unsigned flags, struct audit_stats *st)
{
	int fmt = format && *format ? audit_format__by_name(format) : AUDIT_FMT_DETECT;
	struct audit_reader *r;
	int err = -ENOMEM;

	if (fmt < 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!(r = reader_new(path, fmt)))
		return NULL;
	r->c.path = r->path;
	r->c.st = st ? st : &r->own_st;
	r->c.pool = pool ? pool : (r->own_pool = strpool__new());
	r->c.flags = (flags & ~(AUDIT_READ_IN_DIR | AUDIT_READ_WHOLE_GZ | AUDIT_READ_WHOLE_SMALL)) |
		     (pool ? 0 : AUDIT_READ_TRANSIENT);
	r->c.in_dir = !!(flags & AUDIT_READ_IN_DIR);
	audit_ctx__begin_stream(&r->c);
	if (!r->c.pool)
		goto fail;
	r->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (r->fd < 0) {
		err = -errno;
		goto fail;
	}
	err = reader_attach(r, flags);
	if (err)
		goto fail;
	return r;
fail:
	audit_reader__close(r);
	errno = -err;
	return NULL;
}

int audit_fd__parse(struct audit_ctx *c, int format, int fd)
{
	struct audit_reader *r = reader_new(c->path, format);
	int err;

	if (!r)
		return -ENOMEM;
	/* the caller's context (pool, callback, counts, caches), lent for the
	 * stream and given back after it */
	r->c = *c;
	audit_ctx__begin_stream(&r->c);
	r->fd = fd;
	err = lseek(fd, 0, SEEK_SET) < 0 ? -errno : reader_attach(r, 0);
	if (err) {
		fail(r, err);
		err = 0;
	} else {
		while ((err = audit_reader__next_chunk(r, c->cb, c->cb_ctx)) > 0)
			;
	}
	*c = r->c;
	r->fd = -1;
	audit_reader__close(r);
	return err;
}

/* What audit_reader__test_loaded() says: counted once per file. */
static uint64_t loaded_total;

void audit_reader__close(struct audit_reader *r)
{
	if (!r)
		return;
	if (!r->mapped || r->whole)
		__atomic_add_fetch(&loaded_total, r->out_total, __ATOMIC_RELAXED);
	if (r->z_live)
		inflateEnd(&r->z);
	if (r->fd >= 0)
		close(r->fd);
	strpool__free(r->own_pool);
	free(r->in);
	reader__drop_win(r);
	free(r->path);
	free(r);
}

uint64_t audit_reader__test_loaded(void)
{
	return __atomic_load_n(&loaded_total, __ATOMIC_RELAXED);
}

const struct audit_stats *audit_reader__stats(const struct audit_reader *r)
{
	return r->c.st;
}

void audit_reader__rebind(struct audit_reader *r, struct strpool *pool, struct audit_stats *st)
{
	if (pool) {
		/* the caches point into the pool the last piece went to: the
		 * same pool again was emptied since, or sealed */
		audit_ctx__forget(&r->c);
		r->c.pool = pool;
		r->c.flags &= ~AUDIT_READ_TRANSIENT;
	}
	r->c.st = st ? st : &r->own_st;
}

struct audit_ctx *audit_reader__ctx(struct audit_reader *r)
{
	return &r->c;
}

void audit_reader__test_sizes(struct audit_reader *r, size_t window, size_t step)
{
	if (window)
		grow(r, window);
	r->step = step;
}
