/* See audit.h: the time a log file's path says it holds. The clouds name
 * their delivery files and partitions by time; reading files in that order
 * keeps a merge's look-ahead to the few files that overlap in time. */
#include "audit/audit.h"

#include <stdint.h>
#include <string.h>

#include "lib/isotime.h"

struct stamp {
	int v[6];                 /* year, month, day, hour, minute, second */
	int n;                    /* fields found: 3 (a date) to 6 */
};

static int is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

/* Exactly n digits at s (the next character is not a digit), or -1. */
static int num(const char *s, int n)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return is_digit(s[n]) ? -1 : v;
}

/* A separator: one of - _ / : T or a space, then maybe a partition key
 * ("m=", "d=", "h="). Its length, or 0. */
static size_t sep(const char *s)
{
	size_t k;

	if (!*s || !strchr("-_/: T", *s))
		return 0;
	k = 1;
	if (s[k] >= 'a' && s[k] <= 'z' && s[k + 1] == '=')
		k += 2;
	return k;
}

static int valid(const struct stamp *t)
{
	static const int lo[6] = { 1990, 1, 1, 0, 0, 0 }, hi[6] = { 2200, 12, 31, 23, 59, 60 };

	for (int i = 0; i < t->n; i++)
		if (t->v[i] < lo[i] || t->v[i] > hi[i])
			return 0;
	return t->n >= 3;
}

/* 20240501T1005Z (CloudTrail), seconds optional. */
static int compact(const char *s, struct stamp *t)
{
	if (num(s, 8) < 0 || s[8] != 'T')
		return 0;
	t->v[0] = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	t->v[1] = (s[4] - '0') * 10 + (s[5] - '0');
	t->v[2] = (s[6] - '0') * 10 + (s[7] - '0');
	t->n = 3;
	if ((t->v[3] = num(s + 9, 4)) >= 0) {
		t->v[4] = t->v[3] % 100;
		t->v[3] /= 100;
		t->n = 5;
	} else if ((t->v[3] = num(s + 9, 6)) >= 0) {
		t->v[5] = t->v[3] % 100;
		t->v[4] = t->v[3] / 100 % 100;
		t->v[3] /= 10000;
		t->n = 6;
	}
	return valid(t);
}

/* 2024-05-01-10-05-00, 2024/05/01/10:00:00, y=2024/m=05/d=01/h=10/m=00,
 * 2024/05/01/1000 (hour and minute as one field). */
static int separated(const char *s, struct stamp *t)
{
	static const int width[6] = { 4, 2, 2, 2, 2, 2 };
	size_t k;
	int v;

	t->n = 0;
	for (int i = 0; i < 6; i++) {
		if (i == 3 && (v = num(s, 4)) >= 0) {
			t->v[3] = v / 100;
			t->v[4] = v % 100;
			t->n = 5;
			break;
		}
		if ((v = num(s, width[i])) < 0)
			break;
		t->v[t->n++] = v;
		s += width[i];
		k = sep(s);
		if (!k || !is_digit(s[k]))
			break;
		s += k;
	}
	return valid(t);
}

static int64_t stamp_ms(const struct stamp *t)
{
	int64_t sec = iso8601__days_from_civil(t->v[0], (unsigned)t->v[1], (unsigned)t->v[2]) * 86400;

	if (t->n > 3)
		sec += t->v[3] * 3600;
	if (t->n > 4)
		sec += t->v[4] * 60;
	if (t->n > 5)
		sec += t->v[5];
	return sec * 1000;
}

int64_t audit_path__time(const char *path)
{
	struct stamp best = { .n = 0 }, t;

	for (const char *s = path; *s; s++) {
		if (!is_digit(*s) || (s > path && is_digit(s[-1])))
			continue;
		if ((compact(s, &t) || separated(s, &t)) && t.n >= best.n)
			best = t;
	}
	return best.n ? stamp_ms(&best) : INT64_MIN;
}
