/* AWS S3 server access logs -> audit events.
 *
 * One request per line, space-separated; the time is bracketed
 * ("[06/Feb/2019:00:00:38 +0000]"), the request URI, referrer and user agent
 * are quoted, "-" means empty. Fields, in order:
 *   owner bucket [time] remote_ip requester request_id operation key
 *   "request_uri" status error_code bytes_sent object_size total_time
 *   turnaround "referrer" "user_agent" version_id host_id sig_version cipher
 *   auth_type host_header tls_version [access_point_arn] [acl_required]
 * Newer fields are appended over the years, so only the first 18 are
 * required. Keys are URL-encoded in the log and decoded here.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "lib/isotime.h"

enum {
	F_OWNER, F_BUCKET, F_TIME, F_IP, F_REQUESTER, F_REQID, F_OP, F_KEY, F_URI,
	F_STATUS, F_ERR, F_SENT, F_OBJSIZE, F_TOTAL, F_TURN, F_REF, F_UA, F_VERSION,
	F_HOSTID, F_SIGV, F_CIPHER, F_AUTH, F_HOST, F_MAX = 26,
};
#define F_REQUIRED 18

struct fld {
	const char *s;
	size_t n;
};

/* Split a line into fields; returns the count (at most F_MAX), -1 when a
 * quote or bracket is not closed. */
static int split(const char *l, size_t len, struct fld *f)
{
	const char *p = l, *end = l + len, *e;
	int n = 0;
	char close;

	while (p < end && n < F_MAX) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		close = *p == '"' ? '"' : *p == '[' ? ']' : 0;
		if (close) {
			p++;
			e = memchr(p, close, (size_t)(end - p));
			if (!e)
				return -1;
			f[n].s = p;
			f[n++].n = (size_t)(e - p);
			p = e + 1;
			continue;
		}
		e = memchr(p, ' ', (size_t)(end - p));
		if (!e)
			e = end;
		f[n].s = p;
		f[n++].n = (size_t)(e - p);
		p = e;
	}
	return n;
}

static int dash(const struct fld *f)
{
	return f->n == 0 || (f->n == 1 && f->s[0] == '-');
}

static int month_of(const char *m)
{
	static const char names[] = "JanFebMarAprMayJunJulAugSepOctNovDec";

	for (int i = 0; i < 12; i++)
		if (memcmp(m, names + i * 3, 3) == 0)
			return i + 1;
	return 0;
}

static int digits(const char *s, size_t n, unsigned *v)
{
	*v = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	return 0;
}

