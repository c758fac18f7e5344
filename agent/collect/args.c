/* agent/collect: gatewatch collect's command line. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/args.h"
#include "lib/gw.h"
#include "lib/io.h"
#include "lib/log.h"
#include "lib/secret.h"
#include "collect/server_priv.h"

#define DEFAULT_MAX_CONNS 512u
#define DEFAULT_PER_CLIENT 32u
#define DEFAULT_DEADLINE 30u
#define DEFAULT_MAX_BUFFERED ((size_t)64 << 20)
#define DEFAULT_THREADS 4u

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch collect --listen ADDR:PORT --store DIR [OPTIONS]\n"
		"\n"
		"The reference collector: stores the finding batches that agents POST to\n"
		"/v1/batches in DIR/" STORE_FILE " and serves them as JSON lines on\n"
		"GET /v1/findings?limit=N&cursor=C (at most %u a page). With ?view=finding\n"
		"it answers each finding once per id with the agents that reported it;\n"
		"GET /v1/incidents answers each incident once per id at its latest\n"
		"revision, with the revisions seen and when. Every endpoint asks for the\n"
		"token and the client certificate when they are set.\n"
		"\n"
		"  --listen ADDR:PORT      address to listen on: 127.0.0.1:8080, [::1]:8080;\n"
		"                          port 0 picks a free one (logged)\n"
		"  --store DIR             where batches are kept (created 0700)\n"
		"  --token-file FILE       require 'Authorization: Bearer TOKEN', TOKEN being\n"
		"                          FILE's content (default: no token)\n"
		"  --max-body BYTES        largest batch accepted (default %u)\n"
		"  --max-buffered BYTES    request bodies held at once over all connections;\n"
		"                          503 past it (default %zu, at least --max-body)\n"
		"  --max-connections N     connections at once (default %u; the last eighth\n"
		"                          only for clients with no connection yet)\n"
		"  --max-per-client N      connections at once from one address (default %u)\n"
		"  --request-timeout SEC   a request must arrive whole within SEC (default %u)\n"
		"  --threads N             threads serving requests (default %u)\n"
		"  --max-entries N         findings held by id, and as many incidents; the\n"
		"                          least recently updated is forgotten (default %u)\n"
		"  --tls-cert FILE         serve HTTPS with this PEM certificate (chain)\n"
		"  --tls-key FILE          and its PEM private key\n"
		"  --client-ca FILE        require client certificates signed by these PEM CAs\n"
		"  -h, --help              this text\n",
		COLLECT_PAGE_MAX, COLLECT_DEFAULT_MAX_BODY, DEFAULT_MAX_BUFFERED, DEFAULT_MAX_CONNS,
		DEFAULT_PER_CLIENT, DEFAULT_DEADLINE, DEFAULT_THREADS, VIEW_DEFAULT_MAX_ENTRIES);
}

void collect_args__defaults(struct collector *c)
{
	c->max_body = COLLECT_DEFAULT_MAX_BODY;
	c->threads = DEFAULT_THREADS;
	c->max_view = VIEW_DEFAULT_MAX_ENTRIES;
	c->go.max_conns = DEFAULT_MAX_CONNS;
	c->go.per_client = DEFAULT_PER_CLIENT;
	c->go.deadline_s = DEFAULT_DEADLINE;
	c->go.max_buffered = 0;   /* set from --max-body unless given */
}

/* The token is the file's content without its trailing newline. */
/* A number flag in [lo, hi]; logs and returns -EINVAL otherwise. */
static int num_flag(const char *flag, const char *arg, unsigned long long lo,
		    unsigned long long hi, unsigned long long *v)
{
	uint64_t n = 0;

	*v = 0;
	if (gw_arg__u64(flag, arg, lo, hi, &n) < 0)
		return -EINVAL;
	*v = n;
	return 0;
}

