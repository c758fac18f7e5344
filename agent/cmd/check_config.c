/* gatewatch check-config: load the configuration the daemon would load (the
 * file, then any --key flags over it), check it against the system, and say
 * which key is at fault. Exit 0 when good, 2 when not; with --require-work,
 * 1 when the configuration is good but names nothing to watch (the unit's
 * ExecCondition, so that an unconfigured agent is not started). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "config/config.h"
#include "lib/log.h"

#define OPT_BASE 1000
#define MAX_OPTS 96

enum { OPT_CONFIG = 'c', OPT_PRINT = 'p', OPT_HELP = 'h', OPT_REQUIRE_WORK = 'w' };

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch check-config [--config FILE] [--print] [--require-work] [--KEY VALUE...]\n"
		"\n"
		"Validate a configuration as 'gatewatch run' would load it: the file, then\n"
		"the flags over it. Names the key at fault; exits 0 when good, 2 when not.\n"
		"Warns when nothing is configured to watch (no [sensor] roots, no [audit]\n"
		"sources).\n"
		"\n"
		"  --config FILE                  the INI file (default: %s)\n"
		"  --print                        print the effective configuration\n"
		"  --require-work                 exit 1 when nothing is configured to watch\n"
		"                                 (the service starts only once it is)\n"
		"  --help                         this help\n"
		"\n"
		"every configuration key is also a flag:\n",
		GW_CONFIG_DEFAULT_PATH);
	gw_config__usage(out);
}

int check_config_main(int argc, char **argv)
{
	struct option opts[MAX_OPTS] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "print", no_argument, NULL, OPT_PRINT },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "require-work", no_argument, NULL, OPT_REQUIRE_WORK },
	};
	struct gw_config cfg;
	int given;
	const char *path = gw_config__path_arg(argc, argv, &given);
	int n, opt, print = 0, require_work = 0, rc = GW_EXIT_USAGE;

	gw_config__defaults(&cfg);
	n = gw_config__options(opts + 4, MAX_OPTS - 5, OPT_BASE);
	if (n < 0) {
		log_err("check-config: too many options");
		goto out;
	}
	/* Help first, so that it works whatever the file holds. */
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			rc = GW_EXIT_OK;
			goto out;
		}
	if (gw_config__load(&cfg, path))
		goto out;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		const struct gw_config_key *k = gw_config__option_key(opt, OPT_BASE);

		if (k) {
			if (gw_config__set(&cfg, k->flag, optarg))
				goto out;
		} else if (opt == OPT_PRINT) {
			print = 1;
		} else if (opt == OPT_REQUIRE_WORK) {
			require_work = 1;
		} else if (opt != OPT_CONFIG) {
			usage(stderr);
			goto out;
		}
	}
	if (optind < argc) {
		log_err("check-config: unexpected argument '%s'", argv[optind]);
		goto out;
	}
	if (gw_config__check(&cfg))
		goto out;
	rc = GW_EXIT_OK;
	if (!gw_config__has_work(&cfg)) {
		log_warn("%s: nothing to watch: set [sensor] roots or [audit] sources (or listen) in it, "
			 "then start the service (systemctl start gatewatch)", path);
		if (require_work)
			rc = GW_EXIT_FAIL;
	}
	if (print)
		gw_config__dump(&cfg, stdout);
	else if (rc == GW_EXIT_OK && gw_config__has_work(&cfg))
		printf("%s: ok\n", path);
out:
	gw_config__free(&cfg);
	return rc;
}
