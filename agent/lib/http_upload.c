/* agent/lib: request bodies held in memory under the connection guard's
 * budget (see http.h), for the collector and the audit webhook. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "lib/http.h"

int http_upload__start(struct http_guard *g, size_t max_body, const char *content_length,
		       struct http_upload **out)
{
	unsigned long long n = 0;
	struct http_upload *u;
	char *end;

	if (content_length) {
		errno = 0;
		n = strtoull(content_length, &end, 10);
		if (errno || end == content_length || *end)
			n = 0;
		if (n > max_body)
			return -EFBIG;
	}
	if (n && http_guard__take(g, (size_t)n) < 0)
		return -ENOBUFS;
	u = calloc(1, sizeof(*u));
	if (!u) {
		http_guard__give(g, (size_t)n);
		return -ENOMEM;
	}
	u->reserved = (size_t)n;
	*out = u;
	return 0;
}

void http_upload__add(struct http_guard *g, size_t max_body, struct http_upload *u,
		      const char *data, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (u->too_big || u->busy)
		return;
	if (n > max_body - u->len) {
		u->too_big = true;
		return;
	}
	if (u->len + n > u->cap) {
		cap = u->cap ? u->cap : 16384;
		while (cap < u->len + n)
			cap *= 2;
		if (u->reserved >= u->len + n && cap > u->reserved)
			cap = u->reserved;
		if (cap > max_body)
			cap = max_body;
		if (cap > u->reserved) {
			if (http_guard__take(g, cap - u->reserved) < 0) {
				u->busy = true;   /* answered 503 once the body is read */
				return;
			}
			u->reserved = cap;
		}
		nb = realloc(u->buf, cap);
		if (!nb) {
			u->busy = true;
			return;
		}
		u->buf = nb;
		u->cap = cap;
	}
	memcpy(u->buf + u->len, data, n);
	u->len += n;
}

void http_upload__free(struct http_guard *g, struct http_upload *u)
{
	if (!u)
		return;
	http_guard__give(g, u->reserved);
	free(u->buf);
	free(u);
}