/* "06/Feb/2019:00:00:38 +0000" -> UTC ms. */
static int parse_time(const struct fld *f, int64_t *ms)
{
	const char *s = f->s;
	unsigned d, y, hh, mm, ss, zh, zm;
	int mon;
	int64_t t;

	if (f->n != 26 || s[2] != '/' || s[6] != '/' || s[11] != ':' || s[20] != ' ')
		return -EINVAL;
	mon = month_of(s + 3);
	if (!mon || digits(s, 2, &d) || digits(s + 7, 4, &y) || digits(s + 12, 2, &hh) ||
	    digits(s + 15, 2, &mm) || digits(s + 18, 2, &ss) || digits(s + 22, 2, &zh) ||
	    digits(s + 24, 2, &zm) || (s[21] != '+' && s[21] != '-'))
		return -EINVAL;
	if (d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	t = iso8601__days_from_civil(y, (unsigned)mon, d) * 86400 + hh * 3600 + mm * 60 + ss;
	t -= (s[21] == '+' ? 1 : -1) * (int64_t)(zh * 3600 + zm * 60);
	*ms = t * 1000;
	return 0;
}

static uint64_t num(const struct fld *f)
{
	uint64_t v = 0;

	for (size_t i = 0; i < f->n && i < 19; i++) {
		if (f->s[i] < '0' || f->s[i] > '9')
			return 0;
		v = v * 10 + (uint64_t)(f->s[i] - '0');
	}
	return v;
}

static int has(const struct fld *f, const char *word)
{
	return memmem(f->s, f->n, word, strlen(word)) != NULL;
}

static int action(const struct fld *op)
{
	if (has(op, "POLICY") || has(op, "ACL") || has(op, "PUBLIC_ACCESS_BLOCK") ||
	    has(op, "OWNERSHIP_CONTROLS"))
		return GW_ACT_PERMISSION;
	/* The source side of a copy (REST.COPY.OBJECT_GET, REST.COPY.PART_GET)
	 * reads; the destination side (REST.COPY.OBJECT, REST.COPY.PART) copies. */
	if (has(op, ".GET.OBJECT") || has(op, "SELECT") || has(op, ".GET.TORRENT") ||
	    (has(op, ".COPY.") && has(op, "_GET")))
		return GW_ACT_OBJECT_READ;
	if (has(op, ".COPY.OBJECT") || has(op, ".COPY.PART"))
		return GW_ACT_OBJECT_COPY;
	if (has(op, "DELETE.OBJECT") || has(op, "MULTI_OBJECT_DELETE"))
		return GW_ACT_OBJECT_DELETE;
	if (has(op, ".PUT.OBJECT") || has(op, ".POST.UPLOAD") ||
	    has(op, ".PUT.PART") || has(op, ".POST.OBJECT") || has(op, ".POST.RESTORE"))
		return GW_ACT_OBJECT_WRITE;
	if (has(op, ".GET.BUCKET") || has(op, ".HEAD.") || has(op, ".GET.LOCATION") ||
	    has(op, ".GET.SERVICE") || has(op, ".GET.UPLOADS") || has(op, "GET.BUCKETVERSIONS"))
		return GW_ACT_LIST;
	if (op->n > 5 && memcmp(op->s, "REST.", 5) == 0)
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

static int action_of(const char *api)
{
	const struct fld op = { api, strlen(api) };

	return action(&op);
}

static void principal(struct rec_strs *r, const struct fld *f, struct audit_event *ev)
{
	const char *acct;
	size_t alen;

	ev->principal_account = "";
	if (dash(f)) {
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal_kind = GW_PK_ANONYMOUS;
		ev->principal = rec__intern_str(r, "anonymous");
		return;
	}
	ev->principal = rec__intern(r, f->s, f->n);
	acct = audit__arn_account(f->s, f->n, &alen);
	ev->principal_account = rec__intern(r, acct, alen);
	ev->principal_kind = GW_PK_OWN;
	if ((f->n > 4 && memcmp(f->s, "svc:", 4) == 0) || (f->n == 8 && memcmp(f->s, "AmazonS3", 8) == 0)) {
		ev->principal_type = GW_PT_SERVICE;
		ev->principal_kind = GW_PK_SERVICE;
	} else if (has(f, ":assumed-role/") || has(f, ":federated-user/")) {
		ev->principal_type = GW_PT_ROLE;
		if (audit__aws_instance_session(f->s, f->n))
			ev->principal_kind = GW_PK_WORKLOAD;
	} else if (has(f, ":user/")) {
		ev->principal_type = GW_PT_USER;
	} else if (f->n > 5 && memcmp(f->s + f->n - 5, ":root", 5) == 0) {
		ev->principal_type = GW_PT_ROOT;
		ev->principal_kind = GW_PK_ROOT;
	} else {
		ev->principal_type = GW_PT_UNKNOWN;
	}
}

static const char *field(struct rec_strs *r, const struct fld *f)
{
	return dash(f) ? "" : rec__intern(r, f->s, f->n);
}

static int line(struct audit_ctx *c, const char *l, size_t len, size_t off)
{
	struct fld f[F_MAX];
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	char key[4096];
	unsigned status = 0;
	int n;

	c->st->records++;
	n = split(l, len, f);
	if (n < F_REQUIRED || parse_time(&f[F_TIME], &ev.time_ms) < 0 ||
	    (!dash(&f[F_STATUS]) && digits(f[F_STATUS].s, f[F_STATUS].n, &status) < 0) ||
	    dash(&f[F_OP])) {
		audit_ctx__skip_at(c, off, "not an S3 server access log record (%d fields)", n);
		return 0;
	}
	ev.cloud = GW_CLOUD_AWS;
	ev.service = rec__intern_str(&r, "s3.amazonaws.com");
	ev.bucket = field(&r, &f[F_BUCKET]);
	ev.source_ip = field(&r, &f[F_IP]);
	principal(&r, &f[F_REQUESTER], &ev);
	ev.request_id = dash(&f[F_REQID]) ? "" : rec__unique(&r, f[F_REQID].s, f[F_REQID].n);
	ev.api = field(&r, &f[F_OP]);
	ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action_of);
	if (!dash(&f[F_KEY]) && f[F_KEY].n < sizeof(key))
		ev.object_key = rec__intern(&r, key, audit__url_decode(f[F_KEY].s, f[F_KEY].n, key));
	else
		ev.object_key = field(&r, &f[F_KEY]);
	ev.error_code = field(&r, &f[F_ERR]);
	ev.outcome = status == 0 || status < 400 ? GW_OUT_OK :
		     (status == 401 || status == 403) ? GW_OUT_DENIED : GW_OUT_ERROR;
	ev.bytes_out = num(&f[F_SENT]);
	if (ev.action == GW_ACT_OBJECT_WRITE || ev.action == GW_ACT_OBJECT_COPY)
		ev.bytes_in = num(&f[F_OBJSIZE]);
	ev.user_agent = field(&r, &f[F_UA]);
	ev.account = ev.access_key = ev.region = "";
	return rec__finish(&r, &ev, off);
}

/* The first line: a canonical id or "-", a bucket, then "[dd/Mon/yyyy:". */
int s3access__detect(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	struct fld f[F_MAX];
	int64_t ms;
	int n;

	if (nl)
		len = (size_t)(nl - buf);
	if (len > 8192)
		len = 8192;
	n = split(buf, len, f);
	return n >= F_REQUIRED && parse_time(&f[F_TIME], &ms) == 0;
}

size_t s3access__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return audit_lines__chunk(c, buf, len, final, line, err);
}

int s3access__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return audit_lines__each(c, buf, len, line);
}
