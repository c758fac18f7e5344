/* Azure Blob requests (List Blobs, Get Blob) with retries, and the pull
 * loop with its cursor. See azpull.c for the configuration. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "audit/audit_internal.h"
#include "audit/pull/azure.h"
#include "audit/pull/s3.h"
#include "audit/pull/http.h"
#include "lib/log.h"
#include "state/cursor.h"

struct az_http {
	const struct az_conf *a;
	CURL *curl;
	struct http_body body;
};

/* Percent-encode (unreserved kept; '/' kept when keep_slash). */
/* base + path + "?" + encoded params (+ SAS) into url. */
static int build_url(const struct az_conf *a, const char *path, const struct az_param *q,
		     size_t nq, char *url, size_t size)
{
	char v[3 * 1024 + 1];
	size_t o;
	int n;

	n = snprintf(url, size, "%s%s", a->base, path);
	for (size_t i = 0; n > 0 && (size_t)n < size && i < nq; i++) {
		if (uri_encode(q[i].value, 0, v, sizeof(v)))
			return -ENAMETOOLONG;
		o = (size_t)n;
		n = snprintf(url + o, size - o, "%c%s=%s", i ? '&' : '?', q[i].name, v);
		n = n < 0 ? n : n + (int)o;
	}
	if (n > 0 && (size_t)n < size && *a->sas)
		n += snprintf(url + n, size - (size_t)n, "%c%s", nq ? '&' : '?', a->sas);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* One request's per-try headers: the date, the version and, with an
 * account key, the signature over them. */
struct az_try {
	const struct az_conf *a;
	const char *path;
	const struct az_param *q;
	size_t nq;
	struct curl_slist *hdrs;
};

static int az_headers(void *ctx, CURL *curl)
{
	struct az_try *t = ctx;
	char date[64], hdr_date[96], auth[256];
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(hdr_date, sizeof(hdr_date), "x-ms-date: %s", date);
	curl_slist_free_all(t->hdrs);
	t->hdrs = curl_slist_append(NULL, hdr_date);
	t->hdrs = t->hdrs ? curl_slist_append(t->hdrs, "x-ms-version: " AZ_VERSION) : NULL;
	if (t->hdrs && t->a->keylen && !*t->a->sas) {
		if (az_sign(t->a, date, t->path, t->q, t->nq, auth, sizeof(auth)) < 0)
			return -EINVAL;
		t->hdrs = curl_slist_append(t->hdrs, auth);
		explicit_bzero(auth, sizeof(auth));
	}
	if (!t->hdrs)
		return -ENOMEM;
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, t->hdrs);
	return 0;
}

/* GET base + path + "?" + params (+ SAS) into h->body (see
 * http_get__run). */
static int az_get(struct az_http *h, const char *path, const struct az_param *q, size_t nq,
		  const char *what, size_t cap)
{
	char url[8192];
	struct az_try t = { .a = h->a, .path = path, .q = q, .nq = nq };
	struct http_get g = {
		.curl = h->curl, .body = &h->body, .what = what, .cap = cap,
		.hint403 = " (check the SAS token or the account key)",
		.before = az_headers, .ctx = &t,
	};
	int err;

	if (build_url(h->a, path, q, nq, url, sizeof(url)))
		return -ENAMETOOLONG;
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	err = http_get__run(&g);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(t.hdrs);
	return err;
}

static int list_page(struct az_http *h, struct s3_list *l, const char *what)
{
	char path[1024], max[24], *marker = l->token, *name;
	struct az_param q[5];
	size_t nq = 0, pos = 0;
	int err;

	l->token = NULL;
	s3_list__free(l);
	snprintf(max, sizeof(max), "%llu", (unsigned long long)h->a->page_size);
	q[nq++] = (struct az_param){ "comp", "list" };
	if (marker && *marker)
		q[nq++] = (struct az_param){ "marker", marker };
	q[nq++] = (struct az_param){ "maxresults", max };
	if (*h->a->prefix)
		q[nq++] = (struct az_param){ "prefix", h->a->prefix };
	q[nq++] = (struct az_param){ "restype", "container" };
	err = uri_encode(h->a->container, 0, path + 1, sizeof(path) - 1);
	path[0] = '/';
	if (!err)
		err = az_get(h, path, q, nq, what, S3_MAX_LIST_BYTES);
	free(marker);
	if (err)
		return err;
	if (!memmem(h->body.buf, h->body.len, "<EnumerationResults", 19))
		return -EBADMSG;
	while ((name = s3_xml__elem(h->body.buf, h->body.len, &pos, "Name"))) {
		char **nk = realloc(l->keys, (l->n + 1) * sizeof(*nk));

		if (!nk) {
			free(name);
			return -ENOMEM;
		}
		l->keys = nk;
		l->keys[l->n++] = name;
	}
	pos = 0;
	l->token = s3_xml__elem(h->body.buf, h->body.len, &pos, "NextMarker");
	l->truncated = l->token && *l->token;
	return 0;
}

