#include <errno.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>

#include "assert.h"
#include "lib/isotime.h"

/* What the formatter printed when it was one snprintf: its digits must
 * not change with the shorter way to them. */
static int reference(int64_t ms, char *buf, size_t size)
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rem = ms - days * 86400000, y;
	unsigned m, d;
	int n;

	iso8601__civil_from_days(days, &y, &m, &d);
	if (rem % 1000)
		n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d,
			     (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60),
			     (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
	else
		n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
			     (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60),
			     (unsigned)(rem / 1000 % 60));
	return n < 0 || (size_t)n >= size ? -ENOSPC : 0;
}

TEST(iso8601_format_prints_as_snprintf_did)
{
	uint64_t r = 0x2545f4914f6cdd1dull;
	static const int64_t edges[] = { 0, -1, 1, 999, 1000, -1000, 86399999, 86400000,
		-86400000, 253402300799999LL, 253402300800000LL, -62167219200000LL,
		-62167219200001LL, 1795486205250LL };

	for (int i = 0; i < 400000; i++) {
		char want[48], got[48];
		size_t size = sizeof(got);
		int64_t ms;
		int we, ge;

		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		if (i < (int)(sizeof(edges) / sizeof(edges[0])))
			ms = edges[i];
		else if (i % 4 == 0)
			ms = (int64_t)(r % 4000000000000ULL);            /* 1970..2096 */
		else if (i % 4 == 1)
			ms = (int64_t)(r % 4000000000000ULL) / 1000 * 1000; /* whole seconds */
		else if (i % 4 == 2)
			ms = (int64_t)(r >> 18) - (INT64_C(1) << 45);     /* +-1100 years around 0 */
		else
			ms = (int64_t)(r >> 4) - (INT64_C(1) << 59);      /* any year */
		if (i % 16 == 3)
			size = (size_t)(r >> 59);                         /* 0..31 bytes */
		memset(want, 'x', sizeof(want));
		memset(got, 'x', sizeof(got));
		we = reference(ms, want, size);
		ge = iso8601__format(ms, got, size);
		if (we != ge || (size && strcmp(want, got)))
			FAIL_AT("%" PRId64 " in %zu bytes: \"%s\" (%d) expected, \"%s\" (%d) printed",
				ms, size, size ? want : "", we, size ? got : "", ge);
	}
}
