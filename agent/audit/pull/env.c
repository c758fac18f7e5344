/* See env.h. */
#include "audit/pull/env.h"

#include <errno.h>
#include <stdlib.h>

#include "lib/log.h"

int pull_env__u64(const char *name, uint64_t dflt, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *v = getenv(name);
	unsigned long long n;
	char *end;

	*out = dflt;
	if (!v || !*v)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	if (errno || *end || v[0] < '0' || v[0] > '9' || n < min || n > max) {
		if (max == UINT64_MAX)
			log_err("%s: expected a number, got '%s'", name, v);
		else
			log_err("%s: expected %llu to %llu, got '%s'", name, (unsigned long long)min,
				(unsigned long long)max, v);
		return -EINVAL;
	}
	*out = n;
	return 0;
}
