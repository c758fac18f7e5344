/* Equality of two short byte strings without a call into the C library:
 * most interned strings are ids, names and paths of 4 to 60 bytes, where
 * memcmp()'s call and dispatch cost more than the compare (longer ones
 * still go to memcmp). Reads only a[0..len) and b[0..len). */
#ifndef GW_LIB_MEMEQ_H
#define GW_LIB_MEMEQ_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

static inline int gw_mem_eq(const void *a, const void *b, size_t len)
{
	const unsigned char *x = a, *y = b;
	uint64_t u, v;
	uint32_t s, t;

	if (len > 32)
		return memcmp(a, b, len) == 0;  /* the library's vector loop wins */
	if (len >= 8) {
		for (size_t i = 0; i + 8 < len; i += 8) {
			memcpy(&u, x + i, 8);
			memcpy(&v, y + i, 8);
			if (u != v)
				return 0;
		}
		/* the last 8 bytes, overlapping what the loop compared */
		memcpy(&u, x + len - 8, 8);
		memcpy(&v, y + len - 8, 8);
		return u == v;
	}
	if (len >= 4) {
		memcpy(&s, x, 4);
		memcpy(&t, y, 4);
		if (s != t)
			return 0;
		memcpy(&s, x + len - 4, 4);
		memcpy(&t, y + len - 4, 4);
		return s == t;
	}
	for (size_t i = 0; i < len; i++)
		if (x[i] != y[i])
			return 0;
	return 1;
}

#endif
