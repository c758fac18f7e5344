/* Principal kinds from every parser: own, foreign, anonymous, root,
 * workload session, SAS token; failed console sign-ins and what a call
 * created. Data: tests/data/coldstart (written from the clouds' documented
 * record shapes by make_scenarios.py). */
#include <stdio.h>
#include <string.h>

#include "assert.h"
#include "audit_test_util.h"

#define CS TESTDATA("coldstart/")
#define KIND_MAX 512

/* The scenarios hold more events than struct got keeps. */
struct many {
	struct audit_event ev[KIND_MAX];
	size_t n;
	struct audit_stats st;
	struct strpool *pool;
	int rc;
};

static int many_keep(const struct audit_event *ev, void *ctx)
{
	struct many *g = ctx;

	if (g->n < KIND_MAX)
		g->ev[g->n++] = *ev;
	return 0;
}

static struct many *many_read(const char *spec)
{
	struct many *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->pool = strpool__new();
	audit_dedup__reset();
	g->rc = g->pool ? audit_source__read(spec, g->pool, many_keep, g, &g->st) : -1;
	return g;
}

static void many_free(struct many *g)
{
	if (g)
		strpool__free(g->pool);
	free(g);
}

/* The first event of g whose api and principal contain these, or NULL. */
static const struct audit_event *find(const struct many *g, const char *api, const char *who)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->ev[i].api, api) == 0 && strstr(g->ev[i].principal, who))
			return &g->ev[i];
	return NULL;
}

TEST(kind_cloudtrail_workload_root_foreign_own)
{
	struct many *g = many_read("cloudtrail:" CS "ec2-stolen-session");
	const struct audit_event *e;

	ASSERT(g);
	ASSERT_EQ_INT(0, g->rc);
	e = find(g, "ListBuckets", "i-0a1b2c3d4e5f60718");
	ASSERT(e);
	ASSERT_EQ_INT(GW_PK_WORKLOAD, e->principal_kind);
	ASSERT_EQ_STR("111122223333", e->principal_account);
	e = find(g, "GetObject", "app-reporting");
	ASSERT(e);
	ASSERT_EQ_INT(GW_PK_OWN, e->principal_kind);
	many_free(g);

	g = many_read("cloudtrail:" CS "public-bucket-writes/cloudtrail.json");
	ASSERT(g);
	e = find(g, "PutObject", "");
	ASSERT(e);
	ASSERT_EQ_INT(GW_PK_FOREIGN, e->principal_kind);
	ASSERT_EQ_STR("999988887777", e->principal_account);
	many_free(g);
}

TEST(kind_cloudtrail_root_login_and_created_credentials)
{
	struct many *g = many_read("cloudtrail:" CS "root-takeover");
	const struct audit_event *e;
	size_t failed = 0, ok = 0;

	ASSERT(g);
	for (size_t i = 0; i < g->n; i++) {
		e = &g->ev[i];
		if (strcmp(e->api, "ConsoleLogin") != 0)
			continue;
		ASSERT_EQ_INT(GW_PK_ROOT, e->principal_kind);
		failed += e->outcome == GW_OUT_DENIED;
		ok += e->outcome == GW_OUT_OK;
	}
	ASSERT_EQ_U64(3, failed);
	ASSERT_EQ_U64(1, ok);
	e = find(g, "CreateUser", ":root");
	ASSERT(e);
	ASSERT_EQ_STR("arn:aws:iam::111122223333:user/svc-backup", e->created);
	e = find(g, "CreateAccessKey", ":root");
	ASSERT(e);
	ASSERT_EQ_STR("AKIAEXAMPLENEWKEY001", e->created);
	many_free(g);
}

TEST(kind_anonymous_in_every_format)
{
	static const char *const specs[] = {
		"s3access:" CS "public-bucket-writes/s3-access.log",
		"gcs:" CS "gcs-anonymous-read",
	};

	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct many *g = many_read(specs[i]);

		ASSERT(g && g->n > 0);
		ASSERT_EQ_STR("anonymous", g->ev[0].principal);
		ASSERT_EQ_INT(GW_PK_ANONYMOUS, g->ev[0].principal_kind);
		many_free(g);
	}
}

TEST(kind_azure_sas_token_is_its_own_principal)
{
	struct many *g = many_read("azure:" CS "sas-passwords");
	const struct audit_event *e;

	ASSERT(g);
	e = find(g, "GetBlob", "SasSignature(A1B2");
	ASSERT(e);
	ASSERT_EQ_INT(GW_PK_SAS, e->principal_kind);
	ASSERT_EQ_STR("passwords.txt", e->object_key);
	e = find(g, "GetBlob", "key1(");
	ASSERT(e);
	ASSERT_EQ_INT(GW_PK_OWN, e->principal_kind);
	many_free(g);
}

TEST(kind_denial_codes_of_every_cloud)
{
	struct many *g = many_read("cloudtrail:" CS "new-principal-denied");
	const struct audit_event *e;

	ASSERT(g);
	e = find(g, "GetObject", "temp-contractor");
	ASSERT(e);
	ASSERT_EQ_INT(GW_OUT_DENIED, e->outcome);
	many_free(g);
	/* a VPC Service Controls violation (GCS status 7) is a denial */
	g = many_read("gcs:" REAL "gcp_security_analytics_fixtures/google.storage.objects.get-notInSameVPC.json");
	ASSERT(g && g->n == 1);
	ASSERT_EQ_INT(GW_OUT_DENIED, g->ev[0].outcome);
	many_free(g);
}
