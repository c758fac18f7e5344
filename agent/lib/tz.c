/* See tz.h. A TZif file holds the zone's transitions (UTC instant, offset)
 * and, from version 2 on, a footer with a POSIX TZ rule
 * ("CET-1CEST,M3.5.0,M10.5.0/3") for the instants after the last one. Only
 * the 64-bit block of a version 2+ file is used; a version 1 file has no
 * footer and keeps its last offset. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tz.h"
#include "lib/isotime.h"

#define TZ_MAX_FILE (256 * 1024)
#define TZ_MAX_TRANS 4096
#define TZ_MAX_NAME 200
#define DAY_SEC 86400

/* A POSIX TZ rule date: J (1..365, no Feb 29), N (0..365) or M (month,
 * week 1..5, weekday 0 = Sunday); at `secs` local time. */
struct tz_date {
	char kind;
	int n, m, w, d;
	int32_t secs;
};

struct tz_rule {
	int32_t std_off, dst_off;  /* seconds east of UTC */
	int has_dst;
	struct tz_date start, end;
};

struct gw_tz {
	char name[TZ_MAX_NAME + 1];
	size_t ntrans;
	int64_t *at;               /* transition instants, UTC seconds, ascending */
	int32_t *off;              /* offset from each transition on */
	int32_t first_off;         /* before the first transition */
	int has_rule;
	struct tz_rule rule;
};

int gw_tz__fixed(const char *s, int *minutes)
{
	size_t n = strlen(s);
	int h, m = 0;

	if (!strcmp(s, "UTC") || !strcmp(s, "Z")) {
		*minutes = 0;
		return 1;
	}
	if ((s[0] != '+' && s[0] != '-') || (n != 3 && n != 6))
		return 0;
	for (size_t i = 1; i < n; i++)
		if (i == 3 ? s[i] != ':' : (s[i] < '0' || s[i] > '9'))
			return 0;
	h = (s[1] - '0') * 10 + (s[2] - '0');
	if (n == 6)
		m = (s[4] - '0') * 10 + (s[5] - '0');
	if (m > 59 || h * 60 + m > 14 * 60)
		return 0;
	*minutes = (s[0] == '-' ? -1 : 1) * (h * 60 + m);
	return 1;
}

/* ---- calendar (proleptic Gregorian, days since 1970-01-01) ---- */

static int64_t days_from_civil(int64_t y, int m, int d)
{
	return iso8601__days_from_civil(y, (unsigned)m, (unsigned)d);
}

static int64_t year_of_day(int64_t z)
{
	unsigned m, d;
	int64_t y;

	iso8601__civil_from_days(z, &y, &m, &d);
	return y;
}

static int is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* The day (since the epoch) a rule date falls on in year y. */
static int64_t rule_day(const struct tz_date *r, int64_t y)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t jan1 = days_from_civil(y, 1, 1), first, day;
	int len;

	if (r->kind == 'J')
		return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
	if (r->kind == 'N')
		return jan1 + r->n;
	first = days_from_civil(y, r->m, 1);
	len = mdays[r->m - 1] + (r->m == 2 && is_leap(y));
	/* 1970-01-01 was a Thursday (4) */
	day = first + ((r->d - ((first % 7 + 11) % 7)) % 7 + 7) % 7 + 7 * (r->w - 1);
	while (day >= first + len)
		day -= 7;
	return day;
}

static int32_t rule_offset(const struct tz_rule *r, int64_t t)
{
	int64_t y, start, end;

	if (!r->has_dst)
		return r->std_off;
	y = year_of_day((t >= 0 ? t : t - DAY_SEC + 1) / DAY_SEC);
	/* the switch to DST happens at a standard-time hour, the switch back
	 * at a DST hour */
	start = rule_day(&r->start, y) * DAY_SEC + r->start.secs - r->std_off;
	end = rule_day(&r->end, y) * DAY_SEC + r->end.secs - r->dst_off;
	if (start < end)
		return t >= start && t < end ? r->dst_off : r->std_off;
	return t >= end && t < start ? r->std_off : r->dst_off;
}

/* ---- the POSIX TZ footer ---- */

static const char *rule_name(const char *p)
{
	const char *s = p;

	if (*p == '<') {
		p = strchr(p, '>');
		return p ? p + 1 : NULL;
	}
	while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
		p++;
	return p - s >= 3 ? p : NULL;
}

static const char *rule_num(const char *p, int max, int *out)
{
	int v = 0, n = 0;

	while (*p >= '0' && *p <= '9' && n < 4) {
		v = v * 10 + (*p++ - '0');
		n++;
	}
	if (!n || v > max)
		return NULL;
	*out = v;
	return p;
}

