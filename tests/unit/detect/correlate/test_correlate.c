/* The correlated rules, each on its scenario and on its benign twin. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assert.h"
#include "detect/correlate/correlate.h"

#define T0 1764000000000LL /* a slot boundary (multiple of 5 minutes) */

static const char *const gw_exes[] = { "s3rver", "node" };
static const char *const allow[] = { "/usr/bin/restic" };
static const char *const keys[] = { "AKIAGATEWAY000000001" };

static struct correlator *make(int64_t learning_ms)
{
	struct correlate_opts o;

	correlate_opts__defaults(&o);
	o.gateway_exes = gw_exes;
	o.ngateway_exes = 2;
	o.allow_exes = allow;
	o.nallow_exes = 1;
	o.gateway_keys = keys;
	o.ngateway_keys = 1;
	o.delay_ms = 60000;
	o.learning_ms = learning_ms;
	return correlator__new(&o, T0 - 3600000);
}

static struct host_proc proc(uint32_t pid, const char *comm, const char *exe)
{
	struct host_proc p = { .pid = pid, .uid = 0, .start_time = 1, .start_ns = pid * 1000ull,
			       .comm = comm, .exe = exe, .unit = "" };
	return p;
}

static struct host_read rd(struct host_proc p, const char *bucket, uint64_t ops, uint64_t bytes)
{
	struct host_read r = { .proc = p, .root = "/srv/data", .bucket = bucket, .ops = ops,
			       .bytes = bytes, .samples = { "finance/q1.csv" }, .nsamples = 1 };
	return r;
}

static struct audit_event ev(int64_t t, int action, const char *bucket, const char *key,
			     const char *ip, uint64_t bytes)
{
	struct audit_event e = { .time_ms = t, .cloud = GW_CLOUD_AWS, .action = (uint8_t)action,
				 .outcome = GW_OUT_OK, .principal = "arn:aws:iam::123456789012:user/gw",
				 .account = "", .access_key = key, .source_ip = ip, .user_agent = "",
				 .region = "us-east-1", .service = "s3.amazonaws.com", .api = "GetObject",
				 .bucket = bucket, .object_key = "q1.csv", .error_code = "",
				 .request_id = "", .bytes_out = bytes };
	return e;
}

static size_t take(struct correlator *c, const char *rule, struct finding **first)
{
	struct finding **f;
	size_t n = correlator__take(c, &f), hits = 0;

	*first = NULL;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(f[i]->rule_id, rule) == 0) {
			if (!*first) {
				*first = f[i];
				hits++;
				continue;
			}
			hits++;
		}
		finding__free(f[i]);
	}
	free(f);
	return hits;
}

static const char *evidence(const struct finding *f, const char *key)
{
	for (size_t i = 0; f && i < f->nevidence; i++)
		if (strcmp(f->evidence[i].key, key) == 0)
			return f->evidence[i].value;
	return NULL;
}

TEST(correlate_unexpected_reader)
{
	struct correlator *c = make(0);
	struct host_read rows[3] = {
		rd(proc(100, "node", "/usr/bin/node"), "finance", 10, 1000),
		rd(proc(200, "cp", "/usr/bin/cp"), "finance", 40, 4 << 20),
		rd(proc(300, "restic", "/usr/bin/restic"), "finance", 40, 4 << 20),
	};
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 10000, .reads = rows, .nreads = 3 };
	struct finding *f;

	ASSERT(c);
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "unexpected-reader", &f));
	ASSERT_EQ_STR("finance", f->bucket);
	ASSERT_EQ_STR("/usr/bin/cp", evidence(f, "exe"));
	ASSERT_EQ_U64(4 << 20, f->bytes);
	finding__free(f);
	/* the same reader in the next window: not again within the hour */
	w.start_ms += 10000;
	w.end_ms += 10000;
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(0, take(c, "unexpected-reader", &f));
	correlator__free(c);
}

