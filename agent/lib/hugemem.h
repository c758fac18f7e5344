/* Transparent huge pages for large, dense, long-lived memory: a detector
 * at 100,000 identities reads its tables and slabs at random, and with
 * 4 KiB pages most of those reads miss the TLB and walk the page tables.
 * Where the system gives huge pages for madvise(MADV_HUGEPAGE) (THP mode
 * "madvise" or "always"), a 2 MiB page covers what 512 small pages did.
 * The advice is a hint: with THP off or refused the memory is ordinary.
 *
 * Ownership: huge__map()'s memory is the caller's until huge__unmap() with
 * the same size; huge__hint() only advises memory the caller holds.
 */
#ifndef GW_LIB_HUGEMEM_H
#define GW_LIB_HUGEMEM_H

#include <stddef.h>

#define HUGE_PAGE ((size_t)2 << 20)

/* size bytes (rounded up to HUGE_PAGE), zeroed, aligned to HUGE_PAGE and
 * advised into huge pages; NULL with errno ENOMEM. */
void *huge__map(size_t size);
/* size bytes (rounded up to HUGE_PAGE), not zeroed, from aligned_alloc,
 * aligned to HUGE_PAGE and advised into huge pages; free() gives it back.
 * NULL with errno ENOMEM. */
void *huge__alloc(size_t size);
/* Give back what huge__map(size) returned (NULL: nothing). */
void huge__unmap(void *p, size_t size);
/* A table of size bytes, zeroed: huge__map()'s once it fills a huge page,
 * else calloc()'s. A large table is filled at random and soon resident
 * whole; in one huge page it costs one page fault, not 512 (a fault costs
 * microseconds, more in a virtual machine). NULL with errno ENOMEM. */
void *huge__table(size_t size);
/* Give back what huge__table(size) returned, with the same size. */
void huge__table_free(void *p, size_t size);
/* Advise the whole huge pages inside p[0..size) (memory from malloc, say
 * a large table) into huge pages; a block under two huge pages is left
 * alone, since at most its middle could be advised. */
void huge__hint(void *p, size_t size);

#endif
