/* See metrics.h. One mutex guards the registry; the HTTP thread renders
 * under it, so a scrape sees one consistent set of values. Series of one
 * family are kept next to each other, which is what the text format needs. */
#include "metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "lib/io.h"
#include "log.h"

#define METRICS_MAX_DESC 128
#define METRICS_MAX_HELP 200
#define METRICS_CONN_LIMIT 8
#define METRICS_TIMEOUT_SEC 5

struct series {
	char name[METRICS_MAX_NAME];
	char labels[METRICS_MAX_LABELS];
	double value;
};

struct desc {
	char name[METRICS_MAX_NAME];
	char type[8];
	char help[METRICS_MAX_HELP];
};

static pthread_mutex_t mx = PTHREAD_MUTEX_INITIALIZER;
static struct series tab[METRICS_MAX_SERIES];
static size_t ntab;
static struct desc descs[METRICS_MAX_DESC];
static size_t ndescs;
static unsigned long long dropped;
static struct MHD_Daemon *daemon_;
static unsigned bound_port;

static int valid_name(const char *n)
{
	size_t len = strlen(n);

	if (!len || len >= METRICS_MAX_NAME || (n[0] >= '0' && n[0] <= '9'))
		return 0;
	for (size_t i = 0; i < len; i++) {
		char ch = n[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		      (ch >= '0' && ch <= '9') || ch == '_' || ch == ':'))
			return 0;
	}
	return 1;
}

/* A label set without braces: name="value" pairs, values escaped. */
static int valid_labels(const char *l)
{
	if (!l)
		return 1;
	if (strlen(l) >= METRICS_MAX_LABELS || strchr(l, '\n') || strchr(l, '{') == l)
		return 0;
	return !l[0] || strstr(l, "=\"") != NULL;
}

/* The series name{labels}, created after the last of its family; NULL when
 * the table is full. Called locked. */
static struct series *lookup(const char *name, const char *labels)
{
	size_t last = ntab;

	for (size_t i = 0; i < ntab; i++) {
		if (strcmp(tab[i].name, name))
			continue;
		if (!strcmp(tab[i].labels, labels))
			return &tab[i];
		last = i + 1;
	}
	if (ntab >= METRICS_MAX_SERIES) {
		dropped++;
		return NULL;
	}
	memmove(&tab[last + 1], &tab[last], (ntab - last) * sizeof(tab[0]));
	ntab++;
	memset(&tab[last], 0, sizeof(tab[last]));
	snprintf(tab[last].name, sizeof(tab[last].name), "%s", name);
	snprintf(tab[last].labels, sizeof(tab[last].labels), "%s", labels);
	return &tab[last];
}

static int update(const char *name, const char *labels, double v, int add)
{
	struct series *s;
	int err = 0;

	if (!name || !valid_name(name) || !valid_labels(labels))
		return -EINVAL;
	pthread_mutex_lock(&mx);
	s = lookup(name, labels ? labels : "");
	if (!s)
		err = -ENOSPC;
	else if (add)
		s->value += v;
	else
		s->value = v;
	pthread_mutex_unlock(&mx);
	return err;
}

int metrics__set(const char *name, const char *labels, double value)
{
	return update(name, labels, value, 0);
}

int metrics__add(const char *name, const char *labels, double delta)
{
	return update(name, labels, delta, 1);
}

int metrics__describe(const char *name, const char *type, const char *help)
{
	struct desc *d = NULL;
	int err = 0;

	if (!name || !valid_name(name) || !type ||
	    (strcmp(type, "counter") && strcmp(type, "gauge")))
		return -EINVAL;
	pthread_mutex_lock(&mx);
	for (size_t i = 0; i < ndescs && !d; i++)
		if (!strcmp(descs[i].name, name))
			d = &descs[i];
	if (!d && ndescs < METRICS_MAX_DESC)
		d = &descs[ndescs++];
	if (d) {
		snprintf(d->name, sizeof(d->name), "%s", name);
		snprintf(d->type, sizeof(d->type), "%s", type);
		/* HELP is one line; a newline would end it early. */
		snprintf(d->help, sizeof(d->help), "%s", help ? help : "");
		for (char *p = d->help; *p; p++)
			if (*p == '\n' || *p == '\\')
				*p = ' ';
	} else {
		err = -ENOSPC;
	}
	pthread_mutex_unlock(&mx);
	return err;
}

