/* UTC timestamps as ISO-8601 ("2026-11-24T02:10:00.000Z"). */
#ifndef GW_TIMEFMT_H
#define GW_TIMEFMT_H

#include <stddef.h>
#include <stdint.h>

/* Writes "" if size is too small. Returns buf. */
char *gw_format_time_ms(int64_t ms, char *buf, size_t size);

#endif
