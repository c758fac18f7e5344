/* String interning: every distinct string is stored once, in large chunks,
 * so that a day of events for one principal costs pointers, not copies.
 *
 * Ownership: the pool owns every string it returns; they live until
 * strpool__free() or strpool__reset(). Interned strings can be compared by
 * pointer.
 */
#ifndef GW_STRPOOL_H
#define GW_STRPOOL_H

#include <stddef.h>
#include <stdint.h>

struct strpool;

/* Returns NULL and sets errno on allocation failure. */
struct strpool *strpool__new(void);
/* A pool whose chunks are blocks of size bytes from get() (NULL: out of
 * memory), given back with put() when the pool lets go of them (a string
 * longer than a block gets a chunk of its own from malloc). The source
 * outlives the pool. */
struct strpool_blocks {
	void *(*get)(void *ctx);
	void (*put)(void *ctx, void *blk);
	void *ctx;
	size_t size;
};
struct strpool *strpool__new_on(const struct strpool_blocks *src);
void strpool__free(struct strpool *p);
/* Forget every string at once (each pointer returned so far dangles): the
 * pool is empty again but keeps its table (as large as it grew) and one
 * chunk for what comes next. For strings that live for one unit of work,
 * such as a file. */
void strpool__reset(struct strpool *p);
/* Give back the look-up table of a pool that is done being filled (the
 * events of a piece of a file, read and held until handed over): every
 * string stays where it is, but is no longer found. Interning into a
 * sealed pool starts an empty table of the size it had, so that an equal
 * string interned after the seal is a copy of its own; strpool__reset()
 * does the same. */
void strpool__seal(struct strpool *p);
/* Intern s[0..len). Returns the pooled copy (NUL-terminated), "" for len 0,
 * or NULL with errno set (ENOMEM, or E2BIG past the pool's byte cap). */
const char *strpool__intern(struct strpool *p, const char *s, size_t len);
const char *strpool__intern_str(struct strpool *p, const char *s);
/* strpool__intern with hash = gw_fasthash(0, s, len) (lib/fasthash.h)
 * computed by the caller, who needs it for something else too. */
const char *strpool__intern_hashed(struct strpool *p, const char *s, size_t len, uint64_t hash);
/* Start loading the table slot where hash would be looked up. */
void strpool__prefetch(const struct strpool *p, uint64_t hash);
/* Copy s[0..len) into the pool without looking for an equal string first,
 * for strings that are unique anyway (request ids): cheaper than interning,
 * and the copy lives as long as the pool. NULL with errno as intern. */
const char *strpool__copy(struct strpool *p, const char *s, size_t len);
/* Bytes held by the pool (chunks and table), for memory accounting. */
size_t strpool__bytes(const struct strpool *p);
size_t strpool__count(const struct strpool *p);
/* The table's slots ... */
size_t strpool__slots(const struct strpool *p);
/* ... and an empty pool's table made at least nslots (rounded up to a
 * power of two) at once, for a pool about to take as many strings as one
 * before it did: it then does not grow, re-placing its entries, step by
 * step. No change to a pool that holds strings or is sealed. 0 or -ENOMEM. */
int strpool__presize(struct strpool *p, size_t nslots);

/* Letting go of strings nobody holds any more, for a pool that lives long
 * while its users come and go: the holders mark what they keep, and the
 * sweep frees the chunks none of it lies in, with their strings. Strings in
 * a marked chunk stay, held or not; the chunk being filled always stays.
 *
 *   m = strpool__marks_new(p);            NULL with errno set: no sweep
 *   strpool__mark(m, s);                  for every string still held
 *   strpool__sweep(p, m);                 frees m; returns the bytes freed
 *
 * The pool must not change between the first and the last call. A sweep
 * that cannot allocate its new table frees nothing (returns 0). Every
 * pointer into a freed chunk dangles afterwards: a holder that does not
 * mark what it keeps reads freed memory. */
struct strpool_marks;
struct strpool_marks *strpool__marks_new(const struct strpool *p);
void strpool__mark(struct strpool_marks *m, const char *s);
/* 1 when every chunk holds a marked string already: the sweep will free
 * nothing whatever else is marked, so the holders may stop marking. */
int strpool__marks_full(const struct strpool_marks *m);
size_t strpool__sweep(struct strpool *p, struct strpool_marks *m);

#endif
