/* agent/audit/pull: the numbers that tune a pull (GATEWATCH_S3_MAX_OBJECTS,
 * GATEWATCH_S3_PAGE_SIZE, GATEWATCH_S3_MAX_PAGES), read one way for every
 * transport. */
#ifndef GW_AUDIT_PULL_ENV_H
#define GW_AUDIT_PULL_ENV_H

#include <stdint.h>

/* *out = the decimal value of the environment variable name, from min to
 * max, or dflt when it is unset or empty. 0, or -EINVAL after one line
 * naming the variable, the range and the value. */
int pull_env__u64(const char *name, uint64_t dflt, uint64_t min, uint64_t max, uint64_t *out);

#endif
