/* See slab.h. */
#include "lib/slab.h"
#include "lib/hugemem.h"

#include <errno.h>
#include <stdlib.h>

/* A chunk's header, before its objects; 16 bytes keep them aligned, and
 * a cache line's worth (SLAB_LINE) keeps objects of whole lines on lines. */
struct slab_chunk {
	struct slab_chunk *next;
	size_t mapped;          /* bytes of a huge__map() chunk, 0: from malloc */
};
#define SLAB_LINE 64

/* The room a chunk's header takes before its objects. */
static size_t head_of(const struct slab *s)
{
	return s->size % SLAB_LINE ? sizeof(struct slab_chunk) : SLAB_LINE;
}

void slab__init(struct slab *s, size_t size, size_t per_chunk)
{
	s->size = ((size < sizeof(void *) ? sizeof(void *) : size) + 15) & ~(size_t)15;
	s->per_chunk = per_chunk ? per_chunk : 1;
	s->free = NULL;
	s->chunks = NULL;
	s->next = s->end = NULL;
	s->nchunks = s->out = s->bytes = 0;
}

/* A new chunk: from malloc while the slab is small, a huge page of its own
 * once it holds a quarter of one (the objects of a large slab are read at
 * random, and in small pages each read may miss the TLB; a huge page is
 * also one page fault where small ones took 512). NULL with errno ENOMEM. */
static struct slab_chunk *chunk_new(struct slab *s, size_t *objs)
{
	size_t head = head_of(s), len = head + s->size * s->per_chunk;
	struct slab_chunk *c = NULL;

	if (s->bytes >= HUGE_PAGE / 4 && s->size <= HUGE_PAGE / 8 &&
	    (c = huge__map(HUGE_PAGE))) {
		c->mapped = HUGE_PAGE;
		*objs = (HUGE_PAGE - head) / s->size;
	} else if ((c = head == SLAB_LINE ? aligned_alloc(SLAB_LINE, len) : malloc(len))) {
		c->mapped = 0;
		*objs = s->per_chunk;
	} else {
		errno = ENOMEM;
		return NULL;
	}
	s->bytes += c->mapped ? c->mapped : len;
	return c;
}

void *slab__get(struct slab *s)
{
	void *p = s->free;
	struct slab_chunk *c;
	size_t objs;

	if (p) {
		s->free = *(void **)p;
	} else {
		if (s->next == s->end) {
			if (!(c = chunk_new(s, &objs)))
				return NULL;
			c->next = s->chunks;
			s->chunks = c;
			s->nchunks++;
			s->next = (char *)c + head_of(s);
			s->end = s->next + s->size * objs;
		}
		p = s->next;
		s->next += s->size;
	}
	s->out++;
	return p;
}

void slab__put(struct slab *s, void *p)
{
	if (!p)
		return;
	*(void **)p = s->free;
	s->free = p;
	s->out--;
}

void slab__free(struct slab *s)
{
	struct slab_chunk *c = s->chunks, *n;

	for (; c; c = n) {
		n = c->next;
		if (c->mapped)
			huge__unmap(c, c->mapped);
		else
			free(c);
	}
	slab__init(s, s->size, s->per_chunk);
}

size_t slab__bytes(const struct slab *s)
{
	return s->bytes;
}
