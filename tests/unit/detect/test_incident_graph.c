/* Incidents over the entity graph: host findings (made by the correlator
 * from host windows) join the cloud findings (made by the detector from
 * audit events) that share a bucket or an address with them, into one
 * incident with one timeline and remediation for both sides; and the
 * benign twins stay apart: a host finding on another bucket, two
 * principals that read one popular bucket or share one NAT address. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assert.h"
#include "detect/correlate/correlate.h"
#include "detect/detect.h"

#define T0 1795478400000LL   /* 2026-11-24T00:00:00Z, a slot boundary */
#define SVC "arn:aws:iam::123456789012:user/svc-reporting"
#define SVC_KEY "AKIAEXAMPLESVCREP001"
#define OTHER "arn:aws:iam::123456789012:user/etl-nightly"

static const char *const gw_exes[] = { "node" };

struct world {
	struct detector *d;
	struct correlator *c;
};

static int world_new(struct world *w)
{
	struct detector_config dc;
	struct correlate_opts o;

	detector_config__defaults(&dc);
	correlate_opts__defaults(&o);
	o.gateway_exes = gw_exes;
	o.ngateway_exes = 1;
	o.delay_ms = 60000;
	o.learning_ms = 0;
	w->d = detector__new(&dc);
	w->c = correlator__new(&o, T0 - 3600000);
	return w->d && w->c ? 0 : -1;
}

static void world_free(struct world *w)
{
	correlator__free(w->c);
	detector__free(w->d);
}

/* The correlator's findings join the detector's, as the daemon does. */
static void adopt(struct world *w)
{
	struct finding **f;
	size_t n = correlator__take(w->c, &f);

	for (size_t i = 0; i < n; i++)
		detector__adopt(w->d, f[i]);
	free(f);
}

/* n GetObject of bucket, one a second from t, as CloudTrail logs them;
 * the correlator sees them too. who NULL: anonymous. */
static void reads(struct world *w, const char *who, const char *key, const char *ip,
		  const char *bucket, int64_t t, int n)
{
	static char obj[64];

	for (int i = 0; i < n; i++) {
		struct audit_event e = {
			.time_ms = t + i * 1000LL, .cloud = GW_CLOUD_AWS, .action = GW_ACT_OBJECT_READ,
			.outcome = GW_OUT_OK, .principal_type = who ? GW_PT_USER : 0,
			.principal_kind = who ? GW_PK_OWN : GW_PK_ANONYMOUS,
			.key_long_term = key[0] != 0, .principal = who ? who : "anonymous",
			.account = "123456789012", .access_key = key, .source_ip = ip,
			.user_agent = "aws-cli/2.17.60", .region = "us-east-1",
			.service = "s3.amazonaws.com", .api = "GetObject", .bucket = bucket,
			.object_key = obj, .error_code = "", .request_id = "", .bytes_out = 2048,
		};

		snprintf(obj, sizeof(obj), "q%d.csv", i);
		detector__feed(w->d, &e);
		correlator__audit_event(w->c, &e);
	}
}

/* A host window of [t, t + 60 s): proc read bucket; node accepted client. */
static void window(struct world *w, int64_t t, const char *exe, const char *unit,
		   const char *bucket, uint64_t bytes, const char *client)
{
	struct host_proc p = { .pid = 4242, .uid = 1001, .start_time = 7, .start_ns = 7000,
			       .comm = "cp", .exe = exe, .unit = unit };
	struct host_proc gw = { .pid = 100, .uid = 0, .start_time = 1, .start_ns = 1000,
				.comm = "node", .exe = "/usr/bin/node", .unit = "s3rver.service" };
	struct host_read r = { .proc = p, .root = "/srv/objects", .bucket = bucket, .ops = 150,
			       .bytes = bytes, .samples = { "q1.csv" }, .nsamples = 1 };
	struct host_conn in = { .proc = gw, .inbound = 1, .addr = client, .ok = 150 };
	struct host_window hw = { .start_ms = t, .end_ms = t + 60000, .reads = &r,
				  .nreads = exe ? 1 : 0, .conns = &in, .nconns = client ? 1 : 0 };

	correlator__host_window(w->c, &hw);
}

