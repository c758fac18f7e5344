/* See hugemem.h. */
#include "lib/hugemem.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

static size_t round_up(size_t n)
{
	return (n + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
}

void *huge__map(size_t size)
{
	size_t n = round_up(size ? size : 1);
	char *m, *p;
	uintptr_t a;

	/* one huge page more than asked, then the ends cut off, for the
	 * alignment a huge page needs */
	m = mmap(NULL, n + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		errno = ENOMEM;
		return NULL;
	}
	a = ((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	p = (char *)a;
	if (p > m)
		munmap(m, (size_t)(p - m));
	munmap(p + n, HUGE_PAGE - (size_t)(p - m));
	madvise(p, n, MADV_HUGEPAGE);
	return p;
}

void *huge__alloc(size_t size)
{
	size_t n = round_up(size ? size : 1);
	void *p = aligned_alloc(HUGE_PAGE, n);

	if (p)
		madvise(p, n, MADV_HUGEPAGE);
	return p;
}

void huge__unmap(void *p, size_t size)
{
	if (p)
		munmap(p, round_up(size ? size : 1));
}

void *huge__table(size_t size)
{
	void *p;

	if (size >= HUGE_PAGE)
		return huge__map(size);
	if (!(p = calloc(1, size ? size : 1)))
		errno = ENOMEM;
	return p;
}

void huge__table_free(void *p, size_t size)
{
	if (size >= HUGE_PAGE)
		huge__unmap(p, size);
	else
		free(p);
}

void huge__hint(void *p, size_t size)
{
	uintptr_t lo = ((uintptr_t)p + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1);
	uintptr_t hi = ((uintptr_t)p + size) & ~(uintptr_t)(HUGE_PAGE - 1);

	if (!p || size < 2 * HUGE_PAGE || hi <= lo)
		return;
	madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}
