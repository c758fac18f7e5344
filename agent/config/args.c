/* The --config argument of the commands that load the configuration. */
#include <string.h>

#include "config.h"

const char *gw_config__path_arg(int argc, char **argv, int *given)
{
	*given = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
			*given = 1;
			return argv[i + 1];
		}
		if (strncmp(argv[i], "--config=", 9) == 0) {
			*given = 1;
			return argv[i] + 9;
		}
	}
	return GW_CONFIG_DEFAULT_PATH;
}
