/* See analyze_merge.h. Every file is a stream of pieces (struct piece: the
 * events of about 4 MiB of log and the pool their strings live in). Reader
 * threads take read jobs from one queue: the first piece of the next few
 * files, and the next piece of every file being merged, one ahead. The
 * merging thread alone decides what enters the heap, ordered by (time,
 * file rank, record), so the sequence does not depend on which thread read
 * what first: it admits the next file, or takes the next piece of the open
 * file that limits the horizon, and hands over what is before the horizon.
 * A piece is freed when its last event has been handed over. */
#include "cmd/analyze_merge_priv.h"
#include "cmd/analyze_order.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/log.h"
#include "lib/strpool.h"

/* ---- file order ---------------------------------------------------- */

/* ---- readers --------------------------------------------------------- */

static int collect(const struct audit_event *ev, void *ctx)
{
	struct piece *b = ctx;

	if (merge_evs__room(&b->evs, b->mem, b->n) < 0) {
		b->err = -ENOMEM;
		return -ENOMEM;
	}
	*piece_ev(b, b->n++) = *ev;
	return 0;
}

/* Called with m->mx held. A new pool's table starts at the size the
 * pieces' pools grew to (a piece's strings are about as many as the one
 * before it), not at the smallest, doubled again and again. */
static struct strpool *pool_take(struct merge *m)
{
	struct strpool *p;

	if (m->npools)
		return m->pools[--m->npools];
	p = strpool__new_on(&m->pool_src);
	if (p)
		strpool__presize(p, m->pool_slots);   /* a hint: failing it is no harm */
	return p;
}

static void piece_free(struct merge *m, struct piece *b)
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
	free(b->ord);
	merge_evs__release(&b->evs, m->mem);
	free(b);
}

/* On the reader's thread: the piece's order by (time, index), so that the
 * merge hands over runs instead of sorting every event in its heap. Most
 * files are in order already and need none. 0 or -ENOMEM. */
