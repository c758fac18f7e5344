/* See detect_internal.h: glob lists matched as fnmatch(FNM_CASEFOLD) does
 * in the C locale, without calling it for every pattern and every object.
 *
 * A glob made of literals and '*' only is cut at its stars into lowercase
 * pieces once; a subject, lowercased once per call, then matches when the
 * first piece is its prefix (unless the glob starts with '*'), the last its
 * suffix (unless it ends with '*') and the pieces between appear in order
 * (leftmost first, which decides for '*' alone). A glob with '?', '[' or
 * '\\' is left to fnmatch(), as is a subject too long for the buffer. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define GLOB_MAX_PIECES 16
#define GLOB_SUBJECT_MAX 1024

struct glob {
	const char *pat;          /* borrowed from the caller's list */
	char *lit;                /* the pieces, lowercase, one after another */
	uint16_t off[GLOB_MAX_PIECES], len[GLOB_MAX_PIECES];
	uint64_t need;            /* chars_of() the pieces: a subject lacking one cannot match */
	uint8_t npieces, star_start, star_end, slash, fallback;
};

struct globs {
	struct glob *v;
	size_t n;
	int any_slash;
};

static inline char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c + 32) : c;
}

/* A 64-bit digest of the (lowercase) characters in s[0..n): bit c % 64
 * for each byte c. */
static uint64_t chars_of(const char *s, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 0; i < n; i++)
		m |= 1ull << ((unsigned char)s[i] & 63);
	return m;
}

static int compile(struct glob *g, const char *pat)
{
	size_t n = strlen(pat), k = 0, start;

	g->pat = pat;
	g->slash = strchr(pat, '/') != NULL;
	if (strpbrk(pat, "?[\\") || n >= 0xffff) {
		g->fallback = 1;
		return 0;
	}
	g->lit = malloc(n + 1);
	if (!g->lit)
		return -ENOMEM;
	g->star_start = n && pat[0] == '*';
	g->star_end = n && pat[n - 1] == '*';
	for (size_t i = 0; i < n;) {
		while (i < n && pat[i] == '*')
			i++;
		if (i == n)
			break;
		if (g->npieces == GLOB_MAX_PIECES) {
			g->fallback = 1;
			return 0;
		}
		start = k;
		while (i < n && pat[i] != '*')
			g->lit[k++] = lower(pat[i++]);
		g->off[g->npieces] = (uint16_t)start;
		g->len[g->npieces++] = (uint16_t)(k - start);
	}
	g->need = chars_of(g->lit, k);
	return 0;
}

struct globs *globs__new(const char *const *pats, size_t n)
{
	struct globs *g = calloc(1, sizeof(*g));

	if (!g || !(g->v = calloc(n ? n : 1, sizeof(*g->v))))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		if (!pats[i])
			continue;
		if (compile(&g->v[g->n], pats[i]) < 0)
			goto fail;
		g->any_slash |= g->v[g->n].slash;
		g->n++;
	}
	return g;
fail:
	globs__free(g);
	errno = ENOMEM;
	return NULL;
}

void globs__free(struct globs *g)
{
	if (!g)
		return;
	for (size_t i = 0; g->v && i < g->n; i++)
		free(g->v[i].lit);
	free(g->v);
	free(g);
}

/* g against s[0..n), lowercase. */
static int match(const struct glob *g, const char *s, size_t n)
{
	size_t pos = 0, end = n, first = 0, last = g->npieces;
	const char *hit;

	if (!g->npieces)
		return g->star_start || n == 0;
	if (!g->star_start) {
		if (g->len[0] > n || memcmp(s, g->lit + g->off[0], g->len[0]))
			return 0;
		pos = g->len[0];
		first = 1;
	}
	if (!g->star_end) {
		if (last - 1 < first)
			return pos == n;   /* no star at all: the whole subject */
		last--;
		if (g->len[last] > end - pos ||
		    memcmp(s + n - g->len[last], g->lit + g->off[last], g->len[last]))
			return 0;
		end = n - g->len[last];
	}
	for (size_t i = first; i < last; i++) {
		hit = memmem(s + pos, end - pos, g->lit + g->off[i], g->len[i]);
		if (!hit)
			return 0;
		pos = (size_t)(hit - s) + g->len[i];
	}
	return 1;
}

static size_t lower_copy(char *dst, const char *s)
{
	size_t i;

	for (i = 0; s[i] && i < GLOB_SUBJECT_MAX; i++)
		dst[i] = lower(s[i]);
	return s[i] ? GLOB_SUBJECT_MAX + 1 : i;
}

const char *globs__first(const struct globs *g, const char *whole, const char *base)
{
	char lb[GLOB_SUBJECT_MAX], lw[GLOB_SUBJECT_MAX];
	size_t nb, nw = 0;
	uint64_t cb, cw = 0;
	int slow;

	if (!g->n)
		return NULL;
	nb = lower_copy(lb, base);
	slow = nb > GLOB_SUBJECT_MAX;
	cb = slow ? 0 : chars_of(lb, nb);
	if (whole && g->any_slash) {
		nw = lower_copy(lw, whole);
		slow |= nw > GLOB_SUBJECT_MAX;
		cw = slow ? 0 : chars_of(lw, nw);
	}
	for (size_t i = 0; i < g->n; i++) {
		const struct glob *p = &g->v[i];
		int by_whole = whole && p->slash;

		if (slow || p->fallback) {
			if (fnmatch(p->pat, by_whole ? whole : base, FNM_CASEFOLD) == 0)
				return p->pat;
		} else if (by_whole ? (p->need & ~cw) == 0 && match(p, lw, nw) :
				      (p->need & ~cb) == 0 && match(p, lb, nb)) {
			return p->pat;
		}
	}
	return NULL;
}
