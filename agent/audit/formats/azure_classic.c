/* Azure Storage Analytics logs ($logs/blob/YYYY/MM/DD/hhmm/NNNNNN.log),
 * versions 1.0 (30 fields) and 2.0 (38 fields, more may follow) -> events.
 *
 * Fields are separated by ';'. A quoted field may hold ';' (user agents do)
 * and a quote of its own (the docs' etags are written ""0x..""), so a quoted
 * field ends only at a quote followed by ';' or the end of the line. Values
 * are HTML-encoded (&quot;). Fields used, 1-based as documented:
 *   1 version, 2 request-start-time, 3 operation-type, 4 request-status,
 *   5 http-status-code, 8 authentication-type, 9 requester-account-name,
 *   10 owner-account-name, 11 service-type, 13 requested-object-key,
 *   14 request-id-header, 16 requester-ip-address, 19 request-packet-size,
 *   21 response-packet-size, 28 user-agent-header,
 *   v2.0: 31 user-object-id, 32 tenant-id, 33 application-id,
 *         36 user-principal-name.
 */
#include <errno.h>
#include <string.h>

#include "audit/audit_internal.h"
#include "lib/hash.h"
#include "lib/isotime.h"
#include "audit/formats/jsonrec.h"

#define V1_FIELDS 30
#define V2_FIELDS 38
#define MAX_FIELDS 48

struct fld {
	const char *s;
	size_t n;
};

/* The audit_ctx's last-value slots this format uses. */
enum { L_API, L_ERR, L_AUTH, L_ANON, L_PRINCIPAL, L_ACCOUNT, L_SERVICE, L_UA, L_BUCKET };

/* Returns the number of fields, or -1 past MAX_FIELDS or on an open quote.
 * One pass: each field's end is found with an inline byte search. */
static int split(const char *l, size_t len, struct fld *f)
{
	const char *p = l, *end = l + len, *e;
	int n = 0;

	for (;;) {
		if (n == MAX_FIELDS)
			return -1;
		if (p < end && *p == '"') {
			e = audit__find_byte(++p, end, '"');
			while (e < end && e + 1 < end && e[1] != ';')
				e = audit__find_byte(e + 1, end, '"');
			if (e == end)
				return -1;
			f[n].s = p;
			f[n++].n = (size_t)(e - p);
			e++;
		} else {
			e = audit__find_byte(p, end, ';');
			f[n].s = p;
			f[n++].n = (size_t)(e - p);
		}
		if (e == end)
			return n;
		p = e + 1; /* past the ';' */
	}
}

static int has(const struct fld *f, const char *word, size_t wn)
{
	return audit__find_word(f->s, f->n, word, wn) != NULL;
}

static int is(const struct fld *f, const char *s)
{
	return f->n == strlen(s) && memcmp(f->s, s, f->n) == 0;
}

