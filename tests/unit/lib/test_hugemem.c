#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "lib/hugemem.h"

/* A huge__map block is aligned to a huge page, zeroed and writable to its
 * last byte rounded up; the hint takes any block, small, NULL or large. */
TEST(hugemem_map_aligned_zeroed)
{
	size_t size = 3 * HUGE_PAGE + 100;
	unsigned char *p = huge__map(size), *q;

	ASSERT(p);
	ASSERT_EQ_U64(0, (uintptr_t)p % HUGE_PAGE);
	for (size_t i = 0; i < 4 * HUGE_PAGE; i += 4096)
		ASSERT_EQ_U64(0, p[i]);
	memset(p, 0xab, 4 * HUGE_PAGE);
	ASSERT_EQ_U64(0xab, p[4 * HUGE_PAGE - 1]);
	huge__unmap(p, size);
	huge__unmap(NULL, size);
	ASSERT((q = malloc(5 * HUGE_PAGE)));
	huge__hint(q, 5 * HUGE_PAGE);
	huge__hint(q, 100);
	huge__hint(NULL, 5 * HUGE_PAGE);
	memset(q, 1, 5 * HUGE_PAGE);
	ASSERT_EQ_U64(1, q[5 * HUGE_PAGE - 1]);
	free(q);
}

/* A table of a huge page or more is huge__map()'s: aligned to a huge page
 * (calloc's memory never is: its header comes first) and zeroed; a smaller
 * one is calloc()'s, zeroed. Each goes back by its size. */
TEST(huge_table_large_in_huge_pages_small_from_calloc)
{
	unsigned char *big = huge__table(2 * HUGE_PAGE), *small = huge__table(4096);

	ASSERT(big && small);
	ASSERT_EQ_U64(0, (uintptr_t)big % HUGE_PAGE);
	for (size_t i = 0; i < 2 * HUGE_PAGE; i += 4096)
		ASSERT_EQ_U64(0, big[i]);
	for (size_t i = 0; i < 4096; i++)
		ASSERT_EQ_U64(0, small[i]);
	memset(big, 7, 2 * HUGE_PAGE);
	memset(small, 7, 4096);
	huge__table_free(big, 2 * HUGE_PAGE);
	huge__table_free(small, 4096);
}
