/* The HTTP side of the S3 source: libcurl with its SigV4 signing, retries
 * with backoff, bounded response bodies, and a small scanner for the
 * ListObjectsV2 XML (the answer is machine-written and flat; only Key,
 * IsTruncated and NextContinuationToken are read). See s3pull.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "audit/audit_internal.h"
#include "audit/pull/s3.h"
#include "audit/pull/http.h"
#include "lib/log.h"

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

/* GET url into h->body (see http_get__run). */
static int get(struct s3_http *h, const char *url, const char *what, size_t cap)
{
	char hint[1200];
	struct http_get g = {
		.curl = h->curl, .body = &h->body, .what = what, .cap = cap, .hint403 = hint,
	};

	snprintf(hint, sizeof(hint), " (access denied: check the credentials from %s)",
		 *h->conf->cred.where ? h->conf->cred.where : "none found");
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	return http_get__run(&g);
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
