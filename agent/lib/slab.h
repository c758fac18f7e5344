/* Fixed-size objects carved from large chunks, with a free list: getting
 * one is a pointer pop, not a malloc, and a thousand of them cost a few
 * chunk allocations instead of a thousand malloc headers. For objects
 * made and let go at a high rate (a detector's identities and hours).
 *
 * Ownership: the slab owns its chunks; an object from slab__get() is the
 * caller's until slab__put() gives it back, and every object dangles after
 * slab__free(). Memory goes back to the system only at slab__free(): the
 * slab holds as much as was out at once at most (and, once it holds 2 MiB,
 * its chunks are huge pages of their own: lib/hugemem.h).
 */
#ifndef GW_SLAB_H
#define GW_SLAB_H

#include <stddef.h>

struct slab {
	size_t size;            /* of an object, rounded up to 16 */
	size_t per_chunk;
	void *free;             /* objects given back: a list through their first bytes */
	void *chunks;           /* every chunk: a list through their headers */
	char *next, *end;       /* the newest chunk's part never handed out */
	size_t nchunks, out;    /* chunks held, objects out now */
	size_t bytes;           /* of the chunks held */
};

/* An empty slab of size-byte objects, per_chunk to a chunk (both > 0).
 * Objects are 16-byte aligned; those of a whole number of cache lines
 * (64 bytes) start on a line, so that each spans no more lines than it
 * must. */
void slab__init(struct slab *s, size_t size, size_t per_chunk);
/* An object, not zeroed; NULL with errno ENOMEM. */
void *slab__get(struct slab *s);
/* Give back an object of this slab (NULL: nothing). */
void slab__put(struct slab *s, void *p);
/* Every chunk back to the system; the slab is empty and usable again. */
void slab__free(struct slab *s);
/* Bytes of the chunks held. */
size_t slab__bytes(const struct slab *s);

#endif
