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
 * required, and only they are split: what follows is not read. Keys are
 * URL-encoded in the log and decoded here. A quoted field ends at the
 * first quote that no backslash escapes (the user agent is the client's
 * text); its bytes are kept as logged.
 *
 * The line path is one pass: fields are split in place (no copy), each
 * field's last value is remembered (bucket, operation and requester repeat
 * from line to line), and only a decoded key is checked for UTF-8 again:
 * audit_lines__each checked the line.
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

/* The audit_ctx's last-value slots this format uses. */
enum { L_SERVICE, L_ANON, L_BUCKET, L_IP, L_REQUESTER, L_ACCOUNT, L_OP, L_ERR, L_UA };

struct fld {
	const char *s;
	size_t n;
};

/* The quote that closes a field opened at p, or end: one that an odd run
 * of backslashes escapes does not. */
static const char *close_quote(const char *p, const char *end)
{
	const char *q = audit__find_byte(p, end, '"'), *b;

	while (q < end) {
		for (b = q; b > p && b[-1] == '\\'; b--)
			;
		if (((q - b) & 1) == 0)
			return q;
		q = audit__find_byte(q + 1, end, '"');
	}
	return end;
}

/* Split a line into at most max fields; returns the count, -1 when a quote
 * or bracket is not closed. */
