/* Secrets out of echoed sources: URL userinfo and the query parameters
 * that carry a secret, wherever a URL sits in the text. */
#include <string.h>

#include "assert.h"
#include "lib/redact.h"

static const char *shown(const char *in)
{
	static char buf[REDACT_MAX];

	return redact__url(in, buf, sizeof(buf));
}

TEST(redact_sas_and_presigned_queries)
{
	ASSERT_EQ_STR("azure:https://acct.blob.core.windows.net/insights-logs/x?sv=2019-12-12&ss=b"
		      "&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&spr=https&sig=REDACTED",
		      shown("azure:https://acct.blob.core.windows.net/insights-logs/x?sv=2019-12-12&ss=b"
			    "&srt=sco&sp=rl&se=2099-01-01T00:00:00Z&spr=https&sig=AbC%2Bd%3D"));
	ASSERT_EQ_STR("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
		      "&X-Amz-Credential=REDACTED&X-Amz-Security-Token=REDACTED&X-Amz-Signature=REDACTED",
		      shown("https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256"
			    "&X-Amz-Credential=AKIAX%2F20240101&X-Amz-Security-Token=FwoG"
			    "&X-Amz-Signature=deadbeef"));
	ASSERT_EQ_STR("https://h/p?X-Goog-Signature=REDACTED&key=REDACTED&access_token=REDACTED#frag",
		      shown("https://h/p?X-Goog-Signature=ab&key=AIza&access_token=ya29#frag"));
	/* a parameter without '=' or with an empty value, and no query */
	ASSERT_EQ_STR("https://h/p?flag&sig=REDACTED&prefix=a", shown("https://h/p?flag&sig=&prefix=a"));
	ASSERT_EQ_STR("s3://bucket/AWSLogs/", shown("s3://bucket/AWSLogs/"));
}

TEST(redact_userinfo)
{
	ASSERT_EQ_STR("http://REDACTED@127.0.0.1:9/acct/c/", shown("http://user:hunter2@127.0.0.1:9/acct/c/"));
	ASSERT_EQ_STR("https://REDACTED@h", shown("https://tok3n@h"));
	/* an '@' in the path is not userinfo */
	ASSERT_EQ_STR("https://h/a@b/c", shown("https://h/a@b/c"));
	/* every URL in a text */
	ASSERT_EQ_STR("failed: https://REDACTED@a/x?sig=REDACTED and http://b/?sp=r",
		      shown("failed: https://u:p@a/x?sig=s1 and http://b/?sp=r"));
	ASSERT_EQ_STR("/var/log/audit", shown("/var/log/audit"));
}

TEST(redact_bounds_and_detection)
{
	char small[16];

	ASSERT_EQ_STR("https://REDACTE", redact__url("https://u:p@host/", small, sizeof(small)));
	ASSERT_EQ_STR("http://h/?sig=R", redact__url("http://h/?sig=secretsecret", small, sizeof(small)));
	ASSERT(redact__has_secret("azure:http://h/a/c?sv=1&sig=x"));
	ASSERT(redact__has_secret("https://u:p@h/"));
	ASSERT(!redact__has_secret("https://h/a/c?sv=1&sp=rl"));
	ASSERT(!redact__has_secret("cloudtrail:/var/log/ct"));
}
