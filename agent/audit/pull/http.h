/* Pieces the S3 and Azure pulls share: a capped response body for libcurl
 * (in memory, or spooled to a file), one GET with its retries, and URI
 * percent-encoding. */
#ifndef GW_AUDIT_HTTP_UTIL_H
#define GW_AUDIT_HTTP_UTIL_H

#include <stddef.h>

#include <curl/curl.h>

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

/* One GET with retries. The URL and the options are already set on curl,
 * whose WRITEDATA is body. */
struct http_get {
	CURL *curl;
	struct http_body *body;
	const char *what;      /* names the object in errors: no secrets */
	size_t cap;            /* the body's bound */
	const char *hint403;   /* appended to the error of an HTTP 403 */
	/* Before each try, or NULL: per-try headers (a signature over the
	 * date). 0, or -errno to give up with that error. */
	int (*before)(void *ctx, CURL *curl);
	void *ctx;
};

/* Up to HTTP_TRIES tries, waiting 400 ms before the second and doubling; network errors, 5xx,
 * 408 and 429 are retried. An in-memory body ends NUL-terminated. 0,
 * -EAGAIN (past the retries, or the spool file failed: worth another
 * run), -EFBIG past the cap, -EACCES (403), -ENOENT (404), -EIO (another
 * answer), or before's -errno. A failure is logged once, naming what. */
#define HTTP_TRIES 4
int http_get__run(const struct http_get *g);

/* Percent-encode s as SigV4 and Azure want it (unreserved kept; '/' kept
 * when keep_slash). Returns 0 or -ENAMETOOLONG. */
int uri_encode(const char *s, int keep_slash, char *out, size_t size);

#endif
