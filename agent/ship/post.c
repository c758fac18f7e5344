/* agent/ship: POST a FindingBatch to a collector and wait for its ack. */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <pb_decode.h>

#include "lib/gw.h"
#include "lib/log.h"
#include "ship/ship.h"
#include "ship/wire.h"

#define POST_PATH "/v1/batches"
#define OTLP_PATH "/v1/logs"
#define RESP_MAX (64 * 1024)
#define BACKOFF_CAP_MS 30000u

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static CURLcode curl_init_rc;

static void curl_init(void)
{
	curl_init_rc = curl_global_init(CURL_GLOBAL_DEFAULT);
}

void ship_post_opts__defaults(struct ship_post_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->connect_timeout_ms = 5000;
	o->timeout_ms = 30000;
	o->backoff_ms = 500;
}

struct resp {
	uint8_t buf[RESP_MAX];
	size_t len;
};

static size_t on_body(char *data, size_t size, size_t nmemb, void *ctx)
{
	struct resp *r = ctx;
	size_t n = size * nmemb;

	if (n > sizeof(r->buf) - r->len)
		return 0;   /* over the cap: curl fails the transfer */
	memcpy(r->buf + r->len, data, n);
	r->len += n;
	return n;
}

/* url with POST_PATH appended when it names no path. */
static char *post_url(const char *url, const char *defpath)
{
	const char *host = strstr(url, "://"), *path;
	size_t n = strlen(url);
	char *out;

	if (!host || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
		errno = EINVAL;
		return NULL;
	}
	path = strpbrk(host + 3, "/?#");
	if (path && !(path[0] == '/' && path[1] == '\0'))
		return strdup(url);
	if (path)
		n--;   /* a lone trailing '/' */
	if (asprintf(&out, "%.*s%s", (int)n, url, defpath) < 0)
		return NULL;
	return out;
}

/* The URL for log lines: without user:password@ and without the query. */
static void redact_url(const char *url, char *out, size_t cap)
{
	const char *host = strstr(url, "://");
	const char *end, *at;
	size_t pre;

	if (!host) {
		snprintf(out, cap, "(bad url)");
		return;
	}
	host += 3;
	end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(end - host));
	if (at)
		host = at + 1;
	pre = (size_t)(strstr(url, "://") - url) + 3;
	snprintf(out, cap, "%.*s%.*s", (int)pre, url, (int)strcspn(host, "?#"), host);
}

/* A gatewatch collector's refusal of this very batch: HTTP 400, a JSON
 * body, {"error":"invalid-batch", ...}. Anything else (a proxy's 400 page,
 * a 400 without that body) is not. 1 when it is; the reason, if any, goes
 * to why. */
static int is_rejection(CURL *c, const struct resp *r, char *why, size_t whylen)
{
	const char *type = NULL;
	const cJSON *err, *reason;
	size_t tl = 16;
	cJSON *j;
	int yes;

	if (curl_easy_getinfo(c, CURLINFO_CONTENT_TYPE, &type) != CURLE_OK || !type ||
	    strncasecmp(type, "application/json", tl) != 0 ||
	    (type[tl] != '\0' && type[tl] != ';' && type[tl] != ' '))
		return 0;
	j = cJSON_ParseWithLength((const char *)r->buf, r->len);
	err = cJSON_GetObjectItemCaseSensitive(j, "error");
	yes = cJSON_IsObject(j) && cJSON_IsString(err) && strcmp(err->valuestring, "invalid-batch") == 0;
	if (yes) {
		reason = cJSON_GetObjectItemCaseSensitive(j, "detail");
		if (!cJSON_IsString(reason))
			reason = cJSON_GetObjectItemCaseSensitive(j, "message");
		snprintf(why, whylen, "HTTP 400 invalid-batch: %.160s",
			 cJSON_IsString(reason) ? reason->valuestring : "no reason given");
		for (char *p = why; *p; p++)
			if ((unsigned char)*p < 0x20 || *p == 0x7f)
				*p = '?';
	}
	cJSON_Delete(j);
	return yes;
}

/* What a non-200 answer means. A redirect is never followed: a POST of
 * findings goes where it was configured to go, and the Location is only
 * reported. */
