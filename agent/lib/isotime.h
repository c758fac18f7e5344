/* ISO-8601 times <-> UTC milliseconds, without the C library's locale or
 * time zone machinery (timegm is not portable and mktime reads TZ).
 *
 * Accepted: YYYY-MM-DD[Thh:mm[:ss[.fraction]]][Z|+hh:mm|-hh:mm|+hhmm]; a
 * space may stand for the T. Without a zone the time is taken as UTC.
 */
#ifndef GW_ISOTIME_H
#define GW_ISOTIME_H

#include <stddef.h>
#include <stdint.h>

/* Parse s[0..len). Returns 0 and sets *ms, or -EINVAL. */
int iso8601__parse(const char *s, size_t len, int64_t *ms);
/* Days since 1970-01-01 of a proleptic Gregorian date. */
int64_t iso8601__days_from_civil(int64_t y, unsigned m, unsigned d);
/* The inverse: days since 1970-01-01 to year, month 1..12, day 1..31. */
void iso8601__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d);
/* Format as "YYYY-MM-DDThh:mm:ssZ", with ".mmm" when ms is not a whole
 * second. Returns 0 or -ENOSPC when buf is too small (32 bytes suffice). */
int iso8601__format(int64_t ms, char *buf, size_t size);

#endif
