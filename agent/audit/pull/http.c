/* See http.h. */
#include "audit/pull/http.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "lib/log.h"

static int write_all(int fd, const char *p, size_t n)
{
	ssize_t k;

	while (n) {
		k = write(fd, p, n);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return k < 0 ? errno : ENOSPC;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

size_t http_body__write(char *p, size_t sz, size_t nm, void *user)
{
	struct http_body *h = user;
	size_t n = sz * nm, want;
	char *nb;

	if (h->len + n > h->cap) {
		h->too_big = 1;
		return 0;
	}
	if (h->spool) {
		h->write_err = write_all(h->fd, p, n);
		if (h->write_err)
			return 0;
		h->len += n;
		return n;
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

int http_body__reset(struct http_body *b, size_t cap)
{
	b->len = 0;
	b->too_big = 0;
	b->write_err = 0;
	b->cap = cap;
	if (b->spool && (ftruncate(b->fd, 0) < 0 || lseek(b->fd, 0, SEEK_SET) < 0))
		return -errno;
	return 0;
}

static int spool_in(const char *dir)
{
	char path[4096];
	int fd, n;

	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR))
		return fd >= 0 ? fd : -errno;
	/* a file system without O_TMPFILE: a named file, gone at once */
	n = snprintf(path, sizeof(path), "%s/.gatewatch-pull-XXXXXX", dir);
	if (n < 0 || (size_t)n >= sizeof(path))
		return -ENAMETOOLONG;
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	unlink(path);
	return fd;
}

int http_spool__open(const char *dir)
{
	const char *tmp = getenv("TMPDIR");
	int fd = -ENOENT;

	if (dir && *dir)
		fd = spool_in(dir);
	if (fd < 0)
		fd = spool_in(tmp && *tmp ? tmp : "/tmp");
	return fd;
}

static void backoff(int attempt)
{
	long ms = 200L << attempt;
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000 * 1000 };

	nanosleep(&ts, NULL);
}

static int retried(CURLcode rc, long code)
{
	return rc != CURLE_OK || code >= 500 || code == 408 || code == 429;
}

/* Why the tries ended, logged once: the errno http_get__run returns. */
static int failed(const struct http_get *g, CURLcode rc, long code)
{
	const struct http_body *b = g->body;

	if (b->too_big) {
		log_err("failed to read %s: larger than %zu bytes", g->what, g->cap);
		return -EFBIG;
	}
	if (b->write_err) {
		log_err("failed to read %s: spooling it to disk: %s", g->what,
			strerror(b->write_err));
		return -EAGAIN;
	}
	if (rc != CURLE_OK) {
		log_err("failed to read %s: %s (after %d tries)", g->what, curl_easy_strerror(rc),
			HTTP_TRIES);
		return -EAGAIN;
	}
	log_err("failed to read %s: HTTP %ld%s", g->what, code,
		code == 403 && g->hint403 ? g->hint403 : "");
	if (retried(rc, code))
		return -EAGAIN;
	return code == 403 ? -EACCES : code == 404 ? -ENOENT : -EIO;
}

int http_get__run(const struct http_get *g)
{
	struct http_body *b = g->body;
	CURLcode rc = CURLE_OK;
	long code = 0;
	int err;

	for (int attempt = 0; attempt < HTTP_TRIES; attempt++) {
		if (attempt)
			backoff(attempt);
		if (g->before && (err = g->before(g->ctx, g->curl)) < 0) {
			log_err("failed to read %s: cannot make the request: %s", g->what,
				strerror(-err));
			return err;
		}
		if (http_body__reset(b, g->cap) < 0) {
			log_err("failed to read %s: cannot empty the spool file: %s", g->what,
				strerror(errno));
			return -EAGAIN;
		}
		rc = curl_easy_perform(g->curl);
		if (b->too_big || b->write_err)
			break;
		code = 0;
		curl_easy_getinfo(g->curl, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code >= 200 && code < 300) {
			if (b->spool)
				return 0;
			if (!b->buf && !(b->buf = calloc(1, 1)))
				return -ENOMEM;
			b->buf[b->len] = '\0';
			return 0;
		}
		if (!retried(rc, code))
			break;
	}
	return failed(g, rc, code);
}
