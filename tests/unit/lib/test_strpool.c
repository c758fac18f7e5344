#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "lib/memeq.h"
#include "lib/strpool.h"

TEST(strpool_interns_once)
{
	struct strpool *p = strpool__new();
	const char *a, *b, *c;
	char buf[32];

	ASSERT(p);
	a = strpool__intern(p, "GetObject-xyz", 9);
	b = strpool__intern_str(p, "GetObject");
	c = strpool__intern_str(p, "PutObject");
	ASSERT_EQ_STR("GetObject", a);
	ASSERT(a == b);
	ASSERT(a != c);
	ASSERT_EQ_STR("", strpool__intern(p, "x", 0));
	/* Past the first table size: everything still found, and found once. */
	for (int i = 0; i < 5000; i++) {
		snprintf(buf, sizeof(buf), "key-%d", i);
		ASSERT(strpool__intern_str(p, buf));
	}
	ASSERT_EQ_U64(5002, strpool__count(p));
	ASSERT(strpool__intern_str(p, "GetObject") == a);
	strpool__free(p);
}

TEST(strpool_reset_forgets_and_keeps_working)
{
	struct strpool *p = strpool__new();
	size_t full, after[3], big = 100 * 1024;
	char buf[32], *huge = malloc(big);
	const char *a;

	ASSERT(p && huge);
	memset(huge, 'x', big);
	for (int i = 0; i < 20000; i++) {
		snprintf(buf, sizeof(buf), "request-%d", i);
		ASSERT(strpool__intern_str(p, buf));
	}
	ASSERT(strpool__intern(p, huge, big));
	ASSERT_EQ_U64(20001, strpool__count(p));
	full = strpool__bytes(p);
	strpool__reset(p);
	ASSERT_EQ_U64(0, strpool__count(p));
	/* the table and one chunk stay; the other chunks, the big string's too, go */
	ASSERT(strpool__bytes(p) < full - big - 3 * 64 * 1024);
	/* what comes after is interned as in a new pool, in the same memory */
	for (int round = 0; round < 3; round++) {
		for (int i = 0; i < 20000; i++) {
			snprintf(buf, sizeof(buf), "object-%d-%d", round, i);
			a = strpool__intern_str(p, buf);
			ASSERT(a);
			ASSERT_EQ_STR(buf, a);
			ASSERT(strpool__intern_str(p, buf) == a);
		}
		ASSERT_EQ_U64(20000, strpool__count(p));
		strpool__reset(p);
		after[round] = strpool__bytes(p);
	}
	ASSERT_EQ_U64(after[0], after[2]);
	ASSERT(strpool__intern_str(p, "GetObject") == strpool__intern_str(p, "GetObject"));
	strpool__free(p);
	free(huge);
}

/* The inline compare agrees with memcmp at every length the word paths
 * split on (under 4, 4 to 7, a multiple of 8 and not), for a difference at
 * any position. */
TEST(memeq_matches_memcmp)
{
	char a[81], b[81];

	for (size_t len = 0; len <= 80; len++) {
		for (size_t i = 0; i < len; i++)
			a[i] = b[i] = (char)('a' + i % 26);
		ASSERT(gw_mem_eq(a, b, len));
		for (size_t at = 0; at < len; at++) {
			b[at] ^= 0x20;
			ASSERT(!gw_mem_eq(a, b, len));
			ASSERT(!gw_mem_eq(b, a, len));
			b[at] ^= 0x20;
		}
	}
}

/* Strings that share a hash-sized prefix and length stay apart in the pool. */
TEST(strpool_keeps_near_equal_strings_apart)
{
	struct strpool *p = strpool__new();
	char buf[40];
	const char *first[30];

	ASSERT(p);
	for (int i = 0; i < 30; i++) {
		memset(buf, 'k', 29);
		buf[i] = 'z';
		first[i] = strpool__intern(p, buf, 29);
		ASSERT(first[i]);
	}
	ASSERT_EQ_U64(30, strpool__count(p));
	for (int i = 0; i < 30; i++) {
		memset(buf, 'k', 29);
		buf[i] = 'z';
		ASSERT(strpool__intern(p, buf, 29) == first[i]);
	}
	strpool__free(p);
}

/* Marking stops mattering once every chunk holds a marked string: the
 * pool says so, and the sweep then frees nothing; a chunk left unmarked
 * keeps it saying no, and goes. */
TEST(strpool_marks_full_once_every_chunk_is_marked)
{
	struct strpool *p = strpool__new();
	struct strpool_marks *m;
	const char *first = NULL, *last = NULL, *s;
	char buf[64];

	ASSERT(p);
	/* three 64 KiB chunks' worth: the first string lies in the oldest
	 * chunk, the last in the one being filled (marked from the start) */
	for (int i = 0; i < 4000; i++) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:user/u-%05d", i);
		s = strpool__intern_str(p, buf);
		ASSERT(s);
		if (!first)
			first = s;
		last = s;
	}
	m = strpool__marks_new(p);
	ASSERT(m);
	ASSERT(!strpool__marks_full(m));
	strpool__mark(m, last);
	ASSERT(!strpool__marks_full(m));
	/* one string of every chunk: full, and more marks change nothing */
	for (int i = 0; i < 4000; i += 100) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:user/u-%05d", i);
		strpool__mark(m, strpool__intern_str(p, buf));
	}
	ASSERT(strpool__marks_full(m));
	strpool__mark(m, first);
	ASSERT_EQ_U64(0, strpool__sweep(p, m));
	ASSERT(strpool__intern_str(p, "arn:aws:iam::111122223333:user/u-00000") == first);
	/* the oldest chunk unmarked: not full, and the sweep frees it */
	m = strpool__marks_new(p);
	ASSERT(m);
	for (int i = 2000; i < 4000; i += 100) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:user/u-%05d", i);
		strpool__mark(m, strpool__intern_str(p, buf));
	}
	ASSERT(!strpool__marks_full(m));
	ASSERT(strpool__sweep(p, m) > 0);
	strpool__free(p);
}