/* Fetch one blob into the spool file and read it from there as a stream,
 * then move the cursor. 0 to go on, 1 to end the run (worth retrying
 * later), or the callback's negative return. */
static int one_blob(struct audit_ctx *c, struct az_http *h, const char *name, int format)
{
	const struct az_conf *a = h->a;
	char path[4096], what[2048];
	int err, n;

	snprintf(what, sizeof(what), "%s/%s/%s", a->shown, a->container, name);
	c->path = what;
	n = snprintf(path, sizeof(path), "/%s/", a->container);
	if (n < 0 || (size_t)n >= sizeof(path) || uri_encode(name, 1, path + n, sizeof(path) - (size_t)n))
		return 0;
	h->body.spool = 1;
	err = az_get(h, path, NULL, 0, what, AUDIT_MAX_FILE_BYTES);
	h->body.spool = 0;
	if (err)
		c->st->files_failed++;
	/* Unread for now (the network, or a permission the operator can fix):
	 * the run ends before it, counted, and the next one retries it. */
	if (err == -EAGAIN || err == -EACCES)
		return 1;
	if (!err && (err = audit_fd__parse(c, format, h->body.fd)) != 0)
		return err;  /* the callback's */
	if (a->state_dir && (err = cursor__save(a->state_dir, a->source, name)) < 0) {
		log_err("failed to save the cursor in %s: %s", a->state_dir, strerror(-err));
		return 1;
	}
	return 0;
}

static int pull(struct audit_ctx *c, struct az_http *h, const char *cursor, int format)
{
	struct s3_list l = { 0 };
	struct s3_pager pg;
	char what[2048];
	const char *why;
	uint64_t done = 0;
	int err = s3_pager__init(&pg);

	if (err)
		return err;
	snprintf(what, sizeof(what), "%s/%s/%s (listing)", h->a->shown, h->a->container, h->a->prefix);
	do {
		err = list_page(h, &l, what);
		if (err) {
			log_err("failed to list %s: giving up for this run", what);
			c->st->files_failed++;
			err = 0;
			break;
		}
		err = s3_pager__next(&pg, &l, &why);
		if (err) {
			log_err("failed to list %s: %s; stopping this pull", what,
				why ? why : "out of memory");
			c->st->files_failed++;
			err = err == -ELOOP ? 0 : err;
			break;
		}
		for (size_t i = 0; i < l.n && !err; i++) {
			if (*cursor && strcmp(l.keys[i], cursor) <= 0)
				continue;
			if (h->a->max_objects && done++ >= h->a->max_objects)
				goto out;
			err = one_blob(c, h, l.keys[i], format);
		}
	} while (!err && l.truncated);
out:
	s3_pager__free(&pg);
	s3_list__free(&l);
	return err == 1 ? 0 : err;
}

int azpull__check(const char *url)
{
	struct az_conf a;
	int err = az_conf__init(&a, url);

	az_conf__clear(&a);
	return err;
}

int azpull__read(struct audit_ctx *c, const char *url, int format)
{
	struct az_http h = { .body.fd = -1 };
	struct az_conf *a = calloc(1, sizeof(*a));
	char cursor[CURSOR_MAX_KEY + 1] = "";
	const char *src = c->path;   /* the URL as shown: no secrets */
	int err;

	if (!a)
		return -ENOMEM;
	err = az_conf__init(a, url);
	if (err)
		goto out;
	h.a = a;
	h.body.fd = http_spool__open(a->state_dir);
	if (h.body.fd < 0) {
		err = h.body.fd;
		log_err("%s: cannot make a file to spool blobs in: %s", src, strerror(-err));
		goto out;
	}
	if (a->state_dir) {
		err = cursor__load(a->state_dir, a->source, cursor, sizeof(cursor));
		if (err && err != -ENOENT)
			log_warn("%s: ignoring the cursor in %s: %s", c->path, a->state_dir,
				 strerror(-err));
	}
	h.curl = curl_easy_init();
	err = -ENOMEM;
	if (!h.curl)
		goto out;
	curl_easy_setopt(h.curl, CURLOPT_WRITEFUNCTION, http_body__write);
	curl_easy_setopt(h.curl, CURLOPT_WRITEDATA, &h.body);
	curl_easy_setopt(h.curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h.curl, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h.curl, CURLOPT_LOW_SPEED_TIME, 60L);
	curl_easy_setopt(h.curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h.curl, CURLOPT_USERAGENT, "gatewatch");
	err = pull(c, &h, cursor, format == AUDIT_FMT_DETECT ? AUDIT_FMT_AZURE : format);
	c->path = src;
out:
	if (h.body.fd >= 0)
		close(h.body.fd);
	if (h.curl)
		curl_easy_cleanup(h.curl);
	free(h.body.buf);
	az_conf__clear(a);
	free(a);
	return err;
}
