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

void s3_list__free(struct s3_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->keys[i]);
	free(l->keys);
	free(l->token);
	memset(l, 0, sizeof(*l));
}

/* The text of the next <tag>...</tag> at or after *pos, XML entities
 * decoded, malloc'd; NULL when there is none (or on ENOMEM). */
char *s3_xml__elem(const char *xml, size_t len, size_t *pos, const char *tag)
{
	char open[64], close[64];
	const char *b, *e;
	char *out;

	snprintf(open, sizeof(open), "<%s>", tag);
	snprintf(close, sizeof(close), "</%s>", tag);
	b = memmem(xml + *pos, len - *pos, open, strlen(open));
	if (!b)
		return NULL;
	b += strlen(open);
	e = memmem(b, len - (size_t)(b - xml), close, strlen(close));
	if (!e)
		return NULL;
	*pos = (size_t)(e - xml) + strlen(close);
	out = malloc((size_t)(e - b) + 1);
	if (out)
		audit__html_decode(b, (size_t)(e - b), out);
	return out;
}

int s3_list__parse(const char *xml, size_t len, struct s3_list *l)
{
	size_t pos = 0;
	char *k, **nk, *t;

	if (!memmem(xml, len, "<ListBucketResult", 17))
		return -EBADMSG;
	while ((k = s3_xml__elem(xml, len, &pos, "Key"))) {
		if (l->n == MAX_KEYS_PER_PAGE) {
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
	}
	pos = 0;
	t = s3_xml__elem(xml, len, &pos, "IsTruncated");
	l->truncated = t && strcmp(t, "true") == 0;
	free(t);
	pos = 0;
	l->token = s3_xml__elem(xml, len, &pos, "NextContinuationToken");
	if (l->truncated && !l->token)
		return -EBADMSG;
	return 0;
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
