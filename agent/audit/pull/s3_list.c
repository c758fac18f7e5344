/* ListObjectsV2: the request (query parameters in SigV4's sorted order) and
 * a scanner for the answer. See s3pull.h. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "audit/pull/s3.h"
#include "audit/pull/env.h"
#include "lib/log.h"

#define MAX_KEYS_PER_PAGE 10000
#define S3_MAX_KEY_BYTES 1024

void s3_list__free(struct s3_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
	free(l->token);
	memset(l, 0, sizeof(*l));
}

/* Append the UTF-8 bytes of code point cp to out at *o; -1 for a code point
 * XML does not allow in text (NUL, a surrogate, past U+10FFFF). */
static int put_utf8(char *out, size_t *o, unsigned long cp)
{
	if (cp == 0 || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
		return -1;
	if (cp < 0x80) {
		out[(*o)++] = (char)cp;
	} else if (cp < 0x800) {
		out[(*o)++] = (char)(0xC0 | (cp >> 6));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (cp >> 12));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (cp >> 18));
		out[(*o)++] = (char)(0x80 | ((cp >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (cp & 0x3F));
	}
	return 0;
}

/* Decode XML text of n bytes into out (room for n + 1): the five named
 * entities and the numeric references S3 uses for characters XML cannot
 * carry ("&#13;", "&#x0A;"; never longer than the reference). A raw NUL or
 * a reference to a character XML forbids is -1: no key S3 could list. */
static int xml_text(const char *s, size_t n, char *out)
{
	size_t o = 0, i = 0;

	if (memchr(s, '\0', n))
		return -1;
	while (i < n) {
		const char *ref = memmem(s + i, n - i, "&#", 2), *semi;
		unsigned long cp = 0;
		int hex;

		if (!ref)
			ref = s + n;
		o += audit__html_decode(s + i, (size_t)(ref - s) - i, out + o);
		i = (size_t)(ref - s);
		if (i == n)
			break;
		semi = memchr(ref, ';', n - i);
		hex = i + 2 < n && (ref[2] == 'x' || ref[2] == 'X');
		if (!semi || semi - ref > 12 || semi == ref + 2 + hex)
			return -1;
		for (const char *d = ref + 2 + hex; d < semi; d++) {
			int v = *d >= '0' && *d <= '9' ? *d - '0' :
				hex && *d >= 'a' && *d <= 'f' ? *d - 'a' + 10 :
				hex && *d >= 'A' && *d <= 'F' ? *d - 'A' + 10 : -1;

			if (v < 0)
				return -1;
			cp = cp * (hex ? 16 : 10) + (unsigned long)v;
		}
		if (put_utf8(out, &o, cp) < 0)
			return -1;
		i = (size_t)(semi - s) + 1;
	}
	out[o] = '\0';
	return (int)o;
}

/* The next <tag>...</tag> at or after *pos (which moves past it), decoded
 * into *out (malloc'd). 1 found, 0 none, -EBADMSG for an element opened and
 * never closed or text no key can hold, -ENOMEM. */
static int xml_elem(const char *xml, size_t len, size_t *pos, const char *tag, char **out)
{
	char open[64], close[64];
	const char *b, *e;

	*out = NULL;
	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	b = memmem(xml + *pos, len - *pos, open, strlen(open));
	if (!b)
		return 0;
	b += strlen(open);
	e = memmem(b, len - (size_t)(b - xml), close, strlen(close));
	if (!e)
		return -EBADMSG;
	*pos = (size_t)(e - xml) + strlen(close);
	*out = malloc((size_t)(e - b) + 1);
	if (!*out)
		return -ENOMEM;
	if (xml_text(b, (size_t)(e - b), *out) < 0) {
		free(*out);
		*out = NULL;
		return -EBADMSG;
	}
	return 1;
}

char *s3_xml__elem(const char *xml, size_t len, size_t *pos, const char *tag)
{
	char *out;

	return xml_elem(xml, len, pos, tag, &out) > 0 ? out : NULL;
}

static int list_add(struct s3_list *l, char *k)
{
	char **nk;

	/* S3 keys are 1 to 1024 bytes of UTF-8 */
	if (l->n == MAX_KEYS_PER_PAGE || !*k || strlen(k) > S3_MAX_KEY_BYTES) {
		free(k);
		return -EBADMSG;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;

		nk = realloc(l->keys, cap * sizeof(*nk));
		if (!nk) {
			free(k);
			return -ENOMEM;
		}
		l->keys = nk;
		l->cap = cap;
	}
	l->keys[l->n++] = k;
	return 0;
}

/* Does the answer end with its closing tag (a body cut short does not)? */
static int closed(const char *xml, size_t len)
{
	static const char end[] = "</ListBucketResult>";

	while (len && (xml[len - 1] == '\n' || xml[len - 1] == '\r' || xml[len - 1] == ' ' ||
		       xml[len - 1] == '\t'))
		len--;
	return len >= sizeof(end) - 1 && memcmp(xml + len - (sizeof(end) - 1), end,
						    sizeof(end) - 1) == 0;
}

int s3_list__parse(const char *xml, size_t len, struct s3_list *l)
{
	size_t pos = 0;
	char *k, *t;
	int err;

	if (!memmem(xml, len, "<ListBucketResult", 17) || !closed(xml, len))
		return -EBADMSG;
	while ((err = xml_elem(xml, len, &pos, "Key", &k)) > 0)
		if ((err = list_add(l, k)) < 0)
			return err;
	if (err < 0)
		return err;
	pos = 0;
	err = xml_elem(xml, len, &pos, "IsTruncated", &t);
	if (err <= 0)
		return err < 0 ? err : -EBADMSG;
	l->truncated = strcmp(t, "true") == 0;
	err = l->truncated || strcmp(t, "false") == 0 ? 0 : -EBADMSG;
	free(t);
	pos = 0;
	if (!err && xml_elem(xml, len, &pos, "NextContinuationToken", &l->token) < 0)
		err = -EBADMSG;
	if (!err && l->truncated && !l->token)
		err = -EBADMSG;
	return err;
}

static int add_param(char *q, size_t size, const char *name, const char *value)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = strlen(q);

	if (o + strlen(name) + 3 > size)
		return -ENAMETOOLONG;
	o += (size_t)snprintf(q + o, size - o, "%s%s=", o ? "&" : "", name);
	for (const unsigned char *p = (const unsigned char *)value; *p; p++) {
		if (o + 4 > size)
			return -ENAMETOOLONG;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~') {
			q[o++] = (char)*p;
		} else {
			q[o++] = '%';
			q[o++] = hex[*p >> 4];
			q[o++] = hex[*p & 15];
		}
	}
	q[o] = '\0';
	return 0;
}

