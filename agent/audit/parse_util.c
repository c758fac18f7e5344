/* Helpers shared by the format parsers: input checks (UTF-8, NUL, length),
 * line iteration, per-record interning, event delivery and field decoding.
 * See audit_internal.h. */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "audit/audit_internal.h"
#include "lib/fasthash.h"
#include "lib/memeq.h"
#include "audit/jsonarena.h"

#if defined(__x86_64__) && defined(__SSE2__)
#include <immintrin.h>
#endif

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

/* A high bit in each byte of w that is zero or not ASCII (only the lowest
 * such byte is exact, which is all a yes/no needs). */
static inline uint64_t odd_bytes(uint64_t w)
{
	return (w | ((w - ONES) & ~w)) & HIGHS;
}

/* A 32-byte and an 8-byte ASCII fast path, then a strict decoder (no
 * overlongs, no surrogates, nothing past U+10FFFF). Log lines are mostly
 * ASCII, and this check sees every byte of a text log. */
int utf8__valid(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	uint64_t w, x, y, z;

	while (end - p >= 32) {
		memcpy(&w, p, 8);
		memcpy(&x, p + 8, 8);
		memcpy(&y, p + 16, 8);
		memcpy(&z, p + 24, 8);
		if (odd_bytes(w) | odd_bytes(x) | odd_bytes(y) | odd_bytes(z))
			break;
		p += 32;
	}
	while (p < end) {
		if (end - p >= 8) {
			memcpy(&w, p, 8);
			/* All ASCII and no zero byte. */
			if (!odd_bytes(w)) {
				p += 8;
				continue;
			}
		}
		if (*p == 0)
			return 0;
		if (*p < 0x80) {
			p++;
			continue;
		}
		if (*p >= 0xc2 && *p <= 0xdf) {
			if (end - p < 2 || (p[1] & 0xc0) != 0x80)
				return 0;
			p += 2;
		} else if (*p >= 0xe0 && *p <= 0xef) {
			if (end - p < 3 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
			    (*p == 0xe0 && p[1] < 0xa0) || (*p == 0xed && p[1] > 0x9f))
				return 0;
			p += 3;
		} else if (*p >= 0xf0 && *p <= 0xf4) {
			if (end - p < 4 || (p[1] & 0xc0) != 0x80 || (p[2] & 0xc0) != 0x80 ||
			    (p[3] & 0xc0) != 0x80 || (*p == 0xf0 && p[1] < 0x90) ||
			    (*p == 0xf4 && p[1] > 0x8f))
				return 0;
			p += 4;
		} else {
			return 0;
		}
	}
	return 1;
}

/* One hash of the bytes serves the cache (its high bits) and the pool (its
 * low bits): a miss here costs no second pass over the string. h is that
 * hash when the caller has it (audit_ctx__prefetch), else NULL. */
static const char *intern(struct audit_ctx *c, const char *s, size_t len, int check,
			  int *bad_bytes, const uint64_t *h)
{
	struct audit_intern_ent *e;
	const char *p;
	uint64_t hash;

	if (len > AUDIT_MAX_FIELD) {
		*bad_bytes = 1;
		return NULL;
	}
	hash = h ? *h : gw_fasthash(0, s, len);
	e = &c->icache[(size_t)(hash >> 48) & (AUDIT_INTERN_CACHE - 1)];
	/* the same bytes as a string already checked and interned */
	if (e->len == len && e->s && gw_mem_eq(e->s, s, len))
		return e->s;
	if (check && !utf8__valid(s, len)) {
		*bad_bytes = 1;
		return NULL;
	}
	p = strpool__intern_hashed(c->pool, s, len, hash);
	if (p) {
		e->s = p;
		e->len = len;
	}
	return p;
}

uint64_t audit_ctx__prefetch(struct audit_ctx *c, const char *s, size_t len)
{
	uint64_t h = gw_fasthash(0, s, len);

	__builtin_prefetch(&c->icache[(size_t)(h >> 48) & (AUDIT_INTERN_CACHE - 1)]);
	strpool__prefetch(c->pool, h);
	return h;
}

const char *audit_ctx__intern(struct audit_ctx *c, const char *s, size_t len, int *bad_bytes)
{
	return intern(c, s, len, 1, bad_bytes, NULL);
}

