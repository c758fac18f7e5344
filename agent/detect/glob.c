/* See detect_internal.h: glob lists matched as fnmatch(FNM_CASEFOLD) does
 * in the C locale, without calling it for every pattern and every object.
 *
 * A glob made of literals and '*' only is cut at its stars into lowercase
 * pieces once; a subject, lowercased once per call, then matches when the
 * first piece is its prefix (unless the glob starts with '*'), the last its
 * suffix (unless it ends with '*') and the pieces between appear in order
 * (leftmost first, which decides for '*' alone). A glob with '?', '[' or
 * '\\' is left to fnmatch(), as is a subject too long for the buffer.
 *
 * Most subjects match no glob, so the set is indexed to try only the globs
 * that could match: a glob that ends in a literal is tried only on subjects
 * ending in its last character, one that starts with a literal (and ends
 * in '*') only on subjects starting with its first character, and one with
 * a star at both ends only when the subject holds a pair of adjacent
 * characters that the glob requires, the rarest-looking pair of its pieces
 * (one table look-up per character of the subject gives the globs whose
 * pairs it holds). The rest (fnmatch globs, globs with a '/', "*", "") are
 * tried on every subject. The first match in list order is the lowest
 * index that any of these lists matches. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define GLOB_MAX_PIECES 16
#define GLOB_SUBJECT_MAX 1024
#define GLOB_MAX_PAIRS 64         /* star-both globs indexed by a pair; the rest are tried always */
#define PAIR_BITS 4096

struct glob {
	const char *pat;          /* borrowed from the caller's list */
	char *lit;                /* the pieces, lowercase, one after another */
	uint16_t off[GLOB_MAX_PIECES], len[GLOB_MAX_PIECES];
	uint8_t npieces, star_start, star_end, slash, fallback;
};

struct globs {
	struct glob *v;
	size_t n;
	int any_slash;
	/* The index: glob numbers in list order. by_last[last_at[c] ..
	 * last_at[c + 1]) are the globs ending in the literal character c,
	 * by_first likewise for those starting with c and ending in '*'. */
	uint32_t *by_last, *by_first, *always;
	uint32_t last_at[257], first_at[257];
	size_t nalways, npairs, nslots;
	uint32_t pair_glob[GLOB_MAX_PAIRS];   /* the globs by pair, ascending */
	/* pair_mask[pair_slot[pair(a, b)]]: bit k for pair_glob[k] when the
	 * glob requires a pair folded to pair(a, b); slot 0 is empty. */
	uint64_t pair_mask[GLOB_MAX_PAIRS + 1];
	uint8_t pair_slot[PAIR_BITS];
};

static inline char lower(char c)
{
	return (unsigned char)(c - 'A') < 26 ? (char)(c + 32) : c;
}

/* The pair (a, b) of adjacent characters, folded: the same for any case
 * of a and b (c | 0x20 is lower(c) | 0x20), so a subject need not be
 * lowercased to find its pairs. */
static inline unsigned pair(char a, char b)
{
	return (((unsigned)(unsigned char)(a | 0x20) << 5) ^ (unsigned char)(b | 0x20)) &
	       (PAIR_BITS - 1);
}

/* How rarely c is seen in object names, roughly: letters by their
 * frequency in English, digits and separators never rare. */
static int rarity(char c)
{
	static const char letters[] = "etaoinsrhldcumfpgwybvkxjqz";
	const char *at = c ? strchr(letters, c) : NULL;

	if (at)
		return (int)(at - letters) + 1;
	return (c >= '0' && c <= '9') || strchr("./-_ ", c) ? 0 : (int)sizeof(letters);
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
	return 0;
}

enum { BY_LAST, BY_FIRST, BY_PAIR, ALWAYS };

/* Which list glob g goes to; for BY_PAIR, *pr is a pair it requires:
 * the rarest pair of adjacent characters in its pieces. */
static int kind_of(const struct glob *g, unsigned *pr)
{
	int best = -1;

	if (g->fallback || g->slash || !g->npieces)
		return ALWAYS;
	if (!g->star_end)
		return BY_LAST;
	if (!g->star_start)
		return BY_FIRST;
	for (size_t i = 0; i < g->npieces; i++) {
		const char *s = g->lit + g->off[i];

		for (size_t k = 1; k < g->len[i]; k++) {
			int r = rarity(s[k - 1]) + rarity(s[k]);

			if (r > best) {
				best = r;
				*pr = pair(s[k - 1], s[k]);
			}
		}
	}
	return best < 0 ? ALWAYS : BY_PAIR;
}

/* The byte the glob's list is keyed by (BY_LAST, BY_FIRST). */
static unsigned char key_of(const struct glob *g, int kind)
{
	size_t l = (size_t)g->npieces - 1;

	if (kind == BY_LAST)
		return (unsigned char)g->lit[g->off[l] + g->len[l] - 1];
	return (unsigned char)g->lit[0];
}

/* at[c] = where the globs keyed by c start in list; counts first, then
 * the globs themselves in list order. */
static void bucket(struct globs *g, int kind, uint32_t *at, uint32_t *list)
{
	uint32_t fill[256];
	unsigned pr;

	memset(at, 0, 257 * sizeof(*at));
	for (size_t i = 0; i < g->n; i++)
		if (kind_of(&g->v[i], &pr) == kind)
			at[key_of(&g->v[i], kind) + 1]++;
	for (size_t c = 0; c < 256; c++)
		at[c + 1] += at[c];
	memcpy(fill, at, sizeof(fill));
	for (size_t i = 0; i < g->n; i++)
		if (kind_of(&g->v[i], &pr) == kind)
			list[fill[key_of(&g->v[i], kind)]++] = (uint32_t)i;
}

