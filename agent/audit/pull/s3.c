/* Pulling audit logs through the S3 API: ListObjectsV2 (with continuation)
 * and GetObject, signed by libcurl's own SigV4 (CURLOPT_AWS_SIGV4). The same
 * code reads GCS exports (gs://) through GCS's S3-compatible XML API with
 * HMAC keys.
 *
 * Configuration, from the environment (the daemon's config sets the same):
 *   GATEWATCH_S3_ENDPOINT   http(s)://host[:port]; default AWS
 *                           (https://s3.REGION.amazonaws.com, virtual-host
 *                           style) or https://storage.googleapis.com for gs://
 *   GATEWATCH_S3_REGION     else AWS_REGION, AWS_DEFAULT_REGION, us-east-1
 *   GATEWATCH_S3_PATH_STYLE 1/0; default 1 with an endpoint, 0 on AWS
 *   GATEWATCH_STATE_DIR     where the pull cursor lives (audit_set_state_dir()
 *                           takes precedence); without either every
 *                           run reads the whole prefix
 *   GATEWATCH_S3_MAX_OBJECTS  stop after this many objects in one run
 *   GATEWATCH_S3_PAGE_SIZE  keys per listing page (1-1000, default 1000)
 * Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 * else the shared credentials file (s3cred.c), else the instance's role
 * through the instance metadata service, IMDSv2 (s3imds.c), fetched again
 * shortly before they expire; none means unsigned requests.
 *
 * Objects are read in key order (S3 lists keys sorted, and the delivery
 * layouts put the date in the key). After an object's events have been
 * handed on, its key is saved as the cursor, and the next run lists with
 * start-after=cursor. A transport failure that outlives the retries ends
 * the run without moving the cursor, so the object is tried again next
 * time; an object that is damaged (corrupt gzip, not a log) is counted,
 * logged and passed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "audit/audit_internal.h"
#include "audit/pull/s3.h"
#include "audit/pull/env.h"
#include "audit/pull/http.h"
#include "lib/log.h"
#include "lib/redact.h"
#include "state/cursor.h"

static int parse_url(const char *url, struct s3_conf *s)
{
	const char *b = url + 5, *slash = strchr(b, '/');
	size_t blen = slash ? (size_t)(slash - b) : strlen(b);
	char shown[REDACT_MAX];
	int n;

	redact__url(url, shown, sizeof(shown));
	s->gcs = strncmp(url, "gs://", 5) == 0;
	if (blen == 0 || blen >= sizeof(s->bucket)) {
		log_err("audit source '%s': no bucket name", shown);
		return -EINVAL;
	}
	memcpy(s->bucket, b, blen);
	s->bucket[blen] = '\0';
	n = snprintf(s->prefix, sizeof(s->prefix), "%s", slash ? slash + 1 : "");
	if (n < 0 || (size_t)n >= sizeof(s->prefix)) {
		log_err("audit source '%s': prefix too long", shown);
		return -EINVAL;
	}
	return 0;
}

static const char *env_or(const char *name, const char *dflt)
{
	const char *v = getenv(name);

	return v && *v ? v : dflt;
}

int s3_conf__init(struct s3_conf *s, const char *url)
{
	const char *ep, *ps;
	char shown[REDACT_MAX];
	uint64_t page;
	int n, err;

	memset(s, 0, sizeof(*s));
	err = parse_url(url, s);
	if (err)
		return err;
	n = snprintf(s->region, sizeof(s->region), "%s",
		     env_or("GATEWATCH_S3_REGION", env_or("AWS_REGION",
			    env_or("AWS_DEFAULT_REGION", s->gcs ? "auto" : "us-east-1"))));
	if (n < 0 || (size_t)n >= sizeof(s->region))
		goto bad_region;
	ep = env_or("GATEWATCH_S3_ENDPOINT", NULL);
	if (ep)
		n = snprintf(s->endpoint, sizeof(s->endpoint), "%s", ep);
	else if (s->gcs)
		n = snprintf(s->endpoint, sizeof(s->endpoint), "https://storage.googleapis.com");
	else
		n = snprintf(s->endpoint, sizeof(s->endpoint), "https://s3.%s.amazonaws.com", s->region);
	if (n < 0 || (size_t)n >= sizeof(s->endpoint) ||
	    (strncmp(s->endpoint, "http://", 7) != 0 && strncmp(s->endpoint, "https://", 8) != 0)) {
		log_err("GATEWATCH_S3_ENDPOINT: expected http(s)://host[:port], got '%s'",
			redact__url(s->endpoint, shown, sizeof(shown)));
		return -EINVAL;
	}
	n = (int)strlen(s->endpoint);
	while (n > 0 && s->endpoint[n - 1] == '/')
		s->endpoint[--n] = '\0';
	ps = env_or("GATEWATCH_S3_PATH_STYLE", NULL);
	s->path_style = ps ? strcmp(ps, "0") != 0 : (ep || s->gcs);
	if (pull_env__u64("GATEWATCH_S3_MAX_OBJECTS", 0, 0, UINT64_MAX, &s->max_objects) < 0 ||
	    pull_env__u64("GATEWATCH_S3_PAGE_SIZE", 1000, 1, 1000, &page) < 0)
		return -EINVAL;
	snprintf(s->page_size, sizeof(s->page_size), "%llu", (unsigned long long)page);
	s->state_dir = audit_state_dir();
	n = snprintf(s->source, sizeof(s->source), "%s %s", s->endpoint, url);
	if (n < 0 || (size_t)n >= sizeof(s->source)) {
		log_err("audit source '%s': URL too long", redact__url(url, shown, sizeof(shown)));
		return -EINVAL;
	}
	return s3_cred__load(&s->cred);
bad_region:
	log_err("GATEWATCH_S3_REGION: region name too long");
	return -EINVAL;
}

int s3pull__check(const char *url)
{
	struct s3_conf s;
	struct s3_pager pg;
	int err = s3_conf__init(&s, url);

	if (!err)
		err = s3_pager__init(&pg);
	s3_cred__clear(&s.cred);
	return err;
}

/* Fetch one object into the spool file, then read it from there as a
 * stream (decompressed on the way); advance the cursor. Returns 0 to go
 * on, 1 to end the run (transport failure), or a callback error. */