_Static_assert((AUDIT_MEMO & (AUDIT_MEMO - 1)) == 0, "AUDIT_MEMO is a power of two");

/* A set of two entries, by the top bits of the pointer's product (its
 * best mixed): with one entry a set, two names of a piece that fell in one
 * set took turns evicting each other, and one of them was matched word by
 * word on every record. A miss moves the set's first entry to the second. */
int audit_ctx__memo(struct audit_ctx *c, const char *api, int (*fn)(const char *))
{
	uint64_t h = (uint64_t)(uintptr_t)api * 0x9e3779b97f4a7c15ULL;
	struct audit_memo_ent *e = &c->memo[(size_t)(h >> 56) % AUDIT_MEMO & ~(size_t)1];
	int v;

	if (e[0].s == api && e[0].fn == fn)
		return e[0].v;
	if (e[1].s == api && e[1].fn == fn)
		return e[1].v;
	v = fn(api);
	e[1] = e[0];
	e[0].s = api;
	e[0].fn = fn;
	e[0].v = v;
	return v;
}

void audit_ctx__forget(struct audit_ctx *c)
{
	memset(c->icache, 0, sizeof(c->icache));
	memset(c->memo, 0, sizeof(c->memo));
	memset(c->last, 0, sizeof(c->last));
	memset(c->qcache, 0, sizeof(c->qcache));
}

static const char *rec_intern(struct rec_strs *r, const char *s, size_t len, int check,
			      const uint64_t *h)
{
	const char *p;
	int bad_bytes = 0;

	if (len == 0 || r->bad)
		return "";
	p = intern(r->c, s, len, check, &bad_bytes, h);
	if (!p) {
		r->bad = !bad_bytes ? "out of memory" : len > AUDIT_MAX_FIELD ?
			"field longer than 16 KiB" : "invalid UTF-8 or NUL byte";
		r->bad_bytes = bad_bytes;
		return "";
	}
	return p;
}

const char *rec__intern(struct rec_strs *r, const char *s, size_t len)
{
	return rec_intern(r, s, len, 1, NULL);
}

const char *rec__intern_valid(struct rec_strs *r, const char *s, size_t len)
{
	return rec_intern(r, s, len, 0, NULL);
}

const char *rec__intern_hashed(struct rec_strs *r, const char *s, size_t len, int check,
				uint64_t h)
{
	return rec_intern(r, s, len, check, &h);
}

/* The qcache's slot for s[0..len) (len > 0). */
static size_t qcache_slot(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	uint64_t a, b, m = 0;

	if (len >= 8) {
		a = gw_fh_rd8(p);
		b = gw_fh_rd8(p + len - 8);
		if (len >= 16)
			m = gw_fh_rd8(p + len / 2 - 4);
	} else if (len >= 4) {
		a = gw_fh_rd4(p);
		b = gw_fh_rd4(p + len - 4);
	} else {
		a = (uint64_t)p[0] << 16 | (uint64_t)p[len / 2] << 8 | p[len - 1];
		b = 0;
	}
	a = (a ^ len) * 0x9e3779b97f4a7c15ULL;
	b = (b ^ m * 0xc2b2ae3d27d4eb4fULL) * 0xff51afd7ed558ccdULL;
	return (size_t)((a ^ b) >> 56) % AUDIT_QCACHE;
}

static const char *intern_last(struct rec_strs *r, unsigned slot, const char *s, size_t len,
			       int *hit, const uint64_t *h)
{
	struct audit_last *e = &r->c->last[slot];
	struct audit_intern_ent *q = NULL;
	const char *p;

	if (e->s && e->len == len && gw_mem_eq(e->s, s, len) && !r->bad) {
		if (hit)
			*hit = 1;
		return e->s;
	}
	if (hit)
		*hit = 0;
	/* with a hash at hand (h), the pool's cache is as cheap */
	if (!h && len && !r->bad) {
		q = &r->c->qcache[qcache_slot(s, len)];
		if (q->len == len && q->s && gw_mem_eq(q->s, s, len)) {
			e->s = q->s;
			e->len = len;
			return q->s;
		}
	}
	p = rec_intern(r, s, len, 0, h);
	if (*p) {
		e->s = p;
		e->len = len;
		if (q) {
			q->s = p;
			q->len = len;
		}
	}
	return p;
}

