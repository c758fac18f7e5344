/* See strpool.h. Open addressing with linear probing over word-wise hashes;
 * strings live in 64 KiB chunks (larger strings get a chunk of their own).
 *
 * A slot of the table is one word: the string's address in its low 48 bits
 * (user-space addresses on Linux, x86-64 and arm64 alike, stay below 2^47
 * unless a mapping asks for more), 16 bits of its hash above them, 0 for an
 * empty slot. An interned string's length sits in the 4 bytes in front of
 * it. Half the table a slot of pointer, hash and length took: at 100,000
 * identities the detector's pool held 8 MiB of table. The table grows and
 * is swept in place (realloc, then every entry re-placed), so that no
 * second table is ever held beside the first. */
#include "strpool.h"
#include "memeq.h"
#include "fasthash.h"
#include "hugemem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE (64 * 1024)
/* An attacker controls the strings; cap what one pool may hold. */
#define POOL_MAX_BYTES ((size_t)4 << 30)
#define FIRST_SLOTS 1024
#define ADDR_BITS 48
#define ADDR_MASK ((UINT64_C(1) << ADDR_BITS) - 1)
/* the length in front of an interned string */
#define LEN_BYTES sizeof(uint32_t)

struct chunk {
	struct chunk *next;
	size_t used, size;
	char data[];
};

typedef uint64_t slot_t;

struct strpool {
	struct chunk *chunks;
	slot_t *slots;            /* NULL: sealed (strpool__seal) */
	size_t nslots, count, bytes;
	size_t chunk_size;        /* an ordinary chunk's data */
	const struct strpool_blocks *src;  /* where ordinary chunks come from,
					    * NULL: malloc */
};

static uint64_t tag_of(uint64_t hash)
{
	return hash >> ADDR_BITS << ADDR_BITS;
}

static const char *slot_str(slot_t v)
{
	return (const char *)(uintptr_t)(v & ADDR_MASK);
}

static uint32_t slot_len(slot_t v)
{
	uint32_t len;

	memcpy(&len, slot_str(v) - LEN_BYTES, sizeof(len));
	return len;
}

/* The hash a slot's string was interned under (the callers' contract: see
 * strpool__intern_hashed). */
static uint64_t slot_hash(slot_t v)
{
	return gw_fasthash(0, slot_str(v), slot_len(v));
}

static size_t table_bytes(size_t n)
{
	return n * sizeof(slot_t);
}

struct strpool *strpool__new(void)
{
	return strpool__new_on(NULL);
}

struct strpool *strpool__new_on(const struct strpool_blocks *src)
{
	struct strpool *p;

	if (src && src->size <= sizeof(struct chunk) + 64) {
		errno = EINVAL;
		return NULL;
	}
	if (!(p = calloc(1, sizeof(*p))))
		return NULL;
	p->src = src;
	p->chunk_size = src ? src->size - sizeof(struct chunk) : CHUNK_SIZE;
	p->nslots = FIRST_SLOTS;
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	p->bytes = sizeof(*p) + table_bytes(p->nslots);
	return p;
}

/* An ordinary chunk goes back where it came from. */
static void chunk_free(const struct strpool *p, struct chunk *c)
{
	if (p->src && c->size == p->chunk_size)
		p->src->put(p->src->ctx, c);
	else
		free(c);
}

void strpool__free(struct strpool *p)
{
	struct chunk *c, *next;

	if (!p)
		return;
	for (c = p->chunks; c; c = next) {
		next = c->next;
		chunk_free(p, c);
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
		if (!keep && c->size == p->chunk_size) {
			keep = c;
			continue;
		}
		p->bytes -= sizeof(*c) + c->size;
		chunk_free(p, c);
	}
	if (keep) {
		keep->used = 0;
		keep->next = NULL;
	}
	p->chunks = keep;
	if (p->slots)
		memset(p->slots, 0, table_bytes(p->nslots));
	p->count = 0;
}

void strpool__seal(struct strpool *p)
{
	if (!p->slots)
		return;
	free(p->slots);
	p->slots = NULL;
	p->bytes -= table_bytes(p->nslots);
}

size_t strpool__slots(const struct strpool *p)
{
	return p->nslots;
}

int strpool__presize(struct strpool *p, size_t nslots)
{
	size_t n = p->nslots;
	slot_t *s;

	if (p->count || !p->slots)
		return 0;
	while (n < nslots)
		n *= 2;
	if (n == p->nslots)
		return 0;
	s = calloc(n, sizeof(*s));
	if (!s)
		return -ENOMEM;
	free(p->slots);
	p->bytes += table_bytes(n) - table_bytes(p->nslots);
	p->slots = s;
	p->nslots = n;
	return 0;
}

/* A sealed pool's table back, empty, at the size it had. */
static int unseal(struct strpool *p)
{
	p->slots = calloc(p->nslots, sizeof(*p->slots));
	if (!p->slots)
		return -ENOMEM;
	p->bytes += table_bytes(p->nslots);
	p->count = 0;
	return 0;
}

/* Put every entry of t[0..n) where its hash says, in place: entries may
 * stand anywhere (after the table doubled, or lost entries). An entry is
 * taken out, placed at the first free slot from its home, and one that
 * stood there unplaced is taken out in turn; placed says which slots hold
 * an entry at its place already. */
