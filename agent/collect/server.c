/* gatewatch collect: the reference collector.
 *
 * POST /v1/batches   a FindingBatch protobuf; answered with a BatchAck once it
 *                    is stored durably (or was stored before: duplicate).
 * GET  /v1/findings  the most recent stored batches as JSON lines
 *                    (?limit=N, default 100).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>
#include <pb_encode.h>

#include "cmd/cmd.h"
#include "lib/log.h"
#include "collect/tls.h"
#include "collect/store.h"
#include "ship/wire.h"

#define DEFAULT_MAX_BODY (8u << 20)
#define MAX_AGENTS 4096
#define TOKEN_MAX 4096
#define FINDINGS_LIMIT 100

struct collector {
	struct store *store;
	struct dedup *dedup;
	pthread_mutex_t lock;     /* dedup check + append + mark, as one step */
	char token[TOKEN_MAX];
	size_t token_len;         /* 0: no token required */
	size_t max_body;
	struct collect_tls tls;   /* PEM text when serving HTTPS */
	bool client_cert;         /* --client-ca: every request needs a valid one */
};

struct upload {
	uint8_t *buf;
	size_t len, cap;
	bool too_big;
};

/* Per-request log lines: at most 10 a second. Requests are handled on the
 * daemon's one thread. */
static bool log_ok(void)
{
	static time_t sec;
	static unsigned int n;
	time_t now = time(NULL);

	if (now != sec) {
		sec = now;
		n = 0;
	}
	return ++n <= 10;
}

static enum MHD_Result respond(struct MHD_Connection *conn, unsigned int status,
			       const char *type, void *body, size_t len, enum MHD_ResponseMemoryMode mode)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(len, body, mode);
	enum MHD_Result ret;

	if (!r) {
		if (mode == MHD_RESPMEM_MUST_FREE)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_UNAUTHORIZED)
		MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer");
	ret = MHD_queue_response(conn, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* A one-line plain-text answer. */
static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned int status,
				    const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static enum MHD_Result respond_text(struct MHD_Connection *conn, unsigned int status,
				    const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return MHD_NO;
	return respond(conn, status, "text/plain", msg, (size_t)n, MHD_RESPMEM_MUST_FREE);
}

static enum MHD_Result respond_ack(struct MHD_Connection *conn, const char *agent,
				   uint64_t seq, bool dup)
{
	gatewatch_v1_BatchAck ack = gatewatch_v1_BatchAck_init_zero;
	uint8_t buf[gatewatch_v1_BatchAck_size];
	pb_ostream_t s = pb_ostream_from_buffer(buf, sizeof(buf));

	ship__copy_str(ack.agent_id, sizeof(ack.agent_id), agent);
	ack.sequence = seq;
	ack.duplicate = dup;
	if (!pb_encode(&s, gatewatch_v1_BatchAck_fields, &ack))
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot encode ack\n");
	return respond(conn, MHD_HTTP_OK, "application/x-protobuf", buf, s.bytes_written,
		       MHD_RESPMEM_MUST_COPY);
}

/* Compare in time that depends on the expected token's length only. */
static bool token_ok(const struct collector *c, const char *auth)
{
	const char *got;
	size_t glen;
	unsigned char diff;

	if (!c->token_len)
		return true;
	if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
		return false;
	got = auth + 7;
	glen = strlen(got);
	diff = glen != c->token_len;
	for (size_t i = 0; i < c->token_len; i++)
		diff |= (unsigned char)(i < glen ? got[i] : 0) ^ (unsigned char)c->token[i];
	return diff == 0;
}

/* Store a decoded batch unless (agent, sequence) is stored already. */
static int store_batch(struct collector *c, const struct upload *u, const struct ship_batch *b,
		       bool *dup)
{
	int err = 0;

	pthread_mutex_lock(&c->lock);
	*dup = dedup__seen(c->dedup, b->hdr.agent_id, b->hdr.sequence);
	if (!*dup) {
		err = store__append(c->store, u->buf, u->len);
		if (err == 0 && dedup__add(c->dedup, b->hdr.agent_id, b->hdr.sequence) < 0 &&
		    log_ok())
			log_warn("out of memory for the duplicate index");
	}
	pthread_mutex_unlock(&c->lock);
	return err;
}

static enum MHD_Result handle_batch(struct collector *c, struct MHD_Connection *conn,
				    const struct upload *u)
{
	struct ship_batch *b = NULL;
	const char *why;
	enum MHD_Result ret;
	bool dup = false;
	int err;

	if (u->too_big)
		return respond_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
				    "batch larger than %zu bytes\n", c->max_body);
	err = ship_batch__decode(u->buf ? u->buf : (const uint8_t *)"", u->len, &b, &why);
	if (err == -ENOMEM)
		return respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "out of memory\n");
	if (err < 0 || !b->hdr.agent_id[0]) {
		why = err < 0 ? why : "no agent_id";
		if (log_ok())
			log_warn("rejected a batch of %zu bytes: %s", u->len, why);
		ret = respond_text(conn, MHD_HTTP_BAD_REQUEST, "bad batch: %s\n", why);
		goto out;
	}
	err = store_batch(c, u, b, &dup);
	if (err < 0) {
		if (log_ok())
			log_err("%s: cannot append: %s", store__path(c->store), strerror(-err));
		ret = respond_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "cannot store the batch\n");
		goto out;
	}
	log_debug("batch %s/%llu: %zu findings%s", b->hdr.agent_id,
		  (unsigned long long)b->hdr.sequence, b->nfindings, dup ? " (duplicate)" : "");
	ret = respond_ack(conn, b->hdr.agent_id, b->hdr.sequence, dup);
