/* A streaming JSON writer: each value goes out as it is given, through a
 * fixed buffer, to a FILE, laid out as cJSON_Print lays out the same tree
 * (a tab per level, "key":<tab>value, one member a line, ", " between
 * array elements, strings escaped and numbers printed as cJSON does), so a
 * document written with it reads byte for byte as one printed from a tree,
 * without building or freeing the tree.
 *
 * Memory is the struct itself: the buffer and a bit per open level.
 * Errors (a failed write, nesting deeper than JSONW_DEPTH, a close with
 * nothing open) are sticky: later calls do nothing and jsonw__flush()
 * returns the first. The caller owns out and the struct; the writer never
 * closes out.
 */
#ifndef GW_JSONW_H
#define GW_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSONW_BUF 32768
#define JSONW_DEPTH 32
/* Enough for any number jsonw__num_text() prints. */
#define JSONW_NUM_MAX 32

struct jsonw {
	FILE *out;
	size_t len;               /* bytes waiting in buf */
	unsigned depth;           /* open objects and arrays */
	uint32_t more;            /* bit d-1: level d has a member already */
	uint32_t array;           /* bit d-1: level d is an array */
	int err;                  /* the first error, 0 or a negative errno */
	char buf[JSONW_BUF];
};

/* A writer to out, nothing written yet. */
void jsonw__init(struct jsonw *w, FILE *out);
/* Write out what the buffer holds (not fflush'ed). Returns 0 or the first
 * error of the writer's life as a negative errno. */
int jsonw__flush(struct jsonw *w);

/* Every value takes its key: the member's name inside an object (NULL is
 * printed as ""), ignored inside an array and at the top. */
void jsonw__object(struct jsonw *w, const char *key);
void jsonw__object_end(struct jsonw *w);
void jsonw__array(struct jsonw *w, const char *key);
void jsonw__array_end(struct jsonw *w);
/* s NULL is printed as "". Bytes go out as they are except '"', '\\' and
 * those below 0x20 (escaped); bytes of invalid UTF-8 pass through as
 * cJSON passes them. */
void jsonw__str(struct jsonw *w, const char *key, const char *s);
void jsonw__num(struct jsonw *w, const char *key, double v);
void jsonw__bool(struct jsonw *w, const char *key, int v);
void jsonw__null(struct jsonw *w, const char *key);

/* v as cJSON (1.7.15) prints a number: "null" for NaN and infinities,
 * else 15 significant digits ("%1.15g") when they read back as v, else
 * 17. Writes a NUL-terminated text to buf (size >=
 * JSONW_NUM_MAX) and returns its length. */
size_t jsonw__num_text(double v, char *buf, size_t size);

#endif
