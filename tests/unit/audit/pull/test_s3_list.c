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