out:
	ship_batch__free(b);
	return ret;
}

struct listing {
	FILE *out;
	uint64_t idx, skip;
};

static int count_record(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	(void)off, (void)data, (void)len;
	((struct listing *)ctx)->idx++;
	return 0;
}

static int list_record(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	struct listing *l = ctx;
	struct ship_batch *b = NULL;
	const char *why;

	(void)off;
	if (l->idx++ < l->skip || ship_batch__decode(data, len, &b, &why) < 0)
		return 0;
	ship_batch__write_json(l->out, b);
	ship_batch__free(b);
	return 0;
}

static enum MHD_Result handle_findings(struct collector *c, struct MHD_Connection *conn)
{
	const char *arg = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "limit");
	struct listing l = { 0 };
	uint64_t limit = FINDINGS_LIMIT;
	char *mem = NULL, *end;
	size_t memlen = 0;
	int err;

	if (arg) {
		errno = 0;
		limit = strtoull(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-')
			return respond_text(conn, MHD_HTTP_BAD_REQUEST, "bad limit '%s'\n", arg);
	}
	err = store__scan(c->store, count_record, &l);
	l.skip = l.idx > limit ? l.idx - limit : 0;
	l.idx = 0;
	l.out = open_memstream(&mem, &memlen);
	if (err == 0 && !l.out)
		err = -ENOMEM;
	if (err == 0)
		err = store__scan(c->store, list_record, &l);
	if (l.out && fclose(l.out) != 0 && err == 0)
		err = -ENOMEM;
	if (err < 0) {
		free(mem);
		return respond_text(conn, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot read the store\n");
	}
	return respond(conn, MHD_HTTP_OK, "application/x-ndjson", mem, memlen,
		       MHD_RESPMEM_MUST_FREE);
}

/* First call of a POST: refuse early what will be refused anyway. */
static enum MHD_Result post_start(struct collector *c, struct MHD_Connection *conn,
				  void **con_cls)
{
	const char *auth = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						       MHD_HTTP_HEADER_AUTHORIZATION);
	const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
						     MHD_HTTP_HEADER_CONTENT_LENGTH);
	struct upload *u;
	char *end;

	if (!token_ok(c, auth)) {
		if (log_ok())
			log_warn("refused a batch: %s bearer token", auth ? "wrong" : "no");
		return respond_text(conn, MHD_HTTP_UNAUTHORIZED, "missing or wrong bearer token\n");
	}
	if (cl) {
		errno = 0;
		unsigned long long n = strtoull(cl, &end, 10);

		if (!errno && end != cl && !*end && n > c->max_body)
			return respond_text(conn, MHD_HTTP_CONTENT_TOO_LARGE,
					    "batch larger than %zu bytes\n", c->max_body);
	}
	u = calloc(1, sizeof(*u));
	if (!u)
		return MHD_NO;
	*con_cls = u;
	return MHD_YES;
}