/* Azure operation names shared by the classic and the JSON logs. */
int azure__action(const char *op)
{
	static const char *const reads[] = { "GetBlob", "CopyBlobSource", "GetFile", "QueryBlobContents" };
	static const char *const writes[] = { "PutBlob", "PutBlock", "PutBlockList", "AppendBlock",
					      "PutPage", "CreateFile", "PutRange", "SetBlobMetadata",
					      "SetBlobProperties", "SetBlobTier", "UndeleteBlob" };
	/* Server-side copies into this account, from a blob or a URL. */
	static const char *const copies[] = { "CopyBlob", "CopyBlobDestination", "PutBlockFromURL",
					      "PutBlobFromURL", "CopyBlobFromURL", "AppendBlockFromURL",
					      "PutPageFromURL", "CopyFile" };
	static const char *const lists[] = { "ListBlobs", "ListContainers", "GetBlobProperties",
					     "GetContainerProperties", "GetBlobMetadata",
					     "GetAccountInformation", "FindBlobsByTags" };

	for (size_t i = 0; i < sizeof(reads) / sizeof(reads[0]); i++)
		if (strcmp(op, reads[i]) == 0)
			return GW_ACT_OBJECT_READ;
	for (size_t i = 0; i < sizeof(writes) / sizeof(writes[0]); i++)
		if (strcmp(op, writes[i]) == 0)
			return GW_ACT_OBJECT_WRITE;
	for (size_t i = 0; i < sizeof(copies) / sizeof(copies[0]); i++)
		if (strcmp(op, copies[i]) == 0)
			return GW_ACT_OBJECT_COPY;
	if (strcmp(op, "DeleteBlob") == 0 || strcmp(op, "DeleteFile") == 0)
		return GW_ACT_OBJECT_DELETE;
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++)
		if (strcmp(op, lists[i]) == 0)
			return GW_ACT_LIST;
	if (strstr(op, "Acl") || strstr(op, "Policy") || strstr(op, "ServiceProperties") ||
	    strstr(op, "UserDelegationKey"))
		return GW_ACT_PERMISSION;
	if (strstr(op, "Container") || strstr(op, "Lease") || strstr(op, "Snapshot"))
		return GW_ACT_MANAGEMENT;
	return GW_ACT_OTHER;
}

/* "/account/container/blob" or a URL -> the container (*b) and the blob
 * name (*o, empty when there is none); 0 when there is no container. */
static int key_spans(const char *k, size_t n, int has_account, struct fld *b, struct fld *o)
{
	const char *end = k + n, *p, *q;

	o->s = "";
	o->n = 0;
	p = audit__find_word(k, n, "://", 3);
	if (p) {
		p = memchr(p + 3, '/', (size_t)(end - p - 3));
		if (!p)
			return 0;
		q = memchr(p, '?', (size_t)(end - p));
		end = q ? q : end;
		has_account = 0;
	} else {
		p = k;
	}
	if (p < end && *p == '/')
		p++;
	if (has_account) {
		q = audit__find_byte(p, end, '/');
		if (q == end)
			return 0;
		p = q + 1;
	}
	q = audit__find_byte(p, end, '/');
	b->s = p;
	b->n = (size_t)(q - p);
	if (q < end) {
		o->s = q + 1;
		o->n = (size_t)(end - q - 1);
	}
	return 1;
}

/* The container and blob name of a key (as key_spans) interned into ev. */
static void split_key(struct rec_strs *r, const char *k, size_t n, int has_account,
		      struct audit_event *ev)
{
	struct fld b, o;

	if (!key_spans(k, n, has_account, &b, &o))
		return;
	ev->bucket = rec__intern(r, b.s, b.n);
	if (o.n)
		ev->object_key = rec__intern(r, o.s, o.n);
}

void azure__split_key(struct rec_strs *r, const char *k, size_t n, int has_account,
		      struct audit_event *ev)
{
	split_key(r, k, n, has_account, ev);
}

/* A field HTML-decoded into tmp (size bytes), or as it is when it holds no
 * '&' (most do not). Decoding only turns entities into ASCII: the line's
 * UTF-8 check still holds. Sets *n. */
static const char *dec_bytes(const struct fld *f, char *tmp, size_t size, size_t *n)
{
	if (f->n >= size || audit__find_byte(f->s, f->s + f->n, '&') == f->s + f->n) {
		*n = f->n;
		return f->s;
	}
	*n = audit__html_decode(f->s, f->n, tmp);
	return tmp;
}

static const char *dec(struct rec_strs *r, unsigned slot, const struct fld *f, char *tmp,
		       size_t size)
{
	size_t n;
	const char *s = dec_bytes(f, tmp, size, &n);

	return rec__intern_last(r, slot, s, n, NULL);
}

/* 1 when the query parameter p (n bytes, "name=value") is one of the
 * fields a SAS token is signed over (its signature, sig, is not: the log
 * masks it). */
