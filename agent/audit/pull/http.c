/* See http_util.h. */
#include "audit/pull/http.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

size_t http_body__write(char *p, size_t sz, size_t nm, void *user)
{
	struct http_body *h = user;
	size_t n = sz * nm, want;
	char *nb;

	if (h->len + n > h->cap) {
		h->too_big = 1;
		return 0;
	}
	if (h->len + n + 1 > h->size) {
		want = h->size ? h->size : 64 * 1024;
		while (want < h->len + n + 1)
			want *= 2;
		nb = realloc(h->buf, want);
		if (!nb)
			return 0;
		h->buf = nb;
		h->size = want;
	}
	memcpy(h->buf + h->len, p, n);
	h->len += n;
	h->buf[h->len] = '\0';
	return n;
}

int uri_encode(const char *s, int keep_slash, char *out, size_t size)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if (o + 4 > size)
			return -ENAMETOOLONG;
		if ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
		    *p == '-' || *p == '_' || *p == '.' || *p == '~' || (keep_slash && *p == '/')) {
			out[o++] = (char)*p;
		} else {
			out[o++] = '%';
			out[o++] = hex[*p >> 4];
			out[o++] = hex[*p & 15];
		}
	}
	out[o] = '\0';
	return 0;
}
