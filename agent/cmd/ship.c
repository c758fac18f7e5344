/* gatewatch ship: drive the shipper with synthetic findings.
 *
 * Generates findings 0..COUNT-1 (deterministic: finding i is the same in
 * every run), submits them in batches with the index as the cursor, and
 * ships them through the spool in --state DIR. Run again after a crash, it
 * resumes after the last spooled finding and sends what the spool holds.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd/cmd.h"
#include "lib/args.h"
#include "lib/log.h"
#include "ship/ship.h"
#include "ship/wire.h"

struct synth {
	struct finding f;
	char id[96], principal[96], ip[32], idx[24], obj[64];
	struct gw_kv ev[1];
	char ev_key[8];
};

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void synth_fill(struct synth *s, const char *agent, uint64_t i)
{
	static const char *const mitre[] = { "T1530" };
	static char rule[] = "synthetic", title[] = "Synthetic finding", ua[] = "aws-cli/2.15.0",
		    region[] = "eu-west-1", bucket[] = "gatewatch-synthetic", key[] = "AKIAEXAMPLE";
	struct finding *f = &s->f;

	memset(f, 0, sizeof(*f));
	snprintf(s->id, sizeof(s->id), "synthetic:%s:%llu", agent, (unsigned long long)i);
	snprintf(s->principal, sizeof(s->principal), "arn:aws:iam::111122223333:user/u%llu",
		 (unsigned long long)(i % 97));
	snprintf(s->ip, sizeof(s->ip), "203.0.113.%llu", (unsigned long long)(i % 250 + 1));
	snprintf(s->idx, sizeof(s->idx), "%llu", (unsigned long long)i);
	snprintf(s->obj, sizeof(s->obj), "data/part-%05llu.parquet", (unsigned long long)i);
	snprintf(s->ev_key, sizeof(s->ev_key), "index");
	f->id = s->id;
	f->rule_id = rule;
	f->title = title;
	f->severity = (int)(i % 5);
	f->score = (double)(i % 1000) / 10.0;
	f->start_ms = 1700000000000 + (int64_t)i * 1000;
	f->end_ms = f->start_ms + 3600000;
	f->cloud = 1;
	f->principal = s->principal;
	f->access_key = key;
	f->source_ip = s->ip;
	f->user_agent = ua;
	f->region = region;
	f->bucket = bucket;
	f->samples[0] = s->obj;
	f->nsamples = 1;
	f->count = i;
	f->bytes = i * 1000;
	f->mitre[0] = mitre[0];
	f->nmitre = 1;
	s->ev[0].key = s->ev_key;
	s->ev[0].value = s->idx;
	f->evidence[0] = s->ev[0];
	f->nevidence = 1;
}

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch ship --state-dir DIR (--collector-url URL | --otlp-url URL) [OPTIONS]\n"
		"\n"
		"Ship COUNT synthetic findings through the durable spool in DIR/spool;\n"
		"run again after a crash to resume. Prints a summary line. The shipping\n"
		"options have the names of the [ship] keys that `gatewatch run` takes.\n"
		"\n"
		"  --state-dir DIR        state directory (created 0700)\n"
		"  --collector-url URL    gatewatch collector (default path /v1/batches)\n"
		"  --otlp-url URL         OTLP/HTTP logs endpoint (default path /v1/logs)\n"
		"  --count N              findings to generate (default 1000)\n"
		"  --agent-id ID          agent id in the batches (default: /etc/machine-id)\n"
		"  --batch N              findings per batch, 1..%d (default 64)\n"
		"  --token-file FILE      bearer token for the collector (not world-readable)\n"
		"  --ca-file FILE         CA certificates (PEM) to verify the server (default: system)\n"
		"  --cert-file FILE       client certificate (PEM) for mutual TLS\n"
		"  --key-file FILE        its private key (PEM, not world-readable)\n"
		"  --spool-cap BYTES      spool size cap (default 268435456)\n"
		"  --wait SEC             how long to keep trying to deliver at the end (default 60)\n"
		"  -h, --help             this text\n"
		"\n"
		"Old names, still accepted with a warning: --state, --collector, --otlp,\n"
		"--cacert, --cert, --key.\n", SHIP_MAX_FINDINGS);
}

static int parse_u64(const char *flag, const char *arg, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	return gw_arg__u64(flag, arg, min, max, out);
}

struct ship_args {
	struct shipper_opts o;
	uint64_t count, wait_sec;
};

/* The old names of the shipping options: the same letter plus OLD_NAME. */
#define OLD_NAME 0x100

