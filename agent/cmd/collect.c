/* gatewatch collect: the reference collector (agent/collect). */
#include "cmd/cmd.h"
#include "collect/collect.h"

int collect_main(int argc, char **argv)
{
	return collect__run(argc, argv);
}
