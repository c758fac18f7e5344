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
 * ending in its last two characters, one that starts with a literal (and
 * ends in '*') only on subjects starting with its first two, and one with
 * a star at both ends (or a one-character literal end) only when the
 * subject holds the start of its longest piece, found for all of them at
 * once in the manner of Wu and Manber (a table of pairs of characters says
 * how far the end of a window may jump ahead). The rest (fnmatch globs,
 * globs with a '/', "*", "", globs too short to index) are tried on every
 * subject. The first match in list order is the lowest index that any of
 * these lists matches. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define GLOB_MAX_PIECES 16
#define GLOB_SUBJECT_MAX 1024
#define GLOB_MAX_PAIRS 64         /* star-both globs indexed by a piece; the rest are tried always */
#define PAIR_BITS 4096
#define WM_MIN 3                  /* shorter pieces are not indexed */
#define WM_MAX 8                  /* the length of a piece's start that is searched */
#define KEYS 256

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
	/* The index: glob numbers in list order. by_last[last_at[k] ..
	 * last_at[k + 1]) are the globs whose literal end has key k (key2()
	 * of its last two characters), by_first likewise for the first two of
	 * those that end in '*'. */
	uint32_t *by_last, *by_first, *always;
	uint32_t last_at[KEYS + 1], first_at[KEYS + 1];
	size_t nalways, npairs, nslots, wm_len;
	uint32_t pair_glob[GLOB_MAX_PAIRS];   /* the star-both globs indexed, ascending */
	/* Their pieces' starts, wm_len characters each: a window of the
	 * subject ending in the pair folded to p may move wm_shift[p] ahead;
	 * at 0, pair_mask[pair_slot[p]] has bit k for each pair_glob[k] whose
	 * start ends in such a pair (slot 0 is empty). */
	uint64_t pair_mask[GLOB_MAX_PAIRS + 1];
	uint8_t pair_slot[PAIR_BITS], wm_shift[PAIR_BITS];
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

/* The key of the lowercase characters a, b that end or start a literal,
 * for by_last and by_first. */
