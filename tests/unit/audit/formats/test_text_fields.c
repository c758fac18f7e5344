/* The text formats' line tokenizers, field by field: S3 server access log
 * and Azure Storage Analytics (classic) lines written from the documented
 * field layouts (quoted fields with spaces and separators, '-' and empty
 * fields, escaped and doubled quotes, URL- and HTML-encoded values, the
 * fields AWS appended over the years, Azure's 1.0 and 2.0 field counts),
 * every field of each event compared with the value the layout gives; and
 * hostile lines, each one counted, named error while the stream goes on. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "assert.h"
#include "audit_test_util.h"

/* Every field of a normalized event. */
struct want {
	const char *time;
	int cloud, action, outcome, ptype, pkind, long_term;
	const char *principal, *principal_account, *account, *access_key, *source_ip;
	const char *user_agent, *region, *service, *api, *bucket, *key, *error, *request_id;
	uint64_t bytes_out, bytes_in;
};

#define CHECK_STR(f, exp, got) do { \
	if (strcmp((exp), (got)) != 0) { \
		fprintf(stderr, "  event %zu: %s: expected \"%s\", got \"%s\"\n", i, f, (exp), (got)); \
		bad++; \
	} \
} while (0)
#define CHECK_NUM(f, exp, got) do { \
	if ((long long)(exp) != (long long)(got)) { \
		fprintf(stderr, "  event %zu: %s: expected %lld, got %lld\n", i, f, \
			(long long)(exp), (long long)(got)); \
		bad++; \
	} \
} while (0)

/* The fields of e that differ from w (each printed). */
static int differ(size_t i, const struct audit_event *e, const struct want *w)
{
	int bad = 0;

	CHECK_NUM("time_ms", got_ms(w->time), e->time_ms);
	CHECK_NUM("cloud", w->cloud, e->cloud);
	CHECK_NUM("action", w->action, e->action);
	CHECK_NUM("outcome", w->outcome, e->outcome);
	CHECK_NUM("principal_type", w->ptype, e->principal_type);
	CHECK_NUM("principal_kind", w->pkind, e->principal_kind);
	CHECK_NUM("key_long_term", w->long_term, e->key_long_term);
	CHECK_STR("principal", w->principal, e->principal);
	CHECK_STR("principal_account", w->principal_account, e->principal_account);
	CHECK_STR("account", w->account, e->account);
	CHECK_STR("access_key", w->access_key, e->access_key);
	CHECK_STR("source_ip", w->source_ip, e->source_ip);
	CHECK_STR("user_agent", w->user_agent, e->user_agent);
	CHECK_STR("region", w->region, e->region);
	CHECK_STR("service", w->service, e->service);
	CHECK_STR("api", w->api, e->api);
	CHECK_STR("bucket", w->bucket, e->bucket);
	CHECK_STR("object_key", w->key, e->object_key);
	CHECK_STR("error_code", w->error, e->error_code);
	CHECK_STR("request_id", w->request_id, e->request_id);
	CHECK_NUM("bytes_out", w->bytes_out, e->bytes_out);
	CHECK_NUM("bytes_in", w->bytes_in, e->bytes_in);
	return bad;
}

/* Read text as prefix:FILE; with err set, what the reader logged goes to
 * err (size bytes, NUL-terminated). */
static struct got *read_text(const char *prefix, const char *text, size_t len, char *err,
			     size_t size)
{
	char path[64], spec[96], epath[] = "/tmp/gw-test-err-XXXXXX";
	int efd = -1, saved = -1;
	struct got *g;
	ssize_t n;

	if (got_tmp_file(path, sizeof(path), text, len) < 0)
		return NULL;
	snprintf(spec, sizeof(spec), "%s%s", prefix, path);
	if (err) {
		efd = mkstemp(epath);
		fflush(stderr);
		saved = dup(2);
		dup2(efd, 2);
	}
	g = got_read(spec);
	unlink(path);
	if (err) {
		fflush(stderr);
		dup2(saved, 2);
		close(saved);
		n = pread(efd, err, size - 1, 0);
		err[n > 0 ? n : 0] = '\0';
		close(efd);
		unlink(epath);
	}
	return g;
}

#define OWNER "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"

