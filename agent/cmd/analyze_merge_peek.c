/* See analyze_merge_priv.h: the first look at the files whose path names
 * no time. Such a file's key is the earliest of its first
 * MERGE_PEEK_RECORDS events (analyze_order.h). Looking at them apart and
 * then reading them again to merge them read those records twice (a tenth
 * to a quarter of the reading of a 20 MB file); so the first few of them
 * are looked at by reading their first pieces as the merge reads any
 * piece, on the reader threads, and the pieces wait for the merge with
 * their file left open. Past MERGE_PEEK_KEEP files (what their pieces
 * hold: a few MiB each, until the merge takes them), the others are
 * looked at as analyze_order.c does, and read again. The keys, hence the order and every event handed
 * over, are the same either way. */
#include "cmd/analyze_merge_priv.h"
#include "cmd/analyze_order.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define MERGE_PEEK_KEEP 8

/* 1 when s needs no more pieces read for its key: it is read to its end,
 * could not be read, or its pieces hold enough events. Called with m->mx
 * held, s neither busy nor queued. */
static int settled(const struct merge *m, const struct stream *s)
{
	size_t n = 0;

	if (s->read_end)
		return 1;
	for (const struct piece *b = s->head; b; b = b->next) {
		if (b == &m->oom)
			return 1;
		n += b->n;
	}
	return n >= MERGE_PEEK_RECORDS;
}

/* Read the first pieces of the streams keep[0..nkeep) (by unit) on the
 * reader threads, until each is settled. */
static void read_first(struct merge *m, const size_t *keep, size_t nkeep)
{
	struct stream *s;
	size_t left;

	pthread_mutex_lock(&m->mx);
	for (;;) {
		left = 0;
		for (size_t i = 0; i < nkeep; i++) {
			s = &m->s[keep[i]];
			if (s->busy || s->queued) {
				left++;
			} else if (!settled(m, s)) {
				merge__queue(m, s);
				left++;
			}
		}
		if (!left)
			break;
		pthread_cond_wait(&m->cv, &m->mx);
	}
	pthread_mutex_unlock(&m->mx);
}

/* The earliest of the first MERGE_PEEK_RECORDS events of s's pieces, as
 * analyze_order.c's look finds it; INT64_MIN when there are none. */
static int64_t first_key(const struct merge *m, const struct stream *s)
{
	int64_t t = INT64_MIN, x;
	size_t n = 0;

	for (const struct piece *b = s->head; b && b != &m->oom && n < MERGE_PEEK_RECORDS;
	     b = b->next) {
		for (size_t i = 0; i < b->n && n < MERGE_PEEK_RECORDS; i++, n++) {
			x = piece_ev(b, i)->time_ms;
			if (!n || x < t)
				t = x;
		}
	}
	return t;
}

static int cmp_units(const void *a, const void *b, void *arg)
{
	const struct merge *m = arg;

	return merge_order__cmp(m->o->units, m->key, *(const size_t *)a, *(const size_t *)b);
}

/* The streams, by unit so far, by rank from now on. 0 or -ENOMEM. */
static int by_rank(struct merge *m)
{
	struct stream *s = calloc(m->n ? m->n : 1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	pthread_mutex_lock(&m->mx);
	for (size_t r = 0; r < m->n; r++)
		s[r] = m->s[m->order[r]];
	free(m->s);
	m->s = s;
	pthread_mutex_unlock(&m->mx);
	return 0;
}

int merge_peek__plan(struct merge *m, unsigned threads)
{
	const struct audit_unit *u = m->o->units;
	size_t keep[MERGE_PEEK_KEEP], nkeep = 0;

	for (size_t i = 0; i < m->n; i++)
		m->order[i] = i;
	if (merge_order__path_keys(u, m->n, m->key)) {
		for (size_t i = 0; i < m->n && nkeep < MERGE_PEEK_KEEP; i++)
			if (m->key[i] == INT64_MAX)
				keep[nkeep++] = i;
		read_first(m, keep, nkeep);
		for (size_t k = 0; k < nkeep; k++)
			m->key[keep[k]] = first_key(m, &m->s[keep[k]]);
		/* the rest, looked at apart */
		merge_order__peek(u, m->n, threads, m->key);
	}
	if (m->n > 1)
		qsort_r(m->order, m->n, sizeof(*m->order), cmp_units, m);
	return nkeep ? by_rank(m) : 0;
}