static int sort_piece(struct piece *b)
{
	struct merge_tkey *k, *tmp, *sorted;
	int64_t lo, hi, t;
	size_t i;

	for (i = 1; i < b->n && piece_ev(b, i)->time_ms >= piece_ev(b, i - 1)->time_ms; i++)
		;
	if (i >= b->n)
		return 0;
	k = malloc(2 * b->n * sizeof(*k));
	b->ord = malloc(b->n * sizeof(*b->ord));
	if (!k || !b->ord) {
		free(k);
		return -ENOMEM;
	}
	lo = hi = piece_ev(b, 0)->time_ms;
	for (i = 1; i < b->n; i++) {
		t = piece_ev(b, i)->time_ms;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	tmp = k + b->n;
	for (i = 0; i < b->n; i++) {
		k[i].t = (uint64_t)piece_ev(b, i)->time_ms - (uint64_t)lo;
		k[i].i = (uint32_t)i;
	}
	sorted = merge_order__sort_times(k, tmp, b->n, (uint64_t)hi - (uint64_t)lo);
	for (i = 0; i < b->n; i++)
		b->ord[i] = sorted[i].i;
	free(k);
	return 0;
}

/* On the reader's thread, once the piece is read: held until its last
 * event is handed over, it keeps its events and strings, not its pool's
 * look-up table. */
static void piece_trim(struct piece *b)
{
	strpool__seal(b->pool);
}

/* Queue a read of rank r's next piece when it needs one: a file being
 * merged, or one of the next few, with no piece waiting. Called with
 * m->mx held. */
static void want(struct merge *m, size_t r)
{
	struct stream *s = &m->s[r];

	if (r >= m->n || r >= m->next_admit + m->ahead || s->busy || s->queued || s->read_end ||
	    s->head)
		return;
	merge__queue(m, s);
}

void merge__queue(struct merge *m, struct stream *s)
{
	s->queued = 1;
	s->job_next = NULL;
	if (m->jobs_tail)
		m->jobs_tail->job_next = s;
	else
		m->jobs = s;
	m->jobs_tail = s;
	pthread_cond_broadcast(&m->cv);
}

/* Read the next piece of s (unit u), opening the file first. Called
 * without the lock; s is this thread's while busy. */
static void read_piece(struct merge *m, struct stream *s, const struct audit_unit *u,
		       struct piece *b, unsigned whole_gz)
{
	int rc;

	if (u->whole) {
		/* a bucket URL is read whole, one at a time (see audit_unit__read) */
		pthread_mutex_lock(&m->url_mx);
		audit_unit__read(u, b->pool, AUDIT_READ_DEFER_DEDUP, collect, b, &b->st);
		pthread_mutex_unlock(&m->url_mx);
		b->last = 1;
		return;
	}
	if (!s->r) {
		s->r = audit_unit__open(u, b->pool, AUDIT_READ_DEFER_DEDUP | whole_gz, &b->st);
		if (!s->r) {
			b->last = 1;
			return;
		}
	} else {
		audit_reader__rebind(s->r, b->pool, &b->st);
	}
	rc = audit_reader__next_chunk(s->r, collect, b);
	if (rc <= 0) {
		/* the end, or out of memory (b->err says so) */
		audit_reader__close(s->r);
		s->r = NULL;
		b->last = 1;
	}
}

static void *reader(void *arg)
{
	struct merge *m = arg;
	struct stream *s;
	struct piece *b;
	unsigned whole_gz;
	size_t r;

	pthread_mutex_lock(&m->mx);
	for (;;) {
		while (!m->stop && !m->jobs)
			pthread_cond_wait(&m->cv, &m->mx);
		if (m->stop)
			break;
		s = m->jobs;
		m->jobs = s->job_next;
		if (!m->jobs)
			m->jobs_tail = NULL;
		s->queued = 0;
		s->busy = 1;
		r = (size_t)(s - m->s);
		if (!s->r && ++m->open_files > m->peak_files)
			m->peak_files = m->open_files;
		whole_gz = m->open_files <= m->max_whole ? AUDIT_READ_WHOLE_SMALL : 0;
		b = calloc(1, sizeof(*b));
		if (b && !(b->pool = pool_take(m))) {
			free(b);
			b = NULL;
		}
		if (b)
			b->mem = m->mem;
		pthread_mutex_unlock(&m->mx);
		if (b) {
			read_piece(m, s, &m->o->units[m->order[r]], b, whole_gz);
			if (!b->err && b->n > UINT32_MAX / 2)
				b->err = -ENOMEM;   /* sequence numbers are 32-bit */
			if (!b->err)
				b->err = sort_piece(b);
			piece_trim(b);
		}
		pthread_mutex_lock(&m->mx);
		if (b && strpool__slots(b->pool) > m->pool_slots)
			m->pool_slots = strpool__slots(b->pool);
		if (!b || b->last) {
			/* out of memory ends the file (and the merge, see take) */
			if (s->r) {
				audit_reader__close(s->r);
				s->r = NULL;
			}
			m->open_files--;
			s->read_end = 1;
		}
		b = b ? b : &m->oom;
		if (s->tail)
			s->tail->next = b;
		else
			s->head = b;
		s->tail = b;
		s->busy = 0;
		pthread_cond_broadcast(&m->cv);
	}
	pthread_mutex_unlock(&m->mx);
	audit_thread__release();
	return NULL;
}

/* The next piece of rank r, read ahead or waited for; the one after it is
 * asked for at once. */
static struct piece *take(struct merge *m, size_t r)
{
	struct stream *s = &m->s[r];
	struct piece *b;

	double t0;

	pthread_mutex_lock(&m->mx);
	want(m, r);
	if (!s->head) {
		t0 = gw_mono_sec();
		while (!s->head)
			pthread_cond_wait(&m->cv, &m->mx);
		m->wait_sec += gw_mono_sec() - t0;
	}
	b = s->head;
	s->head = b == &m->oom ? NULL : b->next;
	if (!s->head)
		s->tail = NULL;
	if (b != &m->oom)
		b->next = NULL;
	want(m, r);
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
		size_t cap = m->hcap ? m->hcap * 2 : 256;

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

/* Sift the top entry down to its place. */
static void heap_down(struct merge *m)
{
	struct ent top = m->h[0];
	size_t i = 0, c;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->hn)
			break;
		if (c + 1 < m->hn && ent_less(&m->h[c + 1], &m->h[c]))
			c++;
		if (!ent_less(&m->h[c], &top))
			break;
		m->h[i] = m->h[c];
		i = c;
	}
	m->h[i] = top;
}