const char *rec__intern_last(struct rec_strs *r, unsigned slot, const char *s, size_t len,
			     int *hit)
{
	return intern_last(r, slot, s, len, hit, NULL);
}

const char *rec__intern_last_hashed(struct rec_strs *r, unsigned slot, const char *s, size_t len,
				    uint64_t h)
{
	return intern_last(r, slot, s, len, NULL, &h);
}

const char *rec__unique(struct rec_strs *r, const char *s, size_t len)
{
	if (len && !r->bad && len <= AUDIT_MAX_FIELD && !utf8__valid(s, len)) {
		r->bad = "invalid UTF-8 or NUL byte";
		r->bad_bytes = 1;
	}
	return rec__unique_valid(r, s, len);
}

const char *rec__unique_valid(struct rec_strs *r, const char *s, size_t len)
{
	const char *p;

	if (len == 0 || r->bad)
		return "";
	if (len > AUDIT_MAX_FIELD) {
		r->bad = "field longer than 16 KiB";
		r->bad_bytes = 1;
		return "";
	}
	p = strpool__copy(r->c->pool, s, len);
	if (!p)
		r->bad = "out of memory";
	return p ? p : "";
}

const char *rec__intern_str(struct rec_strs *r, const char *s)
{
	return rec__intern(r, s, s ? strlen(s) : 0);
}

int audit_ctx__emit(struct audit_ctx *c, const struct audit_event *ev)
{
	return audit_ctx__emit_id(c, ev, ev->request_id, strlen(ev->request_id));
}

int audit_ctx__emit_id(struct audit_ctx *c, const struct audit_event *ev, const char *id,
		       size_t len)
{
	uint64_t key = 0;

	if ((c->flags & AUDIT_READ_DEFER_DEDUP) || !(c->flags & AUDIT_READ_PEEK))
		key = audit_dedup__key(ev, id, len);
	return audit_ctx__emit_key(c, ev, key);
}

int audit_ctx__emit_key(struct audit_ctx *c, const struct audit_event *ev, uint64_t key)
{
	struct audit_stats *st = c->st;
	struct audit_event keyed;
	void *arena;
	int err;

	if (c->flags & AUDIT_READ_DEFER_DEDUP) {
		keyed = *ev;
		keyed.dedup_key = key;
		ev = &keyed;
	} else if (!(c->flags & AUDIT_READ_PEEK) && audit_dedup__seen_key(key, ev->time_ms)) {
		st->duplicates++;
		return 0;
	}
	if (st->events == 0 || ev->time_ms < st->first_ms)
		st->first_ms = ev->time_ms;
	if (st->events == 0 || ev->time_ms > st->last_ms)
		st->last_ms = ev->time_ms;
	st->events++;
	arena = json_arena__suspend();
	err = c->cb(ev, c->cb_ctx);
	json_arena__resume(arena);
	return err;
}

int rec__finish(struct rec_strs *r, const struct audit_event *ev, size_t off)
{
	if (r->bad) {
		r->c->st->skip_bad_bytes += r->bad_bytes ? 1 : 0;
		audit_ctx__skip_at(r->c, off, "%s", r->bad);
		return 0;
	}
	return audit_ctx__emit(r->c, ev);
}

int rec__finish_key(struct rec_strs *r, const struct audit_event *ev, size_t off, uint64_t key)
{
	if (r->bad) {
		r->c->st->skip_bad_bytes += r->bad_bytes ? 1 : 0;
		audit_ctx__skip_at(r->c, off, "%s", r->bad);
		return 0;
	}
	return audit_ctx__emit_key(r->c, ev, key);
}

static void skip_line(struct audit_ctx *c, size_t off, const char *why)
{
	c->st->records++;
	c->st->skip_bad_bytes++;
	audit_ctx__skip_at(c, off, "%s", why);
}

/* The offset in s[0..n) of its first newline, NUL or non-ASCII byte, or n:
 * the newline search and the common case of the UTF-8 check in one pass. */