static int one_object(struct audit_ctx *c, struct s3_http *h, const struct s3_conf *s,
		      const char *key, int format, int spool)
{
	char path[1200];
	int err, n;

	n = snprintf(path, sizeof(path), "%s://%s/%s", s->gcs ? "gs" : "s3", s->bucket, key);
	if (n < 0 || (size_t)n >= sizeof(path))
		return 0;
	c->path = path;
	err = s3_http__get_object(h, key, spool);
	if (err)
		c->st->files_failed++;
	/* Unread for now (the network, or a permission the operator can fix):
	 * the run ends before it, counted, and the next one retries it. */
	if (err == -EAGAIN || err == -EACCES)
		return 1;
	if (!err && (err = audit_fd__parse(c, format, spool)) != 0)
		return err;
	if (s->state_dir) {
		err = cursor__save(s->state_dir, s->source, key);
		if (err) {
			log_err("failed to save the cursor in %s: %s", s->state_dir, strerror(-err));
			return 1;
		}
	}
	return 0;
}

/* Temporary credentials about to expire: fetch them again and sign the
 * next requests with them. On failure the old ones are kept (the server
 * says when they no longer work). */
static int refresh_cred(struct s3_conf *s, struct s3_http **h)
{
	struct s3_cred fresh;
	struct s3_http *nh;

	if (!s3_cred__stale(&s->cred))
		return 0;
	memset(&fresh, 0, sizeof(fresh));
	if (s3_cred__imds(&fresh) < 0) {
		log_warn("failed to refresh the credentials from the instance metadata service");
		return 0;
	}
	s3_cred__clear(&s->cred);
	s->cred = fresh;
	s3_cred__clear(&fresh);
	nh = s3_http__new(s);
	if (!nh)
		return -ENOMEM;
	s3_http__free(*h);
	*h = nh;
	log_info("refreshed the credentials from the instance metadata service");
	return 0;
}

static int is_digest(const char *key)
{
	return strstr(key, "/CloudTrail-Digest/") != NULL;
}

int s3pull__read(struct audit_ctx *c, const char *url, int format)
{
	struct s3_conf s;
	struct s3_http *h = NULL;
	struct s3_list l = { 0 };
	struct s3_pager pg = { 0 };
	char cursor[CURSOR_MAX_KEY + 1] = "";
	const char *why, *src = c->path;   /* the URL as shown: no secrets */
	uint64_t done = 0;
	int err, spool = -1;

	err = s3_conf__init(&s, url);
	if (!err)
		err = s3_pager__init(&pg);
	if (err)
		goto out;
	spool = http_spool__open(s.state_dir);
	if (spool < 0) {
		err = spool;
		log_err("%s: cannot make a file to spool objects in: %s", src, strerror(-err));
		goto out;
	}
	if (s.state_dir) {
		err = cursor__load(s.state_dir, s.source, cursor, sizeof(cursor));
		if (err && err != -ENOENT)
			log_warn("%s: ignoring the cursor in %s: %s", src, s.state_dir, strerror(-err));
		if (*cursor)
			log_info("%s: resuming after %s", src, cursor);
	}
	if (!*s.cred.access_key)
		s3_cred__imds(&s.cred);
	h = s3_http__new(&s);
	if (!h) {
		err = -ENOMEM;
		goto out;
	}
	do {
		err = refresh_cred(&s, &h);
		if (err)
			break;
		err = s3_http__list(h, cursor, &l);
		if (err) {
			log_err("failed to list %s: giving up for this run", src);
			c->st->files_failed++;
			err = 0;
			break;
		}
		err = s3_pager__next(&pg, &l, &why);
		if (err) {
			log_err("failed to list %s: %s; stopping this pull", src,
				why ? why : "out of memory");
			c->st->files_failed++;
			err = err == -ELOOP ? 0 : err;
			break;
		}
		for (size_t i = 0; i < l.n && !err; i++) {
			if (s.max_objects && done >= s.max_objects)
				goto stop;
			if (is_digest(l.keys[i])) {
				c->st->digests++;
				continue;
			}
			err = refresh_cred(&s, &h);
			if (!err)
				err = one_object(c, h, &s, l.keys[i], format, spool);
			done++;
			if (err == 1)
				log_err("%s: pull stopped at %s; the next run retries it", src, l.keys[i]);
		}
		/* The continuation token drives paging; the cursor only the start. */
	} while (!err && l.truncated);
stop:
	err = err == 1 ? 0 : err;
	c->path = src;
out:
	if (spool >= 0)
		close(spool);
	s3_pager__free(&pg);
	s3_list__free(&l);
	s3_http__free(h);
	s3_cred__clear(&s.cred);
	return err;
}