static void post_data(struct collector *c, struct upload *u, const char *data, size_t n)
{
	uint8_t *nb;
	size_t cap;

	if (u->too_big || n > c->max_body - u->len) {
		u->too_big = true;
		return;
	}
	if (u->len + n > u->cap) {
		cap = u->cap ? u->cap : 16384;
		while (cap < u->len + n)
			cap *= 2;
		if (cap > c->max_body)
			cap = c->max_body;
		nb = realloc(u->buf, cap);
		if (!nb) {
			u->too_big = true;   /* answered 413: the agent may split the batch */
			return;
		}
		u->buf = nb;
		u->cap = cap;
	}
	memcpy(u->buf + u->len, data, n);
	u->len += n;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size,
				  void **con_cls)
{
	struct collector *c = cls;
	bool post = strcmp(method, MHD_HTTP_METHOD_POST) == 0;
	bool get = strcmp(method, MHD_HTTP_METHOD_GET) == 0;

	(void)version;
	if (!*con_cls && c->client_cert) {
		char why[256];

		if (collect_tls__verify_client(conn, why, sizeof(why)) < 0) {
			if (log_ok())
				log_warn("refused a request: %s", why);
			return respond_text(conn, MHD_HTTP_FORBIDDEN, "%s\n", why);
		}
	}
	if (*con_cls) {
		if (*upload_data_size) {
			post_data(c, *con_cls, upload_data, *upload_data_size);
			*upload_data_size = 0;
			return MHD_YES;
		}
		return handle_batch(c, conn, *con_cls);
	}
	if (strcmp(url, "/v1/batches") == 0) {
		if (post)
			return post_start(c, conn, con_cls);
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use POST\n");
	}
	if (strcmp(url, "/v1/findings") == 0) {
		if (get)
			return handle_findings(c, conn);
		return respond_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "use GET\n");
	}
	return respond_text(conn, MHD_HTTP_NOT_FOUND, "no such endpoint: %s\n", url);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
			 enum MHD_RequestTerminationCode toe)
{
	struct upload *u = *con_cls;

	(void)cls, (void)conn, (void)toe;
	if (u) {
		free(u->buf);
		free(u);
		*con_cls = NULL;
	}
}

static void mhd_log(void *cls, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	gw_vlog(LOG_WARNING, fmt, ap);
}

/* dedup rebuilt from the store at startup. */
static int index_record(uint64_t off, const uint8_t *data, size_t len, void *ctx)
{
	struct collector *c = ctx;
	gatewatch_v1_BatchIdentity id;

	if (ship_batch__identity(data, len, &id) < 0) {
		log_warn("%s: batch at offset %llu does not decode; not indexed",
			 STORE_FILE, (unsigned long long)off);
		return 0;
	}
	return dedup__add(c->dedup, id.agent_id, id.sequence);
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch collect --listen ADDR:PORT --store DIR [OPTIONS]\n"
		"\n"
		"The reference collector: stores the finding batches that agents POST to\n"
		"/v1/batches in DIR/" STORE_FILE " and serves them as JSON lines on\n"
		"GET /v1/findings.\n"
		"\n"
		"  --listen ADDR:PORT   address to listen on: 127.0.0.1:8080, [::1]:8080;\n"
		"                       port 0 picks a free one (logged)\n"
		"  --store DIR          where batches are kept (created 0700)\n"
		"  --token-file FILE    require 'Authorization: Bearer TOKEN', TOKEN being\n"
		"                       FILE's content (default: no token)\n"
		"  --max-body BYTES     largest batch accepted (default %u)\n"
		"  --tls-cert FILE      serve HTTPS with this PEM certificate (chain)\n"
		"  --tls-key FILE       and its PEM private key\n"
		"  --client-ca FILE     require client certificates signed by these PEM CAs\n"
		"  -h, --help           this text\n", DEFAULT_MAX_BODY);
}