static size_t ascii_until_nl(const char *s, size_t n)
{
	size_t i = 0;

#if defined(__SSE2__)
	const __m128i nl = _mm_set1_epi8('\n'), zero = _mm_setzero_si128();

	/* 64 bytes a step while nothing is found: one movemask for four loads */
	for (; i + 64 <= n; i += 64) {
		const __m128i *q = (const __m128i *)(const void *)(s + i);
		__m128i a = _mm_loadu_si128(q), b = _mm_loadu_si128(q + 1);
		__m128i c = _mm_loadu_si128(q + 2), d = _mm_loadu_si128(q + 3);
		__m128i hit = _mm_or_si128(_mm_or_si128(a, b), _mm_or_si128(c, d));

		hit = _mm_or_si128(hit, _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(a, nl), _mm_cmpeq_epi8(b, nl)),
						      _mm_or_si128(_mm_cmpeq_epi8(c, nl), _mm_cmpeq_epi8(d, nl))));
		hit = _mm_or_si128(hit, _mm_cmpeq_epi8(_mm_min_epu8(_mm_min_epu8(a, b), _mm_min_epu8(c, d)),
						       zero));
		if (_mm_movemask_epi8(hit))
			break;   /* the 16-byte loop finds where */
	}
	for (; i + 16 <= n; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
		/* the high bit of v marks a non-ASCII byte */
		unsigned m = (unsigned)_mm_movemask_epi8(
			_mm_or_si128(v, _mm_or_si128(_mm_cmpeq_epi8(v, nl), _mm_cmpeq_epi8(v, zero))));

		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
#else
	for (; i + 8 <= n; i += 8) {
		uint64_t w, x;

		memcpy(&w, s + i, 8);
		x = w ^ (ONES * '\n');
		if (odd_bytes(w) | ((x - ONES) & ~x & HIGHS))
			break;   /* the byte loop finds which */
	}
#endif
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == 0 || ch >= 0x80)
			return i;
	}
	return n;
}

#if defined(__x86_64__) && defined(__SSE2__)
/* ascii_until_nl with AVX2, where the CPU has it: 64 bytes a step in two
 * loads, not four. Every byte of a text log passes here once. */
__attribute__((target("avx2"))) static size_t ascii_until_nl_avx2(const char *s, size_t n)
{
	const __m256i nl = _mm256_set1_epi8('\n'), zero = _mm256_setzero_si256();
	size_t i = 0;
	unsigned m;

	for (; i + 64 <= n; i += 64) {
		__m256i a = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));
		__m256i b = _mm256_loadu_si256((const __m256i *)(const void *)(s + i + 32));
		__m256i hit = _mm256_or_si256(_mm256_or_si256(a, b),
					      _mm256_or_si256(_mm256_cmpeq_epi8(a, nl),
							      _mm256_cmpeq_epi8(b, nl)));

		hit = _mm256_or_si256(hit, _mm256_cmpeq_epi8(_mm256_min_epu8(a, b), zero));
		if (_mm256_movemask_epi8(hit))
			break;   /* the 32-byte loop finds where */
	}
	for (; i + 32 <= n; i += 32) {
		__m256i v = _mm256_loadu_si256((const __m256i *)(const void *)(s + i));

		m = (unsigned)_mm256_movemask_epi8(_mm256_or_si256(
			v, _mm256_or_si256(_mm256_cmpeq_epi8(v, nl), _mm256_cmpeq_epi8(v, zero))));
		if (m)
			return i + (size_t)__builtin_ctz(m);
	}
	for (; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\n' || ch == 0 || ch >= 0x80)
			return i;
	}
	return n;
}

static size_t ascii_scan(const char *s, size_t n)
{
	return __builtin_cpu_supports("avx2") ? ascii_until_nl_avx2(s, n) : ascii_until_nl(s, n);
}
#else
#define ascii_scan ascii_until_nl
#endif

