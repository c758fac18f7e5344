/* The HTTP side of the S3 source: libcurl with its SigV4 signing, retries
 * with backoff, bounded response bodies, and a small scanner for the
 * ListObjectsV2 XML (the answer is machine-written and flat; only Key,
 * IsTruncated and NextContinuationToken are read). See s3pull.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "audit/audit_internal.h"
#include "audit/pull/s3.h"
#include "audit/pull/http.h"
#include "lib/log.h"

#define MAX_TRIES 4

struct s3_http {
	const struct s3_conf *conf;
	CURL *curl;
	struct curl_slist *headers;
	char sigv4[128];
	struct http_body body;
};

struct s3_http *s3_http__new(const struct s3_conf *conf)
{
	struct s3_http *h = calloc(1, sizeof(*h));
	char hdr[4200];
	int n;

	if (!h)
		return NULL;
	h->conf = conf;
	h->curl = curl_easy_init();
	if (!h->curl)
		goto fail;
	/* The hash of an empty body: right for GET whether or not libcurl adds
	 * it to the signature itself. */
	h->headers = curl_slist_append(NULL, "x-amz-content-sha256: "
				       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	if (!h->headers)
		goto fail;
	if (*conf->cred.session_token) {
		n = snprintf(hdr, sizeof(hdr), "x-amz-security-token: %s", conf->cred.session_token);
		if (n < 0 || (size_t)n >= sizeof(hdr) || !curl_slist_append(h->headers, hdr))
			goto fail;
		explicit_bzero(hdr, sizeof(hdr));
	}
	snprintf(h->sigv4, sizeof(h->sigv4), "aws:amz:%s:s3", conf->region);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	if (*conf->cred.access_key) {
		curl_easy_setopt(h->curl, CURLOPT_AWS_SIGV4, h->sigv4);
		curl_easy_setopt(h->curl, CURLOPT_USERNAME, conf->cred.access_key);
		curl_easy_setopt(h->curl, CURLOPT_PASSWORD, conf->cred.secret_key);
	}
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, http_body__write);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &h->body);
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "gatewatch");
	return h;
fail:
	s3_http__free(h);
	errno = ENOMEM;
	return NULL;
}

void s3_http__free(struct s3_http *h)
{
	if (!h)
		return;
	curl_slist_free_all(h->headers);
	if (h->curl)
		curl_easy_cleanup(h->curl);
	free(h->body.buf);
	free(h);
}

/* Percent-encode s as SigV4 wants it (unreserved kept; '/' kept when
 * keep_slash). Returns 0 or -ENAMETOOLONG. */
/* endpoint + bucket (path or host style) + "/" + encoded path part. */
static int base_url(const struct s3_conf *s, const char *encpath, char *out, size_t size)
{
	const char *host = strstr(s->endpoint, "://") + 3;
	int n;

	if (s->path_style)
		n = snprintf(out, size, "%s/%s/%s", s->endpoint, s->bucket, encpath);
	else
		n = snprintf(out, size, "%.*s%s.%s/%s", (int)(host - s->endpoint), s->endpoint,
			     s->bucket, host, encpath);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

static void backoff(int attempt)
{
	struct timespec ts = { 0, 200L * 1000 * 1000 };

	for (int i = 0; i < attempt; i++)
		ts.tv_nsec *= 2;
	while (ts.tv_nsec >= 1000L * 1000 * 1000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000L * 1000 * 1000;
	}
	nanosleep(&ts, NULL);
}

/* GET url into h->body.buf. 0, -EAGAIN (network/5xx past retries), -EFBIG, or
 * -EACCES/-ENOENT/-EIO for other 4xx answers. */
static int get(struct s3_http *h, const char *url, const char *what, size_t cap)
{
	long code = 0;
	CURLcode rc = CURLE_OK;

	for (int attempt = 0; attempt < MAX_TRIES; attempt++) {
		if (attempt)
			backoff(attempt);
		if (http_body__reset(&h->body, cap) < 0) {
			log_err("failed to read %s: cannot empty the spool file: %s", what,
				strerror(errno));
			return -EAGAIN;
		}
		curl_easy_setopt(h->curl, CURLOPT_URL, url);
		rc = curl_easy_perform(h->curl);
		if (h->body.too_big) {
			log_err("failed to read %s: larger than %zu bytes", what, cap);
			return -EFBIG;
		}
		if (h->body.write_err) {
			log_err("failed to read %s: spooling it to disk: %s", what,
				strerror(h->body.write_err));
			return -EAGAIN;
		}
		code = 0;
		curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code >= 200 && code < 300) {
			if (h->body.spool)
				return 0;
			if (!h->body.buf && !(h->body.buf = calloc(1, 1)))
				return -ENOMEM;
			h->body.buf[h->body.len] = '\0';
			return 0;
		}
		if (rc == CURLE_OK && code >= 400 && code < 500 && code != 429 && code != 408)
			break;
	}
	if (rc != CURLE_OK) {
		log_err("failed to read %s: %s (after %d tries)", what, curl_easy_strerror(rc), MAX_TRIES);
		return -EAGAIN;
	}
	log_err("failed to read %s: HTTP %ld%s%s", what, code,
		code == 403 ? " (access denied: check the credentials from " : "",
		code == 403 ? (*h->conf->cred.where ? h->conf->cred.where : "none found") : "");
	if (code >= 500 || code == 429 || code == 408)
		return -EAGAIN;
	return code == 403 ? -EACCES : code == 404 ? -ENOENT : -EIO;
}

int s3_http__get_object(struct s3_http *h, const char *key, int fd)
{
	char path[3 * 1024 + 1], url[4096], what[1400];
	int err;

	snprintf(what, sizeof(what), "s3://%s/%s", h->conf->bucket, key);
	if (uri_encode(key, 1, path, sizeof(path)) || base_url(h->conf, path, url, sizeof(url))) {
		log_err("failed to read %s: key too long", what);
		return -ENAMETOOLONG;
	}
	h->body.spool = 1;
	h->body.fd = fd;
	err = get(h, url, what, AUDIT_MAX_FILE_BYTES);
	h->body.spool = 0;
	h->body.len = 0;
	return err;
}

int s3_http__list(struct s3_http *h, const char *start_after, struct s3_list *l)
{
	char q[16384], url[20000], what[1400];
	char *token = l->token;
	int err;

	l->token = NULL;
	s3_list__free(l);
	err = s3_list__query(q, sizeof(q), token, h->conf->prefix, start_after,
			     h->conf->page_size);
	free(token);
	snprintf(what, sizeof(what), "%s://%s/%s (listing)", h->conf->gcs ? "gs" : "s3",
		 h->conf->bucket, h->conf->prefix);
	if (!err) {
		err = base_url(h->conf, "", url, sizeof(url));
		if (!err && strlen(url) + strlen(q) + 2 > sizeof(url))
			err = -ENAMETOOLONG;
	}
	if (err) {
		log_err("failed to list %s: request too long", what);
		return err;
	}
	strncat(url, "?", sizeof(url) - strlen(url) - 1);
	strncat(url, q, sizeof(url) - strlen(url) - 1);
	err = get(h, url, what, S3_MAX_LIST_BYTES);
	if (err)
		return err;
	err = s3_list__parse(h->body.buf, h->body.len, l);
	if (err)
		log_err("failed to list %s: %s", what, err == -ENOMEM ? "out of memory" :
			"not a ListObjectsV2 answer");
	return err;
}