static int judge_status(CURL *c, const struct resp *r, long code, char *why, size_t whylen,
			char *location, size_t loclen, int otlp)
{
	char *loc = NULL;

	if (code >= 300 && code < 400) {
		if (curl_easy_getinfo(c, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
			redact_url(loc, location, loclen);
		else
			snprintf(location, loclen, "(no Location)");
		snprintf(why, whylen, "HTTP %ld redirect to %s, not followed", code, location);
		return -EAGAIN;
	}
	if (!otlp && code == 400 && is_rejection(c, r, why, whylen))
		return -EPROTO;
	snprintf(why, whylen, "HTTP %ld", code);
	if (code == 401 || code == 403)
		return -EACCES;
	return code == 413 ? -EMSGSIZE : -EAGAIN;
}

/* One attempt. 0 acked; -EPROTO when the collector refused the batch itself
 * (see is_rejection); -EACCES (401/403) and -EMSGSIZE (413), which a caller
 * may retry or not; -EAGAIN for every other answer. *status gets the HTTP
 * status (0: no answer). */
static int post_once(CURL *c, struct resp *r, uint64_t sequence, char *why, size_t whylen,
		     long *retry_after_ms, int otlp, long *status, char *location, size_t loclen)
{
	gatewatch_v1_BatchAck ack = gatewatch_v1_BatchAck_init_zero;
	pb_istream_t s;
	curl_off_t ra = 0;
	long code = 0;
	CURLcode rc;

	r->len = 0;
	*retry_after_ms = 0;
	*status = 0;
	location[0] = '\0';
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK) {
		snprintf(why, whylen, "%s", curl_easy_strerror(rc));
		return -EAGAIN;
	}
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	*status = code;
	if (curl_easy_getinfo(c, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra > 0)
		*retry_after_ms = ra > 300 ? 300000 : (long)ra * 1000;
	if (otlp && code >= 200 && code < 300)
		return 0;
	if (code != 200 || otlp)
		return judge_status(c, r, code, why, whylen, location, loclen, otlp);
	s = pb_istream_from_buffer(r->buf, r->len);
	if (!pb_decode(&s, gatewatch_v1_BatchAck_fields, &ack)) {
		snprintf(why, whylen, "HTTP 200 without a batch ack: %s", PB_GET_ERROR(&s));
		return -EAGAIN;
	}
	if (ack.sequence != sequence) {
		snprintf(why, whylen, "ack for sequence %llu, sent %llu",
			 (unsigned long long)ack.sequence, (unsigned long long)sequence);
		return -EAGAIN;
	}
	return 0;
}

static void backoff(const struct ship_post_opts *o, int attempt, long retry_after_ms,
		    unsigned int *seed)
{
	uint64_t ms = o->backoff_ms;
	struct timespec ts;

	for (int i = 1; i < attempt && ms < BACKOFF_CAP_MS; i++)
		ms *= 2;
	if (ms > BACKOFF_CAP_MS)
		ms = BACKOFF_CAP_MS;
	/* Half fixed, half random: agents that lost the collector together do
	 * not come back together. */
	ms = ms / 2 + (ms / 2 ? (uint64_t)rand_r(seed) % (ms / 2 + 1) : 0);
	if (retry_after_ms > 0 && (uint64_t)retry_after_ms > ms)
		ms = (uint64_t)retry_after_ms;
	ts.tv_sec = (time_t)(ms / 1000);
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static struct curl_slist *headers(const struct ship_post_opts *o)
{
	struct curl_slist *h = NULL, *t;
	char *auth = NULL;

	h = curl_slist_append(NULL, "Content-Type: application/x-protobuf");
	t = h ? curl_slist_append(h, "Expect:") : NULL;
	if (t && o->token && o->token[0]) {
		if (asprintf(&auth, "Authorization: Bearer %s", o->token) < 0)
			auth = NULL;
		t = auth ? curl_slist_append(h, auth) : NULL;
		free(auth);
	}
	if (!t) {
		curl_slist_free_all(h);
		return NULL;
	}
	return h;
}

static int setup(CURL *c, const char *url, const uint8_t *buf, size_t len,
		 const struct ship_post_opts *o, struct curl_slist *h, struct resp *r)
{
	CURLcode rc = CURLE_OK;

#define SET(opt, val) do { if (rc == CURLE_OK) rc = curl_easy_setopt(c, opt, val); } while (0)
	SET(CURLOPT_URL, url);
	SET(CURLOPT_PROTOCOLS_STR, "http,https");
	SET(CURLOPT_NOSIGNAL, 1L);
	SET(CURLOPT_POST, 1L);
	SET(CURLOPT_POSTFIELDS, buf);
	SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	SET(CURLOPT_HTTPHEADER, h);
	SET(CURLOPT_USERAGENT, "gatewatch/" GW_VERSION);
	SET(CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	SET(CURLOPT_TIMEOUT_MS, o->timeout_ms);
	SET(CURLOPT_WRITEFUNCTION, on_body);
	SET(CURLOPT_WRITEDATA, r);
	if (o->ca_file)
		SET(CURLOPT_CAINFO, o->ca_file);
	if (o->cert_file)
		SET(CURLOPT_SSLCERT, o->cert_file);
	if (o->key_file)
		SET(CURLOPT_SSLKEY, o->key_file);
#undef SET
	return rc == CURLE_OK ? 0 : -EINVAL;
}

int ship__post_opts(const char *url, const uint8_t *buf, size_t len, uint64_t sequence,
		    int attempts, const struct ship_post_opts *opts)
{
	struct ship_post_opts o;
	struct curl_slist *h = NULL;
	struct resp *r = NULL;
	char *full = NULL, shown[512], why[256] = "", location[512];
	unsigned int seed = (unsigned int)time(NULL) ^ (unsigned int)getpid();
	long retry_after = 0, status;
	CURL *c = NULL;
	int err, attempt = 0;

	if (opts)
		o = *opts;
	else
		ship_post_opts__defaults(&o);
	redact_url(url, shown, sizeof(shown));
	pthread_once(&curl_once, curl_init);
	err = -EINVAL;
	if (curl_init_rc != CURLE_OK) {
		snprintf(why, sizeof(why), "cannot initialize libcurl");
		goto out;
	}
	full = post_url(url, o.otlp ? OTLP_PATH : POST_PATH);
	if (!full) {
		snprintf(why, sizeof(why), "not an http(s) URL");
		goto out;
	}
	err = -ENOMEM;
	c = curl_easy_init();
	h = headers(&o);
	r = malloc(sizeof(*r));
	if (!c || !h || !r || setup(c, full, buf, len, &o, h, r) < 0) {
		snprintf(why, sizeof(why), "cannot set up the request");
		goto out;
	}
	if (attempts < 1)
		attempts = 1;
	for (attempt = 1; attempt <= attempts; attempt++) {
		if (attempt > 1)
			backoff(&o, attempt - 1, retry_after, &seed);
		err = post_once(c, r, sequence, why, sizeof(why), &retry_after, o.otlp, &status,
				location, sizeof(location));
		if (err != -EAGAIN)
			break;
		log_warn("batch %llu to %s: %s (attempt %d of %d)", (unsigned long long)sequence,
			 shown, why, attempt, attempts);
	}
	if (err == -EAGAIN) {
		err = -ETIMEDOUT;
		attempt = attempts;
	}
out:
	if (err < 0 && attempt > 0)
		log_err("failed to ship batch %llu to %s: %s (after %d attempts)",
			(unsigned long long)sequence, shown, why, attempt);
	else if (err < 0)
		log_err("cannot ship batch %llu to %s: %s", (unsigned long long)sequence, shown, why);
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	free(r);
	free(full);
	return err;
}

int ship__post(const char *url, const uint8_t *buf, size_t len, uint64_t sequence,
	       int attempts)
{
	return ship__post_opts(url, buf, len, sequence, attempts, NULL);
}

struct ship_conn {
	CURL *curl;
	struct curl_slist *hdrs;
	struct resp *r;
	char *url;
	int otlp;
	long status;                    /* of the last answer, 0: none */
	char shown[512];
	char location[512];             /* of the last answer when a redirect */
	char errbuf[CURL_ERROR_SIZE];   /* curl's detailed reason */
};

void ship_conn__free(struct ship_conn *c)
{
	if (!c)
		return;
	curl_easy_cleanup(c->curl);
	curl_slist_free_all(c->hdrs);
	free(c->r);
	free(c->url);
	free(c);
}

struct ship_conn *ship_conn__new(const char *url, const struct ship_post_opts *opts)
{
	struct ship_conn *c = calloc(1, sizeof(*c));
	struct ship_post_opts o;
	int err = ENOMEM;

	if (!c)
		return NULL;
	if (opts)
		o = *opts;
	else
		ship_post_opts__defaults(&o);
	c->otlp = o.otlp;
	redact_url(url, c->shown, sizeof(c->shown));
	pthread_once(&curl_once, curl_init);
	if (curl_init_rc != CURLE_OK) {
		err = EIO;
		goto fail;
	}
	c->url = post_url(url, o.otlp ? OTLP_PATH : POST_PATH);
	if (!c->url) {
		err = errno == EINVAL ? EINVAL : ENOMEM;
		goto fail;
	}
	c->curl = curl_easy_init();
	c->hdrs = headers(&o);
	c->r = malloc(sizeof(*c->r));
	if (!c->curl || !c->hdrs || !c->r)
		goto fail;
	/* The body is set per post; setup() needs one to start with. */
	if (setup(c->curl, c->url, (const uint8_t *)"", 0, &o, c->hdrs, c->r) < 0 ||
	    curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK) {
		err = EINVAL;
		goto fail;
	}
	return c;
fail:
	ship_conn__free(c);
	errno = err;
	return NULL;
}

int ship_conn__post(struct ship_conn *c, const uint8_t *buf, size_t len, uint64_t sequence,
		    char *why, size_t whylen, long *retry_after_ms)
{
	int err;

	if (curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, buf) != CURLE_OK ||
	    curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len) != CURLE_OK) {
		snprintf(why, whylen, "cannot set up the request");
		return -EINVAL;
	}
	c->errbuf[0] = '\0';
	err = post_once(c->curl, c->r, sequence, why, whylen, retry_after_ms, c->otlp, &c->status,
			c->location, sizeof(c->location));
	if (err && !c->status && c->errbuf[0])
		snprintf(why, whylen, "%s", c->errbuf);
	return err;
}

const char *ship_conn__shown(const struct ship_conn *c)
{
	return c->shown;
}

long ship_conn__status(const struct ship_conn *c)
{
	return c->status;
}

const char *ship_conn__location(const struct ship_conn *c)
{
	return c->location;
}
