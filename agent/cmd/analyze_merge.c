/* See analyze_merge.h. Reader threads take the files in time order, a few
 * ahead of the merge, and parse each into a batch: its events and the pool
 * their strings live in. The merging thread opens the batches in the same
 * order, pushes their events onto one heap ordered by (time, file rank,
 * record), and pops what no unopened file can precede. A batch is freed
 * when its last event has been handed over. */
#include "cmd/analyze_merge.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/strpool.h"

#define MERGE_MAX_THREADS 16
#define MERGE_AHEAD_PER_THREAD 2
#define MERGE_MAX_POOLS 32

struct batch {
	struct strpool *pool;
	struct audit_event *ev;
	size_t n, cap;
	size_t pending;           /* events not handed over yet */
	int err;                  /* -ENOMEM while reading */
	struct audit_stats st;
};

struct ent {
	int64_t t;
	uint32_t rank, seq;
	const struct audit_event *ev;
	struct batch *b;
};

struct merge {
	const struct merge_opts *o;
	size_t n;
	size_t *order;            /* rank -> unit */
	int64_t *key;             /* by unit */
	struct batch **ready;     /* by rank, handed from the readers */
	struct batch oom;         /* a batch that could not be allocated */
	pthread_mutex_t mx, url_mx;
	pthread_cond_t cv;
	size_t next_read, next_open, ahead;
	int stop;
	struct strpool *pools[MERGE_MAX_POOLS];
	size_t npools;
	struct ent *h;
	size_t hn, hcap;
	uint64_t files_held;
};

/* ---- file order ---------------------------------------------------- */

/* The earliest of a file's first records: a file's records are seldom
 * strictly in order, and its first one may come after the ones behind it. */
#define MERGE_PEEK_RECORDS 4096

struct peek {
	int64_t t;
	unsigned n;
};

static int peek_first(const struct audit_event *ev, void *ctx)
{
	struct peek *p = ctx;

	if (!p->n++ || ev->time_ms < p->t)
		p->t = ev->time_ms;
	return p->n < MERGE_PEEK_RECORDS ? 0 : -ECANCELED;
}

/* The time a unit's path says, else its first records'. A bucket URL is
 * read first and whole; a file with no record sorts first too. */
