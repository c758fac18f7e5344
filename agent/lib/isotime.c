/* See isotime.h. */
#include "lib/isotime.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

/* Howard Hinnant's days_from_civil / civil_from_days. */
int64_t iso8601__days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void iso8601__civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Read exactly n digits at s[*i]. */
static int digits(const char *s, size_t len, size_t *i, int n, unsigned *out)
{
	unsigned v = 0;

	if (*i + (size_t)n > len)
		return -EINVAL;
	for (int k = 0; k < n; k++) {
		char c = s[*i + (size_t)k];

		if (c < '0' || c > '9')
			return -EINVAL;
		v = v * 10 + (unsigned)(c - '0');
	}
	*i += (size_t)n;
	*out = v;
	return 0;
}

/* Fractional seconds: keep milliseconds, ignore finer digits. */
static int fraction(const char *s, size_t len, size_t *i, unsigned *ms)
{
	int n = 0;

	*ms = 0;
	if (*i >= len || (s[*i] != '.' && s[*i] != ','))
		return 0;
	(*i)++;
	while (*i < len && s[*i] >= '0' && s[*i] <= '9') {
		if (n < 3)
			*ms = *ms * 10 + (unsigned)(s[*i] - '0');
		n++;
		(*i)++;
	}
	if (n == 0)
		return -EINVAL;
	for (; n < 3; n++)
		*ms *= 10;
	return 0;
}

/* Zone suffix: returns the offset east of UTC in minutes. */
static int zone(const char *s, size_t len, size_t *i, int *off_min)
{
	unsigned hh, mm = 0;
	int sign;

	*off_min = 0;
	if (*i == len)
		return 0;
	if (s[*i] == 'Z' || s[*i] == 'z') {
		(*i)++;
		return 0;
	}
	if (s[*i] != '+' && s[*i] != '-')
		return -EINVAL;
	sign = s[*i] == '-' ? -1 : 1;
	(*i)++;
	if (digits(s, len, i, 2, &hh) < 0)
		return -EINVAL;
	if (*i < len && s[*i] == ':')
		(*i)++;
	if (*i < len && digits(s, len, i, 2, &mm) < 0)
		return -EINVAL;
	if (hh > 23 || mm > 59)
		return -EINVAL;
	*off_min = sign * (int)(hh * 60 + mm);
	return 0;
}

static int clock_part(const char *s, size_t len, size_t *i, unsigned t[4])
{
	t[0] = t[1] = t[2] = t[3] = 0;
	if (*i == len)
		return 0;
	if (s[*i] != 'T' && s[*i] != 't' && s[*i] != ' ')
		return -EINVAL;
	(*i)++;
	if (digits(s, len, i, 2, &t[0]) < 0 || *i >= len || s[(*i)++] != ':' ||
	    digits(s, len, i, 2, &t[1]) < 0)
		return -EINVAL;
	if (*i < len && s[*i] == ':') {
		(*i)++;
		if (digits(s, len, i, 2, &t[2]) < 0 || fraction(s, len, i, &t[3]) < 0)
			return -EINVAL;
	}
	/* 60 is a leap second; it folds into the next minute. */
	if (t[0] > 23 || t[1] > 59 || t[2] > 60)
		return -EINVAL;
	return 0;
}

int iso8601__parse(const char *s, size_t len, int64_t *ms)
{
	unsigned y, m, d, t[4];
	size_t i = 0;
	int off;
	int64_t days;

	if (!s || digits(s, len, &i, 4, &y) < 0 || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &m) < 0 || i >= len || s[i++] != '-' ||
	    digits(s, len, &i, 2, &d) < 0)
		return -EINVAL;
	if (m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -EINVAL;
	if (clock_part(s, len, &i, t) < 0 || zone(s, len, &i, &off) < 0 || i != len)
		return -EINVAL;
	days = iso8601__days_from_civil(y, m, d);
	*ms = ((days * 86400 + t[0] * 3600 + t[1] * 60 + t[2]) - (int64_t)off * 60) * 1000 + t[3];
	return 0;
}

/* The long way, for years outside 0..9999 (and buffers too small for the
 * short way, which then get snprintf's truncated text). */
static int format_slow(int64_t y, unsigned m, unsigned d, int64_t rem, char *buf, size_t size)
{
	int n;

	if (rem % 1000)
		n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02u.%03uZ", y, m, d,
			     (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60),
			     (unsigned)(rem / 1000 % 60), (unsigned)(rem % 1000));
	else
		n = snprintf(buf, size, "%04" PRId64 "-%02u-%02uT%02u:%02u:%02uZ", y, m, d,
			     (unsigned)(rem / 3600000), (unsigned)(rem / 60000 % 60),
			     (unsigned)(rem / 1000 % 60));
	if (n < 0 || (size_t)n >= size)
		return -ENOSPC;
	return 0;
}

static char *two(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
	return p + 2;
}

/* Without snprintf: reports print a few of these per finding, and
 * snprintf's format parsing cost ten times the digits. */
int iso8601__format(int64_t ms, char *buf, size_t size)
{
	int64_t days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
	int64_t rem = ms - days * 86400000, y;
	unsigned m, d, frac;
	char *p = buf;

	iso8601__civil_from_days(days, &y, &m, &d);
	frac = (unsigned)(rem % 1000);
	if (y < 0 || y > 9999 || size <= (frac ? 24u : 20u))
		return format_slow(y, m, d, rem, buf, size);
	p = two(p, (unsigned)(y / 100));
	p = two(p, (unsigned)(y % 100));
	*p++ = '-';
	p = two(p, m);
	*p++ = '-';
	p = two(p, d);
	*p++ = 'T';
	p = two(p, (unsigned)(rem / 3600000));
	*p++ = ':';
	p = two(p, (unsigned)(rem / 60000 % 60));
	*p++ = ':';
	p = two(p, (unsigned)(rem / 1000 % 60));
	if (frac) {
		*p++ = '.';
		*p++ = (char)('0' + frac / 100);
		p = two(p, frac % 100);
	}
	*p++ = 'Z';
	*p = '\0';
	return 0;
}