TEST(correlate_unaudited_reads)
{
	struct correlator *c = make(0);
	struct host_read rows[2] = {
		rd(proc(100, "node", "/usr/bin/node"), "finance", 50, 8 << 20),
		rd(proc(100, "node", "/usr/bin/node"), "public", 50, 8 << 20),
	};
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 60000, .reads = rows, .nreads = 2 };
	struct audit_event e = ev(T0 + 1000, GW_ACT_OBJECT_READ, "public", "AKIACLIENT", "192.0.2.9", 8 << 20);
	struct finding *f;

	ASSERT(c);
	correlator__host_window(c, &w);
	correlator__audit_event(c, &e);
	/* before the delivery delay passed: nothing judged yet */
	correlator__tick(c, T0 + 5 * 60000 + 30000);
	ASSERT_EQ_INT(0, take(c, "unaudited-reads", &f));
	correlator__tick(c, T0 + 5 * 60000 + 60000);
	/* finance had no audit at all; public was served and logged */
	ASSERT_EQ_INT(1, take(c, "unaudited-reads", &f));
	ASSERT_EQ_STR("finance", f->bucket);
	ASSERT_EQ_STR("0", evidence(f, "audit_object_reads"));
	finding__free(f);
	correlator__free(c);
}

/* An erasure-coded cluster: this node read parts for a peer's GetObject,
 * which the peer's audit entry records; no unaudited-reads, while a
 * process that is not the gateway is still an unexpected reader. */
TEST(correlate_cluster_node_reads_not_compared)
{
	struct correlate_opts o;
	struct host_read rows[2] = {
		rd(proc(100, "node", "/usr/bin/node"), "finance", 50, 8 << 20),
		rd(proc(300, "tar", "/usr/bin/tar"), "finance", 5, 4 << 20),
	};
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 60000, .reads = rows, .nreads = 2 };
	struct correlator *c;
	struct finding *f;

	correlate_opts__defaults(&o);
	o.gateway_exes = gw_exes;
	o.ngateway_exes = 2;
	o.delay_ms = 60000;
	o.cluster_nodes = 4;
	c = correlator__new(&o, T0 - 3600000);
	ASSERT(c);
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "unexpected-reader", &f));
	finding__free(f);
	correlator__tick(c, T0 + 5 * 60000 + 60000);
	ASSERT_EQ_INT(0, take(c, "unaudited-reads", &f));
	correlator__free(c);
}

TEST(correlate_credential_off_gateway)
{
	struct correlator *c = make(0);
	struct host_conn conns[2] = {
		{ .proc = proc(100, "node", "/usr/bin/node"), .inbound = 0, .addr = "203.0.113.10",
		  .port = 443, .ok = 3 },
		{ .proc = proc(400, "curl", "/usr/bin/curl"), .inbound = 0, .addr = "203.0.113.10",
		  .port = 443, .ok = 1 },
	};
	struct host_window w1 = { .start_ms = T0, .end_ms = T0 + 60000, .conns = conns, .nconns = 1 };
	struct host_window w2 = { .start_ms = T0 + 300000, .end_ms = T0 + 360000, .conns = conns + 1,
				  .nconns = 1 };
	struct audit_event a1 = ev(T0 + 2000, GW_ACT_OBJECT_READ, "finance", "AKIAGATEWAY000000001", "198.51.100.1", 10);
	struct audit_event a2 = ev(T0 + 302000, GW_ACT_LIST, "finance", "AKIAGATEWAY000000001", "198.51.100.1", 0);
	struct finding *f;

	ASSERT(c);
	/* slot 1: the gateway itself connects and the key is used: benign */
	correlator__host_window(c, &w1);
	correlator__audit_event(c, &a1);
	/* slot 2: only curl connects to the gateway's endpoint while the key is used */
	correlator__host_window(c, &w2);
	correlator__audit_event(c, &a2);
	correlator__tick(c, INT64_MAX);
	ASSERT_EQ_INT(1, take(c, "credential-off-gateway", &f));
	ASSERT_EQ_INT(GW_SEV_CRITICAL, f->severity);
	ASSERT_EQ_STR("/usr/bin/curl", evidence(f, "process_exe"));
	ASSERT_EQ_STR("AKIAGATEWAY000000001", f->access_key);
	finding__free(f);
	correlator__free(c);
}

