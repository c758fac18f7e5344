/* gatewatch run: the daemon. Loads the configuration (the file, then every
 * --key flag over it), checks it, and hands over to daemon__run(). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "daemon/daemon.h"
#include "lib/args.h"
#include "lib/log.h"

#define OPT_BASE 1000
#define MAX_OPTS 96

enum { OPT_CONFIG = 'c', OPT_DURATION = 'd', OPT_HELP = 'h' };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch run [--config FILE] [--duration SEC] [--KEY VALUE...]\n"
		"\n"
		"Run the agent: the host sensor, the audit sources and the detector, with\n"
		"findings shipped to the collector. SIGHUP reloads the file; SIGTERM stops\n"
		"with state saved.\n"
		"\n"
		"  --config FILE              the INI file (default: %s; optional unless given)\n"
		"  --duration SEC             stop by itself after SEC seconds\n"
		"  --help                     this help\n"
		"\n"
		"every configuration key is also a flag:\n",
		GW_CONFIG_DEFAULT_PATH);
	gw_config__usage(out);
}

static int parse_sec(const char *flag, const char *s, unsigned long long *out)
{
	char name[64];
	uint64_t v;

	snprintf(name, sizeof(name), "--%s", flag);
	if (gw_arg__u64(name, s, 0, 10ull * 365 * 86400, &v) < 0)
		return -EINVAL;
	*out = v;
	return 0;
}

static int parse_flags(int argc, char **argv, struct gw_config *cfg, struct daemon_opts *o)
{
	struct option opts[MAX_OPTS] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "duration", required_argument, NULL, OPT_DURATION },
		{ "help", no_argument, NULL, OPT_HELP },
	};
	unsigned long long v;
	int opt;

	if (gw_config__options(opts + 3, MAX_OPTS - 4, OPT_BASE) < 0)
		return -ENOSPC;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const struct gw_config_key *k = gw_config__option_key(opt, OPT_BASE);

		if (k) {
			if (gw_config__set(cfg, k->flag, optarg))
				return -EINVAL;
		} else if (opt == OPT_DURATION) {
			if (parse_sec("duration", optarg, &v))
				return -EINVAL;
			o->duration_sec = (unsigned)v;
		} else if (opt != OPT_CONFIG) {
			usage(stderr);
			return -EINVAL;
		}
	}
	if (optind < argc) {
		log_err("run: unexpected argument '%s'", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

int run_main(int argc, char **argv)
{
	struct daemon_opts o = { 0 };
	struct gw_config cfg;
	int given, rc = GW_EXIT_USAGE;
	const char *path = gw_config__path_arg(argc, argv, &given);

	gw_config__defaults(&cfg);
	/* help first, so that it works whatever the file holds */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			rc = GW_EXIT_OK;
			goto out;
		}
	/* the default file is optional: flags alone can configure the agent */
	if (given || access(path, F_OK) == 0) {
		if (gw_config__load(&cfg, path))
			goto out;
		o.config_path = path;
	}
	if (parse_flags(argc, argv, &cfg, &o) || gw_config__check(&cfg))
		goto out;
	gw_log_set_level(gw_config__log_priority(&cfg));
	rc = daemon__run(&cfg, &o) ? GW_EXIT_FAIL : GW_EXIT_OK;
out:
	gw_config__free(&cfg);
	return rc;
}
