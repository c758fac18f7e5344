/* The metrics registry and its loopback endpoint, scraped with libcurl. */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "assert.h"
#include "lib/metrics.h"

struct body {
	char *p;
	size_t n;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *user)
{
	struct body *b = user;
	size_t len = size * nmemb;
	char *p = realloc(b->p, b->n + len + 1);

	if (!p)
		return 0;
	memcpy(p + b->n, ptr, len);
	b->n += len;
	p[b->n] = '\0';
	b->p = p;
	return len;
}

/* GET url; the body in *out (caller frees), the status returned (or -1). */
static long scrape(const char *url, char **out)
{
	struct body b = { 0 };
	long status = -1;
	CURL *h = curl_easy_init();

	if (!h)
		return -1;
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, 5L);
	if (curl_easy_perform(h) == CURLE_OK)
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(h);
	*out = b.p;
	return status;
}

TEST(metrics_render_text_format)
{
	char labels[128], *text;

	metrics__reset();
	ASSERT_EQ_INT(0, metrics__describe("gatewatch_findings_total", "counter", "findings by rule"));
	ASSERT_EQ_INT(0, metrics__labels(labels, sizeof(labels), "rule", "bulk-download", NULL));
	ASSERT_EQ_INT(0, metrics__add("gatewatch_findings_total", labels, 2));
	ASSERT_EQ_INT(0, metrics__set("gatewatch_spool_depth", NULL, 7));
	ASSERT_EQ_INT(0, metrics__labels(labels, sizeof(labels), "rule", "new-ip", NULL));
	ASSERT_EQ_INT(0, metrics__add("gatewatch_findings_total", labels, 1));
	ASSERT_EQ_INT(0, metrics__add("gatewatch_findings_total", labels, 1));
	ASSERT_EQ_INT(0, metrics__labels(labels, sizeof(labels), "source", "a\"b\\c\nd", NULL));
	ASSERT_EQ_STR("source=\"a\\\"b\\\\c\\nd\"", labels);
	ASSERT_EQ_INT(0, metrics__set("gatewatch_pull_lag_seconds", labels, 1.5));
	ASSERT_EQ_INT(-EINVAL, metrics__set("9bad", NULL, 1));
	ASSERT_EQ_INT(-EINVAL, metrics__set("bad name", NULL, 1));
	ASSERT_EQ_INT(-EINVAL, metrics__set("ok", "x=\"1\"\ny", 1));
	text = metrics__render(NULL);
	ASSERT(text != NULL);
	/* One family's series stay together, after one HELP and TYPE. */
	ASSERT(strstr(text, "# HELP gatewatch_findings_total findings by rule\n"
			    "# TYPE gatewatch_findings_total counter\n"
			    "gatewatch_findings_total{rule=\"bulk-download\"} 2\n"
			    "gatewatch_findings_total{rule=\"new-ip\"} 2\n") != NULL);
	ASSERT(strstr(text, "# TYPE gatewatch_spool_depth gauge\ngatewatch_spool_depth 7\n") != NULL);
	ASSERT(strstr(text, "gatewatch_pull_lag_seconds{source=\"a\\\"b\\\\c\\nd\"} 1.5\n") != NULL);
	free(text);
	metrics__reset();
}

TEST(metrics_bounded_series)
{
	char labels[64], *text;
	int full = 0;

	metrics__reset();
	for (int i = 0; i < METRICS_MAX_SERIES + 10; i++) {
		snprintf(labels, sizeof(labels), "i=\"%d\"", i);
		if (metrics__set("gatewatch_many", labels, i) == -ENOSPC)
			full++;
	}
	ASSERT_EQ_INT(10, full);
	text = metrics__render(NULL);
	ASSERT(text && strstr(text, "gatewatch_metrics_series_dropped_total 10\n"));
	free(text);
	metrics__reset();
}

static void *adder(void *arg)
{
	(void)arg;
	for (int i = 0; i < 10000; i++)
		metrics__add("gatewatch_events_total", "source=\"x\"", 1);
	return NULL;
}

TEST(metrics_endpoint_loopback_only_and_thread_safe)
{
	pthread_t th[4];
	char url[64], *body = NULL;
	long status;

	metrics__reset();
	ASSERT_EQ_INT(-EINVAL, metrics__start("0.0.0.0:9464"));
	ASSERT_EQ_INT(-EINVAL, metrics__start("192.0.2.1:9464"));
	ASSERT_EQ_INT(0, metrics__start(""));
	ASSERT_EQ_INT(0, metrics__port());
	ASSERT_EQ_INT(0, metrics__start("127.0.0.1:0"));
	ASSERT(metrics__port() > 0);
	for (int i = 0; i < 4; i++)
		ASSERT_EQ_INT(0, pthread_create(&th[i], NULL, adder, NULL));
	for (int i = 0; i < 4; i++)
		pthread_join(th[i], NULL);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", metrics__port());
	status = scrape(url, &body);
	if (status != 200 || !body || !strstr(body, "gatewatch_events_total{source=\"x\"} 40000\n")) {
		metrics__stop();
		FAIL_AT("GET %s: status %ld, body:\n%s", url, status, body ? body : "(none)");
	}
	free(body);
	body = NULL;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/other", metrics__port());
	status = scrape(url, &body);
	free(body);
	metrics__stop();
	ASSERT_EQ_INT(404, status);
	ASSERT_EQ_INT(0, metrics__port());
	metrics__reset();
}

TEST(metrics_agent_families_described)
{
	char *text;

	metrics__reset();
	metrics__describe_agent();
	ASSERT_EQ_INT(0, metrics__set(M_SPOOL_DEPTH, NULL, 3));
	ASSERT_EQ_INT(0, metrics__add(M_FINDINGS, "rule=\"bulk-download\"", 1));
	text = metrics__render(NULL);
	ASSERT(text && strstr(text, "# TYPE gatewatch_spool_batches gauge\ngatewatch_spool_batches 3\n"));
	ASSERT(strstr(text, "# HELP gatewatch_findings_total findings raised, per rule\n"));
	free(text);
	metrics__reset();
}