static inline unsigned key2(char a, char b)
{
	return ((unsigned)(unsigned char)a * 31u + (unsigned char)b) & (KEYS - 1);
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

/* The piece that indexes a glob by the pairs in it: its longest. */
static size_t longest(const struct glob *g)
{
	size_t best = 0;

	for (size_t i = 1; i < g->npieces; i++)
		if (g->len[i] > g->len[best])
			best = i;
	return best;
}

/* Which list glob g goes to, and for BY_LAST and BY_FIRST its key: a
 * subject matches only if its key2() of the same end is that key. A glob
 * whose literal end is one character (after a star) is indexed by its
 * longest piece, as the star-both ones are, if it is long enough. */
static int kind_of(const struct glob *g, unsigned *key)
{
	const char *lit = g->lit;
	size_t l = (size_t)g->npieces - 1;

	if (g->fallback || g->slash || !g->npieces)
		return ALWAYS;
	if (!g->star_end) {
		lit += g->off[l] + g->len[l];
		if (g->len[l] >= 2 || (!l && !g->star_start)) {
			/* one character without a star: the whole subject */
			*key = key2(g->len[l] >= 2 ? lit[-2] : 0, lit[-1]);
			return BY_LAST;
		}
	} else if (!g->star_start && g->len[0] >= 2) {
		*key = key2(lit[0], lit[1]);
		return BY_FIRST;
	}
	return g->len[longest(g)] >= WM_MIN ? BY_PAIR : ALWAYS;
}

/* at[k] = where the globs of that kind keyed by k start in list: counts
 * first, then the globs themselves in list order. */
static void bucket(struct globs *g, int kind, uint32_t *at, uint32_t *list)
{
	uint32_t fill[KEYS];
	unsigned key = 0;

	memset(at, 0, (KEYS + 1) * sizeof(*at));
	for (size_t i = 0; i < g->n; i++)
		if (kind_of(&g->v[i], &key) == kind)
			at[key + 1]++;
	for (size_t k = 0; k < KEYS; k++)
		at[k + 1] += at[k];
	memcpy(fill, at, sizeof(fill));
	for (size_t i = 0; i < g->n; i++)
		if (kind_of(&g->v[i], &key) == kind)
			list[fill[key]++] = (uint32_t)i;
}

/* The shift table over the first wm_len characters of the indexed
 * globs' longest pieces. */
static void wm_build(struct globs *g)
{
	size_t m = WM_MAX;

	for (size_t k = 0; k < g->npairs; k++) {
		const struct glob *p = &g->v[g->pair_glob[k]];

		if (p->len[longest(p)] < m)
			m = p->len[longest(p)];
	}
	g->wm_len = m;
	memset(g->wm_shift, (int)(m - 1), sizeof(g->wm_shift));
	for (size_t k = 0; k < g->npairs; k++) {
		const struct glob *p = &g->v[g->pair_glob[k]];
		const char *s = p->lit + p->off[longest(p)];

		for (size_t j = 1; j < m; j++) {
			unsigned pr = pair(s[j - 1], s[j]);

			if (m - 1 - j < g->wm_shift[pr])
				g->wm_shift[pr] = (uint8_t)(m - 1 - j);
		}
		unsigned pr = pair(s[m - 2], s[m - 1]);

		if (!g->pair_slot[pr])
			g->pair_slot[pr] = (uint8_t)++g->nslots;
		g->pair_mask[g->pair_slot[pr]] |= 1ull << k;
	}
}

static int index_build(struct globs *g)
{
	size_t m = g->n ? g->n : 1;
	unsigned key = 0;

	g->by_last = malloc(m * sizeof(*g->by_last));
	g->by_first = malloc(m * sizeof(*g->by_first));
	g->always = malloc(m * sizeof(*g->always));
	if (!g->by_last || !g->by_first || !g->always)
		return -ENOMEM;
	bucket(g, BY_LAST, g->last_at, g->by_last);
	bucket(g, BY_FIRST, g->first_at, g->by_first);
	for (size_t i = 0; i < g->n; i++) {
		int kind = kind_of(&g->v[i], &key);

		if (kind == BY_PAIR && g->npairs < GLOB_MAX_PAIRS)
			g->pair_glob[g->npairs++] = (uint32_t)i;
		else if (kind == BY_PAIR || kind == ALWAYS)
			g->always[g->nalways++] = (uint32_t)i;
	}
	if (g->npairs)
		wm_build(g);
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

/* The indexed star-both globs (bits over pair_glob) whose pieces' starts
 * s[0..n) may hold: a window of wm_len characters ends at pos; where its
 * last pair ends no start, it moves on as far as wm_shift allows. */
static uint64_t pairs_in(const struct globs *g, const char *s, size_t n)
{
	uint64_t m = 0;

	for (size_t pos = g->wm_len - 1; pos < n;) {
		unsigned pr = pair(s[pos - 1], s[pos]), sh = g->wm_shift[pr];

		if (sh) {
			pos += sh;
		} else {
			m |= g->pair_mask[g->pair_slot[pr]];
			pos++;
		}
	}
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
 * star-both globs that may, last and first the by_last and by_first
 * entries [at, at + n) of those with a literal end of base's. */
static const char *first_match(const struct globs *g, const char *whole, const char *base,
			       size_t nb, uint64_t cand, const uint32_t last[2],
			       const uint32_t first[2])
{
	char lb[GLOB_SUBJECT_MAX];
	size_t best;

	for (size_t i = 0; i < nb; i++)
		lb[i] = lower(base[i]);
	best = first_of(g, g->by_last + last[0], last[1], lb, nb, g->n);
	best = first_of(g, g->by_first + first[0], first[1], lb, nb, best);
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
	uint32_t last[2] = { 0, 0 }, first[2] = { 0, 0 };
	uint64_t cand = 0;
	size_t nb;
	unsigned k;

	if (!g->n)
		return NULL;
	nb = strnlen(base, GLOB_SUBJECT_MAX + 1);
	if (nb > GLOB_SUBJECT_MAX)
		return first_plain(g, whole, base);
	if (nb) {
		k = key2(nb > 1 ? lower(base[nb - 2]) : 0, lower(base[nb - 1]));
		last[0] = g->last_at[k];
		last[1] = g->last_at[k + 1] - last[0];
	}
	if (nb > 1) {
		k = key2(lower(base[0]), lower(base[1]));
		first[0] = g->first_at[k];
		first[1] = g->first_at[k + 1] - first[0];
		if (g->npairs)
			cand = pairs_in(g, base, nb);
	}
	/* The usual answer: no glob can match, known without a copy. */
	if (!cand && !g->nalways && !last[1] && !first[1])
		return NULL;
	return first_match(g, whole, base, nb, cand, last, first);
}
