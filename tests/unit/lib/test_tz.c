/* Time zones: fixed offsets, IANA zones from the system's tz database across
 * daylight-saving switches, and the business hours that follow them. */
#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "assert.h"
#include "detect/detect.h"
#include "detect/detect_internal.h"
#include "lib/tz.h"

/* 2026-03-29 01:00 UTC: central Europe switches to summer time;
 * 2026-10-25 01:00 UTC: back. */
#define SPRING_2026 1774746000000LL
#define AUTUMN_2026 1792890000000LL

TEST(tz_fixed_offsets)
{
	struct gw_tz *tz;
	int m;

	ASSERT_EQ_INT(0, gw_tz__load("-05:30", &tz, NULL));
	ASSERT_EQ_INT(-330, gw_tz__offset_min(tz, SPRING_2026));
	gw_tz__free(tz);
	ASSERT_EQ_INT(1, gw_tz__fixed("UTC", &m));
	ASSERT_EQ_INT(0, m);
	ASSERT_EQ_INT(1, gw_tz__fixed("+14", &m));
	ASSERT_EQ_INT(840, m);
	ASSERT_EQ_INT(0, gw_tz__fixed("+14:30", &m));
	ASSERT_EQ_INT(0, gw_tz__fixed("0530", &m));
	ASSERT_EQ_INT(0, gw_tz__fixed("Europe/Berlin", &m));
}

TEST(tz_berlin_follows_dst)
{
	struct gw_tz *tz;

	ASSERT_EQ_INT(0, gw_tz__load("Europe/Berlin", &tz, NULL));
	ASSERT_EQ_STR("Europe/Berlin", gw_tz__name(tz));
	ASSERT_EQ_INT(60, gw_tz__offset_min(tz, SPRING_2026 - 1));
	ASSERT_EQ_INT(120, gw_tz__offset_min(tz, SPRING_2026));
	ASSERT_EQ_INT(120, gw_tz__offset_min(tz, AUTUMN_2026 - 1));
	ASSERT_EQ_INT(60, gw_tz__offset_min(tz, AUTUMN_2026));
	/* 2040 is past the last transition a zone file lists: the footer rule */
	ASSERT_EQ_INT(60, gw_tz__offset_min(tz, 2216250000000LL - 1));  /* 2040-03-25 01:00Z */
	ASSERT_EQ_INT(120, gw_tz__offset_min(tz, 2216250000000LL));
	gw_tz__free(tz);
}

TEST(tz_bad_names_refused)
{
	static const char *const bad[] = { "Europe/Berln", "Mars/Olympus", "../../etc/passwd",
					   "Europe/../UTC", "/etc/localtime", "", "Europe/Berlin/",
					   "Europe Berlin", "zone.tab" };
	struct gw_tz *tz;
	const char *why = NULL;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int err = gw_tz__load(bad[i], &tz, &why);

		if (err != -EINVAL && err != -ENOENT)
			FAIL_AT("zone '%s' accepted (%d)", bad[i], err);
		ASSERT(tz == NULL && why && why[0]);
	}
	ASSERT_EQ_INT(-ENOENT, gw_tz__load("Europe/Berln", &tz, &why));
	ASSERT_EQ_STR("unknown time zone (not in the system's tz database)", why);
}

/* The same answer as the C library's own reading of the database, every
 * 5 hours 7 minutes from 1970 to 2060, in zones of both hemispheres, with
 * negative DST (Dublin), half hours (Kolkata, Chatham) and rule changes. */
TEST(tz_agrees_with_libc)
{
	static const char *const zones[] = { "Europe/Berlin", "America/New_York",
					     "Australia/Sydney", "Europe/Dublin", "Asia/Kolkata",
					     "Pacific/Chatham", "America/Sao_Paulo", "America/Nuuk",
					     "Africa/Casablanca", "Asia/Tehran" };
	const int64_t step = (5 * 3600 + 7 * 60) * 1000LL, end = 2840140800000LL;
	char *old = getenv("TZ") ? strdup(getenv("TZ")) : NULL;

	for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
		struct gw_tz *tz;
		size_t bad = 0;

		ASSERT_EQ_INT(0, gw_tz__load(zones[z], &tz, NULL));
		setenv("TZ", zones[z], 1);
		tzset();
		for (int64_t t = 0; t < end; t += step) {
			time_t s = (time_t)(t / 1000);
			struct tm tm;

			localtime_r(&s, &tm);
			if (gw_tz__offset_min(tz, t) != tm.tm_gmtoff / 60 && !bad++)
				fprintf(stderr, "  %s at %lld: %d, libc %ld\n", zones[z],
					(long long)s, gw_tz__offset_min(tz, t), tm.tm_gmtoff / 60);
		}
		gw_tz__free(tz);
		if (bad)
			FAIL_AT("%s: %zu instants disagree with the C library", zones[z], bad);
	}
	if (old)
		setenv("TZ", old, 1);
	else
		unsetenv("TZ");
	tzset();
	free(old);
}

/* Business hours 8-18 in Europe/Berlin: 08:30 local is inside them on
 * both sides of the spring switch, 07:30 outside; a fixed +01:00 gets the
 * summer side wrong by an hour. */
TEST(tz_business_hours_across_dst)
{
	const int64_t fri_0830_cet = 1774596600000LL;   /* 2026-03-27 07:30Z */
	const int64_t mon_0830_cest = 1774852200000LL;  /* 2026-03-30 06:30Z */
	struct detector_config c;
	struct detector *d;

	detector_config__defaults(&c);
	c.tz_name = "Europe/Berlin";
	d = detector__new(&c);
	ASSERT(d);
	ASSERT_EQ_INT(0, detector__off_hours(d, fri_0830_cet));
	ASSERT_EQ_INT(0, detector__off_hours(d, mon_0830_cest));
	ASSERT_EQ_INT(1, detector__off_hours(d, fri_0830_cet - 3600000));
	ASSERT_EQ_INT(1, detector__off_hours(d, mon_0830_cest - 3600000));
	detector__free(d);
	c.tz_name = NULL;
	c.tz_offset_min = 60;
	d = detector__new(&c);
	ASSERT(d);
	ASSERT_EQ_INT(0, detector__off_hours(d, fri_0830_cet));
	ASSERT_EQ_INT(1, detector__off_hours(d, mon_0830_cest));
	detector__free(d);
	c.tz_name = "Europe/Berln";
	d = detector__new(&c);
	ASSERT(d == NULL && errno == ENOENT);
}