/* The index (piece_ev) of the piece's k-th event in time order. */
static size_t piece_at(const struct piece *b, size_t k)
{
	return b->ord ? b->ord[k] : k;
}

/* Take the earliest held event: the next of the top piece, which moves
 * on to its following event, or leaves the heap after its last. */
static const struct audit_event *heap_pop(struct merge *m, struct piece **bp, int64_t *t)
{
	struct ent *top = &m->h[0];
	struct piece *b = top->b;
	const struct audit_event *ev = piece_ev(b, piece_at(b, b->cur));
	size_t j;

	*bp = b;
	*t = top->t;
	m->nheld--;
	if (++b->cur < b->n) {
		j = piece_at(b, b->cur);
		top->t = piece_ev(b, j)->time_ms;
		top->seq = b->seq0 + (uint32_t)j;
	} else if (--m->hn) {
		m->h[0] = m->h[m->hn];
	} else {
		return ev;
	}
	heap_down(m);
	return ev;
}

/* ---- the merge ------------------------------------------------------- */

/* The time nothing of rank r is assumed to precede before it is read. */
static int64_t file_horizon(const struct merge *m, size_t r)
{
	int64_t k = m->key[m->order[r]];

	return k < INT64_MIN + m->o->reorder_ms ? INT64_MIN : k - m->o->reorder_ms;
}

/* De-duplicate the batch, in the merge's order, under one lock (with the
 * next events' slots fetched while one is checked); count what of the
 * rest comes late, and hand it over; then free the pieces the batch was
 * the end of. */
static int flush(struct merge *m)
{
	const struct audit_event *ev;
	size_t k = 0;
	int err;

	audit_dedup__check_batch(m->batch, m->nbatch, m->dup);
	for (size_t i = 0; i < m->nbatch; i++) {
		ev = m->batch[i];
		if (m->dup[i]) {
			m->st->duplicates++;
			m->st->events--;
			continue;
		}
		if (ev->time_ms < m->last) {
			m->ms->late++;
			if (m->last - ev->time_ms > m->ms->max_late_ms)
				m->ms->max_late_ms = m->last - ev->time_ms;
		} else {
			m->last = ev->time_ms;
		}
		m->batch[k++] = ev;
	}
	err = k ? m->fn(m->batch, k, m->ctx) : 0;
	m->nbatch = 0;
	while (m->ndone)
		piece_free(m, m->done[--m->ndone]);
	m->done_bytes = 0;
	return err;
}

/* One event of b is done with; after its last, b no longer counts as
 * held, and is freed once the batch that may point into it is handed over. */
static int release(struct merge *m, struct piece *b)
{
	if (--b->pending)
		return 0;
	m->held -= b->bytes;
	m->done[m->ndone++] = b;
	m->done_bytes += b->bytes;
	return m->ndone == MERGE_BATCH || m->done_bytes >= MERGE_BATCH_BYTES ? flush(m) : 0;
}

/* Hand over the earliest held event, in time order, whatever thread read
 * it: into the batch, which is de-duplicated and goes when full. */
static int emit(struct merge *m)
{
	struct piece *b;
	int64_t t;
	const struct audit_event *ev = heap_pop(m, &b, &t);
	int err;

	m->batch[m->nbatch++] = ev;
	err = release(m, b);
	if (!err && m->nbatch == MERGE_BATCH)
		err = flush(m);
	return err;
}

/* The memory of what is held: the pieces in the merge and the heap. */
static uint64_t held_bytes(const struct merge *m)
{
	return m->held + m->hcap * sizeof(*m->h);
}

/* Give back most of a heap that held far more than it holds now. */
static void heap_shrink(struct merge *m)
{
	struct ent *nv;

	if (m->hcap <= 256 || m->hn > m->hcap / 4)
		return;
	nv = realloc(m->h, m->hcap / 2 * sizeof(*nv));
	if (nv) {
		m->h = nv;
		m->hcap /= 2;
	}
}

/* Hand over every held event earlier than horizon, then, while the held
 * events take more than their bound, the earliest before their turn. */