void metrics__describe_agent(void)
{
	static const struct {
		const char *name, *type, *help;
	} d[] = {
		{ M_EVENTS, "counter", "audit events read, per source" },
		{ M_SKIPPED, "counter", "audit records that could not be parsed, per source" },
		{ M_FINDINGS, "counter", "findings raised, per rule" },
		{ M_SPOOL_DEPTH, "gauge", "finding batches in the spool, not yet acknowledged" },
		{ M_SPOOL_AGE, "gauge", "age of the oldest batch in the spool" },
		{ M_BPF_DROPS, "counter", "updates the kernel side could not record, per map" },
		{ M_MAP_FILL, "gauge", "entries in use over capacity, per BPF map" },
		{ M_MAP_FILL_ALERT, "gauge", "1 while a BPF map is filled at or above map_fill_alert_pct" },
		{ M_PULL_LAG, "gauge", "newest audit event time behind now, per source" },
		{ M_PULL_LAST, "gauge", "time of the last successful pull, per source" },
		{ M_SHIP_PENDING_BATCHES, "gauge", "finding batches not yet delivered (spool and memory)" },
		{ M_SHIP_PENDING_BYTES, "gauge", "bytes of the batches in the spool" },
		{ M_SHIP_REJECTED, "counter", "batches the collector refused for good, kept as spool/rejected-*" },
		{ M_SHIP_DROPPED, "counter", "batches dropped undelivered at the spool cap" },
		{ M_SHIP_SENT, "counter", "batches acknowledged" },
		{ M_SHIP_RETRIES, "counter", "failed delivery attempts" },
		{ M_SHIP_LAST_STATUS, "gauge", "HTTP status of the last answer (0: none), per destination" },
		{ M_LATE, "counter", "audit records later than the reorder window, analyzed out of order" },
		{ M_BOUND_DROPS, "counter", "events a detector bound kept from a rule or baseline, per bound" },
	};

	for (size_t i = 0; i < sizeof(d) / sizeof(d[0]); i++)
		metrics__describe(d[i].name, d[i].type, d[i].help);
}

void metrics__reset(void)
{
	pthread_mutex_lock(&mx);
	ntab = 0;
	ndescs = 0;
	dropped = 0;
	pthread_mutex_unlock(&mx);
}

int metrics__labels(char *buf, size_t len, ...)
{
	va_list ap;
	size_t o = 0;
	const char *k;
	int err = 0;

	if (!len)
		return -ENOSPC;
	buf[0] = '\0';
	va_start(ap, len);
	while ((k = va_arg(ap, const char *)) != NULL) {
		const char *v = va_arg(ap, const char *);
		int n = snprintf(buf + o, len - o, "%s%s=\"", o ? "," : "", k);

		if (n < 0 || (size_t)n >= len - o)
			goto full;
		o += (size_t)n;
		for (; v && *v; v++) {
			const char *esc = *v == '\\' ? "\\\\" : *v == '"' ? "\\\"" : *v == '\n' ? "\\n" : NULL;
			size_t need = esc ? 2 : 1;

			if (o + need >= len)
				goto full;
			if (esc)
				memcpy(buf + o, esc, 2);
			else
				buf[o] = *v;
			o += need;
		}
		if (o + 2 > len)
			goto full;
		buf[o++] = '"';
		buf[o] = '\0';
	}
	va_end(ap);
	return 0;
full:
	va_end(ap);
	buf[0] = '\0';
	err = -ENOSPC;
	return err;
}

static void put_value(FILE *f, double v)
{
	if (isnan(v))
		fputs("NaN", f);
	else if (isinf(v))
		fputs(v > 0 ? "+Inf" : "-Inf", f);
	else if (v == floor(v) && fabs(v) < 9007199254740992.0)
		fprintf(f, "%lld", (long long)v);
	else
		fprintf(f, "%.17g", v);
}

