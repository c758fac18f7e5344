/* See analyze_order.h. */
#include "cmd/analyze_order.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lib/log.h"
#include "lib/strpool.h"

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

/* The earliest of a file's first records: a small gzip file is
 * inflated whole (libdeflate, faster than zlib's stream over even a part
 * of it), a larger one streamed, and a plain file mapped: only the first
 * records are read, not the whole file (inflating or copying all of a
 * 20 MB file cost more than the merge's whole read of it later). */
static int64_t peek_key(const struct audit_unit *u, struct strpool *pool)
{
	struct peek p = { .t = INT64_MIN };
	struct audit_stats *scratch = calloc(1, sizeof(*scratch));
	struct audit_reader *r;

	if (!scratch)
		return INT64_MIN;
	r = audit_unit__open(u, pool, AUDIT_READ_PEEK | AUDIT_READ_TRANSIENT | AUDIT_READ_WHOLE_SMALL,
			     scratch);
	while (r && audit_reader__next_chunk(r, peek_first, &p) > 0)
		;
	audit_reader__close(r);
	free(scratch);
	return p.t;
}

/* The time a unit's path says, else its first records'. A bucket URL is
 * read first and whole; a file with no record sorts first too. *peek is
 * set when the records must be looked at. */
static int64_t path_key(const struct audit_unit *u, int *peek)
{
	int64_t t = audit_path__time(u->path);

	*peek = !u->whole && t == INT64_MIN;
	return u->whole ? INT64_MIN : t;
}

/* The files whose keys are their records', looked at on the reader
 * threads' count of threads at once, each with a pool of its own. */
struct peek_job {
	const struct audit_unit *units;
	int64_t *key;
	size_t n;
	pthread_mutex_t mx;
	size_t next;
};

static void *peek_worker(void *arg)
{
	struct peek_job *j = arg;
	struct strpool *pool = strpool__new();
	size_t i;

	for (;;) {
		pthread_mutex_lock(&j->mx);
		while (j->next < j->n && j->key[j->next] != INT64_MAX)
			j->next++;
		i = j->next++;
		pthread_mutex_unlock(&j->mx);
		if (i >= j->n || !pool)
			break;
		j->key[i] = peek_key(&j->units[i], pool);
	}
	strpool__free(pool);
	audit_thread__release();
	return NULL;
}

/* Keys of the files to peek at are INT64_MAX on entry. */
static void peek_all(struct peek_job *j, size_t npeek, unsigned threads)
{
	pthread_t tid[MERGE_ORDER_MAX_THREADS];
	unsigned started = 0;
	int level;

	if (threads > npeek)
		threads = (unsigned)npeek;
	if (threads > MERGE_ORDER_MAX_THREADS)
		threads = MERGE_ORDER_MAX_THREADS;
	/* the real read names what is wrong with a file, once */
	level = gw_log_level();
	gw_log_set_level(-1);
	for (; started + 1 < threads; started++)
		if (pthread_create(&tid[started], NULL, peek_worker, j) != 0)
			break;
	peek_worker(j);
	for (unsigned i = 0; i < started; i++)
		pthread_join(tid[i], NULL);
	gw_log_set_level(level);
	/* a file a worker could not look at (out of memory) sorts first */
	for (size_t i = 0; i < j->n; i++)
		if (j->key[i] == INT64_MAX)
			j->key[i] = INT64_MIN;
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

int merge_order__cmp(const struct audit_unit *units, const int64_t *key, size_t i, size_t j)
{
	const char *p = units[i].path, *q = units[j].path;
	int c;

	if (key[i] != key[j])
		return key[i] < key[j] ? -1 : 1;
	c = strcmp(base_name(p), base_name(q));
	return c ? c : strcmp(p, q);
}

size_t merge_order__path_keys(const struct audit_unit *units, size_t n, int64_t *key)
{
	size_t npeek = 0;
	int peek;

	for (size_t i = 0; i < n; i++) {
		key[i] = path_key(&units[i], &peek);
		if (peek) {
			key[i] = INT64_MAX;
			npeek++;
		}
	}
	return npeek;
}

void merge_order__peek(const struct audit_unit *units, size_t n, unsigned threads, int64_t *key)
{
	struct peek_job j = { .units = units, .key = key, .n = n, .mx = PTHREAD_MUTEX_INITIALIZER };
	size_t npeek = 0;

	for (size_t i = 0; i < n; i++)
		npeek += key[i] == INT64_MAX;
	if (npeek)
		peek_all(&j, npeek, threads ? threads : 1);
}

void merge_order__keys(const struct audit_unit *units, size_t n, unsigned threads, int64_t *key)
{
	if (merge_order__path_keys(units, n, key))
		merge_order__peek(units, n, threads, key);
}


#define RADIX_BITS 11
#define RADIX ((size_t)1 << RADIX_BITS)

/* One pass of the radix sort: k by the digit at shift into out, stably.
 * 0, or 1 when every key has the same digit there (nothing moved). */
static int radix_pass(const struct merge_tkey *k, struct merge_tkey *out, size_t n, unsigned shift,
		      uint32_t *count)
{
	size_t i, d, sum = 0;
	uint32_t c;

	memset(count, 0, RADIX * sizeof(*count));
	for (i = 0; i < n; i++)
		count[(k[i].t >> shift) & (RADIX - 1)]++;
	if (count[(k[0].t >> shift) & (RADIX - 1)] == n)
		return 1;
	for (d = 0; d < RADIX; d++) {
		c = count[d];
		count[d] = (uint32_t)sum;
		sum += c;
	}
	for (i = 0; i < n; i++)
		out[count[(k[i].t >> shift) & (RADIX - 1)]++] = k[i];
	return 0;
}

struct merge_tkey *merge_order__sort_times(struct merge_tkey *k, struct merge_tkey *tmp, size_t n,
					   uint64_t range)
{
	uint32_t count[RADIX];
	struct merge_tkey *swap;

	if (n < 2)
		return k;
	/* least significant digit first: each pass keeps the order of the
	 * equal digits, so equal times keep theirs */
	for (unsigned shift = 0; shift < 64 && (range >> shift); shift += RADIX_BITS) {
		if (radix_pass(k, tmp, n, shift, count))
			continue;
		swap = k;
		k = tmp;
		tmp = swap;
	}
	return k;
}