TEST(s3access_every_field_of_documented_lines)
{
	/* The layout: owner bucket [time] ip requester request-id operation
	 * key "request-uri" status error bytes-sent object-size total-time
	 * turn-around "referer" "user-agent" version-id, then (added later)
	 * host-id signature-version cipher-suite auth-type host-header
	 * tls-version access-point-arn acl-required. */
	static const char text[] =
		/* every field, a URL-encoded key (space, '+', UTF-8) */
		OWNER " amzn-s3-demo-bucket1 [06/Feb/2019:00:00:38 +0000] 192.0.2.3 "
		"arn:aws:iam::123456789012:user/alice 3E57427F3EXAMPLE REST.GET.OBJECT "
		"photos/2019/a%20b%2Bc%C3%A9.jpg \"GET /amzn-s3-demo-bucket1/photos/2019/a%20b%2Bc%C3%A9.jpg HTTP/1.1\" "
		"200 - 3462992 3462992 70 10 \"-\" \"aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0\" - "
		"s9lzHYrFp76ZVxRcpX9+5cjAnEH2ROuNkd2BHfIa6UkFVdtjf5mKR3/eTPFvsiP/XV/VLi31234= SigV4 "
		"ECDHE-RSA-AES128-GCM-SHA256 AuthHeader amzn-s3-demo-bucket1.s3.us-west-1.amazonaws.com "
		"TLSv1.2 arn:aws:s3:us-west-1:123456789012:accesspoint/example-AP Yes\n"
		/* an older line: the first 18 fields only; anonymous, denied */
		OWNER " amzn-s3-demo-bucket1 [06/Feb/2019:00:00:39 +0000] 198.51.100.7 - 891CE47D2EXAMPLE "
		"REST.PUT.OBJECT uploads/x.bin \"PUT /amzn-s3-demo-bucket1/uploads/x.bin HTTP/1.1\" 403 "
		"AccessDenied 243 - 7 - \"-\" \"curl/8.5.0\" -\n"
		/* an escaped quote in the user agent, a time zone, a copy by an
		 * instance's role session */
		OWNER " amzn-s3-demo-bucket1 [06/Feb/2019:01:00:40 +0100] 192.0.2.9 "
		"arn:aws:sts::123456789012:assumed-role/ec2-app/i-0123456789abcdef0 A1206F460EXAMPLE "
		"REST.COPY.OBJECT dst/copy.txt \"PUT /amzn-s3-demo-bucket1/dst/copy.txt HTTP/1.1\" 200 - 234 "
		"1024 30 4 \"https://example.com/\" \"Mozilla/5.0 \\\"compatible\\\" (X11; Linux)\" - "
		"hid= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader s3.us-west-1.amazonaws.com TLSv1.3\n"
		/* the root user; '-' for sizes, times, referer and agent */
		OWNER " amzn-s3-demo-bucket1 [06/Feb/2019:00:00:41 +0000] 192.0.2.3 "
		"arn:aws:iam::123456789012:root 7B4A0FABBEXAMPLE REST.DELETE.OBJECT old/gone.txt "
		"\"DELETE /amzn-s3-demo-bucket1/old/gone.txt HTTP/1.1\" 204 - - - - - \"-\" \"-\" -\n"
		/* a service listing, over IPv6, with a 500 */
		OWNER " amzn-s3-demo-bucket2 [06/Feb/2019:00:00:42 +0000] 2001:db8::5 "
		"svc:delivery.logs.amazonaws.com 0F1E2D3C4BEXAMPLE REST.GET.BUCKET - "
		"\"GET /amzn-s3-demo-bucket2?list-type=2&prefix=a%2Fb HTTP/1.1\" 500 InternalError 0 - 12 - "
		"\"-\" \"aws-internal/3\" - hid= SigV4 - AuthHeader s3.amazonaws.com -\n";
	static const struct want want[] = {
		{ "2019-02-06T00:00:38Z", GW_CLOUD_AWS, GW_ACT_OBJECT_READ, GW_OUT_OK, GW_PT_USER,
		  GW_PK_OWN, 0, "arn:aws:iam::123456789012:user/alice", "123456789012", "", "",
		  "192.0.2.3", "aws-cli/2.15.30 Python/3.11.8 Linux/6.1.0", "", "s3.amazonaws.com",
		  "REST.GET.OBJECT", "amzn-s3-demo-bucket1", "photos/2019/a b+c\xc3\xa9.jpg", "",
		  "3E57427F3EXAMPLE", 3462992, 0 },
		{ "2019-02-06T00:00:39Z", GW_CLOUD_AWS, GW_ACT_OBJECT_WRITE, GW_OUT_DENIED,
		  GW_PT_ANONYMOUS, GW_PK_ANONYMOUS, 0, "anonymous", "", "", "", "198.51.100.7",
		  "curl/8.5.0", "", "s3.amazonaws.com", "REST.PUT.OBJECT", "amzn-s3-demo-bucket1",
		  "uploads/x.bin", "AccessDenied", "891CE47D2EXAMPLE", 243, 0 },
		{ "2019-02-06T00:00:40Z", GW_CLOUD_AWS, GW_ACT_OBJECT_COPY, GW_OUT_OK, GW_PT_ROLE,
		  GW_PK_WORKLOAD, 0, "arn:aws:sts::123456789012:assumed-role/ec2-app/i-0123456789abcdef0",
		  "123456789012", "", "", "192.0.2.9", "Mozilla/5.0 \\\"compatible\\\" (X11; Linux)", "",
		  "s3.amazonaws.com", "REST.COPY.OBJECT", "amzn-s3-demo-bucket1", "dst/copy.txt", "",
		  "A1206F460EXAMPLE", 234, 1024 },
		{ "2019-02-06T00:00:41Z", GW_CLOUD_AWS, GW_ACT_OBJECT_DELETE, GW_OUT_OK, GW_PT_ROOT,
		  GW_PK_ROOT, 0, "arn:aws:iam::123456789012:root", "123456789012", "", "", "192.0.2.3",
		  "", "", "s3.amazonaws.com", "REST.DELETE.OBJECT", "amzn-s3-demo-bucket1",
		  "old/gone.txt", "", "7B4A0FABBEXAMPLE", 0, 0 },
		{ "2019-02-06T00:00:42Z", GW_CLOUD_AWS, GW_ACT_LIST, GW_OUT_ERROR, GW_PT_SERVICE,
		  GW_PK_SERVICE, 0, "svc:delivery.logs.amazonaws.com", "", "", "", "2001:db8::5",
		  "aws-internal/3", "", "s3.amazonaws.com", "REST.GET.BUCKET", "amzn-s3-demo-bucket2", "",
		  "InternalError", "0F1E2D3C4BEXAMPLE", 0, 0 },
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	struct got *g = read_text("s3access:", text, sizeof(text) - 1, NULL, 0);
	int bad = 0;

	ASSERT(g);
	ASSERT_EQ_U64(n, g->st.records);
	ASSERT_EQ_U64(0, g->st.skipped);
	ASSERT_EQ_U64(n, g->n);
	for (size_t i = 0; i < n; i++)
		bad += differ(i, &g->ev[i], &want[i]);
	got_free(g);
	ASSERT_EQ_INT(0, bad);
}

TEST(azure_classic_every_field_of_documented_lines)
{
	/* 1.0: 30 fields, ';'-separated; quoted fields may hold ';' and
	 * doubled quotes (the etag), values are HTML-encoded. 2.0 adds
	 * user-object-id, tenant-id, application-id, audience, issuer,
	 * user-principal-name, a reserved field and authorization-detail
	 * (38), and more fields may follow. */
	static const char text[] =
		"1.0;2014-06-19T22:59:23.1967767Z;GetBlob;Success;200;18;10;authenticated;myaccount;"
		"myaccount;blob;\"https://myaccount.blob.core.windows.net/photos/2014/a%20b.jpg\";"
		"\"/myaccount/photos/2014/a b.jpg\";a84aa705-8a85-48c5-b064-b43bd22979c1;0;"
		"192.100.0.102:4362;2014-02-14;283;0;354;23;0;;;\"\"0x8D15A2B1C1E4B1A\"\";"
		"Thursday, 19-Jun-14 22:58:10 GMT;;"
		"\"WA-Storage/4.0.1 (.NET CLR 4.0.30319.34014; Win32NT 6.3.9600.0) &quot;x&quot;\";;"
		"\"44dfd8ee-9d4e-4b5c-b9f5-0e5fa9f6d1a2\"\n"
		"2.0;2019-06-25T14:56:54.0079155Z;PutBlob;Success;201;24;22;bearer;myaccount;myaccount;"
		"blob;\"https://myaccount.blob.core.windows.net:443/data/reports/q3.csv\";"
		"\"/myaccount/data/reports/q3.csv\";c675930e-f01e-0016-2e66-2b5b8a000000;0;"
		"40.91.210.176:7040;2018-03-28;432;1999980;249;0;1999980;\"yRI+gcpHB+XCS/JTxrZc9Q==\";"
		"\"yRI+gcpHB+XCS/JTxrZc9Q==\";\"&quot;0x8D6F97D5CA88E64&quot;\";"
		"Tuesday, 25-Jun-19 14:56:54 GMT;;\"Azure-Storage/9.3.2 (.NET Core)\";;"
		"\"d76a96e0-9f66-4476-b5e0-b8979b69ea85\";5e8f1a2b-0000-4000-8000-00000000a11c;"
		"72f988bf-86f1-41af-91ab-2d7cd011db47;;https://storage.azure.com;"
		"https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/;alice@contoso.com;;\n"
		/* 2.0 with a field more; anonymous; a 404; an '&amp;' in the agent */
		"2.0;2019-06-25T14:57:01.5000000Z;GetBlob;ClientOtherError;404;3;3;anonymous;;myaccount;"
		"blob;\"https://myaccount.blob.core.windows.net/public/missing.txt\";"
		"\"/myaccount/public/missing.txt\";d0c1e2f3-a01e-0016-2e66-2b5b8a000000;0;"
		"203.0.113.50:50123;2018-03-28;300;0;215;215;0;;;;;;"
		"\"Mozilla/5.0 &amp; friends\";\"https://example.com/\";;;;;;;;;;future\r\n";
	static const struct want want[] = {
		{ "2014-06-19T22:59:23.196Z", GW_CLOUD_AZURE, GW_ACT_OBJECT_READ, GW_OUT_OK,
		  GW_PT_UNKNOWN, GW_PK_OWN, 1, "myaccount", "", "myaccount", "authenticated",
		  "192.100.0.102",
		  "WA-Storage/4.0.1 (.NET CLR 4.0.30319.34014; Win32NT 6.3.9600.0) \"x\"", "", "blob",
		  "GetBlob", "photos", "2014/a b.jpg", "", "a84aa705-8a85-48c5-b064-b43bd22979c1", 23, 0 },
		{ "2019-06-25T14:56:54.007Z", GW_CLOUD_AZURE, GW_ACT_OBJECT_WRITE, GW_OUT_OK,
		  GW_PT_USER, GW_PK_OWN, 0, "alice@contoso.com", "", "myaccount", "bearer",
		  "40.91.210.176", "Azure-Storage/9.3.2 (.NET Core)", "", "blob", "PutBlob", "data",
		  "reports/q3.csv", "", "c675930e-f01e-0016-2e66-2b5b8a000000", 0, 1999980 },
		{ "2019-06-25T14:57:01.500Z", GW_CLOUD_AZURE, GW_ACT_OBJECT_READ, GW_OUT_ERROR,
		  GW_PT_ANONYMOUS, GW_PK_ANONYMOUS, 0, "anonymous", "", "myaccount", "anonymous",
		  "203.0.113.50", "Mozilla/5.0 & friends", "", "blob", "GetBlob", "public", "missing.txt",
		  "ClientOtherError", "d0c1e2f3-a01e-0016-2e66-2b5b8a000000", 215, 0 },
	};
	size_t n = sizeof(want) / sizeof(want[0]);
	struct got *g = read_text("azure:", text, sizeof(text) - 1, NULL, 0);
	int bad = 0;

	ASSERT(g);
	ASSERT_EQ_U64(n, g->st.records);
	ASSERT_EQ_U64(0, g->st.skipped);
	ASSERT_EQ_U64(n, g->n);
	for (size_t i = 0; i < n; i++)
		bad += differ(i, &g->ev[i], &want[i]);
	got_free(g);
	ASSERT_EQ_INT(0, bad);
}

/* A file of lines under construction, with where each bad one starts. */
struct doc {
	char *p;
	size_t n, size;
	struct bad_line {
		uint64_t line, off;
		const char *why;
	} bad[16];
	size_t nbad;
	uint64_t lines;
};

static void add(struct doc *d, const char *s, size_t n, const char *why)
{
	if (why && d->nbad < 16)
		d->bad[d->nbad++] = (struct bad_line){ d->lines + 1, d->n, why };
	if (d->n + n > d->size) {
		d->size = (d->n + n) * 2;
		d->p = realloc(d->p, d->size);
	}
	memcpy(d->p + d->n, s, n);
	d->n += n;
	for (size_t i = 0; i < n; i++)
		d->lines += s[i] == '\n';
}

#define ADD(d, s, why) add(d, s, sizeof(s) - 1, why)

/* A line of n bytes of 'k' in place of field s's "KEY". */
static void add_long(struct doc *d, const char *head, size_t n, const char *tail, const char *why)
{
	char *k = malloc(n);

	memset(k, 'k', n);
	if (why && d->nbad < 16)
		d->bad[d->nbad++] = (struct bad_line){ d->lines + 1, d->n, why };
	add(d, head, strlen(head), NULL);
	add(d, k, n, NULL);
	add(d, tail, strlen(tail), NULL);
	free(k);
}

/* Each bad line named in err by its line, offset and why. */
static int named(const struct doc *d, const char *err)
{
	char want[128];
	int missing = 0;

	for (size_t i = 0; i < d->nbad; i++) {
		snprintf(want, sizeof(want), ": line %llu (offset %llu): %s",
			 (unsigned long long)d->bad[i].line, (unsigned long long)d->bad[i].off,
			 d->bad[i].why);
		if (!strstr(err, want)) {
			fprintf(stderr, "  not logged: \"%s\"\n", want);
			missing++;
		}
	}
	return missing;
}

#define S3_HEAD OWNER " bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - "
#define S3_GOOD(id) S3_HEAD id " REST.GET.OBJECT k \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n"

TEST(s3access_hostile_lines_each_one_named_error)
{
	static const char why_fmt[] = "not an S3 server access log record";
	struct doc d = { 0 };
	char *err = malloc(1 << 16);
	struct got *g;

	ADD(&d, S3_GOOD("G1"), NULL);
	ADD(&d, S3_HEAD "B1 REST.GET.OBJECT k \"GET /bkt/k HTTP/1.1\" 200 - 5\n", why_fmt);   /* truncated */
	ADD(&d, S3_HEAD "B2 REST.GET.OBJECT k \"GET /bkt/k HTTP/1.1 200 - 5 5 7 - \"-\" \"x -\n", why_fmt);
	ADD(&d, OWNER " bkt [06/Feb/2019:00:00:38 +0000 192.0.2.3 - B3 REST.GET.OBJECT k\n", why_fmt);
	ADD(&d, S3_GOOD("G2"), NULL);
	add_long(&d, S3_HEAD "B4 REST.GET.OBJECT ", 17000,
		 " \"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\n", "field longer than 16 KiB");
	ADD(&d, S3_HEAD "B5 REST.GET.OBJECT k\0 \"-\" 200 - 5 5 7 - \"-\" \"x\" - hid\n",
	    "NUL byte or invalid UTF-8");
	ADD(&d, S3_HEAD "B6 REST.GET.OBJECT \xc3\x28 \"-\" 200 - 5 5 7 - \"-\" \"x\" - hid\n",
	    "NUL byte or invalid UTF-8");
	ADD(&d, S3_HEAD "B7 REST.GET.OBJECT a%00b \"-\" 200 - 5 5 7 - \"-\" \"x\" - hid\n",
	    "invalid UTF-8 or NUL byte");                                /* decoded NUL */
	ADD(&d, S3_HEAD "B8 REST.GET.OBJECT a%FFb \"-\" 200 - 5 5 7 - \"-\" \"x\" - hid\n",
	    "invalid UTF-8 or NUL byte");                                /* decoded bad byte */
	add_long(&d, S3_HEAD "B9 REST.GET.OBJECT ", (size_t)2 << 20, " \"-\" 200 - 5 5 7 - \"-\" \"x\" - h\n",
		 "line longer than 1 MiB");
	ADD(&d, S3_GOOD("G3"), NULL);
	ADD(&d, OWNER " bkt [06/Feb/2019:00:00:38 +0000] 192.0.2.3 - G4 REST.GET.OBJECT k "
		"\"GET /bkt/k HTTP/1.1\" 200 - 5 5 7 - \"-\" \"x\" - hid\r\n", NULL);      /* CRLF */
	ADD(&d, "\r\n\n", NULL);
	ADD(&d, S3_GOOD("G5"), NULL);
	g = read_text("s3access:", d.p, d.n, err, 1 << 16);
	ASSERT(g);
	ASSERT_EQ_U64(14, g->st.records);
	ASSERT_EQ_U64(5, g->st.events);
	ASSERT_EQ_U64(9, g->st.skipped);
	/* the bytes themselves: NUL, UTF-8, too long (a field, a line) */
	ASSERT_EQ_U64(6, g->st.skip_bad_bytes);
	ASSERT_EQ_STR("G1", g->ev[0].request_id);
	ASSERT_EQ_STR("G2", g->ev[1].request_id);
	ASSERT_EQ_STR("G3", g->ev[2].request_id);
	ASSERT_EQ_STR("G4", g->ev[3].request_id);
	ASSERT_EQ_STR("G5", g->ev[4].request_id);
	ASSERT_EQ_STR("x", g->ev[3].user_agent);
	ASSERT_EQ_INT(0, named(&d, err));
	got_free(g);
	free(d.p);
	free(err);
}

#define AZ_TAIL0 ";0;192.0.2.3:4362;2014-02-14;283;0;354;23;0;;;;;;\"ua\";;\"c\""
#define AZ_TAIL AZ_TAIL0 "\n"
#define AZ_GOOD(id) "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;" \
	"\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/b\";" id AZ_TAIL

TEST(azure_classic_hostile_lines_each_one_named_error)
{
	static const char why_fmt[] = "not an Azure Storage Analytics 1.0/2.0 record";
	struct doc d = { 0 };
	char *err = malloc(1 << 16);
	struct got *g;

	ADD(&d, AZ_GOOD("g1"), NULL);
	/* truncated: 29 fields of 1.0's 30 */
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;"
		"\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/b\";b1;0;192.0.2.3:4362;2014-02-14;"
		"283;0;354;23;0;;;;;;\"ua\";\n", why_fmt);
	/* 1.0 with a field too many */
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;"
		"\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/b\";b2" AZ_TAIL0 ";x\n", why_fmt);
	/* an unbalanced quote */
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;"
		"\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/b\";b3;0;192.0.2.3:4362;2014-02-14;"
		"283;0;354;23;0;;;;;;\"ua\";;\"c\n", why_fmt);
	ADD(&d, "3.0;2014-06-19T22:59:23.196Z;GetBlob" AZ_TAIL, why_fmt);
	ADD(&d, AZ_GOOD("g2"), NULL);
	add_long(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;"
		 "\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/", 17000, "\";b4" AZ_TAIL,
		 "field longer than 16 KiB");
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;Get\0Blob" AZ_TAIL, "NUL byte or invalid UTF-8");
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob\xff" AZ_TAIL, "NUL byte or invalid UTF-8");
	ADD(&d, "1.0;yesterday;GetBlob;Success;200;1;1;anonymous;;acct;blob;\"u\";\"/acct/c/b\";b5" AZ_TAIL,
	    why_fmt);
	add_long(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;", (size_t)2 << 20, AZ_TAIL,
		 "line longer than 1 MiB");
	ADD(&d, "1.0;2014-06-19T22:59:23.196Z;GetBlob;Success;200;1;1;anonymous;;acct;blob;"
		"\"https://acct.blob.core.windows.net/c/b\";\"/acct/c/b\";g3;0;192.0.2.3:4362;2014-02-14;"
		"283;0;354;23;0;;;;;;\"ua\";;\"c\"\r\n", NULL);                         /* CRLF */
	ADD(&d, AZ_GOOD("g4"), NULL);
	g = read_text("azure:", d.p, d.n, err, 1 << 16);
	ASSERT(g);
	ASSERT_EQ_U64(13, g->st.records);
	ASSERT_EQ_U64(4, g->st.events);
	ASSERT_EQ_U64(9, g->st.skipped);
	ASSERT_EQ_U64(4, g->st.skip_bad_bytes);
	ASSERT_EQ_STR("g1", g->ev[0].request_id);
	ASSERT_EQ_STR("g2", g->ev[1].request_id);
	ASSERT_EQ_STR("g3", g->ev[2].request_id);
	ASSERT_EQ_STR("g4", g->ev[3].request_id);
	ASSERT_EQ_INT(0, named(&d, err));
	got_free(g);
	free(d.p);
	free(err);
}
