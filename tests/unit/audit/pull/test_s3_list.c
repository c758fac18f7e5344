/* The ListObjectsV2 answer scanner (agent/audit/pull/s3_list.c), on answers
 * shaped as the S3 API reference shows them: keys with XML entities, a
 * truncated page with its NextContinuationToken, and what is refused. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "audit/pull/s3.h"

#define HEAD "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" \
	"<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">" \
	"<Name>trail</Name><Prefix>AWSLogs/</Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys>"

TEST(s3_list_keys_entities_and_token)
{
	const char *xml = HEAD "<IsTruncated>true</IsTruncated>"
		"<Contents><Key>AWSLogs/a&amp;b.json.gz</Key><Size>12</Size></Contents>"
		"<Contents><Key>AWSLogs/&lt;odd&gt; &quot;name&quot;</Key><Size>3</Size></Contents>"
		"<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
		"</ListBucketResult>";
	struct s3_list l = { 0 };

	ASSERT_EQ_INT(0, s3_list__parse(xml, strlen(xml), &l));
	ASSERT_EQ_U64(2, l.n);
	ASSERT_EQ_STR("AWSLogs/a&b.json.gz", l.keys[0]);
	ASSERT_EQ_STR("AWSLogs/<odd> \"name\"", l.keys[1]);
	ASSERT_EQ_INT(1, l.truncated);
	ASSERT_EQ_STR("1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=", l.token);
	s3_list__free(&l);
	ASSERT_EQ_U64(0, l.n);
}

TEST(s3_list_last_page_and_refusals)
{
	const char *last = HEAD "<IsTruncated>false</IsTruncated>"
		"<Contents><Key>AWSLogs/z.json.gz</Key></Contents></ListBucketResult>";
	const char *no_token = HEAD "<IsTruncated>true</IsTruncated>"
		"<Contents><Key>AWSLogs/z.json.gz</Key></Contents></ListBucketResult>";
	const char *error = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>AccessDenied"
		"</Code><Message>Access Denied</Message><Key>AWSLogs/x</Key></Error>";
	const char *empty = HEAD "<IsTruncated>false</IsTruncated></ListBucketResult>";
	struct s3_list l = { 0 };

	ASSERT_EQ_INT(0, s3_list__parse(last, strlen(last), &l));
	ASSERT_EQ_U64(1, l.n);
	ASSERT_EQ_INT(0, l.truncated);
	ASSERT(l.token == NULL);
	s3_list__free(&l);
	ASSERT_EQ_INT(0, s3_list__parse(empty, strlen(empty), &l));
	ASSERT_EQ_U64(0, l.n);
	s3_list__free(&l);
	/* a truncated page that does not say where to go on is not followed */
	ASSERT_EQ_INT(-EBADMSG, s3_list__parse(no_token, strlen(no_token), &l));
	s3_list__free(&l);
	/* an error document is no listing, whatever keys it names */
	ASSERT_EQ_INT(-EBADMSG, s3_list__parse(error, strlen(error), &l));
	ASSERT_EQ_U64(0, l.n);
	s3_list__free(&l);
}

/* "<Contents><Key>k/NNNNN</Key></Contents>" n times, from first. */
static char *page(size_t first, size_t n)
{
	size_t cap = strlen(HEAD) + n * 48 + 128, off;
	char *xml = malloc(cap);

	if (!xml)
		return NULL;
	off = (size_t)snprintf(xml, cap, "%s<IsTruncated>false</IsTruncated>", HEAD);
	for (size_t i = 0; i < n; i++)
		off += (size_t)snprintf(xml + off, cap - off, "<Contents><Key>k/%05zu</Key></Contents>",
					first + i);
	snprintf(xml + off, cap - off, "</ListBucketResult>");
	return xml;
}

TEST(s3_list_appends_pages_and_bounds_one_page)
{
	struct s3_list l = { 0 };
	char *a = page(0, 300), *b = page(300, 300), *huge = page(0, 10001);

	ASSERT(a && b && huge);
	/* keys of a second answer are appended to the first's */
	ASSERT_EQ_INT(0, s3_list__parse(a, strlen(a), &l));
	ASSERT_EQ_INT(0, s3_list__parse(b, strlen(b), &l));
	ASSERT_EQ_U64(600, l.n);
	ASSERT_EQ_STR("k/00000", l.keys[0]);
	ASSERT_EQ_STR("k/00299", l.keys[299]);
	ASSERT_EQ_STR("k/00599", l.keys[599]);
	s3_list__free(&l);
	/* S3 answers at most 1000 keys a page; over 10000 is no answer of it */
	ASSERT_EQ_INT(-EBADMSG, s3_list__parse(huge, strlen(huge), &l));
	s3_list__free(&l);
	free(a);
	free(b);
	free(huge);
}

