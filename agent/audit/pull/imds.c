/* S3 credentials from the EC2 instance metadata service, IMDSv2 only: a
 * session token from PUT /latest/api/token, then the role name and its
 * temporary credentials with that token. See s3pull.h.
 *
 *   AWS_EC2_METADATA_SERVICE_ENDPOINT  http://host[:port], default
 *                                      http://169.254.169.254 (as the SDKs)
 *   AWS_EC2_METADATA_DISABLED=true     never ask it
 *
 * Off EC2 nothing answers: the connection attempt is short and silent. The
 * secrets and the session token are never logged, and every buffer that
 * held them is wiped. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "lib/clock.h"
#include "lib/isotime.h"
#include "audit/pull/s3.h"
#include "audit/pull/http.h"
#include "lib/log.h"

#define IMDS_DEFAULT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"
#define IMDS_MAX_BODY ((size_t)64 << 10)

struct imds {
	CURL *curl;
	char base[512];
	char token_hdr[256];      /* "X-aws-ec2-metadata-token: ..." */
	struct http_body body;
};

static void body_wipe(struct http_body *b)
{
	if (b->buf)
		explicit_bzero(b->buf, b->size);
	b->len = 0;
}

/* One request to path; the answer is in m->body. 0, -ENOENT when nothing
 * answered (not on EC2), -EIO on an HTTP error (logged). */
static int imds_req(struct imds *m, const char *path, int put)
{
	struct curl_slist *hdrs = NULL;
	char url[1024];
	long code = 0;
	CURLcode rc;

	snprintf(url, sizeof(url), "%s%s", m->base, path);
	hdrs = curl_slist_append(NULL, put ? "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL
				 : m->token_hdr);
	if (!hdrs)
		return -ENOMEM;
	body_wipe(&m->body);
	m->body.cap = IMDS_MAX_BODY;
	m->body.too_big = 0;
	curl_easy_setopt(m->curl, CURLOPT_URL, url);
	curl_easy_setopt(m->curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(m->curl, CURLOPT_CUSTOMREQUEST, put ? "PUT" : NULL);
	rc = curl_easy_perform(m->curl);
	curl_slist_free_all(hdrs);
	if (rc != CURLE_OK) {
		log_debug("instance metadata service %s: %s", m->base, curl_easy_strerror(rc));
		return -ENOENT;
	}
	curl_easy_getinfo(m->curl, CURLINFO_RESPONSE_CODE, &code);
	if (code != 200 || !m->body.buf) {
		log_warn("instance metadata service %s: HTTP %ld for %s", m->base, code, path);
		return -EIO;
	}
	return 0;
}

static int copy(char *dst, size_t size, const char *src)
{
	int n = snprintf(dst, size, "%s", src ? src : "");

	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

/* The credentials document of the role into c. */
static int parse_creds(const char *json, struct s3_cred *c)
{
	cJSON *doc = cJSON_Parse(json);
	const char *ak, *sk, *tok, *exp;
	int err = -EBADMSG;

	if (!doc)
		return -EBADMSG;
	ak = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "AccessKeyId"));
	sk = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "SecretAccessKey"));
	tok = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "Token"));
	exp = cJSON_GetStringValue(cJSON_GetObjectItem(doc, "Expiration"));
	if (!ak || !*ak || !sk || !*sk)
		goto out;
	if (copy(c->access_key, sizeof(c->access_key), ak) ||
	    copy(c->secret_key, sizeof(c->secret_key), sk) ||
	    copy(c->session_token, sizeof(c->session_token), tok))
		goto out;
	c->expires_ms = 0;
	if (exp && iso8601__parse(exp, strlen(exp), &c->expires_ms) < 0)
		c->expires_ms = 0;
	err = 0;
out:
	if (err)
		explicit_bzero(c, sizeof(*c));
	/* the document held the secrets: wipe its strings before freeing */
	for (cJSON *it = doc->child; it; it = it->next)
		if (cJSON_IsString(it) && it->valuestring)
			explicit_bzero(it->valuestring, strlen(it->valuestring));
	cJSON_Delete(doc);
	return err;
}

