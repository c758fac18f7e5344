/* agent/collect: GET /v1/incidents and GET /v1/findings?view=finding, the
 * view's entries as JSON lines (see collect.h). The page's rows are copied
 * out under the collector's lock; each row's latest version is then read
 * from its batch in the store while the answer streams, one batch in memory
 * at a time. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "collect/collect.h"
#include "collect/view.h"

struct vlister {
	int fd;
	enum view_kind kind;
	uint64_t limit;             /* the store's end when the page was taken */
	struct view_page page;
	size_t row;                 /* the next row to write */
	uint8_t *rec;
	size_t rcap;
	struct ship_batch *b;       /* the batch read last */
	uint64_t b_off;
	struct collect_line ln;     /* the current row's JSON line */
};

static void put_agents(FILE *f, const struct view_row *r)
{
	fputs(",\"agents\":[", f);
	for (size_t i = 0; i < r->nagents; i++) {
		fputs(i ? ",{\"agent_id\":" : "{\"agent_id\":", f);
		ship__json_str(f, r->agent_ids[i]);
		fputs(",\"hostname\":", f);
		ship__json_str(f, r->hostnames[i]);
		fputc('}', f);
	}
	fprintf(f, "],\"agents_more\":%s", r->agents_more ? "true" : "false");
}

static void put_history(FILE *f, const struct view_row *r)
{
	fprintf(f, ",\"revision\":%" PRIu64 ",\"revisions_seen\":%" PRIu64 ",\"history\":[",
		r->revision, r->revisions_seen);
	for (size_t i = 0; i < r->nhist; i++) {
		fprintf(f, "%s{\"revision\":%" PRIu64 ",\"received_ms\":%" PRId64 ",\"agent_id\":",
			i ? "," : "", r->hist[i].revision, r->hist[i].received_ms);
		ship__json_str(f, r->hist_agents[i]);
		fputc('}', f);
	}
	fputc(']', f);
}

/* The row's line; its content from the batch it points at (absent when
 * that batch no longer decodes). */
static void put_row(FILE *f, const struct vlister *l, const struct view_row *r)
{
	const struct ship_batch *b = l->b;

	fputs("{\"id\":", f);
	ship__json_str(f, r->id);
	fprintf(f, ",\"update\":%" PRIu64 ",\"received\":%" PRIu64 ",\"first_seen_ms\":%" PRId64
		",\"last_seen_ms\":%" PRId64, r->update, r->received, r->first_ms, r->last_ms);
	put_agents(f, r);
	if (l->kind == VIEW_INCIDENT) {
		put_history(f, r);
		if (b && r->index < b->nincidents) {
			fputs(",\"incident\":", f);
			ship__incident_json(f, &b->incidents[r->index]);
		}
	} else if (b && r->index < b->nfindings) {
		fputs(",\"finding\":", f);
		ship__finding_json(f, &b->findings[r->index]);
	}
	fputs("}\n", f);
}

/* The batch at off into l->b (kept when it is the one read last). */
static int load_batch(struct vlister *l, uint64_t off)
{
	const char *why;
	size_t len;
	int err;

	if (l->b && l->b_off == off)
		return 0;
	ship_batch__free(l->b);
	l->b = NULL;
	err = store__read_record(l->fd, off, l->limit, &l->rec, &l->rcap, &len);
	if (err < 0)
		return err;
	l->b_off = off;
	return ship_batch__decode(l->rec, len, &l->b, &why) == -ENOMEM ? -ENOMEM : 0;
}

static int next_line(struct vlister *l)
{
	const struct view_row *r;
	FILE *f;

	if (l->row == l->page.n)
		return 1;
	r = &l->page.rows[l->row++];
	if (load_batch(l, r->batch_off) == -ENOMEM)
		return -ENOMEM;
	free(l->ln.out);
	l->ln.out = NULL;
	f = open_memstream(&l->ln.out, &l->ln.outlen);
	if (!f)
		return -ENOMEM;
	put_row(f, l, r);
	if (fclose(f) != 0)
		return -ENOMEM;
	l->ln.outoff = 0;
	return 0;
}

static int next_row_line(void *cls)
{
	return next_line(cls);
}

static ssize_t read_rows(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct vlister *l = cls;

	(void)pos;
	return collect__copy_lines(&l->ln, next_row_line, l, buf, max, 0);
}

static void free_vlister(void *cls)
{
	struct vlister *l = cls;

	if (l->fd >= 0)
		close(l->fd);
	view_page__free(&l->page);
	ship_batch__free(l->b);
	free(l->rec);
	free(l->ln.out);
	free(l);
}

enum MHD_Result collect_view__respond(struct view *v, pthread_mutex_t *lock, struct store *s,
				      int kind, struct MHD_Connection *conn)
{
	uint64_t limit, cursor;
	const char *why;
	struct vlister *l;
	int has_cursor, err;

	if (collect__page_query(conn, &limit, &cursor, &has_cursor, &why) < 0)
		return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "bad-request", why, 0);
	l = calloc(1, sizeof(*l));
	if (!l)
		return MHD_NO;
	l->kind = (enum view_kind)kind;
	l->fd = open(store__path(s), O_RDONLY | O_CLOEXEC);
	err = l->fd < 0 ? -errno : 0;
	if (!err) {
		pthread_mutex_lock(lock);
		l->limit = store__size(s);
		err = view__page(v, l->kind, has_cursor ? &cursor : NULL, (size_t)limit, &l->page);
		pthread_mutex_unlock(lock);
	}
	if (err < 0) {
		free_vlister(l);
		if (err == -EINVAL)
			return http__respond_error(conn, MHD_HTTP_BAD_REQUEST, "bad-request",
						   COLLECT_BAD_CURSOR, 0);
		if (http__log_ok())
			log_err("%s: cannot list: %s", store__path(s), strerror(-err));
		return http__respond_error(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "store-failed",
					   NULL, 0);
	}
	return collect__send_lines(conn, read_rows, free_vlister, l, l->page.next);
}