static int index_build(struct globs *g)
{
	size_t m = g->n ? g->n : 1;
	unsigned pr = 0;

	g->by_last = malloc(m * sizeof(*g->by_last));
	g->by_first = malloc(m * sizeof(*g->by_first));
	g->always = malloc(m * sizeof(*g->always));
	if (!g->by_last || !g->by_first || !g->always)
		return -ENOMEM;
	bucket(g, BY_LAST, g->last_at, g->by_last);
	bucket(g, BY_FIRST, g->first_at, g->by_first);
	for (size_t i = 0; i < g->n; i++) {
		int kind = kind_of(&g->v[i], &pr);

		if (kind == BY_PAIR && g->npairs < GLOB_MAX_PAIRS) {
			if (!g->pair_slot[pr])
				g->pair_slot[pr] = (uint8_t)++g->nslots;
			g->pair_mask[g->pair_slot[pr]] |= 1ull << g->npairs;
			g->pair_glob[g->npairs++] = (uint32_t)i;
		} else if (kind == BY_PAIR || kind == ALWAYS) {
			g->always[g->nalways++] = (uint32_t)i;
		}
	}
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
	if (index_build(g) < 0)
		goto fail;
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
	free(g->by_last);
	free(g->by_first);
	free(g->always);
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

/* The star-both globs (bits over pair_glob) whose pair s[0..n) holds. */
static uint64_t pairs_in(const struct globs *g, const char *s, size_t n)
{
	uint64_t m = 0;

	for (size_t i = 1; i < n; i++)
		m |= g->pair_mask[g->pair_slot[pair(s[i - 1], s[i])]];
	return m;
}

/* The first of list[0..n) below best that matches s[0..ns), or best. */
static size_t first_of(const struct globs *g, const uint32_t *list, size_t n, const char *s,
		       size_t ns, size_t best)
{
	for (size_t k = 0; k < n && list[k] < best; k++)
		if (match(&g->v[list[k]], s, ns))
			return list[k];
	return best;
}

/* Every glob in list order by fnmatch(), for a subject too long for the
 * buffer. */
static const char *first_plain(const struct globs *g, const char *whole, const char *base)
{
	for (size_t i = 0; i < g->n; i++) {
		const struct glob *p = &g->v[i];

		if (fnmatch(p->pat, whole && p->slash ? whole : base, FNM_CASEFOLD) == 0)
			return p->pat;
	}
	return NULL;
}

/* The first glob of the always list below best, or best. */
static size_t first_always(const struct globs *g, const char *whole, const char *base,
			   const char *lb, size_t nb, size_t best)
{
	char lw[GLOB_SUBJECT_MAX];
	size_t nw = 0;

	if (whole && g->any_slash)
		nw = lower_copy(lw, whole);
	for (size_t k = 0; k < g->nalways && g->always[k] < best; k++) {
		const struct glob *p = &g->v[g->always[k]];
		int by_whole = whole && p->slash;
		size_t n = by_whole ? nw : nb;

		if (n > GLOB_SUBJECT_MAX || p->fallback) {
			if (fnmatch(p->pat, by_whole ? whole : base, FNM_CASEFOLD) == 0)
				return g->always[k];
		} else if (match(p, by_whole ? lw : lb, n)) {
			return g->always[k];
		}
	}
	return best;
}

/* globs__first() once some glob may match base[0..nb): cand are the
 * star-both globs that may, nlast and nfirst the lengths of the lists of
 * those ending in cl and starting with cf. */
static const char *first_match(const struct globs *g, const char *whole, const char *base,
			       size_t nb, uint64_t cand, unsigned char cl, unsigned char cf)
{
	char lb[GLOB_SUBJECT_MAX];
	size_t best;

	for (size_t i = 0; i < nb; i++)
		lb[i] = lower(base[i]);
	best = first_of(g, g->by_last + g->last_at[cl], g->last_at[cl + 1] - g->last_at[cl], lb,
			nb, g->n);
	best = first_of(g, g->by_first + g->first_at[cf], g->first_at[cf + 1] - g->first_at[cf],
			lb, nb, best);
	for (; cand; cand &= cand - 1) {
		size_t i = g->pair_glob[__builtin_ctzll(cand)];

		if (i >= best)
			break;
		if (match(&g->v[i], lb, nb)) {
			best = i;
			break;
		}
	}
	if (g->nalways && g->always[0] < best)
		best = first_always(g, whole, base, lb, nb, best);
	return best < g->n ? g->v[best].pat : NULL;
}

const char *globs__first(const struct globs *g, const char *whole, const char *base)
{
	uint64_t cand = 0;
	size_t nb;
	unsigned char cl = 0, cf = 0;

	if (!g->n)
		return NULL;
	nb = strnlen(base, GLOB_SUBJECT_MAX + 1);
	if (nb > GLOB_SUBJECT_MAX)
		return first_plain(g, whole, base);
	if (nb) {
		cl = (unsigned char)lower(base[nb - 1]);
		cf = (unsigned char)lower(base[0]);
		if (g->npairs)
			cand = pairs_in(g, base, nb);
	}
	/* The usual answer: no glob can match, known without a copy. */
	if (!cand && !g->nalways && g->last_at[cl + 1] == g->last_at[cl] &&
	    g->first_at[cf + 1] == g->first_at[cf])
		return NULL;
	return first_match(g, whole, base, nb, cand, cl, cf);
}
