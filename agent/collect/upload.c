/* agent/collect: request bodies held in memory under the connection
 * guard's budget (see collect.h), for the collector and the audit webhook. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "collect/collect.h"

int collect_upload__start(struct collect_guard *g, size_t max_body, const char *content_length,
			  struct collect_upload **out)
{
	unsigned long long n = 0;
	struct collect_upload *u;
	char *end;

	if (content_length) {
		errno = 0;
		n = strtoull(content_length, &end, 10);
		if (errno || end == content_length || *end)
			n = 0;
		if (n > max_body)
			return -EFBIG;
	}
	if (n && collect_guard__take(g, (size_t)n) < 0)
		return -ENOBUFS;
	u = calloc(1, sizeof(*u));
	if (!u) {
		collect_guard__give(g, (size_t)n);
		return -ENOMEM;
	}
	u->reserved = (size_t)n;
	*out = u;
	return 0;
}

void collect_upload__add(struct collect_guard *g, size_t max_body, struct collect_upload *u,
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
			if (collect_guard__take(g, cap - u->reserved) < 0) {
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

void collect_upload__free(struct collect_guard *g, struct collect_upload *u)
{
	if (!u)
		return;
	collect_guard__give(g, u->reserved);
	free(u->buf);
	free(u);
}
