#include <stdint.h>
#include <string.h>

#include "assert.h"
#include "detect/detect_internal.h"
#include "lib/slab.h"

/* An hour's samples share one block: short keys in a slab block, taken
 * without a malloc and given back to the slab; a set that outgrows it
 * moves to the heap whole, every key intact; empty keys and keys past
 * GW_FINDING_MAX_SAMPLES are not kept. */
TEST(samples_keep_their_keys_in_one_block)
{
	struct slab sl;
	const char *v[GW_FINDING_MAX_SAMPLES];
	char long_key[300];
	uint8_t n = 0;

	slab__init(&sl, SAMPLES_BLOCK, 4);
	memset(long_key, 'k', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, "a/1.csv"));
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, ""));
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, NULL));
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, "b/2.parquet"));
	ASSERT_EQ_U64(2, n);
	ASSERT_EQ_U64(1, sl.out);
	ASSERT(v[1] == v[0] + strlen(v[0]) + 1);
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, long_key));
	ASSERT_EQ_U64(0, sl.out);   /* moved to the heap, the block given back */
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, "c/3"));
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, long_key));
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, "past the last"));
	ASSERT_EQ_U64(GW_FINDING_MAX_SAMPLES, n);
	ASSERT_EQ_STR("a/1.csv", v[0]);
	ASSERT_EQ_STR("b/2.parquet", v[1]);
	ASSERT_EQ_STR(long_key, v[2]);
	ASSERT_EQ_STR("c/3", v[3]);
	ASSERT_EQ_STR(long_key, v[4]);
	samples__clear(&sl, v, &n);
	ASSERT_EQ_U64(0, n);
	/* a short set again: from the slab, and back to it */
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, "d/4"));
	ASSERT_EQ_U64(1, sl.out);
	samples__clear(&sl, v, &n);
	ASSERT_EQ_U64(0, sl.out);
	/* a first key too long for a block goes straight to the heap */
	ASSERT_EQ_INT(0, samples__add(&sl, v, &n, long_key));
	ASSERT_EQ_U64(0, sl.out);
	ASSERT_EQ_STR(long_key, v[0]);
	samples__clear(&sl, v, &n);
	slab__free(&sl);
}