/* ADDR:PORT with a numeric IPv4 address, or [IPv6]:PORT. */
static int parse_listen(const char *spec, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon = strrchr(spec, ':'), *p;
	unsigned long long port;
	char *end;
	size_t hlen;

	memset(ss, 0, sizeof(*ss));
	if (!colon || colon == spec || !colon[1])
		return -EINVAL;
	p = colon + 1;
	errno = 0;
	port = strtoull(p, &end, 10);
	if (errno || *end || port > 65535 || *p == '-' || *p == '+')
		return -EINVAL;
	hlen = (size_t)(colon - spec);
	if (spec[0] == '[') {
		if (hlen < 3 || spec[hlen - 1] != ']' || hlen - 2 >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec + 1, hlen - 2);
		host[hlen - 2] = '\0';
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;

		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)port);
		return inet_pton(AF_INET6, host, &a6->sin6_addr) == 1 ? 0 : -EINVAL;
	}
	if (hlen >= sizeof(host))
		return -EINVAL;
	memcpy(host, spec, hlen);
	host[hlen] = '\0';
	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;

	a4->sin_family = AF_INET;
	a4->sin_port = htons((uint16_t)port);
	return inet_pton(AF_INET, host, &a4->sin_addr) == 1 ? 0 : -EINVAL;
}

/* The token is the file's content without its trailing newline. */
static int read_token(struct collector *c, const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -errno;
	n = read(fd, c->token, sizeof(c->token));
	close(fd);
	if (n < 0)
		return -errno;
	if ((size_t)n == sizeof(c->token))
		return -EFBIG;
	while (n > 0 && (c->token[n - 1] == '\n' || c->token[n - 1] == '\r'))
		n--;
	c->token[n] = '\0';
	c->token_len = (size_t)n;
	if (!n || strlen(c->token) != (size_t)n)
		return -EINVAL;
	return 0;
}

struct collect_args {
	const char *listen, *store, *token_file;
	const char *tls_cert, *tls_key, *client_ca;
	struct sockaddr_storage addr;
};

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct collect_args *a, struct collector *c)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "store", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "client-ca", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned long long v;
	char *end;
	int opt, err;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': a->listen = optarg; break;
		case 's': a->store = optarg; break;
		case 't': a->token_file = optarg; break;
		case 'C': a->tls_cert = optarg; break;
		case 'K': a->tls_key = optarg; break;
		case 'A': a->client_ca = optarg; break;
		case 'm':
			errno = 0;
			v = strtoull(optarg, &end, 10);
			if (errno || end == optarg || *end || optarg[0] == '-' || v < 1024 ||
			    v > STORE_MAX_RECORD) {
				log_err("bad --max-body '%s': expected 1024..%u bytes", optarg,
					STORE_MAX_RECORD);
				return GW_EXIT_USAGE;
			}
			c->max_body = (size_t)v;
			break;
		case 'h': usage(stdout); return GW_EXIT_OK;
		default: usage(stderr); return GW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("collect: unexpected argument '%s'", argv[optind]);
		return GW_EXIT_USAGE;
	}
	if (!a->listen || !a->store) {
		log_err("collect: %s is required (see 'gatewatch collect --help')",
			!a->listen ? "--listen ADDR:PORT" : "--store DIR");
		return GW_EXIT_USAGE;
	}
	if (parse_listen(a->listen, &a->addr) < 0) {
		log_err("bad --listen '%s': expected ADDR:PORT with a numeric address", a->listen);
		return GW_EXIT_USAGE;
	}
	if (!a->tls_cert != !a->tls_key || (a->client_ca && !a->tls_cert)) {
		log_err("collect: --tls-cert and --tls-key go together, and --client-ca needs them");
		return GW_EXIT_USAGE;
	}
	if (a->tls_cert) {
		const char *bad;

		err = collect_tls__load(&c->tls, a->tls_cert, a->tls_key, a->client_ca, &bad);
		if (err) {
			log_err("cannot use %s: %s", bad,
				err == -EINVAL ? "not a PEM file" : strerror(-err));
			return GW_EXIT_USAGE;
		}
		c->client_cert = a->client_ca != NULL;
	}
	if (a->token_file && (err = read_token(c, a->token_file)) < 0) {
		log_err("cannot use --token-file %s: %s", a->token_file,
			err == -EINVAL ? "empty or not a text token" : strerror(-err));
		return GW_EXIT_USAGE;
	}
	return -1;
}