static void put_family_header(FILE *f, const char *name)
{
	const char *type = NULL, *help = NULL;
	size_t n = strlen(name);

	for (size_t i = 0; i < ndescs; i++)
		if (!strcmp(descs[i].name, name)) {
			type = descs[i].type;
			help = descs[i].help;
		}
	if (help && help[0])
		fprintf(f, "# HELP %s %s\n", name, help);
	if (!type)
		type = n > 6 && !strcmp(name + n - 6, "_total") ? "counter" : "gauge";
	fprintf(f, "# TYPE %s %s\n", name, type);
}

char *metrics__render(size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);

	if (!f)
		return NULL;
	pthread_mutex_lock(&mx);
	for (size_t i = 0; i < ntab; i++) {
		if (i == 0 || strcmp(tab[i].name, tab[i - 1].name))
			put_family_header(f, tab[i].name);
		if (tab[i].labels[0])
			fprintf(f, "%s{%s} ", tab[i].name, tab[i].labels);
		else
			fprintf(f, "%s ", tab[i].name);
		put_value(f, tab[i].value);
		fputc('\n', f);
	}
	fprintf(f, "# TYPE gatewatch_metrics_series_dropped_total counter\n"
		   "gatewatch_metrics_series_dropped_total %llu\n", dropped);
	pthread_mutex_unlock(&mx);
	if (fclose(f)) {
		free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (len)
		*len = size;
	return buf;
}

static enum MHD_Result serve(void *cls, struct MHD_Connection *conn, const char *url,
			     const char *method, const char *version, const char *upload,
			     size_t *upload_size, void **state)
{
	static const char not_found[] = "not found: try /metrics\n";
	struct MHD_Response *resp;
	enum MHD_Result ret;
	unsigned status = MHD_HTTP_OK;
	char *body = NULL;
	size_t len = 0;

	(void)cls, (void)version, (void)upload, (void)upload_size, (void)state;
	if (strcmp(method, "GET") && strcmp(method, "HEAD"))
		return MHD_NO;
	if (strcmp(url, "/metrics") == 0)
		body = metrics__render(&len);
	if (body) {
		resp = MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE);
	} else {
		status = strcmp(url, "/metrics") ? MHD_HTTP_NOT_FOUND : MHD_HTTP_INTERNAL_SERVER_ERROR;
		resp = MHD_create_response_from_buffer(sizeof(not_found) - 1, (void *)(uintptr_t)not_found,
						       MHD_RESPMEM_PERSISTENT);
	}
	if (!resp) {
		free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type",
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8"
						      : "text/plain");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

int metrics__start(const char *listen)
{
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD;
	int err;

	if (!listen || !listen[0])
		return 0;
	if (daemon_) {
		log_err("metrics: already serving on port %u", bound_port);
		return -EALREADY;
	}
	err = io__parse_listen(listen, IO_LISTEN_LOOPBACK, &ss);
	if (err) {
		log_err("metrics: refusing to listen on %s: only loopback HOST:PORT is accepted", listen);
		return -EINVAL;
	}
	if (ss.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	daemon_ = MHD_start_daemon(flags, 0, NULL, NULL, serve, NULL,
				   MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
				   MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_LIMIT,
				   MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_TIMEOUT_SEC,
				   MHD_OPTION_END);
	if (!daemon_) {
		err = errno ? -errno : -EADDRINUSE;
		log_err("metrics: failed to listen on %s: %s", listen, strerror(-err));
		return err;
	}
	info = MHD_get_daemon_info(daemon_, MHD_DAEMON_INFO_BIND_PORT);
	bound_port = info ? info->port : 0;
	if (strlen(listen) >= 2 && !strcmp(listen + strlen(listen) - 2, ":0"))
		log_info("metrics: serving /metrics on %s (port %u)", listen, bound_port);
	else
		log_info("metrics: serving /metrics on %s", listen);
	return 0;
}

unsigned metrics__port(void)
{
	return daemon_ ? bound_port : 0;
}

void metrics__stop(void)
{
	if (!daemon_)
		return;
	MHD_stop_daemon(daemon_);
	daemon_ = NULL;
	bound_port = 0;
}
