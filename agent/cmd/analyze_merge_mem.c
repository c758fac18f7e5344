/* See analyze_merge_mem.h. Blocks are mapped a group at a time, a huge
 * page's worth (one page fault for the group where the system gives huge
 * pages, not 512), and kept on a free list when given back; past MEM_KEEP
 * free blocks, a block given back goes back to the system. */
#include "cmd/analyze_merge_mem.h"
#include "lib/hugemem.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define MEM_GROUP (HUGE_PAGE / MERGE_BLOCK)   /* blocks mapped at once (2 MiB) */
#define MEM_KEEP 512              /* free blocks kept (32 MiB) */

struct free_blk {
	struct free_blk *next;
};

struct merge_blocks {
	pthread_mutex_t mx;
	struct free_blk *free;
	size_t nfree;
};

struct merge_blocks *merge_blocks__new(void)
{
	struct merge_blocks *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	pthread_mutex_init(&k->mx, NULL);
	return k;
}

/* Map a group of blocks onto the free list. Called with k->mx held. */
static int map_group(struct merge_blocks *k)
{
	char *p = huge__map(MEM_GROUP * MERGE_BLOCK);

	if (!p)
		return -ENOMEM;
	for (size_t i = MEM_GROUP; i-- > 0;) {
		struct free_blk *f = (struct free_blk *)(void *)(p + i * MERGE_BLOCK);

		f->next = k->free;
		k->free = f;
	}
	k->nfree += MEM_GROUP;
	return 0;
}

void *merge_blocks__get(struct merge_blocks *k)
{
	struct free_blk *f = NULL;

	pthread_mutex_lock(&k->mx);
	if (k->free || map_group(k) == 0) {
		f = k->free;
		k->free = f->next;
		k->nfree--;
	}
	pthread_mutex_unlock(&k->mx);
	if (!f)
		errno = ENOMEM;
	return f;
}

void merge_blocks__put(struct merge_blocks *k, void *blk)
{
	struct free_blk *f = blk;

	if (!blk)
		return;
	pthread_mutex_lock(&k->mx);
	if (k->nfree >= MEM_KEEP) {
		pthread_mutex_unlock(&k->mx);
		munmap(blk, MERGE_BLOCK);
		return;
	}
	f->next = k->free;
	k->free = f;
	k->nfree++;
	pthread_mutex_unlock(&k->mx);
}

void merge_blocks__free(struct merge_blocks *k)
{
	struct free_blk *f, *next;

	if (!k)
		return;
	/* a group's blocks may be anywhere on the list: each goes alone */
	for (f = k->free; f; f = next) {
		next = f->next;
		munmap(f, MERGE_BLOCK);
	}
	pthread_mutex_destroy(&k->mx);
	free(k);
}

static void *pool_get(void *ctx)
{
	return merge_blocks__get(ctx);
}

static void pool_put(void *ctx, void *blk)
{
	merge_blocks__put(ctx, blk);
}

void merge_blocks__pool_src(struct merge_blocks *k, struct strpool_blocks *src)
{
	*src = (struct strpool_blocks){ pool_get, pool_put, k, MERGE_BLOCK };
}

int merge_evs__room(struct merge_evs *v, struct merge_blocks *k, size_t n)
{
	struct audit_event **nv;
	size_t cap;

	if (n < v->nseg * MERGE_EVS_PER)
		return 0;
	if (v->nseg == v->segcap) {
		cap = v->segcap ? v->segcap * 2 : 16;
		nv = realloc(v->seg, cap * sizeof(*nv));
		if (!nv)
			return -ENOMEM;
		v->seg = nv;
		v->segcap = cap;
	}
	v->seg[v->nseg] = merge_blocks__get(k);
	if (!v->seg[v->nseg])
		return -ENOMEM;
	v->nseg++;
	return 0;
}

void merge_evs__release(struct merge_evs *v, struct merge_blocks *k)
{
	for (size_t i = 0; i < v->nseg; i++)
		merge_blocks__put(k, v->seg[i]);
	free(v->seg);
	memset(v, 0, sizeof(*v));
}

size_t merge_evs__bytes(const struct merge_evs *v)
{
	return v->nseg * MERGE_BLOCK + v->segcap * sizeof(*v->seg);
}