static struct MHD_Daemon *start(struct collector *c, const struct collect_args *a)
{
	unsigned int flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (a->addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	if (c->tls.cert)
		return MHD_start_daemon(flags | MHD_USE_TLS, 0, NULL, NULL, on_request, c,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, c,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&a->addr,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_HTTPS_MEM_CERT, c->tls.cert,
				MHD_OPTION_HTTPS_MEM_KEY, c->tls.key,
				c->tls.ca ? MHD_OPTION_HTTPS_MEM_TRUST : MHD_OPTION_END, c->tls.ca,
				MHD_OPTION_END);
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, c,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, c,
				MHD_OPTION_SOCK_ADDR, (const struct sockaddr *)&a->addr,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned int)256,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned int)64,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024),
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)30,
				MHD_OPTION_NOTIFY_COMPLETED, on_completed, c,
				MHD_OPTION_END);
}

static void log_listening(struct MHD_Daemon *d, const struct collect_args *a)
{
	const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
	char host[INET6_ADDRSTRLEN] = "?";
	const void *ip = a->addr.ss_family == AF_INET6 ?
		(const void *)&((const struct sockaddr_in6 *)&a->addr)->sin6_addr :
		(const void *)&((const struct sockaddr_in *)&a->addr)->sin_addr;

	inet_ntop(a->addr.ss_family, ip, host, sizeof(host));
	log_info(a->addr.ss_family == AF_INET6 ? "listening on [%s]:%u" : "listening on %s:%u",
		 host, info ? (unsigned int)info->port : 0u);
}

int collect_main(int argc, char **argv)
{
	struct collector *c = calloc(1, sizeof(*c));
	struct collect_args a = { 0 };
	struct MHD_Daemon *d = NULL;
	sigset_t set;
	int rc, err, sig;

	if (!c) {
		log_err("out of memory");
		return GW_EXIT_FAIL;
	}
	c->max_body = DEFAULT_MAX_BODY;
	pthread_mutex_init(&c->lock, NULL);
	rc = parse_args(argc, argv, &a, c);
	if (rc >= 0)
		goto out;
	rc = GW_EXIT_FAIL;
	c->dedup = dedup__new(MAX_AGENTS);
	if (!c->dedup) {
		log_err("out of memory");
		goto out;
	}
	err = store__open(a.store, index_record, c, &c->store);
	if (err < 0) {
		if (err != -EBADMSG)
			log_err("cannot open store %s: %s", a.store,
				err == -EBUSY ? "in use by another collector" : strerror(-err));
		goto out;
	}
	/* Threads started from here on inherit the blocked signals; this one
	 * waits for them. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = start(c, &a);
	if (!d) {
		log_err("cannot listen on %s (address in use or not available)", a.listen);
		goto out;
	}
	log_listening(d, &a);
	while (sigwait(&set, &sig) != 0)
		;
	log_info("signal %d: stopping", sig);
	rc = GW_EXIT_OK;
out:
	if (d)
		MHD_stop_daemon(d);
	store__close(c->store);
	dedup__free(c->dedup);
	collect_tls__free(&c->tls);
	pthread_mutex_destroy(&c->lock);
	free(c);
	return rc;
}