static int imds_init(struct imds *m)
{
	const char *ep = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
	size_t n;

	if (copy(m->base, sizeof(m->base), ep && *ep ? ep : IMDS_DEFAULT) ||
	    (strncmp(m->base, "http://", 7) != 0 && strncmp(m->base, "https://", 8) != 0)) {
		log_err("AWS_EC2_METADATA_SERVICE_ENDPOINT: expected http(s)://host[:port]");
		return -EINVAL;
	}
	n = strlen(m->base);
	while (n > 0 && m->base[n - 1] == '/')
		m->base[--n] = '\0';
	m->curl = curl_easy_init();
	if (!m->curl)
		return -ENOMEM;
	curl_easy_setopt(m->curl, CURLOPT_WRITEFUNCTION, http_body__write);
	curl_easy_setopt(m->curl, CURLOPT_WRITEDATA, &m->body);
	curl_easy_setopt(m->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(m->curl, CURLOPT_CONNECTTIMEOUT_MS, 1000L);
	curl_easy_setopt(m->curl, CURLOPT_TIMEOUT_MS, 3000L);
	curl_easy_setopt(m->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(m->curl, CURLOPT_USERAGENT, "gatewatch");
	curl_easy_setopt(m->curl, CURLOPT_NOPROXY, "*");
	return 0;
}

/* Token, role, credentials. */
static int imds_fetch(struct imds *m, struct s3_cred *c)
{
	char path[512], role[256];
	int err;

	err = imds_req(m, "/latest/api/token", 1);
	if (err)
		return err;
	if (copy(m->token_hdr, sizeof(m->token_hdr), "X-aws-ec2-metadata-token: ") ||
	    strlen(m->token_hdr) + m->body.len >= sizeof(m->token_hdr) ||
	    memchr(m->body.buf, '\n', m->body.len) || memchr(m->body.buf, '\r', m->body.len))
		return -EBADMSG;
	memcpy(m->token_hdr + strlen(m->token_hdr), m->body.buf, m->body.len + 1);
	err = imds_req(m, "/latest/meta-data/iam/security-credentials/", 0);
	if (err)
		return err;
	/* the first role listed, one name per line */
	m->body.buf[strcspn(m->body.buf, "\r\n")] = '\0';
	if (!*m->body.buf || copy(role, sizeof(role), m->body.buf) || strchr(role, '/'))
		return -EBADMSG;
	snprintf(path, sizeof(path), "/latest/meta-data/iam/security-credentials/%s", role);
	err = imds_req(m, path, 0);
	if (err)
		return err;
	err = parse_creds(m->body.buf, c);
	if (!err)
		copy(c->where, sizeof(c->where), "the instance metadata service");
	return err;
}

int s3_cred__imds(struct s3_cred *c)
{
	const char *off = getenv("AWS_EC2_METADATA_DISABLED");
	struct imds m = { 0 };
	struct s3_cred got = { 0 };
	int err;

	if (off && strcasecmp(off, "true") == 0)
		return -ENOENT;
	err = imds_init(&m);
	if (!err)
		err = imds_fetch(&m, &got);
	if (err == -EBADMSG)
		log_warn("instance metadata service %s: unexpected answer; no credentials from it",
			 m.base);
	if (!err) {
		got.from_imds = 1;
		*c = got;
	}
	body_wipe(&m.body);
	free(m.body.buf);
	explicit_bzero(&m.token_hdr, sizeof(m.token_hdr));
	explicit_bzero(&got, sizeof(got));
	if (m.curl)
		curl_easy_cleanup(m.curl);
	return err;
}

int s3_cred__stale(const struct s3_cred *c)
{
	if (!c->from_imds || !c->expires_ms)
		return 0;
	return gw_wall_ms() >= c->expires_ms - S3_CRED_REFRESH_MS;
}
