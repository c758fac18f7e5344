/* Capability sets by name, as the daemon logs them after attach. */
#include <string.h>

#include "assert.h"
#include "host/caps.h"

TEST(caps_names)
{
	char buf[128];

	ASSERT_EQ_STR("none", caps__names(0, buf, sizeof(buf)));
	/* CAP_DAC_READ_SEARCH (2) and CAP_SYS_PTRACE (19): the old 0x80004 */
	ASSERT_EQ_STR("cap_dac_read_search, cap_sys_ptrace", caps__names(0x80004, buf, sizeof(buf)));
	ASSERT_EQ_STR("cap_perfmon, cap_bpf", caps__names((1ull << 38) | (1ull << 39), buf, sizeof(buf)));
	ASSERT_EQ_STR("cap_63", caps__names(1ull << 63, buf, sizeof(buf)));
	/* truncated, never overrun */
	caps__names(~0ull, buf, 16);
	ASSERT(strlen(buf) < 16);
}
