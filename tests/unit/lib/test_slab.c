#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "lib/slab.h"

/* Objects are distinct, aligned and whole until given back; given-back
 * ones are handed out again before a new chunk is taken. */
TEST(slab_hands_out_and_reuses)
{
	struct slab s;
	unsigned char *v[300];

	slab__init(&s, 40, 128);
	for (size_t i = 0; i < 300; i++) {
		v[i] = slab__get(&s);
		ASSERT(v[i]);
		ASSERT_EQ_U64(0, (uintptr_t)v[i] % 16);
		memset(v[i], (int)(i & 0xff), 40);
	}
	ASSERT_EQ_U64(3, s.nchunks);
	ASSERT_EQ_U64(300, s.out);
	for (size_t i = 0; i < 300; i++)
		for (size_t k = 0; k < 40; k++)
			ASSERT_EQ_U64(i & 0xff, v[i][k]);
	for (size_t i = 0; i < 300; i += 2)
		slab__put(&s, v[i]);
	slab__put(&s, NULL);
	ASSERT_EQ_U64(150, s.out);
	for (size_t i = 0; i < 150; i++) {
		unsigned char *p = slab__get(&s);
		int ours = 0;

		for (size_t k = 0; k < 300; k += 2)
			ours |= p == v[k];
		ASSERT(ours);
	}
	ASSERT_EQ_U64(3, s.nchunks);
	ASSERT(slab__get(&s));
	ASSERT_EQ_U64(3, s.nchunks);
	ASSERT_EQ_U64(3 * (16 + 48 * 128), slab__bytes(&s));
	slab__free(&s);
	ASSERT_EQ_U64(0, s.nchunks);
	ASSERT_EQ_U64(0, slab__bytes(&s));
	/* usable again after the free */
	ASSERT(slab__get(&s));
	ASSERT_EQ_U64(1, s.nchunks);
	slab__free(&s);
}

/* Objects smaller than a pointer still hold the free list's link. */
TEST(slab_tiny_objects)
{
	struct slab s;
	void *a, *b;

	slab__init(&s, 1, 2);
	a = slab__get(&s);
	b = slab__get(&s);
	ASSERT(a && b && a != b);
	ASSERT((char *)b - (char *)a >= (long)sizeof(void *));
	slab__put(&s, a);
	ASSERT(slab__get(&s) == a);
	slab__free(&s);
}

/* Once a slab holds 2 MiB, its chunks are huge pages of their own: each
 * holds as many objects as 2 MiB take, they count whole in the slab's
 * bytes, and every object stays distinct and whole. */
TEST(slab_large_takes_huge_chunks)
{
	struct slab s;
	/* 1,024 bytes are whole lines: a chunk's header takes a line. */
	const size_t small = 64 + 1024 * 128, n = 5000;
	size_t first = (2u << 20) / 4 / small + 1, per_huge = ((2u << 20) - 64) / 1024;
	unsigned char **v = calloc(n, sizeof(*v));

	ASSERT(v);
	slab__init(&s, 1024, 128);
	for (size_t i = 0; i < n; i++) {
		ASSERT((v[i] = slab__get(&s)));
		ASSERT_EQ_U64(0, (uintptr_t)v[i] % 64);
		memset(v[i], (int)(i & 0xff), 1024);
	}
	/* small chunks up to a quarter of a huge page (5 chunks, 640
	 * objects), then 2 MiB chunks of 2,047 */
	ASSERT_EQ_U64(first + (n - first * 128 + per_huge - 1) / per_huge, s.nchunks);
	ASSERT_EQ_U64(first * small + (s.nchunks - first) * (2u << 20), slab__bytes(&s));
	for (size_t i = 0; i < n; i++)
		ASSERT_EQ_U64(i & 0xff, v[i][1023]);
	slab__free(&s);
	ASSERT_EQ_U64(0, slab__bytes(&s));
	free(v);
}

/* Objects of whole cache lines start on a line (an open hour of 256 bytes
 * spans 4 lines, not 5); others keep 16-byte alignment and a 16-byte
 * header. */
TEST(slab_line_objects_start_on_lines)
{
	struct slab s;

	slab__init(&s, 248, 4);   /* rounded up to 256 */
	for (size_t i = 0; i < 10; i++) {
		unsigned char *p = slab__get(&s);

		ASSERT(p);
		ASSERT_EQ_U64(0, (uintptr_t)p % 64);
		memset(p, 0x5a, 248);
	}
	ASSERT_EQ_U64(3 * (64 + 256 * 4), slab__bytes(&s));
	slab__free(&s);
	slab__init(&s, 96, 4);
	for (size_t i = 0; i < 5; i++)
		ASSERT_EQ_U64(0, (uintptr_t)slab__get(&s) % 16);
	ASSERT_EQ_U64(2 * (16 + 96 * 4), slab__bytes(&s));
	slab__free(&s);
}
