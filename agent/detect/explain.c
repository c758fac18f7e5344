/* A finding in words: one sentence of why it fired (what was seen against
 * what was expected, with the numbers) and the next step, from one template
 * per rule over the finding's fields and evidence. A rule without a
 * template, or a template whose values are missing, gets the general
 * sentence (with the rule's own "why" evidence); a rule's "remediation"
 * evidence is its next step. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "detect/detect_internal.h"

#define EXPLAIN_MAX 512

struct explain_row {
	const char *rule, *why, *next;
};

static const struct explain_row rows[] = {
	{ "bulk-download",
	  "{principal} read {count} objects ({bytes} bytes) within {window}, above the threshold "
	  "of {threshold} object reads per hour.",
	  "Ask the owner of {principal} whether this download was planned; if not, revoke its "
	  "access key {access_key} and review what else it read." },
	{ "after-hours-access",
	  "{principal} read {reads} objects at {local_hour_of_week} local time, outside the "
	  "business hours {business_hours} and at an hour it rarely works.",
	  "Ask the owner of {principal} whether this work was planned; if not, treat its "
	  "credentials as stolen and revoke them." },
	{ "new-source-ip",
	  "{principal} called from {new_ips}, an address it had not used in {active_days} active "
	  "days of history.",
	  "Check whether {new_ips} belongs to your organisation or a known partner; if not, "
	  "rotate the credentials of {principal}." },
	{ "first-time-api",
	  "{principal} called {new_apis} for the first time in {active_days} active days of "
	  "history.",
	  "Review these calls of {principal} and whether its policy should allow them." },
	{ "new-user-agent",
	  "{principal} used the client {family}, which it had not used before.",
	  "Confirm the new client with the owner of {principal}; an unknown tool from a new "
	  "address suggests stolen credentials." },
	{ "access-denied-cluster",
	  "{principal} was denied {denied} times over {denied_apis} API(s) in one hour, against "
	  "a usual {baseline_denied_per_hour} denials per hour.",
	  "Review the denied and the successful calls of {principal} in this hour; probing "
	  "often comes before an access that works." },
	{ "enumeration-spike",
	  "{principal} made {list_calls} list calls over {buckets_listed} buckets in one hour, "
	  "against a usual {baseline_list_calls_per_hour} list calls per hour.",
	  "Find out what {principal} was looking for, and look for reads of the listed buckets "
	  "that followed." },
	{ "read-volume",
	  "{principal} read {reads_in_hour} objects in one hour and {reads_today} today, against "
	  "a usual {baseline_reads_per_hour} per hour and {baseline_reads_per_day} per day.",
	  "Ask the owner of {principal} whether this volume was planned; if not, revoke its "
	  "credentials and list the objects it read." },
	{ "multi-region-burst",
	  "{principal} called {region_count} regions ({regions}) within {window}, against at "
	  "most {baseline_max_regions} before.",
	  "Check the resources {principal} touched in each region; a burst over regions is how "
	  "stolen keys are tried." },
	{ "bucket-read-spike",
	  "Bucket {bucket} was read {bucket_reads_in_hour} times in one hour, against a usual "
	  "{bucket_baseline_reads_per_hour} reads per hour.",
	  "Look at the readers of {bucket} in this hour and whether each was expected." },
	{ "cross-account-copy",
	  "{principal} copied {copies} objects into {destination_buckets}, a bucket of another "
	  "account, where a copy within the account was expected.",
	  "Check who owns {destination_buckets}; if it is not yours, block the copy and revoke "
	  "the credentials of {principal}." },
};

/* The value of {name}: an evidence key, else a field of the finding. */
static const char *value_of(const struct finding *f, const char *name, size_t n, char *tmp,
			    size_t len)
{
	for (size_t i = 0; i < f->nevidence; i++)
		if (f->evidence[i].key && strlen(f->evidence[i].key) == n &&
		    !strncmp(f->evidence[i].key, name, n))
			return f->evidence[i].value;
#define FIELD(k, v) if (n == sizeof(k) - 1 && !strncmp(name, k, n)) return v
	FIELD("principal", f->principal);
	FIELD("access_key", f->access_key);
	FIELD("source_ip", f->source_ip);
	FIELD("bucket", f->bucket);
	FIELD("title", f->title);
	FIELD("rule_id", f->rule_id);
#undef FIELD
	if ((n == 5 && !strncmp(name, "count", 5)) || (n == 5 && !strncmp(name, "bytes", 5))) {
		snprintf(tmp, len, "%" PRIu64, name[0] == 'c' ? f->count : f->bytes);
		return tmp;
	}
	return NULL;
}

/* Fill template t into a new string; NULL when a value is missing (or
 * empty) or on allocation failure. */
static char *fill(const struct finding *f, const char *t)
{
	char out[EXPLAIN_MAX], tmp[32];
	size_t len = 0;

	while (*t && len + 1 < sizeof(out)) {
		const char *end = *t == '{' ? strchr(t, '}') : NULL;
		const char *v;
		size_t n;

		if (!end) {
			out[len++] = *t++;
			continue;
		}
		v = value_of(f, t + 1, (size_t)(end - t - 1), tmp, sizeof(tmp));
		if (!v || !v[0])
			return NULL;
		n = strlen(v);
		if (n > sizeof(out) - 1 - len)
			n = sizeof(out) - 1 - len;
		memcpy(out + len, v, n);
		len += n;
		t = end + 1;
	}
	out[len] = '\0';
	return strdup(out);
}

/* The general sentence; the rule's own reason (evidence "why"), if any,
 * in brackets. */
static char *general_why(const struct finding *f, const char *reason)
{
	char out[EXPLAIN_MAX];
	const char *who = f->principal && f->principal[0] ? f->principal :
			  f->bucket && f->bucket[0] ? f->bucket : "this host";

	snprintf(out, sizeof(out), "%s: %" PRIu64 " event(s) by %s%s%s%s, where this rule expects "
		 "none.", f->title ? f->title : f->rule_id, f->count, who,
		 reason ? " (" : "", reason ? reason : "", reason ? ")" : "");
	return strdup(out);
}

void finding__explain(struct finding *f)
{
	const struct explain_row *row = NULL;
	char tmp[32];
	const char *own;

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]) && f->rule_id; i++)
		if (!strcmp(rows[i].rule, f->rule_id))
			row = &rows[i];
	if (!f->why) {
		own = value_of(f, "why", 3, tmp, sizeof(tmp));
		f->why = row ? fill(f, row->why) : NULL;
		if (!f->why)
			f->why = general_why(f, own && own[0] ? own : NULL);
	}
	if (!f->next_step) {
		own = value_of(f, "remediation", 11, tmp, sizeof(tmp));
		f->next_step = own && own[0] ? strdup(own) : row ? fill(f, row->next) : NULL;
		if (!f->next_step)
			f->next_step = strdup("Review the evidence and the other activity of the same "
					      "principal, address or process in this window; if it was "
					      "not expected, revoke the credentials involved.");
	}
}
