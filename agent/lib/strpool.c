/* See strpool.h. Open addressing with linear probing over word-wise hashes;
 * strings live in 64 KiB chunks (larger strings get a chunk of their own). */
#include "strpool.h"
#include "memeq.h"
#include "fasthash.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)
/* An attacker controls the strings; cap what one pool may hold. */
#define POOL_MAX_BYTES ((size_t)4 << 30)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

struct slot {
	const char *s;
	uint32_t hash;
	uint32_t len;
};

struct strpool {
	struct chunk *chunks;
	struct slot *slots;
	size_t nslots, count, bytes;
};

struct strpool *strpool__new(void)
{
	struct strpool *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->nslots = 1024;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->bytes = sizeof(*p) + p->nslots * sizeof(*p->slots);
	return p;
}

void strpool__free(struct strpool *p)
{
	struct chunk *c, *next;

	if (!p)
		return;
	for (c = p->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	free(p->slots);
	free(p);
}

void strpool__reset(struct strpool *p)
{
	struct chunk *keep = NULL, *c, *next;

	/* Keep the first ordinary chunk; give back the rest (big strings' own
	 * chunks among them). */
	for (c = p->chunks; c; c = next) {
		next = c->next;
		if (!keep && c->size == CHUNK_SIZE) {
			keep = c;
			continue;
		}
		p->bytes -= sizeof(*c) + c->size;
		free(c);
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	p->chunks = keep;
	memset(p->slots, 0, p->nslots * sizeof(*p->slots));
	p->count = 0;
}

static int grow(struct strpool *p)
{
	size_t n = p->nslots * 2;
	struct slot *s = calloc(n, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < p->nslots; i++) {
		size_t j;

		if (!p->slots[i].s)
			continue;
		for (j = p->slots[i].hash & (n - 1); s[j].s; j = (j + 1) & (n - 1))
			;
		s[j] = p->slots[i];
	}
	p->bytes += (n - p->nslots) * sizeof(*s);
	free(p->slots);
	p->slots = s;
	p->nslots = n;
	return 0;
}

static char *store(struct strpool *p, const char *s, size_t len)
{
	struct chunk *c = p->chunks;
	char *out;

	if (!c || c->size - c->used < len + 1) {
		size_t size = len + 1 > CHUNK_SIZE ? len + 1 : CHUNK_SIZE;

		if (p->bytes + size > POOL_MAX_BYTES) {
			errno = E2BIG;
			return NULL;
		}
		c = malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		c->used = 0;
		c->size = size;
		/* A private chunk for a big string goes second, so the current one keeps filling. */
		if (size > CHUNK_SIZE && p->chunks) {
			c->next = p->chunks->next;
			p->chunks->next = c;
		} else {
			c->next = p->chunks;
			p->chunks = c;
		}
		p->bytes += sizeof(*c) + size;
	}
	out = c->data + c->used;
	memcpy(out, s, len);
	out[len] = '\0';
	c->used += len + 1;
	return out;
}

const char *strpool__intern(struct strpool *p, const char *s, size_t len)
{
	if (len == 0)
		return "";
	return strpool__intern_hashed(p, s, len, gw_fasthash(0, s, len));
}

const char *strpool__intern_hashed(struct strpool *p, const char *s, size_t len, uint64_t hash)
{
	uint32_t h = (uint32_t)hash;
	size_t i;
	char *copy;

	if (len == 0)
		return "";
	if (len > UINT32_MAX) {
		errno = E2BIG;
		return NULL;
	}
	if ((p->count + 1) * 4 > p->nslots * 3 && grow(p) < 0) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = h & (p->nslots - 1); p->slots[i].s; i = (i + 1) & (p->nslots - 1)) {
		if (p->slots[i].hash == h && p->slots[i].len == len &&
		    gw_mem_eq(p->slots[i].s, s, len))
			return p->slots[i].s;
	}
	copy = store(p, s, len);
	if (!copy)
		return NULL;
	p->slots[i].s = copy;
	p->slots[i].hash = h;
	p->slots[i].len = (uint32_t)len;
	p->count++;
	return copy;
}

const char *strpool__copy(struct strpool *p, const char *s, size_t len)
{
	if (len == 0)
		return "";
	if (len > UINT32_MAX) {
		errno = E2BIG;
		return NULL;
	}
	return store(p, s, len);
}

const char *strpool__intern_str(struct strpool *p, const char *s)
{
	return strpool__intern(p, s, s ? strlen(s) : 0);
}

size_t strpool__bytes(const struct strpool *p)
{
	return p->bytes;
}

size_t strpool__count(const struct strpool *p)
{
	return p->count;
}

struct mark_chunk {
	const char *lo, *hi;          /* the chunk's data, [lo, hi) */
	struct chunk *c;
	int marked;
};

struct strpool_marks {
	struct mark_chunk *v;
	size_t n;
	size_t unmarked;              /* chunks no string marked yet */
};

static int cmp_mark_chunk(const void *a, const void *b)
{
	const struct mark_chunk *x = a, *y = b;

	return x->lo < y->lo ? -1 : x->lo > y->lo;
}

struct strpool_marks *strpool__marks_new(const struct strpool *p)
{
	struct strpool_marks *m = calloc(1, sizeof(*m));
	size_t n = 0;

	for (struct chunk *c = p->chunks; c; c = c->next)
		n++;
	if (!m || !(m->v = calloc(n ? n : 1, sizeof(*m->v)))) {
		free(m);
		errno = ENOMEM;
		return NULL;
	}
	for (struct chunk *c = p->chunks; c; c = c->next) {
		m->v[m->n].lo = c->data;
		m->v[m->n].hi = c->data + c->size;
		m->v[m->n].c = c;
		/* the chunk being filled stays whatever is marked */
		m->v[m->n].marked = c == p->chunks;
		m->unmarked += c != p->chunks;
		m->n++;
	}
	qsort(m->v, m->n, sizeof(*m->v), cmp_mark_chunk);
	return m;
}

static struct mark_chunk *chunk_of(struct strpool_marks *m, const char *s)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s < m->v[mid].lo)
			hi = mid;
		else if (s >= m->v[mid].hi)
			lo = mid + 1;
		else
			return &m->v[mid];
	}
	return NULL;
}

