/* What every part of gatewatch may name: the process exit statuses and the
 * version. 0 success, 1 runtime failure, 2 bad usage or configuration. */
#ifndef GW_GW_H
#define GW_GW_H

#define GW_EXIT_OK 0
#define GW_EXIT_FAIL 1
#define GW_EXIT_USAGE 2

#ifndef GW_VERSION
#define GW_VERSION "0.1.0"
#endif

#endif
