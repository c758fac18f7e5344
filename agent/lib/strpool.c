/* See strpool.h. Open addressing with linear probing over word-wise hashes;
 * strings live in 64 KiB chunks (larger strings get a chunk of their own). */
#include "strpool.h"

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

/* Eight bytes at a time: most strings are ids and paths of 10 to 60
 * bytes, and a byte-wise hash was a tenth of reading a log. */
static uint32_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ len, k;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		memcpy(&k, s + i, 8);
		h = (h ^ k) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	k = 0;
	memcpy(&k, s + i, len - i);
	h = (h ^ k) * 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 29;
	return (uint32_t)h;
}

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
	uint32_t h;
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
	h = fnv1a(s, len);
	for (i = h & (p->nslots - 1); p->slots[i].s; i = (i + 1) & (p->nslots - 1)) {
		if (p->slots[i].hash == h && p->slots[i].len == len &&
		    memcmp(p->slots[i].s, s, len) == 0)
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