/* A sealed pool gives back its table and keeps every string where it was;
 * interning again starts an empty table of the same size (an equal string
 * is then a copy of its own), and a reset pool is as good as new. */
TEST(strpool_seal_keeps_strings_and_drops_the_table)
{
	struct strpool *p = strpool__new();
	const char *s[3000], *again;
	size_t before;
	char buf[32];

	ASSERT(p);
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "object-%d", i);
		s[i] = strpool__intern_str(p, buf);
		ASSERT(s[i]);
	}
	before = strpool__bytes(p);
	strpool__seal(p);
	/* 4096 slots of one word each went */
	ASSERT_EQ_U64(before - 4096 * sizeof(void *), strpool__bytes(p));
	for (int i = 0; i < 3000; i++) {
		snprintf(buf, sizeof(buf), "object-%d", i);
		ASSERT_EQ_STR(buf, s[i]);
	}
	again = strpool__intern_str(p, "object-7");
	ASSERT(again && again != s[7]);
	ASSERT_EQ_STR("object-7", again);
	ASSERT(strpool__intern_str(p, "object-7") == again);
	ASSERT_EQ_U64(1, strpool__count(p));
	strpool__seal(p);
	strpool__reset(p);
	ASSERT(strpool__intern_str(p, "GetObject") == strpool__intern_str(p, "GetObject"));
	ASSERT_EQ_U64(1, strpool__count(p));
	strpool__free(p);
}

/* The table grows and is swept in place: after several doublings and a
 * sweep that drops the strings of unmarked chunks, every string left is
 * found at its one address, and new ones are interned once. */
TEST(strpool_sweep_and_growth_keep_every_string_found)
{
	struct strpool *p = strpool__new();
	struct strpool_marks *m;
	static const char *s[40000];
	char buf[64];
	size_t kept = 0;

	ASSERT(p);
	for (int i = 0; i < 40000; i++) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:role/r-%d", i);
		s[i] = strpool__intern_str(p, buf);
		ASSERT(s[i]);
	}
	ASSERT_EQ_U64(40000, strpool__count(p));
	m = strpool__marks_new(p);
	ASSERT(m);
	/* every third string's chunk stays: most chunks hold one of them */
	for (int i = 20000; i < 40000; i += 3)
		strpool__mark(m, s[i]);
	ASSERT(strpool__sweep(p, m) > 0);
	/* the marked strings, and those sharing the oldest marked chunk */
	kept = strpool__count(p);
	ASSERT(kept >= 20000 && kept < 20000 + 65536 / 40);
	for (int i = 20000; i < 40000; i++) {
		snprintf(buf, sizeof(buf), "arn:aws:iam::111122223333:role/r-%d", i);
		ASSERT(strpool__intern_str(p, buf) == s[i]);
	}
	ASSERT_EQ_U64(kept, strpool__count(p));
	for (int i = 0; i < 2000; i++) {
		snprintf(buf, sizeof(buf), "new-%d", i);
		ASSERT(strpool__intern_str(p, buf) == strpool__intern_str(p, buf));
	}
	ASSERT_EQ_U64(kept + 2000, strpool__count(p));
	strpool__free(p);
}

/* A pool made for as many strings as one before it took them does not
 * grow on the way (a piece of a file after another); one that holds
 * strings, or is sealed, keeps its table. */
TEST(strpool_presize_empty_pool)
{
	struct strpool *p = strpool__new(), *q = strpool__new();
	char s[32];
	size_t slots;

	ASSERT(p && q);
	ASSERT_EQ_INT(0, strpool__presize(p, 5000));
	slots = strpool__slots(p);
	ASSERT_EQ_U64(8192, slots);
	for (int i = 0; i < 6000; i++) {
		snprintf(s, sizeof(s), "string-%d", i);
		ASSERT(strpool__intern_str(p, s) != NULL);
	}
	ASSERT_EQ_U64(slots, strpool__slots(p));
	ASSERT_EQ_U64(6000, strpool__count(p));
	/* holding strings: left as it is */
	ASSERT_EQ_INT(0, strpool__presize(p, 100000));
	ASSERT_EQ_U64(slots, strpool__slots(p));
	snprintf(s, sizeof(s), "string-%d", 17);
	ASSERT(strpool__intern_str(p, s) == strpool__intern_str(p, "string-17"));
	/* sealed: left as it is */
	strpool__seal(q);
	ASSERT_EQ_INT(0, strpool__presize(q, 100000));
	ASSERT(strpool__slots(q) < 100000);
	ASSERT(strpool__intern_str(q, "x") != NULL);
	strpool__free(p);
	strpool__free(q);
}
