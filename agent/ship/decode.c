/* Placeholder until the command lands. */
#include "commands.h"
#include "log.h"

int decode_main(int argc, char **argv)
{
	(void)argc;
	log_err("%s: not built yet", argv[0]);
	return GW_EXIT_FAIL;
}