static int64_t unit_key(const struct audit_unit *u, struct strpool *pool)
{
	struct peek p = { .t = INT64_MIN };
	struct audit_stats *scratch;
	int64_t t = audit_path__time(u->path);
	int level;

	if (u->whole || t != INT64_MIN)
		return u->whole ? INT64_MIN : t;
	scratch = calloc(1, sizeof(*scratch));
	if (!scratch)
		return INT64_MIN;
	/* the real read names what is wrong with the file, once */
	level = gw_log_level();
	gw_log_set_level(-1);
	audit_unit__read(u, pool, AUDIT_READ_PEEK | AUDIT_READ_TRANSIENT, peek_first, &p, scratch);
	gw_log_set_level(level);
	free(scratch);
	return p.t;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

static int cmp_units(const void *a, const void *b, void *arg)
{
	const struct merge *m = arg;
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	const char *p = m->o->units[i].path, *q = m->o->units[j].path;
	int c;

	if (m->key[i] != m->key[j])
		return m->key[i] < m->key[j] ? -1 : 1;
	c = strcmp(base_name(p), base_name(q));
	return c ? c : strcmp(p, q);
}

static int plan(struct merge *m)
{
	struct strpool *pool = strpool__new();

	m->order = calloc(m->n ? m->n : 1, sizeof(*m->order));
	m->key = calloc(m->n ? m->n : 1, sizeof(*m->key));
	m->ready = calloc(m->n ? m->n : 1, sizeof(*m->ready));
	if (!pool || !m->order || !m->key || !m->ready) {
		strpool__free(pool);
		return -ENOMEM;
	}
	for (size_t i = 0; i < m->n; i++) {
		m->order[i] = i;
		m->key[i] = unit_key(&m->o->units[i], pool);
	}
	strpool__free(pool);
	if (m->n > 1)
		qsort_r(m->order, m->n, sizeof(*m->order), cmp_units, m);
	return 0;
}

/* ---- readers --------------------------------------------------------- */

static int collect(const struct audit_event *ev, void *ctx)
{
	struct batch *b = ctx;
	struct audit_event *nv;
	size_t cap;

	if (b->n == b->cap) {
		cap = b->cap ? b->cap * 2 : 256;
		nv = realloc(b->ev, cap * sizeof(*nv));
		if (!nv) {
			b->err = -ENOMEM;
			return -ENOMEM;
		}
		b->ev = nv;
		b->cap = cap;
	}
	b->ev[b->n++] = *ev;
	return 0;
}

/* Called with m->mx held. */
static struct strpool *pool_take(struct merge *m)
{
	return m->npools ? m->pools[--m->npools] : strpool__new();
}

static void batch_free(struct merge *m, struct batch *b)
{
	if (!b || b == &m->oom)
		return;
	pthread_mutex_lock(&m->mx);
	if (b->pool && m->npools < MERGE_MAX_POOLS) {
		strpool__reset(b->pool);
		m->pools[m->npools++] = b->pool;
		b->pool = NULL;
	}
	pthread_mutex_unlock(&m->mx);
	strpool__free(b->pool);
	free(b->ev);
	free(b);
}

static struct batch *read_unit(struct merge *m, const struct audit_unit *u, struct strpool *pool)
{
	struct batch *b = calloc(1, sizeof(*b));

	if (!b || !pool) {
		free(b);
		strpool__free(pool);
		return &m->oom;
	}
	b->pool = pool;
	if (u->whole)
		pthread_mutex_lock(&m->url_mx);
	audit_unit__read(u, pool, AUDIT_READ_DEFER_DEDUP, collect, b, &b->st);
	if (u->whole)
		pthread_mutex_unlock(&m->url_mx);
	b->pending = b->n;
	return b;
}

static void *reader(void *arg)
{
	struct merge *m = arg;
	struct strpool *pool;
	struct batch *b;
	size_t r;

	pthread_mutex_lock(&m->mx);
	for (;;) {
		while (!m->stop && m->next_read < m->n && m->next_read >= m->next_open + m->ahead)
			pthread_cond_wait(&m->cv, &m->mx);
		if (m->stop || m->next_read >= m->n)
			break;
		r = m->next_read++;
		pool = pool_take(m);
		pthread_mutex_unlock(&m->mx);
		b = read_unit(m, &m->o->units[m->order[r]], pool);
		pthread_mutex_lock(&m->mx);
		m->ready[r] = b;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mx);
	return NULL;
}

static struct batch *take(struct merge *m, size_t r)
{
	struct batch *b;

	pthread_mutex_lock(&m->mx);
	while (!m->ready[r])
		pthread_cond_wait(&m->cv, &m->mx);
	b = m->ready[r];
	m->ready[r] = NULL;
	m->next_open = r + 1;
	pthread_cond_broadcast(&m->cv);
	pthread_mutex_unlock(&m->mx);
	return b;
}

/* ---- the heap ---------------------------------------------------------- */

static int ent_less(const struct ent *a, const struct ent *b)
{
	if (a->t != b->t)
		return a->t < b->t;
	if (a->rank != b->rank)
		return a->rank < b->rank;
	return a->seq < b->seq;
}

static int heap_push(struct merge *m, const struct ent *e)
{
	size_t i, p;
	struct ent *nv;

	if (m->hn == m->hcap) {
		size_t cap = m->hcap ? m->hcap * 2 : 4096;

		nv = realloc(m->h, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		m->h = nv;
		m->hcap = cap;
	}
	for (i = m->hn++; i > 0; i = p) {
		p = (i - 1) / 2;
		if (!ent_less(e, &m->h[p]))
			break;
		m->h[i] = m->h[p];
	}
	m->h[i] = *e;
	return 0;
}

static void heap_pop(struct merge *m, struct ent *out)
{
	struct ent last;
	size_t i = 0, c;

	*out = m->h[0];
	last = m->h[--m->hn];
	for (;;) {
		c = 2 * i + 1;
		if (c >= m->hn)
			break;
		if (c + 1 < m->hn && ent_less(&m->h[c + 1], &m->h[c]))
			c++;
		if (!ent_less(&m->h[c], &last))
			break;
		m->h[i] = m->h[c];
		i = c;
	}
	if (m->hn)
		m->h[i] = last;
}

/* ---- the merge ------------------------------------------------------- */

static int open_batch(struct merge *m, size_t r, struct batch *b, struct audit_stats *st,
		      struct merge_stats *ms)
{
	struct ent e = { .rank = (uint32_t)r, .b = b };

	int err;

	if (b == &m->oom)
		return -ENOMEM;
	audit_stats__add(st, &b->st);
	err = b->err;
	if (err || !b->n) {
		batch_free(m, b);
		return err;
	}
	m->files_held++;
	for (size_t i = 0; i < b->n; i++) {
		e.t = b->ev[i].time_ms;
		e.seq = (uint32_t)i;
		e.ev = &b->ev[i];
		if (heap_push(m, &e) < 0) {
			/* what was pushed is freed with the heap */
			b->pending = i;
			if (!i) {
				batch_free(m, b);
				m->files_held--;
			}
			return -ENOMEM;
		}
	}
	if (m->hn > ms->peak_events)
		ms->peak_events = m->hn;
	if (m->files_held + (m->next_read - m->next_open) > ms->peak_files)
		ms->peak_files = m->files_held + (m->next_read - m->next_open);
	return 0;
}

/* One event of b is done with; b is freed after its last. */
static void release(struct merge *m, struct batch *b)
{
	if (--b->pending == 0) {
		batch_free(m, b);
		m->files_held--;
	}
}

/* Hand over every held event earlier than horizon, de-duplicated here, in
 * time order, whatever thread read it. */
static int drain(struct merge *m, int64_t horizon, int64_t *last, audit_event_fn fn, void *ctx,
		 struct audit_stats *st, struct merge_stats *ms)
{
	struct ent e;
	int err;

	while (m->hn && m->h[0].t < horizon) {
		heap_pop(m, &e);
		if (audit_dedup__check(e.ev)) {
			st->duplicates++;
			st->events--;
			release(m, e.b);
			continue;
		}
		if (e.t < *last) {
			ms->late++;
			if (*last - e.t > ms->max_late_ms)
				ms->max_late_ms = *last - e.t;
		} else {
			*last = e.t;
		}
		err = fn(e.ev, ctx);
		release(m, e.b);
		if (err)
			return err;
	}
	return 0;
}

static int64_t horizon_of(const struct merge *m, size_t r)
{
	int64_t k;

	if (r >= m->n)
		return INT64_MAX;
	k = m->key[m->order[r]];
	return k < INT64_MIN + m->o->reorder_ms ? INT64_MIN : k - m->o->reorder_ms;
}

static int merge_loop(struct merge *m, audit_event_fn fn, void *ctx, struct audit_stats *st,
		      struct merge_stats *ms)
{
	int64_t last = INT64_MIN;
	int err = 0;

	for (size_t r = 0; r <= m->n && !err; r++) {
		err = drain(m, horizon_of(m, r), &last, fn, ctx, st, ms);
		if (!err && r < m->n)
			err = open_batch(m, r, take(m, r), st, ms);
	}
	return err;
}

static unsigned thread_count(const struct merge_opts *o)
{
	long n = o->threads ? (long)o->threads : sysconf(_SC_NPROCESSORS_ONLN);

	if (n < 1)
		n = 1;
	if (n > MERGE_MAX_THREADS)
		n = MERGE_MAX_THREADS;
	if ((size_t)n > o->nunits)
		n = o->nunits ? (long)o->nunits : 1;
	return (unsigned)n;
}

static void merge_free(struct merge *m)
{
	struct ent e;

	while (m->hn) {
		heap_pop(m, &e);
		if (--e.b->pending == 0)
			batch_free(m, e.b);
	}
	for (size_t r = 0; m->ready && r < m->n; r++)
		batch_free(m, m->ready[r]);
	for (size_t i = 0; i < m->npools; i++)
		strpool__free(m->pools[i]);
	free(m->h);
	free(m->ready);
	free(m->key);
	free(m->order);
}

int merge__run(const struct merge_opts *o, audit_event_fn fn, void *ctx,
	       struct audit_stats *st, struct merge_stats *ms)
{
	struct merge m = { .o = o, .n = o->nunits, .mx = PTHREAD_MUTEX_INITIALIZER,
			   .url_mx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };
	pthread_t tid[MERGE_MAX_THREADS];
	unsigned started = 0;
	int err;

	memset(ms, 0, sizeof(*ms));
	err = plan(&m);
	if (err)
		goto out;
	ms->threads = thread_count(o);
	m.ahead = MERGE_AHEAD_PER_THREAD * ms->threads;
	for (; started < ms->threads; started++)
		if (pthread_create(&tid[started], NULL, reader, &m) != 0)
			break;
	if (!started) {
		err = -EAGAIN;
		goto out;
	}
	err = merge_loop(&m, fn, ctx, st, ms);
	pthread_mutex_lock(&m.mx);
	m.stop = 1;
	pthread_cond_broadcast(&m.cv);
	pthread_mutex_unlock(&m.mx);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
out:
	merge_free(&m);
	return err;
}