static int numeric_opt(int opt, const char *arg, struct collector *c)
{
	unsigned long long v;
	int err;

	switch (opt) {
	case 'm':
		err = num_flag("--max-body", arg, 1024, STORE_MAX_RECORD, &v);
		c->max_body = (size_t)v;
		break;
	case 'B':
		err = num_flag("--max-buffered", arg, 1024, (size_t)1 << 40, &v);
		c->go.max_buffered = (size_t)v;
		break;
	case 'N':
		err = num_flag("--max-connections", arg, 8, 65536, &v);
		c->go.max_conns = (unsigned int)v;
		break;
	case 'P':
		err = num_flag("--max-per-client", arg, 1, 65536, &v);
		c->go.per_client = (unsigned int)v;
		break;
	case 'T':
		err = num_flag("--request-timeout", arg, 1, 3600, &v);
		c->go.deadline_s = (unsigned int)v;
		break;
	case 'E':
		err = num_flag("--max-entries", arg, 1, 10000000, &v);
		c->max_view = (size_t)v;
		break;
	default:
		err = num_flag("--threads", arg, 1, 64, &v);
		c->threads = (unsigned int)v;
		break;
	}
	return err;
}

static int check_args(struct collect_args *a, struct collector *c)
{
	if (!a->listen || !a->store) {
		log_err("collect: %s is required (see 'gatewatch collect --help')",
			!a->listen ? "--listen ADDR:PORT" : "--store DIR");
		return GW_EXIT_USAGE;
	}
	if (io__parse_listen(a->listen, 0, &a->addr) < 0) {
		log_err("bad --listen '%s': expected ADDR:PORT with a numeric address", a->listen);
		return GW_EXIT_USAGE;
	}
	if (!a->tls_cert != !a->tls_key || (a->client_ca && !a->tls_cert)) {
		log_err("collect: --tls-cert and --tls-key go together, and --client-ca needs them");
		return GW_EXIT_USAGE;
	}
	if (!c->go.max_buffered)
		c->go.max_buffered = c->max_body > DEFAULT_MAX_BUFFERED ? c->max_body :
				     DEFAULT_MAX_BUFFERED;
	if (c->go.max_buffered < c->max_body) {
		log_err("bad --max-buffered %zu: less than --max-body %zu", c->go.max_buffered,
			c->max_body);
		return GW_EXIT_USAGE;
	}
	c->go.reserve = c->go.max_conns / 8;
	return -1;
}

static int load_files(const struct collect_args *a, struct collector *c)
{
	const char *bad;
	int err;

	if (a->tls_key && secret_file__check(a->tls_key) < 0)
		return GW_EXIT_USAGE;
	if (a->tls_cert) {
		err = http_tls__load(&c->tls, a->tls_cert, a->tls_key, a->client_ca, &bad);
		if (err) {
			log_err("cannot use %s: %s", bad,
				err == -EINVAL ? "not a PEM file" : strerror(-err));
			return GW_EXIT_USAGE;
		}
		c->client_cert = a->client_ca != NULL;
	}
	/* secret_file__read names the file and the fault */
	if (a->token_file && secret_file__read(a->token_file, c->token, sizeof(c->token),
					       &c->token_len) < 0)
		return GW_EXIT_USAGE;
	return -1;
}

int collect_args__parse(int argc, char **argv, struct collect_args *a, struct collector *c)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "store", required_argument, NULL, 's' },
		{ "token-file", required_argument, NULL, 't' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "max-buffered", required_argument, NULL, 'B' },
		{ "max-connections", required_argument, NULL, 'N' },
		{ "max-per-client", required_argument, NULL, 'P' },
		{ "request-timeout", required_argument, NULL, 'T' },
		{ "threads", required_argument, NULL, 'H' },
		{ "max-entries", required_argument, NULL, 'E' },
		{ "tls-cert", required_argument, NULL, 'C' },
		{ "tls-key", required_argument, NULL, 'K' },
		{ "client-ca", required_argument, NULL, 'A' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int opt, rc;

	while ((opt = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (opt) {
		case 'l': a->listen = optarg; break;
		case 's': a->store = optarg; break;
		case 't': a->token_file = optarg; break;
		case 'C': a->tls_cert = optarg; break;
		case 'K': a->tls_key = optarg; break;
		case 'A': a->client_ca = optarg; break;
		case 'm': case 'B': case 'N': case 'P': case 'T': case 'H': case 'E':
			if (numeric_opt(opt, optarg, c) < 0)
				return GW_EXIT_USAGE;
			break;
		case 'h': usage(stdout); return GW_EXIT_OK;
		default: usage(stderr); return GW_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		log_err("collect: unexpected argument '%s'", argv[optind]);
		return GW_EXIT_USAGE;
	}
	rc = check_args(a, c);
	return rc >= 0 ? rc : load_files(a, c);
}