static int drain(struct merge *m, int64_t horizon, struct merge_stats *ms)
{
	int err = 0;

	while (!err && m->hn && m->h[0].t < horizon)
		err = emit(m);
	while (!err && m->hn && held_bytes(m) > m->max_held) {
		ms->overflow++;
		err = emit(m);
	}
	heap_shrink(m);
	return err;
}

/* Push a piece of rank r: its events enter the merge, its counts *st,
 * and the file's horizon moves to its earliest event. */
static int push_piece(struct merge *m, size_t r, struct piece *b, struct audit_stats *st,
		      struct merge_stats *ms)
{
	struct stream *s = &m->s[r];
	struct ent e = { .rank = (uint32_t)r, .b = b };
	int64_t lo;
	int err;

	if (b == &m->oom)
		return -ENOMEM;
	audit_stats__add(st, &b->st);
	err = b->err;
	b->seq0 = s->seq;
	s->seq += (uint32_t)b->n;
	if (!err && b->n) {
		e.t = piece_ev(b, piece_at(b, 0))->time_ms;
		e.seq = b->seq0 + (uint32_t)piece_at(b, 0);
		err = heap_push(m, &e);
	}
	if (err || !b->n) {
		piece_free(m, b);
		return err;
	}
	b->pending = b->n;
	m->nheld += b->n;
	b->bytes = sizeof(*b) + merge_evs__bytes(&b->evs) + (b->ord ? b->n * sizeof(*b->ord) : 0) +
		   strpool__bytes(b->pool);
	m->held += b->bytes;
	/* the rest of the file is assumed no earlier than this piece's
	 * earliest event minus the window (nor than the file's time says) */
	lo = e.t < INT64_MIN + m->o->reorder_ms ? INT64_MIN : e.t - m->o->reorder_ms;
	s->lo = lo > file_horizon(m, r) ? lo : file_horizon(m, r);
	if (m->nheld > ms->peak_events)
		ms->peak_events = m->nheld;
	if (held_bytes(m) > ms->peak_bytes)
		ms->peak_bytes = held_bytes(m);
	return 0;
}

/* Start merging the next file; its first piece and the next file's are
 * asked for. */
static void admit(struct merge *m)
{
	size_t r = m->next_admit;
	struct stream *s = &m->s[r];

	s->live = 1;
	s->lo = file_horizon(m, r);
	m->live[m->nlive++] = r;
	pthread_mutex_lock(&m->mx);
	m->next_admit++;
	for (size_t i = r; i < m->next_admit + m->ahead && i < m->n; i++)
		want(m, i);
	pthread_mutex_unlock(&m->mx);
}

/* The file being merged whose horizon is the earliest (the lowest rank of
 * equals), as an index into m->live; m->nlive when none. */
static size_t limiting(const struct merge *m)
{
	size_t best = m->nlive;

	for (size_t i = 0; i < m->nlive; i++) {
		const struct stream *s = &m->s[m->live[i]], *b;

		if (best == m->nlive) {
			best = i;
			continue;
		}
		b = &m->s[m->live[best]];
		if (s->lo < b->lo || (s->lo == b->lo && m->live[i] < m->live[best]))
			best = i;
	}
	return best;
}

/* Take the next piece of the file at m->live[i] into the heap; a file
 * whose last piece this was is no longer merged. */
static int advance(struct merge *m, size_t i, struct audit_stats *st, struct merge_stats *ms)
{
	size_t r = m->live[i];
	struct piece *b = take(m, r);
	int last = b == &m->oom || b->last;
	int err = push_piece(m, r, b, st, ms);

	if (last) {
		m->s[r].live = 0;
		m->live[i] = m->live[--m->nlive];
	}
	return err;
}