TEST(correlate_new_client_and_state)
{
	char path[] = "/tmp/gw-corr-XXXXXX";
	int fd = mkstemp(path);
	struct correlator *c = make(0), *c2;
	struct host_conn in = { .proc = proc(100, "node", "/usr/bin/node"), .inbound = 1,
				.addr = "198.51.100.7", .ok = 2 };
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 60000, .conns = &in, .nconns = 1 };
	struct audit_event e = ev(T0 + 5000, GW_ACT_OBJECT_READ, "finance", "AKIACLIENT", "198.51.100.7", 4096);
	struct finding *f;

	ASSERT(c && fd >= 0);
	close(fd);
	correlator__host_window(c, &w);
	correlator__audit_event(c, &e);
	correlator__audit_event(c, &e);
	correlator__tick(c, INT64_MAX);
	ASSERT_EQ_INT(1, take(c, "new-client", &f));
	ASSERT_EQ_STR("198.51.100.7", f->source_ip);
	ASSERT_EQ_U64(2, f->count);
	finding__free(f);
	ASSERT_EQ_INT(0, correlator__save(c, path));
	/* after a restart the client is known: silent */
	c2 = make(0);
	ASSERT_EQ_INT(0, correlator__load(c2, path));
	w.start_ms += 600000;
	w.end_ms += 600000;
	correlator__host_window(c2, &w);
	correlator__tick(c2, INT64_MAX);
	ASSERT_EQ_INT(0, take(c2, "new-client", &f));
	unlink(path);
	correlator__free(c);
	correlator__free(c2);
}

TEST(correlate_learning_is_silent)
{
	struct correlator *c = make(48 * 3600 * 1000LL);
	struct host_conn in = { .proc = proc(100, "node", "/usr/bin/node"), .inbound = 1,
				.addr = "198.51.100.8", .ok = 1 };
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 60000, .conns = &in, .nconns = 1 };
	struct finding *f;

	ASSERT(c);
	correlator__host_window(c, &w);
	correlator__tick(c, INT64_MAX);
	ASSERT_EQ_INT(0, take(c, "new-client", &f));
	correlator__free(c);
}

/* node reads about 1 MiB in each of `hours` hours, then `last` bytes in one. */
static size_t proc_history(struct correlator *c, int hours, uint64_t last)
{
	struct finding *f;
	size_t n;

	for (int h = 0; h <= hours; h++) {
		struct host_read r = rd(proc(100, "node", "/usr/bin/node"), "finance", 20,
					h < hours ? (1u << 20) + (uint64_t)(h % 5) * 100000 : last);
		struct host_window w = { .start_ms = T0 + h * 3600000LL,
					 .end_ms = T0 + h * 3600000LL + 60000, .reads = &r, .nreads = 1 };

		correlator__host_window(c, &w);
	}
	n = take(c, "process-read-spike", &f);
	if (f) {
		if (strcmp(f->rule_id, "process-read-spike") || strcmp(evidence(f, "exe"), "/usr/bin/node"))
			n = 99;
		finding__free(f);
	}
	return n;
}

TEST(correlate_process_read_spike)
{
	struct correlator *c = make(0);

	ASSERT(c);
	/* an established gateway reading 600 MiB in an hour, 1 MiB as a rule */
	ASSERT_EQ_INT(1, proc_history(c, 30, 600ull << 20));
	correlator__free(c);
	/* the benign twin: a busier hour, still in line */
	c = make(0);
	ASSERT_EQ_INT(0, proc_history(c, 30, 3u << 20));
	correlator__free(c);
	/* not established yet: five hours of history say nothing */
	c = make(0);
	ASSERT_EQ_INT(0, proc_history(c, 5, 600ull << 20));
	correlator__free(c);
}

TEST(correlate_process_baseline_survives_restart)
{
	char path[] = "/tmp/gw-corr-proc-XXXXXX";
	int fd = mkstemp(path);
	struct correlator *c = make(0), *c2;
	struct host_read r = rd(proc(100, "node", "/usr/bin/node"), "finance", 20, 600ull << 20);
	struct host_window w = { .start_ms = T0 + 40 * 3600000LL, .end_ms = T0 + 40 * 3600000LL + 60000,
				 .reads = &r, .nreads = 1 };
	struct finding *f;

	ASSERT(c && fd >= 0);
	close(fd);
	ASSERT_EQ_INT(0, proc_history(c, 30, 1u << 20));
	ASSERT_EQ_INT(0, correlator__save(c, path));
	c2 = make(0);
	ASSERT_EQ_INT(0, correlator__load(c2, path));
	correlator__host_window(c2, &w);
	ASSERT_EQ_INT(1, take(c2, "process-read-spike", &f));
	finding__free(f);
	unlink(path);
	correlator__free(c);
	correlator__free(c2);
}

/* sensor-blinded: a window with reads no process was credited with names
 * the root, the bucket, the counts lost, the readers and the cause; a clean
 * window, and one where only the verdict cache failed to store (no data
 * lost), stay quiet. It fires with no gateway named. */