static int parse1(const char *xml, struct s3_list *l)
{
	int err = s3_list__parse(xml, strlen(xml), l);

	if (err)
		s3_list__free(l);
	return err;
}

/* A body cut short (a connection closed mid-answer) is no last page: taken
 * as one, the keys past the cut would never be listed. */
TEST(s3_list_truncated_answers_are_refused)
{
	const char *full = HEAD "<IsTruncated>false</IsTruncated>"
		"<Contents><Key>AWSLogs/a.json.gz</Key></Contents>"
		"<Contents><Key>AWSLogs/b.json.gz</Key></Contents></ListBucketResult>\r\n";
	struct s3_list l = { 0 };
	size_t len = strlen(full);

	ASSERT_EQ_INT(0, s3_list__parse(full, len, &l));
	ASSERT_EQ_U64(2, l.n);
	s3_list__free(&l);
	/* every cut of the answer before its closing tag is refused */
	for (size_t cut = 1; cut < len - 2; cut++) {
		ASSERT_EQ_INT(-EBADMSG, s3_list__parse(full, cut, &l));
		s3_list__free(&l);
	}
}

TEST(s3_list_missing_or_odd_fields_are_refused)
{
	const char *no_flag = HEAD "<Contents><Key>AWSLogs/a</Key></Contents></ListBucketResult>";
	const char *odd_flag = HEAD "<IsTruncated>maybe</IsTruncated>"
		"<Contents><Key>AWSLogs/a</Key></Contents></ListBucketResult>";
	const char *open_key = HEAD "<IsTruncated>false</IsTruncated>"
		"<Contents><Key>AWSLogs/a</Contents></ListBucketResult>";
	const char *empty_key = HEAD "<IsTruncated>false</IsTruncated>"
		"<Contents><Key></Key></Contents></ListBucketResult>";
	const char *open_token = HEAD "<IsTruncated>true</IsTruncated>"
		"<Contents><Key>AWSLogs/a</Key></Contents><NextContinuationToken>abc"
		"</ListBucketResult>";
	struct s3_list l = { 0 };

	/* without IsTruncated a page cannot say whether it was the last */
	ASSERT_EQ_INT(-EBADMSG, parse1(no_flag, &l));
	ASSERT_EQ_INT(-EBADMSG, parse1(odd_flag, &l));
	/* an element opened and never closed does not end the keys quietly */
	ASSERT_EQ_INT(-EBADMSG, parse1(open_key, &l));
	ASSERT_EQ_INT(-EBADMSG, parse1(empty_key, &l));
	ASSERT_EQ_INT(-EBADMSG, parse1(open_token, &l));
	ASSERT_EQ_U64(0, l.n);
}

/* S3 writes characters XML cannot carry as numeric references (the object
 * key guidelines: "&#13;" or "&#x0D;" for a carriage return); entities are
 * decoded once ("&amp;lt;" is the text "&lt;"); a reference to NUL, a
 * surrogate or no character, and a raw NUL, are no key S3 could hold. */
TEST(s3_list_entity_tricks)
{
	const char *refs = HEAD "<IsTruncated>false</IsTruncated>"
		"<Contents><Key>a&#13;b&#x0A;c&#xe9;&#8364;&#x1F600;</Key></Contents>"
		"<Contents><Key>&amp;lt;x&amp;gt; &amp;amp; &bogus; &amp</Key></Contents>"
		"</ListBucketResult>";
	const char *bad[] = { "&#0;", "&#x0;", "&#xD800;", "&#x110000;", "&#;", "&#x;",
			      "&#12a;", "&#13", "&#99999999999999999999;" };
	struct s3_list l = { 0 };
	char xml[512];

	ASSERT_EQ_INT(0, s3_list__parse(refs, strlen(refs), &l));
	ASSERT_EQ_U64(2, l.n);
	ASSERT_EQ_STR("a\rb\nc\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", l.keys[0]);
	ASSERT_EQ_STR("&lt;x&gt; &amp; &bogus; &amp", l.keys[1]);
	s3_list__free(&l);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(xml, sizeof(xml), "%s<IsTruncated>false</IsTruncated><Contents><Key>k%s"
			 "</Key></Contents></ListBucketResult>", HEAD, bad[i]);
		ASSERT_EQ_INT(-EBADMSG, parse1(xml, &l));
	}
	/* a raw NUL would cut the key short and fetch another object */
	snprintf(xml, sizeof(xml), "%s<IsTruncated>false</IsTruncated><Contents><Key>AWSLogs/a",
		 HEAD);
	{
		size_t n = strlen(xml);
		const char tail[] = "b</Key></Contents></ListBucketResult>";

		xml[n] = '\0';
		memcpy(xml + n + 1, tail, sizeof(tail));
		ASSERT_EQ_INT(-EBADMSG, s3_list__parse(xml, n + sizeof(tail), &l));
		s3_list__free(&l);
	}
}