static int merge_loop(struct merge *m, struct audit_stats *st, struct merge_stats *ms)
{
	size_t i, waited = SIZE_MAX;
	int64_t h, next;
	int err = 0;

	while (!err) {
		i = limiting(m);
		next = m->next_admit < m->n ? file_horizon(m, m->next_admit) : INT64_MAX;
		h = i < m->nlive && m->s[m->live[i]].lo < next ? m->s[m->live[i]].lo : next;
		err = drain(m, h, ms);
		if (err)
			break;
		if (i == m->nlive && m->next_admit == m->n)
			return drain(m, INT64_MAX, ms);
		if (m->next_admit < m->n && (i == m->nlive || next <= m->s[m->live[i]].lo)) {
			if (m->nlive < m->max_open) {
				admit(m);
				continue;
			}
			/* max_open files are open: the next one waits for one to end */
			if (waited != m->next_admit)
				ms->files_waited++;
			waited = m->next_admit;
		}
		err = advance(m, i, st, ms);
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

/* After the readers stopped. */
static void merge_free(struct merge *m)
{
	struct piece *b;

	while (m->ndone)
		piece_free(m, m->done[--m->ndone]);
	while (m->hn)
		piece_free(m, m->h[--m->hn].b);
	for (size_t r = 0; m->s && r < m->n; r++) {
		while ((b = m->s[r].head) != NULL) {
			m->s[r].head = b == &m->oom ? NULL : b->next;
			piece_free(m, b);
		}
		audit_reader__close(m->s[r].r);
	}
	for (size_t i = 0; i < m->npools; i++)
		strpool__free(m->pools[i]);
	merge_blocks__free(m->mem);
	free(m->h);
	free(m->live);
	free(m->s);
	free(m->key);
	free(m->order);
}

int merge__run_batch(const struct merge_opts *o, merge_batch_fn fn, void *ctx,
		     struct audit_stats *st, struct merge_stats *ms)
{
	struct merge m = { .o = o, .n = o->nunits, .mx = PTHREAD_MUTEX_INITIALIZER,
			   .url_mx = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER,
			   .last = INT64_MIN, .fn = fn, .ctx = ctx };
	pthread_t tid[MERGE_MAX_THREADS];
	unsigned started = 0;
	double t0;
	int err, e;

	memset(ms, 0, sizeof(*ms));
	m.st = st;
	m.ms = ms;
	m.max_open = o->max_open ? o->max_open : MERGE_DEF_MAX_OPEN;
	m.max_held = o->max_held_bytes ? o->max_held_bytes : MERGE_DEF_MAX_HELD;
	m.live = calloc(m.max_open, sizeof(*m.live));
	m.mem = merge_blocks__new();
	merge_blocks__pool_src(m.mem, &m.pool_src);
	ms->threads = thread_count(o);
	m.order = calloc(m.n ? m.n : 1, sizeof(*m.order));
	m.key = calloc(m.n ? m.n : 1, sizeof(*m.key));
	m.s = calloc(m.n ? m.n : 1, sizeof(*m.s));
	err = m.live && m.mem && m.order && m.key && m.s ? 0 : -ENOMEM;
	if (err)
		goto out;
	m.ahead = MERGE_AHEAD_PER_THREAD * ms->threads;
	m.max_whole = MERGE_WHOLE_PER_THREAD * ms->threads;
	for (; started < ms->threads; started++)
		if (pthread_create(&tid[started], NULL, reader, &m) != 0)
			break;
	err = started ? merge_peek__plan(&m, ms->threads) : -EAGAIN;
	if (err)
		goto stop;
	pthread_mutex_lock(&m.mx);
	for (size_t r = 0; r < m.ahead && r < m.n; r++)
		want(&m, r);
	pthread_mutex_unlock(&m.mx);
	t0 = gw_mono_sec();
	err = merge_loop(&m, st, ms);
	/* what is gathered goes, also when reading failed (after fn failed,
	 * the batch is empty) */
	e = flush(&m);
	if (!err)
		err = e;
	ms->busy_sec = gw_mono_sec() - t0 - m.wait_sec;
stop:
	pthread_mutex_lock(&m.mx);
	m.stop = 1;
	pthread_cond_broadcast(&m.cv);
	pthread_mutex_unlock(&m.mx);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	ms->peak_files = m.peak_files;
out:
	merge_free(&m);
	return err;
}

struct one_by_one {
	audit_event_fn fn;
	void *ctx;
};

static int each(const struct audit_event *const *evs, size_t n, void *ctx)
{
	const struct one_by_one *o = ctx;
	int err = 0;

	for (size_t i = 0; i < n && !err; i++)
		err = o->fn(evs[i], o->ctx);
	return err;
}

int merge__run(const struct merge_opts *o, audit_event_fn fn, void *ctx,
	       struct audit_stats *st, struct merge_stats *ms)
{
	struct one_by_one e = { fn, ctx };

	return merge__run_batch(o, each, &e, st, ms);
}