TEST(correlate_sensor_blinded)
{
	struct correlate_opts o;
	struct correlator *c;
	struct host_unattr u = { .root = "/srv/data", .bucket = "finance", .ops = 256,
				 .bytes = 1 << 20, .nprocs = 1 };
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 10000, .unattr = &u, .nunattr = 1,
				 .reads_used = 16, .reads_max = 16, .hooks = "tp_exit" };
	struct finding *f;

	correlate_opts__defaults(&o);
	c = correlator__new(&o, T0 - 3600000);
	ASSERT(c);
	u.procs[0] = proc(4242, "cat", "/usr/bin/cat");
	w.drops[HOST_DROP_COUNTS] = 256;
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "sensor-blinded", &f));
	ASSERT_EQ_INT(GW_SEV_HIGH, f->severity);
	ASSERT_EQ_STR("finance", f->bucket);
	ASSERT_EQ_U64(1 << 20, f->bytes);
	ASSERT_EQ_U64(256, f->count);
	ASSERT_EQ_STR("256", evidence(f, "counts_full"));
	ASSERT_EQ_STR("/srv/data", evidence(f, "roots"));
	ASSERT_EQ_STR("16/16", evidence(f, "counts_map_fill"));
	ASSERT_EQ_STR("pid 4242 exe /usr/bin/cat comm cat uid 0", evidence(f, "reader1"));
	ASSERT(strstr(evidence(f, "cause"), "counts map was full"));
	finding__free(f);
	/* the ring buffer full alone: still blinded, another cause */
	memset(w.drops, 0, sizeof(w.drops));
	w.nunattr = 0;
	w.start_ms += 10000;
	w.end_ms += 10000;
	w.drops[HOST_DROP_EVENTS] = 3;
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "sensor-blinded", &f));
	ASSERT(strstr(evidence(f, "cause"), "ring buffer was full"));
	finding__free(f);
	/* benign twins: a clean window; a verdict cache that could not store */
	w.drops[HOST_DROP_EVENTS] = 0;
	w.start_ms += 10000;
	w.end_ms += 10000;
	correlator__host_window(c, &w);
	w.drops[HOST_DROP_VERDICTS] = 5;
	w.start_ms += 10000;
	w.end_ms += 10000;
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(0, take(c, "sensor-blinded", &f));
	correlator__free(c);
}

/* A mapping of object data is a read: a process that only maps a bucket's
 * objects is an unexpected reader with the mapped bytes; the gateway's own
 * mapping of its data is not. */
TEST(correlate_mapped_reader)
{
	struct correlator *c = make(0);
	struct host_read rows[2] = {
		rd(proc(100, "node", "/usr/bin/node"), "finance", 0, 0),
		rd(proc(200, "python3", "/usr/bin/python3"), "finance", 0, 0),
	};
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 10000, .reads = rows, .nreads = 2 };
	struct finding *f;

	ASSERT(c);
	rows[0].mapped_ops = 3;
	rows[0].mapped_bytes = 8 << 20;
	rows[1].mapped_ops = 1;
	rows[1].mapped_bytes = 4 << 20;
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "unexpected-reader", &f));
	ASSERT_EQ_STR("/usr/bin/python3", evidence(f, "exe"));
	ASSERT_EQ_U64(4 << 20, f->bytes);
	ASSERT_EQ_STR("4194304", evidence(f, "mapped_bytes"));
	finding__free(f);
	correlator__free(c);
}

/* A process that renames itself (its comm) after the gateway is still
 * judged by its executable; a reader whose exe is unknown (it exited
 * unseen) is still matched by its comm. */
TEST(correlate_renamed_reader)
{
	struct correlator *c = make(0);
	struct host_read rows[2] = {
		rd(proc(300, "node", "/usr/bin/python3"), "finance", 5, 1 << 20),
		rd(proc(400, "node", ""), "finance", 5, 1 << 20),
	};
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 10000, .reads = rows, .nreads = 2 };
	struct finding *f;

	ASSERT(c);
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(1, take(c, "unexpected-reader", &f));
	ASSERT_EQ_STR("/usr/bin/python3", evidence(f, "exe"));
	ASSERT_EQ_STR("node", evidence(f, "comm"));
	finding__free(f);
	correlator__free(c);
}

/* One registry lists every rule id once, the correlation rules included, so
 * whatever enumerates the rules sees them all. */
