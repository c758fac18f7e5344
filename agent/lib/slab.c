/* See slab.h. */
#include "lib/slab.h"

#include <errno.h>
#include <stdlib.h>

/* A chunk's header, before its objects; 16 bytes keep them aligned. */
struct slab_chunk {
	struct slab_chunk *next;
	void *pad;
};

void slab__init(struct slab *s, size_t size, size_t per_chunk)
{
	s->size = ((size < sizeof(void *) ? sizeof(void *) : size) + 15) & ~(size_t)15;
	s->per_chunk = per_chunk ? per_chunk : 1;
	s->free = NULL;
	s->chunks = NULL;
	s->next = s->end = NULL;
	s->nchunks = s->out = 0;
}

void *slab__get(struct slab *s)
{
	void *p = s->free;
	struct slab_chunk *c;

	if (p) {
		s->free = *(void **)p;
	} else {
		if (s->next == s->end) {
			c = malloc(sizeof(*c) + s->size * s->per_chunk);
			if (!c) {
				errno = ENOMEM;
				return NULL;
			}
			c->next = s->chunks;
			s->chunks = c;
			s->nchunks++;
			s->next = (char *)(c + 1);
			s->end = s->next + s->size * s->per_chunk;
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
		free(c);
	}
	slab__init(s, s->size, s->per_chunk);
}

size_t slab__bytes(const struct slab *s)
{
	return s->nchunks * (sizeof(struct slab_chunk) + s->size * s->per_chunk);
}
