/* detector__feed_batch gives exactly what feeding the same events one by
 * one gives: the findings (ids, scores, evidence, sentences), the
 * incidents and every statistic, on a mixed stream: the cold-start
 * scenarios of tests/data (attacks of many rules and their benign twins)
 * mixed with a crowd of ordinary identities over the same days, whose
 * strings sit at ever new addresses, in batches of every size. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "audit/audit.h"
#include "detect/detect.h"
#include "lib/strpool.h"

#define CROWD 300
#define CROWD_EVENTS 60000
#define ARENA_BYTES (CROWD_EVENTS * 96)

struct stream {
	struct audit_event *v;
	size_t n, cap;
	struct strpool *pool;
	char *arena;              /* the crowd's strings, a copy per event */
	size_t used;
	uint64_t rng;
};

static int keep(const struct audit_event *ev, void *ctx)
{
	struct stream *s = ctx;
	struct audit_event *nv;

	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 1024;
		nv = realloc(s->v, s->cap * sizeof(*nv));
		if (!nv)
			return -1;
		s->v = nv;
	}
	s->v[s->n] = *ev;
	s->v[s->n].dedup_key = s->n;   /* the reading order, for ties */
	s->n++;
	return 0;
}

static uint32_t rnd(struct stream *s, uint32_t n)
{
	s->rng ^= s->rng << 13;
	s->rng ^= s->rng >> 7;
	s->rng ^= s->rng << 17;
	return (uint32_t)(s->rng % n);
}

/* A copy of str in the arena: the same text at a new address, as a reader's
 * pieces hand it over; the arena's start when full (never, as sized). */
static const char *copy(struct stream *s, const char *str)
{
	size_t len = strlen(str) + 1;
	char *p;

	if (s->used + len > ARENA_BYTES)
		return s->arena;
	p = s->arena + s->used;
	memcpy(p, str, len);
	s->used += len;
	return p;
}

static const char *const crowd_api[] = {
	"GetObject", "GetObject", "GetObject", "PutObject", "ListObjectsV2", "HeadObject",
	"DeleteObject", "ListBuckets", "GetBucketAcl",
};
static const uint8_t crowd_act[] = {
	GW_ACT_OBJECT_READ, GW_ACT_OBJECT_READ, GW_ACT_OBJECT_READ, GW_ACT_OBJECT_WRITE,
	GW_ACT_LIST, GW_ACT_OBJECT_READ, GW_ACT_OBJECT_DELETE, GW_ACT_LIST, GW_ACT_PERMISSION,
};

/* One event of the crowd at t: users and role sessions, a few addresses
 * and agents each, some denied; principal 7 reads in bulk at night. */
static void crowd_event(struct stream *s, int64_t t, struct audit_event *e)
{
	char who[96], ip[32], key[64];
	uint32_t p = rnd(s, CROWD), a = rnd(s, sizeof(crowd_act));

	if (t % 86400000 < 3 * 3600000 && rnd(s, 4) == 0)
		p = 7;
	snprintf(who, sizeof(who), p % 3 ? "arn:aws:iam::111122223333:user/crowd-%u" :
		 "arn:aws:sts::111122223333:assumed-role/app/crowd-%u", p);
	snprintf(ip, sizeof(ip), "198.51.%u.%u", p % 50, 10 + rnd(s, p % 5 + 1));
	snprintf(key, sizeof(key), "data/%u/part-%05u.parquet", p, rnd(s, 2000));
	memset(e, 0, sizeof(*e));
	e->time_ms = t;
	e->cloud = GW_CLOUD_AWS;
	e->action = p == 7 ? GW_ACT_OBJECT_READ : crowd_act[a];
	e->outcome = rnd(s, 50) ? GW_OUT_OK : GW_OUT_DENIED;
	e->principal_type = p % 3 ? GW_PT_USER : GW_PT_ROLE;
	e->principal_kind = GW_PK_OWN;
	e->key_long_term = p % 3 != 0;
	e->principal = copy(s, who);
	e->account = copy(s, "111122223333");
	e->principal_account = e->account;
	e->access_key = copy(s, p % 3 ? "AKIAEXAMPLECROWD0001" : "ASIAEXAMPLECROWD0001");
	e->source_ip = copy(s, ip);
	e->user_agent = copy(s, rnd(s, 8) ? "aws-cli/2.17.60" : "Boto3/1.35.10 Python/3.12");
	e->region = copy(s, rnd(s, 10) ? "us-east-1" : "eu-west-1");
	e->service = copy(s, "s3.amazonaws.com");
	e->api = copy(s, p == 7 ? "GetObject" : crowd_api[a]);
	snprintf(who, sizeof(who), "crowd-bucket-%u", p % 7);
	e->bucket = copy(s, who);
	e->object_key = copy(s, key);
	e->error_code = copy(s, e->outcome == GW_OUT_DENIED ? "AccessDenied" : "");
	e->request_id = "";
	e->bytes_out = e->action == GW_ACT_OBJECT_READ ? 1000 + rnd(s, 1 << 20) : 0;
}