TEST(correlate_rules_in_registry)
{
	static const char *const corr[] = {
		"unexpected-reader", "unaudited-reads", "credential-off-gateway",
		"new-client", "process-read-spike", "sensor-blinded",
	};
	size_t n = 0, found = 0;

	for (const char *id; (id = detector__rule_id(n)); n++) {
		for (size_t j = 0; j < n; j++)
			ASSERT(strcmp(id, detector__rule_id(j)) != 0);
		for (size_t k = 0; k < sizeof(corr) / sizeof(corr[0]); k++)
			found += strcmp(id, corr[k]) == 0;
		ASSERT(strcmp(id, "bulk-download") || n == 0);
	}
	ASSERT_EQ_U64(6, found);
	ASSERT(n > 6);
}

/* The slots waiting for the audit delay survive the process: saved after a
 * window, loaded into a new correlator (a restart after kill -9), judged
 * there with the audit events that come after the restart. A damaged file
 * is refused, not misread. */
TEST(correlate_slots_survive_a_restart)
{
	char path[] = "/tmp/gw-slots-XXXXXX";
	int fd = mkstemp(path);
	struct correlator *c = make(0), *c2;
	struct host_read rows[1] = { rd(proc(100, "node", "/usr/bin/node"), "finance", 50, 8 << 20) };
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 60000, .reads = rows, .nreads = 1 };
	struct audit_event e = ev(T0 + 1000, GW_ACT_OBJECT_READ, "finance", "AKIACLIENT", "192.0.2.9", 1 << 20);
	struct finding *f;
	FILE *fp;

	ASSERT(fd >= 0 && c);
	close(fd);
	correlator__host_window(c, &w);
	ASSERT_EQ_INT(0, correlator__save_slots(c, path));
	correlator__free(c);   /* the crash: nothing else survives */
	c2 = make(0);
	ASSERT(c2);
	ASSERT_EQ_INT(0, correlator__load_slots(c2, path));
	/* an audit event of the slot, delivered after the restart, counts there */
	correlator__audit_event(c2, &e);
	correlator__tick(c2, T0 + 5 * 60000 + 60000);
	ASSERT_EQ_INT(1, take(c2, "unaudited-reads", &f));
	ASSERT_EQ_STR("finance", f->bucket);
	ASSERT_EQ_STR("1", evidence(f, "audit_object_reads"));
	finding__free(f);
	/* judged: the next save holds no slot, the next load judges nothing */
	ASSERT_EQ_INT(0, correlator__save_slots(c2, path));
	correlator__free(c2);
	c2 = make(0);
	ASSERT_EQ_INT(0, correlator__load_slots(c2, path));
	correlator__tick(c2, INT64_MAX);
	ASSERT_EQ_INT(0, take(c2, "unaudited-reads", &f));
	correlator__free(c2);
	/* a damaged file: refused */
	fp = fopen(path, "r+b");
	ASSERT(fp);
	fseek(fp, 10, SEEK_SET);
	fputc('X', fp);
	fclose(fp);
	c2 = make(0);
	ASSERT_EQ_INT(-EINVAL, correlator__load_slots(c2, path));
	correlator__free(c2);
	unlink(path);
}

/* One host finding's id with the correlator's host id set to host. */
static char *reader_id(const char *host)
{
	struct correlate_opts o;
	struct host_read row = rd(proc(200, "cp", "/usr/bin/cp"), "finance", 40, 4 << 20);
	struct host_window w = { .start_ms = T0, .end_ms = T0 + 10000, .reads = &row, .nreads = 1 };
	struct correlator *c;
	struct finding *f = NULL;
	char *id = NULL;

	correlate_opts__defaults(&o);
	o.gateway_exes = gw_exes;
	o.ngateway_exes = 2;
	o.host_id = host;
	c = correlator__new(&o, T0 - 3600000);
	if (!c)
		return NULL;
	correlator__host_window(c, &w);
	if (take(c, "unexpected-reader", &f) == 1)
		id = strdup(f->id);
	finding__free(f);
	correlator__free(c);
	return id;
}

/* Host findings are the host's alone: two hosts that see the same thing
 * report two ids (a cloud finding, derived from content, is one id
 * fleet-wide); one host reports the same id every time. */
TEST(correlate_host_finding_ids_are_per_host)
{
	char *a = reader_id("host-a"), *a2 = reader_id("host-a"), *b = reader_id("host-b");

	ASSERT(a && a2 && b);
	ASSERT_EQ_STR(a, a2);
	ASSERT(strcmp(a, b) != 0);
	ASSERT(strncmp(a, "unexpected-reader-", 18) == 0);
	free(a);
	free(a2);
	free(b);
}
