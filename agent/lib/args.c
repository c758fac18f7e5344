/* See args.h. */
#include "lib/args.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

#include "lib/log.h"

int gw_arg__u64(const char *flag, const char *arg, uint64_t min, uint64_t max, uint64_t *out)
{
	unsigned long long v = 0;
	char *end = NULL;

	errno = 0;
	if (arg && arg[0] >= '0' && arg[0] <= '9')
		v = strtoull(arg, &end, 10);
	if (!end || *end || errno || v < min || v > max) {
		log_err("invalid %s '%s': expected %" PRIu64 "..%" PRIu64, flag, arg ? arg : "", min,
			max);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

void gw_arg__deprecated(const char *old_flag, const char *new_flag)
{
	log_warn("--%s is deprecated; use --%s", old_flag, new_flag);
}
