/* Findings in words: the why sentence carries the numbers seen and
 * expected, the next step is there, and a rule without a template still
 * gets one sentence. */
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "detect/detect.h"
#include "detect/detect_internal.h"

static int one_sentence(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	/* a capital or a principal first, one full stop at the end, no "{" left */
	if (n < 20 || s[n - 1] != '.' || strchr(s, '{') || strstr(s, "(null)"))
		return 0;
	for (size_t i = 0; i + 2 < n; i++)
		if (s[i] == '.' && s[i + 1] == ' ' && s[i + 2] >= 'A' && s[i + 2] <= 'Z')
			return 0;
	return 1;
}

TEST(explain_bulk_download_numbers)
{
	struct finding *f = calloc(1, sizeof(*f));
	static char k1[] = "threshold", v1[] = "100", k2[] = "window", v2[] = "3600s";

	ASSERT(f);
	f->rule_id = "bulk-download";
	f->title = "Bulk object download";
	f->principal = strdup("arn:aws:iam::123456789012:user/svc");
	f->access_key = strdup("AKIAEXAMPLE");
	f->count = 240;
	f->bytes = 1000;
	f->evidence[0].key = k1;
	f->evidence[0].value = v1;
	f->evidence[1].key = k2;
	f->evidence[1].value = v2;
	f->nevidence = 2;
	finding__explain(f);
	ASSERT(one_sentence(f->why));
	ASSERT(strstr(f->why, "read 240 objects") && strstr(f->why, "threshold of 100"));
	ASSERT(f->next_step && strstr(f->next_step, "AKIAEXAMPLE"));
	free(f->why);
	free(f->next_step);
	f->why = f->next_step = NULL;
	/* a template value missing: the general sentence, still with the count */
	f->nevidence = 0;
	finding__explain(f);
	ASSERT(one_sentence(f->why));
	ASSERT_EQ_STR("Bulk object download: 240 event(s) by arn:aws:iam::123456789012:user/svc, "
		      "where this rule expects none.", f->why);
	ASSERT(one_sentence(f->next_step));
	free(f->why);
	free(f->next_step);
	free(f->principal);
	free(f->access_key);
	free(f);
}
