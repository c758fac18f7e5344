/* The subcommands of the gatewatch binary. Each takes argv with argv[0] set
 * to the subcommand's name and returns the process exit status:
 * 0 success, 1 runtime failure, 2 bad usage or configuration. */
#ifndef GW_COMMANDS_H
#define GW_COMMANDS_H

#include "lib/gw.h"

int host_main(int argc, char **argv);
int analyze_main(int argc, char **argv);
int collect_main(int argc, char **argv);
int decode_main(int argc, char **argv);
int ship_main(int argc, char **argv);
int check_config_main(int argc, char **argv);
int run_main(int argc, char **argv);

#endif