static void replace_all(slot_t *t, size_t n, uint64_t *placed)
{
	size_t i, j;
	slot_t e, kicked;

	for (j = 0; j < n; j++) {
		if (!t[j] || (placed[j / 64] >> (j % 64) & 1))
			continue;
		e = t[j];
		t[j] = 0;
		for (;;) {
			for (i = slot_hash(e) & (n - 1); placed[i / 64] >> (i % 64) & 1;
			     i = (i + 1) & (n - 1))
				;
			placed[i / 64] |= UINT64_C(1) << (i % 64);
			kicked = t[i];
			t[i] = e;
			if (!kicked)
				break;
			e = kicked;
		}
	}
}

static uint64_t *placed_new(size_t n)
{
	return calloc((n + 63) / 64, sizeof(uint64_t));
}

/* Twice the slots, in place. */
static int grow(struct strpool *p)
{
	size_t n = p->nslots * 2;
	uint64_t *placed = placed_new(n);
	slot_t *s = placed ? realloc(p->slots, table_bytes(n)) : NULL;

	if (!s) {
		free(placed);
		return -ENOMEM;
	}
	huge__hint(s, table_bytes(n));
	memset(s + p->nslots, 0, table_bytes(n - p->nslots));
	replace_all(s, n, placed);
	free(placed);
	p->bytes += table_bytes(n - p->nslots);
	p->slots = s;
	p->nslots = n;
	return 0;
}

/* Room for len bytes in the current chunk, or a new one. */
static char *store(struct strpool *p, const char *s, size_t len, size_t front)
{
	struct chunk *c = p->chunks;
	size_t need = front + len + 1;
	char *out;

	if (!c || c->size - c->used < need) {
		size_t size = need > p->chunk_size ? need : p->chunk_size;

		if (p->bytes + size > POOL_MAX_BYTES) {
			errno = E2BIG;
			return NULL;
		}
		c = size == p->chunk_size && p->src ? p->src->get(p->src->ctx) :
		    malloc(sizeof(*c) + size);
		if (!c)
			return NULL;
		if ((uintptr_t)c >> ADDR_BITS) {
			c->size = size;
			chunk_free(p, c);   /* cannot be told in a slot (see above) */
			errno = ENOMEM;
			return NULL;
		}
		c->used = 0;
		c->size = size;
		/* A private chunk for a big string goes second, so the current one keeps filling. */
		if (size > p->chunk_size && p->chunks) {
			c->next = p->chunks->next;
			p->chunks->next = c;
		} else {
			c->next = p->chunks;
			p->chunks = c;
		}
		p->bytes += sizeof(*c) + size;
	}
	out = c->data + c->used + front;
	memcpy(out, s, len);
	out[len] = '\0';
	c->used += need;
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
	uint64_t tag = tag_of(hash);
	uint32_t n32 = (uint32_t)len;
	size_t i;
	char *copy;

	if (len == 0)
		return "";
	if (len > UINT32_MAX - LEN_BYTES - 1) {
		errno = E2BIG;
		return NULL;
	}
	if ((!p->slots && unseal(p) < 0) ||
	    ((p->count + 1) * 4 > p->nslots * 3 && grow(p) < 0)) {
		errno = ENOMEM;
		return NULL;
	}
	for (i = hash & (p->nslots - 1); p->slots[i]; i = (i + 1) & (p->nslots - 1)) {
		slot_t v = p->slots[i];

		if ((v & ~ADDR_MASK) == tag && slot_len(v) == n32 && gw_mem_eq(slot_str(v), s, len))
			return slot_str(v);
	}
	copy = store(p, s, len, LEN_BYTES);
	if (!copy)
		return NULL;
	memcpy(copy - LEN_BYTES, &n32, sizeof(n32));
	p->slots[i] = tag | (uint64_t)(uintptr_t)copy;
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
	return store(p, s, len, 0);
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

/* Drop the entries of strings in chunks no mark holds; the rest re-placed
 * in place. 0 or -ENOMEM (nothing changed). */
static int sweep_table(struct strpool *p, struct strpool_marks *m)
{
	uint64_t *placed;
	size_t count = 0;

	if (!p->slots)
		return 0;   /* sealed: no table to clean */
	if (!(placed = placed_new(p->nslots)))
		return -ENOMEM;
	for (size_t i = 0; i < p->nslots; i++) {
		struct mark_chunk *k;

		if (!p->slots[i])
			continue;
		k = chunk_of(m, slot_str(p->slots[i]));
		if (!k || !k->marked)
			p->slots[i] = 0;
		else
			count++;
	}
	replace_all(p->slots, p->nslots, placed);
	free(placed);
	p->count = count;
	return 0;
}

size_t strpool__sweep(struct strpool *p, struct strpool_marks *m)
{
	struct chunk **link;
	size_t freed = 0;

	for (size_t i = 0; i < m->n; i++)
		freed += !m->v[i].marked;
	if (!freed || sweep_table(p, m) < 0) {
		freed = 0;
		goto out;
	}
	freed = 0;
	for (link = &p->chunks; *link;) {
		struct chunk *c = *link;
		struct mark_chunk *k = chunk_of(m, c->data);

		if (k && !k->marked) {
			*link = c->next;
			freed += sizeof(*c) + c->size;
			chunk_free(p, c);
			continue;
		}
		link = &c->next;
	}
	p->bytes -= freed;
out:
	free(m->v);
	free(m);
	return freed;
}

void strpool__prefetch(const struct strpool *p, uint64_t hash)
{
	if (p->slots)
		__builtin_prefetch(&p->slots[hash & (p->nslots - 1)]);
}