int s3_list__query(char *q, size_t size, const char *token, const char *prefix,
		   const char *start_after, const char *page_size)
{
	int err = 0;

	q[0] = '\0';
	/* Sorted by name, as SigV4's canonical query string is. */
	if (token)
		err = add_param(q, size, "continuation-token", token);
	err = err ? err : add_param(q, size, "list-type", "2");
	err = err ? err : add_param(q, size, "max-keys", page_size);
	err = err ? err : add_param(q, size, "prefix", prefix);
	if (!token && *start_after)
		err = err ? err : add_param(q, size, "start-after", start_after);
	return err;
}

int s3_pager__init(struct s3_pager *p)
{
	memset(p, 0, sizeof(*p));
	return pull_env__u64("GATEWATCH_S3_MAX_PAGES", S3_PAGER_MAX_PAGES, 1, 1000000000u,
			     &p->max_pages);
}

static int replace(char **dst, const char *s)
{
	char *d = s ? strdup(s) : NULL;

	if (s && !d)
		return -ENOMEM;
	free(*dst);
	*dst = d;
	return 0;
}

int s3_pager__next(struct s3_pager *p, const struct s3_list *l, const char **why)
{
	const char *last = l->n ? l->keys[l->n - 1] : NULL;

	*why = NULL;
	if (++p->pages > p->max_pages)
		*why = "more pages than GATEWATCH_S3_MAX_PAGES";
	else if (l->truncated && p->token && l->token && strcmp(l->token, p->token) == 0)
		*why = "the server repeated the continuation token";
	else if (last && p->last_key && strcmp(last, p->last_key) <= 0)
		*why = "a page that did not move past the previous one";
	else if (!last && l->truncated && ++p->empty_run >= S3_PAGER_MAX_EMPTY)
		*why = "too many empty pages in a row";
	if (*why)
		return -ELOOP;
	if (last)
		p->empty_run = 0;
	if (replace(&p->token, l->token) || (last && replace(&p->last_key, last)))
		return -ENOMEM;
	return 0;
}

void s3_pager__free(struct s3_pager *p)
{
	free(p->token);
	free(p->last_key);
	memset(p, 0, sizeof(*p));
}