static int sas_field(const char *p, size_t n)
{
	static const char *const names[] = { "sv", "ss", "srt", "sr", "sp", "st", "se", "sip",
					     "spr", "si", "skoid", "sktid", "skt", "ske", "sks",
					     "skv", "saoid", "suoid", "scid", "sdd", "ses", "sduoid" };
	const char *eq = memchr(p, '=', n);
	size_t k = eq ? (size_t)(eq - p) : n;

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (k == strlen(names[i]) && memcmp(p, names[i], k) == 0)
			return 1;
	return 0;
}

/* A SAS token named by what it grants: the request URL's signed fields
 * (version, permissions, resource, start, expiry, addresses, stored policy
 * ...), which one token repeats on every request and another token does
 * not. "sas:ACCOUNT:policy/NAME" for a token bound to a stored access
 * policy (si), else "sas:ACCOUNT:" and 16 hex digits; NULL without a query. */
static const char *sas_principal(struct rec_strs *r, const struct fld *raw, const struct fld *acct)
{
	char dec[2048], name[320];
	struct fld u = *raw, *url = &u;
	const char *q, *end, *p, *amp;
	uint64_t h = GW_FNV64_INIT;
	int n, fields = 0;

	if (u.n < sizeof(dec) && memchr(u.s, '&', u.n)) {
		u.n = audit__html_decode(u.s, u.n, dec);   /* "&amp;" in a quoted field */
		u.s = dec;
	}
	q = memchr(url->s, '?', url->n);
	end = url->s + url->n;

	for (p = q ? q + 1 : end; p < end; p = amp + 1) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		if (!sas_field(p, (size_t)(amp - p)))
			continue;
		fields++;
		if ((size_t)(amp - p) > 3 && memcmp(p, "si=", 3) == 0 && (size_t)(amp - p) < 200) {
			n = snprintf(name, sizeof(name), "sas:%.*s:policy/%.*s", (int)acct->n, acct->s,
				     (int)(amp - p - 3), p + 3);
			return n > 0 && (size_t)n < sizeof(name) ? rec__intern_str(r, name) : NULL;
		}
		h = gw_fnv1a64(gw_fnv1a64(h, p, (size_t)(amp - p)), "&", 1);
	}
	if (!fields)
		return NULL;
	n = snprintf(name, sizeof(name), "sas:%.*s:%016llx", (int)acct->n, acct->s,
		     (unsigned long long)h);
	return n > 0 && (size_t)n < sizeof(name) ? rec__intern_str(r, name) : NULL;
}

static void principal(struct rec_strs *r, const struct fld *f, int nf, struct audit_event *ev)
{
	const struct fld *auth = &f[7];

	ev->access_key = rec__intern_last(r, L_AUTH, auth->s, auth->n, NULL);
	ev->principal_account = "";
	ev->principal_kind = is(auth, "sas") ? GW_PK_SAS : GW_PK_OWN;
	if (is(auth, "anonymous")) {
		ev->principal_type = GW_PT_ANONYMOUS;
		ev->principal_kind = GW_PK_ANONYMOUS;
		ev->principal = rec__intern_last(r, L_ANON, "anonymous", 9, NULL);
		return;
	}
	if (nf >= V2_FIELDS && f[35].n) {
		ev->principal_type = GW_PT_USER;
		ev->principal = rec__intern_valid(r, f[35].s, f[35].n);
	} else if (nf >= V2_FIELDS && f[30].n) {
		ev->principal_type = GW_PT_USER;
		ev->principal = rec__intern_valid(r, f[30].s, f[30].n);
	} else if (is(auth, "sas") && (ev->principal = sas_principal(r, &f[11], &f[9])) != NULL) {
		/* Each SAS token is a principal of its own, with its own
		 * addresses and reads, as StorageBlobLogs' tokenHash makes it. */
		ev->principal_type = GW_PT_UNKNOWN;
		ev->access_key = ev->principal;
	} else {
		/* An account key: the account is all the log knows. */
		ev->principal_type = GW_PT_UNKNOWN;
		ev->principal = rec__intern_last(r, L_PRINCIPAL, f[8].s, f[8].n, NULL);
		ev->key_long_term = is(auth, "authenticated");
	}
}

