/* Pieces the S3 and Azure pulls share: a capped response body for libcurl
 * (in memory, or spooled to a file), and URI percent-encoding. */
#ifndef GW_AUDIT_HTTP_UTIL_H
#define GW_AUDIT_HTTP_UTIL_H

#include <stddef.h>

/* A response body that grows up to cap bytes, NUL-terminated; past the cap
 * the transfer stops and too_big is set. buf is malloc'd, owned by whoever
 * holds the struct. With spool set, the bytes go to the file fd instead
 * (len still counts them; a failed write stops the transfer and sets
 * write_err to the errno). */
struct http_body {
	char *buf;
	size_t len, size, cap;
	int too_big;
	int spool, fd, write_err;
};

/* A CURLOPT_WRITEFUNCTION; CURLOPT_WRITEDATA is the struct http_body. */
size_t http_body__write(char *p, size_t sz, size_t nm, void *user);

/* Before a transfer (and each retry): the body empty again, up to cap
 * bytes; a spool file emptied too. 0 or -errno. */
int http_body__reset(struct http_body *b, size_t cap);

/* An unnamed file for spooling a downloaded object, mode 0600, in dir
 * (the state directory, on disk) when it can be made there, else in
 * $TMPDIR, else /tmp: pulled objects are read from disk as a stream
 * so that memory does not follow their size. An fd, or -errno. */
int http_spool__open(const char *dir);

/* Percent-encode s as SigV4 and Azure want it (unreserved kept; '/' kept
 * when keep_slash). Returns 0 or -ENAMETOOLONG. */
int uri_encode(const char *s, int keep_slash, char *out, size_t size);

#endif