int audit_lines__each(struct audit_ctx *c, const char *buf, size_t len, audit_line_fn fn)
{
	size_t pos = 0, n;
	uint64_t lines = 0;
	const char *nl;
	int err;

	if (c->base == 0 && len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		pos = 3;
	while (pos < len) {
		/* ASCII up to stop: only what lies past it needs the decoder */
		size_t stop = ascii_scan(buf + pos, len - pos);

		if (stop < len - pos && buf[pos + stop] == '\n')
			nl = buf + pos + stop;
		else if (stop < len - pos)
			nl = memchr(buf + pos + stop, '\n', len - pos - stop);
		else
			nl = NULL;
		n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
		if (n > 0 && buf[pos + n - 1] == '\r')
			n--;
		if (n == 0) {
			/* empty line */
		} else if (n > AUDIT_MAX_LINE) {
			skip_line(c, pos, "line longer than 1 MiB");
		} else if (stop < n && !utf8__valid(buf + pos + stop, n - stop)) {
			skip_line(c, pos, "NUL byte or invalid UTF-8");
		} else {
			err = fn(c, buf + pos, n, pos);
			if (err)
				return err;
		}
		lines += nl != NULL;
		pos = nl ? (size_t)(nl - buf) + 1 : len;
	}
	c->chunk_lines = lines;
	return 0;
}

size_t audit_lines__chunk(struct audit_ctx *c, const char *buf, size_t len, int final,
			  audit_line_fn fn, int *err)
{
	const char *nl;

	if (!final) {
		nl = memrchr(buf, '\n', len);
		if (!nl)
			return 0;
		len = (size_t)(nl - buf) + 1;
	}
	*err = audit_lines__each(c, buf, len, fn);
	return len;
}

void audit_buf__blank_nul_lines(struct audit_ctx *c, char *buf, size_t len)
{
	char *p = memchr(buf, '\0', len), *end = buf + len, *b, *e;

	while (p) {
		b = p;
		while (b > buf && b[-1] != '\n')
			b--;
		e = memchr(p, '\n', (size_t)(end - p));
		if (!e)
			e = end;
		skip_line(c, (size_t)(b - buf), "NUL byte");
		memset(b, ' ', (size_t)(e - b));
		p = e < end ? memchr(e, '\0', (size_t)(end - e)) : NULL;
	}
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

size_t audit__url_decode(const char *s, size_t len, char *out)
{
	size_t o = 0;
	int hi, lo;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '%' && i + 2 < len && (hi = hexval(s[i + 1])) >= 0 &&
		    (lo = hexval(s[i + 2])) >= 0) {
			out[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else {
			out[o++] = s[i];
		}
	}
	out[o] = '\0';
	return o;
}

size_t audit__html_decode(const char *s, size_t len, char *out)
{
	static const struct {
		const char *ent;
		size_t n;
		char ch;
	} ents[] = { { "&quot;", 6, '"' }, { "&amp;", 5, '&' }, { "&lt;", 4, '<' },
		     { "&gt;", 4, '>' }, { "&apos;", 6, '\'' } };
	size_t o = 0, k;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '&') {
			for (k = 0; k < sizeof(ents) / sizeof(ents[0]); k++)
				if (len - i >= ents[k].n && memcmp(s + i, ents[k].ent, ents[k].n) == 0)
					break;
			if (k < sizeof(ents) / sizeof(ents[0])) {
				out[o++] = ents[k].ch;
				i += ents[k].n - 1;
				continue;
			}
		}
		out[o++] = s[i];
	}
	out[o] = '\0';
	return o;
}

static int is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return 1;
}

int audit__aws_instance_session(const char *arn, size_t n)
{
	const char *role = audit__find_word(arn, n, ":assumed-role/", 14), *sess;
	size_t rn, sn;

	if (!role)
		return 0;
	role += 14;
	sess = memchr(role, '/', n - (size_t)(role - arn));
	if (!sess)
		return 0;
	rn = (size_t)(sess - role);
	sess++;
	sn = n - (size_t)(sess - arn);
	if (sn > 2 && sess[0] == 'i' && sess[1] == '-' && (sn == 10 || sn == 19) &&
	    is_hex(sess + 2, sn - 2))
		return 1;
	/* Role names that say what they are: ...-instance-profile, InstanceProfile... */
	for (size_t i = 0; i + 15 <= rn; i++)
		if (strncasecmp(role + i, "instanceprofile", 15) == 0 ||
		    (i + 16 <= rn && strncasecmp(role + i, "instance-profile", 16) == 0) ||
		    (i + 16 <= rn && strncasecmp(role + i, "instance_profile", 16) == 0))
			return 1;
	return 0;
}

const char *audit__arn_account(const char *arn, size_t n, size_t *len)
{
	const char *p = arn, *e = arn + n, *c;

	*len = 0;
	if (n < 4 || memcmp(arn, "arn:", 4) != 0)
		return "";
	for (int field = 0; field < 4; field++) {
		c = memchr(p, ':', (size_t)(e - p));
		if (!c)
			return "";
		p = c + 1;
	}
	c = memchr(p, ':', (size_t)(e - p));
	if (!c)
		return "";
	*len = (size_t)(c - p);
	return p;
}