static size_t incidents(struct world *w, const struct incident *const **in)
{
	correlator__tick(w->c, INT64_MAX);
	adopt(w);
	detector__flush(w->d);
	return detector__incidents(w->d, in);
}

static int holds(const struct incident *in, const char *rule)
{
	for (size_t i = 0; i < in->nfindings; i++)
		if (strcmp(in->findings[i]->rule_id, rule) == 0)
			return 1;
	return 0;
}

/* The index of the first remediation step (or timeline line) holding s. */
static int line_with(char *const *v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strstr(v[i], s))
			return (int)i;
	return -1;
}

/* "cp read bucket X behind the gateway" + "a new client" + "bulk download
 * of X from that client with the service's key": one exfiltration incident
 * with one timeline and the steps of both sides, in order. */
TEST(incident_graph_host_and_cloud_join)
{
	const struct incident *const *in;
	const struct incident *x;
	struct world w;
	int revoke, kill, mask, egress, client, review;

	ASSERT(world_new(&w) == 0);
	window(&w, T0, "/usr/bin/cp", "backup-copy.service", "finance-reports", 300000,
	       "203.0.113.66");
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	ASSERT_EQ_U64(1, incidents(&w, &in));
	x = in[0];
	ASSERT_EQ_U64(3, x->nfindings);
	ASSERT(holds(x, "unexpected-reader") && holds(x, "new-client") && holds(x, "bulk-download"));
	ASSERT_EQ_STR("possible data exfiltration", x->classification);
	ASSERT_EQ_STR(SVC, x->principal);
	/* one timeline, time order, both sides */
	ASSERT_EQ_U64(3, x->ntimeline);
	ASSERT(line_with(x->timeline, 2, "2026-11-24T00:00:00Z host unexpected-reader: /usr/bin/cp "
			 "(pid 4242, uid 1001, unit backup-copy.service): Object data read by a "
			 "process that is not the gateway; 150 events, 300000 bytes, bucket "
			 "finance-reports") >= 0);
	ASSERT(line_with(x->timeline, 2, "2026-11-24T00:00:00Z host new-client: client "
			 "203.0.113.66") >= 0);
	ASSERT(strstr(x->timeline[2], "2026-11-24T00:00:02Z cloud bulk-download: " SVC " (key "
		      SVC_KEY "): Bulk object download; 150 events, 307200 bytes, bucket "
		      "finance-reports, from 203.0.113.66"));
	/* the key first, then the process, its unit, its egress, the client,
	 * then the review */
	revoke = line_with(x->remediation, x->nremediation, "Revoke access key " SVC_KEY);
	kill = line_with(x->remediation, x->nremediation, "kill -KILL 4242");
	mask = line_with(x->remediation, x->nremediation, "systemctl mask backup-copy.service");
	egress = line_with(x->remediation, x->nremediation, "meta skuid 1001 drop");
	client = line_with(x->remediation, x->nremediation, "Block client address(es) 203.0.113.66");
	review = line_with(x->remediation, x->nremediation, "Review every call of " SVC);
	if (!(revoke == 0 && kill > revoke && mask > kill && egress > mask && client > egress &&
	      review > client))
		FAIL_AT("remediation order: revoke %d, kill %d, mask %d, egress %d, client %d, "
			"review %d", revoke, kill, mask, egress, client, review);
	world_free(&w);
}

/* Benign twin: a copy of another bucket by a process while the service
 * downloads its own; the copy is an incident of its own (12 MiB), without
 * the download or the service's key. */
TEST(incident_graph_unrelated_host_finding_stays_apart)
{
	const struct incident *const *in;
	struct world w;

	ASSERT(world_new(&w) == 0);
	window(&w, T0, "/usr/bin/rsync", "", "scratch", 12u << 20, NULL);
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	ASSERT_EQ_U64(1, incidents(&w, &in));
	ASSERT_EQ_U64(1, in[0]->nfindings);
	ASSERT(holds(in[0], "unexpected-reader"));
	ASSERT_EQ_STR("/usr/bin/rsync", in[0]->principal);
	ASSERT_EQ_STR("possible data theft: object data read behind the gateway",
		      in[0]->classification);
	ASSERT_EQ_INT(-1, line_with(in[0]->remediation, in[0]->nremediation, "Revoke"));
	ASSERT(line_with(in[0]->remediation, in[0]->nremediation, "kill -KILL 4242") == 0);
	ASSERT_EQ_U64(1, in[0]->ntimeline);
	world_free(&w);
}

