/* See timefmt.h. */
#include "timefmt.h"

#include <stdio.h>
#include <time.h>

char *gw_format_time_ms(int64_t ms, char *buf, size_t size)
{
	time_t secs = (time_t)(ms / 1000);
	int frac = (int)(ms % 1000);
	struct tm tm;
	int n;

	if (frac < 0) {
		frac += 1000;
		secs -= 1;
	}
	if (!size)
		return buf;
	if (!gmtime_r(&secs, &tm)) {
		buf[0] = '\0';
		return buf;
	}
	n = snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
		     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
	if (n < 0 || (size_t)n >= size)
		buf[0] = '\0';
	return buf;
}