static int split(const char *l, size_t len, struct fld *f, int max)
{
	const char *p = l, *end = l + len, *e;
	int n = 0;

	while (p < end && n < max) {
		while (p < end && *p == ' ')
			p++;
		if (p == end)
			break;
		if (*p == '"' || *p == '[') {
			e = *p == '"' ? close_quote(p + 1, end) : audit__find_byte(p + 1, end, ']');
			if (e == end)
				return -1;
			f[n].s = p + 1;
			f[n++].n = (size_t)(e - p - 1);
			p = e + 1;
			continue;
		}
		e = audit__find_byte(p, end, ' ');
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
static int parse_time_bytes(const struct fld *f, int64_t *ms)
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

/* parse_time_bytes through the last time parsed (c may be NULL). */
static int parse_time(struct audit_ctx *c, const struct fld *f, int64_t *ms)
{
	struct audit_tlast *t = c ? &c->tlast : NULL;

	if (t && t->n == f->n && f->n == 26 && memcmp(t->s, f->s, 26) == 0) {
		*ms = t->ms;
		return 0;
	}
	if (parse_time_bytes(f, ms) < 0)
		return -EINVAL;
	if (t) {
		memcpy(t->s, f->s, 26);
		t->n = 26;
		t->ms = *ms;
	}
	return 0;
}

static int has(const struct fld *f, const char *word)
{
	return audit__find_word(f->s, f->n, word, strlen(word)) != NULL;
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

/* The requester's type and its kind << 8, and in *acct the account of an
 * ARN (arn:PARTITION:SERVICE:REGION:ACCOUNT:..., else empty): one pass over
 * its colons, which begin every word the kind is read from. */
static int principal_kind(const struct fld *f, struct fld *acct)
{
	const char *s = f->s, *end = s + f->n, *q;
	int role = 0, user = 0, colons = 0;
	size_t left;

	acct->s = "";
	acct->n = 0;
	for (q = audit__find_byte(s, end, ':'); q < end; q = audit__find_byte(q + 1, end, ':')) {
		left = (size_t)(end - q);
		if (++colons == 4)
			acct->s = q + 1;
		else if (colons == 5)
			acct->n = (size_t)(q - acct->s);
		if (left >= 6 && q[1] == 'u' && memcmp(q, ":user/", 6) == 0)
			user = 1;
		else if (left >= 14 && q[1] == 'a' && memcmp(q, ":assumed-role/", 14) == 0)
			role = 1;
		else if (left >= 16 && q[1] == 'f' && memcmp(q, ":federated-user/", 16) == 0)
			role = 1;
	}
	if (colons < 5 || f->n < 4 || memcmp(s, "arn:", 4) != 0) {
		acct->s = "";
		acct->n = 0;
	}
	if ((f->n > 4 && memcmp(s, "svc:", 4) == 0) || (f->n == 8 && memcmp(s, "AmazonS3", 8) == 0))
		return GW_PT_SERVICE | GW_PK_SERVICE << 8;
	if (role)
		return GW_PT_ROLE | (audit__aws_instance_session(s, f->n) ? GW_PK_WORKLOAD : GW_PK_OWN) << 8;
	if (user)
		return GW_PT_USER | GW_PK_OWN << 8;
	if (f->n > 5 && memcmp(end - 5, ":root", 5) == 0)
		return GW_PT_ROOT | GW_PK_ROOT << 8;
	return GW_PT_UNKNOWN | GW_PK_OWN << 8;
}

static void principal(struct rec_strs *r, const struct fld *f, uint64_t h, struct audit_event *ev)
{
	struct fld acct;
	int v;

	ev->principal_account = "";
	if (dash(f)) {
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal_kind = GW_PK_ANONYMOUS;
		ev->principal = rec__intern_last(r, L_ANON, "anonymous", 9, NULL);
		return;
	}
	ev->principal = rec__intern_last_hashed(r, L_REQUESTER, f->s, f->n, h);
	v = principal_kind(f, &acct);
	ev->principal_account = rec__intern_last(r, L_ACCOUNT, acct.s, acct.n, NULL);
	ev->principal_type = (uint8_t)(v & 0xff);
	ev->principal_kind = (uint8_t)(v >> 8);
}

static const char *field(struct rec_strs *r, unsigned slot, const struct fld *f)
{
	return dash(f) ? "" : rec__intern_last(r, slot, f->s, f->n, NULL);
}

/* The object key's bytes, URL-decoded into buf (size bytes) when they
 * hold an escape; *decoded then says that they are to be checked again:
 * only a decoded key can hold bytes the line check did not see (%00, %FF). */
static struct fld key_bytes(const struct fld *f, char *buf, size_t size, int *decoded)
{
	struct fld k = { "", 0 };

	*decoded = 0;
	if (dash(f))
		return k;
	if (f->n >= size || audit__find_byte(f->s, f->s + f->n, '%') == f->s + f->n)
		return *f;
	k.s = buf;
	k.n = audit__url_decode(f->s, f->n, buf);
	*decoded = 1;
	return k;
}

/* The fields that are seldom the last value (address, requester, key) and
 * the de-duplication slot start loading: their cache misses overlap. */
struct early {
	uint64_t ip, req, key, dedup;
};

static void early(struct audit_ctx *c, const struct fld *f, const struct fld *key, int64_t ms,
		  struct early *h)
{
	h->ip = dash(&f[F_IP]) ? 0 : audit_ctx__prefetch(c, f[F_IP].s, f[F_IP].n);
	h->req = dash(&f[F_REQUESTER]) ? 0 : audit_ctx__prefetch(c, f[F_REQUESTER].s, f[F_REQUESTER].n);
	h->key = key->n ? audit_ctx__prefetch(c, key->s, key->n) : 0;
	h->dedup = dash(&f[F_REQID]) ? 0 : audit_dedup__key_early(GW_CLOUD_AWS, ms, f[F_OP].s, f[F_OP].n,
								   key->s, key->n, f[F_REQID].s,
								   f[F_REQID].n);
}

static int line(struct audit_ctx *c, const char *l, size_t len, size_t off)
{
	struct fld f[F_REQUIRED], key;
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	struct early h;
	char kbuf[4096];
	unsigned status = 0;
	int n, decoded;

	c->st->records++;
	n = split(l, len, f, F_REQUIRED);
	if (n < F_REQUIRED || parse_time(c, &f[F_TIME], &ev.time_ms) < 0 ||
	    (!dash(&f[F_STATUS]) && digits(f[F_STATUS].s, f[F_STATUS].n, &status) < 0) ||
	    dash(&f[F_OP])) {
		audit_ctx__skip_at(c, off, "not an S3 server access log record (%d fields)", n);
		return 0;
	}
	key = key_bytes(&f[F_KEY], kbuf, sizeof(kbuf), &decoded);
	early(c, f, &key, ev.time_ms, &h);
	ev.cloud = GW_CLOUD_AWS;
	ev.service = rec__intern_last(&r, L_SERVICE, "s3.amazonaws.com", 16, NULL);
	ev.bucket = field(&r, L_BUCKET, &f[F_BUCKET]);
	ev.source_ip = dash(&f[F_IP]) ? "" : rec__intern_last_hashed(&r, L_IP, f[F_IP].s, f[F_IP].n, h.ip);
	principal(&r, &f[F_REQUESTER], h.req, &ev);
	ev.request_id = dash(&f[F_REQID]) ? "" : rec__unique_valid(&r, f[F_REQID].s, f[F_REQID].n);
	ev.api = field(&r, L_OP, &f[F_OP]);
	ev.action = (uint8_t)audit_ctx__memo(c, ev.api, action_of);
	ev.object_key = key.n ? rec__intern_hashed(&r, key.s, key.n, decoded, h.key) : "";
	ev.error_code = field(&r, L_ERR, &f[F_ERR]);
	ev.outcome = status == 0 || status < 400 ? GW_OUT_OK :
		     (status == 401 || status == 403) ? GW_OUT_DENIED : GW_OUT_ERROR;
	ev.bytes_out = audit__dec_u64(f[F_SENT].s, f[F_SENT].n);
	if (ev.action == GW_ACT_OBJECT_WRITE || ev.action == GW_ACT_OBJECT_COPY)
		ev.bytes_in = audit__dec_u64(f[F_OBJSIZE].s, f[F_OBJSIZE].n);
	ev.user_agent = field(&r, L_UA, &f[F_UA]);
	ev.account = ev.access_key = ev.region = "";
	return rec__finish_key(&r, &ev, off, h.dedup);
}

/* The first line: a canonical id or "-", a bucket, then "[dd/Mon/yyyy:". */
int s3access__detect(const char *buf, size_t len)
{
	const char *nl = memchr(buf, '\n', len);
	struct fld f[F_REQUIRED];
	int64_t ms;
	int n;

	if (nl)
		len = (size_t)(nl - buf);
	if (len > 8192)
		len = 8192;
	n = split(buf, len, f, F_REQUIRED);
	return n >= F_REQUIRED && parse_time(NULL, &f[F_TIME], &ms) == 0;
}

size_t s3access__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return audit_lines__chunk(c, buf, len, final, line, err);
}

int s3access__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return audit_lines__each(c, buf, len, line);
}