/* Two principals read one popular bucket: each alone is a weak signal
 * (a bulk download, an anonymous read), and the bucket does not make them
 * one incident. */
TEST(incident_graph_shared_bucket_keeps_principals_apart)
{
	const struct incident *const *in;
	struct world w;

	ASSERT(world_new(&w) == 0);
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	reads(&w, NULL, "", "198.51.100.9", "finance-reports", T0 + 5000, 3);
	ASSERT_EQ_U64(0, incidents(&w, &in));
	world_free(&w);
}

/* ... and a copy of that bucket on the host points to both of them: it
 * joins neither (nothing tells which), and stands alone. */
TEST(incident_graph_ambiguous_bucket_joins_nothing)
{
	const struct incident *const *in;
	struct world w;

	ASSERT(world_new(&w) == 0);
	window(&w, T0, "/usr/bin/cp", "", "finance-reports", 12u << 20, NULL);
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	reads(&w, NULL, "", "198.51.100.9", "finance-reports", T0 + 5000, 3);
	ASSERT_EQ_U64(1, incidents(&w, &in));
	ASSERT_EQ_U64(1, in[0]->nfindings);
	ASSERT(holds(in[0], "unexpected-reader"));
	world_free(&w);
}

/* A NAT address: two principals download from it, and the gateway's new
 * client is that address: it joins neither, and no incident forms. */
TEST(incident_graph_shared_address_joins_nothing)
{
	const struct incident *const *in;
	struct world w;

	ASSERT(world_new(&w) == 0);
	window(&w, T0, NULL, "", "", 0, "198.51.100.20");
	reads(&w, SVC, SVC_KEY, "198.51.100.20", "finance-reports", T0 + 2000, 150);
	reads(&w, OTHER, "AKIAEXAMPLEETLNIGHT1", "198.51.100.20", "public-assets", T0 + 3000, 150);
	ASSERT_EQ_U64(0, incidents(&w, &in));
	world_free(&w);
}

/* The address direction alone: the new client and the download from it. */
TEST(incident_graph_address_joins_host_to_cloud)
{
	const struct incident *const *in;
	struct world w;

	ASSERT(world_new(&w) == 0);
	window(&w, T0, NULL, "", "", 0, "203.0.113.66");
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	ASSERT_EQ_U64(1, incidents(&w, &in));
	ASSERT_EQ_U64(2, in[0]->nfindings);
	ASSERT(holds(in[0], "new-client") && holds(in[0], "bulk-download"));
	world_free(&w);
}

/* Live, an incident keeps its id as it grows: a copy of 12 MiB stands
 * alone first; when the bulk download of the same bucket joins it, the
 * collector must see a new revision of that incident, not a second one. */
TEST(incident_graph_id_kept_when_cloud_joins_live)
{
	const struct incident *const *in;
	struct detector_config dc;
	struct world w;
	char first[64];

	ASSERT(world_new(&w) == 0);
	detector__free(w.d);
	detector_config__defaults(&dc);
	dc.live = 1;
	w.d = detector__new(&dc);
	ASSERT(w.d);
	window(&w, T0, "/usr/bin/cp", "", "finance-reports", 12u << 20, NULL);
	correlator__tick(w.c, INT64_MAX);
	adopt(&w);
	ASSERT_EQ_U64(1, detector__incidents(w.d, &in));
	ASSERT_EQ_U64(1, in[0]->nfindings);
	snprintf(first, sizeof(first), "%s", in[0]->id);
	reads(&w, SVC, SVC_KEY, "203.0.113.66", "finance-reports", T0 + 2000, 150);
	ASSERT_EQ_U64(1, incidents(&w, &in));
	ASSERT_EQ_U64(2, in[0]->nfindings);
	ASSERT_EQ_STR(first, in[0]->id);
	world_free(&w);
}