static int cmp_time(const void *a, const void *b)
{
	const struct audit_event *x = a, *y = b;

	if (x->time_ms != y->time_ms)
		return x->time_ms < y->time_ms ? -1 : 1;
	return x->dedup_key < y->dedup_key ? -1 : x->dedup_key > y->dedup_key;
}

/* The scenarios, then the crowd over their days; sorted by time. */
static int stream_build(struct stream *s)
{
	const char *dir = TESTDATA("coldstart");
	struct audit_stats st = { 0 };
	char spec[512];
	struct dirent *de;
	int64_t lo = INT64_MAX, hi = INT64_MIN;
	DIR *dp = opendir(dir);
	size_t n0;

	s->pool = strpool__new();
	s->arena = malloc(ARENA_BYTES);
	s->rng = 0x9e3779b97f4a7c15ull;
	if (!dp || !s->pool || !s->arena)
		return -1;
	while ((de = readdir(dp)) != NULL) {
		if (de->d_name[0] == '.' || de->d_type != DT_DIR || !strchr(de->d_name, '-'))
			continue;
		snprintf(spec, sizeof(spec), "%s/%s", dir, de->d_name);
		audit_dedup__reset();
		if (audit_source__read(spec, s->pool, keep, s, &st) < 0)
			break;
	}
	closedir(dp);
	if (de || !s->n)
		return -1;
	for (size_t i = 0; i < s->n; i++) {
		lo = s->v[i].time_ms < lo ? s->v[i].time_ms : lo;
		hi = s->v[i].time_ms > hi ? s->v[i].time_ms : hi;
	}
	/* at least three days, so that the string pool is swept */
	if (hi - lo < 3 * 86400000LL)
		hi = lo + 3 * 86400000LL;
	n0 = s->n;
	for (size_t i = 0; i < CROWD_EVENTS; i++) {
		struct audit_event e;

		crowd_event(s, lo + (int64_t)((double)(hi - lo) * i / CROWD_EVENTS), &e);
		if (keep(&e, s) < 0)
			return -1;
	}
	qsort(s->v, s->n, sizeof(*s->v), cmp_time);
	return (int)n0;
}

static void stream_free(struct stream *s)
{
	free(s->v);
	free(s->arena);
	strpool__free(s->pool);
}

static int same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/* Everything a report says of f; the first difference's name, or NULL. */
static const char *finding_diff(const struct finding *a, const struct finding *b)
{
	if (!same_str(a->id, b->id) || a->rule_id != b->rule_id)
		return "id";
	if (a->severity != b->severity || a->score != b->score)
		return "severity or score";
	if (a->start_ms != b->start_ms || a->end_ms != b->end_ms || a->count != b->count ||
	    a->bytes != b->bytes)
		return "times or counts";
	if (!same_str(a->principal, b->principal) || !same_str(a->source_ip, b->source_ip) ||
	    !same_str(a->user_agent, b->user_agent) || !same_str(a->bucket, b->bucket) ||
	    !same_str(a->access_key, b->access_key) || !same_str(a->region, b->region))
		return "entities";
	if (!same_str(a->why, b->why) || !same_str(a->next_step, b->next_step))
		return "sentences";
	if (a->nsamples != b->nsamples || a->nevidence != b->nevidence)
		return "samples or evidence";
	for (size_t i = 0; i < a->nsamples; i++)
		if (!same_str(a->samples[i], b->samples[i]))
			return "samples";
	for (size_t i = 0; i < a->nevidence; i++)
		if (!same_str(a->evidence[i].key, b->evidence[i].key) ||
		    !same_str(a->evidence[i].value, b->evidence[i].value))
			return "evidence";
	return NULL;
}

