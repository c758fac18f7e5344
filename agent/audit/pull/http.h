/* Pieces the S3 and Azure pulls share: a capped response body for libcurl,
 * and URI percent-encoding. */
#ifndef GW_AUDIT_HTTP_UTIL_H
#define GW_AUDIT_HTTP_UTIL_H

#include <stddef.h>

/* A response body that grows up to cap bytes, NUL-terminated; past the cap
 * the transfer stops and too_big is set. buf is malloc'd, owned by whoever
 * holds the struct. */
struct http_body {
	char *buf;
	size_t len, size, cap;
	int too_big;
};

/* A CURLOPT_WRITEFUNCTION; CURLOPT_WRITEDATA is the struct http_body. */
size_t http_body__write(char *p, size_t sz, size_t nm, void *user);

/* Percent-encode s as SigV4 and Azure want it (unreserved kept; '/' kept
 * when keep_slash). Returns 0 or -ENAMETOOLONG. */
int uri_encode(const char *s, int keep_slash, char *out, size_t size);

#endif