/* [+-]hh[:mm[:ss]], hours up to 167 (RFC 8536 times), in seconds. */
static const char *rule_time(const char *p, int32_t *out)
{
	int sign = 1, h, m = 0, s = 0;

	if (*p == '+' || *p == '-')
		sign = *p++ == '-' ? -1 : 1;
	p = rule_num(p, 167, &h);
	if (p && *p == ':')
		p = rule_num(p + 1, 59, &m);
	if (p && *p == ':')
		p = rule_num(p + 1, 59, &s);
	if (p)
		*out = sign * (h * 3600 + m * 60 + s);
	return p;
}

static const char *rule_date(const char *p, struct tz_date *d)
{
	d->secs = 7200;
	d->kind = *p == 'J' || *p == 'M' ? *p++ : 'N';
	if (d->kind == 'M') {
		p = rule_num(p, 12, &d->m);
		p = p && *p == '.' ? rule_num(p + 1, 5, &d->w) : NULL;
		p = p && *p == '.' ? rule_num(p + 1, 6, &d->d) : NULL;
		if (p && (d->m < 1 || d->w < 1))
			return NULL;
	} else {
		p = rule_num(p, 365, &d->n);
		if (p && d->kind == 'J' && d->n < 1)
			return NULL;
	}
	if (p && *p == '/')
		p = rule_time(p + 1, &d->secs);
	return p;
}

static int parse_rule(const char *p, struct tz_rule *r)
{
	int32_t off;

	memset(r, 0, sizeof(*r));
	p = rule_name(p);
	p = p ? rule_time(p, &off) : NULL;
	if (!p)
		return -EINVAL;
	r->std_off = r->dst_off = -off;     /* POSIX counts west of UTC */
	if (!*p)
		return 0;
	p = rule_name(p);
	if (!p)
		return -EINVAL;
	r->dst_off = r->std_off + 3600;
	if (*p && *p != ',') {
		p = rule_time(p, &off);
		if (!p)
			return -EINVAL;
		r->dst_off = -off;
	}
	/* a DST name without rules: no date to switch on, keep standard time */
	if (!*p)
		return 0;
	p = rule_date(p + 1, &r->start);
	p = p && *p == ',' ? rule_date(p + 1, &r->end) : NULL;
	if (!p || *p)
		return -EINVAL;
	r->has_dst = 1;
	return 0;
}

/* ---- the TZif file ---- */

static uint32_t be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
	return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* The counts of a header at p: isut, isstd, leap, time, type, char. */
static int tzif_counts(const unsigned char *p, size_t len, uint32_t c[6])
{
	if (len < 44 || memcmp(p, "TZif", 4))
		return -EINVAL;
	for (int i = 0; i < 6; i++)
		c[i] = be32(p + 20 + 4 * i);
	if (c[3] > TZ_MAX_TRANS || c[4] == 0 || c[4] > 256 || c[5] > 4096 || c[2] > 4096 ||
	    c[0] > 256 || c[1] > 256)
		return -EINVAL;
	return 0;
}

static size_t tzif_block(const uint32_t c[6], size_t tsz)
{
	return c[3] * tsz + c[3] + c[4] * 6 + c[5] + c[2] * (tsz + 4) + c[1] + c[0];
}

/* Fill tz from the data block at p (tsz: 4 or 8 bytes per time). */
static int tzif_data(struct gw_tz *tz, const unsigned char *p, const uint32_t c[6], size_t tsz)
{
	const unsigned char *idx = p + c[3] * tsz, *types = idx + c[3];

	tz->at = malloc((c[3] ? c[3] : 1) * sizeof(*tz->at));
	tz->off = malloc((c[3] ? c[3] : 1) * sizeof(*tz->off));
	if (!tz->at || !tz->off)
		return -ENOMEM;
	tz->first_off = (int32_t)be32(types);
	for (uint32_t i = 0; i < c[3]; i++) {
		if (idx[i] >= c[4])
			return -EINVAL;
		tz->at[i] = tsz == 8 ? be64(p + i * 8) : (int32_t)be32(p + i * 4);
		tz->off[i] = (int32_t)be32(types + idx[i] * 6);
		if (i && tz->at[i] <= tz->at[i - 1])
			return -EINVAL;
	}
	tz->ntrans = c[3];
	return 0;
}