void strpool__mark(struct strpool_marks *m, const char *s)
{
	struct mark_chunk *k;

	/* once every chunk holds a marked string, nothing is left to learn */
	if (!m->unmarked || !s || !*s)
		return;
	k = chunk_of(m, s);
	if (k && !k->marked) {
		k->marked = 1;
		m->unmarked--;
	}
}

int strpool__marks_full(const struct strpool_marks *m)
{
	return !m->unmarked;
}

size_t strpool__sweep(struct strpool *p, struct strpool_marks *m)
{
	struct slot *ns = NULL;
	struct chunk **link;
	size_t freed = 0, count = 0, j;

	for (size_t i = 0; i < m->n; i++)
		freed += !m->v[i].marked;
	if (!freed || !(ns = calloc(p->nslots, sizeof(*ns))))
		goto out;
	for (size_t i = 0; i < p->nslots; i++) {
		struct mark_chunk *k;

		if (!p->slots[i].s || !(k = chunk_of(m, p->slots[i].s)) || !k->marked)
			continue;
		for (j = p->slots[i].hash & (p->nslots - 1); ns[j].s; j = (j + 1) & (p->nslots - 1))
			;
		ns[j] = p->slots[i];
		count++;
	}
	free(p->slots);
	p->slots = ns;
	p->count = count;
	freed = 0;
	for (link = &p->chunks; *link;) {
		struct chunk *c = *link;
		struct mark_chunk *k = chunk_of(m, c->data);

		if (k && !k->marked) {
			*link = c->next;
			freed += sizeof(*c) + c->size;
			free(c);
			continue;
		}
		link = &c->next;
	}
	p->bytes -= freed;
out:
	if (!ns)
		freed = 0;
	free(m->v);
	free(m);
	return freed;
}

void strpool__prefetch(const struct strpool *p, uint64_t hash)
{
	__builtin_prefetch(&p->slots[(uint32_t)hash & (p->nslots - 1)]);
}