static int outcome(const struct fld *st, unsigned status)
{
	if (status < 400 && !has(st, "Error", 5))
		return GW_OUT_OK;
	if (status == 401 || status == 403 || has(st, "Authoriz", 8) || has(st, "Authentic", 9))
		return GW_OUT_DENIED;
	return GW_OUT_ERROR;
}

/* "ip:port", or "[v6]:port": the address without the port of a v4 one. */
static struct fld address(const struct fld *f)
{
	struct fld a = *f;
	int n;

	for (n = (int)f->n - 1; n > 0 && f->s[n] != ':' && f->s[n] != ']'; n--)
		;
	if (n > 0 && f->s[n] == ':' && audit__find_byte(f->s, f->s + n, '.') < f->s + n)
		a.n = (size_t)n;
	return a;
}

/* The fraction of "YYYY-MM-DDThh:mm:ss.fffffffZ" (as the service writes
 * it) in ms, or -1 for another shape. */
static int fraction_ms(const struct fld *f)
{
	const char *s = f->s;

	if (f->n != 28 || s[19] != '.' || s[27] != 'Z')
		return -1;
	for (int i = 20; i < 27; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	return (s[20] - '0') * 100 + (s[21] - '0') * 10 + (s[22] - '0');
}

/* "YYYY-MM-DDThh:mm:ss" of a day no month lacks (1 to 28) -> UTC ms, or
 * -1: iso8601__parse decides the rest. */
static int64_t second_ms(const char *s)
{
	static const unsigned char pos[] = { 0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18 };
	unsigned v[14], y, mo, d, hh, mi, ss;

	if (s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':')
		return -1;
	for (int i = 0; i < 14; i++) {
		v[i] = (unsigned)(unsigned char)s[pos[i]] - '0';
		if (v[i] > 9)
			return -1;
	}
	y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
	mo = v[4] * 10 + v[5];
	d = v[6] * 10 + v[7];
	hh = v[8] * 10 + v[9];
	mi = v[10] * 10 + v[11];
	ss = v[12] * 10 + v[13];
	if (mo < 1 || mo > 12 || d < 1 || d > 28 || hh > 23 || mi > 59 || ss > 60)
		return -1;
	return (iso8601__days_from_civil(y, mo, d) * 86400 + hh * 3600 + mi * 60 + ss) * 1000;
}

/* The request start time: iso8601__parse, or for the service's own shape
 * the value of its second (the last line's when the same) plus the
 * fraction. */
static int parse_time(struct audit_ctx *c, const struct fld *f, int64_t *ms)
{
	struct audit_tlast *t = &c->tlast;
	int frac = fraction_ms(f);
	int64_t sec;

	if (frac >= 0 && t->n == 19 && memcmp(t->s, f->s, 19) == 0) {
		*ms = t->ms + frac;
		return 0;
	}
	if (frac >= 0 && (sec = second_ms(f->s)) >= 0)
		*ms = sec + frac;
	else if (iso8601__parse(f->s, f->n, ms) < 0)
		return -EINVAL;
	if (frac >= 0) {
		memcpy(t->s, f->s, 19);
		t->n = 19;
		t->ms = *ms - frac;
	}
	return 0;
}

/* The parts of a record that are seldom the last value (address, blob
 * name) and its de-duplication slot start loading: their misses overlap. */
struct early {
	struct fld ip, bucket, blob;
	int has_bucket;
	uint64_t h_ip, h_blob, dedup;
};

static void early(struct audit_ctx *c, const struct fld *f, const char *key, size_t kn, int64_t ms,
		  struct early *e)
{
	e->has_bucket = kn && key_spans(key, kn, 1, &e->bucket, &e->blob);
	if (!e->has_bucket)
		e->blob.n = 0;
	e->ip = address(&f[15]);
	e->h_ip = e->ip.n ? audit_ctx__prefetch(c, e->ip.s, e->ip.n) : 0;
	e->h_blob = e->blob.n ? audit_ctx__prefetch(c, e->blob.s, e->blob.n) : 0;
	e->dedup = audit_dedup__key_early(GW_CLOUD_AZURE, ms, f[2].s, f[2].n, e->blob.s, e->blob.n,
					  f[13].s, f[13].n);
}

static int line(struct audit_ctx *c, const char *l, size_t len, size_t off)
{
	struct fld f[MAX_FIELDS];
	struct audit_event ev = { 0 };
	struct rec_strs r = { .c = c };
	struct early e;
	char tmp[4096];
	const char *key;
	unsigned status = 0;
	size_t kn;
	int n, v2;

	c->st->records++;
	n = split(l, len, f);
	v2 = n > 0 && is(&f[0], "2.0");
	if (n < 0 || !(v2 ? n >= V2_FIELDS : (is(&f[0], "1.0") && n == V1_FIELDS)) ||
	    parse_time(c, &f[1], &ev.time_ms) < 0 || !f[2].n) {
		audit_ctx__skip_at(c, off, "not an Azure Storage Analytics 1.0/2.0 record (%d fields)",
				   n);
		return 0;
	}
	key = dec_bytes(&f[12], tmp, sizeof(tmp), &kn);
	early(c, f, key, kn, ev.time_ms, &e);
	for (size_t i = 0; i < f[4].n && i < 4; i++)
		status = status * 10 + (unsigned)(f[4].s[i] >= '0' && f[4].s[i] <= '9' ? f[4].s[i] - '0' : 0);
	ev.cloud = GW_CLOUD_AZURE;
	ev.api = rec__intern_last(&r, L_API, f[2].s, f[2].n, NULL);
	ev.action = (uint8_t)audit_ctx__memo(c, ev.api, azure__action);
	ev.outcome = (uint8_t)outcome(&f[3], status);
	ev.error_code = ev.outcome == GW_OUT_OK ? "" : rec__intern_last(&r, L_ERR, f[3].s, f[3].n, NULL);
	principal(&r, f, n, &ev);
	ev.account = rec__intern_last(&r, L_ACCOUNT, f[9].s, f[9].n, NULL);
	ev.service = rec__intern_last(&r, L_SERVICE, f[10].s, f[10].n, NULL);
	ev.bucket = ev.object_key = "";
	/* The key is split, not kept whole; one longer than a field may be is
	 * bad input all the same. */
	if (f[12].n > AUDIT_MAX_FIELD)
		rec__intern(&r, f[12].s, f[12].n);
	if (e.has_bucket) {
		ev.bucket = rec__intern_last(&r, L_BUCKET, e.bucket.s, e.bucket.n, NULL);
		if (e.blob.n)
			ev.object_key = rec__intern_hashed(&r, e.blob.s, e.blob.n, 0, e.h_blob);
	}
	ev.request_id = rec__unique_valid(&r, f[13].s, f[13].n);
	ev.source_ip = rec__intern_hashed(&r, e.ip.s, e.ip.n, 0, e.h_ip);
	ev.bytes_in = audit__dec_u64(f[18].s, f[18].n);
	ev.bytes_out = audit__dec_u64(f[20].s, f[20].n);
	ev.user_agent = dec(&r, L_UA, &f[27], tmp, sizeof(tmp));
	ev.region = "";
	return rec__finish_key(&r, &ev, off, e.dedup);
}

int azure_classic__detect(const char *buf, size_t len)
{
	return len > 4 && (memcmp(buf, "1.0;", 4) == 0 || memcmp(buf, "2.0;", 4) == 0);
}

int azure_classic__parse(struct audit_ctx *c, const char *buf, size_t len)
{
	return audit_lines__each(c, buf, len, line);
}

size_t azure_classic__chunk(struct audit_ctx *c, const char *buf, size_t len, int final, int *err)
{
	return audit_lines__chunk(c, buf, len, final, line, err);
}