static const struct option ship_opts[] = {
	{ "state-dir", required_argument, NULL, 's' },
	{ "collector-url", required_argument, NULL, 'c' },
	{ "otlp-url", required_argument, NULL, 'o' },
	{ "count", required_argument, NULL, 'n' },
	{ "agent-id", required_argument, NULL, 'a' },
	{ "batch", required_argument, NULL, 'b' },
	{ "token-file", required_argument, NULL, 't' },
	{ "ca-file", required_argument, NULL, 'C' },
	{ "cert-file", required_argument, NULL, 'E' },
	{ "key-file", required_argument, NULL, 'K' },
	{ "spool-cap", required_argument, NULL, 'S' },
	{ "wait", required_argument, NULL, 'w' },
	{ "help", no_argument, NULL, 'h' },
	{ "state", required_argument, NULL, OLD_NAME | 's' },
	{ "collector", required_argument, NULL, OLD_NAME | 'c' },
	{ "otlp", required_argument, NULL, OLD_NAME | 'o' },
	{ "cacert", required_argument, NULL, OLD_NAME | 'C' },
	{ "cert", required_argument, NULL, OLD_NAME | 'E' },
	{ "key", required_argument, NULL, OLD_NAME | 'K' },
	{ NULL, 0, NULL, 0 },
};

/* An old name: warn, and the letter of the name it became. */
static int current_opt(int opt, int idx)
{
	if (!(opt & OLD_NAME) || opt < 0)
		return opt;
	for (const struct option *o = ship_opts; o->name; o++)
		if (o->val == (opt & ~OLD_NAME)) {
			gw_arg__deprecated(ship_opts[idx].name, o->name);
			break;
		}
	return opt & ~OLD_NAME;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct ship_args *a)
{
	uint64_t v;
	int opt, idx = 0, bad = 0;

	while ((opt = getopt_long(argc, argv, "h", ship_opts, &idx)) != -1 && !bad) {
		switch (current_opt(opt, idx)) {
		case 's': a->o.state_dir = optarg; break;
		case 'c': a->o.collector_url = optarg; break;
		case 'o': a->o.otlp_url = optarg; break;
		case 'a': a->o.agent_id = optarg; break;
		case 't': a->o.token_file = optarg; break;
		case 'C': a->o.ca_file = optarg; break;
		case 'E': a->o.cert_file = optarg; break;
		case 'K': a->o.key_file = optarg; break;
		case 'n': bad = parse_u64("--count", optarg, 0, 1ull << 40, &a->count); break;
		case 'w': bad = parse_u64("--wait", optarg, 0, 86400, &a->wait_sec); break;
		case 'S': bad = parse_u64("--spool-cap", optarg, 4096, 1ull << 40, &a->o.spool_cap);
			break;
		case 'b':
			bad = parse_u64("--batch", optarg, 1, SHIP_MAX_FINDINGS, &v);
			a->o.batch_max = (size_t)v;
			break;
		case 'h': usage(stdout); return GW_EXIT_OK;
		default: usage(stderr); return GW_EXIT_USAGE;
		}
	}
	if (bad)
		return GW_EXIT_USAGE;
	if (optind < argc) {
		log_err("ship: unexpected argument '%s'", argv[optind]);
		return GW_EXIT_USAGE;
	}
	if (!a->o.state_dir || (!a->o.collector_url && !a->o.otlp_url)) {
		log_err("ship: %s is required (see 'gatewatch ship --help')",
			!a->o.state_dir ? "--state-dir DIR" : "--collector-url URL or --otlp-url URL");
		return GW_EXIT_USAGE;
	}
	if (!a->o.cert_file != !a->o.key_file) {
		log_err("ship: --cert-file and --key-file go together");
		return GW_EXIT_USAGE;
	}
	return -1;
}

