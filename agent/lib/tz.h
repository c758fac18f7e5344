/* Time zones for business hours: a fixed UTC offset, or an IANA zone
 * ("Europe/Berlin") read from the system's tz database, so that local hours
 * follow daylight saving time.
 *
 * In: a zone name or offset. Out: the UTC offset in force at an instant.
 * The zone file (TZif, RFC 8536) is read once by gw_tz__load(); its
 * transitions answer for the past and its footer rule for later years.
 */
#ifndef GW_LIB_TZ_H
#define GW_LIB_TZ_H

#include <stdint.h>

struct gw_tz;

/* spec: "UTC", "Z", "+HH", "+HH:MM", "-HH:MM" (-14:00..+14:00), or an IANA
 * name looked up under $TZDIR or /usr/share/zoneinfo. Returns 0 and *out
 * (owned by the caller, gw_tz__free()), or -EINVAL (malformed offset or
 * name, or not a zone file), -ENOENT (no such zone) or -ENOMEM; *why (may
 * be NULL) says which in words. */
int gw_tz__load(const char *spec, struct gw_tz **out, const char **why);
/* 1 when spec is a fixed offset that gw_tz__load() accepts (*minutes set). */
int gw_tz__fixed(const char *spec, int *minutes);
/* The offset from UTC, in minutes, in force at t (UTC milliseconds). */
int32_t gw_tz__offset_min(const struct gw_tz *tz, int64_t t_ms);
/* The spec the zone was loaded from. */
const char *gw_tz__name(const struct gw_tz *tz);
void gw_tz__free(struct gw_tz *tz);

#endif
