/* The commands' number arguments: one grammar, one error line. */
#ifndef GW_ARGS_H
#define GW_ARGS_H

#include <stdint.h>

/* arg as decimal digits only (no sign, no space), from min to max: 0 with
 * *out set, or -EINVAL after one line "invalid FLAG 'ARG': expected
 * MIN..MAX". */
int gw_arg__u64(const char *flag, const char *arg, uint64_t min, uint64_t max, uint64_t *out);

/* An old flag still accepted: one line "--OLD is deprecated; use --NEW". */
void gw_arg__deprecated(const char *old_flag, const char *new_flag);

#endif
