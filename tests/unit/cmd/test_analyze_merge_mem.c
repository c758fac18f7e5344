#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "cmd/analyze_merge_mem.h"
#include "lib/strpool.h"

/* Counts what a pool takes from and gives back to its block source. */
struct counted {
	struct merge_blocks *k;
	int out;
};

static void *counted_get(void *ctx)
{
	struct counted *c = ctx;
	void *p = merge_blocks__get(c->k);

	c->out += p != NULL;
	return p;
}

static void counted_put(void *ctx, void *blk)
{
	struct counted *c = ctx;

	c->out--;
	merge_blocks__put(c->k, blk);
}

/* A pool on blocks: its strings live in them, a reset keeps one and gives
 * the rest back, a string longer than a block has a chunk of its own, and
 * a freed pool gives back every block it took. */
TEST(strpool_on_blocks_gives_every_block_back)
{
	struct counted c = { merge_blocks__new(), 0 };
	struct strpool_blocks src = { counted_get, counted_put, &c, MERGE_BLOCK };
	struct strpool *p;
	const char *s[6000];
	char buf[64], *big = malloc(MERGE_BLOCK * 2);

	ASSERT(c.k && big);
	p = strpool__new_on(&src);
	ASSERT(p);
	for (int i = 0; i < 6000; i++) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:user/u-%05d", i);
		s[i] = strpool__intern_str(p, buf);
		ASSERT(s[i]);
	}
	memset(big, 'b', MERGE_BLOCK * 2);
	ASSERT(strpool__intern(p, big, MERGE_BLOCK * 2));
	/* 42 bytes a string (length and NUL with it): four blocks; the big
	 * string's chunk is not one */
	ASSERT_EQ_INT(4, c.out);
	for (int i = 0; i < 6000; i++) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:user/u-%05d", i);
		ASSERT(strpool__intern_str(p, buf) == s[i]);
	}
	strpool__reset(p);
	ASSERT_EQ_INT(1, c.out);
	ASSERT(strpool__intern_str(p, "GetObject"));
	strpool__free(p);
	ASSERT_EQ_INT(0, c.out);
	merge_blocks__free(c.k);
	free(big);
}

/* A piece's events across blocks: each where it was put, the blocks back
 * at the release. */
TEST(merge_evs_hold_events_across_blocks)
{
	struct merge_blocks *k = merge_blocks__new();
	struct merge_evs v;
	size_t n = MERGE_EVS_PER * 3 + 7;

	ASSERT(k);
	memset(&v, 0, sizeof(v));
	for (size_t i = 0; i < n; i++) {
		ASSERT_EQ_INT(0, merge_evs__room(&v, k, i));
		memset(merge_evs__at(&v, i), 0, sizeof(struct audit_event));
		merge_evs__at(&v, i)->time_ms = (int64_t)i * 1000;
	}
	ASSERT_EQ_U64(4, v.nseg);
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ_INT((int64_t)i * 1000, merge_evs__at(&v, i)->time_ms);
	ASSERT(merge_evs__bytes(&v) >= 4 * MERGE_BLOCK);
	merge_evs__release(&v, k);
	ASSERT_EQ_U64(0, v.nseg);
	ASSERT(v.seg == NULL);
	merge_blocks__free(k);
}
