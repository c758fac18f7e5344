/* agent/collect: GET /v1/findings, a page of stored batches streamed as JSON
 * lines (see collect.h). One batch is in memory at a time per reader, and
 * each call of the reader callback decodes at most one good record, so a
 * large answer never holds up the thread's other connections for long. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "collect/collect.h"

struct lister {
	int fd;
	uint64_t pos, end;          /* records in [pos, end) are still to send */
	uint8_t *rec;
	size_t rcap;
	struct collect_line ln;     /* the current batch's JSON line */
};

/* Where the page starts and ends: the last `limit` records before size, or
 * `limit` records from cursor on. -EINVAL: the cursor is not a record. */
static int page_bounds(int fd, uint64_t size, const uint64_t *cursor, uint64_t limit,
		       uint64_t *start, uint64_t *end)
{
	uint64_t *ring = NULL, off = cursor ? *cursor : 0, n = 0;
	size_t len;
	int err = 0;

	if (cursor && off == size) {
		*start = *end = size;
		return 0;
	}
	if (!cursor && !(ring = calloc(limit, sizeof(*ring))))
		return -ENOMEM;
	while (off < size && (!cursor || n < limit)) {
		err = store__read_record(fd, off, size, NULL, NULL, &len);
		if (err < 0)
			break;
		if (ring)
			ring[n % limit] = off;
		n++;
		off += STORE_HDR_LEN + (uint64_t)len;
	}
	if (err == -EBADMSG && cursor && n == 0)
		err = -EINVAL;
	else if (err == -EBADMSG)
		err = 0;   /* the file ends in a record being appended: stop there */
	*start = cursor ? *cursor : n > limit ? ring[n % limit] : 0;
	*end = off;
	free(ring);
	return err;
}

/* The next good record's JSON line into l->ln.out. 0, or 1 at the end. */
static int next_line(struct lister *l)
{
	struct ship_batch *b = NULL;
	const char *why;
	size_t len;
	FILE *f;

	while (l->pos < l->end) {
		if (store__read_record(l->fd, l->pos, l->end, &l->rec, &l->rcap, &len) < 0)
			return -EIO;
		l->pos += STORE_HDR_LEN + (uint64_t)len;
		if (ship_batch__decode(l->rec, len, &b, &why) < 0)
			continue;   /* stored before the checks of today; skipped */
		free(l->ln.out);
		l->ln.out = NULL;
		f = open_memstream(&l->ln.out, &l->ln.outlen);
		if (!f || ship_batch__write_json(f, b) < 0 || fclose(f) != 0) {
			if (f)
				fclose(f);
			ship_batch__free(b);
			return -ENOMEM;
		}
		ship_batch__free(b);
		l->ln.outoff = 0;
		return 0;
	}
	return 1;
}

/* Fill buf with as many whole or partial lines as fit: one write per call
 * keeps a page of small batches from costing a round of the event loop
 * each. At most PAGE_LINES_PER_CALL records are decoded per call. */
#define PAGE_LINES_PER_CALL 64

ssize_t collect__copy_lines(struct collect_line *ln, int (*next)(void *cls), void *cls,
			    char *buf, size_t max, int max_lines)
{
	size_t n, done = 0;
	int err, lines = 0;

	while (done < max) {
		if (ln->outoff == ln->outlen) {
			if (max_lines && lines++ == max_lines)
				break;
			err = next(cls);
			if (err < 0 && !done)
				return MHD_CONTENT_READER_END_WITH_ERROR;
			if (err)
				break;
		}
		n = ln->outlen - ln->outoff < max - done ? ln->outlen - ln->outoff : max - done;
		memcpy(buf + done, ln->out + ln->outoff, n);
		ln->outoff += n;
		done += n;
	}
	return done ? (ssize_t)done : MHD_CONTENT_READER_END_OF_STREAM;
}

static int next_page_line(void *cls)
{
	return next_line(cls);
}

static ssize_t read_page(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct lister *l = cls;

	(void)pos;
	return collect__copy_lines(&l->ln, next_page_line, l, buf, max, PAGE_LINES_PER_CALL);
}

static void free_lister(void *cls)
{
	struct lister *l = cls;

	if (l->fd >= 0)
		close(l->fd);
	free(l->rec);
	free(l->ln.out);
	free(l);
}

int collect__query_u64(const char *arg, uint64_t *v)
{
	char *end;

	if (!arg)
		return 0;
	errno = 0;
	*v = strtoull(arg, &end, 10);
	return errno || end == arg || *end || arg[0] < '0' || arg[0] > '9' ? -EINVAL : 1;
}

int collect__page_query(struct MHD_Connection *conn, uint64_t *limit, uint64_t *cursor,
			int *has_cursor, const char **why)
{
	const char *larg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	const char *carg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "cursor");

	*limit = COLLECT_PAGE_DEFAULT;
	*cursor = 0;
	if (collect__query_u64(larg, limit) < 0 || (larg && *limit == 0)) {
		*why = "limit: expected 1 or more";
		return -EINVAL;
	}
	if ((*has_cursor = collect__query_u64(carg, cursor)) < 0) {
		*why = COLLECT_BAD_CURSOR;
		return -EINVAL;
	}
	if (*limit > COLLECT_PAGE_MAX)
		*limit = COLLECT_PAGE_MAX;
	return 0;
}

enum MHD_Result collect__send_lines(struct MHD_Connection *conn, MHD_ContentReaderCallback read,
				    MHD_ContentReaderFreeCallback done, void *cls, uint64_t next)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char text[32];

	snprintf(text, sizeof(text), "%" PRIu64, next);
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 64 * 1024, read, cls, done);
	if (!r) {
		done(cls);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "application/x-ndjson");
	MHD_add_response_header(r, "X-Next-Cursor", text);
	ret = MHD_queue_response(conn, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

enum MHD_Result collect_list__respond(struct store *s, struct MHD_Connection *conn)
{
	uint64_t limit, cursor, size = store__size(s);
	const char *why = COLLECT_BAD_CURSOR;
	struct lister *l;
	int has_cursor, err;

	if (collect__page_query(conn, &limit, &cursor, &has_cursor, &why) < 0 || cursor > size)
		return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "bad-request", why, 0);
	l = calloc(1, sizeof(*l));
	if (!l)
		return MHD_NO;
	l->fd = open(store__path(s), O_RDONLY | O_CLOEXEC);
	err = l->fd < 0 ? -errno : page_bounds(l->fd, size, has_cursor ? &cursor : NULL,
					       limit, &l->pos, &l->end);
	if (err < 0) {
		free_lister(l);
		if (err == -EINVAL)
			return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "bad-request",
						   COLLECT_BAD_CURSOR, 0);
		if (http__log_ok())
			log_err("%s: cannot read: %s", store__path(s), strerror(-err));
		return http__respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "store-failed",
					   NULL, 0);
	}
	return collect__send_lines(conn, read_page, free_lister, l, l->end);
}