static int tzif_parse(struct gw_tz *tz, const unsigned char *buf, size_t len)
{
	const unsigned char *p = buf, *end = buf + len, *nl;
	uint32_t c[6];
	size_t tsz = 4, n;
	char footer[128];
	int err;

	if (tzif_counts(p, len, c))
		return -EINVAL;
	if (p[4] >= '2') {
		p += 44 + tzif_block(c, 4);
		if (p > end || tzif_counts(p, (size_t)(end - p), c))
			return -EINVAL;
		tsz = 8;
	}
	p += 44;
	n = tzif_block(c, tsz);
	if ((size_t)(end - p) < n)
		return -EINVAL;
	err = tzif_data(tz, p, c, tsz);
	if (err || tsz == 4)
		return err;
	p += n;
	if (p >= end || *p != '\n')
		return -EINVAL;
	nl = memchr(p + 1, '\n', (size_t)(end - p - 1));
	if (!nl || (size_t)(nl - p - 1) >= sizeof(footer))
		return -EINVAL;
	memcpy(footer, p + 1, (size_t)(nl - p - 1));
	footer[nl - p - 1] = '\0';
	if (!footer[0])
		return 0;
	if (parse_rule(footer, &tz->rule))
		return -EINVAL;
	tz->has_rule = 1;
	return 0;
}

/* Letters, digits and "/_-+.", no empty, "." or ".." component. */
static int valid_name(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > TZ_MAX_NAME || s[0] == '/' || s[n - 1] == '/')
		return 0;
	for (const char *p = s; *p; p++) {
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		      strchr("/_-+.", *p)))
			return 0;
		if ((p == s || p[-1] == '/') &&
		    (p[0] == '/' || (p[0] == '.' && (!p[1] || p[1] == '/' || p[1] == '.'))))
			return 0;
	}
	return 1;
}

static int read_zone(const char *name, unsigned char **buf, size_t *len)
{
	const char *dir = getenv("TZDIR");
	char path[4096];
	struct stat st;
	ssize_t r;
	int fd, err = 0;

	if (!dir || dir[0] != '/')
		dir = "/usr/share/zoneinfo";
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0)
		return errno == ENOENT || errno == ENOTDIR ? -ENOENT : -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode) || st.st_size > TZ_MAX_FILE) {
		err = -EINVAL;
		goto out;
	}
	*buf = malloc((size_t)st.st_size + 1);
	if (!*buf) {
		err = -ENOMEM;
		goto out;
	}
	r = read(fd, *buf, (size_t)st.st_size);
	if (r != st.st_size)
		err = -EIO;
	*len = r > 0 ? (size_t)r : 0;
out:
	close(fd);
	return err;
}

static int load_zone(struct gw_tz *tz, const char *name, const char **why)
{
	unsigned char *buf = NULL;
	size_t len = 0;
	int err;

	if (name[0] == '+' || name[0] == '-') {
		*why = "expected a UTC offset +HH:MM (-14:00..+14:00)";
		return -EINVAL;
	}
	if (!valid_name(name)) {
		*why = "expected a time zone name such as Europe/Berlin or a UTC offset +HH:MM";
		return -EINVAL;
	}
	err = read_zone(name, &buf, &len);
	if (!err)
		err = tzif_parse(tz, buf, len);
	free(buf);
	if (err == -ENOENT)
		*why = "unknown time zone (not in the system's tz database)";
	else if (err == -ENOMEM)
		*why = "out of memory";
	else if (err)
		*why = "not a time zone file in the system's tz database";
	return err;
}

int gw_tz__load(const char *spec, struct gw_tz **out, const char **why)
{
	struct gw_tz *tz = calloc(1, sizeof(*tz));
	const char *w = "out of memory";
	int m, err = -ENOMEM;

	if (!why)
		why = &w;
	*out = NULL;
	if (!tz)
		goto fail;
	snprintf(tz->name, sizeof(tz->name), "%s", spec);
	if (gw_tz__fixed(spec, &m)) {
		tz->first_off = m * 60;
		*out = tz;
		return 0;
	}
	err = load_zone(tz, spec, why);
	if (err)
		goto fail;
	*out = tz;
	return 0;
fail:
	if (err == -ENOMEM)
		*why = "out of memory";
	gw_tz__free(tz);
	return err;
}

int32_t gw_tz__offset_min(const struct gw_tz *tz, int64_t t_ms)
{
	int64_t t = t_ms >= 0 ? t_ms / 1000 : (t_ms - 999) / 1000;
	size_t lo = 0, hi = tz->ntrans;

	if (tz->has_rule && (!tz->ntrans || t >= tz->at[tz->ntrans - 1]))
		return rule_offset(&tz->rule, t) / 60;
	if (!tz->ntrans || t < tz->at[0])
		return tz->first_off / 60;
	/* the last transition at or before t */
	while (hi - lo > 1) {
		size_t mid = lo + (hi - lo) / 2;

		if (tz->at[mid] <= t)
			lo = mid;
		else
			hi = mid;
	}
	return tz->off[lo] / 60;
}

const char *gw_tz__name(const struct gw_tz *tz)
{
	return tz->name;
}

void gw_tz__free(struct gw_tz *tz)
{
	if (!tz)
		return;
	free(tz->at);
	free(tz->off);
	free(tz);
}