/* An S3 key is at most 1024 bytes of UTF-8, counted after decoding. */
TEST(s3_list_overlong_keys_are_refused)
{
	size_t cap = strlen(HEAD) + 8192;
	char *xml = malloc(cap), *key = malloc(6000);
	struct s3_list l = { 0 };

	ASSERT(xml && key);
	memset(key, 'k', 1024);
	key[1024] = '\0';
	snprintf(xml, cap, "%s<IsTruncated>false</IsTruncated><Contents><Key>%s</Key></Contents>"
		 "</ListBucketResult>", HEAD, key);
	ASSERT_EQ_INT(0, s3_list__parse(xml, strlen(xml), &l));
	ASSERT_EQ_U64(1024, strlen(l.keys[0]));
	s3_list__free(&l);
	/* 1024 "&amp;" are 1024 bytes of key: allowed */
	for (size_t i = 0; i < 1024; i++)
		memcpy(key + 5 * i, "&amp;", 5);
	key[5 * 1024] = '\0';
	snprintf(xml, cap, "%s<IsTruncated>false</IsTruncated><Contents><Key>%s</Key></Contents>"
		 "</ListBucketResult>", HEAD, key);
	ASSERT_EQ_INT(0, s3_list__parse(xml, strlen(xml), &l));
	ASSERT_EQ_U64(1024, strlen(l.keys[0]));
	s3_list__free(&l);
	memset(key, 'k', 1025);
	key[1025] = '\0';
	snprintf(xml, cap, "%s<IsTruncated>false</IsTruncated><Contents><Key>%s</Key></Contents>"
		 "</ListBucketResult>", HEAD, key);
	ASSERT_EQ_INT(-EBADMSG, parse1(xml, &l));
	free(xml);
	free(key);
}

/* The pager's guard against a listing that never ends. */
TEST(s3_pager_stops_loops)
{
	struct s3_pager pg;
	struct s3_list a = { 0 }, b = { 0 }, none = { 0 };
	const char *why;
	const char *p1 = HEAD "<IsTruncated>true</IsTruncated><Contents><Key>k/1</Key></Contents>"
		"<NextContinuationToken>T1</NextContinuationToken></ListBucketResult>";
	const char *p0 = HEAD "<IsTruncated>true</IsTruncated>"
		"<NextContinuationToken>T2</NextContinuationToken></ListBucketResult>";

	ASSERT_EQ_INT(0, s3_pager__init(&pg));
	ASSERT_EQ_INT(0, s3_list__parse(p1, strlen(p1), &a));
	ASSERT_EQ_INT(0, s3_pager__next(&pg, &a, &why));
	/* the same page again: the token repeats */
	ASSERT_EQ_INT(-ELOOP, s3_pager__next(&pg, &a, &why));
	ASSERT(why && strstr(why, "continuation token"));
	s3_pager__free(&pg);
	/* a page whose last key does not move on */
	ASSERT_EQ_INT(0, s3_pager__init(&pg));
	ASSERT_EQ_INT(0, s3_pager__next(&pg, &a, &why));
	ASSERT_EQ_INT(0, s3_list__parse(p1, strlen(p1), &b));
	free(b.token);
	b.token = strdup("T9");
	ASSERT_EQ_INT(-ELOOP, s3_pager__next(&pg, &b, &why));
	ASSERT(why && strstr(why, "did not move"));
	s3_pager__free(&pg);
	/* empty truncated pages, endlessly */
	ASSERT_EQ_INT(0, s3_pager__init(&pg));
	ASSERT_EQ_INT(0, s3_list__parse(p0, strlen(p0), &none));
	for (unsigned i = 0; i + 1 < S3_PAGER_MAX_EMPTY; i++) {
		free(pg.token);
		pg.token = NULL;   /* a fresh token each time */
		ASSERT_EQ_INT(0, s3_pager__next(&pg, &none, &why));
	}
	free(pg.token);
	pg.token = NULL;
	ASSERT_EQ_INT(-ELOOP, s3_pager__next(&pg, &none, &why));
	ASSERT(why && strstr(why, "empty pages"));
	s3_pager__free(&pg);
	s3_list__free(&a);
	s3_list__free(&b);
	s3_list__free(&none);
}
