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

struct strpool;

/* Returns NULL and sets errno on allocation failure. */
struct strpool *strpool__new(void);
void strpool__free(struct strpool *p);
/* Forget every string at once (each pointer returned so far dangles): the
 * pool is empty again but keeps its table (as large as it grew) and one
 * chunk for what comes next. For strings that live for one unit of work,
 * such as a file. */
void strpool__reset(struct strpool *p);
/* Intern s[0..len). Returns the pooled copy (NUL-terminated), "" for len 0,
 * or NULL with errno set (ENOMEM, or E2BIG past the pool's byte cap). */
const char *strpool__intern(struct strpool *p, const char *s, size_t len);
const char *strpool__intern_str(struct strpool *p, const char *s);
/* Copy s[0..len) into the pool without looking for an equal string first,
 * for strings that are unique anyway (request ids): cheaper than interning,
 * and the copy lives as long as the pool. NULL with errno as intern. */
const char *strpool__copy(struct strpool *p, const char *s, size_t len);
/* Bytes held by the pool (chunks and table), for memory accounting. */
size_t strpool__bytes(const struct strpool *p);
size_t strpool__count(const struct strpool *p);

#endif
