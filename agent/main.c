/* gatewatch: parse the command and hand over. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "lib/log.h"

static void usage(FILE *out)
{
	fprintf(out,
		"usage: gatewatch COMMAND [OPTIONS]\n"
		"\n"
		"commands:\n"
		"  run       the agent: sensor, audit sources, detector, shipping (the daemon)\n"
		"  host      run the host sensor alone, print host windows as JSON lines\n"
		"  analyze   analyze audit logs offline, write a prioritized JSON report\n"
		"  collect   run the reference collector that stores finding batches\n"
		"  decode    print stored finding batches as JSON lines\n"
		"  ship      ship synthetic findings through the durable spool (tests)\n"
		"  check-config  validate the configuration, name the key at fault\n"
		"  version   print the version\n"
		"\n"
		"'gatewatch COMMAND --help' lists a command's options.\n");
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} cmds[] = {
		{ "host", host_main },
		{ "analyze", analyze_main },
		{ "collect", collect_main },
		{ "decode", decode_main },
		{ "ship", ship_main },
		{ "check-config", check_config_main },
		{ "run", run_main },
	};
	const char *cmd;

	gw_log_init("gatewatch");
	if (argc < 2) {
		usage(stderr);
		return GW_EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
		usage(stdout);
		return GW_EXIT_OK;
	}
	if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
		printf("gatewatch %s\n", GW_VERSION);
		return GW_EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (strcmp(cmd, cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	log_err("unknown command '%s' (see 'gatewatch --help')", cmd);
	return GW_EXIT_USAGE;
}