/* Feed s one by one to a and in batches of 1 to max_batch (drawn) to b. */
static void feed_both(struct stream *s, struct detector *a, struct detector *b, size_t max_batch)
{
	const struct audit_event **p = malloc(s->n * sizeof(*p));
	size_t i, k;

	if (!p)
		return;
	for (i = 0; i < s->n; i++) {
		p[i] = &s->v[i];
		detector__feed(a, &s->v[i]);
	}
	for (i = 0; i < s->n; i += k) {
		k = 1 + rnd(s, (uint32_t)max_batch);
		if (k > s->n - i)
			k = s->n - i;
		detector__feed_batch(b, p + i, k);
	}
	detector__flush(a);
	detector__flush(b);
	free(p);
}

static void check_same(struct detector *a, struct detector *b, uint64_t min_findings)
{
	const struct finding *const *fa, *const *fb;
	const struct incident *const *ia, *const *ib;
	struct detector_stats sa, sb;
	size_t na = detector__findings(a, &fa), nb = detector__findings(b, &fb), rules = 0;
	const char *diff;

	ASSERT_EQ_U64(na, nb);
	ASSERT(na >= min_findings);
	for (size_t i = 0; i < na; i++) {
		diff = finding_diff(fa[i], fb[i]);
		if (diff)
			FAIL_AT("finding %zu (%s %s): %s differ", i, fa[i]->rule_id, fa[i]->id, diff);
		rules += !i || strcmp(fa[i]->rule_id, fa[i - 1]->rule_id) != 0;
	}
	ASSERT(min_findings == 0 || rules >= 5);
	na = detector__incidents(a, &ia);
	nb = detector__incidents(b, &ib);
	ASSERT_EQ_U64(na, nb);
	for (size_t i = 0; i < na; i++) {
		ASSERT_EQ_STR(ia[i]->id, ib[i]->id);
		ASSERT(ia[i]->score == ib[i]->score);
	}
	detector__stats(a, &sa);
	detector__stats(b, &sb);
	ASSERT_EQ_U64(sa.events, sb.events);
	ASSERT_EQ_U64(sa.identities, sb.identities);
	ASSERT_EQ_U64(sa.entities_dropped, sb.entities_dropped);
	ASSERT_EQ_U64(sa.seen_dropped, sb.seen_dropped);
	ASSERT_EQ_U64(sa.strings_bytes, sb.strings_bytes);
	ASSERT_EQ_U64(sa.strings_freed, sb.strings_freed);
	ASSERT_EQ_U64(sa.state_bytes, sb.state_bytes);
	ASSERT(memcmp(&sa, &sb, sizeof(sa)) == 0);
}

TEST(detect_batch_feeds_as_one_by_one)
{
	struct stream s = { 0 };
	struct detector *a = detector__new(NULL), *b = detector__new(NULL);
	struct detector_stats st;

	ASSERT(a && b);
	ASSERT(stream_build(&s) > 0);
	feed_both(&s, a, b, 300);
	check_same(a, b, 10);
	detector__stats(a, &st);
	ASSERT_EQ_U64(s.n, st.events);
	fprintf(stderr, "  batch: %zu events, %llu findings, %llu identities\n", s.n,
		(unsigned long long)st.findings, (unsigned long long)st.identities);
	detector__free(a);
	detector__free(b);
	stream_free(&s);
}

/* With tables at their bounds: identities dropped, the same ones. */
TEST(detect_batch_feeds_as_one_by_one_at_bounds)
{
	struct detector_config cfg;
	struct stream s = { 0 };
	struct detector *a, *b;
	struct detector_stats st;

	detector_config__defaults(&cfg);
	cfg.max_identities = 40;
	a = detector__new(&cfg);
	b = detector__new(&cfg);
	ASSERT(a && b);
	ASSERT(stream_build(&s) > 0);
	feed_both(&s, a, b, 64);
	check_same(a, b, 0);
	detector__stats(a, &st);
	ASSERT(st.entities_dropped > 0);
	detector__free(a);
	detector__free(b);
	stream_free(&s);
}
