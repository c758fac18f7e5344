/* Durable pull cursors: round trip, per-source files, damage detection. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "assert.h"
#include "state/cursor.h"

TEST(cursor_round_trip)
{
	char dir[] = "/tmp/gw-cursor-XXXXXX", sub[64], key[CURSOR_MAX_KEY + 1], cmd[128];
	const char *src_a = "http://127.0.0.1:1 s3://b/AWSLogs/", *src_b = "s3://other/";

	ASSERT(mkdtemp(dir));
	snprintf(sub, sizeof(sub), "%s/state", dir);
	ASSERT_EQ_INT(-ENOENT, cursor__load(sub, src_a, key, sizeof(key)));
	ASSERT_EQ_STR("", key);
	ASSERT_EQ_INT(0, cursor__save(sub, src_a, "AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz"));
	ASSERT_EQ_INT(0, cursor__save(sub, src_b, "key with\nnewline"));
	ASSERT_EQ_INT(0, cursor__load(sub, src_a, key, sizeof(key)));
	ASSERT_EQ_STR("AWSLogs/1/CloudTrail/us-east-1/2024/01/01/a.json.gz", key);
	ASSERT_EQ_INT(0, cursor__save(sub, src_a, "AWSLogs/1/CloudTrail/us-east-1/2024/01/02/b.json.gz"));
	ASSERT_EQ_INT(0, cursor__load(sub, src_a, key, sizeof(key)));
	ASSERT_EQ_STR("AWSLogs/1/CloudTrail/us-east-1/2024/01/02/b.json.gz", key);
	ASSERT_EQ_INT(0, cursor__load(sub, src_b, key, sizeof(key)));
	ASSERT_EQ_STR("key with\nnewline", key);
	ASSERT_EQ_INT(-ENAMETOOLONG, cursor__load(sub, src_a, key, 8));
	/* A torn or foreign file is reported, not trusted. */
	snprintf(cmd, sizeof(cmd), "for f in %s/cursor-*; do printf 'junk' > $f; done", sub);
	ASSERT_EQ_INT(0, system(cmd));
	ASSERT_EQ_INT(-EBADMSG, cursor__load(sub, src_a, key, sizeof(key)));
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_EQ_INT(0, system(cmd));
}