/* The spool is full: send the backlog for a while. 0 to try the same
 * findings again, -ENOSPC when nothing was delivered for --wait seconds. */
static int wait_for_room(struct shipper *s, const struct ship_args *a, int64_t *stall_until)
{
	int rc;

	if (!*stall_until)
		*stall_until = (int64_t)time(NULL) + (int64_t)a->wait_sec;
	if ((int64_t)time(NULL) >= *stall_until)
		return -ENOSPC;
	rc = shipper__pump(s, 500);
	if (rc > 0)
		*stall_until = 0;
	return rc < 0 ? rc : 0;
}

/* Generate and submit findings from the shipper's cursor up to count. */
static int generate(struct shipper *s, const struct ship_args *a, const char *agent)
{
	struct synth *syn = calloc(SHIP_MAX_FINDINGS, sizeof(*syn));
	const struct finding *fs[SHIP_MAX_FINDINGS];
	uint64_t i = shipper__cursor(s);
	int64_t stall_until = 0;
	size_t k;
	int err = 0;

	if (!syn)
		return -ENOMEM;
	while (!err && !stop && i < a->count) {
		k = a->count - i < a->o.batch_max ? (size_t)(a->count - i) : a->o.batch_max;
		for (size_t j = 0; j < k; j++) {
			synth_fill(&syn[j], agent, i + j);
			fs[j] = &syn[j].f;
		}
		err = shipper__submit(s, fs, k, i + k);
		if (err == -ENOSPC) {
			/* nothing of this call was taken: the same findings again */
			err = wait_for_room(s, a, &stall_until);
			continue;
		}
		if (!err) {
			i += k;
			err = shipper__pump(s, 0);
			err = err < 0 ? err : 0;
		}
	}
	free(syn);
	return err;
}

int ship_main(int argc, char **argv)
{
	struct ship_args a = { .count = 1000, .wait_sec = 60 };
	struct shipper_stats st;
	struct shipper *s = NULL;
	struct batch_meta meta;
	int64_t until;
	int rc, err;

	shipper_opts__defaults(&a.o);
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	err = shipper__new(&a.o, &s);
	if (err)
		return err == -EINVAL ? GW_EXIT_USAGE : GW_EXIT_FAIL;
	batch_meta__from_host(&meta);
	err = generate(s, &a, a.o.agent_id ? a.o.agent_id : meta.agent_id);
	if (!err)
		err = shipper__flush(s);
	until = (int64_t)time(NULL) + (int64_t)a.wait_sec;
	/* a full spool still drains: what could not be spooled waits in memory */
	while ((!err || err == -ENOSPC) && !stop && shipper__backlog(s) && time(NULL) < until) {
		err = shipper__pump(s, 500);
		err = err < 0 ? err : 0;
		if (!err)
			err = shipper__flush(s) == -ENOSPC ? -ENOSPC : 0;
	}
	shipper__stats(s, &st);
	printf("spooled %llu findings in %llu batches; sent %llu batches; %llu retries; "
	       "%llu rejected; %llu dropped; backlog %llu\n",
	       (unsigned long long)st.findings_spooled, (unsigned long long)st.batches_spooled,
	       (unsigned long long)st.batches_sent, (unsigned long long)st.retries,
	       (unsigned long long)st.rejected, (unsigned long long)st.spool_dropped,
	       (unsigned long long)st.spool_batches);
	rc = err || st.spool_batches || st.rejected || shipper__backlog(s) ? GW_EXIT_FAIL
								   : GW_EXIT_OK;
	if (err == -ENOSPC)
		log_err("ship: the spool is full and the collector takes nothing; the findings "
			"not spooled yet are made again by the next run");
	else if (err)
		log_err("ship: %s", strerror(-err));
	else if (shipper__backlog(s))
		log_err("ship: %zu batches not delivered yet; they stay in the spool",
			shipper__backlog(s));
	if (st.rejected)
		log_err("ship: %llu batches refused by the collector, kept as %s/spool/rejected-*",
			(unsigned long long)st.rejected, a.o.state_dir);
	shipper__free(s);
	return rc;
}
